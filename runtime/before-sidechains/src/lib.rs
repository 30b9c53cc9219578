//! The main runtime as released before the sidechain registry, as a wasm blob: `cpc-runtime`
//! built with its `before-sidechains` feature (spec_version 100, no `SidechainRegistry`).
//! A chain started with it gets the registry by a runtime upgrade to the current runtime,
//! whose migration initialises the registry's storage; the tests do exactly that.

include!(concat!(
    env!("OUT_DIR"),
    "/wasm_binary_before_sidechains.rs"
));
