//! The chain's hash functions: blake2b (cryptographic) and xxHash64 "twox" (fast, for keys
//! chosen by the runtime itself).
//!
//! `twox_128(x)` is `xxh64(x, seed 0) ++ xxh64(x, seed 1)`, each little-endian, as in Substrate.
//! [`twox_128_const`] computes the same at compile time so storage prefixes are constants.

/// Blake2b with an `N`-byte output.
fn blake2<const N: usize>(data: &[u8]) -> [u8; N] {
    let hash = blake2b_simd::Params::new().hash_length(N).hash(data);
    let mut out = [0u8; N];
    out.copy_from_slice(hash.as_bytes());
    out
}

/// Incremental blake2b-256, for hashing data that comes in pieces.
pub struct Blake2Stream(blake2b_simd::State);

impl Blake2Stream {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self(blake2b_simd::Params::new().hash_length(32).to_state())
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The hash of everything added.
    pub fn finalize(&self) -> crate::H256 {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.finalize().as_bytes());
        crate::H256(out)
    }
}

impl Default for Blake2Stream {
    fn default() -> Self {
        Self::new()
    }
}

/// Blake2b-64: runtime API identifiers.
pub fn blake2_64(data: &[u8]) -> [u8; 8] {
    blake2(data)
}

/// Blake2b-128: the `Blake2_128Concat` storage hasher.
pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    blake2(data)
}

/// Blake2b-256: block, extrinsic and trie node hashes.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    blake2(data)
}

/// xxHash64 with seed 0, little-endian.
pub fn twox_64(data: &[u8]) -> [u8; 8] {
    twox_hash::XxHash64::oneshot(0, data).to_le_bytes()
}

/// Two xxHash64 with seeds 0 and 1, little-endian, concatenated.
pub fn twox_128(data: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&twox_hash::XxHash64::oneshot(0, data).to_le_bytes());
    out[8..].copy_from_slice(&twox_hash::XxHash64::oneshot(1, data).to_le_bytes());
    out
}

/// [`twox_128`] as a `const fn`, for storage prefixes computed at compile time.
pub const fn twox_128_const(data: &[u8]) -> [u8; 16] {
    let a = xxh64_const(data, 0).to_le_bytes();
    let b = xxh64_const(data, 1).to_le_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 8 {
        out[i] = a[i];
        out[i + 8] = b[i];
        i += 1;
    }
    out
}

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

const fn read_u64(data: &[u8], at: usize) -> u64 {
    let mut v = 0u64;
    let mut i = 0;
    while i < 8 {
        v |= (data[at + i] as u64) << (8 * i);
        i += 1;
    }
    v
}

const fn read_u32(data: &[u8], at: usize) -> u64 {
    let mut v = 0u64;
    let mut i = 0;
    while i < 4 {
        v |= (data[at + i] as u64) << (8 * i);
        i += 1;
    }
    v
}

const fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

const fn merge_round(acc: u64, value: u64) -> u64 {
    (acc ^ round(0, value)).wrapping_mul(P1).wrapping_add(P4)
}

/// The reference xxHash64 algorithm, written as a `const fn`.
const fn xxh64_const(data: &[u8], seed: u64) -> u64 {
    let len = data.len();
    let mut i = 0;
    let mut h = if len >= 32 {
        let mut v1 = seed.wrapping_add(P1).wrapping_add(P2);
        let mut v2 = seed.wrapping_add(P2);
        let mut v3 = seed;
        let mut v4 = seed.wrapping_sub(P1);
        while i + 32 <= len {
            v1 = round(v1, read_u64(data, i));
            v2 = round(v2, read_u64(data, i + 8));
            v3 = round(v3, read_u64(data, i + 16));
            v4 = round(v4, read_u64(data, i + 24));
            i += 32;
        }
        let mut h = v1
            .rotate_left(1)
            .wrapping_add(v2.rotate_left(7))
            .wrapping_add(v3.rotate_left(12))
            .wrapping_add(v4.rotate_left(18));
        h = merge_round(h, v1);
        h = merge_round(h, v2);
        h = merge_round(h, v3);
        merge_round(h, v4)
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(len as u64);
    while i + 8 <= len {
        h ^= round(0, read_u64(data, i));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        i += 8;
    }
    if i + 4 <= len {
        h ^= read_u32(data, i).wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        i += 4;
    }
    while i < len {
        h ^= (data[i] as u64).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
        i += 1;
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // Substrate's `twox_128(b"System")`, the first half of every System storage key.
        assert_eq!(
            hex::encode(twox_128(b"System")),
            "26aa394eea5630e07c48ae0c9558cef7"
        );
        assert_eq!(
            hex::encode(blake2_256(b"")),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
        );
        // The runtime API id of `Core`.
        assert_eq!(hex::encode(blake2_64(b"Core")), "df6acb689907609b");
    }

    proptest::proptest! {
        #[test]
        fn const_twox_equals_the_reference_crate(data in proptest::collection::vec(0u8.., 0..300)) {
            proptest::prop_assert_eq!(twox_128_const(&data), twox_128(&data));
        }
    }
}
