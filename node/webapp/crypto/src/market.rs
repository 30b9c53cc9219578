//! The data market's cryptography for the page, from `cpc-market-crypto` (the crate the node's
//! gateway and `cpchain market` use, so a file the page encrypts is one the CLI decrypts, byte
//! for byte, and the reverse): an account's X25519 key, sealed content keys, the gateway's
//! login payload, and streams (chunked encryption and decryption, sha2-256) that the page feeds
//! a chunk at a time, so a file never has to fit in the module's memory at once.
//!
//! Streams live in a [`Streams`] table under small numbers the page holds; a number that names
//! no stream, or one of the wrong kind, is an error, not a crash, and the table is bounded.

use crate::Error;
use alloc::vec::Vec;
use cpc_crypto::sr25519::Pair;
use cpc_market_crypto::{
    CHUNK_SIZE, ContentKey, CryptoError, Decryptor, EncryptionKeypair, Encryptor, HEADER_LEN,
    MAX_CHUNK_SIZE, SEALED_KEY_LEN, TAG_LEN,
};
use sha2::{Digest, Sha256};

/// The most streams open at once: a page encrypts or decrypts one file at a time (each with a
/// hash beside it); the bound keeps a looping page from growing the table without end.
pub const MAX_STREAMS: usize = 16;
/// The longest gateway address a login payload is made for (a URL's `scheme://host:port`).
pub const MAX_AUDIENCE: usize = 256;
/// The chunk size the page encrypts with: the CLI's.
pub const PAGE_CHUNK_SIZE: usize = CHUNK_SIZE;

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::BadHeader => Self::BlobHeader,
            CryptoError::Tampered(_) => Self::Tampered,
            CryptoError::Truncated => Self::Truncated,
            CryptoError::TrailingData => Self::TrailingData,
            CryptoError::BadSealedKey => Self::SealedKey,
            CryptoError::WeakKey => Self::WeakKey,
        }
    }
}

/// The X25519 public key of the account of the 96-byte pair `raw`: what `set_encryption_key`
/// registers, the same the CLI derives for the account.
pub fn encryption_public(raw: &[u8; 96]) -> Result<[u8; 32], Error> {
    let pair = Pair::from_raw(raw).ok_or(Error::Pair)?;
    Ok(EncryptionKeypair::from_account(&pair).public())
}

/// The content key sealed (80 bytes) to the account of `raw`: a delivery on chain, or a key a
/// seller shared with its proxy through the gateway.
pub fn open_sealed(raw: &[u8; 96], sealed: &[u8]) -> Result<[u8; 32], Error> {
    let pair = Pair::from_raw(raw).ok_or(Error::Pair)?;
    Ok(EncryptionKeypair::from_account(&pair).open(sealed)?.0)
}

/// `key` sealed to the X25519 key `recipient` with the ephemeral secret `ephemeral` (fresh
/// randomness from the page).
pub fn seal(
    key: &[u8; 32],
    recipient: &[u8; 32],
    ephemeral: [u8; 32],
) -> Result<[u8; SEALED_KEY_LEN], Error> {
    let sealed = cpc_market_crypto::seal_with(&ContentKey(*key), recipient, ephemeral)?;
    sealed.try_into().map_err(|_| Error::Capacity)
}

/// What the account signs to log in to the gateway at `audience` (see
/// [`cpc_market_crypto::login_payload`]).
pub fn login_payload(
    genesis: &[u8; 32],
    audience: &[u8],
    nonce: &[u8; 32],
) -> Result<Vec<u8>, Error> {
    if audience.len() > MAX_AUDIENCE {
        return Err(Error::Capacity);
    }
    let audience = core::str::from_utf8(audience).map_err(|_| Error::Utf8)?;
    Ok(cpc_market_crypto::login_payload(genesis, audience, nonce))
}

/// One stream the page feeds chunk by chunk.
pub enum Stream {
    /// Encrypting under a content key.
    Encrypt {
        /// The chunked cipher.
        encryptor: Encryptor,
        /// Plaintext bytes of every chunk but the last.
        chunk_size: usize,
        /// Whether the last chunk was sealed.
        done: bool,
    },
    /// Decrypting a blob (its header already read).
    Decrypt(Decryptor),
    /// sha2-256 of what is fed.
    Hash(Sha256),
}

impl Stream {
    /// An encryption stream under `key`, in chunks of `chunk_size` plaintext bytes; its header
    /// is [`Stream::header`].
    pub fn encrypt(key: &[u8; 32], chunk_size: usize) -> Result<Self, Error> {
        if !(1..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(Error::ChunkSize);
        }
        Ok(Self::Encrypt {
            encryptor: Encryptor::new(&ContentKey(*key), chunk_size),
            chunk_size,
            done: false,
        })
    }

    /// A decryption stream under `key` for a blob starting with `header`.
    pub fn decrypt(key: &[u8; 32], header: &[u8]) -> Result<Self, Error> {
        Ok(Self::Decrypt(Decryptor::new(&ContentKey(*key), header)?))
    }

    /// The blob header of an encryption stream.
    pub fn header(&self) -> Result<[u8; HEADER_LEN], Error> {
        match self {
            Self::Encrypt { encryptor, .. } => Ok(encryptor.header()),
            _ => Err(Error::Stream),
        }
    }

    /// Encrypts one chunk (exactly the chunk size, or at most it when `last`): the chunk and
    /// its tag, `TAG_LEN` bytes longer.
    pub fn seal_chunk(&mut self, chunk: &[u8], last: bool) -> Result<Vec<u8>, Error> {
        let Self::Encrypt {
            encryptor,
            chunk_size,
            done,
        } = self
        else {
            return Err(Error::Stream);
        };
        if *done {
            return Err(Error::TrailingData);
        }
        // Only the last chunk may be short: the decryptor reads full chunks until the end.
        if chunk.len() > *chunk_size || (!last && chunk.len() != *chunk_size) {
            return Err(Error::ChunkSize);
        }
        let mut out = Vec::with_capacity(chunk.len() + TAG_LEN);
        out.extend_from_slice(chunk);
        encryptor.seal_chunk(&mut out, last);
        *done = last;
        Ok(out)
    }

    /// Decrypts one encrypted chunk (with its tag): the plaintext, `TAG_LEN` bytes shorter.
    pub fn open_chunk(&mut self, chunk: &[u8], last: bool) -> Result<Vec<u8>, Error> {
        let Self::Decrypt(decryptor) = self else {
            return Err(Error::Stream);
        };
        let mut buf = chunk.to_vec();
        decryptor.open_chunk(&mut buf, last)?;
        Ok(buf)
    }

    /// The full encrypted chunk size of a decryption stream: what the page collects before
    /// opening a chunk that is not the last.
    pub fn encrypted_chunk_size(&self) -> Result<usize, Error> {
        match self {
            Self::Decrypt(decryptor) => Ok(decryptor.encrypted_chunk_size()),
            _ => Err(Error::Stream),
        }
    }

    /// Feeds a hash stream.
    pub fn update(&mut self, data: &[u8]) -> Result<(), Error> {
        match self {
            Self::Hash(hasher) => {
                hasher.update(data);
                Ok(())
            }
            _ => Err(Error::Stream),
        }
    }
}

/// The open streams, by number (1 and up; 0 is never a stream, so a zeroed number fails).
#[derive(Default)]
pub struct Streams {
    slots: Vec<Option<Stream>>,
}

impl Streams {
    /// Keeps `stream`; its number.
    pub fn open(&mut self, stream: Stream) -> Result<u32, Error> {
        let index = match self.slots.iter().position(Option::is_none) {
            Some(free) => free,
            None if self.slots.len() < MAX_STREAMS => {
                self.slots.push(None);
                self.slots.len() - 1
            }
            None => return Err(Error::Streams),
        };
        self.slots[index] = Some(stream);
        Ok(index as u32 + 1)
    }

    /// The stream numbered `handle`.
    pub fn get(&mut self, handle: u32) -> Result<&mut Stream, Error> {
        let index = (handle as usize).checked_sub(1).ok_or(Error::Stream)?;
        self.slots
            .get_mut(index)
            .and_then(Option::as_mut)
            .ok_or(Error::Stream)
    }

    /// Ends the stream numbered `handle`; a hash stream's digest.
    pub fn close(&mut self, handle: u32) -> Result<Option<[u8; 32]>, Error> {
        self.get(handle)?;
        let stream = self.slots[handle as usize - 1]
            .take()
            .ok_or(Error::Stream)?;
        Ok(match stream {
            Stream::Hash(hasher) => Some(hasher.finalize().into()),
            _ => None,
        })
    }

    /// How many streams are open.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Whether no stream is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(suri: &str) -> [u8; 96] {
        crate::pair_from_suri(suri.as_bytes()).unwrap()
    }

    fn stream_encrypt(key: &[u8; 32], data: &[u8], chunk: usize) -> Vec<u8> {
        let mut s = Stream::encrypt(key, chunk).unwrap();
        let mut out = s.header().unwrap().to_vec();
        let chunks: Vec<&[u8]> = if data.is_empty() {
            vec![&[]]
        } else {
            data.chunks(chunk).collect()
        };
        for (i, c) in chunks.iter().enumerate() {
            out.extend(s.seal_chunk(c, i + 1 == chunks.len()).unwrap());
        }
        out
    }

    #[test]
    fn the_page_encrypts_what_the_cli_decrypts_and_the_reverse() {
        let key = [5u8; 32];
        for len in [0usize, 1, 99, 100, 101, 1000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let blob = stream_encrypt(&key, &data, 100);
            assert_eq!(
                blob,
                cpc_market_crypto::encrypt(&ContentKey(key), &data, 100),
                "{len} bytes: the same bytes as the CLI's encryption"
            );
            let mut s = Stream::decrypt(&key, &blob[..HEADER_LEN]).unwrap();
            let size = s.encrypted_chunk_size().unwrap();
            let body = &blob[HEADER_LEN..];
            let mut plain = Vec::new();
            let mut at = 0;
            loop {
                let end = (at + size).min(body.len());
                let last = end == body.len();
                plain.extend(s.open_chunk(&body[at..end], last).unwrap());
                if last {
                    break;
                }
                at = end;
            }
            assert_eq!(plain, data);
        }
    }

    #[test]
    fn misuse_and_tampering_are_errors() {
        let key = [5u8; 32];
        let mut s = Stream::encrypt(&key, 10).unwrap();
        assert_eq!(s.seal_chunk(&[0; 9], false), Err(Error::ChunkSize));
        assert_eq!(s.seal_chunk(&[0; 11], true), Err(Error::ChunkSize));
        s.seal_chunk(&[0; 3], true).unwrap();
        assert_eq!(s.seal_chunk(&[0; 3], true), Err(Error::TrailingData));
        assert!(matches!(Stream::encrypt(&key, 0), Err(Error::ChunkSize)));
        assert!(matches!(
            Stream::encrypt(&key, MAX_CHUNK_SIZE + 1),
            Err(Error::ChunkSize)
        ));

        let mut blob = cpc_market_crypto::encrypt(&ContentKey(key), b"readings", 4);
        assert!(matches!(
            Stream::decrypt(&key, &blob[..4]),
            Err(Error::BlobHeader)
        ));
        let n = blob.len();
        blob[n - 1] ^= 1;
        let mut d = Stream::decrypt(&key, &blob[..HEADER_LEN]).unwrap();
        let first = &blob[HEADER_LEN..HEADER_LEN + 4 + TAG_LEN];
        assert_eq!(d.open_chunk(first, false).unwrap(), b"read");
        assert_eq!(
            d.open_chunk(&blob[HEADER_LEN + 20..], true),
            Err(Error::Tampered)
        );
        let mut wrong = Stream::decrypt(&[6; 32], &blob[..HEADER_LEN]).unwrap();
        assert_eq!(wrong.open_chunk(first, false), Err(Error::Tampered));
        assert_eq!(wrong.update(b"x"), Err(Error::Stream));
    }

    #[test]
    fn the_table_is_bounded_and_numbers_are_checked() {
        let mut streams = Streams::default();
        assert!(matches!(streams.get(0), Err(Error::Stream)));
        let handles: Vec<u32> = (0..MAX_STREAMS)
            .map(|_| streams.open(Stream::Hash(Sha256::new())).unwrap())
            .collect();
        assert_eq!(handles[0], 1);
        assert!(matches!(
            streams.open(Stream::Hash(Sha256::new())),
            Err(Error::Streams)
        ));
        streams.get(handles[3]).unwrap().update(b"abc").unwrap();
        let digest = streams.close(handles[3]).unwrap().unwrap();
        assert_eq!(digest[..4], [0xba, 0x78, 0x16, 0xbf], "sha2-256 of abc");
        assert!(matches!(streams.close(handles[3]), Err(Error::Stream)));
        assert_eq!(streams.open(Stream::Hash(Sha256::new())), Ok(handles[3]));
        assert!(matches!(
            streams.get(MAX_STREAMS as u32 + 1),
            Err(Error::Stream)
        ));
        assert_eq!(streams.len(), MAX_STREAMS);
    }

    #[test]
    fn keys_seal_and_open_as_the_node_does() {
        let dave = pair("//Dave");
        let public = encryption_public(&dave).unwrap();
        let (native, _) = Pair::from_suri("//Dave").unwrap();
        let native = EncryptionKeypair::from_account(&native);
        assert_eq!(public, native.public());

        let key = [9u8; 32];
        let sealed = seal(&key, &public, [4; 32]).unwrap();
        assert_eq!(native.open(&sealed).unwrap().0, key, "the node opens it");
        let from_node = cpc_market_crypto::seal_with(&ContentKey(key), &public, [8; 32]).unwrap();
        assert_eq!(open_sealed(&dave, &from_node).unwrap(), key);
        assert_eq!(open_sealed(&pair("//Eve"), &sealed), Err(Error::SealedKey));
        assert_eq!(open_sealed(&dave, &sealed[..79]), Err(Error::SealedKey));
        assert_eq!(seal(&key, &[0; 32], [4; 32]), Err(Error::WeakKey));
        assert_eq!(encryption_public(&[0xff; 96]), Err(Error::Pair));
    }

    #[test]
    fn the_login_payload_is_the_gateways() {
        let payload = login_payload(&[1; 32], b"HTTP://127.0.0.1:8090", &[2; 32]).unwrap();
        assert_eq!(
            payload,
            cpc_market_crypto::login_payload(&[1; 32], "http://127.0.0.1:8090", &[2; 32])
        );
        assert_eq!(
            login_payload(&[1; 32], &[b'a'; MAX_AUDIENCE + 1], &[2; 32]),
            Err(Error::Capacity)
        );
        assert_eq!(login_payload(&[1; 32], &[0xff], &[2; 32]), Err(Error::Utf8));
    }
}
