//! Host services that fit nowhere else: reading the version of a code blob, and aborting.

use alloc::vec::Vec;

/// Why the version of a code blob could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeVersionError {
    /// The bytes are not usable wasm (they do not compile, or import unknown host functions).
    InvalidCode,
    /// The module lacks exports every runtime must have (`memory`, `cpc_alloc`, the Core,
    /// BlockBuilder and TaggedTransactionQueue functions).
    MissingExports,
    /// `Core_version` trapped or returned something that is not a version.
    VersionCallFailed,
}

impl RuntimeVersionError {
    /// The code the host function returns for this error.
    pub const fn code(self) -> i64 {
        match self {
            Self::InvalidCode => -1,
            Self::MissingExports => -2,
            Self::VersionCallFailed => -3,
        }
    }

    /// The error a host function's return code stands for.
    pub const fn from_code(code: i64) -> Self {
        match code {
            -2 => Self::MissingExports,
            -3 => Self::VersionCallFailed,
            _ => Self::InvalidCode,
        }
    }
}

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
