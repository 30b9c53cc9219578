//! Trie roots computed by the host.

use cpc_primitives::H256;

#[cfg(not(feature = "std"))]
use crate::wasm::*;

/// The root of the ordered trie of `items` (keys `Compact<u32>` indices): the extrinsics root.
pub fn blake2_256_ordered_root(items: &[alloc::vec::Vec<u8>]) -> H256 {
    #[cfg(feature = "std")]
    return cpc_trie::ordered_trie_root(items);
    #[cfg(not(feature = "std"))]
    {
        let encoded = codec::Encode::encode(items);
        let mut out = [0u8; 32];
        unsafe {
            ext_trie_blake2_256_ordered_root_version_1(
                encoded.as_ptr(),
                encoded.len() as u32,
                out.as_mut_ptr(),
            )
        };
        H256(out)
    }
}
