//! Storage under raw keys (well-known keys such as `:code`).

use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The decoded value at `key`.
pub fn get<V: Decode>(key: &[u8]) -> Option<V> {
    cpc_io::storage::get(key).and_then(|raw| super::decode_stored(key, &raw))
}

/// The raw bytes at `key`.
pub fn get_raw(key: &[u8]) -> Option<Vec<u8>> {
    cpc_io::storage::get(key)
}

/// Stores the encoding of `value` at `key`.
pub fn put<V: Encode>(key: &[u8], value: &V) {
    value.using_encoded(|bytes| cpc_io::storage::set(key, bytes))
}

/// Stores raw bytes at `key`.
pub fn put_raw(key: &[u8], value: &[u8]) {
    cpc_io::storage::set(key, value)
}

/// Removes `key`.
pub fn kill(key: &[u8]) {
    cpc_io::storage::clear(key)
}

/// Whether `key` has a value.
pub fn exists(key: &[u8]) -> bool {
    cpc_io::storage::exists(key)
}
