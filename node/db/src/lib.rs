//! The chain store, on RocksDB.
//!
//! | column | key | value |
//! |---|---|---|
//! | `meta` | `version`, `pruning`, `genesis`, `best`, `finalized`, `pruned` | see [`Meta`] |
//! | `headers` | block hash | SCALE `Header` |
//! | `bodies` | block hash | SCALE `Vec<OpaqueExtrinsic>` |
//! | `justifications` | block hash | the consensus engine's bytes |
//! | `numbers` | big-endian block number | hash of the canonical block |
//! | `state` | trie node hash | reference count (u32 LE) ++ encoded node, updated by merge operands ([`refcount`](crate::refcount)) |
//! | `journal` | big-endian block number | SCALE `Vec<H256>`: nodes the block stopped using |
//!
//! Every imported block is written in **one atomic batch** (header, body, justification,
//! number index, trie nodes, journal, pointers), so a crash at any point leaves either the
//! previous chain or the new one, never a mix.
//!
//! State pruning keeps the states of the last `N` finalized blocks (or all, `archive`): trie
//! nodes are reference-counted, each block journals the nodes its state no longer references,
//! and when a block's parent state falls out of the window the journal is applied. Counts are
//! changed by RocksDB merge operands, so committing a block reads no rows. The mode is
//! fixed when the database is created; opening it with another mode is an error.
//!
//! The chain is linear (blocks are final when imported, as LBFT gives), so there are no
//! non-canonical states to track.

mod columns;
mod meta;
mod node_cache;
mod pruning;
pub mod refcount;
mod store;

pub use meta::{BlockPointer, Meta};
pub use node_cache::NodeCache;
pub use pruning::PruningMode;
pub use store::{
    BlockCommit, ChainDb, DbConfig, DbMemory, MIN_WRITE_BUFFER_BYTES, StateStorage, TableCheck,
};

use cpc_primitives::H256;

/// Database errors.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// RocksDB failed (I/O, corruption detected by RocksDB).
    #[error("database: {0}")]
    Rocks(#[from] rocksdb::Error),
    /// A stored value does not decode: the database is corrupt or from another version.
    #[error("corrupt database: {0}")]
    Corrupt(String),
    /// The database was created with another pruning mode.
    #[error(
        "the database was created with state pruning `{stored}`; it cannot be opened with `{requested}`"
    )]
    PruningMismatch {
        /// The mode stored at creation.
        stored: PruningMode,
        /// The mode asked for.
        requested: PruningMode,
    },
    /// The database belongs to another chain.
    #[error("the database holds the chain with genesis {stored:?}, not {expected:?}")]
    GenesisMismatch {
        /// Genesis in the database.
        stored: H256,
        /// Genesis expected.
        expected: H256,
    },
    /// The database format is newer or older than this node's.
    #[error("database format version {0} is not supported (expected {expected})", expected = meta::DB_VERSION)]
    UnsupportedVersion(u32),
    /// A block to commit does not extend the canonical chain.
    #[error("invalid commit: {0}")]
    InvalidCommit(String),
    /// An earlier write failed; the store takes no more until it is reopened.
    #[error("database writes stopped after a failed write: {0}")]
    WritesStopped(String),
}
