//! Origins, dispatch and storage transactions.

use cpc_primitives::{
    AccountId,
    dispatch::{DispatchError, DispatchInfo, DispatchResultWithPostInfo},
};

/// Who is calling.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RawOrigin {
    /// The chain itself, through governance (sudo, council).
    Root,
    /// An account that signed the transaction.
    Signed(AccountId),
    /// Nobody: inherents and validated unsigned transactions.
    None,
}

/// The signer, or `BadOrigin`.
pub fn ensure_signed(origin: RawOrigin) -> Result<AccountId, DispatchError> {
    match origin {
        RawOrigin::Signed(who) => Ok(who),
        _ => Err(DispatchError::BadOrigin),
    }
}

/// `Ok` for the root origin, else `BadOrigin`.
pub fn ensure_root(origin: RawOrigin) -> Result<(), DispatchError> {
    match origin {
        RawOrigin::Root => Ok(()),
        _ => Err(DispatchError::BadOrigin),
    }
}

/// `Ok` for the none origin, else `BadOrigin`.
pub fn ensure_none(origin: RawOrigin) -> Result<(), DispatchError> {
    match origin {
        RawOrigin::None => Ok(()),
        _ => Err(DispatchError::BadOrigin),
    }
}

/// A call that can be dispatched.
pub trait Dispatchable {
    /// Runs the call as `origin`. Callers wrap this in [`with_transaction`].
    fn dispatch(self, origin: RawOrigin) -> DispatchResultWithPostInfo;
}

/// Weight, class and fee behaviour of a call, known before it runs.
pub trait GetDispatchInfo {
    /// The call's dispatch information.
    fn get_dispatch_info(&self) -> DispatchInfo;
}

/// Runs `f` in a storage transaction: its changes are kept if it returns `Ok` and discarded if
/// it returns `Err`.
pub fn with_transaction<R, E>(f: impl FnOnce() -> Result<R, E>) -> Result<R, E> {
    cpc_io::storage::start_transaction();
    let result = f();
    match result {
        Ok(_) => cpc_io::storage::commit_transaction(),
        Err(_) => cpc_io::storage::rollback_transaction(),
    }
    result
}
