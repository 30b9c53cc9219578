//! Block headers and digests, in Substrate's layout.
//!
//! `Header { parent_hash, Compact<u32> number, state_root, extrinsics_root, digest }`; the block
//! hash is blake2-256 of the encoded header. JSON follows Substrate's RPC: camelCase fields, the
//! number as a hex string, each digest log as the hex of its SCALE encoding.

use crate::{
    BlockNumber, ConsensusEngineId, H256,
    bytes::{from_hex, to_hex},
    hashing::blake2_256,
    limits::{DecodeLimitError, MAX_HEADER_SIZE, decode_bounded},
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// One item of a header digest. The codec indices are Substrate's.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum DigestItem {
    /// Data for the runtime from the block author, before execution (slot, proposer).
    #[codec(index = 6)]
    PreRuntime(ConsensusEngineId, Vec<u8>),
    /// A message from the runtime to the consensus engine (for example a committee change).
    #[codec(index = 4)]
    Consensus(ConsensusEngineId, Vec<u8>),
    /// A seal added by the author after execution; not seen by the runtime.
    #[codec(index = 5)]
    Seal(ConsensusEngineId, Vec<u8>),
    /// Anything else.
    #[codec(index = 0)]
    Other(Vec<u8>),
    /// The runtime code or heap pages changed in this block.
    #[codec(index = 8)]
    RuntimeEnvironmentUpdated,
}

impl DigestItem {
    /// The payload of a `PreRuntime` item of `engine`.
    pub fn as_pre_runtime(&self, engine: ConsensusEngineId) -> Option<&[u8]> {
        match self {
            Self::PreRuntime(id, data) if *id == engine => Some(data),
            _ => None,
        }
    }

    /// The payload of a `Consensus` item of `engine`.
    pub fn as_consensus(&self, engine: ConsensusEngineId) -> Option<&[u8]> {
        match self {
            Self::Consensus(id, data) if *id == engine => Some(data),
            _ => None,
        }
    }

    /// The payload of a `Seal` item of `engine`.
    pub fn as_seal(&self, engine: ConsensusEngineId) -> Option<&[u8]> {
        match self {
            Self::Seal(id, data) if *id == engine => Some(data),
            _ => None,
        }
    }
}

impl Serialize for DigestItem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(&self.encode()))
    }
}

impl<'de> Deserialize<'de> for DigestItem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let bytes = from_hex(&s).map_err(serde::de::Error::custom)?;
        decode_bounded(&bytes, MAX_HEADER_SIZE).map_err(serde::de::Error::custom)
    }
}

/// The digest of a header: a list of items.
#[derive(
    Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, Serialize, Deserialize,
)]
pub struct Digest {
    /// The items, in order.
    pub logs: Vec<DigestItem>,
}

impl Digest {
    /// Appends an item.
    pub fn push(&mut self, item: DigestItem) {
        self.logs.push(item);
    }

    /// Iterates the items.
    pub fn logs(&self) -> impl Iterator<Item = &DigestItem> {
        self.logs.iter()
    }
}

/// A block header.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// Hash of the parent header.
    pub parent_hash: H256,
    /// Height; genesis is 0.
    #[codec(compact)]
    #[serde(with = "number_as_hex")]
    pub number: BlockNumber,
    /// Root of the state trie after executing this block.
    pub state_root: H256,
    /// Root of the ordered trie of this block's extrinsics.
    pub extrinsics_root: H256,
    /// Digest items.
    pub digest: Digest,
}

impl Header {
    /// The block hash: blake2-256 of the encoded header.
    pub fn hash(&self) -> H256 {
        H256(blake2_256(&self.encode()))
    }

    /// Decodes a header from untrusted bytes, bounded by [`MAX_HEADER_SIZE`].
    pub fn decode_bounded(bytes: &[u8]) -> Result<Self, DecodeLimitError> {
        decode_bounded(bytes, MAX_HEADER_SIZE)
    }
}

/// Block numbers in JSON are hex strings (`"0x1a"`), as Substrate's RPC sends them; plain
/// numbers are accepted too.
mod number_as_hex {
    use super::BlockNumber;
    use alloc::format;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(
        number: &BlockNumber,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{number:#x}"))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrHex<'a> {
        Number(u64),
        Hex(alloc::borrow::Cow<'a, str>),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BlockNumber, D::Error> {
        let value = match NumberOrHex::deserialize(deserializer)? {
            NumberOrHex::Number(n) => n,
            NumberOrHex::Hex(s) => {
                let digits = s
                    .strip_prefix("0x")
                    .ok_or_else(|| D::Error::custom("expected 0x"))?;
                u64::from_str_radix(digits, 16).map_err(D::Error::custom)?
            }
        };
        BlockNumber::try_from(value).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            parent_hash: H256([1; 32]),
            number: 300,
            state_root: H256([2; 32]),
            extrinsics_root: H256([3; 32]),
            digest: Digest {
                logs: alloc::vec![
                    DigestItem::PreRuntime(*b"dpor", alloc::vec![1, 2]),
                    DigestItem::Seal(*b"lbft", alloc::vec![9; 64]),
                    DigestItem::RuntimeEnvironmentUpdated,
                ],
            },
        }
    }

    #[test]
    fn encoding_is_substrates() {
        let h = header();
        let encoded = h.encode();
        // parent hash, then Compact(300) = 0xb1 0x04.
        assert_eq!(&encoded[32..34], &[0xb1, 0x04]);
        assert_eq!(Header::decode_bounded(&encoded).unwrap(), h);
        // PreRuntime is variant 6, Seal 5, RuntimeEnvironmentUpdated 8.
        assert_eq!(
            DigestItem::PreRuntime(*b"dpor", alloc::vec![]).encode()[0],
            6
        );
        assert_eq!(
            DigestItem::RuntimeEnvironmentUpdated.encode(),
            alloc::vec![8]
        );
    }

    #[test]
    fn json_matches_substrate_rpc() {
        let json = serde_json::to_value(header()).unwrap();
        assert_eq!(json["number"], "0x12c");
        assert!(json["parentHash"].as_str().unwrap().starts_with("0x0101"));
        assert_eq!(json["digest"]["logs"][2], "0x08");
        let back: Header = serde_json::from_value(json).unwrap();
        assert_eq!(back, header());
    }

    #[test]
    fn trailing_or_truncated_bytes_are_refused() {
        let mut encoded = header().encode();
        encoded.push(0);
        assert!(Header::decode_bounded(&encoded).is_err());
        encoded.truncate(encoded.len() - 5);
        assert!(Header::decode_bounded(&encoded).is_err());
        let huge = alloc::vec![0u8; MAX_HEADER_SIZE + 1];
        assert!(matches!(
            Header::decode_bounded(&huge),
            Err(DecodeLimitError::TooLarge { .. })
        ));
    }
}
