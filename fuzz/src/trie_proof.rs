//! Storage proofs: a cross-chain transfer is paid out on a read proof against another chain's
//! state root. The target builds a real trie from the input, proves some keys, tampers with
//! the proof as the rest of the input says, and verifies it against the true root: an
//! accepted proof must give exactly the trie's values (a wrong value proven would let a relayer
//! mint what was never locked).

use crate::Reader;
use cpc_trie::{MemoryDB, StorageProof, build_trie, generate_read_proof, verify_read_proof};
use std::collections::BTreeMap;

/// See the module documentation.
pub fn trie_proof(data: &[u8]) {
    let mut input = Reader::new(data);
    let mut entries: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for _ in 0..input.u8() % 32 {
        let key_len = usize::from(input.u8() % 40);
        let key = input.bytes(key_len).to_vec();
        // Values above 32 bytes are stored by hash in the node (trie layout V1).
        let value_len = usize::from(input.u8() % 80);
        entries.insert(key, input.bytes(value_len).to_vec());
    }
    let existing: Vec<Vec<u8>> = entries.keys().cloned().collect();
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for _ in 0..input.u8() % 8 {
        let choice = input.u8();
        if choice & 1 == 0 && !existing.is_empty() {
            keys.push(existing[usize::from(choice >> 1) % existing.len()].clone());
        } else {
            let len = usize::from(input.u8() % 40);
            keys.push(input.bytes(len).to_vec());
        }
    }
    let mut db = MemoryDB::default();
    let root = build_trie(&mut db, entries.clone());
    let proof = generate_read_proof(&db, &root, keys.iter().map(Vec::as_slice))
        .expect("every node of a trie just built is in its db");
    let mut nodes: Vec<Vec<u8>> = proof.nodes().cloned().collect();

    while !input.is_empty() && nodes.len() < 256 {
        let op = input.u8();
        let at = usize::from(input.u8());
        match op % 6 {
            0 if !nodes.is_empty() => {
                let len = nodes.len();
                let node = &mut nodes[at % len];
                if !node.is_empty() {
                    let i = usize::from(input.u16()) % node.len();
                    node[i] ^= input.u8() | 1;
                }
            }
            1 if !nodes.is_empty() => {
                nodes.remove(at % nodes.len());
            }
            2 if !nodes.is_empty() => {
                let copy = nodes[at % nodes.len()].clone();
                nodes.push(copy);
            }
            3 => {
                let len = usize::from(input.u8());
                nodes.push(input.bytes(len).to_vec());
            }
            4 if !nodes.is_empty() => {
                let len = nodes.len();
                let node = &mut nodes[at % len];
                let len = usize::from(input.u8()) % (node.len() + 1);
                node.truncate(len);
            }
            5 if !nodes.is_empty() => {
                let len = nodes.len();
                let node = &mut nodes[at % len];
                let extra = usize::from(input.u8() % 16);
                node.extend_from_slice(input.bytes(extra));
            }
            _ => {}
        }
    }

    let tampered = StorageProof::new(nodes);
    if let Ok(values) = verify_read_proof(&root, &tampered, keys.iter().map(Vec::as_slice)) {
        for key in &keys {
            assert_eq!(
                values.get(key).cloned().flatten(),
                entries.get(key).cloned(),
                "an accepted proof gives a value the trie does not hold for key {key:02x?}"
            );
        }
    }
}
