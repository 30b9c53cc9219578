//! The S3 backend against a real S3-compatible server: `moto_server` (from the Python
//! registry; `.ci/run` installs it) started on 127.0.0.1 by the test. Objects round-trip
//! byte for byte, a missing object reads as absent, and the gateway serves a buyer from a
//! bucket. moto does not check signatures; the signing is checked against AWS's own example
//! in `http::sigv4`.

mod common;

use common::*;
use cpc_market::{
    crypto::{self, ContentKey},
    http::sigv4::Credentials,
    store::{BlobStore, S3Store},
};
use std::{
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use tokio::io::AsyncReadExt;

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts moto_server and waits (at most 60 s) until it accepts connections.
fn start_moto() -> (Moto, String) {
    let port = free_port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server is installed (pip install 'moto[server]'; .ci/run does it)");
    let moto = Moto(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (moto, format!("http://127.0.0.1:{port}"))
}

fn credentials() -> Credentials {
    Credentials {
        access_key: "test".into(),
        secret_key: "test".into(),
        region: "us-east-1".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s3_backend_round_trips_through_a_real_s3_server() {
    let (_moto, endpoint) = start_moto();
    let dir = tempfile::tempdir().unwrap();
    let store = S3Store::new(&endpoint, "cpc-market", credentials()).unwrap();
    store.create_bucket().await.unwrap();
    // Creating it again is fine.
    store.create_bucket().await.unwrap();

    // A blob bigger than one body frame.
    let blob = crypto::encrypt(&ContentKey::random(), &vec![42u8; 3_000_000], 1 << 20);
    let hash = crypto::sha256(&blob);
    let path = dir.path().join("blob");
    std::fs::write(&path, &blob).unwrap();
    store
        .put_file(&hash, &path, blob.len() as u64)
        .await
        .unwrap();
    let (len, mut reader) = store.get(&hash).await.unwrap().expect("stored");
    assert_eq!(len, blob.len() as u64);
    let mut back = Vec::new();
    reader.read_to_end(&mut back).await.unwrap();
    assert_eq!(back, blob);
    assert!(store.get(&[0; 32]).await.unwrap().is_none());
    // Deleted (the gateway deletes a blob no product refers to any more), and deleting what
    // is gone is not an error.
    let copy = dir.path().join("copy");
    std::fs::write(&copy, b"another blob").unwrap();
    let other = cpc_market::crypto::sha256(b"another blob");
    store.put_file(&other, &copy, 12).await.unwrap();
    store.delete(&other).await.unwrap();
    assert!(store.get(&other).await.unwrap().is_none());
    store.delete(&other).await.unwrap();

    // The gateway over the bucket.
    let gateway_store = S3Store::new(&endpoint, "cpc-market", credentials()).unwrap();
    a_buyer_downloads_through_a_gateway_over(Box::new(gateway_store), dir.path(), &path).await;
}
