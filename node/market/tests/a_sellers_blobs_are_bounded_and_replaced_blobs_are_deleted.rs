//! A gateway's disk is bounded per seller and by a free-space floor: a seller past its quota
//! is refused (and nothing is left behind), replacing a product's blob frees the old one's
//! quota and deletes it from the store, the accounting survives a restart, and uploads are
//! refused with 503 while the disk is below the floor.

mod common;

use common::*;
use cpc_market::{
    client::{ClientError, GatewayClient},
    crypto::{self, ContentKey},
    gateway::{self, DiskLimits, GatewayConfig},
    store::LocalStore,
};
use hyper::StatusCode;
use std::{path::Path, sync::Arc, time::Duration};

async fn gateway(dir: &Path, disk: DiskLimits) -> gateway::GatewayHandle {
    let view = Arc::new(MemoryView::default());
    view.products.lock().insert(0, product(&pair("Bob")));
    view.products.lock().insert(1, product(&pair("Bob")));
    gateway::serve(
        GatewayConfig {
            disk,
            ..config(&dir.join("gw"), Duration::from_secs(60), 1 << 20)
        },
        view,
        Box::new(LocalStore::open(dir.join("blobs")).unwrap()),
    )
    .await
    .unwrap()
}

async fn seller(handle: &gateway::GatewayHandle) -> GatewayClient {
    let mut client = GatewayClient::new(&format!("http://{}", handle.addr)).unwrap();
    client
        .login(&pair("Bob"), &cpc_primitives::H256([7; 32]))
        .await
        .unwrap();
    client
}

fn blob_file(dir: &Path, hash: &[u8; 32]) -> std::path::PathBuf {
    let hex = hex::encode(hash);
    dir.join("blobs").join(&hex[..2]).join(hex)
}

fn status<T: std::fmt::Debug>(result: Result<T, ClientError>) -> StatusCode {
    match result {
        Err(e) => e.status().unwrap_or_else(|| panic!("not a refusal: {e}")),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

#[tokio::test]
async fn quotas_replacements_and_the_free_space_floor() {
    let dir = tempfile::tempdir().unwrap();
    let quota = DiskLimits {
        per_seller: 100_000,
        min_free: 0,
    };
    let blob = |byte: u8| {
        let path = dir.path().join(format!("blob-{byte}"));
        std::fs::write(
            &path,
            crypto::encrypt(&ContentKey::random(), &[byte; 60_000], 4096),
        )
        .unwrap();
        path
    };
    let (a, b, c) = (blob(1), blob(2), blob(3));

    let handle = gateway(dir.path(), quota).await;
    let bob = seller(&handle).await;
    let first = bob.upload(0, &a, None).await.unwrap();
    assert!(blob_file(dir.path(), &first).exists());
    // A second product's 60 kB would take Bob past 100 kB.
    assert_eq!(
        status(bob.upload(1, &b, None).await),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let staging = dir.path().join("gw/staging");
    assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0);
    assert!(!dir.path().join("gw/index/1").exists());

    // One upload per product at a time: while one is in progress (stalled here after its
    // first bytes), another for the same product is refused, so the blob each replaces is
    // the one it read.
    {
        use std::io::Write;
        let body = std::fs::read(&c).unwrap();
        let mut stalled = std::net::TcpStream::connect(handle.addr).unwrap();
        let head = format!(
            "PUT /products/0/blob HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-length: {}\r\n\r\n",
            bob.token().unwrap(),
            body.len()
        );
        stalled.write_all(head.as_bytes()).unwrap();
        stalled.write_all(&body[..4096]).unwrap();
        let mut staged = false;
        for _ in 0..400 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if std::fs::read_dir(dir.path().join("gw/staging"))
                .unwrap()
                .count()
                == 1
            {
                staged = true;
                break;
            }
        }
        assert!(staged, "the first upload is in progress");
        assert_eq!(status(bob.upload(0, &c, None).await), StatusCode::CONFLICT);
    }

    // Replacing product 0's blob frees the old one's share, and deletes it.
    let replaced = bob.upload(0, &c, None).await.unwrap();
    assert_ne!(replaced, first);
    assert!(blob_file(dir.path(), &replaced).exists());
    assert!(
        !blob_file(dir.path(), &first).exists(),
        "the old blob is gone"
    );
    drop(handle);

    // After a restart the gateway still counts Bob's 60 kB.
    let handle = gateway(dir.path(), quota).await;
    let bob = seller(&handle).await;
    assert_eq!(
        status(bob.upload(1, &b, None).await),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    drop(handle);

    // Below the free-space floor nothing is accepted.
    let full = gateway(
        dir.path(),
        DiskLimits {
            per_seller: u64::MAX,
            min_free: u64::MAX / 2,
        },
    )
    .await;
    let bob = seller(&full).await;
    assert_eq!(
        status(bob.upload(1, &b, None).await),
        StatusCode::SERVICE_UNAVAILABLE
    );
}
