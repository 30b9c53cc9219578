//! A disk that fills under a running node or under `import-blocks` stops the process with an
//! error saying so (exit status 1, never an abort), keeps every block written before, and the
//! node restarted with room carries on: the serving node from the block it had finalized, the
//! import from where it stopped.
//!
//! The full disk is the process's file size limit (`RLIMIT_FSIZE`, with SIGXFSZ ignored): a
//! write past it fails with EFBIG, the same failed write RocksDB gets from a full disk
//! (ENOSPC), without a filesystem to mount. A limit is per file, though, and a real full disk
//! fails every file at once, RocksDB's own log included (whose next line aborted Debian's
//! RocksDB); so the import also runs on a small tmpfs, mounted in a user and mount namespace
//! of its own (`unshare -rm`, no root needed).

mod common;

use common::*;
use std::{
    os::unix::process::{CommandExt, ExitStatusExt},
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// Makes every file `command`'s process writes stop at `bytes`.
fn limit_file_size(command: &mut Command, bytes: u64) {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn wait_for_exit(node: &mut Node, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = node.child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "the node still runs after {limit:?} under a full disk; log:\n{}",
        node.log_text()
    );
}

fn assert_stopped_with_an_error(status: std::process::ExitStatus, output: &str) {
    assert_eq!(
        status.code(),
        Some(1),
        "expected exit status 1, got {status:?} (signal {:?}):\n{output}",
        status.signal()
    );
    assert!(
        output.contains("File too large"),
        "the error does not say why:\n{output}"
    );
    assert!(!output.contains("Assertion"), "{output}");
}

/// Runs the dev node of `spec` in `base` until the disk "fills" and it stops; restarts it with
/// room, and checks it came back with every block it had served and goes on.
fn run_until_the_disk_fills(dir: &Path, spec: &str, base: &str) {
    // The database is made with room (genesis holds the runtime, over a megabyte).
    let node = Node::start(
        &["--chain", spec, "--validator", "--base-path", base],
        &dir.join("first.log"),
    );
    node.wait_for_block(2, Duration::from_secs(60));
    assert!(node.stop().success());

    let mut command = Command::new(binary());
    command.args(["--chain", spec, "--validator", "--base-path", base]);
    limit_file_size(&mut command, 1024 * 1024);
    let mut node = Node::spawn(command, &dir.join("full.log"));
    let mut finalized = 0;
    while node.child.try_wait().unwrap().is_none() {
        if let Ok(header) = node.try_rpc("chain_getHeader", serde_json::json!([])) {
            finalized = number(&header);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = wait_for_exit(&mut node, Duration::from_secs(180));
    let log = node.log_text();
    assert_stopped_with_an_error(status, &log);
    assert!(log.contains("the database stopped taking writes"), "{log}");
    assert!(
        finalized > 2,
        "no block was made before the disk filled:\n{log}"
    );
    drop(node);

    let node = Node::start(
        &["--chain", spec, "--validator", "--base-path", base],
        &dir.join("after.log"),
    );
    let best = node.best_number();
    assert!(
        best >= finalized,
        "block #{finalized} was served as final before the disk filled; the node came back at #{best}"
    );
    let (claimed, computed) = best_state_roots(&node);
    assert_eq!(
        claimed, computed,
        "the state of #{best} does not match its header"
    );
    node.wait_for_block(best + 3, Duration::from_secs(60));
    assert!(node.stop().success());
}

#[test]
fn a_full_disk_stops_the_node_and_the_import_and_both_carry_on_with_room() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_with_period(dir.path(), "fulldisk", 50);
    let spec = spec.to_str().unwrap();
    let producer = dir.path().join("producer");
    let producer = producer.to_str().unwrap();
    run_until_the_disk_fills(dir.path(), spec, producer);

    // The chain the node made, exported whole and as a short prefix.
    let export = |base: &str, to: Option<u32>, file: &Path| {
        let mut args = vec!["export-blocks", "--chain", spec, "--base-path", base];
        let to = to.map(|n| n.to_string());
        if let Some(to) = &to {
            args.extend(["--to", to]);
        }
        args.push(file.to_str().unwrap());
        let (ok, _, stderr) = run(&args);
        assert!(ok, "{stderr}");
    };
    let whole = dir.path().join("chain.blocks");
    let prefix = dir.path().join("prefix.blocks");
    export(producer, None, &whole);
    export(producer, Some(3), &prefix);

    let importer = dir.path().join("importer");
    let importer = importer.to_str().unwrap();
    let import = |file: &Path, limit: Option<u64>| {
        let mut command = Command::new(binary());
        command
            .args(["import-blocks", "--chain", spec, "--base-path", importer])
            .arg(file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(limit) = limit {
            limit_file_size(&mut command, limit);
        }
        let output = command.output().unwrap();
        (
            output.status,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (status, stderr) = import(&prefix, None);
    assert!(status.success(), "{stderr}");
    let (status, stderr) = import(&whole, Some(256 * 1024));
    assert_stopped_with_an_error(status, &stderr);

    // With room, the import finishes what it had started.
    let (status, stderr) = import(&whole, None);
    assert!(status.success(), "{stderr}");
    let skipped: u64 = stderr
        .split(" blocks (")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no summary line:\n{stderr}"));
    assert!(
        skipped > 3,
        "the import kept nothing from before the disk filled:\n{stderr}"
    );
    // It holds the chain exactly: its export is the producer's, byte for byte.
    let again = dir.path().join("again.blocks");
    export(importer, None, &again);
    assert!(
        std::fs::read(&whole).unwrap() == std::fs::read(&again).unwrap(),
        "the imported chain differs from the exported one"
    );

    // A real full disk: 2 MiB of tmpfs holds genesis (the runtime is over a megabyte) and not
    // the chain. What the import wrote is copied out before the namespace goes.
    if !Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("SKIPPED the tmpfs case: `unshare -rm` (user namespaces) is not allowed here");
        return;
    }
    let mount = dir.path().join("small-disk");
    let kept = dir.path().join("kept");
    std::fs::create_dir_all(&mount).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=2048k tmpfs '{mount}' || exit 99; \
         '{bin}' import-blocks --chain '{spec}' --base-path '{mount}/db' '{file}'; status=$?; \
         cp -a '{mount}/db' '{kept}'; exit $status",
        mount = mount.display(),
        bin = binary(),
        file = whole.display(),
        kept = kept.display(),
    );
    let output = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(99), "no tmpfs: {stderr}");
    assert_eq!(
        output.status.code(),
        Some(1),
        "on a full disk: {:?} (signal {:?}):\n{stderr}",
        output.status,
        output.status.signal()
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    let kept = kept.to_str().unwrap();
    let (status, stderr) = {
        let output = Command::new(binary())
            .args(["import-blocks", "--chain", spec, "--base-path", kept])
            .arg(&whole)
            .output()
            .unwrap();
        (
            output.status,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    assert!(status.success(), "{stderr}");
    let again = dir.path().join("after-tmpfs.blocks");
    export(kept, None, &again);
    assert!(
        std::fs::read(&whole).unwrap() == std::fs::read(&again).unwrap(),
        "the chain imported after the full disk differs from the exported one"
    );
}
