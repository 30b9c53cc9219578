//! Host services that fit nowhere else: reading the version of a code blob, and aborting.

use alloc::vec::Vec;

pub use crate::RuntimeVersionError;

/// Loads `code` in the executor and returns its encoded `RuntimeVersion`, or why it cannot be
/// loaded.
pub fn runtime_version(code: &[u8]) -> Result<Vec<u8>, RuntimeVersionError> {
    #[cfg(feature = "std")]
    return crate::externalities::ext(|e| e.runtime_version(code));
    #[cfg(not(feature = "std"))]
    {
        let mut error = -1;
        let version = crate::wasm::read_whole(|out| {
            let result = unsafe {
                crate::wasm::ext_misc_runtime_version_version_1(
                    code.as_ptr(),
                    code.len() as u32,
                    out.as_mut_ptr(),
                    out.len() as u32,
                )
            };
            if result < 0 {
                error = result;
            }
            result
        });
        version.ok_or(RuntimeVersionError::from_code(error))
    }
}

/// Aborts the runtime call with `message` (the wasm panic handler ends here).
#[cfg(not(feature = "std"))]
pub fn abort(message: &str) -> ! {
    unsafe { crate::wasm::ext_misc_panic_version_1(message.as_ptr(), message.len() as u32) }
}
