//! The web app's cryptography, compiled to a wasm module the page loads (`/crypto.wasm`, built
//! by `cpc-webapp`'s build script with `cpc-wasm-builder`, like the runtime).
//!
//! The page's keys never leave the browser, and the page may be served over plain HTTP to a
//! non-loopback host, where browsers withhold WebCrypto; so everything the wallet does with a
//! secret happens here, in the same Rust as the node's own tools (`cpc-crypto`): secret URIs
//! and BIP39 phrases to sr25519 pairs (`//Bob` is the same account as in polkadot.js),
//! signatures, the vault that keeps a secret sealed under a password in local storage, and the
//! data market's encryption ([`market`]).
//!
//! The module imports nothing: the browser gives randomness (`crypto.getRandomValues`) as
//! arguments. [`abi`] is the `extern "C"` surface for wasm32; the functions below are the same
//! operations in plain Rust, tested natively.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(target_arch = "wasm32")]
pub mod abi;
pub mod market;

use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit, Nonce, Tag, aead::AeadInPlace};
use cpc_crypto::{
    sr25519::{Pair, Public, Signature},
    suri::SecretError,
};
use zeroize::Zeroize;

/// The vault's associated data: a sealed secret opens only as a vault entry of this version.
pub const VAULT_AAD: &[u8] = b"cpc/webapp/vault/v1";
/// The fewest PBKDF2 rounds a vault entry may use.
pub const MIN_VAULT_ROUNDS: u32 = 10_000;
/// The most PBKDF2 rounds a vault entry may ask for (an entry is local storage, which other
/// pages of the same origin could write; a huge count would hang the tab).
pub const MAX_VAULT_ROUNDS: u32 = 10_000_000;

/// Why an operation was refused; [`Error::code`] is what the wasm functions return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The secret URI's syntax is wrong.
    SecretFormat,
    /// Not a valid English BIP39 phrase.
    Phrase,
    /// A `0x` seed that is not 32 bytes.
    Seed,
    /// Entropy of a length BIP39 does not allow.
    Entropy,
    /// Text that is not UTF-8.
    Utf8,
    /// 96 bytes that are not a key pair.
    Pair,
    /// A wrong password, or a vault entry changed since it was sealed.
    Vault,
    /// A round count outside [`MIN_VAULT_ROUNDS`]..=[`MAX_VAULT_ROUNDS`].
    Rounds,
    /// An output buffer too small, or an input longer than allowed.
    Capacity,
    /// Not an encrypted market blob (its header).
    BlobHeader,
    /// A chunk failed its authentication tag: the blob was changed, reordered or cut, or the
    /// key is not the content's.
    Tampered,
    /// The blob ended before its last chunk.
    Truncated,
    /// Data after the last chunk.
    TrailingData,
    /// A sealed key that does not open with this account's key.
    SealedKey,
    /// A recipient key of low order, which would expose the content key to everyone.
    WeakKey,
    /// A chunk of the wrong size (only the last may be short), or a chunk size out of range.
    ChunkSize,
    /// A stream number that names no open stream of the right kind.
    Stream,
    /// Too many streams open.
    Streams,
}

impl Error {
    /// The non-zero number a wasm function returns for this error.
    pub fn code(self) -> u32 {
        match self {
            Self::SecretFormat => 1,
            Self::Phrase => 2,
            Self::Seed => 3,
            Self::Entropy => 4,
            Self::Utf8 => 5,
            Self::Pair => 6,
            Self::Vault => 7,
            Self::Rounds => 8,
            Self::Capacity => 9,
            Self::BlobHeader => 10,
            Self::Tampered => 11,
            Self::Truncated => 12,
            Self::TrailingData => 13,
            Self::SealedKey => 14,
            Self::WeakKey => 15,
            Self::ChunkSize => 16,
            Self::Stream => 17,
            Self::Streams => 18,
        }
    }
}

impl From<SecretError> for Error {
    fn from(e: SecretError) -> Self {
        match e {
            SecretError::InvalidFormat(_) => Self::SecretFormat,
            SecretError::InvalidPhrase => Self::Phrase,
            SecretError::InvalidSeed => Self::Seed,
            SecretError::InvalidEntropy => Self::Entropy,
        }
    }
}

/// The 96 bytes (secret key, then public key) of the pair a secret URI names.
pub fn pair_from_suri(suri: &[u8]) -> Result<[u8; 96], Error> {
    let suri = core::str::from_utf8(suri).map_err(|_| Error::Utf8)?;
    let (pair, _) = Pair::from_suri(suri)?;
    let mut raw = pair.to_raw_vec();
    let mut out = [0u8; 96];
    out.copy_from_slice(&raw);
    raw.zeroize();
    Ok(out)
}

/// The signature of `message` by the pair `raw`, with `entropy` as its randomness.
pub fn sign(raw: &[u8; 96], message: &[u8], entropy: [u8; 32]) -> Result<[u8; 64], Error> {
    let pair = Pair::from_raw(raw).ok_or(Error::Pair)?;
    Ok(pair.sign_with_entropy(message, entropy).0)
}

/// Whether `signature` on `message` is by `public`.
pub fn verify(signature: &[u8; 64], message: &[u8], public: &[u8; 32]) -> bool {
    cpc_crypto::sr25519::verify(&Signature(*signature), message, &Public(*public))
}

/// The English BIP39 phrase of `entropy` (16 bytes: 12 words; up to 32: 24 words).
pub fn phrase_from_entropy(entropy: &[u8]) -> Result<alloc::string::String, Error> {
    Ok(cpc_crypto::suri::phrase_from_entropy(entropy)?)
}

fn vault_cipher(password: &[u8], salt: &[u8; 16], rounds: u32) -> Result<ChaCha20Poly1305, Error> {
    if !(MIN_VAULT_ROUNDS..=MAX_VAULT_ROUNDS).contains(&rounds) {
        return Err(Error::Rounds);
    }
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, &mut key);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
    key.zeroize();
    Ok(cipher)
}

/// Seals `data` in place under a key stretched from `password` (PBKDF2-HMAC-SHA256 with
/// `salt` and `rounds`) with ChaCha20-Poly1305 and `nonce`; returns the tag. The caller picks a
/// fresh random salt and nonce for every sealing.
pub fn vault_seal(
    password: &[u8],
    salt: &[u8; 16],
    rounds: u32,
    nonce: &[u8; 12],
    data: &mut [u8],
) -> Result<[u8; 16], Error> {
    let cipher = vault_cipher(password, salt, rounds)?;
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(nonce), VAULT_AAD, data)
        .map_err(|_| Error::Capacity)?;
    Ok(tag.into())
}

/// Opens what [`vault_seal`] sealed, in place; [`Error::Vault`] for a wrong password or any
/// change to the entry (then `data` is left as it was).
pub fn vault_open(
    password: &[u8],
    salt: &[u8; 16],
    rounds: u32,
    nonce: &[u8; 12],
    data: &mut [u8],
    tag: &[u8; 16],
) -> Result<(), Error> {
    let cipher = vault_cipher(password, salt, rounds)?;
    cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            VAULT_AAD,
            data,
            Tag::from_slice(tag),
        )
        .map_err(|_| Error::Vault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_accounts_are_substrates_and_their_signatures_verify() {
        let bob = pair_from_suri(b"//Bob").unwrap();
        assert_eq!(
            bob[64..],
            hex_32("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48")
        );
        let signature = sign(&bob, b"transfer", [3; 32]).unwrap();
        let public: [u8; 32] = bob[64..].try_into().unwrap();
        assert!(verify(&signature, b"transfer", &public));
        assert!(!verify(&signature, b"transfeR", &public));
        // The native tools' key for the same URI verifies the same way.
        let (native, _) = Pair::from_suri("//Bob").unwrap();
        assert_eq!(native.public().0, public);
        assert!(verify(&native.sign(b"x").0, b"x", &public));
    }

    fn hex_32(hex: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    #[test]
    fn bad_secrets_are_refused_with_their_reason() {
        assert_eq!(pair_from_suri(b"not a phrase"), Err(Error::Phrase));
        assert_eq!(pair_from_suri(b"//Alice//"), Err(Error::SecretFormat));
        assert_eq!(pair_from_suri(b"0x1234"), Err(Error::Seed));
        assert_eq!(pair_from_suri(&[0xff, 0xfe]), Err(Error::Utf8));
        assert_eq!(sign(&[0xff; 96], b"m", [0; 32]), Err(Error::Pair));
        assert_eq!(phrase_from_entropy(&[1; 17]), Err(Error::Entropy));
    }

    #[test]
    fn a_generated_phrase_imports_as_the_same_account() {
        let phrase = phrase_from_entropy(&[9; 16]).unwrap();
        let pair = pair_from_suri(phrase.as_bytes()).unwrap();
        let (native, _) = Pair::from_suri(&phrase).unwrap();
        assert_eq!(pair[64..], native.public().0);
    }

    #[test]
    fn the_vault_opens_only_with_its_password_and_untouched() {
        let secret = b"//Bob".to_vec();
        let (salt, nonce, rounds) = ([1; 16], [2; 12], MIN_VAULT_ROUNDS);
        let mut data = secret.clone();
        let tag = vault_seal(b"correct horse", &salt, rounds, &nonce, &mut data).unwrap();
        assert_ne!(data, secret);
        let sealed = data.clone();

        let mut attempt = sealed.clone();
        assert_eq!(
            vault_open(b"wrong horse", &salt, rounds, &nonce, &mut attempt, &tag),
            Err(Error::Vault)
        );
        assert_eq!(
            attempt, sealed,
            "a failed opening leaves the entry as it was"
        );
        let mut flipped = sealed.clone();
        flipped[0] ^= 1;
        assert_eq!(
            vault_open(b"correct horse", &salt, rounds, &nonce, &mut flipped, &tag),
            Err(Error::Vault)
        );
        let mut other_salt = sealed.clone();
        assert_eq!(
            vault_open(
                b"correct horse",
                &[3; 16],
                rounds,
                &nonce,
                &mut other_salt,
                &tag
            ),
            Err(Error::Vault)
        );
        assert_eq!(
            vault_open(b"correct horse", &salt, 1, &nonce, &mut data.clone(), &tag),
            Err(Error::Rounds)
        );
        vault_open(b"correct horse", &salt, rounds, &nonce, &mut data, &tag).unwrap();
        assert_eq!(data, secret);
    }
}
