//! The store itself.

use crate::{
    DbError, PruningMode,
    columns::{self, number_key},
    meta::{self, BlockPointer, DB_VERSION, Meta},
    node_cache::NodeCache,
    refcount,
};
use codec::Encode;
use cpc_primitives::{H256, Header, OpaqueExtrinsic};
use cpc_state_machine::{TrieBackend, TrieNodeStorage};
use cpc_trie::MemoryDB;
use parking_lot::RwLock;
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamilyDescriptor, DB, Options, WriteBatch, WriteOptions,
};
use std::{collections::HashMap, path::Path, sync::Arc};

/// Reference count changes per trie node, with the node's data when it is new.
type NodeDeltas = HashMap<H256, (i64, Option<Vec<u8>>)>;

/// The smallest memtable budget [`DbConfig::write_buffer_bytes`] is raised to.
pub const MIN_WRITE_BUFFER_BYTES: usize = 1024 * 1024;

/// Tuning of the database.
#[derive(Clone, Debug)]
pub struct DbConfig {
    /// Size of the block cache shared by all columns.
    pub cache_bytes: usize,
    /// State pruning, for a new database; an existing one must match (`None`: take the stored
    /// mode).
    pub pruning: Option<PruningMode>,
    /// Size of the trie node cache in front of the store ([`NodeCache`]), in bytes.
    pub trie_cache_bytes: usize,
    /// Read every table file through its block checksums when opening
    /// ([`ChainDb::verify_tables`]), refusing a database with a damaged one.
    pub verify_tables: bool,
    /// Memory all columns' memtables may take together before the oldest is flushed; the
    /// write-ahead log is kept under twice this. At least [`MIN_WRITE_BUFFER_BYTES`].
    pub write_buffer_bytes: usize,
}

impl Default for DbConfig {
    fn default() -> Self {
        Self {
            cache_bytes: 128 * 1024 * 1024,
            pruning: None,
            trie_cache_bytes: 64 * 1024 * 1024,
            verify_tables: true,
            write_buffer_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Everything one imported block writes, committed atomically by [`ChainDb::commit`].
pub struct BlockCommit {
    /// The header.
    pub header: Header,
    /// The body.
    pub body: Vec<OpaqueExtrinsic>,
    /// The consensus justification (the commit certificate), if any.
    pub justification: Option<Vec<u8>>,
    /// Trie nodes the block's state added (count > 0) and stopped using (count < 0), relative
    /// to its parent's state.
    pub state_changes: MemoryDB,
    /// Whether the block is final.
    pub finalized: bool,
}

/// Trie nodes a written batch added and deleted, for the node cache.
#[derive(Default)]
struct CacheUpdate {
    added: Vec<(H256, Vec<u8>)>,
    removed: Vec<H256>,
}

impl CacheUpdate {
    fn apply(self, cache: &NodeCache) {
        for hash in &self.removed {
            cache.remove(hash);
        }
        for (hash, node) in self.added {
            cache.insert(hash, node);
        }
    }
}

/// A key and value of the auxiliary column.
pub type AuxEntry = (Vec<u8>, Vec<u8>);

/// The chain store.
pub struct ChainDb {
    db: Arc<DB>,
    cache: Arc<NodeCache>,
    meta: RwLock<Option<Meta>>,
    pruning: PruningMode,
    /// The first write that failed, if one did: after it the store takes no more writes or
    /// syncs ([`DbError::WritesStopped`]).
    failed_write: parking_lot::Mutex<Option<String>>,
    /// RocksDB's block cache, to report its use.
    block_cache: Option<Cache>,
}

/// What the store holds in memory, in bytes ([`ChainDb::memory`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DbMemory {
    /// RocksDB's memtables, all columns, flushed and unflushed.
    pub memtables: u64,
    /// RocksDB's block cache (data, index and filter blocks).
    pub block_cache: u64,
    /// The trie node cache in front of the store.
    pub trie_cache: u64,
    /// What RocksDB's open table files hold outside the block cache (their readers'
    /// properties and metadata; index and filter blocks are in the cache): a few KiB per file,
    /// bounded by the open-file limit (512), so it follows the database's size up to that.
    pub table_readers: u64,
}

/// What [`ChainDb::verify_tables`] read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableCheck {
    /// Live table files.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Rows read through them (after merging).
    pub rows: u64,
}

/// Trie nodes in the store, for reading state ([`TrieBackend`]).
#[derive(Clone)]
pub struct StateStorage {
    db: Arc<DB>,
    cache: Arc<NodeCache>,
}

impl TrieNodeStorage for StateStorage {
    fn get(&self, hash: &H256) -> Result<Option<Vec<u8>>, String> {
        if let Some(node) = self.cache.get(hash) {
            return Ok(Some(node));
        }
        let cf = self
            .db
            .cf_handle(columns::STATE)
            .ok_or("missing state column")?;
        match self.db.get_pinned_cf(cf, hash.as_bytes()) {
            Ok(Some(row)) => match refcount::decode_row(&row) {
                Ok(Some((_, node))) => {
                    let node = node.to_vec();
                    self.cache.insert(*hash, node.clone());
                    Ok(Some(node))
                }
                Ok(None) => Ok(None),
                Err(why) => Err(format!("corrupt state row {hash:?}: {why}")),
            },
            Ok(None) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The memtable budget of all columns; RocksDB reads 0 as no budget at all.
fn write_buffer_bytes(config: &DbConfig) -> usize {
    config.write_buffer_bytes.max(MIN_WRITE_BUFFER_BYTES)
}

fn options(config: &DbConfig) -> (Options, BlockBasedOptions, Option<Cache>) {
    let mut options = Options::default();
    options.create_if_missing(true);
    options.create_missing_column_families(true);
    // No compression: trie nodes and signed extrinsics are mostly hashes, keys and signatures,
    // and a build without compression libraries links with any RocksDB.
    options.set_compression_type(rocksdb::DBCompressionType::None);
    options.set_max_open_files(512);
    options.set_keep_log_file_num(2);
    // RocksDB's own info log only at FATAL (its options are still written at open): Debian's
    // build keeps assertions, and once a write to that log has failed (a full disk) the next
    // line RocksDB logs aborts the process, which the crash loop's full disk did while
    // RocksDB reported the failed block write. What matters reaches the node's log as errors.
    options.set_log_level(rocksdb::LogLevel::Fatal);
    options.increase_parallelism(2);
    // One memory budget for all memtables, and a bound on the write-ahead log. Each column
    // otherwise flushes only when its own memtable reaches 64 MiB: the quiet ones (headers,
    // numbers, justifications, the pruning journal: a few hundred bytes a block) took hours to
    // days, so a node's memory grew all that time (the soak's rising floor) and their oldest
    // entries kept every log file since alive, which a restart after a crash replays. Past the
    // log bound RocksDB flushes the columns the oldest log file still backs.
    let write_buffer = write_buffer_bytes(config);
    options.set_db_write_buffer_size(write_buffer);
    options.set_max_total_wal_size(2 * write_buffer as u64);
    let mut table = BlockBasedOptions::default();
    let cache = Cache::new_lru_cache(config.cache_bytes).ok();
    if let Some(cache) = &cache {
        table.set_block_cache(cache);
    }
    table.set_bloom_filter(10.0, false);
    table.set_cache_index_and_filter_blocks(true);
    // Partitioned index and filters: a table file's full filter is ~1.2 bytes per trie node,
    // and one larger than a block cache shard (the cache has 64) is evicted as soon as it is
    // released, so every read fetched and checksummed megabytes again (2 ms per key on a
    // million-account state). Partitions are small blocks cached like data; only the top
    // level stays pinned.
    table.set_index_type(rocksdb::BlockBasedIndexType::TwoLevelIndexSearch);
    table.set_partition_filters(true);
    table.set_pin_top_level_index_and_filter(true);
    table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    table.set_format_version(5);
    options.set_block_based_table_factory(&table);
    (options, table, cache)
}

impl ChainDb {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path, config: &DbConfig) -> Result<Self, DbError> {
        let (options, table, block_cache) = options(config);
        let descriptors = columns::ALL.iter().map(|name| {
            let mut cf = Options::default();
            cf.set_compression_type(rocksdb::DBCompressionType::None);
            // Half the budget per column: a memtable allocates in blocks of an eighth of this
            // (at most 1 MiB), so nine columns' first blocks stay well inside the budget.
            cf.set_write_buffer_size(write_buffer_bytes(config) / 2);
            cf.set_block_based_table_factory(&table);
            if *name == columns::STATE {
                cf.set_merge_operator(
                    refcount::MERGE_OPERATOR,
                    refcount::full_merge,
                    refcount::partial_merge,
                );
                cf.set_compaction_filter(refcount::COMPACTION_FILTER, refcount::drop_dead_rows);
            }
            ColumnFamilyDescriptor::new(*name, cf)
        });
        let db = Arc::new(DB::open_cf_descriptors(&options, path, descriptors)?);
        let store = Self {
            db,
            cache: Arc::new(NodeCache::new(config.trie_cache_bytes)),
            meta: RwLock::new(None),
            pruning: PruningMode::Archive,
            failed_write: parking_lot::Mutex::new(None),
            block_cache,
        };
        if config.verify_tables {
            let check = store.verify_tables()?;
            log::debug!(
                target: "db",
                "{} table files ({} bytes, {} rows) pass their checksums",
                check.files, check.bytes, check.rows
            );
        }
        store.check_or_init_settings(config.pruning)
    }

    /// Reads every row of every column with block checksums verified, so a table file damaged
    /// on disk (a flipped bit, a torn sector) stops the node at start with RocksDB's error,
    /// which names the file, instead of surfacing later as a failed read. RocksDB checks each
    /// block it reads anyway, so a file damaged while the node runs gives errors, never wrong
    /// data; this finds the damage before the node takes part in the network.
    ///
    /// The cost is one sequential read of the database (readahead, no block cache).
    pub fn verify_tables(&self) -> Result<TableCheck, DbError> {
        let mut check = TableCheck::default();
        for file in self.db.live_files()? {
            check.files += 1;
            check.bytes += file.size as u64;
        }
        for name in columns::ALL {
            let mut options = rocksdb::ReadOptions::default();
            options.set_verify_checksums(true);
            options.fill_cache(false);
            options.set_readahead_size(4 * 1024 * 1024);
            let iter =
                self.db
                    .iterator_cf_opt(self.cf(name), options, rocksdb::IteratorMode::Start);
            for item in iter {
                item.map_err(|e| {
                    DbError::Corrupt(format!(
                        "column `{name}` fails its table check: {e}. The file was damaged on \
                         disk: restore the database from a backup, or remove it and sync again"
                    ))
                })?;
                check.rows += 1;
            }
        }
        Ok(check)
    }

    fn check_or_init_settings(mut self, requested: Option<PruningMode>) -> Result<Self, DbError> {
        let cf = self.cf(columns::META);
        match self.db.get_cf(cf, meta::KEY_VERSION)? {
            Some(bytes) => {
                let version: u32 = meta::decode("version", &bytes)?;
                if version != DB_VERSION {
                    return Err(DbError::UnsupportedVersion(version));
                }
            }
            None => self.db.put_cf(cf, meta::KEY_VERSION, DB_VERSION.encode())?,
        }
        let stored = match self.db.get_cf(cf, meta::KEY_PRUNING)? {
            Some(bytes) => Some(meta::decode::<PruningMode>("pruning", &bytes)?),
            None => None,
        };
        self.pruning = match (stored, requested) {
            (Some(stored), Some(requested)) if stored != requested => {
                return Err(DbError::PruningMismatch { stored, requested });
            }
            (Some(stored), _) => stored,
            (None, requested) => {
                let mode = requested.unwrap_or_default();
                self.db.put_cf(cf, meta::KEY_PRUNING, mode.encode())?;
                mode
            }
        };
        let loaded = self.load_meta()?;
        *self.meta.write() = loaded;
        Ok(self)
    }

    fn cf(&self, name: &str) -> &rocksdb::ColumnFamily {
        self.db
            .cf_handle(name)
            .expect("every column is created on open; qed")
    }

    fn load_meta(&self) -> Result<Option<Meta>, DbError> {
        let cf = self.cf(columns::META);
        let get = |key: &[u8]| -> Result<Option<BlockPointer>, DbError> {
            self.db
                .get_cf(cf, key)?
                .map(|b| meta::decode("pointer", &b))
                .transpose()
        };
        let (Some(genesis), Some(best), Some(finalized)) = (
            get(meta::KEY_GENESIS)?,
            get(meta::KEY_BEST)?,
            get(meta::KEY_FINALIZED)?,
        ) else {
            return Ok(None);
        };
        let pruned = match self.db.get_cf(cf, meta::KEY_PRUNED)? {
            Some(bytes) => meta::decode("pruned", &bytes)?,
            None => 0,
        };
        Ok(Some(Meta {
            genesis,
            best,
            finalized,
            pruning: self.pruning,
            pruned,
        }))
    }

    /// The chain's pointers, or `None` for an empty database.
    pub fn meta(&self) -> Option<Meta> {
        *self.meta.read()
    }

    /// The pruning mode.
    pub fn pruning(&self) -> PruningMode {
        self.pruning
    }

    /// The header of block `hash`.
    pub fn header(&self, hash: &H256) -> Result<Option<Header>, DbError> {
        let cf = self.cf(columns::HEADERS);
        self.db
            .get_pinned_cf(cf, hash.as_bytes())?
            .map(|b| meta::decode("header", &b))
            .transpose()
    }

    /// The body of block `hash`.
    pub fn body(&self, hash: &H256) -> Result<Option<Vec<OpaqueExtrinsic>>, DbError> {
        let cf = self.cf(columns::BODIES);
        self.db
            .get_pinned_cf(cf, hash.as_bytes())?
            .map(|b| meta::decode("body", &b))
            .transpose()
    }

    /// The justification of block `hash`.
    pub fn justification(&self, hash: &H256) -> Result<Option<Vec<u8>>, DbError> {
        let cf = self.cf(columns::JUSTIFICATIONS);
        Ok(self.db.get_cf(cf, hash.as_bytes())?)
    }

    /// Writes `puts` and removes `deletes` of the auxiliary column in one atomic batch.
    pub fn write_aux(
        &self,
        puts: &[(Vec<u8>, Vec<u8>)],
        deletes: &[Vec<u8>],
    ) -> Result<(), DbError> {
        let cf = self.cf(columns::AUX);
        let mut batch = rocksdb::WriteBatch::default();
        for key in deletes {
            batch.delete_cf(cf, key);
        }
        for (key, value) in puts {
            batch.put_cf(cf, key, value);
        }
        self.write(batch, false)
    }

    /// Writes `batch` (synced to disk first if `sync`), unless an earlier write failed.
    ///
    /// After a failed write (disk full, I/O error) RocksDB's state is uncertain, and Debian's
    /// build aborts the process on a WAL sync that follows one; the store refuses every later
    /// write and sync with the first error, and the node stops cleanly. Reopening the database
    /// recovers what reached the log.
    fn write(&self, batch: WriteBatch, sync: bool) -> Result<(), DbError> {
        let mut failed = self.failed_write.lock();
        if let Some(first) = failed.as_ref() {
            return Err(DbError::WritesStopped(first.clone()));
        }
        let mut options = WriteOptions::default();
        options.set_sync(sync);
        self.db.write_opt(batch, &options).map_err(|e| {
            *failed = Some(e.to_string());
            DbError::Rocks(e)
        })
    }

    /// The auxiliary entry at `key`.
    pub fn aux(&self, key: &[u8]) -> Result<Option<Vec<u8>>, DbError> {
        Ok(self.db.get_cf(self.cf(columns::AUX), key)?)
    }

    /// Auxiliary entries with keys from `start` (inclusive) that begin with `prefix`, in key
    /// order, at most `limit`.
    pub fn aux_range(
        &self,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Vec<AuxEntry>, DbError> {
        let iter = self.db.iterator_cf(
            self.cf(columns::AUX),
            rocksdb::IteratorMode::From(start, rocksdb::Direction::Forward),
        );
        let mut out = Vec::new();
        for item in iter {
            let (key, value) = item?;
            if !key.starts_with(prefix) || out.len() >= limit {
                break;
            }
            out.push((key.to_vec(), value.to_vec()));
        }
        Ok(out)
    }

    /// The hash of the canonical block at `number`.
    pub fn hash(&self, number: u32) -> Result<Option<H256>, DbError> {
        let cf = self.cf(columns::NUMBERS);
        self.db
            .get_pinned_cf(cf, number_key(number))?
            .map(|b| meta::decode("number index", &b))
            .transpose()
    }

    /// Trie node storage for reading state.
    pub fn state_storage(&self) -> StateStorage {
        StateStorage {
            db: self.db.clone(),
            cache: self.cache.clone(),
        }
    }

    /// The state with root `root`, if its root node is stored.
    pub fn state_at(&self, root: H256) -> Result<Option<TrieBackend<StateStorage>>, DbError> {
        if root != cpc_trie::EMPTY_TRIE_ROOT && !self.has_node(&root)? {
            return Ok(None);
        }
        Ok(Some(TrieBackend::new(self.state_storage(), root)))
    }

    fn has_node(&self, hash: &H256) -> Result<bool, DbError> {
        let cf = self.cf(columns::STATE);
        match self.db.get_pinned_cf(cf, hash.as_bytes())? {
            Some(row) => Ok(refcount::decode_row(&row)
                .map_err(|why| DbError::Corrupt(format!("state row {hash:?}: {why}")))?
                .is_some()),
            None => Ok(false),
        }
    }

    /// Writes the genesis block and its full state into an empty database.
    pub fn commit_genesis(&self, header: Header, state: MemoryDB) -> Result<(), DbError> {
        if let Some(meta) = self.meta() {
            return Err(DbError::InvalidCommit(format!(
                "the database already has genesis {:?}",
                meta.genesis.hash
            )));
        }
        let hash = header.hash();
        let pointer = BlockPointer { number: 0, hash };
        let mut batch = WriteBatch::default();
        self.put_block(&mut batch, &header, &[], None);
        let mut deltas = NodeDeltas::new();
        self.apply_state(&mut batch, &mut deltas, state, 0);
        // Genesis can hold millions of nodes; reads warm the cache with the ones in use.
        let _ = self.write_refcounts(&mut batch, deltas);
        let cf = self.cf(columns::META);
        for key in [meta::KEY_GENESIS, meta::KEY_BEST, meta::KEY_FINALIZED] {
            batch.put_cf(cf, key, pointer.encode());
        }
        self.write(batch, false)?;
        *self.meta.write() = Some(Meta {
            genesis: pointer,
            best: pointer,
            finalized: pointer,
            pruning: self.pruning,
            pruned: 0,
        });
        Ok(())
    }

    /// Checks that the database holds the chain of `genesis`.
    pub fn check_genesis(&self, genesis: H256) -> Result<(), DbError> {
        match self.meta() {
            Some(meta) if meta.genesis.hash != genesis => Err(DbError::GenesisMismatch {
                stored: meta.genesis.hash,
                expected: genesis,
            }),
            _ => Ok(()),
        }
    }

    fn put_block(
        &self,
        batch: &mut WriteBatch,
        header: &Header,
        body: &[OpaqueExtrinsic],
        justification: Option<&[u8]>,
    ) {
        let hash = header.hash();
        batch.put_cf(self.cf(columns::HEADERS), hash.as_bytes(), header.encode());
        batch.put_cf(self.cf(columns::BODIES), hash.as_bytes(), body.encode());
        if let Some(justification) = justification {
            batch.put_cf(
                self.cf(columns::JUSTIFICATIONS),
                hash.as_bytes(),
                justification,
            );
        }
        batch.put_cf(
            self.cf(columns::NUMBERS),
            number_key(header.number),
            hash.encode(),
        );
    }

    /// Adds a block on top of the best one, with its state changes, in one atomic write; a
    /// finalizing write is on disk when this returns.
    pub fn commit(&self, commit: BlockCommit) -> Result<(), DbError> {
        self.commit_with(commit, true)
    }

    /// [`Self::commit`] without waiting for the disk: the write reaches the operating system,
    /// so it survives the process being killed, but a power failure before the next
    /// [`Self::sync_wal`] may take it (and every later write) back, never a part of it. For
    /// runs of certified blocks (sync, `import-blocks`): such a block lost is downloaded again,
    /// while waiting for the disk at every block was most of a synced empty block's import.
    pub fn commit_unsynced(&self, commit: BlockCommit) -> Result<(), DbError> {
        self.commit_with(commit, false)
    }

    /// The error of the write that stopped the store taking writes, if one failed: the node
    /// stops on it rather than run on without a chain it can extend.
    pub fn write_failure(&self) -> Option<String> {
        self.failed_write.lock().clone()
    }

    /// Puts every write so far on disk (syncs the write-ahead log).
    pub fn sync_wal(&self) -> Result<(), DbError> {
        let mut failed = self.failed_write.lock();
        if let Some(first) = failed.as_ref() {
            return Err(DbError::WritesStopped(first.clone()));
        }
        self.db.flush_wal(true).map_err(|e| {
            *failed = Some(e.to_string());
            DbError::Rocks(e)
        })
    }

    fn commit_with(&self, commit: BlockCommit, durable: bool) -> Result<(), DbError> {
        let meta = self
            .meta()
            .ok_or_else(|| DbError::InvalidCommit("no genesis yet".into()))?;
        let BlockCommit {
            header,
            body,
            justification,
            state_changes,
            finalized,
        } = commit;
        if header.parent_hash != meta.best.hash || header.number != meta.best.number + 1 {
            return Err(DbError::InvalidCommit(format!(
                "block #{} does not extend the best block #{} {:?}",
                header.number, meta.best.number, meta.best.hash
            )));
        }
        let hash = header.hash();
        let pointer = BlockPointer {
            number: header.number,
            hash,
        };
        let mut batch = WriteBatch::default();
        self.put_block(&mut batch, &header, &body, justification.as_deref());
        // Reference changes of the new block and of pruning are summed before anything is
        // written: the same node can gain a reference here and lose one to pruning.
        let mut deltas = NodeDeltas::new();
        self.apply_state(&mut batch, &mut deltas, state_changes, header.number);

        let cf = self.cf(columns::META);
        batch.put_cf(cf, meta::KEY_BEST, pointer.encode());
        let mut new_meta = Meta {
            best: pointer,
            ..meta
        };
        if finalized {
            batch.put_cf(cf, meta::KEY_FINALIZED, pointer.encode());
            new_meta.finalized = pointer;
            new_meta.pruned = self.prune(&mut batch, &mut deltas, meta.pruned, pointer.number)?;
        }
        let cached = self.write_refcounts(&mut batch, deltas);
        self.write(batch, finalized && durable)?;
        cached.apply(&self.cache);
        *self.meta.write() = Some(new_meta);
        Ok(())
    }

    /// Writes `batch` and syncs the write-ahead log before returning: what finalizes a block
    /// survives a power loss, so a validator's vote state (synced too) is never ahead of the
    /// chain it voted on, and an RPC client told a block is final never sees it vanish.
    fn write_durably(&self, batch: WriteBatch) -> Result<(), DbError> {
        self.write(batch, true)
    }

    /// Marks the best block final (for blocks imported before their finality was known).
    pub fn finalize_best(&self) -> Result<(), DbError> {
        let meta = self
            .meta()
            .ok_or_else(|| DbError::InvalidCommit("no genesis yet".into()))?;
        let mut batch = WriteBatch::default();
        batch.put_cf(
            self.cf(columns::META),
            meta::KEY_FINALIZED,
            meta.best.encode(),
        );
        let mut deltas = NodeDeltas::new();
        let pruned = self.prune(&mut batch, &mut deltas, meta.pruned, meta.best.number)?;
        let cached = self.write_refcounts(&mut batch, deltas);
        self.write_durably(batch)?;
        cached.apply(&self.cache);
        *self.meta.write() = Some(Meta {
            finalized: meta.best,
            pruned,
            ..meta
        });
        Ok(())
    }

    /// Adds the node reference changes of block `number` to `deltas` and journals the nodes it
    /// stopped using.
    fn apply_state(
        &self,
        batch: &mut WriteBatch,
        deltas: &mut NodeDeltas,
        mut changes: MemoryDB,
        number: u32,
    ) {
        let mut dropped = Vec::new();
        for (hash, (data, rc)) in changes.drain() {
            if rc > 0 {
                let entry = deltas.entry(hash).or_insert((0, None));
                entry.0 += i64::from(rc);
                entry.1 = Some(data);
            } else if rc < 0 && self.pruning != PruningMode::Archive {
                for _ in 0..(-rc) {
                    dropped.push(hash);
                }
            }
        }
        if !dropped.is_empty() {
            dropped.sort();
            batch.put_cf(
                self.cf(columns::JOURNAL),
                number_key(number),
                dropped.encode(),
            );
        }
    }

    /// Writes the reference count changes (and new nodes) of `deltas` to `batch` as merge
    /// operands, reading nothing ([`refcount`]); what the node cache should learn once the
    /// batch is written is returned, not applied, so a failed write leaves the cache as it was.
    /// A node losing a reference leaves the cache even when other references keep it stored:
    /// whether it reached zero is only known when RocksDB folds the operands, and the cache
    /// must never serve a node the store no longer has.
    fn write_refcounts(&self, batch: &mut WriteBatch, deltas: NodeDeltas) -> CacheUpdate {
        let mut cached = CacheUpdate::default();
        let cf = self.cf(columns::STATE);
        // Sorted, so the write order (and so RocksDB's work) does not depend on hash map order.
        let mut deltas: Vec<_> = deltas.into_iter().filter(|(_, (d, _))| *d != 0).collect();
        deltas.sort_by_key(|(hash, _)| *hash);
        for (hash, (delta, data)) in deltas {
            batch.merge_cf(
                cf,
                hash.as_bytes(),
                refcount::operand(delta, data.as_deref()),
            );
            match data {
                Some(node) if delta > 0 => cached.added.push((hash, node)),
                _ if delta < 0 => cached.removed.push(hash),
                _ => {}
            }
        }
        cached
    }

    /// Adds to `deltas` the journals of blocks whose parent states left the pruning window,
    /// returning the new `pruned` mark.
    fn prune(
        &self,
        batch: &mut WriteBatch,
        deltas: &mut NodeDeltas,
        pruned: u32,
        finalized: u32,
    ) -> Result<u32, DbError> {
        let PruningMode::KeepLast(keep) = self.pruning else {
            return Ok(pruned);
        };
        // States of blocks [finalized - keep, finalized] stay. Block b's journal lists nodes of
        // state b - 1, so it can go once b - 1 < finalized - keep.
        let upto = finalized.saturating_sub(keep);
        if upto <= pruned {
            return Ok(pruned);
        }
        let journal = self.cf(columns::JOURNAL);
        for number in pruned + 1..=upto {
            if let Some(bytes) = self.db.get_cf(journal, number_key(number))? {
                let dropped: Vec<H256> = meta::decode("journal", &bytes)?;
                for hash in dropped {
                    deltas.entry(hash).or_insert((0, None)).0 -= 1;
                }
                batch.delete_cf(journal, number_key(number));
            }
        }
        batch.put_cf(self.cf(columns::META), meta::KEY_PRUNED, upto.encode());
        Ok(upto)
    }

    /// Flushes memtables to disk (for clean shutdowns and tests).
    pub fn flush(&self) -> Result<(), DbError> {
        for name in columns::ALL {
            self.db.flush_cf(self.cf(name))?;
        }
        Ok(())
    }

    /// What the store holds in memory now: each cache is bounded by its setting in
    /// [`DbConfig`] (memtables by `write_buffer_bytes`, with RocksDB's slack of a memtable being
    /// flushed); the table readers by the open-file limit.
    pub fn memory(&self) -> DbMemory {
        let all_columns = |property: &str| -> u64 {
            columns::ALL
                .iter()
                .filter_map(|name| {
                    self.db
                        .property_int_value_cf(self.cf(name), property)
                        .ok()
                        .flatten()
                })
                .sum()
        };
        DbMemory {
            memtables: all_columns("rocksdb.size-all-mem-tables"),
            table_readers: all_columns("rocksdb.estimate-table-readers-mem"),
            block_cache: self
                .block_cache
                .as_ref()
                .map_or(0, |c| c.get_usage() as u64),
            trie_cache: self.cache.bytes() as u64,
        }
    }

    /// The number of stored trie nodes (for tests and metrics; walks the column).
    pub fn state_node_count(&self) -> usize {
        self.db
            .iterator_cf(self.cf(columns::STATE), rocksdb::IteratorMode::Start)
            .filter(|item| {
                item.as_ref()
                    .is_ok_and(|(_, row)| matches!(refcount::decode_row(row), Ok(Some(_))))
            })
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpc_primitives::Digest;
    use cpc_state_machine::Backend;

    /// Commits a genesis whose state is one key (`[1; 32]`) holding `[value; 40]`.
    fn genesis(db: &ChainDb, value: u8) -> Header {
        let mut nodes = MemoryDB::default();
        let root = cpc_trie::build_trie(&mut nodes, [(vec![1u8; 32], vec![value; 40])]);
        let header = Header {
            parent_hash: H256::zero(),
            number: 0,
            state_root: root,
            extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
            digest: Digest::default(),
        };
        db.commit_genesis(header.clone(), nodes).unwrap();
        header
    }

    /// The final child of `parent` setting the key to `[value; 40]`, to commit.
    fn child(
        db: &ChainDb,
        parent: &Header,
        value: u8,
        justification: Option<Vec<u8>>,
    ) -> BlockCommit {
        let state = db.state_at(parent.state_root).unwrap().unwrap();
        let (root, changes) = state
            .apply_changes([(&[1u8; 32][..], Some(&[value; 40][..]))])
            .unwrap();
        BlockCommit {
            header: Header {
                parent_hash: parent.hash(),
                number: parent.number + 1,
                state_root: root,
                extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
                digest: Digest::default(),
            },
            body: Vec::new(),
            justification,
            state_changes: changes,
            finalized: true,
        }
    }

    /// The auxiliary column: batches of writes and deletes, ranges bounded by prefix and limit,
    /// and entries that survive reopening.
    #[test]
    fn aux_entries_are_written_ranged_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let open = || ChainDb::open(dir.path(), &DbConfig::default()).unwrap();
        let db = open();
        let puts: Vec<AuxEntry> = [b"a/1", b"a/2", b"a/3", b"b/1"]
            .iter()
            .map(|k| (k.to_vec(), k.to_vec()))
            .collect();
        db.write_aux(&puts, &[]).unwrap();
        let keys = |rows: Vec<AuxEntry>| rows.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        assert_eq!(
            keys(db.aux_range(b"a/", b"a/2", 10).unwrap()),
            [b"a/2".to_vec(), b"a/3".to_vec()],
            "from the start key, within the prefix"
        );
        assert_eq!(db.aux_range(b"a/", b"a/", 1).unwrap().len(), 1, "the limit");
        db.write_aux(&[(b"a/4".to_vec(), vec![4])], &[b"a/1".to_vec()])
            .unwrap();
        drop(db);
        let db = open();
        assert_eq!(db.aux(b"a/1").unwrap(), None);
        assert_eq!(db.aux(b"a/4").unwrap(), Some(vec![4]));
        assert_eq!(db.aux_range(b"a/", b"a/", 10).unwrap().len(), 3);
    }

    /// The memory report counts the table files' readers, which no cache option bounds: none
    /// before a flush writes a table file, some after.
    #[test]
    fn memory_counts_the_table_readers_once_table_files_exist() {
        let dir = tempfile::tempdir().unwrap();
        let db = ChainDb::open(dir.path(), &DbConfig::default()).unwrap();
        let mut parent = genesis(&db, 0);
        for n in 1..=4u8 {
            let commit = child(&db, &parent, n, Some(vec![n]));
            parent = commit.header.clone();
            db.commit(commit).unwrap();
        }
        let before = db.memory();
        assert_eq!(before.table_readers, 0, "{before:?}");
        assert!(before.memtables > 0, "{before:?}");
        db.flush().unwrap();
        let after = db.memory();
        assert!(after.table_readers > 0, "{after:?}");
    }

    /// Blocks committed without waiting for the disk are stored like the others (finalized,
    /// their state readable) and, once the log is synced, survive reopening; the synced and
    /// unsynced commits of a run interleave freely.
    #[test]
    fn unsynced_commits_are_kept_like_synced_ones_once_the_log_is_synced() {
        let dir = tempfile::tempdir().unwrap();
        let open = || ChainDb::open(dir.path(), &DbConfig::default()).unwrap();
        let db = open();
        let mut parent = genesis(&db, 0);
        for n in 1..=6u8 {
            let commit = child(&db, &parent, n, Some(vec![n]));
            let header = commit.header.clone();
            if n % 3 == 0 {
                db.commit(commit).unwrap();
            } else {
                db.commit_unsynced(commit).unwrap();
            }
            assert_eq!(db.meta().unwrap().finalized.number, u32::from(n));
            parent = header;
        }
        db.sync_wal().unwrap();
        drop(db);
        let db = open();
        let meta = db.meta().unwrap();
        assert_eq!(meta.best, meta.finalized);
        assert_eq!(meta.finalized.hash, parent.hash());
        assert_eq!(db.justification(&parent.hash()).unwrap(), Some(vec![6]));
        let state = db.state_at(parent.state_root).unwrap().unwrap();
        assert_eq!(state.storage(&[1u8; 32]).unwrap(), Some(vec![6u8; 40]));
    }

    /// Nodes a block adds are cached when it commits; nodes pruning deletes leave the cache,
    /// so the cache never serves a node the store no longer has.
    #[test]
    fn the_node_cache_follows_commits_and_pruning() {
        let dir = tempfile::tempdir().unwrap();
        let db = ChainDb::open(
            dir.path(),
            &DbConfig {
                pruning: Some(PruningMode::KeepLast(1)),
                ..Default::default()
            },
        )
        .unwrap();
        let mut parent = genesis(&db, 1);
        assert!(db.cache.is_empty(), "genesis is not cached");
        let mut roots = vec![parent.state_root];
        for n in 1..=3u8 {
            let commit = child(&db, &parent, n + 1, None);
            let header = commit.header.clone();
            db.commit(commit).unwrap();
            let root = header.state_root;
            assert!(db.cache.get(&root).is_some(), "block {n}'s root is cached");
            roots.push(root);
            parent = header;
        }
        // Keeping one state behind the finalized one: the roots of blocks 0 and 1 are gone
        // from the store and from the cache.
        for gone in &roots[..2] {
            assert!(db.cache.get(gone).is_none());
            assert!(db.state_storage().get(gone).unwrap().is_none());
        }
        for kept in &roots[2..] {
            assert!(db.state_storage().get(kept).unwrap().is_some());
        }
    }
}
