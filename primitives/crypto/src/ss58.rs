//! SS58 addresses: `base58(prefix ++ public key ++ checksum)`, the checksum being the first two
//! bytes of `blake2b-512("SS58PRE" ++ prefix ++ public key)`.

use alloc::{string::String, vec::Vec};
use core::fmt;

/// The generic Substrate prefix, used by dev chains.
pub const GENERIC_PREFIX: u16 = 42;

const CHECKSUM_LEN: usize = 2;
const CHECKSUM_PREIMAGE: &[u8] = b"SS58PRE";
/// Prefixes reserved by the SS58 registry and never valid for an address.
const RESERVED_PREFIXES: [u16; 2] = [46, 47];
/// The largest prefix the two-byte form can carry.
pub const MAX_PREFIX: u16 = 16_383;

/// Why an address was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ss58Error {
    /// Not valid base58 (or, for `0x` input, not valid hex).
    BadBase58,
    /// The decoded length does not fit a prefix, a 32-byte key and a checksum.
    BadLength,
    /// The prefix bytes are malformed, reserved or above [`MAX_PREFIX`].
    InvalidPrefix,
    /// The checksum does not match: a typo or a corrupted address.
    InvalidChecksum,
}

impl fmt::Display for Ss58Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BadBase58 => "address is not valid base58",
            Self::BadLength => "address has the wrong length for a 32-byte account",
            Self::InvalidPrefix => "address has an invalid or reserved network prefix",
            Self::InvalidChecksum => "address checksum does not match",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Ss58Error {}

fn checksum(data: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut state = blake2b_simd::Params::new().hash_length(64).to_state();
    state.update(CHECKSUM_PREIMAGE);
    state.update(data);
    let hash = state.finalize();
    [hash.as_bytes()[0], hash.as_bytes()[1]]
}

fn encode_prefix(prefix: u16) -> Vec<u8> {
    match prefix {
        0..=63 => alloc::vec![prefix as u8],
        _ => {
            // Two-byte form: the low six bits of the first byte and two more in the second.
            let first = ((prefix & 0b0000_0000_1111_1100) as u8) >> 2;
            let second = ((prefix >> 8) as u8) | (((prefix & 0b0000_0000_0000_0011) as u8) << 6);
            alloc::vec![first | 0b0100_0000, second]
        }
    }
}

/// Encodes a 32-byte public key under `prefix`.
///
/// # Panics
/// If `prefix` is above [`MAX_PREFIX`], which no caller should pass: prefixes are constants.
pub fn encode(public: &[u8; 32], prefix: u16) -> String {
    assert!(prefix <= MAX_PREFIX, "SS58 prefix {prefix} is out of range");
    let mut data = encode_prefix(prefix);
    data.extend_from_slice(public);
    let sum = checksum(&data);
    data.extend_from_slice(&sum);
    bs58::encode(data).into_string()
}

/// Decodes an address into its public key and prefix, checking the checksum.
pub fn decode(address: &str) -> Result<([u8; 32], u16), Ss58Error> {
    // 2 prefix bytes + 32 + 2 checksum encode in at most 50 base58 characters.
    if address.len() > 64 {
        return Err(Ss58Error::BadLength);
    }
    let data = bs58::decode(address)
        .into_vec()
        .map_err(|_| Ss58Error::BadBase58)?;
    let (prefix, prefix_len) = match data.first() {
        Some(0..=63) => (u16::from(data[0]), 1),
        Some(64..=127) => {
            let second = *data.get(1).ok_or(Ss58Error::BadLength)?;
            let lower = (data[0] << 2) | (second >> 6);
            let upper = second & 0b0011_1111;
            (u16::from(lower) | (u16::from(upper) << 8), 2)
        }
        Some(_) => return Err(Ss58Error::InvalidPrefix),
        None => return Err(Ss58Error::BadLength),
    };
    if data.len() != prefix_len + 32 + CHECKSUM_LEN {
        return Err(Ss58Error::BadLength);
    }
    if RESERVED_PREFIXES.contains(&prefix) {
        return Err(Ss58Error::InvalidPrefix);
    }
    let body_end = data.len() - CHECKSUM_LEN;
    if checksum(&data[..body_end]) != data[body_end..] {
        return Err(Ss58Error::InvalidChecksum);
    }
    let mut public = [0u8; 32];
    public.copy_from_slice(&data[prefix_len..body_end]);
    Ok((public, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: [u8; 32] =
        hex_literal("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");

    const fn hex_literal(s: &str) -> [u8; 32] {
        let b = s.as_bytes();
        let mut out = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
            i += 1;
        }
        out
    }

    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("bad hex"),
        }
    }

    #[test]
    fn alice_has_the_well_known_generic_address() {
        assert_eq!(
            encode(&ALICE, 42),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
        assert_eq!(
            decode("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"),
            Ok((ALICE, 42))
        );
    }

    #[test]
    fn polkadot_and_two_byte_prefixes_round_trip() {
        // Alice on Polkadot (prefix 0), as printed by `subkey inspect //Alice --network polkadot`.
        assert_eq!(
            encode(&ALICE, 0),
            "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"
        );
        for prefix in [0u16, 1, 42, 63, 64, 255, 1000, 16_383] {
            if RESERVED_PREFIXES.contains(&prefix) {
                continue;
            }
            assert_eq!(decode(&encode(&ALICE, prefix)), Ok((ALICE, prefix)));
        }
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let good = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        let bad = good.replace("KutQY", "KutQZ");
        assert_eq!(decode(&bad), Err(Ss58Error::InvalidChecksum));
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        assert_eq!(decode(""), Err(Ss58Error::BadLength));
        assert_eq!(decode("0OIl"), Err(Ss58Error::BadBase58));
        assert_eq!(decode("5GrwvaEF5zXb26"), Err(Ss58Error::BadLength));
        assert_eq!(decode(&"5".repeat(100)), Err(Ss58Error::BadLength));
        let mut reserved = encode_prefix(46);
        reserved.extend_from_slice(&ALICE);
        let sum = checksum(&reserved);
        reserved.extend_from_slice(&sum);
        assert_eq!(
            decode(&bs58::encode(reserved).into_string()),
            Err(Ss58Error::InvalidPrefix)
        );
    }

    proptest::proptest! {
        #[test]
        fn decoding_arbitrary_strings_never_panics(s in "\\PC{0,80}") {
            let _ = decode(&s);
        }

        #[test]
        fn every_key_round_trips(key in proptest::array::uniform32(0u8..), prefix in 0u16..=MAX_PREFIX) {
            proptest::prop_assume!(!RESERVED_PREFIXES.contains(&prefix));
            proptest::prop_assert_eq!(decode(&encode(&key, prefix)), Ok((key, prefix)));
        }
    }
}
