//! Read proofs: the set of encoded trie nodes a reader touched, enough for anyone holding only
//! the state root to check the values of the keys read (or their absence).

use crate::{Blake2Hasher, EMPTY_TRIE_ROOT, LayoutV1, MemoryDB, TrieError};
use alloc::{
    boxed::Box,
    collections::{BTreeMap, BTreeSet},
    vec::Vec,
};
use codec::{Decode, Encode};
use core::fmt;
use cpc_primitives::H256;
use hash_db::{HashDB, HashDBRef, Hasher};
use scale_info::TypeInfo;
use trie_db::{Trie, TrieDBBuilder, recorder::Recorder};

/// The largest proof accepted for verification, in nodes.
pub const MAX_PROOF_NODES: usize = 16 * 1024;

/// A read proof: encoded trie nodes, without duplicates. Encodes as `Vec<Vec<u8>>`, the form
/// of Substrate's `StorageProof`.
#[derive(Clone, Default, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct StorageProof {
    nodes: BTreeSet<Vec<u8>>,
}

impl StorageProof {
    /// A proof of these nodes.
    pub fn new(nodes: impl IntoIterator<Item = Vec<u8>>) -> Self {
        Self {
            nodes: nodes.into_iter().collect(),
        }
    }

    /// The nodes.
    pub fn nodes(&self) -> impl Iterator<Item = &Vec<u8>> {
        self.nodes.iter()
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the proof is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The nodes, consuming the proof.
    pub fn into_nodes(self) -> BTreeSet<Vec<u8>> {
        self.nodes
    }

    /// Total size of the nodes in bytes.
    pub fn encoded_size(&self) -> usize {
        self.nodes.iter().map(Vec::len).sum()
    }
}

/// Why a proof was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofError {
    /// A node needed to read a key is missing (or was altered, so its hash no longer matches).
    Incomplete(H256),
    /// A node in the proof does not decode.
    BadNode,
    /// The proof holds nodes that reading the keys did not need.
    ExtraneousNode,
    /// The proof has more nodes than [`MAX_PROOF_NODES`].
    TooLarge,
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Incomplete(hash) => write!(f, "proof is missing trie node {hash:?}"),
            Self::BadNode => f.write_str("proof holds a node that does not decode"),
            Self::ExtraneousNode => f.write_str("proof holds nodes the keys do not need"),
            Self::TooLarge => f.write_str("proof has too many nodes"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ProofError {}

fn from_trie_error(e: TrieError) -> ProofError {
    match e {
        trie_db::TrieError::IncompleteDatabase(hash)
        | trie_db::TrieError::InvalidStateRoot(hash) => ProofError::Incomplete(hash),
        trie_db::TrieError::ValueAtIncompleteKey(_, _) => ProofError::Incomplete(H256::zero()),
        _ => ProofError::BadNode,
    }
}

/// Reads `keys` from the trie at `root` in `db`, recording every node touched.
pub fn generate_read_proof<'a>(
    db: &dyn HashDBRef<Blake2Hasher, Vec<u8>>,
    root: &H256,
    keys: impl IntoIterator<Item = &'a [u8]>,
) -> Result<StorageProof, Box<TrieError>> {
    let mut recorder = Recorder::<LayoutV1>::new();
    {
        let trie = TrieDBBuilder::<LayoutV1>::new(db, root)
            .with_recorder(&mut recorder)
            .build();
        for key in keys {
            trie.get(key)?;
        }
    }
    Ok(StorageProof::new(
        recorder.drain().into_iter().map(|record| record.data),
    ))
}

/// Checks `proof` against `root` and returns the value of each key (`None` when proven absent).
///
/// The proof must hold exactly the nodes needed to read `keys`: a missing or altered node is
/// [`ProofError::Incomplete`], and an unneeded node is [`ProofError::ExtraneousNode`].
pub fn verify_read_proof<'a>(
    root: &H256,
    proof: &StorageProof,
    keys: impl IntoIterator<Item = &'a [u8]>,
) -> Result<BTreeMap<Vec<u8>, Option<Vec<u8>>>, ProofError> {
    if proof.len() > MAX_PROOF_NODES {
        return Err(ProofError::TooLarge);
    }
    let mut db = MemoryDB::default();
    for node in proof.nodes() {
        db.insert(hash_db::EMPTY_PREFIX, node);
    }
    let mut recorder = Recorder::<LayoutV1>::new();
    let mut values = BTreeMap::new();
    {
        let trie = TrieDBBuilder::<LayoutV1>::new(&db, root)
            .with_recorder(&mut recorder)
            .build();
        for key in keys {
            let value = trie.get(key).map_err(|e| from_trie_error(*e))?;
            values.insert(key.to_vec(), value);
        }
    }
    let used: BTreeSet<H256> = recorder.drain().into_iter().map(|r| r.hash).collect();
    // The empty root is implicit, never a proof node.
    let needed = proof
        .nodes()
        .map(|n| Blake2Hasher::hash(n))
        .filter(|h| *h != EMPTY_TRIE_ROOT || used.contains(h));
    for hash in needed {
        if !used.contains(&hash) {
            return Err(ProofError::ExtraneousNode);
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_trie;

    type Entries = Vec<(Vec<u8>, Vec<u8>)>;

    fn state() -> (MemoryDB, H256, Entries) {
        let entries: Vec<(Vec<u8>, Vec<u8>)> = (0u32..500)
            .map(|i| {
                (
                    cpc_primitives::hashing::blake2_256(&i.to_le_bytes()).to_vec(),
                    vec![i as u8; (i % 80) as usize],
                )
            })
            .collect();
        let mut db = MemoryDB::default();
        let root = build_trie(&mut db, entries.clone());
        (db, root, entries)
    }

    #[test]
    fn proofs_verify_values_and_absence() {
        let (db, root, entries) = state();
        let absent = vec![0xffu8; 32];
        let keys: Vec<&[u8]> = vec![&entries[3].0, &entries[77].0, &entries[78].0, &absent];
        let proof = generate_read_proof(&db, &root, keys.iter().copied()).unwrap();
        let values = verify_read_proof(&root, &proof, keys.iter().copied()).unwrap();
        assert_eq!(values[&entries[3].0], Some(entries[3].1.clone()));
        assert_eq!(
            values[&entries[77].0],
            Some(entries[77].1.clone()),
            "hashed value node"
        );
        assert_eq!(values[&absent], None);
    }

    #[test]
    fn removed_altered_or_extra_nodes_are_refused() {
        let (db, root, entries) = state();
        let keys: Vec<&[u8]> = vec![&entries[10].0, &entries[11].0, &entries[12].0];
        let proof = generate_read_proof(&db, &root, keys.iter().copied()).unwrap();
        assert!(verify_read_proof(&root, &proof, keys.iter().copied()).is_ok());
        let nodes: Vec<Vec<u8>> = proof.nodes().cloned().collect();
        for i in 0..nodes.len() {
            let mut removed = nodes.clone();
            removed.remove(i);
            let result =
                verify_read_proof(&root, &StorageProof::new(removed), keys.iter().copied());
            assert!(
                matches!(result, Err(ProofError::Incomplete(_))),
                "node {i} removed: {result:?}"
            );

            let mut altered = nodes.clone();
            let last = altered[i].len() - 1;
            altered[i][last] ^= 1;
            let result =
                verify_read_proof(&root, &StorageProof::new(altered), keys.iter().copied());
            assert!(result.is_err(), "node {i} altered");
        }
        let mut padded = nodes.clone();
        padded.push(vec![0x42, 1, 2, 3]);
        assert_eq!(
            verify_read_proof(&root, &StorageProof::new(padded), keys.iter().copied()),
            Err(ProofError::ExtraneousNode)
        );
        // The proof says nothing about a root it was not made for.
        let other_root = H256([7; 32]);
        assert!(verify_read_proof(&other_root, &proof, keys.iter().copied()).is_err());
    }

    #[test]
    fn the_empty_trie_proves_absence_with_no_nodes() {
        let values =
            verify_read_proof(&EMPTY_TRIE_ROOT, &StorageProof::default(), [&b"key"[..]]).unwrap();
        assert_eq!(values[&b"key"[..]], None);
    }

    proptest::proptest! {
        #[test]
        fn garbage_proofs_never_panic(nodes in proptest::collection::vec(proptest::collection::vec(0u8.., 0..80), 0..8), root in proptest::array::uniform32(0u8..)) {
            let proof = StorageProof::new(nodes.clone());
            let _ = verify_read_proof(&H256(root), &proof, [&b"abc"[..]]);
            // Using a garbage node's own hash as the root makes the trie decode it.
            for node in &nodes {
                let _ = verify_read_proof(&Blake2Hasher::hash(node), &proof, [&b"abc"[..], &[0u8; 40][..]]);
            }
        }
    }
}
