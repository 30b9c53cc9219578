//! Builds this runtime's wasm blob whenever the crate is built natively.

fn main() {
    cpc_wasm_builder::build();
}
