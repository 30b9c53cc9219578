//! The `env` imports the runtime links against when compiled to wasm. The executor provides
//! them; signatures are documented in `docs/runtime-abi.md`. Pointers are 32-bit on wasm32.

#![allow(missing_docs)]

#[link(wasm_import_module = "env")]
unsafe extern "C" {
    pub fn ext_storage_read_version_1(
        key_ptr: *const u8,
        key_len: u32,
        out_ptr: *mut u8,
        out_len: u32,
        offset: u32,
    ) -> i64;
    pub fn ext_storage_set_version_1(
        key_ptr: *const u8,
        key_len: u32,
        value_ptr: *const u8,
        value_len: u32,
    );
    pub fn ext_storage_clear_version_1(key_ptr: *const u8, key_len: u32);
    pub fn ext_storage_exists_version_1(key_ptr: *const u8, key_len: u32) -> i32;
    pub fn ext_storage_next_key_version_1(
        key_ptr: *const u8,
        key_len: u32,
        out_ptr: *mut u8,
        out_len: u32,
    ) -> i64;
    pub fn ext_storage_clear_prefix_version_1(
        prefix_ptr: *const u8,
        prefix_len: u32,
        limit: i64,
    ) -> i64;
    pub fn ext_storage_append_version_1(
        key_ptr: *const u8,
        key_len: u32,
        item_ptr: *const u8,
        item_len: u32,
    );
    pub fn ext_storage_root_version_1(out_ptr: *mut u8);
    pub fn ext_storage_start_transaction_version_1();
    pub fn ext_storage_commit_transaction_version_1() -> i32;
    pub fn ext_storage_rollback_transaction_version_1() -> i32;

    pub fn ext_hashing_blake2_128_version_1(data_ptr: *const u8, data_len: u32, out_ptr: *mut u8);
    pub fn ext_hashing_blake2_256_version_1(data_ptr: *const u8, data_len: u32, out_ptr: *mut u8);
    pub fn ext_hashing_twox_64_version_1(data_ptr: *const u8, data_len: u32, out_ptr: *mut u8);
    pub fn ext_hashing_twox_128_version_1(data_ptr: *const u8, data_len: u32, out_ptr: *mut u8);

    pub fn ext_crypto_sr25519_verify_version_1(
        sig_ptr: *const u8,
        msg_ptr: *const u8,
        msg_len: u32,
        public_ptr: *const u8,
    ) -> i32;
    pub fn ext_crypto_sr25519_batch_verify_version_1(items_ptr: *const u8, items_len: u32) -> i32;
    pub fn ext_crypto_sr25519_vrf_verify_version_1(
        public_ptr: *const u8,
        context_ptr: *const u8,
        context_len: u32,
        message_ptr: *const u8,
        message_len: u32,
        signature_ptr: *const u8,
        out_ptr: *mut u8,
    ) -> i32;
    pub fn ext_crypto_sr25519_generate_version_1(
        key_type_ptr: *const u8,
        seed_ptr: *const u8,
        seed_len: i32,
        out_ptr: *mut u8,
    );

    pub fn ext_trie_blake2_256_ordered_root_version_1(
        items_ptr: *const u8,
        items_len: u32,
        out_ptr: *mut u8,
    );

    pub fn ext_logging_log_version_1(
        level: u32,
        target_ptr: *const u8,
        target_len: u32,
        message_ptr: *const u8,
        message_len: u32,
    );
    pub fn ext_logging_max_level_version_1() -> u32;

    pub fn ext_misc_runtime_version_version_1(
        code_ptr: *const u8,
        code_len: u32,
        out_ptr: *mut u8,
        out_len: u32,
    ) -> i64;
    pub fn ext_misc_panic_version_1(message_ptr: *const u8, message_len: u32) -> !;
}

/// Reads a value of unknown length through a host function that fills a buffer from an offset
/// and returns the full length (or a negative number for none).
pub(crate) fn read_with(
    mut read: impl FnMut(&mut [u8], u32) -> i64,
) -> Option<alloc::vec::Vec<u8>> {
    const FIRST_TRY: usize = 256;
    let mut buf = alloc::vec![0u8; FIRST_TRY];
    let len = read(&mut buf, 0);
    if len < 0 {
        return None;
    }
    let len = len as usize;
    if len <= FIRST_TRY {
        buf.truncate(len);
    } else {
        buf.resize(len, 0);
        read(&mut buf[FIRST_TRY..], FIRST_TRY as u32);
    }
    Some(buf)
}

/// Reads a value of unknown length through a host function that fills a buffer from the start
/// and returns the full length (or a negative number for none); a second call gets a value
/// longer than the first buffer.
pub(crate) fn read_whole(mut read: impl FnMut(&mut [u8]) -> i64) -> Option<alloc::vec::Vec<u8>> {
    const FIRST_TRY: usize = 128;
    let mut buf = alloc::vec![0u8; FIRST_TRY];
    let len = read(&mut buf);
    if len < 0 {
        return None;
    }
    let len = len as usize;
    if len > FIRST_TRY {
        buf.resize(len, 0);
        read(&mut buf);
    }
    buf.truncate(len);
    Some(buf)
}
