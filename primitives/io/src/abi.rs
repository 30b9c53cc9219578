//! The runtime's side of the call ABI on wasm32: the allocator, the panic handler, and the
//! helpers every exported entry point uses.
//!
//! An entry `<Api>_<method>(ptr, len) -> i64` reads its SCALE-encoded arguments from guest
//! memory at `ptr..ptr+len` (the host placed them there through [`cpc_alloc`]) and returns
//! `(result_len << 32) | result_ptr`. Each call runs in a fresh instance, so results are simply
//! leaked.

use alloc::vec::Vec;

#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut message = alloc::string::String::new();
    let _ = write!(message, "{info}");
    crate::misc::abort(&message)
}

/// Allocates `size` bytes for the host to write a call's input into.
#[unsafe(no_mangle)]
pub extern "C" fn cpc_alloc(size: u32) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(size as usize);
    let ptr = buf.as_mut_ptr();
    core::mem::forget(buf);
    ptr
}

/// The input of an entry point.
///
/// # Safety
/// `ptr..ptr+len` must be memory the host wrote through [`cpc_alloc`].
pub unsafe fn input<'a>(ptr: *const u8, len: u32) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    unsafe { core::slice::from_raw_parts(ptr, len as usize) }
}

/// Packs an entry point's result for the host.
pub fn output(result: Vec<u8>) -> i64 {
    let result = core::mem::ManuallyDrop::new(result);
    ((result.len() as i64) << 32) | (result.as_ptr() as u32 as i64)
}
