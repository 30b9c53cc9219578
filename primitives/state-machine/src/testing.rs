//! Externalities for tests: in-memory state plus an overlay.

use crate::{Ext, InMemoryBackend, OverlayedChanges, ReadRuntimeVersion};
use cpc_primitives::H256;
use std::collections::BTreeMap;

/// In-memory state for pallet and runtime tests.
#[derive(Default)]
pub struct TestExternalities {
    backend: InMemoryBackend,
    overlay: OverlayedChanges,
    version_reader: Option<Box<dyn ReadRuntimeVersion + Send>>,
}

impl TestExternalities {
    /// State holding `storage`.
    pub fn new(storage: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        Self {
            backend: InMemoryBackend::new(storage),
            overlay: OverlayedChanges::new(),
            version_reader: None,
        }
    }

    /// Uses `reader` to answer `misc::runtime_version` (the node uses its executor; pallet
    /// tests that check code without one install a reader of their own).
    pub fn with_version_reader(mut self, reader: impl ReadRuntimeVersion + Send + 'static) -> Self {
        self.version_reader = Some(Box::new(reader));
        self
    }

    /// Runs `f` with these externalities installed.
    pub fn execute_with<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let reader = self
            .version_reader
            .as_deref()
            .map(|r| r as &dyn ReadRuntimeVersion);
        let mut ext = Ext::new(&mut self.overlay, &self.backend, reader);
        cpc_io::set_and_run_with_externalities(&mut ext, f)
    }

    /// Moves the overlay's committed changes into the backend.
    pub fn commit_all(&mut self) {
        let changes = self.overlay.drain_committed();
        self.backend.apply(changes);
    }

    /// The state root including uncommitted changes.
    pub fn storage_root(&mut self) -> H256 {
        self.execute_with(cpc_io::storage::root)
    }

    /// All storage, with changes committed.
    pub fn into_storage(mut self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.commit_all();
        self.backend.into_storage()
    }

    /// A copy of all storage, with changes committed.
    pub fn storage(&mut self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.commit_all();
        self.backend.storage().clone()
    }
}
