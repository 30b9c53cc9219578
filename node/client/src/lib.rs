//! The node's view of the chain.
//!
//! [`Client`] joins the chain store, the executor and the runtime API:
//! - genesis from a [`chain_spec::ChainSpec`] ([`genesis`]);
//! - state at any kept block, storage reads, read proofs, runtime calls ([`Client::call_at`]);
//! - block import ([`Client::import_block`]): parent and number checks, the consensus
//!   verifier's check of the justification, inherent checks against this node's clock,
//!   execution in the runtime, the state root check, and one atomic database commit; every
//!   refusal carries its reason ([`ImportError`]);
//! - block building ([`Client::build_block`]) for authors, whose result goes through the same
//!   import path;
//! - on sidechains, the index of IoT readings by device and time ([`readings_index`]).
//!
//! Imports are serialized; reads run concurrently.

mod builder;
pub mod chain_spec;
pub mod genesis;
mod import;
pub mod readings_index;
pub mod upgrades_index;

pub use builder::{BuildParams, BuiltBlock};
pub use import::{BlockOrigin, Changes, ImportError, ImportParams, ImportedBlock, StateChanges};

use codec::EncodeLike;
use cpc_api::Method;
use cpc_db::{ChainDb, DbError, StateStorage};
pub use cpc_executor::CallClass;
use cpc_executor::{CallApi, ExecutionError, NativeExecutor, RuntimeCode, WasmExecutor};
use cpc_primitives::{
    Block, H256, Header, OpaqueExtrinsic, inherent::InherentData, storage::well_known_keys,
};
use cpc_state_machine::{Backend, Ext, OverlayedChanges, ReadRuntimeVersion, TrieBackend};
use cpc_version::RuntimeVersion;
use parking_lot::Mutex;
use std::{collections::HashMap, sync::Arc};
use tokio::sync::broadcast;

/// The state of a block.
pub type State = TrieBackend<StateStorage>;

/// Client errors.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No block with this hash.
    #[error("unknown block {0:?}")]
    UnknownBlock(H256),
    /// The block is known but its state was pruned.
    #[error("the state of block {0:?} is no longer kept (state pruning)")]
    StatePruned(H256),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The runtime call failed.
    #[error(transparent)]
    Execution(#[from] ExecutionError),
    /// The state backend failed.
    #[error("state: {0}")]
    State(String),
    /// A runtime result did not decode.
    #[error("the runtime returned an undecodable {0}")]
    BadRuntimeOutput(&'static str),
    /// The chain has not been initialized.
    #[error("the chain has no genesis")]
    NoGenesis,
}

/// Which executor runs imported blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ExecutionMode {
    /// The on-chain wasm code (always correct).
    #[default]
    Wasm,
    /// The native runtime, falling back to wasm when the on-chain code is another version.
    Native,
    /// Both, failing the import if they disagree (a determinism check).
    Both,
}

/// Checks the consensus proof of blocks before import.
pub trait BlockVerifier: Send + Sync {
    /// Whether `header`, with `justification`, may be imported on top of its parent.
    fn verify(
        &self,
        client: &Client,
        header: &Header,
        justification: Option<&[u8]>,
    ) -> Result<(), String>;

    /// Whether a justification this verifier accepted proves its block final (a committee's
    /// certificate). Such a block is not judged again by this node's clock on import: the
    /// committee judged it before signing, and a node whose clock is off must still follow
    /// the chain it certified.
    fn certifies_finality(&self) -> bool {
        false
    }
}

/// Accepts every block: the dev chain's single authority.
pub struct AcceptAll;

impl BlockVerifier for AcceptAll {
    fn verify(&self, _: &Client, _: &Header, _: Option<&[u8]>) -> Result<(), String> {
        Ok(())
    }
}

/// The chain's pointers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainInfo {
    /// Genesis hash.
    pub genesis_hash: H256,
    /// Best block hash.
    pub best_hash: H256,
    /// Best block number.
    pub best_number: u32,
    /// Last finalized block hash.
    pub finalized_hash: H256,
    /// Last finalized block number.
    pub finalized_number: u32,
}

/// A block was imported.
#[derive(Clone, Debug)]
pub struct BlockNotification {
    /// Its hash.
    pub hash: H256,
    /// Its header.
    pub header: Header,
    /// Its extrinsics.
    pub extrinsics: Arc<Vec<OpaqueExtrinsic>>,
    /// The storage changes it made (for storage subscriptions).
    pub changes: Arc<Changes>,
    /// Whether it is final.
    pub finalized: bool,
    /// Where it came from.
    pub origin: BlockOrigin,
    /// How long the import took, in microseconds.
    pub import_micros: u64,
}

/// Settings of a client.
pub struct ClientConfig {
    /// Which executor runs blocks.
    pub execution: ExecutionMode,
    /// Provides this node's inherent data (its clock) for checking imported blocks.
    pub inherent_data: Arc<dyn Fn() -> InherentData + Send + Sync>,
    /// The consensus verifier.
    pub verifier: Arc<dyn BlockVerifier>,
    /// Replacement runtime code by block number (the chain spec's `codeSubstitutes`): from that
    /// block on, while the chain's code is still the one it had there, the replacement runs
    /// instead. It recovers a chain whose runtime fails.
    pub code_substitutes: std::collections::BTreeMap<u32, Vec<u8>>,
}

/// The node's view of the chain.
pub struct Client {
    db: Arc<ChainDb>,
    wasm: Arc<WasmExecutor>,
    native: Option<Arc<NativeExecutor>>,
    config: ClientConfig,
    import_lock: Mutex<()>,
    notifications: broadcast::Sender<BlockNotification>,
    versions: Mutex<HashMap<H256, RuntimeVersion>>,
    /// For each code substitute, the hash of the code it replaces, once known.
    substituted: Mutex<HashMap<u32, H256>>,
}

impl Client {
    /// A client over `db`, writing `genesis` into an empty database or checking that the
    /// database holds that chain.
    pub fn new(
        db: Arc<ChainDb>,
        wasm: Arc<WasmExecutor>,
        native: Option<Arc<NativeExecutor>>,
        genesis: &genesis::GenesisState,
        config: ClientConfig,
    ) -> Result<Self, ClientError> {
        if db.meta().is_none() {
            let mut nodes = cpc_trie::MemoryDB::default();
            let root = cpc_trie::build_trie(&mut nodes, &genesis.storage);
            debug_assert_eq!(root, genesis.header.state_root);
            db.commit_genesis(genesis.header.clone(), nodes)?;
            log::info!(target: "client", "initialized the chain with genesis {:#}", genesis.hash());
        } else {
            db.check_genesis(genesis.hash())?;
        }
        let (notifications, _) = broadcast::channel(1024);
        Ok(Self {
            db,
            wasm,
            native,
            config,
            import_lock: Mutex::new(()),
            notifications,
            versions: Mutex::new(HashMap::new()),
            substituted: Mutex::new(HashMap::new()),
        })
    }

    /// The chain's pointers.
    pub fn info(&self) -> ChainInfo {
        let meta = self
            .db
            .meta()
            .expect("the client writes genesis on creation; qed");
        ChainInfo {
            genesis_hash: meta.genesis.hash,
            best_hash: meta.best.hash,
            best_number: meta.best.number,
            finalized_hash: meta.finalized.hash,
            finalized_number: meta.finalized.number,
        }
    }

    /// The store.
    pub fn db(&self) -> &Arc<ChainDb> {
        &self.db
    }

    /// The wasm executor.
    pub fn executor(&self) -> &Arc<WasmExecutor> {
        &self.wasm
    }

    /// Subscribes to imported blocks.
    pub fn subscribe(&self) -> broadcast::Receiver<BlockNotification> {
        self.notifications.subscribe()
    }

    /// The header of `hash`.
    pub fn header(&self, hash: &H256) -> Result<Option<Header>, ClientError> {
        Ok(self.db.header(hash)?)
    }

    /// The block `hash`.
    pub fn block(&self, hash: &H256) -> Result<Option<Block>, ClientError> {
        let Some(header) = self.db.header(hash)? else {
            return Ok(None);
        };
        let extrinsics = self.db.body(hash)?.unwrap_or_default();
        Ok(Some(Block { header, extrinsics }))
    }

    /// The justification of `hash`.
    pub fn justification(&self, hash: &H256) -> Result<Option<Vec<u8>>, ClientError> {
        Ok(self.db.justification(hash)?)
    }

    /// The canonical block hash at `number`.
    pub fn hash(&self, number: u32) -> Result<Option<H256>, ClientError> {
        Ok(self.db.hash(number)?)
    }

    /// The state after block `hash`.
    pub fn state_at(&self, hash: &H256) -> Result<State, ClientError> {
        let header = self
            .db
            .header(hash)?
            .ok_or(ClientError::UnknownBlock(*hash))?;
        self.db
            .state_at(header.state_root)?
            .ok_or(ClientError::StatePruned(*hash))
    }

    /// The runtime code that runs on `state`, the state after block `number`: the stored
    /// `:code`, unless a code substitute replaces it.
    pub fn runtime_code<'a>(
        &'a self,
        state: &'a State,
        number: u32,
    ) -> Result<RuntimeCode<'a>, ClientError> {
        let hash = state
            .storage_hash(well_known_keys::CODE)
            .map_err(|e| ClientError::State(e.to_string()))?
            .ok_or(ClientError::Execution(ExecutionError::CodeNotFound))?;
        if let Some(code) = self.substitute_for(hash, number) {
            return Ok(RuntimeCode::from_bytes(&code[..]));
        }
        Ok(RuntimeCode::lazy(hash, move || {
            state.storage(well_known_keys::CODE).ok().flatten()
        }))
    }

    /// The substitute for code `hash` at block `number`, if one applies: the latest substitute
    /// at or below `number` whose block had this same code.
    fn substitute_for(&self, hash: H256, number: u32) -> Option<&Vec<u8>> {
        let (from, code) = self.config.code_substitutes.range(..=number).next_back()?;
        let known = self.substituted.lock().get(from).copied();
        let replaced = match known {
            Some(replaced) => replaced,
            None => {
                let block = self.db.hash(*from).ok().flatten()?;
                let Ok(state) = self.state_at(&block) else {
                    log::warn!(target: "client", "the code substitute for block #{from} needs that block's state, which is pruned");
                    return None;
                };
                let replaced = state.storage_hash(well_known_keys::CODE).ok().flatten()?;
                self.substituted.lock().insert(*from, replaced);
                replaced
            }
        };
        (replaced == hash).then_some(code)
    }

    /// The number of block `hash`.
    fn number(&self, hash: &H256) -> Result<u32, ClientError> {
        Ok(self
            .db
            .header(hash)?
            .ok_or(ClientError::UnknownBlock(*hash))?
            .number)
    }

    fn version_reader(&self) -> &dyn ReadRuntimeVersion {
        self.wasm.as_ref()
    }

    /// Calls runtime API `method` with `input` on the state of block `at`, as an offchain
    /// call (see [`CallClass`]); changes are discarded.
    pub fn call_at(&self, at: &H256, method: &str, input: &[u8]) -> Result<Vec<u8>, ClientError> {
        let state = self.state_at(at)?;
        let code = self.runtime_code(&state, self.number(at)?)?;
        let mut overlay = OverlayedChanges::new();
        let mut ext = Ext::new(&mut overlay, &state, Some(self.version_reader()));
        Ok(self
            .wasm
            .call_as(CallClass::Offchain, &mut ext, &code, method, input)?)
    }

    /// Calls runtime API method `M` with `args` on the state of block `at`, offering the
    /// runtime `keystore` to generate keys in (`SessionKeys_generate_session_keys`); state
    /// changes are discarded, keys stay. An offchain call.
    pub fn call_api_with_keystore<M: Method>(
        &self,
        at: &H256,
        args: impl EncodeLike<M::Args>,
        keystore: &dyn cpc_state_machine::KeystoreExt,
    ) -> Result<M::Output, ClientError> {
        let state = self.state_at(at)?;
        let code = self.runtime_code(&state, self.number(at)?)?;
        let mut overlay = OverlayedChanges::new();
        let mut ext =
            Ext::new(&mut overlay, &state, Some(self.version_reader())).with_keystore(keystore);
        Ok(self
            .wasm
            .with_class(CallClass::Offchain)
            .call_api::<M>(&mut ext, &code, args)?)
    }

    /// Calls `method` of the given `code` (not the chain's) on the state of block `at`, as an
    /// offchain call; changes are discarded. For dry runs of new code.
    pub fn call_with_code(
        &self,
        at: &H256,
        code: &[u8],
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ClientError> {
        let state = self.state_at(at)?;
        let mut overlay = OverlayedChanges::new();
        let mut ext = Ext::new(&mut overlay, &state, Some(self.version_reader()));
        Ok(self.wasm.call_as(
            CallClass::Offchain,
            &mut ext,
            &RuntimeCode::from_bytes(code),
            method,
            input,
        )?)
    }

    /// Calls runtime API method `M` (a marker from `cpc-api` or a pallet's primitives crate)
    /// with `args` on the state of block `at`, and decodes its result; changes are discarded.
    /// An offchain call: what RPC and the node's services ask.
    pub fn call_api<M: Method>(
        &self,
        at: &H256,
        args: impl EncodeLike<M::Args>,
    ) -> Result<M::Output, ClientError> {
        self.call_api_as::<M>(CallClass::Offchain, at, args)
    }

    /// [`Client::call_api`] for `class`: the consensus engine's reads are [`CallClass::Block`],
    /// transaction validation is [`CallClass::Pool`].
    pub fn call_api_as<M: Method>(
        &self,
        class: CallClass,
        at: &H256,
        args: impl EncodeLike<M::Args>,
    ) -> Result<M::Output, ClientError> {
        let state = self.state_at(at)?;
        let code = self.runtime_code(&state, self.number(at)?)?;
        let mut overlay = OverlayedChanges::new();
        let mut ext = Ext::new(&mut overlay, &state, Some(self.version_reader()));
        Ok(self
            .wasm
            .with_class(class)
            .call_api::<M>(&mut ext, &code, args)?)
    }

    /// The runtime version at block `at` (cached by code hash), read by an offchain call.
    pub fn runtime_version(&self, at: &H256) -> Result<RuntimeVersion, ClientError> {
        self.runtime_version_as(CallClass::Offchain, at)
    }

    /// [`Client::runtime_version`] for `class`.
    pub fn runtime_version_as(
        &self,
        class: CallClass,
        at: &H256,
    ) -> Result<RuntimeVersion, ClientError> {
        let state = self.state_at(at)?;
        let code = self.runtime_code(&state, self.number(at)?)?;
        if let Some(version) = self.versions.lock().get(&code.hash) {
            return Ok(version.clone());
        }
        let mut overlay = OverlayedChanges::new();
        let mut ext = Ext::new(&mut overlay, &state, Some(self.version_reader()));
        let version = self
            .wasm
            .with_class(class)
            .call_api::<cpc_api::core::version>(&mut ext, &code, ())?;
        self.versions.lock().insert(code.hash, version.clone());
        Ok(version)
    }

    /// The value at `key` in the state of `at`.
    pub fn storage(&self, at: &H256, key: &[u8]) -> Result<Option<Vec<u8>>, ClientError> {
        self.state_at(at)?
            .storage(key)
            .map_err(|e| ClientError::State(e.to_string()))
    }

    /// Up to `count` keys with `prefix` after `start`, in the state of `at`.
    pub fn storage_keys_paged(
        &self,
        at: &H256,
        prefix: &[u8],
        count: usize,
        start: Option<&[u8]>,
    ) -> Result<Vec<Vec<u8>>, ClientError> {
        self.state_at(at)?
            .keys_paged(prefix, count, start)
            .map_err(|e| ClientError::State(e.to_string()))
    }

    /// A read proof of `keys` in the state of `at`.
    pub fn read_proof(
        &self,
        at: &H256,
        keys: &[Vec<u8>],
    ) -> Result<cpc_trie::StorageProof, ClientError> {
        self.state_at(at)?
            .read_proof(keys.iter().map(Vec::as_slice))
            .map_err(|e| ClientError::State(e.to_string()))
    }

    fn notify(&self, notification: BlockNotification) {
        // No subscriber is not an error.
        let _ = self.notifications.send(notification);
    }
}
