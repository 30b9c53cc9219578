//! CPChain's fuzz targets: what a peer, an RPC caller, a gateway client or a chain spec can
//! hand the node, and random call sequences against the runtime.
//!
//! Each target is a plain function of the input bytes that panics on a bug: a panic while
//! handling hostile input, a value that decodes but re-encodes differently, a forged proof or
//! certificate that verifies, a server error, a broken runtime invariant. Two drivers run
//! them:
//! - libFuzzer, coverage-guided, through `fuzz_targets/<name>.rs` (`scripts/fuzz.sh <name>
//!   <seconds>`, nightly toolchain, `cargo fuzz`), growing `fuzz/corpus/<name>/`;
//! - the smoke test (`tests/every_target_survives_its_corpus_and_mutations_of_it.rs`), on the
//!   pinned toolchain in the README's test command: every corpus file, then a fixed number
//!   of deterministic mutations of them ([`mutate`]), through every target.
//!
//! A crash libFuzzer finds becomes a file in the target's corpus (and a regression test where
//! it names a fixed bug), so the smoke test replays it forever after.

mod chain_spec;
mod decode;
mod lbft;
pub mod mutate;
mod node;
mod runtime_calls;
mod trie_proof;

pub use chain_spec::chain_spec;
pub use decode::{block, extrinsic, header, justification};
pub use lbft::lbft;
pub use node::{gateway, rpc};
pub use runtime_calls::runtime_calls;
pub use trie_proof::trie_proof;

/// A fuzz target: runs one input, panics on a bug.
pub type Target = fn(&[u8]);

/// Every target, by the name of its corpus directory and libFuzzer binary.
pub const TARGETS: &[(&str, Target)] = &[
    ("extrinsic", extrinsic),
    ("header", header),
    ("block", block),
    ("justification", justification),
    ("trie_proof", trie_proof),
    ("chain_spec", chain_spec),
    ("lbft", lbft),
    ("runtime_calls", runtime_calls),
    ("rpc", rpc),
    ("gateway", gateway),
];

/// The runtime's wasm blob, which the node targets execute as the node does. A nightly fuzz
/// build still has it: the blob is built with the pinned toolchain (`CPC_WASM_TOOLCHAIN`,
/// which scripts/fuzz.sh sets).
pub fn runtime_wasm() -> &'static [u8] {
    cpc_runtime::WASM_BINARY.expect("the runtime was built without its wasm blob")
}

/// Reads structured choices out of fuzz bytes; past the end it reads zeros, so every input
/// is a complete (if short) scenario.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(crate) fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((first, rest)) => {
                self.data = rest;
                *first
            }
            None => 0,
        }
    }

    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// Up to `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        taken
    }

    /// What is left, for decoders that consume what they need.
    pub(crate) fn rest(&mut self) -> &mut &'a [u8] {
        &mut self.data
    }
}
