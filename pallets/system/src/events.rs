//! What the pallet reports: the events of extrinsics, accounts and code changes, and the errors
//! that refuse a call.

use crate::PALLET;
use codec::{Decode, Encode};
use cpc_primitives::{
    AccountId, H256,
    dispatch::{DispatchError, DispatchInfo},
};
use scale_info::TypeInfo;

/// The pallet's events. Indices follow FRAME's system pallet.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// An extrinsic completed successfully.
    #[codec(index = 0)]
    ExtrinsicSuccess {
        /// Its dispatch information.
        dispatch_info: DispatchInfo,
    },
    /// An extrinsic failed.
    #[codec(index = 1)]
    ExtrinsicFailed {
        /// Why.
        dispatch_error: DispatchError,
        /// Its dispatch information.
        dispatch_info: DispatchInfo,
    },
    /// `:code` was updated.
    #[codec(index = 2)]
    CodeUpdated,
    /// A new account was created.
    #[codec(index = 3)]
    NewAccount {
        /// The account.
        account: AccountId,
    },
    /// An account was reaped.
    #[codec(index = 4)]
    KilledAccount {
        /// The account.
        account: AccountId,
    },
    /// On-chain remark happened.
    #[codec(index = 5)]
    Remarked {
        /// Who made it.
        sender: AccountId,
        /// blake2-256 of the remark.
        hash: H256,
    },
}

/// The pallet's errors. Indices follow FRAME's system pallet.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The name of the new runtime differs from the current one.
    InvalidSpecName,
    /// The new runtime's `spec_version` is not higher than the current one.
    SpecVersionNeedsToIncrease,
    /// The runtime version of the new code could not be read.
    FailedToExtractRuntimeVersion,
    /// Suicide called when the account has non-default composite data.
    NonDefaultComposite,
    /// There is a non-zero reference count preventing the account from being purged.
    NonZeroRefCount,
    /// The origin filter prevents the call.
    CallFiltered,
    /// The remark is longer than a normal extrinsic may be.
    RemarkTooLong,
    /// The new code is larger than `MAX_CODE_SIZE`.
    CodeTooLarge,
    /// The new code is not usable wasm: it does not compile or imports unknown host functions.
    InvalidWasm,
    /// The new code lacks functions every runtime must export.
    MissingRuntimeExports,
}

cpc_support::pallet_error!(Error, PALLET);
