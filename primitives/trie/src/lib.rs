//! The state trie: Substrate's `LayoutV1` base-16 Patricia-Merkle trie over hash-db/trie-db.
//!
//! - [`LayoutV1`]: no extension nodes, blake2-256, values of 33 bytes or more stored as
//!   separate value nodes referenced by hash ("state version 1").
//! - [`NodeCodec`]: the node encoding (see [`node_header`] for the header byte layout).
//! - [`trie_root`] and [`ordered_trie_root`]: roots of key-value sets and of ordered lists
//!   (the extrinsics root).
//! - [`StorageProof`], [`generate_read_proof`] and [`verify_read_proof`]: read proofs as sets of
//!   encoded nodes, as Substrate's `state_getReadProof` returns them.
//!
//! Roots computed here equal Substrate's; `tests/substrate_vectors.rs` checks every reference
//! root in `tests/vectors/trie.json` (computed by Substrate's sp-trie).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod hasher;
mod node_codec;
pub mod node_header;
mod proof;

pub use hasher::Blake2Hasher;
pub use node_codec::{NodeCodec, NodeCodecError};
pub use proof::{ProofError, StorageProof, generate_read_proof, verify_read_proof};
pub use trie_db;

use alloc::vec::Vec;
use codec::{Compact, Encode};
use cpc_primitives::H256;
use trie_db::{TrieConfiguration, TrieLayout};

/// Values this long or longer are stored as their own node, referenced by hash.
pub const TRIE_VALUE_NODE_THRESHOLD: u32 = 33;

/// The root of the empty trie: blake2-256 of the empty node `0x00`.
pub const EMPTY_TRIE_ROOT: H256 = H256(hex_32(
    b"03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314",
));

const fn hex_32(s: &[u8; 64]) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not lowercase hex"),
        }
    }
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(s[2 * i]) << 4) | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

/// Substrate's trie layout, state version 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayoutV1;

impl TrieLayout for LayoutV1 {
    const USE_EXTENSION: bool = false;
    const ALLOW_EMPTY: bool = true;
    const MAX_INLINE_VALUE: Option<u32> = Some(TRIE_VALUE_NODE_THRESHOLD);
    type Hash = Blake2Hasher;
    type Codec = NodeCodec;
}

impl TrieConfiguration for LayoutV1 {}

/// An in-memory node database keyed by node hash (for proofs and tests).
pub type MemoryDB = memory_db::MemoryDB<Blake2Hasher, memory_db::HashKey<Blake2Hasher>, Vec<u8>>;

/// An in-memory node database keyed by node position and hash, as a state database keeps nodes
/// so that equal nodes at different positions are stored (and pruned) separately.
pub type PrefixedMemoryDB =
    memory_db::MemoryDB<Blake2Hasher, memory_db::PrefixedKey<Blake2Hasher>, Vec<u8>>;

/// Errors of trie operations over a node database (a missing node, an undecodable node).
pub type TrieError = trie_db::TrieError<H256, NodeCodecError>;

/// The root of the trie holding `entries`, which may come in any order; later duplicates of a
/// key win.
pub fn trie_root<K, V>(entries: impl IntoIterator<Item = (K, V)>) -> H256
where
    K: AsRef<[u8]> + Ord,
    V: AsRef<[u8]>,
{
    let sorted: alloc::collections::BTreeMap<K, V> = entries.into_iter().collect();
    let mut callback = trie_db::TrieRoot::<LayoutV1>::default();
    trie_db::trie_visit::<LayoutV1, _, _, _, _>(sorted, &mut callback);
    callback.root.unwrap_or(EMPTY_TRIE_ROOT)
}

/// The root of an ordered list: the trie mapping `Compact<u32>(index)` to each item (the
/// extrinsics root of a block, with each item the extrinsic's full encoding).
pub fn ordered_trie_root<V: AsRef<[u8]>>(items: impl IntoIterator<Item = V>) -> H256 {
    trie_root(
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Compact(i as u32).encode(), v)),
    )
}

/// Builds the trie of `entries` into `db` and returns its root.
pub fn build_trie<K, V>(
    db: &mut impl hash_db::HashDB<Blake2Hasher, Vec<u8>>,
    entries: impl IntoIterator<Item = (K, V)>,
) -> H256
where
    K: AsRef<[u8]> + Ord,
    V: AsRef<[u8]>,
{
    let sorted: alloc::collections::BTreeMap<K, V> = entries.into_iter().collect();
    LayoutV1::trie_build(db, sorted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_the_hash_of_the_empty_node() {
        assert_eq!(
            EMPTY_TRIE_ROOT.0,
            cpc_primitives::hashing::blake2_256(&[0u8])
        );
        assert_eq!(trie_root(Vec::<(Vec<u8>, Vec<u8>)>::new()), EMPTY_TRIE_ROOT);
        assert_eq!(ordered_trie_root(Vec::<Vec<u8>>::new()), EMPTY_TRIE_ROOT);
    }

    #[test]
    fn building_into_a_db_gives_the_same_root() {
        let entries: Vec<(Vec<u8>, Vec<u8>)> = (0u32..200)
            .map(|i| (i.encode(), vec![i as u8; (i % 70) as usize]))
            .collect();
        let mut db = MemoryDB::default();
        assert_eq!(build_trie(&mut db, entries.clone()), trie_root(entries));
    }
}
