//! Random requests to every gateway route (any method, path segments from the routes and
//! garbage, bearer tokens real and forged, bodies JSON and not) and random bytes on the socket
//! get an answer below 500 (503 only where documented: a full login table), never a crash;
//! the gateway still serves a real login afterwards.

mod common;

use common::*;
use cpc_market::{client::GatewayClient, gateway, store::LocalStore};
use proptest::prelude::*;
use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    sync::Arc,
    time::Duration,
};

const SEGMENTS: &[&str] = &[
    "products",
    "0",
    "1",
    "999999999999999999999",
    "-1",
    "blob",
    "keys",
    "auth",
    "challenge",
    "login",
    "health",
    "..",
    "%00",
    "",
];

fn request_strategy() -> impl Strategy<Value = (String, Vec<String>, Option<String>, Vec<u8>, bool)>
{
    (
        prop::sample::select(vec![
            "GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "BREW",
        ]),
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(SEGMENTS.to_vec()).prop_map(String::from),
                "[a-zA-Z0-9_.~-]{0,70}",
                Just(account(&pair("Bob")).to_string()),
            ],
            0..5,
        ),
        prop_oneof![
            Just(None),
            "[0-9a-f]{64}".prop_map(|t| Some(format!("Bearer {t}"))),
            "[ -~]{0,80}".prop_map(Some),
        ],
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..512),
            Just(br#"{"account":"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"}"#.to_vec()),
            Just(br#"{"account":1,"nonce":[],"signature":null,"audience":"gw"}"#.to_vec()),
        ],
        any::<bool>(),
    )
        .prop_map(|(method, path, auth, body, with_query)| {
            (method.to_string(), path, auth, body, with_query)
        })
}

/// Sends `raw` and returns the status of the answer, or `None` if the gateway closed the
/// connection without one (what it does with bytes that are not HTTP).
fn exchange(addr: SocketAddr, raw: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(raw);
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let text = String::from_utf8_lossy(&reply);
    text.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
}

fn gateway(runtime: &tokio::runtime::Runtime, dir: &std::path::Path) -> gateway::GatewayHandle {
    let view = Arc::new(MemoryView::default());
    view.products.lock().insert(0, product(&pair("Bob")));
    runtime.block_on(start(
        dir,
        view,
        Box::new(LocalStore::open(dir.join("blobs")).unwrap()),
        Duration::from_secs(60),
        1 << 16,
    ))
}

#[test]
fn random_requests_get_answers_below_500() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let handle = gateway(&runtime, dir.path());
    let addr = handle.addr;

    let answered = std::sync::atomic::AtomicUsize::new(0);
    let config = ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |((method, path, auth, body, with_query) in request_strategy())| {
        let mut target = format!("/{}", path.join("/"));
        if with_query {
            target.push_str("?order=abc&order=1");
        }
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        if let Some(auth) = &auth {
            head.push_str(&format!("authorization: {auth}\r\n"));
        }
        head.push_str("\r\n");
        let mut raw = head.into_bytes();
        raw.extend_from_slice(&body);
        let status = exchange(addr, &raw);
        // A path with bytes HTTP forbids may be closed without an answer; anything answered
        // is below 500.
        if let Some(status) = status {
            answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            prop_assert!(status < 500, "{method} {target}: {status}");
        }
    });

    proptest!(config, |(raw in prop::collection::vec(any::<u8>(), 0..2048))| {
        if let Some(status) = exchange(addr, &raw) {
            prop_assert!(status < 500, "{status} for {} random bytes", raw.len());
        }
    });

    let answered = answered.into_inner();
    eprintln!("{answered} of the 300 well-formed random requests got an HTTP answer");
    assert!(answered > 250, "the requests reached the routes");

    // Still serving.
    runtime.block_on(async {
        let mut client = GatewayClient::new(&format!("http://{addr}")).unwrap();
        client
            .login(&pair("Bob"), &cpc_primitives::H256([7; 32]))
            .await
            .expect("a real login after the noise");
    });
}
