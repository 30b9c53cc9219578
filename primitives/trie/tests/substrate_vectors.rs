//! Every reference root in `tests/vectors/trie.json`, computed by Substrate's sp-trie, must be
//! reproduced exactly: state tries and ordered (extrinsics) tries.

use cpc_trie::{MemoryDB, build_trie, ordered_trie_root, trie_root};
use serde_json::Value;

fn vectors() -> Value {
    // Substrate's reference roots, kept in the repository so a clean clone carries them.
    // The manifest directory of this run, not of the build: a shared target directory can hold
    // a binary built from another checkout of the same commit.
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
    let path = format!("{dir}/tests/vectors/trie.json");
    let text = std::fs::read_to_string(path).expect("trie vectors");
    serde_json::from_str(&text).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

#[test]
fn state_roots_match_substrate() {
    let vectors = vectors();
    let cases = vectors["state"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let kv: Vec<(Vec<u8>, Vec<u8>)> = case["kv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (bytes(&pair[0]), bytes(&pair[1])))
            .collect();
        let expected = bytes(&case["root"]);
        assert_eq!(
            trie_root(kv.clone()).0.to_vec(),
            expected,
            "state case {}",
            case["name"]
        );
        let mut db = MemoryDB::default();
        assert_eq!(
            build_trie(&mut db, kv).0.to_vec(),
            expected,
            "built case {}",
            case["name"]
        );
    }
}

#[test]
fn ordered_roots_match_substrate() {
    let vectors = vectors();
    let cases = vectors["ordered"].as_array().unwrap();
    assert!(!cases.is_empty());
    for (i, case) in cases.iter().enumerate() {
        let items: Vec<Vec<u8>> = case["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(bytes)
            .collect();
        assert_eq!(
            ordered_trie_root(items).0.to_vec(),
            bytes(&case["root"]),
            "ordered case {i}"
        );
    }
}
