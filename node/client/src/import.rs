//! Block import: every block, authored here or received, enters the chain through
//! [`Client::import_block`].

use crate::{BlockNotification, Client, ClientError, ExecutionMode, State};
use cpc_api::{block_builder, core};
use cpc_db::BlockCommit;
use cpc_executor::{CallApi, ExecutionError, RuntimeCode, RuntimeExecutor};
use cpc_primitives::{Block, H256};
use cpc_state_machine::{Ext, OverlayedChanges};
use cpc_trie::MemoryDB;
use std::{collections::BTreeMap, sync::Arc, time::Instant};

/// Storage changes of a block: `None` deletes.
pub type Changes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// What a block does to its parent's state, computed once by whoever executed it: the storage
/// changes, the new state root, and the trie nodes the root adds and drops (what the database
/// commits). Building or checking a block produces it; importing the same block reuses it, so
/// the trie is walked once per block on every path.
#[derive(Clone)]
pub struct StateChanges {
    /// The storage changes.
    pub changes: Changes,
    /// The state root after them.
    pub root: H256,
    /// Trie nodes added (count above zero) and no longer referenced (below zero).
    pub nodes: MemoryDB,
}

impl StateChanges {
    /// The changes of a block executed on `parent`, with the root and nodes they make. When
    /// the execution asked `parent` for the root of the same changes (a runtime's
    /// `finalize_block` does), the trie work it did is reused.
    pub fn on(parent: &State, changes: Changes) -> Result<Self, ClientError> {
        let (root, nodes) = parent
            .apply_changes(changes.iter().map(|(k, v)| (k.as_slice(), v.as_deref())))
            .map_err(|e| ClientError::State(e.to_string()))?;
        Ok(Self {
            changes,
            root,
            nodes,
        })
    }
}

impl std::fmt::Debug for StateChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateChanges")
            .field("changes", &self.changes.len())
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// Where a block comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockOrigin {
    /// Authored by this node.
    Own,
    /// Received from a peer.
    Network,
    /// Downloaded while catching up.
    Sync,
    /// Read from a file (`import-blocks`).
    File,
}

/// A block to import.
pub struct ImportParams {
    /// The block.
    pub block: Block,
    /// Its consensus justification.
    pub justification: Option<Vec<u8>>,
    /// Where it comes from.
    pub origin: BlockOrigin,
    /// Whether it is final.
    pub finalized: bool,
    /// The block's state changes, when this node built or checked it on the same parent
    /// (execution and the trie pass are then skipped; the root is still compared with the
    /// header's).
    pub precomputed: Option<StateChanges>,
}

/// The outcome of a successful import.
#[derive(Clone, Debug)]
pub struct ImportedBlock {
    /// The block's hash.
    pub hash: H256,
    /// Its number.
    pub number: u32,
    /// Time spent, in microseconds.
    pub micros: u64,
}

/// Why a block was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The block is already in the chain.
    #[error("block #{0} {1:?} is already imported")]
    AlreadyImported(u32, H256),
    /// The parent is not the best block (unknown, or a fork: blocks are final on import).
    #[error("block #{number} has parent {parent:?}, which is not the best block")]
    NotOnBestChain {
        /// The block's number.
        number: u32,
        /// Its parent.
        parent: H256,
    },
    /// The number does not follow the parent's.
    #[error("block number {0} does not follow its parent's")]
    BadNumber(u32),
    /// The consensus proof does not hold.
    #[error("invalid justification: {0}")]
    InvalidJustification(String),
    /// An inherent failed this node's check (for example a timestamp far in the future).
    #[error("inherents rejected: {0}")]
    InherentsRejected(String),
    /// The runtime refused the block (the message says why).
    #[error("execution failed: {0}")]
    ExecutionFailed(String),
    /// The state root differs from the header's.
    #[error("state root mismatch: header {header:?}, computed {computed:?}")]
    StateRootMismatch {
        /// The header's root.
        header: H256,
        /// The computed root.
        computed: H256,
    },
    /// The wasm and native runtimes disagree (`--execution both`).
    #[error("wasm and native execution differ: {0}")]
    Nondeterminism(String),
    /// The node failed (database, pruned parent state).
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl Client {
    /// Puts the blocks imported from sync or a file on disk: they are committed without waiting
    /// for it ([`ChainDb::commit_unsynced`](cpc_db::ChainDb::commit_unsynced)), so whoever
    /// imports a run of them calls this at its end.
    pub fn sync_imported(&self) -> Result<(), ClientError> {
        Ok(self.db.sync_wal()?)
    }

    /// Imports a block on top of the best block.
    pub fn import_block(&self, params: ImportParams) -> Result<ImportedBlock, ImportError> {
        let _guard = self.import_lock.lock();
        let started = Instant::now();
        let ImportParams {
            block,
            justification,
            origin,
            finalized,
            precomputed,
        } = params;
        let hash = block.header.hash();
        let number = block.header.number;
        if self.db.header(&hash).map_err(ClientError::from)?.is_some() {
            return Err(ImportError::AlreadyImported(number, hash));
        }
        let info = self.info();
        if block.header.parent_hash != info.best_hash {
            return Err(ImportError::NotOnBestChain {
                number,
                parent: block.header.parent_hash,
            });
        }
        if number != info.best_number + 1 {
            return Err(ImportError::BadNumber(number));
        }
        self.config
            .verifier
            .verify(self, &block.header, justification.as_deref())
            .map_err(ImportError::InvalidJustification)?;

        let StateChanges {
            changes,
            root,
            nodes,
        } = match precomputed {
            Some(state) => state,
            None => {
                let parent = self.state_at(&info.best_hash)?;
                let certified =
                    justification.is_some() && self.config.verifier.certifies_finality();
                if !certified {
                    self.check_inherents(&parent, &block)?;
                }
                let changes = self.execute(&parent, &block)?;
                StateChanges::on(&parent, changes)?
            }
        };
        if root != block.header.state_root {
            return Err(ImportError::StateRootMismatch {
                header: block.header.state_root,
                computed: root,
            });
        }
        let Block { header, extrinsics } = block;
        let commit = BlockCommit {
            header: header.clone(),
            body: extrinsics.clone(),
            justification,
            state_changes: nodes,
            finalized,
        };
        // Runs of certified blocks are made durable once per run (`sync_imported`): a block
        // lost to a power failure is fetched again.
        match origin {
            BlockOrigin::Sync | BlockOrigin::File => self.db.commit_unsynced(commit),
            BlockOrigin::Own | BlockOrigin::Network => self.db.commit(commit),
        }
        .map_err(ClientError::from)?;
        let micros = started.elapsed().as_micros() as u64;
        self.notify(BlockNotification {
            hash,
            header,
            extrinsics: Arc::new(extrinsics),
            changes: Arc::new(changes),
            finalized,
            origin,
            import_micros: micros,
        });
        Ok(ImportedBlock {
            hash,
            number,
            micros,
        })
    }

    /// Executes `block` on the best block and checks its state root, importing nothing: what a
    /// validator does before voting for a proposal. The changes can be passed to
    /// [`Client::import_block`] as `precomputed` once the block is final.
    pub fn check_block(&self, block: &Block) -> Result<StateChanges, ImportError> {
        let info = self.info();
        if block.header.parent_hash != info.best_hash {
            return Err(ImportError::NotOnBestChain {
                number: block.header.number,
                parent: block.header.parent_hash,
            });
        }
        if block.header.number != info.best_number + 1 {
            return Err(ImportError::BadNumber(block.header.number));
        }
        let parent = self.state_at(&info.best_hash)?;
        self.check_inherents(&parent, block)?;
        self.execute_and_check_root(&parent, block)
    }

    /// Executes `block` again on its parent's state (which must still be stored) and checks
    /// its state root, changing nothing: `cpchain check-block`. Inherents are not checked
    /// against this node's clock, which has moved on since the block was made.
    pub fn reexecute_block(&self, block: &Block) -> Result<H256, ImportError> {
        let parent = self.state_at(&block.header.parent_hash)?;
        Ok(self.execute_and_check_root(&parent, block)?.root)
    }

    /// Executes `block` on `parent` and checks the state root its header claims.
    fn execute_and_check_root(
        &self,
        parent: &State,
        block: &Block,
    ) -> Result<StateChanges, ImportError> {
        let changes = self.execute(parent, block)?;
        let state = StateChanges::on(parent, changes)?;
        if state.root != block.header.state_root {
            return Err(ImportError::StateRootMismatch {
                header: block.header.state_root,
                computed: state.root,
            });
        }
        Ok(state)
    }

    fn check_inherents(&self, parent: &State, block: &Block) -> Result<(), ImportError> {
        let code = self.runtime_code(parent, block.header.number.saturating_sub(1))?;
        let data = (self.config.inherent_data)();
        let mut overlay = OverlayedChanges::new();
        let mut ext = Ext::new(&mut overlay, parent, Some(self.version_reader()));
        let result = self
            .wasm
            .call_api::<block_builder::check_inherents>(&mut ext, &code, (block, data))
            .map_err(|e| ImportError::ExecutionFailed(e.to_string()))?;
        if result.ok() {
            return Ok(());
        }
        let reasons: Vec<String> = result
            .errors
            .iter()
            .map(|(_, why)| String::from_utf8_lossy(why).into_owned())
            .collect();
        Err(ImportError::InherentsRejected(reasons.join("; ")))
    }

    /// Executes `block` on `parent` with `executor`; the changes it makes.
    fn execute_with(
        &self,
        executor: &dyn RuntimeExecutor,
        parent: &State,
        code: &RuntimeCode<'_>,
        block: &Block,
    ) -> Result<Changes, ExecutionError> {
        let mut overlay = OverlayedChanges::new();
        {
            let mut ext = Ext::new(&mut overlay, parent, Some(self.version_reader()));
            executor.call_api::<core::execute_block>(&mut ext, code, (block,))?;
        }
        Ok(overlay.drain_committed())
    }

    fn execute(&self, parent: &State, block: &Block) -> Result<Changes, ImportError> {
        let code = self.runtime_code(parent, block.header.number.saturating_sub(1))?;
        let failed = |e: ExecutionError| ImportError::ExecutionFailed(e.to_string());
        let wasm = || {
            self.execute_with(self.wasm.as_ref(), parent, &code, block)
                .map_err(failed)
        };
        match (self.config.execution, &self.native) {
            (ExecutionMode::Wasm, _) | (_, None) => wasm(),
            // After an upgrade the native runtime is an older version: only wasm can run it.
            (ExecutionMode::Native, Some(native)) => {
                match self.execute_with(native.as_ref(), parent, &code, block) {
                    Err(ExecutionError::NativeVersionMismatch { .. }) => wasm(),
                    other => other.map_err(failed),
                }
            }
            (ExecutionMode::Both, Some(native)) => {
                let wasm = wasm()?;
                let native = match self.execute_with(native.as_ref(), parent, &code, block) {
                    Err(ExecutionError::NativeVersionMismatch { .. }) => return Ok(wasm),
                    other => other.map_err(failed)?,
                };
                if wasm != native {
                    let differing = wasm
                        .keys()
                        .chain(native.keys())
                        .find(|k| wasm.get(*k) != native.get(*k))
                        .map(hex::encode)
                        .unwrap_or_default();
                    return Err(ImportError::Nondeterminism(format!(
                        "first differing key 0x{differing}"
                    )));
                }
                Ok(wasm)
            }
        }
    }
}
