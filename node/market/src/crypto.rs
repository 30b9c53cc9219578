//! Content encryption and content-key sealing: the format and keys are
//! `cpc-market-crypto`'s (re-exported here, shared with the web app's wasm); this module adds
//! encrypting and decrypting files with their hashes.

pub use cpc_market_crypto::*;
use sha2::{Digest, Sha256};

// The chain refuses deliveries of any other length. (Checked here: `cpc-market-crypto` stays
// free of the runtime's crates, whose host interface a browser's wasm cannot link.)
const _: () = assert!(SEALED_KEY_LEN == cpc_data_market_primitives::SEALED_KEY_LEN as usize);

/// What encrypting a file produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encrypted {
    /// sha2-256 of the plaintext (the product's content hash).
    pub content_hash: [u8; 32],
    /// Plaintext bytes.
    pub size: u64,
    /// Blob bytes.
    pub blob_size: u64,
    /// sha2-256 of the blob (what stores address it by).
    pub blob_hash: [u8; 32],
}

fn read_full(reader: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Encrypts the file `src` into the blob `dst` under `key`, hashing the plaintext and the blob
/// on the way;
/// `progress` gets the plaintext bytes done.
pub fn encrypt_file(
    key: &ContentKey,
    src: &std::path::Path,
    dst: &std::path::Path,
    progress: &dyn Fn(u64),
) -> std::io::Result<Encrypted> {
    use std::io::Write;
    let mut input = std::fs::File::open(src)?;
    let mut output = std::io::BufWriter::with_capacity(CHUNK_SIZE, std::fs::File::create(dst)?);
    let mut encryptor = Encryptor::new(key, CHUNK_SIZE);
    let header = encryptor.header();
    output.write_all(&header)?;
    let mut hasher = Sha256::new();
    let mut blob_hasher = Sha256::new();
    blob_hasher.update(header);
    let (mut size, mut blob_size) = (0u64, HEADER_LEN as u64);
    // One chunk of look-ahead tells whether the current chunk is the last.
    let mut current = vec![0u8; CHUNK_SIZE];
    let mut n = read_full(&mut input, &mut current)?;
    loop {
        let mut next = vec![0u8; CHUNK_SIZE];
        let next_n = if n == CHUNK_SIZE {
            read_full(&mut input, &mut next)?
        } else {
            0
        };
        let last = next_n == 0;
        current.truncate(n);
        hasher.update(&current);
        size += n as u64;
        encryptor.seal_chunk(&mut current, last);
        blob_size += current.len() as u64;
        blob_hasher.update(&current);
        output.write_all(&current)?;
        progress(size);
        if last {
            break;
        }
        current = next;
        n = next_n;
    }
    output.flush()?;
    output.get_ref().sync_all()?;
    Ok(Encrypted {
        content_hash: hasher.finalize().into(),
        size,
        blob_size,
        blob_hash: blob_hasher.finalize().into(),
    })
}

/// Decrypts the blob `src` into `dst` under `key`: the plaintext's sha2-256 and size. On
/// failure `dst` is removed, so no unauthenticated plaintext is left behind.
pub fn decrypt_file(
    key: &ContentKey,
    src: &std::path::Path,
    dst: &std::path::Path,
    progress: &dyn Fn(u64),
) -> Result<([u8; 32], u64), DecryptFileError> {
    let result = decrypt_file_inner(key, src, dst, progress);
    if result.is_err() {
        let _ = std::fs::remove_file(dst);
    }
    result
}

fn decrypt_file_inner(
    key: &ContentKey,
    src: &std::path::Path,
    dst: &std::path::Path,
    progress: &dyn Fn(u64),
) -> Result<([u8; 32], u64), DecryptFileError> {
    use std::io::Write;
    let mut input = std::fs::File::open(src)?;
    let mut header = [0u8; HEADER_LEN];
    if read_full(&mut input, &mut header)? != HEADER_LEN {
        return Err(CryptoError::BadHeader.into());
    }
    let mut decryptor = Decryptor::new(key, &header)?;
    let size = decryptor.encrypted_chunk_size();
    let mut output = std::io::BufWriter::with_capacity(CHUNK_SIZE, std::fs::File::create(dst)?);
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    let mut current = vec![0u8; size];
    let mut n = read_full(&mut input, &mut current)?;
    loop {
        let mut next = vec![0u8; size];
        let next_n = if n == size {
            read_full(&mut input, &mut next)?
        } else {
            0
        };
        let last = next_n == 0;
        current.truncate(n);
        decryptor.open_chunk(&mut current, last)?;
        hasher.update(&current);
        total += current.len() as u64;
        output.write_all(&current)?;
        progress(total);
        if last {
            break;
        }
        current = next;
        n = next_n;
    }
    output.flush()?;
    Ok((hasher.finalize().into(), total))
}

/// Why decrypting a file failed.
#[derive(Debug, thiserror::Error)]
pub enum DecryptFileError {
    /// Reading or writing failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The blob did not authenticate.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// sha2-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip_and_a_tampered_file_leaves_no_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        let key = ContentKey::random();
        for len in [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE - 7] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let (src, blob, out) = (
                dir.path().join("in"),
                dir.path().join("blob"),
                dir.path().join("out"),
            );
            std::fs::write(&src, &data).unwrap();
            let done = encrypt_file(&key, &src, &blob, &|_| {}).unwrap();
            assert_eq!(done.content_hash, sha256(&data));
            assert_eq!(done.size, len as u64);
            assert_eq!(done.blob_size, std::fs::metadata(&blob).unwrap().len());
            assert_eq!(done.blob_size, encrypted_len(len as u64, CHUNK_SIZE));
            assert_eq!(done.blob_hash, sha256(&std::fs::read(&blob).unwrap()));
            // The file path and the in-memory path agree.
            assert_eq!(decrypt(&key, &std::fs::read(&blob).unwrap()).unwrap(), data);
            let (hash, size) = decrypt_file(&key, &blob, &out, &|_| {}).unwrap();
            assert_eq!((hash, size), (sha256(&data), len as u64));
            assert_eq!(std::fs::read(&out).unwrap(), data);
            let mut bytes = std::fs::read(&blob).unwrap();
            let at = bytes.len() - 3;
            bytes[at] ^= 1;
            std::fs::write(&blob, &bytes).unwrap();
            assert!(decrypt_file(&key, &blob, &out, &|_| {}).is_err());
            assert!(!out.exists(), "no unauthenticated plaintext left behind");
        }
    }
}
