//! Runtime API ids, computed at compile time: blake2b with an 8-byte output of the API's name,
//! as Substrate computes them, so a declaration cannot carry an id that disagrees with its
//! name.

/// A runtime API identifier: blake2b-64 of the API's name.
pub type ApiId = [u8; 8];

/// The id of the API named `name`.
pub const fn api_id(name: &str) -> ApiId {
    let hash = blake2b_64(name.as_bytes());
    hash.to_le_bytes()
}

const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

const SIGMA: [[usize; 16]; 12] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];

const fn mix(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

const fn compress(h: &mut [u64; 8], block: &[u8; 128], counter: u128, last: bool) {
    let mut m = [0u64; 16];
    let mut i = 0;
    while i < 16 {
        let mut word = 0u64;
        let mut j = 0;
        while j < 8 {
            word |= (block[i * 8 + j] as u64) << (8 * j);
            j += 1;
        }
        m[i] = word;
        i += 1;
    }
    let mut v = [0u64; 16];
    let mut i = 0;
    while i < 8 {
        v[i] = h[i];
        v[i + 8] = IV[i];
        i += 1;
    }
    v[12] ^= counter as u64;
    v[13] ^= (counter >> 64) as u64;
    if last {
        v[14] = !v[14];
    }
    let mut round = 0;
    while round < 12 {
        let s = &SIGMA[round];
        mix(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        mix(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        mix(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        mix(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        mix(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        mix(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        mix(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        mix(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        round += 1;
    }
    let mut i = 0;
    while i < 8 {
        h[i] ^= v[i] ^ v[i + 8];
        i += 1;
    }
}

/// BLAKE2b (RFC 7693) with an 8-byte output and no key: the output is the first state word.
const fn blake2b_64(data: &[u8]) -> u64 {
    let mut h = IV;
    h[0] ^= 0x0101_0000 ^ 8;
    let mut offset = 0;
    // Every full block but the last is compressed as it comes; the last (possibly partial or
    // empty) block carries the final flag.
    while data.len() - offset > 128 {
        let mut block = [0u8; 128];
        let mut i = 0;
        while i < 128 {
            block[i] = data[offset + i];
            i += 1;
        }
        offset += 128;
        compress(&mut h, &block, offset as u128, false);
    }
    let mut block = [0u8; 128];
    let mut i = 0;
    while offset + i < data.len() {
        block[i] = data[offset + i];
        i += 1;
    }
    compress(&mut h, &block, data.len() as u128, true);
    h[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpc_primitives::hashing::blake2_64;

    #[test]
    fn ids_equal_blake2b_64_of_any_name_length() {
        for len in [0usize, 1, 7, 8, 127, 128, 129, 255, 256, 257, 1000] {
            let name: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            assert_eq!(
                blake2b_64(&name).to_le_bytes(),
                blake2_64(&name),
                "length {len}"
            );
        }
    }

    #[test]
    fn substrate_core_id() {
        assert_eq!(api_id("Core"), *b"\xdf\x6a\xcb\x68\x99\x07\x60\x9b");
    }
}
