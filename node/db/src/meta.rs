//! Pointers and settings kept in the `meta` column.

use crate::{DbError, PruningMode};
use codec::{Decode, Encode};
use cpc_primitives::H256;

/// The format version of the database.
pub const DB_VERSION: u32 = 1;

pub(crate) const KEY_VERSION: &[u8] = b"version";
pub(crate) const KEY_PRUNING: &[u8] = b"pruning";
pub(crate) const KEY_GENESIS: &[u8] = b"genesis";
pub(crate) const KEY_BEST: &[u8] = b"best";
pub(crate) const KEY_FINALIZED: &[u8] = b"finalized";
/// The highest block whose journal has been applied.
pub(crate) const KEY_PRUNED: &[u8] = b"pruned";

/// A block by number and hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BlockPointer {
    /// Number.
    pub number: u32,
    /// Hash.
    pub hash: H256,
}

/// What the database knows of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The genesis block.
    pub genesis: BlockPointer,
    /// The best block.
    pub best: BlockPointer,
    /// The last finalized block.
    pub finalized: BlockPointer,
    /// The state pruning mode.
    pub pruning: PruningMode,
    /// The highest block whose journal was applied (0: none).
    pub pruned: u32,
}

pub(crate) fn decode<T: Decode>(what: &str, bytes: &[u8]) -> Result<T, DbError> {
    T::decode(&mut &bytes[..]).map_err(|e| DbError::Corrupt(format!("{what}: {e}")))
}
