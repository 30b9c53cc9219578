//! A file keystore: one file per key, named by the hex public key, holding the secret URI as a
//! JSON string (Substrate's layout), readable only by its owner.

use cpc_crypto::sr25519::{Pair, Public};
use std::path::{Path, PathBuf};

fn key_file(dir: &Path, public: &Public) -> PathBuf {
    dir.join(hex::encode(public.0))
}

/// Stores `suri` and returns its public key.
pub fn insert(dir: &Path, suri: &str) -> Result<Public, String> {
    let (pair, _) = Pair::from_suri(suri).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the keystore {}: {e}", dir.display()))?;
    let path = key_file(dir, &pair.public());
    let json = serde_json::to_string(suri).expect("strings serialize; qed");
    write_private(&path, json.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(pair.public())
}

#[cfg(unix)]
pub(crate) fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(data)
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

/// The public keys stored in `dir` (none if it does not exist).
pub fn list(dir: &Path) -> Vec<Public> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut keys: Vec<Public> = entries
        .flatten()
        .filter_map(|entry| {
            let bytes = hex::decode(entry.file_name().to_str()?).ok()?;
            Some(Public(bytes.try_into().ok()?))
        })
        .collect();
    keys.sort();
    keys
}

/// The key pair of `public`, if the keystore has it.
pub fn get(dir: &Path, public: &Public) -> Result<Option<Pair>, String> {
    let path = key_file(dir, public);
    let json = match std::fs::read(&path) {
        Ok(json) => json,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let suri: String = serde_json::from_slice(&json)
        .map_err(|e| format!("corrupt key file {}: {e}", path.display()))?;
    let (pair, _) = Pair::from_suri(&suri).map_err(|e| e.to_string())?;
    if pair.public() != *public {
        return Err(format!("key file {} holds another key", path.display()));
    }
    Ok(Some(pair))
}
