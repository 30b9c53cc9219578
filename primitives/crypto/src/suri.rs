//! Secret URIs and BIP39 mnemonics, as Substrate tools read them.
//!
//! A SURI is `<secret><path>[///<password>]`:
//! - `<secret>`: a BIP39 phrase, or `0x` and 64 hex digits of seed; absent means the
//!   well-known [`DEV_PHRASE`], so `//Alice` is the dev account Alice;
//! - `<path>`: junctions, `//name` hard and `/name` soft;
//! - `<password>`: the BIP39 password (ignored for hex seeds, as in Substrate).
//!
//! The seed of a phrase is Substrate's "mini secret": the first 32 bytes of
//! `PBKDF2-HMAC-SHA512(entropy, "mnemonic" ++ password, 2048)`. Note that the BIP39 *entropy* is
//! the input, not the phrase text, which differs from BIP39's own seed derivation.

use crate::sr25519::{DeriveJunction, Pair};
use alloc::{
    string::{String, ToString},
    vec::Vec,
};
use bip39::{Language, Mnemonic};
use core::fmt;
use zeroize::Zeroize;

/// The phrase every Substrate dev chain derives its well-known accounts from.
pub const DEV_PHRASE: &str =
    "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// The longest SURI accepted; real ones are a few hundred bytes at most.
pub const MAX_SURI_LEN: usize = 4096;

/// Why a SURI or mnemonic was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretError {
    /// The SURI's syntax is wrong (the message says where).
    InvalidFormat(&'static str),
    /// The phrase is not a valid English BIP39 mnemonic (unknown word or bad checksum).
    InvalidPhrase,
    /// A `0x` seed that is not 32 bytes of hex.
    InvalidSeed,
    /// The mnemonic's entropy has a length BIP39 does not allow.
    InvalidEntropy,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidFormat(why) => write!(f, "invalid secret URI: {why}"),
            Self::InvalidPhrase => {
                f.write_str("invalid BIP39 phrase (unknown word or bad checksum)")
            }
            Self::InvalidSeed => f.write_str("invalid seed: expected 0x followed by 64 hex digits"),
            Self::InvalidEntropy => f.write_str("invalid mnemonic entropy length"),
        }
    }
}

impl core::error::Error for SecretError {}

/// A SURI split into its parts.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUri {
    /// The phrase or hex seed (the dev phrase when the URI had none).
    pub phrase: String,
    /// The derivation path.
    pub junctions: Vec<DeriveJunction>,
    /// The BIP39 password, if any.
    pub password: Option<String>,
}

impl fmt::Debug for SecretUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretUri")
            .field("junctions", &self.junctions)
            .finish_non_exhaustive()
    }
}

impl Drop for SecretUri {
    fn drop(&mut self) {
        self.phrase.zeroize();
        if let Some(password) = self.password.as_mut() {
            password.zeroize();
        }
    }
}

impl core::str::FromStr for SecretUri {
    type Err = SecretError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() > MAX_SURI_LEN {
            return Err(SecretError::InvalidFormat("too long"));
        }
        // A path segment is never empty, so the first `///` starts the password.
        let (rest, password) = match s.find("///") {
            Some(at) => (&s[..at], Some(s[at + 3..].to_string())),
            None => (s, None),
        };
        let (phrase, path) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        let phrase = phrase.trim();
        if !phrase
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '_')
        {
            return Err(SecretError::InvalidFormat(
                "the phrase may hold only letters, digits and spaces",
            ));
        }
        let mut junctions = Vec::new();
        let mut path = path;
        while !path.is_empty() {
            let (hard, after) = match path.strip_prefix("//") {
                Some(after) => (true, after),
                None => (false, &path[1..]),
            };
            let end = after.find('/').unwrap_or(after.len());
            let segment = &after[..end];
            if segment.is_empty() {
                return Err(SecretError::InvalidFormat("empty derivation junction"));
            }
            junctions.push(DeriveJunction::from_segment(segment, hard));
            path = &after[end..];
        }
        Ok(Self {
            phrase: if phrase.is_empty() {
                DEV_PHRASE.to_string()
            } else {
                phrase.to_string()
            },
            junctions,
            password,
        })
    }
}

/// Substrate's mini secret of BIP39 `entropy` under `password`.
pub fn mini_secret_from_entropy(entropy: &[u8], password: &str) -> Result<[u8; 32], SecretError> {
    if entropy.len() < 16 || entropy.len() > 32 || !entropy.len().is_multiple_of(4) {
        return Err(SecretError::InvalidEntropy);
    }
    let mut salt = String::with_capacity(8 + password.len());
    salt.push_str("mnemonic");
    salt.push_str(password);
    let mut seed = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(entropy, salt.as_bytes(), 2048, &mut seed);
    salt.zeroize();
    let mut mini = [0u8; 32];
    mini.copy_from_slice(&seed[..32]);
    seed.zeroize();
    Ok(mini)
}

/// The seed of an English BIP39 `phrase` under `password`.
pub fn seed_from_phrase(phrase: &str, password: &str) -> Result<[u8; 32], SecretError> {
    let mnemonic = Mnemonic::parse_in_normalized(Language::English, phrase)
        .map_err(|_| SecretError::InvalidPhrase)?;
    let (mut entropy, len) = mnemonic.to_entropy_array();
    let seed = mini_secret_from_entropy(&entropy[..len], password);
    entropy.zeroize();
    seed
}

/// The English mnemonic of `entropy` (16, 20, 24, 28 or 32 bytes: 12 to 24 words).
pub fn phrase_from_entropy(entropy: &[u8]) -> Result<String, SecretError> {
    if !matches!(entropy.len(), 16 | 20 | 24 | 28 | 32) {
        return Err(SecretError::InvalidEntropy);
    }
    Mnemonic::from_entropy_in(Language::English, entropy)
        .map(|mnemonic| mnemonic.to_string())
        .map_err(|_| SecretError::InvalidEntropy)
}

/// A new random English mnemonic of `words` words (12, 15, 18, 21 or 24).
#[cfg(feature = "std")]
pub fn generate_phrase(words: usize) -> Result<String, SecretError> {
    use rand::RngCore;
    if !matches!(words, 12 | 15 | 18 | 21 | 24) {
        return Err(SecretError::InvalidEntropy);
    }
    let mut entropy = [0u8; 32];
    let len = words / 3 * 4;
    rand::rngs::OsRng.fill_bytes(&mut entropy[..len]);
    let phrase = phrase_from_entropy(&entropy[..len]);
    entropy.zeroize();
    phrase
}

/// Checks that `phrase` is a valid English BIP39 mnemonic.
pub fn validate_phrase(phrase: &str) -> Result<(), SecretError> {
    Mnemonic::parse_in_normalized(Language::English, phrase)
        .map(|_| ())
        .map_err(|_| SecretError::InvalidPhrase)
}

impl Pair {
    /// The pair a SURI denotes, with the seed of the result when it has one (a phrase or hex
    /// seed with no soft junction at the end).
    pub fn from_suri(suri: &str) -> Result<(Pair, Option<[u8; 32]>), SecretError> {
        let uri: SecretUri = suri.parse()?;
        let seed = if let Some(hex_seed) = uri.phrase.strip_prefix("0x") {
            let mut seed = [0u8; 32];
            hex::decode_to_slice(hex_seed, &mut seed).map_err(|_| SecretError::InvalidSeed)?;
            seed
        } else {
            seed_from_phrase(&uri.phrase, uri.password.as_deref().unwrap_or(""))?
        };
        let root = Pair::from_seed(&seed);
        if uri.junctions.is_empty() {
            return Ok((root, Some(seed)));
        }
        Ok(root.derive(uri.junctions.iter().copied()))
    }

    /// A new pair from a fresh 12-word phrase, returned with the phrase.
    #[cfg(feature = "std")]
    pub fn generate() -> (Pair, String) {
        let phrase = generate_phrase(12).expect("12 words is a valid length; qed");
        let seed = seed_from_phrase(&phrase, "").expect("a generated phrase is valid; qed");
        (Pair::from_seed(&seed), phrase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccountId32, sr25519::verify};

    fn public_hex(suri: &str) -> String {
        hex::encode(Pair::from_suri(suri).unwrap().0.public().0)
    }

    #[test]
    fn alice_is_the_well_known_dev_account() {
        let (alice, _) = Pair::from_suri("//Alice").unwrap();
        assert_eq!(
            hex::encode(alice.public().0),
            "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
        assert_eq!(
            AccountId32::from(alice.public()).to_string(),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
        let signature = alice.sign(b"hello");
        assert!(verify(&signature, b"hello", &alice.public()));
    }

    #[test]
    fn dev_accounts_match_substrate() {
        // From `subkey inspect //Bob`, `//Alice//stash` and the bare dev phrase.
        assert_eq!(
            public_hex("//Bob"),
            "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"
        );
        assert_eq!(
            public_hex("//Alice//stash"),
            "be5ddb1579b72e84524fc29e78609e3caf42e85aa118ebfe0b0ad404b5bdd25f"
        );
        assert_eq!(
            public_hex(DEV_PHRASE),
            "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a"
        );
        // The explicit phrase and the bare form are the same key.
        assert_eq!(
            public_hex(&format!("{DEV_PHRASE}//Alice")),
            public_hex("//Alice")
        );
    }

    #[test]
    fn soft_derivation_and_passwords_change_the_key() {
        let base = public_hex("//Alice");
        assert_ne!(public_hex("//Alice/soft"), base);
        assert_ne!(public_hex("//Alice///password"), base);
        assert_ne!(public_hex("//Alice/1"), public_hex("//Alice//1"));
        // A soft child has no seed; a hard child has one.
        assert!(Pair::from_suri("//Alice/soft").unwrap().1.is_none());
        assert!(Pair::from_suri("//Alice").unwrap().1.is_some());
    }

    #[test]
    fn a_soft_path_gives_the_same_whole_secret_every_time() {
        // The public key is Substrate's (polkadot.js `//Alice/soft`), and the nonce half of
        // the secret no longer changes from one derivation to the next.
        let (first, _) = Pair::from_suri("//Alice/soft").unwrap();
        let (again, _) = Pair::from_suri("//Alice/soft").unwrap();
        assert_eq!(first.to_raw_vec(), again.to_raw_vec());
        assert_eq!(
            public_hex("//Alice/soft"),
            "02cfd83074aefc9955af4034d19b3780d47a52e158ababec8ec012b2295f1c5b"
        );
        assert_ne!(
            Pair::from_suri("//Alice/soft/more").unwrap().0.to_raw_vec(),
            first.to_raw_vec()
        );
    }

    #[test]
    fn phrases_come_from_entropy_and_give_it_back() {
        let entropy = [0x5a; 16];
        let phrase = phrase_from_entropy(&entropy).unwrap();
        assert_eq!(phrase.split(' ').count(), 12);
        assert_eq!(
            seed_from_phrase(&phrase, "").unwrap(),
            mini_secret_from_entropy(&entropy, "").unwrap()
        );
        assert_eq!(
            phrase_from_entropy(&[0; 15]),
            Err(SecretError::InvalidEntropy)
        );
    }

    #[test]
    fn hex_seeds_are_accepted() {
        let seed = "0x".to_string() + &"11".repeat(32);
        let (pair, returned) = Pair::from_suri(&seed).unwrap();
        assert_eq!(returned, Some([0x11; 32]));
        assert_eq!(pair.public(), Pair::from_seed(&[0x11; 32]).public());
    }

    #[test]
    fn malformed_suris_are_refused() {
        assert_eq!(
            Pair::from_suri("not a valid phrase at all").unwrap_err(),
            SecretError::InvalidPhrase
        );
        assert!(matches!(
            Pair::from_suri("//Alice//").unwrap_err(),
            SecretError::InvalidFormat(_)
        ));
        assert_eq!(
            Pair::from_suri("0x1234").unwrap_err(),
            SecretError::InvalidSeed
        );
        assert!(matches!(
            Pair::from_suri(&"a".repeat(MAX_SURI_LEN + 1)).unwrap_err(),
            SecretError::InvalidFormat(_)
        ));
        assert!(matches!(
            Pair::from_suri("phrase$with$dollars").unwrap_err(),
            SecretError::InvalidFormat(_)
        ));
    }

    #[test]
    fn generated_phrases_validate_and_bad_ones_do_not() {
        for words in [12, 15, 18, 21, 24] {
            let phrase = generate_phrase(words).unwrap();
            assert_eq!(phrase.split(' ').count(), words);
            validate_phrase(&phrase).unwrap();
        }
        // The dev phrase with its last word swapped breaks the checksum.
        let bad = DEV_PHRASE.replace("walk", "abandon");
        assert_eq!(validate_phrase(&bad), Err(SecretError::InvalidPhrase));
        assert_eq!(generate_phrase(13), Err(SecretError::InvalidEntropy));
    }

    proptest::proptest! {
        #[test]
        fn parsing_arbitrary_suris_never_panics(s in "\\PC{0,200}") {
            let _ = Pair::from_suri(&s);
        }
    }
}
