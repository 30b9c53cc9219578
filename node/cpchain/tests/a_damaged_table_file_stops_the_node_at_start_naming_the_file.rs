//! A table file of the database damaged while the node was stopped (a flipped run of bytes, as
//! a failing disk leaves) makes the node refuse to start, with an error naming the file; so do
//! the offline commands. `--skip-table-check` starts it anyway, and once the file is restored
//! the node starts and serves its chain as before.

mod common;

use common::*;
use std::{path::PathBuf, process::Command, time::Duration};

#[test]
fn a_damaged_table_file_stops_the_node_at_start_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_with_period(dir.path(), "damaged", 50);
    let spec = spec.to_str().unwrap();
    let base = dir.path().join("node");
    let base_arg = base.to_str().unwrap();
    let node = Node::start(
        &["--chain", spec, "--validator", "--base-path", base_arg],
        &dir.path().join("first.log"),
    );
    node.wait_for_block(20, Duration::from_secs(60));
    assert!(node.stop().success());

    // A clean stop leaves everything in table files; the largest holds the runtime's state.
    let mut tables: Vec<PathBuf> = walk(&base)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .collect();
    tables.sort_by_key(|p| std::fs::metadata(p).unwrap().len());
    let victim = tables.pop().expect("table files after a clean stop");
    let original = std::fs::read(&victim).unwrap();
    let mut damaged = original.clone();
    let middle = damaged.len() / 2;
    for b in &mut damaged[middle..middle + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&victim, &damaged).unwrap();
    let name = victim.file_name().unwrap().to_str().unwrap();

    let output = Command::new(binary())
        .args(["--chain", spec, "--validator", "--base-path", base_arg])
        .args(["--rpc-port", "0", "--prometheus-port", "0", "--no-mdns"])
        .args(["--listen-addr", "/ip4/127.0.0.1/tcp/0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(name) && stderr.contains("Corruption"),
        "the error does not name {name}:\n{stderr}"
    );
    let (ok, _, stderr) = run(&[
        "export-blocks",
        "--chain",
        spec,
        "--base-path",
        base_arg,
        dir.path().join("out.blocks").to_str().unwrap(),
    ]);
    assert!(!ok && stderr.contains(name), "{stderr}");

    // The operator may choose to run on it: reads through the damage fail, never lie.
    let node = Node::start(
        &[
            "--chain",
            spec,
            "--base-path",
            base_arg,
            "--skip-table-check",
        ],
        &dir.path().join("skipped.log"),
    );
    assert!(node.best_number() >= 20);
    assert!(node.stop().success());

    std::fs::write(&victim, &original).unwrap();
    let node = Node::start(
        &["--chain", spec, "--validator", "--base-path", base_arg],
        &dir.path().join("repaired.log"),
    );
    let (claimed, computed) = best_state_roots(&node);
    assert_eq!(claimed, computed);
    node.wait_for_block(node.best_number() + 2, Duration::from_secs(60));
    assert!(node.stop().success());
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
