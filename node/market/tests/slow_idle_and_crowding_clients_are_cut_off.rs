//! The gateway bounds its connections: a client that sends half a header, idles on a
//! keep-alive connection or stalls an upload is disconnected, its staging file removed; an
//! address past its share of connections is closed at once, and other clients are served
//! throughout.

mod common;

use common::*;
use cpc_market::{
    client::GatewayClient,
    crypto::{self, ContentKey},
    gateway::{self, ConnectionLimits, GatewayConfig},
    store::LocalStore,
};
use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::Arc,
    time::Duration,
};

async fn gateway(dir: &std::path::Path, timeouts: Duration) -> gateway::GatewayHandle {
    let view = Arc::new(MemoryView::default());
    view.products.lock().insert(0, product(&pair("Bob")));
    gateway::serve(
        GatewayConfig {
            connections: ConnectionLimits {
                max: 8,
                per_ip: 3,
                header_timeout: timeouts,
                idle_timeout: timeouts,
            },
            ..config(&dir.join("gw"), Duration::from_secs(60), 1 << 20)
        },
        view,
        Box::new(LocalStore::open(dir.join("blobs")).unwrap()),
    )
    .await
    .unwrap()
}

/// Reads until the server closes the connection; `true` if it did within `wait`.
fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

/// The gateway's answer to `GET /health`, or what arrived of it before the gateway closed the
/// connection (nothing, for a connection past the address's share).
fn health(addr: std::net::SocketAddr) -> String {
    let mut reply = String::new();
    if let Ok(mut stream) = TcpStream::connect(addr)
        && stream
            .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .is_ok()
    {
        let _ = stream.read_to_string(&mut reply);
    }
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_and_crowding_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let handle = gateway(dir.path(), Duration::from_millis(300)).await;
    let addr = handle.addr;
    let staging = dir.path().join("gw").join("staging");
    let mut seller = GatewayClient::new(&format!("http://{addr}")).unwrap();
    seller
        .login(&pair("Bob"), &cpc_primitives::H256([7; 32]))
        .await
        .unwrap();
    let token = seller.token().unwrap().to_string();
    let blob = crypto::encrypt(&ContentKey::random(), &[1u8; 50_000], 4096);

    tokio::task::spawn_blocking(move || {
        // Half a header, then nothing.
        let mut slow = TcpStream::connect(addr).unwrap();
        slow.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n")
            .unwrap();
        assert!(closed_within(&mut slow, Duration::from_secs(20)), "a half-sent header is cut off");

        // A keep-alive connection left idle after its request.
        let mut idle = TcpStream::connect(addr).unwrap();
        idle.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            .unwrap();
        assert!(
            closed_within(&mut idle, Duration::from_secs(20)),
            "an idle keep-alive connection is closed"
        );

        // The seller's upload that stalls after its first kilobytes: cut off, and its staging
        // file (there while it was receiving) removed.
        let mut stalled = TcpStream::connect(addr).unwrap();
        let head = format!(
            "PUT /products/0/blob HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\ncontent-length: {}\r\n\r\n",
            blob.len()
        );
        stalled.write_all(head.as_bytes()).unwrap();
        stalled.write_all(&blob[..8192]).unwrap();
        // A byte every 20 ms keeps the upload alive until its staging file is seen, however
        // late this thread runs; then it stalls.
        let receiving = (0..200).any(|i| {
            std::thread::sleep(Duration::from_millis(20));
            if std::fs::read_dir(&staging).unwrap().count() == 1 {
                return true;
            }
            stalled.write_all(&blob[8192 + i..8193 + i]).is_ok()
                && std::fs::read_dir(&staging).unwrap().count() == 1
        });
        assert!(receiving, "the upload was being staged");
        assert!(closed_within(&mut stalled, Duration::from_secs(20)));
        assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0);

    })
    .await
    .unwrap();
    drop(handle);

    // On a gateway whose timeouts are a minute (so they cannot be what closes anything here):
    // three held connections are this address's share; a fourth is closed at once while the
    // three stay open, and the gateway answers again once they go.
    let patient = gateway(&dir.path().join("patient"), Duration::from_secs(60)).await;
    let addr = patient.addr;
    tokio::task::spawn_blocking(move || {
        let held: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(100));
        let mut extra = TcpStream::connect(addr).unwrap();
        assert!(
            closed_within(&mut extra, Duration::from_secs(5)),
            "past its share, closed well before any timeout"
        );
        for mut open in &held {
            open.set_nonblocking(true).unwrap();
            let mut buf = [0u8; 1];
            let still = matches!(
                open.read(&mut buf),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
            );
            assert!(still, "a held connection stays open");
        }
        drop(held);
        // Once the gateway has seen the three close (it may take a moment to notice).
        let served = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            health(addr).starts_with("HTTP/1.1 200")
        });
        assert!(served, "served again");
    })
    .await
    .unwrap();
}
