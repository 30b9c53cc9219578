//! A file keystore: one file per key, named by the hex public key, holding the secret URI as a
//! JSON string (Substrate's layout), readable only by its owner.
//!
//! The node service reads validator keys from it and the wallet commands read signing keys, so
//! it is its own crate: a wallet links it without linking the node.

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

/// Generates a new key from a fresh 12-word phrase, stores it, and returns its public key.
pub fn generate(dir: &Path) -> Result<Public, String> {
    let (_, phrase) = Pair::generate();
    insert(dir, &phrase)
}

/// Whether the keystore holds the secret of `public`.
pub fn contains(dir: &Path, public: &Public) -> bool {
    key_file(dir, public).is_file()
}

/// Writes `data` to `path` readable and writable by its owner only (secrets: keys, node keys).
#[cfg(unix)]
pub fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(data)
}

/// Writes `data` to `path` (no permission bits on this platform).
#[cfg(not(unix))]
pub fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
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

/// The default base path of a node and its keystore: `$XDG_DATA_HOME/cpchain` or
/// `~/.local/share/cpchain`.
pub fn default_base_path() -> PathBuf {
    if let Some(data) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(data).join("cpchain");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/cpchain")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserted_keys_are_listed_read_back_and_private() {
        let dir = tempfile::tempdir().unwrap();
        assert!(list(dir.path()).is_empty());
        let alice = insert(dir.path(), "//Alice").unwrap();
        let bob = insert(dir.path(), "//Bob").unwrap();
        let mut expected = vec![alice, bob];
        expected.sort();
        assert_eq!(list(dir.path()), expected);
        assert_eq!(get(dir.path(), &alice).unwrap().unwrap().public(), alice);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_file(dir.path(), &alice))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn generated_keys_are_new_stored_and_found() {
        let dir = tempfile::tempdir().unwrap();
        let one = generate(dir.path()).unwrap();
        let two = generate(dir.path()).unwrap();
        assert_ne!(one, two);
        assert!(contains(dir.path(), &one) && contains(dir.path(), &two));
        assert_eq!(get(dir.path(), &one).unwrap().unwrap().public(), one);
        let (bob, _) = Pair::from_suri("//Bob").unwrap();
        assert!(!contains(dir.path(), &bob.public()));
    }

    #[test]
    fn missing_corrupt_and_mismatched_files_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let alice = insert(dir.path(), "//Alice").unwrap();
        let (bob, _) = Pair::from_suri("//Bob").unwrap();
        assert!(get(dir.path(), &bob.public()).unwrap().is_none());
        // A file named for Bob holding Alice's secret is refused, not returned as Bob.
        std::fs::copy(
            key_file(dir.path(), &alice),
            key_file(dir.path(), &bob.public()),
        )
        .unwrap();
        assert!(
            get(dir.path(), &bob.public())
                .unwrap_err()
                .contains("another key")
        );
        std::fs::write(key_file(dir.path(), &alice), b"not json").unwrap();
        assert!(get(dir.path(), &alice).unwrap_err().contains("corrupt"));
    }
}
