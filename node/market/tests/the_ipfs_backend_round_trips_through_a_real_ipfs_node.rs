//! The IPFS backend against a real IPFS node: js-ipfs 0.66.1 (it serves Kubo's `/api/v0`
//! HTTP RPC), installed from npm under `tests/clients/js-ipfs` (`scripts/test.sh` does it) and
//! started by the test on 127.0.0.1, offline, with a fresh repository. A blob of many IPFS
//! blocks and one of a single block round-trip byte for byte under checked CIDs (dag-pb and
//! raw; a raw CID's hash is the blob's), deleting unpins, and the gateway serves a buyer from
//! the node.

mod common;

use common::*;
use cpc_data_market_primitives::{content_cid, is_ipfs_cid};
use cpc_market::testing::start_ipfs;
use cpc_market::{
    crypto::{self, ContentKey},
    store::{BlobStore, IpfsStore},
};
use tokio::io::AsyncReadExt;

async fn read_back(store: &IpfsStore, hash: &[u8; 32]) -> Vec<u8> {
    let (len, mut reader) = store.get(hash).await.unwrap().expect("stored");
    let mut back = Vec::new();
    reader.read_to_end(&mut back).await.unwrap();
    assert_eq!(len, back.len() as u64);
    back
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ipfs_backend_round_trips_through_a_real_ipfs_node() {
    let dir = tempfile::tempdir().unwrap();
    let ipfs = start_ipfs(&dir.path().join("repo"));
    let api = ipfs.api.clone();
    let store = IpfsStore::new(&api, dir.path().join("index")).unwrap();

    // Many IPFS blocks (256 KiB each): a dag-pb root.
    let blob = crypto::encrypt(&ContentKey::random(), &vec![42u8; 1_500_000], 1 << 16);
    let hash = crypto::sha256(&blob);
    let path = dir.path().join("blob");
    std::fs::write(&path, &blob).unwrap();
    store
        .put_file(&hash, &path, blob.len() as u64)
        .await
        .unwrap();
    let cid = store.cid_of(&hash).await.unwrap().expect("indexed");
    assert_eq!(cid.codec(), 0x70, "a file of many blocks: {cid}");
    assert!(is_ipfs_cid(cid.to_string().as_bytes()), "{cid}");
    assert_eq!(read_back(&store, &hash).await, blob);

    // One block: a raw CID, whose hash is the blob's (what the chain's `content_cid` gives).
    let small = crypto::encrypt(&ContentKey::random(), b"one reading", 4096);
    let small_hash = crypto::sha256(&small);
    let small_path = dir.path().join("small");
    std::fs::write(&small_path, &small).unwrap();
    store
        .put_file(&small_hash, &small_path, small.len() as u64)
        .await
        .unwrap();
    let small_cid = store.cid_of(&small_hash).await.unwrap().unwrap();
    assert_eq!(small_cid.to_string(), content_cid(&small_hash));
    assert_eq!(read_back(&store, &small_hash).await, small);

    // Unknown to the index: absent, without asking the daemon.
    assert!(store.get(&[1; 32]).await.unwrap().is_none());
    // Deleting unpins and forgets; deleting again is not an error (js-ipfs answers "not
    // pinned", as Kubo does).
    store.delete(&small_hash).await.unwrap();
    assert!(store.get(&small_hash).await.unwrap().is_none());
    store.delete(&small_hash).await.unwrap();
    let http = api_post(&api, &format!("/api/v0/pin/ls?arg={small_cid}")).await;
    assert!(
        !http.contains(&small_cid.to_string()) || http.contains("not pinned"),
        "{http}"
    );

    // The gateway over the node.
    let gateway_store = IpfsStore::new(&api, dir.path().join("gw-index")).unwrap();
    a_buyer_downloads_through_a_gateway_over(Box::new(gateway_store), dir.path(), &path).await;
}

/// POSTs to the daemon's API and returns the body as text (status ignored).
async fn api_post(api: &str, path_and_query: &str) -> String {
    use http_body_util::BodyExt;
    let client = cpc_market::http::client().unwrap();
    let request = hyper::Request::post(format!("{api}{path_and_query}"))
        .body(cpc_market::http::empty())
        .unwrap();
    let response = client.request(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}
