//! Signature verification through the host: the runtime links no curve arithmetic.

use cpc_crypto::sr25519::{Public, Signature};

#[cfg(not(feature = "std"))]
use crate::wasm::*;

/// Verifies an sr25519 signature (Substrate's signing context).
pub fn sr25519_verify(signature: &Signature, message: &[u8], public: &Public) -> bool {
    #[cfg(feature = "std")]
    return cpc_crypto::sr25519::verify(signature, message, public);
    #[cfg(not(feature = "std"))]
    unsafe {
        ext_crypto_sr25519_verify_version_1(
            signature.0.as_ptr(),
            message.as_ptr(),
            message.len() as u32,
            public.0.as_ptr(),
        ) != 0
    }
}

/// Verifies many sr25519 signatures at once; true only if every one is valid.
pub fn sr25519_batch_verify(items: &[(Signature, alloc::vec::Vec<u8>, Public)]) -> bool {
    #[cfg(feature = "std")]
    return cpc_crypto::sr25519::verify_batch(items.iter().map(|(s, m, p)| (s, m.as_slice(), p)));
    #[cfg(not(feature = "std"))]
    {
        let encoded = codec::Encode::encode(items);
        unsafe {
            ext_crypto_sr25519_batch_verify_version_1(encoded.as_ptr(), encoded.len() as u32) != 0
        }
    }
}
