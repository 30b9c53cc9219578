//! Hashing through the host: native speed for large inputs.
//!
//! Small inputs (storage keys) can as well be hashed in the runtime with
//! `cpc_primitives::hashing`; both give the same bytes.

#[cfg(not(feature = "std"))]
use crate::wasm::*;

macro_rules! host_hash {
    ($(#[$doc:meta])* $name:ident, $len:literal, $import:ident) => {
        $(#[$doc])*
        pub fn $name(data: &[u8]) -> [u8; $len] {
            #[cfg(feature = "std")]
            return cpc_primitives::hashing::$name(data);
            #[cfg(not(feature = "std"))]
            {
                let mut out = [0u8; $len];
                unsafe { $import(data.as_ptr(), data.len() as u32, out.as_mut_ptr()) };
                out
            }
        }
    };
}

host_hash!(
    /// Blake2b-128.
    blake2_128, 16, ext_hashing_blake2_128_version_1
);
host_hash!(
    /// Blake2b-256.
    blake2_256, 32, ext_hashing_blake2_256_version_1
);
host_hash!(
    /// xxHash64, seed 0.
    twox_64, 8, ext_hashing_twox_64_version_1
);
host_hash!(
    /// Two xxHash64, seeds 0 and 1.
    twox_128, 16, ext_hashing_twox_128_version_1
);
