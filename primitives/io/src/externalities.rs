//! The native side: the runtime's view of state and the host, installed per thread.

use alloc::vec::Vec;
use cpc_primitives::H256;

/// The result of clearing keys under a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClearPrefixResult {
    /// Keys removed.
    pub removed: u32,
    /// Whether no key with the prefix remains.
    pub complete: bool,
}

/// Returned when committing or rolling back with no storage transaction open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoOpenTransaction;

impl core::fmt::Display for NoOpenTransaction {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("no storage transaction is open")
    }
}

impl std::error::Error for NoOpenTransaction {}

/// What runtime code can do to state and ask of the host.
///
/// Implemented by the state machine over an overlay of changes; the wasm executor implements
/// the `env` imports over the same trait. Methods do not return errors: a backend failure (a
/// missing trie node, a database error) is not something the runtime can handle, so the
/// implementation panics and the executor reports the call as failed.
pub trait Externalities {
    /// The value at `key`.
    fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>>;

    /// Whether `key` has a value.
    fn exists_storage(&mut self, key: &[u8]) -> bool {
        self.storage(key).is_some()
    }

    /// The first key after `key` in lexicographic order.
    fn next_storage_key(&mut self, key: &[u8]) -> Option<Vec<u8>>;

    /// Sets `key` to `value`.
    fn set_storage(&mut self, key: Vec<u8>, value: Vec<u8>);

    /// Removes `key`.
    fn clear_storage(&mut self, key: &[u8]);

    /// Removes up to `limit` keys starting with `prefix` (all of them when `None`).
    fn clear_prefix(&mut self, prefix: &[u8], limit: Option<u32>) -> ClearPrefixResult;

    /// Appends an encoded item to the SCALE `Vec` at `key` (creating it if absent).
    fn append_storage(&mut self, key: Vec<u8>, item: Vec<u8>);

    /// The state root with all changes so far applied.
    fn storage_root(&mut self) -> H256;

    /// Opens a nested storage transaction.
    fn storage_start_transaction(&mut self);

    /// Commits the innermost transaction; `Err` if none is open.
    fn storage_commit_transaction(&mut self) -> Result<(), NoOpenTransaction>;

    /// Discards the innermost transaction's changes; `Err` if none is open.
    fn storage_rollback_transaction(&mut self) -> Result<(), NoOpenTransaction>;

    /// Loads `code` in the executor and returns its encoded `RuntimeVersion`, or why it cannot
    /// be loaded.
    fn runtime_version(&mut self, code: &[u8]) -> Result<Vec<u8>, crate::RuntimeVersionError>;

    /// Generates a new sr25519 key of `key_type` in the node's keystore (from the secret URI
    /// `seed` when given) and returns its public key. Only calls the node makes on behalf of
    /// its operator (`author_rotateKeys`) offer a keystore; block execution never does.
    fn sr25519_generate(
        &mut self,
        key_type: [u8; 4],
        seed: Option<&str>,
    ) -> Result<[u8; 32], String> {
        let _ = (key_type, seed);
        Err("no keystore is offered to this call".into())
    }
}

environmental::environmental!(ext: trait Externalities);

/// Runs `f` with `ext` as the current thread's externalities.
pub fn set_and_run_with_externalities<R>(ext: &mut dyn Externalities, f: impl FnOnce() -> R) -> R {
    ext::using(ext, f)
}

/// Runs `f` on the current externalities, or returns `None` if none is installed.
pub fn with_externalities<R>(f: impl FnOnce(&mut dyn Externalities) -> R) -> Option<R> {
    ext::with(f)
}

/// Runs `f` on the current externalities; runtime code without externalities is a bug.
pub(crate) fn ext<R>(f: impl FnOnce(&mut dyn Externalities) -> R) -> R {
    with_externalities(f).expect(
        "runtime code called a host function outside `set_and_run_with_externalities`; \
         wrap the test in `TestExternalities::execute_with`",
    )
}
