//! Test support: a real IPFS node for tests that exercise the IPFS backend and the
//! content-addressed publishing flow. js-ipfs 0.66.1 (it serves Kubo's `/api/v0` HTTP RPC),
//! installed from npm under `tests/clients/js-ipfs` by `scripts/test.sh`, started offline on
//! 127.0.0.1 with a repository of the caller's.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// A running js-ipfs daemon; killed when dropped (it also stops when its stdin closes, should
/// the test process die first).
pub struct IpfsNode {
    child: Child,
    /// Its HTTP RPC, `http://127.0.0.1:PORT`.
    pub api: String,
}

impl Drop for IpfsNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts js-ipfs with its repository in `repo` and its API on a free loopback port, and waits
/// (at most 90 s) until it says it is ready.
///
/// # Panics
/// If js-ipfs is not installed or does not start: a test cannot go on without it.
pub fn start_ipfs(repo: &Path) -> IpfsNode {
    let client = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/clients/js-ipfs");
    assert!(
        Path::new(client).join("node_modules/ipfs").exists(),
        "js-ipfs is not installed: scripts/test.sh installs it (npm ci in {client})"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new("node")
        .current_dir(client)
        .arg("daemon.mjs")
        .arg(repo)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node (Node.js) runs");
    let stdout = child.stdout.take().expect("piped");
    let node = IpfsNode {
        child,
        api: format!("http://127.0.0.1:{port}"),
    };
    let (ready, said) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.trim() == "ready" {
                let _ = ready.send(());
            }
        }
    });
    said.recv_timeout(Duration::from_secs(90))
        .expect("js-ipfs started within 90 s");
    node
}
