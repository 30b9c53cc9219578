//! Builds `cpc-runtime` and `cpc-runtime-sidechain` with their `v2` features for wasm.

fn main() {
    cpc_wasm_builder::build_variant("cpc-runtime", &["v2"], "WASM_BINARY_V2");
    cpc_wasm_builder::build_variant("cpc-runtime-sidechain", &["v2"], "SIDECHAIN_WASM_BINARY_V2");
}
