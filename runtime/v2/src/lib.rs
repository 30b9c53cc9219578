//! The main runtime's next version, as a wasm blob: `cpc-runtime` built with its `v2` feature
//! (spec_version 101; the notes pallet moves to its v2 storage layout with a migration and
//! gains a call). Tests and `docs/runtime-upgrades.md` upgrade a chain to it.

include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
