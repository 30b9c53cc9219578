//! Builds `cpc-runtime` with its `v2` feature for wasm.

fn main() {
    cpc_wasm_builder::build_variant("cpc-runtime", &["v2"], "WASM_BINARY_V2");
}
