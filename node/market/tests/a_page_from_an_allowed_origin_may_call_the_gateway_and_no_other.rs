//! Browsers ask before a page from another origin may call the gateway (a preflight `OPTIONS`
//! for its JSON, `PUT` and `Authorization` requests) and hide answers without CORS headers. A
//! configured origin (the node's web app) gets both; any other origin's preflight is refused,
//! and its requests' answers carry no CORS headers, so its page cannot read them. CORS changes
//! nothing for clients that are not browsers: a request is authenticated as before.

mod common;

use common::*;
use cpc_market::{gateway, store::LocalStore};
use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    sync::Arc,
    time::Duration,
};

const APP: &str = "http://127.0.0.1:9955";

/// The whole answer to `method path` sent with `headers`, as text (head and body).
fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply.to_ascii_lowercase()
}

fn status(reply: &str) -> u16 {
    reply["http/1.1 ".len().."http/1.1 ".len() + 3]
        .parse()
        .unwrap()
}

fn gateway(
    runtime: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    origins: &[&str],
) -> gateway::GatewayHandle {
    let view = Arc::new(MemoryView::default());
    view.products.lock().insert(0, product(&pair("Bob")));
    runtime
        .block_on(gateway::serve(
            gateway::GatewayConfig {
                cors_origins: origins.iter().map(|o| o.to_string()).collect(),
                ..config(&dir.join("gw"), Duration::from_secs(60), 1 << 20)
            },
            view,
            Box::new(LocalStore::open(dir.join("blobs")).unwrap()),
        ))
        .unwrap()
}

#[test]
fn the_apps_origin_is_answered_and_others_are_not() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let handle = gateway(&runtime, dir.path(), &[APP]);
    let addr = handle.addr;
    let preflight = |origin: &str, method: &str| {
        exchange(
            addr,
            "OPTIONS",
            "/products/0/blob",
            &[
                ("origin", origin),
                ("access-control-request-method", method),
                (
                    "access-control-request-headers",
                    "authorization, content-type",
                ),
            ],
            "",
        )
    };

    // The app's preflight for an upload: allowed, with what the routes need.
    let reply = preflight(APP, "PUT");
    assert_eq!(status(&reply), 204, "{reply}");
    assert!(
        reply.contains(&format!("access-control-allow-origin: {APP}")),
        "{reply}"
    );
    assert!(
        reply.contains("access-control-allow-methods: get, post, put"),
        "{reply}"
    );
    assert!(
        reply.contains("access-control-allow-headers: authorization, content-type"),
        "{reply}"
    );
    assert!(reply.contains("vary: origin"), "{reply}");
    // The origin is compared as browsers send it, whatever the case of its host.
    assert_eq!(status(&preflight("HTTP://127.0.0.1:9955", "GET")), 204);

    // Another origin, or another port of the same host: refused, no CORS header.
    for other in ["http://evil.example", "http://127.0.0.1:9956", "null"] {
        let reply = preflight(other, "PUT");
        assert_eq!(status(&reply), 403, "{other}: {reply}");
        assert!(
            !reply.contains("access-control-allow-origin"),
            "{other}: {reply}"
        );
    }
    // No origin at all (not a browser): nothing to allow.
    let reply = exchange(addr, "OPTIONS", "/health", &[], "");
    assert_eq!(status(&reply), 403, "{reply}");

    // Real requests: the app may read the answers, including a download's blob hash; another
    // origin's page gets the same answer without the headers that would let it read it.
    let reply = exchange(addr, "GET", "/health", &[("origin", APP)], "");
    assert_eq!(status(&reply), 200);
    assert!(
        reply.contains(&format!("access-control-allow-origin: {APP}")),
        "{reply}"
    );
    assert!(
        reply.contains("access-control-expose-headers: x-cpc-blob-hash, content-length"),
        "{reply}"
    );
    let reply = exchange(
        addr,
        "GET",
        "/health",
        &[("origin", "http://evil.example")],
        "",
    );
    assert_eq!(status(&reply), 200);
    assert!(!reply.contains("access-control-"), "{reply}");

    // CORS is no authentication: the app's origin without a token is still refused, and its
    // refusal readable by the app.
    let reply = exchange(addr, "PUT", "/products/0/blob", &[("origin", APP)], "x");
    assert_eq!(status(&reply), 401, "{reply}");
    assert!(
        reply.contains(&format!("access-control-allow-origin: {APP}")),
        "{reply}"
    );
    let body = br#"{"account":"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"}"#;
    let reply = exchange(
        addr,
        "POST",
        "/auth/challenge",
        &[("origin", APP), ("content-type", "application/json")],
        std::str::from_utf8(body).unwrap(),
    );
    assert_eq!(status(&reply), 200, "{reply}");
    assert!(reply.contains("\"nonce\""), "{reply}");
}

#[test]
fn a_gateway_open_to_every_origin_answers_any_page() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let handle = gateway(&runtime, dir.path(), &["*"]);
    let reply = exchange(
        handle.addr,
        "OPTIONS",
        "/auth/login",
        &[
            ("origin", "https://market.example"),
            ("access-control-request-method", "POST"),
        ],
        "",
    );
    assert_eq!(status(&reply), 204, "{reply}");
    assert!(
        reply.contains("access-control-allow-origin: https://market.example"),
        "{reply}"
    );
}

#[test]
fn a_gateway_without_origins_refuses_every_preflight() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let handle = gateway(&runtime, dir.path(), &[]);
    let reply = exchange(
        handle.addr,
        "OPTIONS",
        "/health",
        &[("origin", APP), ("access-control-request-method", "GET")],
        "",
    );
    assert_eq!(status(&reply), 403, "{reply}");
}
