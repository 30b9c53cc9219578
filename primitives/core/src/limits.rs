//! Bounded decoding of untrusted bytes.
//!
//! Everything that arrives from outside (RPC, gossip, the transaction pool, a block to import)
//! is decoded through [`decode_bounded`]: the input length is checked before any work, nesting
//! depth is limited (recursive calls cannot blow the stack), and trailing bytes are an error
//! (one encoding per value, so hashes of re-encoded data match).

use core::fmt;

/// Nesting depth allowed while decoding a call (as Substrate's `MAX_EXTRINSIC_DEPTH`).
pub const MAX_DECODE_DEPTH: u32 = 256;
/// The largest extrinsic accepted anywhere (equal to the largest block body).
pub const MAX_EXTRINSIC_SIZE: usize = 5 * 1024 * 1024;
/// The largest header accepted (digests are small; this leaves room for seals and votes).
pub const MAX_HEADER_SIZE: usize = 64 * 1024;
/// The largest block accepted: a full body plus its header.
pub const MAX_BLOCK_SIZE: usize = MAX_EXTRINSIC_SIZE + MAX_HEADER_SIZE + 1024;

/// Why bounded decoding failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeLimitError {
    /// The input is longer than the limit for this type.
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not a valid encoding (truncated, bad variant, too deep, trailing bytes).
    Invalid(codec::Error),
}

impl fmt::Display for DecodeLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { len, max } => {
                write!(f, "input of {len} bytes exceeds the limit of {max}")
            }
            Self::Invalid(e) => write!(f, "invalid encoding: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeLimitError {}

/// Decodes exactly one `T` from `bytes`, which must be at most `max_len` long.
pub fn decode_bounded<T: codec::Decode>(
    bytes: &[u8],
    max_len: usize,
) -> Result<T, DecodeLimitError> {
    if bytes.len() > max_len {
        return Err(DecodeLimitError::TooLarge {
            len: bytes.len(),
            max: max_len,
        });
    }
    <T as codec::DecodeLimit>::decode_all_with_depth_limit(MAX_DECODE_DEPTH, &mut &bytes[..])
        .map_err(DecodeLimitError::Invalid)
}
