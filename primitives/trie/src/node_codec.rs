//! The LayoutV1 node codec.
//!
//! - leaf: header, partial key, value (`Compact` length and bytes, or a 32-byte hash);
//! - branch: header, partial key, a little-endian `u16` bitmap of present children, the value
//!   if any, then each present child as `Compact` length and bytes (a 32-byte hash, or an
//!   inline node shorter than 32 bytes).
//!
//! Partial keys are packed nibbles; an odd count puts a single nibble in the low half of the
//! first byte, whose high half must be zero. Decoding is strict: every byte must be consumed
//! and every range must lie within the input, so a hostile node is an error, never a panic.

use crate::{
    Blake2Hasher,
    node_header::{NIBBLE_SIZE_BOUND, NodeHeader},
};
use alloc::vec::Vec;
use codec::{Compact, Decode, Encode};
use core::{borrow::Borrow, fmt, ops::Range};
use cpc_primitives::H256;
use hash_db::Hasher;
use trie_db::{
    ChildReference,
    nibble_ops::{self, NIBBLE_LENGTH, NIBBLE_PER_BYTE},
    node::{NibbleSlicePlan, NodeHandlePlan, NodePlan, Value, ValuePlan},
};

const BITMAP_LENGTH: usize = 2;
const HASH_LENGTH: usize = 32;

/// Why a node did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeCodecError {
    /// The bytes are not a valid node (the message says why).
    BadFormat(&'static str),
}

impl fmt::Display for NodeCodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadFormat(why) => write!(f, "bad trie node: {why}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for NodeCodecError {}

impl From<codec::Error> for NodeCodecError {
    fn from(_: codec::Error) -> Self {
        Self::BadFormat("truncated or malformed field")
    }
}

/// The node codec of [`crate::LayoutV1`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeCodec;

/// A cursor over the node bytes that hands out checked ranges.
struct Cursor<'a> {
    data: &'a [u8],
    offset: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, count: usize) -> Result<Range<usize>, NodeCodecError> {
        let end = self
            .offset
            .checked_add(count)
            .filter(|end| *end <= self.data.len())
            .ok_or(NodeCodecError::BadFormat(
                "field runs past the end of the node",
            ))?;
        let range = self.offset..end;
        self.offset = end;
        Ok(range)
    }

    fn compact_len(&mut self) -> Result<usize, NodeCodecError> {
        let mut rest = &self.data[self.offset..];
        let before = rest.len();
        let len = Compact::<u32>::decode(&mut rest)?.0 as usize;
        self.offset += before - rest.len();
        Ok(len)
    }
}

impl codec::Input for Cursor<'_> {
    fn remaining_len(&mut self) -> Result<Option<usize>, codec::Error> {
        Ok(Some(self.data.len() - self.offset))
    }

    fn read(&mut self, into: &mut [u8]) -> Result<(), codec::Error> {
        let range = self
            .take(into.len())
            .map_err(|_| codec::Error::from("end of node"))?;
        into.copy_from_slice(&self.data[range]);
        Ok(())
    }
}

impl NodeCodec {
    fn partial(
        cursor: &mut Cursor<'_>,
        nibble_count: usize,
    ) -> Result<NibbleSlicePlan, NodeCodecError> {
        let padding = !nibble_count.is_multiple_of(NIBBLE_PER_BYTE);
        let range = cursor.take(nibble_count.div_ceil(NIBBLE_PER_BYTE))?;
        if padding && nibble_ops::pad_left(cursor.data[range.start]) != 0 {
            return Err(NodeCodecError::BadFormat("bad padding in partial key"));
        }
        Ok(NibbleSlicePlan::new(
            range,
            nibble_ops::number_padding(nibble_count),
        ))
    }

    fn value(cursor: &mut Cursor<'_>, hashed: bool) -> Result<ValuePlan, NodeCodecError> {
        if hashed {
            return Ok(ValuePlan::Node(cursor.take(HASH_LENGTH)?));
        }
        let len = cursor.compact_len()?;
        Ok(ValuePlan::Inline(cursor.take(len)?))
    }
}

fn encode_partial(
    partial: impl Iterator<Item = u8>,
    nibble_count: usize,
    header: impl FnOnce(usize) -> NodeHeader,
) -> Vec<u8> {
    let nibble_count = nibble_count.min(NIBBLE_SIZE_BOUND);
    let mut out = Vec::with_capacity(4 + nibble_count / NIBBLE_PER_BYTE + 64);
    header(nibble_count).encode_to(&mut out);
    out.extend(partial);
    out
}

fn encode_value(value: Value<'_>, out: &mut Vec<u8>) {
    match value {
        Value::Inline(bytes) => {
            Compact(bytes.len() as u32).encode_to(out);
            out.extend_from_slice(bytes);
        }
        Value::Node(hash) => out.extend_from_slice(hash),
    }
}

impl trie_db::NodeCodec for NodeCodec {
    type Error = NodeCodecError;
    type HashOut = H256;

    fn hashed_null_node() -> H256 {
        Blake2Hasher::hash(<Self as trie_db::NodeCodec>::empty_node())
    }

    fn decode_plan(data: &[u8]) -> Result<NodePlan, Self::Error> {
        let mut cursor = Cursor { data, offset: 0 };
        let header = NodeHeader::decode(&mut cursor)?;
        let hashed = header.contains_hash_of_value();
        let plan = match header {
            NodeHeader::Null => NodePlan::Empty,
            NodeHeader::Leaf(nibbles) | NodeHeader::HashedValueLeaf(nibbles) => {
                let partial = Self::partial(&mut cursor, nibbles)?;
                let value = Self::value(&mut cursor, hashed)?;
                NodePlan::Leaf { partial, value }
            }
            NodeHeader::Branch(_, nibbles) | NodeHeader::HashedValueBranch(nibbles) => {
                let has_value = !matches!(header, NodeHeader::Branch(false, _));
                let partial = Self::partial(&mut cursor, nibbles)?;
                let bitmap_range = cursor.take(BITMAP_LENGTH)?;
                let bitmap =
                    u16::from_le_bytes([data[bitmap_range.start], data[bitmap_range.start + 1]]);
                if bitmap == 0 {
                    return Err(NodeCodecError::BadFormat("branch without children"));
                }
                let value = if has_value {
                    Some(Self::value(&mut cursor, hashed)?)
                } else {
                    None
                };
                let mut children: [Option<NodeHandlePlan>; NIBBLE_LENGTH] = Default::default();
                for (i, child) in children.iter_mut().enumerate() {
                    if bitmap & (1 << i) == 0 {
                        continue;
                    }
                    let len = cursor.compact_len()?;
                    let range = cursor.take(len)?;
                    *child = Some(match len {
                        HASH_LENGTH => NodeHandlePlan::Hash(range),
                        l if l < HASH_LENGTH => NodeHandlePlan::Inline(range),
                        _ => return Err(NodeCodecError::BadFormat("inline child too long")),
                    });
                }
                NodePlan::NibbledBranch {
                    partial,
                    value,
                    children,
                }
            }
        };
        if cursor.offset != data.len() {
            return Err(NodeCodecError::BadFormat("trailing bytes after node"));
        }
        Ok(plan)
    }

    fn is_empty_node(data: &[u8]) -> bool {
        data == <Self as trie_db::NodeCodec>::empty_node()
    }

    fn empty_node() -> &'static [u8] {
        &[0]
    }

    fn leaf_node(
        partial: impl Iterator<Item = u8>,
        number_nibble: usize,
        value: Value<'_>,
    ) -> Vec<u8> {
        let hashed = matches!(value, Value::Node(_));
        let mut out = encode_partial(partial, number_nibble, |n| {
            if hashed {
                NodeHeader::HashedValueLeaf(n)
            } else {
                NodeHeader::Leaf(n)
            }
        });
        encode_value(value, &mut out);
        out
    }

    fn extension_node(
        _partial: impl Iterator<Item = u8>,
        _number_nibble: usize,
        _child: ChildReference<H256>,
    ) -> Vec<u8> {
        unreachable!("LayoutV1 has no extension nodes (USE_EXTENSION is false)")
    }

    fn branch_node(
        _children: impl Iterator<Item = impl Borrow<Option<ChildReference<H256>>>>,
        _value: Option<Value<'_>>,
    ) -> Vec<u8> {
        unreachable!("LayoutV1 only builds branches with a partial key (branch_node_nibbled)")
    }

    fn branch_node_nibbled(
        partial: impl Iterator<Item = u8>,
        number_nibble: usize,
        children: impl Iterator<Item = impl Borrow<Option<ChildReference<H256>>>>,
        value: Option<Value<'_>>,
    ) -> Vec<u8> {
        let mut out = encode_partial(partial, number_nibble, |n| match &value {
            None => NodeHeader::Branch(false, n),
            Some(Value::Inline(_)) => NodeHeader::Branch(true, n),
            Some(Value::Node(_)) => NodeHeader::HashedValueBranch(n),
        });
        let bitmap_at = out.len();
        out.extend_from_slice(&[0; BITMAP_LENGTH]);
        if let Some(value) = value {
            encode_value(value, &mut out);
        }
        let mut bitmap = 0u16;
        for (i, child) in children.enumerate() {
            match child.borrow() {
                Some(ChildReference::Hash(hash)) => {
                    hash.as_ref().encode_to(&mut out);
                    bitmap |= 1 << i;
                }
                Some(ChildReference::Inline(data, len)) => {
                    data.as_ref()[..*len].encode_to(&mut out);
                    bitmap |= 1 << i;
                }
                None => {}
            }
        }
        out[bitmap_at..bitmap_at + BITMAP_LENGTH].copy_from_slice(&bitmap.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trie_db::NodeCodec as _;

    #[test]
    fn truncated_nodes_are_errors() {
        // A leaf with 4 nibbles and a 3-byte value, cut at every length.
        let leaf = NodeCodec::leaf_node([0x12u8, 0x34].into_iter(), 4, Value::Inline(&[1, 2, 3]));
        assert!(NodeCodec::decode_plan(&leaf).is_ok());
        for cut in 0..leaf.len() {
            assert!(
                NodeCodec::decode_plan(&leaf[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut longer = leaf.clone();
        longer.push(0);
        assert!(NodeCodec::decode_plan(&longer).is_err());
    }

    #[test]
    fn odd_partial_keys_need_zero_padding() {
        let leaf = NodeCodec::leaf_node([0x05u8].into_iter(), 1, Value::Inline(&[9]));
        assert!(NodeCodec::decode_plan(&leaf).is_ok());
        let mut bad = leaf.clone();
        bad[1] |= 0x50;
        assert!(NodeCodec::decode_plan(&bad).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(0u8.., 0..200)) {
            if let Ok(plan) = NodeCodec::decode_plan(&bytes) {
                // A successful plan must be buildable over the same bytes.
                let _ = plan.build(&bytes);
            }
        }
    }
}
