//! A node whose open-file limit is the common 1024 serves a storage gateway; 2,000 idle
//! connections to the gateway, first from one address and then from a hundred, leave its RPC
//! answering, its blocks finalizing and its descriptors bounded, and the gateway keeps serving
//! other clients.

mod common;

use common::*;
use serde_json::json;
use std::{
    net::{SocketAddr, TcpStream},
    process::Command,
    time::Duration,
};

const IDLE: usize = 2_000;

fn raise_own_fd_limit(wanted: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on a struct owned by this frame.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = wanted.min(limit.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
    limit.rlim_cur
}

fn open_fds(node: &Node) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", node.child.id()))
        .map(|dir| dir.count())
        .unwrap_or(0)
}

/// Opens `count` connections to `port` from loopback address `127.0.0.{source}` (every
/// 127/8 address is this machine's).
fn connect_from(source: u8, port: u16, count: usize) -> Vec<TcpStream> {
    (0..count)
        .filter_map(|_| {
            let socket = socket_bound_to([127, 0, 0, source])?;
            let target: SocketAddr = ([127, 0, 0, 1], port).into();
            socket
                .connect_timeout(&target.into(), Duration::from_millis(200))
                .ok()?;
            Some(socket.into())
        })
        .collect()
}

/// A TCP socket bound to `ip` (any port), through `socket2`'s std conversions.
fn socket_bound_to(ip: [u8; 4]) -> Option<socket2::Socket> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).ok()?;
    let source: SocketAddr = (ip, 0).into();
    socket.bind(&source.into()).ok()?;
    Some(socket)
}

fn gateway_port(node: &Node) -> u16 {
    let mut port = None;
    wait_until("the gateway to listen", Duration::from_secs(30), || {
        port = node
            .log_text()
            .lines()
            .find_map(|l| l.split("Storage gateway on http://").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|addr| addr.rsplit(':').next())
            .and_then(|p| p.parse().ok());
        port.is_some()
    });
    port.unwrap()
}

fn rpc_and_import_work(node: &Node) {
    let health = node.rpc("system_health", json!([]));
    assert!(health["peers"].is_number(), "{health}");
    let finalized = finalized_number(node);
    wait_until("finality to advance", Duration::from_secs(30), || {
        finalized_number(node) > finalized
    });
}

#[test]
fn thousands_of_idle_connections_leave_rpc_import_and_the_gateway_working() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let mut command = Command::new("sh");
    command
        .args(["-c", r#"ulimit -n 1024 && exec "$0" "$@""#, binary()])
        .args(["--dev", "--gateway-port", "0", "--base-path"])
        .arg(&base);
    let node = Node::spawn(command, &dir.path().join("node.log"));
    node.wait_for_block(1, Duration::from_secs(60));
    let port = gateway_port(&node);
    let baseline = open_fds(&node);

    // The test itself needs the descriptors for its side of the connections.
    let own = raise_own_fd_limit(IDLE as u64 + 512);
    let idle = IDLE.min(own.saturating_sub(256) as usize);
    assert!(
        idle >= 1_200,
        "the test could raise its own limit to {own} only"
    );

    // From one address (not the one the test's own requests come from): all but its share
    // are closed at once.
    let held = connect_from(3, port, idle);
    std::thread::sleep(Duration::from_secs(1));
    let fds = open_fds(&node);
    eprintln!(
        "{} connections from one address: the node holds {fds} descriptors (idle {baseline})",
        held.len()
    );
    assert!(
        fds <= baseline + 32,
        "{fds} descriptors, {baseline} at rest"
    );
    rpc_and_import_work(&node);
    let (status, body) = http_get(port, "/health").expect("the gateway answers another client");
    assert_eq!(status, 200, "{body}");
    drop(held);

    // From a hundred addresses, 600 in all: the gateway stops accepting at its ceiling; the
    // kernel's backlog holds the rest.
    let held: Vec<TcpStream> = (4..104u8)
        .flat_map(|source| connect_from(source, port, 6))
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let fds = open_fds(&node);
    eprintln!(
        "{} connections from 100 addresses: the node holds {fds} descriptors",
        held.len()
    );
    // 256 is the gateway's ceiling under a limit of 1024 files.
    assert!(
        fds <= baseline + 256 + 16,
        "{fds} descriptors, {baseline} at rest"
    );
    rpc_and_import_work(&node);
    drop(held);

    // Once they are gone the gateway serves again without a restart.
    wait_until(
        "the gateway to answer again",
        Duration::from_secs(60),
        || http_get(port, "/health").is_ok_and(|(status, _)| status == 200),
    );
    node.stop();
}
