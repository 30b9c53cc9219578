//! Node headers of the LayoutV1 codec.
//!
//! The first byte of a node says its kind and (the start of) its partial key length in nibbles:
//!
//! | bits        | kind                                  | length bits |
//! |-------------|---------------------------------------|-------------|
//! | `00000000`  | empty                                 | –           |
//! | `01xxxxxx`  | leaf, inline value                    | 6           |
//! | `10xxxxxx`  | branch without value                  | 6           |
//! | `11xxxxxx`  | branch with inline value              | 6           |
//! | `001xxxxx`  | leaf with hashed value                | 5           |
//! | `0001xxxx`  | branch with hashed value              | 4           |
//!
//! If the length bits are all ones, the length continues in following bytes, each adding its
//! value, until a byte below 255. Lengths are capped at 65535 nibbles.

use alloc::vec::Vec;
use codec::{Error, Input};

/// The largest partial key length, in nibbles.
pub const NIBBLE_SIZE_BOUND: usize = u16::MAX as usize;

const EMPTY_TRIE: u8 = 0;
const LEAF_PREFIX_MASK: u8 = 0b01 << 6;
const BRANCH_WITHOUT_MASK: u8 = 0b10 << 6;
const BRANCH_WITH_MASK: u8 = 0b11 << 6;
const ALT_HASHING_LEAF_PREFIX_MASK: u8 = 0b001 << 5;
const ALT_HASHING_BRANCH_WITH_MASK: u8 = 0b0001 << 4;

/// A decoded node header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeHeader {
    /// The empty node.
    Null,
    /// A branch: whether it has an inline value, and its partial key length.
    Branch(bool, usize),
    /// A leaf with an inline value, and its partial key length.
    Leaf(usize),
    /// A branch whose value is a hash, and its partial key length.
    HashedValueBranch(usize),
    /// A leaf whose value is a hash, and its partial key length.
    HashedValueLeaf(usize),
}

impl NodeHeader {
    /// Whether the node's value is stored as a hash.
    pub fn contains_hash_of_value(&self) -> bool {
        matches!(self, Self::HashedValueBranch(_) | Self::HashedValueLeaf(_))
    }

    /// Appends the header's bytes.
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        match *self {
            Self::Null => out.push(EMPTY_TRIE),
            Self::Branch(true, n) => encode_size_and_prefix(n, BRANCH_WITH_MASK, 2, out),
            Self::Branch(false, n) => encode_size_and_prefix(n, BRANCH_WITHOUT_MASK, 2, out),
            Self::Leaf(n) => encode_size_and_prefix(n, LEAF_PREFIX_MASK, 2, out),
            Self::HashedValueBranch(n) => {
                encode_size_and_prefix(n, ALT_HASHING_BRANCH_WITH_MASK, 4, out)
            }
            Self::HashedValueLeaf(n) => {
                encode_size_and_prefix(n, ALT_HASHING_LEAF_PREFIX_MASK, 3, out)
            }
        }
    }

    /// Reads a header.
    pub fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let first = input.read_byte()?;
        if first == EMPTY_TRIE {
            return Ok(Self::Null);
        }
        match first & (0b11 << 6) {
            LEAF_PREFIX_MASK => Ok(Self::Leaf(decode_size(first, input, 2)?)),
            BRANCH_WITH_MASK => Ok(Self::Branch(true, decode_size(first, input, 2)?)),
            BRANCH_WITHOUT_MASK => Ok(Self::Branch(false, decode_size(first, input, 2)?)),
            _ => {
                if first & (0b111 << 5) == ALT_HASHING_LEAF_PREFIX_MASK {
                    Ok(Self::HashedValueLeaf(decode_size(first, input, 3)?))
                } else if first & (0b1111 << 4) == ALT_HASHING_BRANCH_WITH_MASK {
                    Ok(Self::HashedValueBranch(decode_size(first, input, 4)?))
                } else {
                    Err("Unallowed node header".into())
                }
            }
        }
    }
}

fn encode_size_and_prefix(size: usize, prefix: u8, prefix_bits: usize, out: &mut Vec<u8>) {
    let size = size.min(NIBBLE_SIZE_BOUND);
    let max_value = 255u8 >> prefix_bits;
    let first_part = (max_value as usize - 1).min(size);
    if size == first_part {
        out.push(prefix + first_part as u8);
        return;
    }
    out.push(prefix + max_value);
    let mut rest = size - first_part;
    while rest >= 256 {
        out.push(255);
        rest -= 255;
    }
    if rest > 0 {
        out.push((rest - 1) as u8);
    }
}

fn decode_size<I: Input>(first: u8, input: &mut I, prefix_bits: usize) -> Result<usize, Error> {
    let max_value = 255u8 >> prefix_bits;
    let mut result = (first & max_value) as usize;
    if result < max_value as usize {
        return Ok(result);
    }
    result -= 1;
    while result <= NIBBLE_SIZE_BOUND {
        let n = input.read_byte()? as usize;
        if n < 255 {
            return Ok(result + n + 1);
        }
        result += 255;
    }
    Err("Node header size exceeds the nibble bound".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_trip() {
        for size in (0..1100).chain([NIBBLE_SIZE_BOUND - 1, NIBBLE_SIZE_BOUND]) {
            for header in [
                NodeHeader::Leaf(size),
                NodeHeader::Branch(true, size),
                NodeHeader::Branch(false, size),
                NodeHeader::HashedValueLeaf(size),
                NodeHeader::HashedValueBranch(size),
            ] {
                let mut out = Vec::new();
                header.encode_to(&mut out);
                assert_eq!(
                    NodeHeader::decode(&mut &out[..]).unwrap(),
                    header,
                    "{header:?}"
                );
            }
        }
    }

    #[test]
    fn reserved_headers_are_refused() {
        // 0b0000_0001 is the escape header, which LayoutV1 never produces.
        assert!(NodeHeader::decode(&mut &[0b0000_0001u8][..]).is_err());
        // A length that never ends.
        let endless = [0b0111_1111u8, 255, 255, 255];
        assert!(NodeHeader::decode(&mut &endless[..]).is_err());
    }
}
