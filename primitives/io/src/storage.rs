//! State access: the current block's view of the trie, with nested transactions.

use alloc::vec::Vec;
use cpc_primitives::H256;

use crate::ClearPrefixResult;
#[cfg(feature = "std")]
use crate::externalities::ext;
#[cfg(not(feature = "std"))]
use crate::wasm::*;

/// The value at `key`.
pub fn get(key: &[u8]) -> Option<Vec<u8>> {
    #[cfg(feature = "std")]
    return ext(|e| e.storage(key));
    #[cfg(not(feature = "std"))]
    crate::wasm::read_with(|out, offset| unsafe {
        ext_storage_read_version_1(
            key.as_ptr(),
            key.len() as u32,
            out.as_mut_ptr(),
            out.len() as u32,
            offset,
        )
    })
}

/// Whether `key` has a value.
pub fn exists(key: &[u8]) -> bool {
    #[cfg(feature = "std")]
    return ext(|e| e.exists_storage(key));
    #[cfg(not(feature = "std"))]
    unsafe {
        ext_storage_exists_version_1(key.as_ptr(), key.len() as u32) != 0
    }
}

/// Sets `key` to `value`.
pub fn set(key: &[u8], value: &[u8]) {
    #[cfg(feature = "std")]
    ext(|e| e.set_storage(key.to_vec(), value.to_vec()));
    #[cfg(not(feature = "std"))]
    unsafe {
        ext_storage_set_version_1(
            key.as_ptr(),
            key.len() as u32,
            value.as_ptr(),
            value.len() as u32,
        )
    }
}

/// Removes `key`.
pub fn clear(key: &[u8]) {
    #[cfg(feature = "std")]
    ext(|e| e.clear_storage(key));
    #[cfg(not(feature = "std"))]
    unsafe {
        ext_storage_clear_version_1(key.as_ptr(), key.len() as u32)
    }
}

/// The first key after `key` in lexicographic order.
pub fn next_key(key: &[u8]) -> Option<Vec<u8>> {
    #[cfg(feature = "std")]
    return ext(|e| e.next_storage_key(key));
    #[cfg(not(feature = "std"))]
    crate::wasm::read_whole(|out| unsafe {
        ext_storage_next_key_version_1(
            key.as_ptr(),
            key.len() as u32,
            out.as_mut_ptr(),
            out.len() as u32,
        )
    })
}

/// Removes up to `limit` keys starting with `prefix`, or all of them when `limit` is `None`.
pub fn clear_prefix(prefix: &[u8], limit: Option<u32>) -> ClearPrefixResult {
    #[cfg(feature = "std")]
    return ext(|e| e.clear_prefix(prefix, limit));
    #[cfg(not(feature = "std"))]
    {
        let limit = limit.map_or(-1, i64::from);
        let packed = unsafe {
            ext_storage_clear_prefix_version_1(prefix.as_ptr(), prefix.len() as u32, limit)
        };
        ClearPrefixResult {
            removed: packed as u32,
            complete: (packed >> 32) & 1 == 1,
        }
    }
}

/// Appends the encoded `item` to the SCALE-encoded `Vec` stored at `key`, without reading it
/// into the runtime (events use this: appending stays O(item) however many there are).
pub fn append(key: &[u8], item: &[u8]) {
    #[cfg(feature = "std")]
    ext(|e| e.append_storage(key.to_vec(), item.to_vec()));
    #[cfg(not(feature = "std"))]
    unsafe {
        ext_storage_append_version_1(
            key.as_ptr(),
            key.len() as u32,
            item.as_ptr(),
            item.len() as u32,
        )
    }
}

/// The state root with all changes so far applied.
pub fn root() -> H256 {
    #[cfg(feature = "std")]
    return ext(|e| e.storage_root());
    #[cfg(not(feature = "std"))]
    {
        let mut out = [0u8; 32];
        unsafe { ext_storage_root_version_1(out.as_mut_ptr()) };
        H256(out)
    }
}

/// Opens a nested storage transaction.
pub fn start_transaction() {
    #[cfg(feature = "std")]
    ext(|e| e.storage_start_transaction());
    #[cfg(not(feature = "std"))]
    unsafe {
        ext_storage_start_transaction_version_1()
    }
}

/// Commits the innermost transaction.
///
/// # Panics
/// If no transaction is open: a framework bug, never a user error.
pub fn commit_transaction() {
    #[cfg(feature = "std")]
    let ok = ext(|e| e.storage_commit_transaction()).is_ok();
    #[cfg(not(feature = "std"))]
    let ok = unsafe { ext_storage_commit_transaction_version_1() } == 0;
    assert!(ok, "no storage transaction is open to commit");
}

/// Discards the innermost transaction's changes.
///
/// # Panics
/// If no transaction is open: a framework bug, never a user error.
pub fn rollback_transaction() {
    #[cfg(feature = "std")]
    let ok = ext(|e| e.storage_rollback_transaction()).is_ok();
    #[cfg(not(feature = "std"))]
    let ok = unsafe { ext_storage_rollback_transaction_version_1() } == 0;
    assert!(ok, "no storage transaction is open to roll back");
}
