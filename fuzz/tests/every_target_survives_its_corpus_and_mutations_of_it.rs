//! The smoke run of every fuzz target, in the README's test command: each target takes every
//! file of its corpus (`fuzz/corpus/<target>/`: seeds, and the inputs libFuzzer found worth
//! keeping, crashes included once fixed), then a fixed number of deterministic mutations of
//! them. A panic in any thread fails the test with the input, which is also written to
//! `$CARGO_TARGET_TMPDIR/fuzz-smoke/` to be replayed with `scripts/fuzz.sh <target> --replay`.

use cpc_fuzz::{
    TARGETS, Target,
    mutate::{Rng, mutate},
};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Panics of any thread (the node targets run a node on threads of their own).
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(info.to_string());
        previous(info);
    }));
}

fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {} is missing: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let inputs: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(!inputs.is_empty(), "the corpus {} is empty", dir.display());
    inputs
}

fn run_one(name: &str, target: Target, input: &[u8]) {
    let outcome = std::panic::catch_unwind(|| target(input));
    let panics: Vec<String> =
        std::mem::take(&mut *PANICS.lock().unwrap_or_else(|e| e.into_inner()));
    if outcome.is_err() || !panics.is_empty() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-smoke");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{name}-crash"));
        std::fs::write(&file, input).unwrap();
        panic!(
            "target {name} failed on an input (written to {}): {panics:?}\ninput: {:02x?}",
            file.display(),
            &input[..input.len().min(512)]
        );
    }
}

fn smoke(name: &str, mutations: usize) {
    record_panics();
    let target = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("no target {name}"));
    let corpus = corpus(name);
    for input in &corpus {
        run_one(name, target, input);
    }
    let mut rng = Rng::new(0x5eed ^ name.len() as u64);
    for _ in 0..mutations {
        let input = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())];
        let mutated = mutate(input, other, &mut rng);
        run_one(name, target, &mutated);
    }
}

#[test]
fn extrinsic() {
    smoke("extrinsic", 20_000);
}

#[test]
fn header() {
    smoke("header", 20_000);
}

#[test]
fn block() {
    smoke("block", 20_000);
}

#[test]
fn justification() {
    smoke("justification", 5_000);
}

#[test]
fn trie_proof() {
    smoke("trie_proof", 5_000);
}

#[test]
fn chain_spec() {
    smoke("chain_spec", 300);
}

#[test]
fn lbft() {
    smoke("lbft", 300);
}

#[test]
fn runtime_calls() {
    smoke("runtime_calls", 300);
}

#[test]
fn rpc() {
    smoke("rpc", 1_000);
}

#[test]
fn gateway() {
    smoke("gateway", 1_000);
}

#[test]
fn every_target_has_a_smoke_run() {
    let here = include_str!("every_target_survives_its_corpus_and_mutations_of_it.rs");
    for (name, _) in TARGETS {
        assert!(
            here.contains(&format!("smoke(\"{name}\"")),
            "target {name} has no smoke run"
        );
    }
}
