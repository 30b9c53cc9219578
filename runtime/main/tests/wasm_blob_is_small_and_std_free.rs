//! The wasm blob is built by `cargo build` alone, stays below its size budget, imports only the
//! host functions of the ABI, exports every runtime API function, and links no `std`.

use cpc_runtime::{WASM_BINARY, api::API_METHODS};

/// The size budget of the blob. Measured at about 390 KiB; the budget leaves room for the
/// pallets still to come without letting the blob grow unnoticed.
const MAX_BLOB_SIZE: usize = 2 * 1024 * 1024;

fn blob() -> &'static [u8] {
    WASM_BINARY.expect("the build script produced the wasm blob (CPC_SKIP_WASM_BUILD unset)")
}

fn leb(bytes: &[u8], at: &mut usize) -> u64 {
    let (mut value, mut shift) = (0u64, 0);
    loop {
        let byte = bytes[*at];
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return value;
        }
        shift += 7;
    }
}

fn name(bytes: &[u8], at: &mut usize) -> String {
    let len = leb(bytes, at) as usize;
    let s = String::from_utf8(bytes[*at..*at + len].to_vec()).unwrap();
    *at += len;
    s
}

fn limits(bytes: &[u8], at: &mut usize) {
    let flags = bytes[*at];
    *at += 1;
    leb(bytes, at);
    if flags & 1 == 1 {
        leb(bytes, at);
    }
}

/// `(imports as (module, name), exports)` of a wasm module.
fn imports_and_exports(wasm: &[u8]) -> (Vec<(String, String)>, Vec<String>) {
    assert_eq!(&wasm[..8], b"\0asm\x01\0\0\0", "a wasm module, version 1");
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at) as usize;
        let end = at + size;
        let mut p = at;
        match id {
            2 => {
                for _ in 0..leb(wasm, &mut p) {
                    let module = name(wasm, &mut p);
                    let field = name(wasm, &mut p);
                    let kind = wasm[p];
                    p += 1;
                    match kind {
                        0 => {
                            leb(wasm, &mut p);
                        }
                        1 => {
                            p += 1;
                            limits(wasm, &mut p);
                        }
                        2 => limits(wasm, &mut p),
                        _ => p += 2,
                    }
                    imports.push((module, field));
                }
            }
            7 => {
                for _ in 0..leb(wasm, &mut p) {
                    exports.push(name(wasm, &mut p));
                    p += 1;
                    leb(wasm, &mut p);
                }
            }
            _ => {}
        }
        at = end;
    }
    (imports, exports)
}

#[test]
fn the_blob_is_built_and_within_budget() {
    let size = blob().len();
    assert!(
        size < MAX_BLOB_SIZE,
        "the blob is {size} bytes, over the budget of {MAX_BLOB_SIZE}"
    );
}

#[test]
fn the_blob_imports_only_abi_host_functions() {
    let (imports, _) = imports_and_exports(blob());
    assert!(!imports.is_empty());
    for (module, field) in &imports {
        assert_eq!(module, "env", "{field} comes from another module");
        assert!(
            field.starts_with("ext_") && field.contains("_version_"),
            "{field} is not a host function of the ABI"
        );
    }
    for needed in [
        "ext_storage_read_version_1",
        "ext_crypto_sr25519_verify_version_1",
        "ext_misc_panic_version_1",
    ] {
        assert!(
            imports.iter().any(|(_, f)| f == needed),
            "{needed} is not imported"
        );
    }
}

#[test]
fn the_blob_exports_every_api_function_memory_and_the_allocator() {
    let (_, exports) = imports_and_exports(blob());
    for method in API_METHODS {
        assert!(
            exports.iter().any(|e| e == method),
            "{method} is not exported"
        );
    }
    assert!(exports.iter().any(|e| e == "memory"));
    assert!(exports.iter().any(|e| e == "cpc_alloc"));
}

#[test]
fn the_blob_links_no_std() {
    // Panic locations of std code would name std's sources; core and alloc are expected.
    let text = String::from_utf8_lossy(blob());
    assert!(
        !text.contains("library/std/"),
        "std's code is linked into the runtime"
    );
    assert!(!text.contains("std::"), "std symbols are in the runtime");
}

#[test]
fn no_dependency_enables_std_for_the_wasm_build() {
    // The same resolution the wasm builder uses: the runtime without default features.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(
            std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into()),
        )
        .args([
            "tree",
            "--package",
            "cpc-runtime",
            "--no-default-features",
            "--target",
            "wasm32-unknown-unknown",
            "--edges",
            "normal,features,no-proc-macro",
            "--prefix",
            "none",
            "--offline",
            "--locked",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    let with_std: Vec<&str> = tree
        .lines()
        .filter(|l| l.contains("feature \"std\""))
        .collect();
    assert!(
        with_std.is_empty(),
        "these enable std in the wasm build: {with_std:#?}"
    );
    assert!(
        tree.contains("cpc-pallet-balances"),
        "the tree lists the runtime's pallets"
    );
}
