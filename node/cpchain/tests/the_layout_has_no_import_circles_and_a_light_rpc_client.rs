//! The workspace keeps the layout `docs/architecture.md` describes: no module of any crate
//! imports a sibling module that imports it back (directly or around a longer circle), and the
//! RPC client library links none of the node service (no database, executor, client, network,
//! RocksDB, wasmtime or libp2p), so a wallet builds without them.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
};

fn repository() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into()))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`None` for the crate root).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// `line` without its `//` comment (a `//` inside a string such as `"http://"` is kept: a
/// comment starts the line or follows white space).
fn without_comment(line: &str) -> &str {
    let mut from = 0;
    while let Some(at) = line[from..].find("//") {
        let at = from + at;
        if at == 0 || line[..at].ends_with(char::is_whitespace) {
            return &line[..at];
        }
        from = at + 2;
    }
    line
}

/// The top-level names of a `use` group's body `a, b::{c, d}, e}` (nested groups skipped).
fn group_heads(group: &str) -> Vec<&str> {
    let (mut heads, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                heads.push(&group[start..i]);
                return heads;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    heads.push(&group[start..]);
    heads
}

/// The sibling modules `text` names through `crate::<module>`, comments left out.
fn crate_references(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(without_comment)
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        // `crate::{a, b::{c, d}, e}` names several.
        let names = match rest.strip_prefix('{') {
            Some(group) => group_heads(group),
            None => vec![rest],
        };
        for name in names {
            let ident: String = name
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !ident.is_empty() {
                found.insert(ident);
            }
        }
    }
    found
}

/// A circle among the top-level modules of the crate at `src`, if any.
fn circle_in(src: &Path) -> Option<Vec<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(src, file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        graph
            .entry(module.clone())
            .or_default()
            .extend(crate_references(&text).into_iter().filter(|m| *m != module));
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for edges in graph.values_mut() {
        edges.retain(|m| modules.contains(m));
    }
    // Depth-first search for a back edge.
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut circle = path[at..].to_vec();
            circle.push(module.to_string());
            return Some(circle);
        }
        if !done.insert(module.to_string()) {
            return None;
        }
        path.push(module.to_string());
        for next in &graph[module] {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(circle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            return Some(circle);
        }
    }
    None
}

#[test]
fn no_crate_has_an_import_circle() {
    let root = repository();
    let mut checked = 0;
    for group in ["primitives", "pallets", "runtime", "node", "benches"] {
        let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join(group))
            .unwrap()
            .flatten()
            .map(|e| e.path().join("src"))
            .filter(|src| src.is_dir())
            .collect();
        if root.join(group).join("src").is_dir() {
            crates.push(root.join(group).join("src"));
        }
        for src in crates {
            checked += 1;
            assert_eq!(
                circle_in(&src),
                None,
                "an import circle in {}",
                src.display()
            );
        }
    }
    assert!(checked > 25, "only {checked} crates found");
}

#[test]
fn the_circle_check_finds_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), "mod a; mod b; mod c;").unwrap();
    std::fs::write(dir.path().join("a.rs"), "use crate::b::B;").unwrap();
    std::fs::write(dir.path().join("b.rs"), "use crate::{c::C, x};").unwrap();
    std::fs::write(dir.path().join("c.rs"), "// crate::b\nuse crate::a::A;").unwrap();
    let circle = circle_in(dir.path()).expect("a -> b -> c -> a");
    assert_eq!(circle, ["a", "b", "c", "a"]);
    std::fs::write(dir.path().join("c.rs"), "// use crate::a::A;").unwrap();
    assert_eq!(circle_in(dir.path()), None);
    // A module after a nested group, and code after a URL in a string, still count.
    std::fs::write(dir.path().join("c.rs"), "use crate::{b::{X, Y}, a};").unwrap();
    assert!(circle_in(dir.path()).is_some());
    std::fs::write(
        dir.path().join("c.rs"),
        "const U: &str = \"http://x\"; use crate::a;",
    )
    .unwrap();
    assert!(circle_in(dir.path()).is_some());
}

#[test]
fn the_rpc_client_links_none_of_the_node_service() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(repository())
        .args([
            "tree",
            "-p",
            "cpc-rpc-client",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["--locked", "--offline"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    let crates: BTreeSet<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(crates.contains("cpc-rpc-client"), "{tree}");
    for node_only in [
        "cpc-service",
        "cpc-client",
        "cpc-db",
        "cpc-executor",
        "cpc-network",
        "cpc-txpool",
        "cpc-rpc",
        "rocksdb",
        "wasmtime",
        "libp2p",
    ] {
        assert!(
            !crates.contains(node_only),
            "cpc-rpc-client links {node_only}"
        );
    }
}
