//! A node killed with SIGKILL while importing blocks, twenty times over, always reopens its
//! database, and the state it serves for its best block has exactly the root of that block's
//! header; the import then carries on to the end of the chain.

mod common;

use common::*;
use cpc_runtime_test_utils::account;
use serde_json::json;
use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// Produces a chain of blocks full of transfers and exports it; returns the file and the
/// number of blocks.
fn produce_chain(dir: &std::path::Path, spec: &str) -> (std::path::PathBuf, u32) {
    let base = dir.join("producer");
    let node = Node::start(
        &[
            "--chain",
            spec,
            "--validator",
            "--base-path",
            base.to_str().unwrap(),
            "--pool-limit",
            "20000",
        ],
        &dir.join("producer.log"),
    );
    let genesis = genesis_hash(&node);
    let senders = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];
    let recipient = account("Ferdie");
    let started = Instant::now();
    let mut nonce = 0u32;
    // Eight seconds of transfers, and on until 24 blocks exist however slowly blocks come.
    while started.elapsed() < Duration::from_secs(8) || node.best_number() < 24 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "24 blocks took over two minutes"
        );
        for sender in &senders[..5] {
            let xt = signed_transfer(
                genesis,
                sender,
                nonce,
                &recipient,
                1_000_000_000 + u128::from(nonce),
            );
            node.rpc("author_submitExtrinsic", json!([xt]));
        }
        nonce += 1;
    }
    std::thread::sleep(Duration::from_millis(600));
    let blocks = node.best_number();
    assert!(node.stop().success());
    let file = dir.join("chain.blocks");
    // The node may have authored one more block before it stopped: export exactly `blocks`.
    let (ok, _, stderr) = run(&[
        "export-blocks",
        "--chain",
        spec,
        "--base-path",
        base.to_str().unwrap(),
        "--to",
        &blocks.to_string(),
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    (file, blocks)
}

#[test]
fn sigkill_during_import_never_corrupts_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_with_period(dir.path(), "killtest", 250);
    let spec = spec.to_str().unwrap();
    let (file, blocks) = produce_chain(dir.path(), spec);
    assert!(blocks >= 20, "only {blocks} blocks were produced");

    let base_dir = dir.path().join("importer");
    let base = base_dir.to_str().unwrap();
    for round in 0..20u32 {
        let _ = std::fs::remove_dir_all(&base_dir);
        let mut import = Command::new(binary())
            .args([
                "import-blocks",
                "--chain",
                spec,
                "--execution",
                "both",
                "--log",
                "import=debug",
            ])
            .args(["--base-path", base, file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Kill right after block `target` is in: the importer is then executing or committing
        // the next one. Each round picks another block.
        let target = 1 + round % (blocks - 2);
        let marker = format!("imported #{target} ");
        let stderr = BufReader::new(import.stderr.take().unwrap());
        let mut seen = false;
        for line in stderr.lines() {
            if line.map(|l| l.contains(&marker)).unwrap_or(false) {
                seen = true;
                break;
            }
        }
        // A few milliseconds more or less move the kill between executing and committing.
        std::thread::sleep(Duration::from_millis(u64::from(round % 5) * 3));
        let _ = import.kill();
        let _ = import.wait();
        assert!(
            seen,
            "round {round}: the importer never reported block #{target}"
        );

        let node = Node::start(
            &["--chain", spec, "--base-path", base],
            &dir.path().join(format!("check{round}.log")),
        );
        let best = node.best_number();
        eprintln!("round {round}: killed after block #{target}, restarted at #{best} of {blocks}");
        assert!(
            best >= target && best < blocks,
            "round {round}: the kill landed during the import"
        );
        let (claimed, computed) = best_state_roots(&node);
        assert_eq!(
            claimed, computed,
            "round {round}: the state of block #{best} does not match its header"
        );
        assert!(node.stop().success());
    }

    // The import completes from wherever the last kill left it.
    let (ok, _, stderr) = run(&[
        "import-blocks",
        "--chain",
        spec,
        "--base-path",
        base,
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let node = Node::start(
        &["--chain", spec, "--base-path", base],
        &dir.path().join("final.log"),
    );
    assert_eq!(node.best_number(), blocks);
    let (claimed, computed) = best_state_roots(&node);
    assert_eq!(claimed, computed);
}
