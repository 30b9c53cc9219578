//! The data market's cryptography, without `std`: one implementation for the node's gateway
//! and CLI and for a page that encrypts and decrypts in the browser (compiled to wasm, which
//! passes its randomness in: [`seal_with`]; `std` adds the operating system's).
//!
//! - **Encryption keys**: an account's X25519 key is derived from its sr25519 secret with
//!   HKDF-SHA256, so a wallet that can sign for an account can also open what was sealed to
//!   it, with no second key to keep. The public half is what `set_encryption_key` registers.
//! - **Content**: ChaCha20-Poly1305 under a random 256-bit content key, in chunks (the STREAM
//!   construction: each chunk's nonce is its index and a last-chunk flag, so chunks cannot be
//!   reordered, dropped or the stream truncated without the tag check failing). The header is
//!   authenticated with every chunk.
//! - **Sealing**: the content key is sealed to the buyer's X25519 key with an ephemeral
//!   X25519 key; HKDF-SHA256 over the shared secret and both public keys gives the AEAD key
//!   and nonce (each ephemeral key is used once). A sealed key is 80 bytes: the ephemeral
//!   public key, the encrypted content key and the tag.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use chacha20poly1305::{
    ChaCha20Poly1305, Key, Nonce,
    aead::{AeadInPlace, KeyInit},
};
use cpc_crypto::sr25519::Pair;
use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};

/// Magic bytes at the start of an encrypted blob.
pub const MAGIC: &[u8; 4] = b"CPCE";
/// The format version.
pub const VERSION: u8 = 1;
/// Plaintext bytes per chunk (the last may be shorter).
pub const CHUNK_SIZE: usize = 1 << 20;
/// Bytes of the blob header: magic, version, chunk size (u32 little-endian).
pub const HEADER_LEN: usize = 9;
/// Bytes an AEAD tag adds to each chunk.
pub const TAG_LEN: usize = 16;
/// Bytes of a sealed content key.
pub const SEALED_KEY_LEN: usize = 32 + 32 + TAG_LEN;
/// Largest chunk size a blob may declare (bounds the memory a decryptor allocates).
pub const MAX_CHUNK_SIZE: usize = 16 << 20;

/// Why decryption or opening failed.
#[derive(Debug, PartialEq, Eq)]
pub enum CryptoError {
    /// The blob does not start with a valid header.
    BadHeader,
    /// A chunk failed its authentication tag: tampered, reordered or truncated.
    Tampered(u64),
    /// The blob ended before its last chunk.
    Truncated,
    /// Bytes follow the last chunk.
    TrailingData,
    /// The sealed key is malformed or not sealed to this key.
    BadSealedKey,
    /// The recipient's key is a low-order point: anything sealed to it could be opened by
    /// anyone.
    WeakKey,
}

impl core::fmt::Display for CryptoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadHeader => f.write_str("not an encrypted CPChain blob (bad header)"),
            Self::Tampered(chunk) => write!(
                f,
                "chunk {chunk} failed authentication: the blob was tampered with or cut short"
            ),
            Self::Truncated => f.write_str("the blob ends before its last chunk"),
            Self::TrailingData => f.write_str("data after the last chunk"),
            Self::BadSealedKey => f.write_str(
                "the sealed key cannot be opened with this account's key (tampered or not ours)",
            ),
            Self::WeakKey => f.write_str(
                "the recipient's encryption key is weak (a low-order point); refusing to seal",
            ),
        }
    }
}

impl core::error::Error for CryptoError {}

/// A 256-bit content key.
#[derive(Clone, PartialEq, Eq)]
pub struct ContentKey(pub [u8; 32]);

impl core::fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ContentKey(..)")
    }
}

// Wiped when dropped: content keys pass through the page's wasm and the CLI's memory.
impl Drop for ContentKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl ContentKey {
    /// A fresh random key, from the operating system.
    #[cfg(feature = "std")]
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the OS random source is available");
        Self(key)
    }
}

/// An account's X25519 key pair.
pub struct EncryptionKeypair {
    secret: StaticSecret,
    public: [u8; 32],
}

impl EncryptionKeypair {
    /// The key pair of the account of `pair`, derived from its secret key scalar.
    ///
    /// Not from the whole 64-byte sr25519 secret: its second half (the signing nonce seed) is
    /// drawn at random each time a key is derived with a soft junction (`//seller/data`:
    /// schnorrkel's soft derivation witnesses it from the system's randomness), so such an
    /// account would get a different encryption key at every start and could not open what
    /// was sealed to the key it registered.
    pub fn from_account(pair: &Pair) -> Self {
        let mut raw = pair.to_raw_vec();
        let hk = Hkdf::<Sha256>::new(Some(b"cpc/market/x25519/v2"), &raw[..32]);
        let mut seed = [0u8; 32];
        hk.expand(&raw[64..], &mut seed)
            .expect("32 bytes is a valid HKDF-SHA256 length; qed");
        zeroize::Zeroize::zeroize(&mut raw);
        let keypair = Self::from_secret(seed);
        zeroize::Zeroize::zeroize(&mut seed);
        keypair
    }

    /// The key pair of a raw X25519 secret.
    pub fn from_secret(secret: [u8; 32]) -> Self {
        let secret = StaticSecret::from(secret);
        let public = PublicKey::from(&secret).to_bytes();
        Self { secret, public }
    }

    /// The public key, to register on chain.
    pub fn public(&self) -> [u8; 32] {
        self.public
    }

    /// Opens a content key sealed to this key pair.
    pub fn open(&self, sealed: &[u8]) -> Result<ContentKey, CryptoError> {
        if sealed.len() != SEALED_KEY_LEN {
            return Err(CryptoError::BadSealedKey);
        }
        let ephemeral: [u8; 32] = sealed[..32].try_into().expect("32 bytes; qed");
        let shared = self.secret.diffie_hellman(&PublicKey::from(ephemeral));
        if !shared.was_contributory() {
            return Err(CryptoError::BadSealedKey);
        }
        let (cipher, nonce) = seal_cipher(shared.as_bytes(), &ephemeral, &self.public);
        let mut key = [0u8; 32];
        key.copy_from_slice(&sealed[32..64]);
        let tag = chacha20poly1305::Tag::from_slice(&sealed[64..]);
        let opened = cipher
            .decrypt_in_place_detached(&nonce, &ephemeral, &mut key, tag)
            .map(|()| ContentKey(key))
            .map_err(|_| CryptoError::BadSealedKey);
        zeroize::Zeroize::zeroize(&mut key);
        opened
    }
}

fn seal_cipher(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
) -> (ChaCha20Poly1305, Nonce) {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut okm = [0u8; 44];
    hk.expand(b"cpc/market/seal/v1", &mut okm)
        .expect("44 bytes is a valid HKDF-SHA256 length; qed");
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&okm[..32]));
    (cipher, *Nonce::from_slice(&okm[32..]))
}

/// Seals `key` to the X25519 public key `recipient` with a fresh ephemeral key from the
/// operating system. A low-order key (whose shared secret anyone could compute) is refused.
#[cfg(feature = "std")]
pub fn seal(key: &ContentKey, recipient: &[u8; 32]) -> Result<Vec<u8>, CryptoError> {
    let mut ephemeral_secret = [0u8; 32];
    getrandom::fill(&mut ephemeral_secret).expect("the OS random source is available");
    seal_with(key, recipient, ephemeral_secret)
}

/// Seals `key` to `recipient` with the ephemeral X25519 secret `ephemeral_secret`, which
/// must be fresh and random (the web app passes the browser's randomness); see [`seal`].
pub fn seal_with(
    key: &ContentKey,
    recipient: &[u8; 32],
    ephemeral_secret: [u8; 32],
) -> Result<Vec<u8>, CryptoError> {
    let ephemeral = StaticSecret::from(ephemeral_secret);
    let ephemeral_public = PublicKey::from(&ephemeral).to_bytes();
    let shared = ephemeral.diffie_hellman(&PublicKey::from(*recipient));
    if !shared.was_contributory() {
        return Err(CryptoError::WeakKey);
    }
    let (cipher, nonce) = seal_cipher(shared.as_bytes(), &ephemeral_public, recipient);
    let mut out = Vec::with_capacity(SEALED_KEY_LEN);
    out.extend_from_slice(&ephemeral_public);
    let mut body = key.0;
    let tag = cipher
        .encrypt_in_place_detached(&nonce, &ephemeral_public, &mut body)
        .expect("32 bytes is within ChaCha20-Poly1305's limits; qed");
    out.extend_from_slice(&body);
    out.extend_from_slice(&tag);
    Ok(out)
}

fn chunk_nonce(index: u64, last: bool) -> Nonce {
    let mut nonce = [0u8; 12];
    nonce[3] = u8::from(last);
    nonce[4..].copy_from_slice(&index.to_be_bytes());
    *Nonce::from_slice(&nonce)
}

fn header(chunk_size: usize) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[..4].copy_from_slice(MAGIC);
    header[4] = VERSION;
    header[5..].copy_from_slice(&(chunk_size as u32).to_le_bytes());
    header
}

/// The chunk size a blob header declares, if the header is valid.
pub fn declared_chunk_size(header: &[u8]) -> Option<usize> {
    if header.len() != HEADER_LEN || &header[..4] != MAGIC || header[4] != VERSION {
        return None;
    }
    let chunk_size = u32::from_le_bytes(header[5..9].try_into().ok()?) as usize;
    (1..=MAX_CHUNK_SIZE)
        .contains(&chunk_size)
        .then_some(chunk_size)
}

/// Size of the blob of `plaintext_len` bytes in chunks of `chunk_size`.
pub fn encrypted_len(plaintext_len: u64, chunk_size: usize) -> u64 {
    let chunks = plaintext_len.div_ceil(chunk_size as u64).max(1);
    HEADER_LEN as u64 + plaintext_len + chunks * TAG_LEN as u64
}

/// Encrypts a stream chunk by chunk: feed plaintext chunks of exactly `chunk_size` bytes,
/// then the last (possibly shorter, possibly empty) one with `last`.
pub struct Encryptor {
    cipher: ChaCha20Poly1305,
    header: [u8; HEADER_LEN],
    index: u64,
    done: bool,
}

impl Encryptor {
    /// An encryptor under `key`; `header()` must be written first.
    pub fn new(key: &ContentKey, chunk_size: usize) -> Self {
        assert!(
            (1..=MAX_CHUNK_SIZE).contains(&chunk_size),
            "chunk size out of range"
        );
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key.0)),
            header: header(chunk_size),
            index: 0,
            done: false,
        }
    }

    /// The blob header.
    pub fn header(&self) -> [u8; HEADER_LEN] {
        self.header
    }

    /// Encrypts `chunk` in place and appends its tag.
    pub fn seal_chunk(&mut self, chunk: &mut Vec<u8>, last: bool) {
        assert!(!self.done, "the last chunk was already sealed");
        let nonce = chunk_nonce(self.index, last);
        let tag = self
            .cipher
            .encrypt_in_place_detached(&nonce, &self.header, chunk)
            .expect("a chunk is within ChaCha20-Poly1305's limits; qed");
        chunk.extend_from_slice(&tag);
        self.index += 1;
        self.done = last;
    }
}

/// Decrypts a blob chunk by chunk.
pub struct Decryptor {
    cipher: ChaCha20Poly1305,
    header: [u8; HEADER_LEN],
    chunk_size: usize,
    index: u64,
    done: bool,
}

impl Decryptor {
    /// A decryptor for a blob starting with `header`, under `key`.
    pub fn new(key: &ContentKey, header: &[u8]) -> Result<Self, CryptoError> {
        if header.len() != HEADER_LEN || &header[..4] != MAGIC || header[4] != VERSION {
            return Err(CryptoError::BadHeader);
        }
        let chunk_size =
            u32::from_le_bytes(header[5..9].try_into().expect("4 bytes; qed")) as usize;
        if !(1..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(CryptoError::BadHeader);
        }
        Ok(Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key.0)),
            header: header.try_into().expect("checked length; qed"),
            chunk_size,
            index: 0,
            done: false,
        })
    }

    /// Size of a full encrypted chunk (plaintext and tag).
    pub fn encrypted_chunk_size(&self) -> usize {
        self.chunk_size + TAG_LEN
    }

    /// Decrypts one encrypted chunk in place (its tag removed). A chunk shorter than a full
    /// one must be the last; a full one may be the last too (then `last` says so).
    pub fn open_chunk(&mut self, chunk: &mut Vec<u8>, last: bool) -> Result<(), CryptoError> {
        if self.done {
            return Err(CryptoError::TrailingData);
        }
        if chunk.len() < TAG_LEN || chunk.len() > self.encrypted_chunk_size() {
            return Err(CryptoError::Tampered(self.index));
        }
        let tag_at = chunk.len() - TAG_LEN;
        let tag = *chacha20poly1305::Tag::from_slice(&chunk[tag_at..]);
        chunk.truncate(tag_at);
        self.cipher
            .decrypt_in_place_detached(&chunk_nonce(self.index, last), &self.header, chunk, &tag)
            .map_err(|_| CryptoError::Tampered(self.index))?;
        self.index += 1;
        self.done = last;
        Ok(())
    }

    /// Whether the last chunk was opened.
    pub fn finished(&self) -> bool {
        self.done
    }
}

/// Encrypts `plaintext` in memory (tests, small files).
pub fn encrypt(key: &ContentKey, plaintext: &[u8], chunk_size: usize) -> Vec<u8> {
    let mut encryptor = Encryptor::new(key, chunk_size);
    let mut out = encryptor.header().to_vec();
    let mut chunks = plaintext.chunks(chunk_size).peekable();
    if chunks.peek().is_none() {
        let mut empty = Vec::new();
        encryptor.seal_chunk(&mut empty, true);
        out.extend_from_slice(&empty);
    }
    while let Some(chunk) = chunks.next() {
        let mut buf = chunk.to_vec();
        encryptor.seal_chunk(&mut buf, chunks.peek().is_none());
        out.extend_from_slice(&buf);
    }
    out
}

/// Decrypts a whole blob in memory.
pub fn decrypt(key: &ContentKey, blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if blob.len() < HEADER_LEN {
        return Err(CryptoError::BadHeader);
    }
    let mut decryptor = Decryptor::new(key, &blob[..HEADER_LEN])?;
    let size = decryptor.encrypted_chunk_size();
    let body = &blob[HEADER_LEN..];
    let mut out = Vec::with_capacity(body.len());
    let mut offset = 0;
    loop {
        let end = (offset + size).min(body.len());
        let last = end == body.len();
        let mut chunk = body[offset..end].to_vec();
        decryptor.open_chunk(&mut chunk, last)?;
        out.extend_from_slice(&chunk);
        if last {
            return Ok(out);
        }
        offset = end;
    }
}

/// What the account signs to log in to a gateway: the domain tag, the chain's genesis hash, the
/// gateway's address (`scheme://host[:port]` as the client dialled it, lowercased) and the
/// gateway's nonce, SCALE-encoded, so a login signature is useless on another chain, at another
/// gateway (or the same host under another scheme), or as a transaction.
pub fn login_payload(genesis: &[u8; 32], audience: &str, nonce: &[u8; 32]) -> Vec<u8> {
    use codec::Encode;
    (
        b"cpc/market/login/v3",
        genesis,
        audience.to_ascii_lowercase(),
        nonce,
    )
        .encode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keypair(n: u8) -> EncryptionKeypair {
        EncryptionKeypair::from_account(&Pair::from_seed(&[n; 32]))
    }

    #[test]
    fn an_accounts_encryption_key_is_the_same_at_every_derivation() {
        // Soft junctions included: their secrets' second half differs at each derivation.
        for suri in ["//Alice", "//Alice/soft", "//seller//hard/soft"] {
            let key = |_| {
                let (pair, _) = Pair::from_suri(suri).unwrap();
                EncryptionKeypair::from_account(&pair).public()
            };
            let first = key(0);
            assert!((1..4).all(|i| key(i) == first), "{suri}");
        }
        assert_ne!(keypair(1).public(), keypair(2).public(), "accounts differ");
    }

    #[test]
    fn a_sealed_key_opens_only_for_its_recipient_and_untampered() {
        let key = ContentKey::random();
        let (bob, eve) = (keypair(2), keypair(5));
        let sealed = seal(&key, &bob.public()).unwrap();
        assert_eq!(sealed.len(), SEALED_KEY_LEN);
        assert_eq!(bob.open(&sealed).unwrap(), key);
        assert_eq!(eve.open(&sealed), Err(CryptoError::BadSealedKey));
        for i in [0, 31, 32, 63, 64, 79] {
            let mut tampered = sealed.clone();
            tampered[i] ^= 1;
            assert_eq!(bob.open(&tampered), Err(CryptoError::BadSealedKey), "{i}");
        }
        assert_eq!(bob.open(&sealed[..79]), Err(CryptoError::BadSealedKey));
        // Sealing twice uses fresh ephemeral keys.
        assert_ne!(seal(&key, &bob.public()).unwrap(), sealed);
        // A low-order recipient key is refused.
        assert_eq!(seal(&key, &[0; 32]), Err(CryptoError::WeakKey));
        // A low-order point as the ephemeral key is refused, not a zero shared secret.
        let mut low_order = seal_with(&key, &bob.public(), [9; 32]).unwrap();
        low_order[..32].copy_from_slice(&[0; 32]);
        assert_eq!(bob.open(&low_order), Err(CryptoError::BadSealedKey));
    }

    #[test]
    fn tampered_reordered_or_truncated_blobs_are_refused() {
        let key = ContentKey::random();
        let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let blob = encrypt(&key, &data, 1024);
        assert_eq!(blob.len() as u64, encrypted_len(data.len() as u64, 1024));
        assert_eq!(decrypt(&key, &blob).unwrap(), data);
        // Any flipped bit.
        for i in [0, 5, HEADER_LEN, HEADER_LEN + 500, blob.len() - 1] {
            let mut bad = blob.clone();
            bad[i] ^= 0x40;
            assert!(decrypt(&key, &bad).is_err(), "{i}");
        }
        // Cut at a chunk boundary: the new last chunk was not sealed as last.
        let cut = HEADER_LEN + 3 * (1024 + TAG_LEN);
        assert_eq!(decrypt(&key, &blob[..cut]), Err(CryptoError::Tampered(2)));
        // Two chunks swapped.
        let mut swapped = blob.clone();
        let (a, b) = (HEADER_LEN, HEADER_LEN + 1024 + TAG_LEN);
        let first = blob[a..b].to_vec();
        swapped.copy_within(b..b + 1024 + TAG_LEN, a);
        swapped[b..b + 1024 + TAG_LEN].copy_from_slice(&first);
        assert_eq!(decrypt(&key, &swapped), Err(CryptoError::Tampered(0)));
        // The wrong key.
        assert!(decrypt(&ContentKey::random(), &blob).is_err());
        // A header declaring a huge chunk.
        let mut huge = blob.clone();
        huge[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decrypt(&key, &huge), Err(CryptoError::BadHeader));
        assert_eq!(decrypt(&key, &blob[..4]), Err(CryptoError::BadHeader));
    }

    #[test]
    fn the_login_payload_is_the_tag_genesis_audience_and_nonce_in_scale() {
        let payload = login_payload(&[7; 32], "HTTP://127.0.0.1:8090", &[9; 32]);
        let mut expected = b"cpc/market/login/v3".to_vec();
        expected.extend([7; 32]);
        expected.push(21 << 2); // compact length of the lowercased audience
        expected.extend(b"http://127.0.0.1:8090");
        expected.extend([9; 32]);
        assert_eq!(payload, expected);
    }

    proptest! {
        #[test]
        fn encryption_round_trips(data in proptest::collection::vec(any::<u8>(), 0..5000), chunk in 1usize..700) {
            let key = ContentKey::random();
            let blob = encrypt(&key, &data, chunk);
            prop_assert_eq!(blob.len() as u64, encrypted_len(data.len() as u64, chunk));
            prop_assert_eq!(decrypt(&key, &blob).unwrap(), data);
        }
    }
}
