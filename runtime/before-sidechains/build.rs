//! Builds `cpc-runtime` with its `before-sidechains` feature for wasm.

fn main() {
    cpc_wasm_builder::build_variant(
        "cpc-runtime",
        &["before-sidechains"],
        "WASM_BINARY_BEFORE_SIDECHAINS",
    );
}
