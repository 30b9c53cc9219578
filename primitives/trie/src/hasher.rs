//! blake2-256 as a `hash_db::Hasher`.

use cpc_primitives::{H256, hashing::blake2_256};

/// Hashes trie nodes with blake2-256.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blake2Hasher;

impl hash_db::Hasher for Blake2Hasher {
    type Out = H256;
    type StdHasher = NodeHashHasher;
    const LENGTH: usize = 32;

    fn hash(data: &[u8]) -> H256 {
        H256(blake2_256(data))
    }
}

/// A `core::hash::Hasher` for keys that are already cryptographic hashes: it folds the bytes
/// instead of hashing them again. Only used for in-memory maps of nodes.
#[derive(Default, Clone, Copy)]
pub struct NodeHashHasher(u64);

impl core::hash::Hasher for NodeHashHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
}
