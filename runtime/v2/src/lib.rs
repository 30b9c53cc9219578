//! The runtimes' next versions, as wasm blobs, for upgrade tests:
//!
//! - [`WASM_BINARY_V2`]: `cpc-runtime` built with its `v2` feature (the next spec_version; the notes
//!   pallet moves to its v2 storage layout with a migration and gains a call). Tests and
//!   `docs/runtime-upgrades.md` upgrade a chain to it.
//! - [`SIDECHAIN_WASM_BINARY_V2`]: `cpc-runtime-sidechain` built with its `v2` feature
//!   (the next spec_version), which a running sidechain upgrades to in the tests.

include!(concat!(env!("OUT_DIR"), "/wasm_binary_v2.rs"));
include!(concat!(env!("OUT_DIR"), "/sidechain_wasm_binary_v2.rs"));
