//! JSON-RPC and storage-gateway targets against a real node: a `--dev` node (block authoring,
//! RocksDB in a temporary directory, the RPC server with all its middleware, the gateway)
//! runs in this process, started on first use, and each input is one HTTP request to it over
//! loopback. A panic anywhere in the node aborts the process (libFuzzer's panic hook; the
//! smoke test records panics of every thread), and an answer of 500 or above is a bug: the
//! node must refuse bad input with a client error.
//!
//! The node's state moves on between inputs (it authors blocks, inputs submit transactions),
//! so a crash may need the inputs before it to reproduce: libFuzzer keeps them in its log.

use crate::Reader;
use clap::Parser;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The node's command line, as the `cpchain` binary parses it.
#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    run: cpc_service::args::RunArgs,
}

struct Node {
    rpc: SocketAddr,
    gateway: SocketAddr,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn node() -> &'static Node {
    static NODE: OnceLock<Node> = OnceLock::new();
    NODE.get_or_init(|| {
        // Kept for the life of the process, which the node's thread shares.
        let dir = tempfile::tempdir().expect("a temporary directory").keep();
        let (p2p, rpc, gateway) = (free_port(), free_port(), free_port());
        let args = [
            "cpchain".to_string(),
            "--dev".into(),
            "--base-path".into(),
            dir.display().to_string(),
            "--port".into(),
            p2p.to_string(),
            "--listen-addr".into(),
            format!("/ip4/127.0.0.1/tcp/{p2p}"),
            "--no-mdns".into(),
            "--rpc-port".into(),
            rpc.to_string(),
            "--gateway-port".into(),
            gateway.to_string(),
            // Their fixed ports (9615, and 9955 for `--dev`'s web app) would make two fuzzed
            // nodes (or a local node) collide.
            "--no-prometheus".into(),
            "--no-ui".into(),
        ];
        let cli = Cli::parse_from(args);
        std::thread::Builder::new()
            .name("fuzzed-node".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("a tokio runtime");
                if let Err(e) = runtime.block_on(cpc_service::service::run(cli.run)) {
                    panic!("the fuzzed node stopped: {e}");
                }
            })
            .expect("a thread for the node");
        let node = Node {
            rpc: SocketAddr::from(([127, 0, 0, 1], rpc)),
            gateway: SocketAddr::from(([127, 0, 0, 1], gateway)),
        };
        let health = br#"{"jsonrpc":"2.0","id":1,"method":"system_health","params":[]}"#;
        let deadline = Instant::now() + Duration::from_secs(120);
        while exchange(node.rpc, &post(health)) != Some(200) {
            assert!(
                Instant::now() < deadline,
                "the fuzzed node did not start serving RPC"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        node
    })
}

fn post(body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// Sends `request` and returns the answer's status, or `None` without an answer.
fn exchange(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream.write_all(request).ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    // Drain the rest (bounded), so the server is never left writing to a closed socket.
    let _ = std::io::copy(&mut stream.take(64 << 20), &mut std::io::sink());
    let text = std::str::from_utf8(&head).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// One JSON-RPC request (or batch): the input is the HTTP body.
pub fn rpc(data: &[u8]) {
    let node = node();
    let answer = exchange(node.rpc, &post(data));
    if let Some(status) = answer {
        assert!(
            status < 500,
            "the RPC server answered {status} to {:?}",
            String::from_utf8_lossy(data)
        );
    }
}

/// Request headers the target writes itself: letting the input set them would only make the
/// request wait for bytes that never come.
const FRAMING: [&str; 4] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "expect",
];
const METHODS: [&str; 6] = ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS"];

/// One gateway request: method, path, headers and body come from the input; the framing
/// (`Content-Length`, `Connection: close`) is always right, so every request is complete.
pub fn gateway(data: &[u8]) {
    let mut input = Reader::new(data);
    let method = METHODS[usize::from(input.u8()) % METHODS.len()];
    let path_len = usize::from(input.u8());
    let path = String::from_utf8_lossy(input.bytes(path_len)).replace(['\r', '\n', ' '], "");
    let mut request = format!("{method} /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for _ in 0..input.u8() % 6 {
        let len = usize::from(input.u8());
        let line = String::from_utf8_lossy(input.bytes(len)).replace(['\r', '\n'], "");
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if FRAMING.contains(&name.trim().to_ascii_lowercase().as_str()) {
            continue;
        }
        request.push_str(&format!("{name}:{value}\r\n"));
    }
    let body = input.rest().to_vec();
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut request = request.into_bytes();
    request.extend_from_slice(&body);
    let answer = exchange(node().gateway, &request);
    if let Some(status) = answer {
        assert!(
            status < 500,
            "the gateway answered {status} to {:?}",
            String::from_utf8_lossy(&request)
        );
    }
}
