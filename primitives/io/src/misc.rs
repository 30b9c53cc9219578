//! Host services that fit nowhere else: reading the version of a code blob, and aborting.

use alloc::vec::Vec;

/// Loads `code` in the executor and returns its encoded `RuntimeVersion`, or `None` when it
/// cannot be loaded (not valid wasm, missing exports, a trap in `Core_version`).
pub fn runtime_version(code: &[u8]) -> Option<Vec<u8>> {
    #[cfg(feature = "std")]
    return crate::externalities::ext(|e| e.runtime_version(code)).ok();
    #[cfg(not(feature = "std"))]
    crate::wasm::read_whole(|out| unsafe {
        crate::wasm::ext_misc_runtime_version_version_1(
            code.as_ptr(),
            code.len() as u32,
            out.as_mut_ptr(),
            out.len() as u32,
        )
    })
}

/// Aborts the runtime call with `message` (the wasm panic handler ends here).
#[cfg(not(feature = "std"))]
pub fn abort(message: &str) -> ! {
    unsafe { crate::wasm::ext_misc_panic_version_1(message.as_ptr(), message.len() as u32) }
}
