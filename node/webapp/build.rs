//! Builds the table of the app's files (`app/`): each path with its content type and bytes,
//! included in the binary so that a node serves the app with nothing beside it on disk. No
//! bundler or download: the files are served as written. The page's cryptography
//! (`crypto/`, the `cpc-webapp-crypto` crate) is compiled to wasm here, the way the runtime
//! is, and served as `/crypto.wasm`.

use std::{
    env, fs,
    path::{Path, PathBuf},
};

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("wasm") => "application/wasm",
        Some("txt") => "text/plain; charset=utf-8",
        other => panic!(
            "no content type for {} ({other:?}): add one",
            path.display()
        ),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else if !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            out.push(path);
        }
    }
}

fn main() {
    cpc_wasm_builder::build_variant("cpc-webapp-crypto", &[], "CRYPTO_WASM");
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("app");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut table = String::from(
        "/// Every file of `app/`, by the path it is served at.\npub static ASSETS: &[Asset] = &[\n",
    );
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let served = file
            .strip_prefix(&root)
            .expect("under app/")
            .to_str()
            .expect("app/ file names are UTF-8")
            .replace('\\', "/");
        table += &format!(
            "    Asset {{ path: {:?}, content_type: {:?}, body: include_bytes!({:?}) }},\n",
            format!("/{served}"),
            content_type(file),
            file.display().to_string(),
        );
    }
    table += "];\n";
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("assets.rs");
    fs::write(out, table).expect("writing the asset table");
}
