//! Writes the v2 runtime's wasm to a file, for trying an upgrade by hand:
//! `cargo run -p cpc-runtime-v2 -- runtime-v2.wasm` (see `docs/runtime-upgrades.md`).

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: cpc-runtime-v2 <output.wasm>");
        return std::process::ExitCode::FAILURE;
    };
    let Some(code) = cpc_runtime_v2::WASM_BINARY_V2 else {
        eprintln!("this build skipped the wasm build (CPC_SKIP_WASM_BUILD)");
        return std::process::ExitCode::FAILURE;
    };
    if let Err(e) = std::fs::write(&path, code) {
        eprintln!("cannot write {path}: {e}");
        return std::process::ExitCode::FAILURE;
    }
    println!("wrote {} bytes of cpchain v101 to {path}", code.len());
    std::process::ExitCode::SUCCESS
}
