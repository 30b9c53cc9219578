//! Signature verification through the host: the runtime links no curve arithmetic; and key
//! generation in the node's keystore, for calls that are offered one.

use cpc_crypto::sr25519::{Public, Signature, VrfSignature};

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

/// Checks a VRF signature of `public` on `message` under `context` and returns its 32 output
/// bytes, or `None` if it does not verify.
pub fn sr25519_vrf_verify(
    public: &Public,
    context: &[u8],
    message: &[u8],
    signature: &VrfSignature,
) -> Option<[u8; 32]> {
    #[cfg(feature = "std")]
    return cpc_crypto::sr25519::vrf_verify(public, context, message, signature);
    #[cfg(not(feature = "std"))]
    {
        let encoded = codec::Encode::encode(signature);
        let mut output = [0u8; 32];
        let valid = unsafe {
            ext_crypto_sr25519_vrf_verify_version_1(
                public.0.as_ptr(),
                context.as_ptr(),
                context.len() as u32,
                message.as_ptr(),
                message.len() as u32,
                encoded.as_ptr(),
                output.as_mut_ptr(),
            )
        };
        (valid != 0).then_some(output)
    }
}

/// Generates a new sr25519 key of `key_type` in the node's keystore (from the secret URI
/// `seed` when given) and returns its public key: `SessionKeys_generate_session_keys`, which
/// the node calls for `author_rotateKeys`. Traps (panics natively) where the call was given no
/// keystore, as in block execution.
pub fn sr25519_generate(key_type: [u8; 4], seed: Option<&[u8]>) -> Public {
    #[cfg(feature = "std")]
    {
        let seed = seed.map(|s| core::str::from_utf8(s).unwrap_or("\u{fffd}"));
        match crate::externalities::ext(|ext| ext.sr25519_generate(key_type, seed)) {
            Ok(public) => Public(public),
            Err(why) => panic!("cannot generate a key: {why}"),
        }
    }
    #[cfg(not(feature = "std"))]
    {
        let mut public = Public([0; 32]);
        let (seed_ptr, seed_len) = match seed {
            Some(seed) => (seed.as_ptr(), seed.len() as i32),
            None => (core::ptr::null(), -1),
        };
        unsafe {
            ext_crypto_sr25519_generate_version_1(
                key_type.as_ptr(),
                seed_ptr,
                seed_len,
                public.0.as_mut_ptr(),
            )
        };
        public
    }
}
