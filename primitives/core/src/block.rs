//! Blocks: a header and the encoded extrinsics.

use crate::{
    H256, Header,
    bytes::{from_hex, to_hex},
    hashing::blake2_256,
    limits::{DecodeLimitError, MAX_BLOCK_SIZE, decode_bounded},
};
use alloc::vec::Vec;
use codec::{Decode, DecodeAll, Encode};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// An extrinsic as opaque bytes: the node moves and stores extrinsics without knowing the
/// runtime's call type.
///
/// Holds the extrinsic's encoding without its length prefix and encodes as `Vec<u8>`, so its
/// encoding is byte-identical to the `UncheckedExtrinsic` it carries.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct OpaqueExtrinsic(pub Vec<u8>);

impl OpaqueExtrinsic {
    /// Wraps the full encoding of an extrinsic (length prefix included); bytes after it are
    /// an error, not ignored.
    pub fn from_encoded(encoded: &[u8]) -> Result<Self, codec::Error> {
        Self::decode_all(&mut &encoded[..])
    }

    /// The extrinsic's hash (blake2-256 of its full encoding).
    pub fn hash(&self) -> H256 {
        H256(blake2_256(&self.encode()))
    }
}

impl Serialize for OpaqueExtrinsic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(&self.encode()))
    }
}

impl<'de> Deserialize<'de> for OpaqueExtrinsic {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let bytes = from_hex(&s).map_err(serde::de::Error::custom)?;
        decode_bounded(&bytes, MAX_BLOCK_SIZE).map_err(serde::de::Error::custom)
    }
}

/// A block.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// The extrinsics, in order.
    pub extrinsics: Vec<OpaqueExtrinsic>,
}

impl Block {
    /// The block's hash (its header's).
    pub fn hash(&self) -> H256 {
        self.header.hash()
    }

    /// Decodes from untrusted bytes, bounded by [`MAX_BLOCK_SIZE`].
    pub fn decode_bounded(bytes: &[u8]) -> Result<Self, DecodeLimitError> {
        decode_bounded(bytes, MAX_BLOCK_SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Digest, UncheckedExtrinsic};

    fn block() -> Block {
        let xt = UncheckedExtrinsic::new_unsigned((3u8, 0u8, codec::Compact(1_000u64)));
        Block {
            header: Header {
                parent_hash: H256([1; 32]),
                number: 1,
                state_root: H256([2; 32]),
                extrinsics_root: H256([3; 32]),
                digest: Digest::default(),
            },
            extrinsics: alloc::vec![OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap()],
        }
    }

    #[test]
    fn opaque_extrinsics_encode_like_the_original() {
        let xt = UncheckedExtrinsic::new_unsigned((3u8, 0u8, codec::Compact(1_000u64)));
        let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap();
        assert_eq!(opaque.encode(), xt.encode());
        assert_eq!(opaque.hash(), xt.hash());
    }

    /// Found by the `extrinsic` fuzz target: the wrapper used to keep the first extrinsic of
    /// its input and drop the rest.
    #[test]
    fn an_encoding_with_bytes_after_it_is_not_an_extrinsic() {
        let xt = UncheckedExtrinsic::new_unsigned((3u8, 0u8, codec::Compact(1_000u64)));
        let mut bytes = xt.encode();
        bytes.extend_from_slice(&[0xb2, 0x01]);
        assert!(OpaqueExtrinsic::from_encoded(&bytes).is_err());
    }

    #[test]
    fn blocks_round_trip_and_refuse_garbage() {
        let b = block();
        assert_eq!(Block::decode_bounded(&b.encode()).unwrap(), b);
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<Block>(&json).unwrap(), b);
        let encoded = b.encode();
        for cut in 0..encoded.len() {
            assert!(Block::decode_bounded(&encoded[..cut]).is_err());
        }
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(0u8.., 0..1024)) {
            let _ = Block::decode_bounded(&bytes);
            let _ = Header::decode_bounded(&bytes);
        }
    }
}
