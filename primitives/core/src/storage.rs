//! Storage key layout: `twox128(pallet) ++ twox128(item) ++ hasher(SCALE(key))`, as in FRAME.
//!
//! The three hashers all append the key itself after its hash ("concat") or use the key as it
//! is ("identity"), so keys can be recovered when iterating a map.

use crate::hashing::{blake2_128, twox_64, twox_128_const};
use alloc::vec::Vec;

/// Keys outside any pallet, read by the host.
pub mod well_known_keys {
    /// The runtime's wasm code.
    pub const CODE: &[u8] = b":code";
    /// Number of 64 KiB heap pages the runtime may use (optional; the executor has a default).
    pub const HEAP_PAGES: &[u8] = b":heappages";
    /// Index of the extrinsic being applied (for events), set by the runtime.
    pub const EXTRINSIC_INDEX: &[u8] = b":extrinsic_index";
}

/// The 32-byte prefix of a storage item: `twox128(pallet) ++ twox128(item)`, at compile time.
pub const fn storage_prefix(pallet: &str, item: &str) -> [u8; 32] {
    let a = twox_128_const(pallet.as_bytes());
    let b = twox_128_const(item.as_bytes());
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 16 {
        out[i] = a[i];
        out[i + 16] = b[i];
        i += 1;
    }
    out
}

/// The 16-byte prefix of all of a pallet's storage.
pub const fn pallet_prefix(pallet: &str) -> [u8; 16] {
    twox_128_const(pallet.as_bytes())
}

/// Which hasher a map key uses; the discriminants are FRAME metadata's `StorageHasher` indices.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HasherKind {
    /// `blake2_128(key) ++ key`: for keys users choose (accounts), resisting crafted collisions.
    Blake2_128Concat = 2,
    /// `twox_64(key) ++ key`: for keys the runtime chooses (indices, block numbers).
    Twox64Concat = 5,
    /// The key itself: for keys that are already hashes.
    Identity = 6,
}

/// A hasher of storage map keys.
pub trait StorageHasher: 'static {
    /// Which one.
    const KIND: HasherKind;
    /// Bytes of hash before the key itself.
    const HASH_LEN: usize;

    /// Appends the hashed form of the encoded `key` to `out`.
    fn hash_into(key: &[u8], out: &mut Vec<u8>);

    /// The encoded key at the start of `hashed` (a hashed key plus anything after it).
    fn reverse(hashed: &[u8]) -> Option<&[u8]> {
        hashed.get(Self::HASH_LEN..)
    }
}

/// `blake2_128(key) ++ key`.
pub enum Blake2_128Concat {}
/// `twox_64(key) ++ key`.
pub enum Twox64Concat {}
/// `key`.
pub enum Identity {}

impl StorageHasher for Blake2_128Concat {
    const KIND: HasherKind = HasherKind::Blake2_128Concat;
    const HASH_LEN: usize = 16;

    fn hash_into(key: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&blake2_128(key));
        out.extend_from_slice(key);
    }
}

impl StorageHasher for Twox64Concat {
    const KIND: HasherKind = HasherKind::Twox64Concat;
    const HASH_LEN: usize = 8;

    fn hash_into(key: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&twox_64(key));
        out.extend_from_slice(key);
    }
}

impl StorageHasher for Identity {
    const KIND: HasherKind = HasherKind::Identity;
    const HASH_LEN: usize = 0;

    fn hash_into(key: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(key);
    }
}

/// The full key of a map entry: `prefix ++ H(encoded_key)`.
pub fn map_key<H: StorageHasher>(prefix: &[u8; 32], encoded_key: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(32 + H::HASH_LEN + encoded_key.len());
    key.extend_from_slice(prefix);
    H::hash_into(encoded_key, &mut key);
    key
}

/// The full key of a double-map entry: `prefix ++ H1(k1) ++ H2(k2)`.
pub fn double_map_key<H1: StorageHasher, H2: StorageHasher>(
    prefix: &[u8; 32],
    encoded_k1: &[u8],
    encoded_k2: &[u8],
) -> Vec<u8> {
    let mut key =
        Vec::with_capacity(32 + H1::HASH_LEN + encoded_k1.len() + H2::HASH_LEN + encoded_k2.len());
    key.extend_from_slice(prefix);
    H1::hash_into(encoded_k1, &mut key);
    H2::hash_into(encoded_k2, &mut key);
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Encode;

    #[test]
    fn alice_account_key_equals_substrates() {
        let alice = hex::decode("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
            .unwrap();
        let key = map_key::<Blake2_128Concat>(&storage_prefix("System", "Account"), &alice);
        // `state_getKeys` of System.Account on any Substrate dev chain lists this key for Alice.
        assert_eq!(
            hex::encode(key),
            "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9\
             de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6\
             822c8558854ccde39a5684e7a56da27d"
        );
    }

    #[test]
    fn well_known_prefixes() {
        assert_eq!(
            hex::encode(storage_prefix("System", "Account")),
            "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"
        );
        assert_eq!(
            hex::encode(storage_prefix("Timestamp", "Now")),
            "f0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb"
        );
    }

    #[test]
    fn hashers_are_reversible() {
        let key = 7u32.encode();
        let mut out = Vec::new();
        Twox64Concat::hash_into(&key, &mut out);
        assert_eq!(Twox64Concat::reverse(&out), Some(&key[..]));
        out.clear();
        Identity::hash_into(&key, &mut out);
        assert_eq!(Identity::reverse(&out), Some(&key[..]));
        assert_eq!(Blake2_128Concat::reverse(&[1, 2, 3]), None);
    }
}
