//! How runtime code reads and writes state.
//!
//! - [`OverlayedChanges`] holds the changes of a block (or call) in memory, with nested
//!   transactions so a failed extrinsic's changes can be dropped.
//! - [`Backend`] is the committed state under it: [`InMemoryBackend`] for tests and genesis,
//!   [`TrieBackend`] over a node database for the node.
//! - [`Ext`] joins the two into the [`cpc_io::Externalities`] the runtime calls.
//! - [`TestExternalities`] owns all three for pallet tests.
//!
//! Invariant: the overlay never changes the backend; only the caller applies the changes it
//! takes out with [`OverlayedChanges::drain_committed`], after execution succeeded.

mod backend;
mod ext;
mod overlay;
mod testing;
mod trie_backend;

pub use backend::{Backend, BackendError, InMemoryBackend, StorageCollection};
pub use ext::{Ext, KeystoreExt, ReadRuntimeVersion, append_to_encoded_vec};
pub use overlay::{MAX_TRANSACTION_DEPTH, OverlayedChanges};
pub use testing::TestExternalities;
pub use trie_backend::{TrieBackend, TrieNodeStorage};
