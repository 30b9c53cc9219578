//! The IPFS backend's requests, against a stand-in that answers Kubo's HTTP API as Kubo
//! documents it (`/api/v0/add` with a multipart file, `/api/v0/files/stat`, `/api/v0/cat`,
//! `/api/v0/pin/rm`).
//! No IPFS daemon runs on these machines, so this checks what the store sends and how it reads
//! the answers (a multipart body the daemon can parse, CIDv1 raw leaves, pinning, the index
//! from blob hash to CID), not a real daemon.

use bytes::Bytes;
use cpc_market::store::{BlobStore, IpfsStore};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, body::Incoming, service::service_fn};
use hyper_util::rt::{TokioExecutor, TokioIo};
use parking_lot::Mutex;
use std::{collections::HashMap, sync::Arc};
use tokio::io::AsyncReadExt;

type Objects = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// The file part of a `multipart/form-data` body with `boundary`.
fn file_part(body: &[u8], boundary: &str) -> Option<Vec<u8>> {
    let start_marker = format!("--{boundary}\r\n");
    let end_marker = format!("\r\n--{boundary}--\r\n");
    let rest = body.strip_prefix(start_marker.as_bytes())?;
    let headers_end = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let headers = std::str::from_utf8(&rest[..headers_end]).ok()?;
    if !headers.contains("name=\"file\"") {
        return None;
    }
    let content = rest[headers_end..].strip_suffix(end_marker.as_bytes())?;
    Some(content.to_vec())
}

async fn kubo(objects: Objects, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let query = request.uri().query().unwrap_or_default().to_string();
    let path = request.uri().path().to_string();
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let arg = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("arg="))
        .map(String::from);
    let reply = |status: u16, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .body(Full::new(Bytes::from(body)))
            .unwrap()
    };
    match path.as_str() {
        "/api/v0/add" => {
            // What the backend must ask for: CIDv1 with raw leaves, pinned.
            for wanted in ["cid-version=1", "raw-leaves=true", "pin=true"] {
                assert!(query.contains(wanted), "add without {wanted}: {query}");
            }
            let boundary = content_type
                .strip_prefix("multipart/form-data; boundary=")
                .expect("a multipart upload");
            let Some(file) = file_part(&body, boundary) else {
                return reply(400, b"{\"Message\":\"malformed multipart\"}".to_vec());
            };
            let cid = cpc_data_market_primitives::content_cid(&cpc_market::crypto::sha256(&file));
            objects.lock().insert(cid.clone(), file);
            reply(
                200,
                format!("{{\"Name\":\"x\",\"Hash\":\"{cid}\",\"Size\":\"1\"}}\n").into_bytes(),
            )
        }
        "/api/v0/files/stat" => {
            let cid = arg
                .unwrap_or_default()
                .trim_start_matches("/ipfs/")
                .to_string();
            match objects.lock().get(&cid) {
                Some(data) => reply(
                    200,
                    format!(
                        "{{\"Hash\":\"{cid}\",\"Size\":{},\"Type\":\"file\"}}",
                        data.len()
                    )
                    .into_bytes(),
                ),
                None => reply(500, b"{\"Message\":\"not found\"}".to_vec()),
            }
        }
        // Unpinned, the object is the daemon's garbage collection's to free: gone here at once.
        "/api/v0/pin/rm" => match objects.lock().remove(&arg.unwrap_or_default()) {
            Some(_) => reply(200, b"{\"Pins\":[]}".to_vec()),
            None => reply(
                500,
                b"{\"Message\":\"not pinned or pinned indirectly\"}".to_vec(),
            ),
        },
        "/api/v0/cat" => match objects.lock().get(&arg.unwrap_or_default()) {
            Some(data) => reply(200, data.clone()),
            None => reply(500, b"{\"Message\":\"not found\"}".to_vec()),
        },
        _ => reply(404, Vec::new()),
    }
}

#[tokio::test]
async fn the_ipfs_backend_speaks_kubos_http_api() {
    let objects: Objects = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = objects.clone();
    let server = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let objects = served.clone();
            tokio::spawn(async move {
                let service = service_fn(move |r| {
                    let objects = objects.clone();
                    async move { Ok::<_, std::convert::Infallible>(kubo(objects, r).await) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let store = IpfsStore::new(&format!("http://{addr}"), dir.path().join("index")).unwrap();
    let blob: Vec<u8> = (0..700_000u32).map(|i| (i % 253) as u8).collect();
    let hash = cpc_market::crypto::sha256(&blob);
    let path = dir.path().join("blob");
    std::fs::write(&path, &blob).unwrap();
    store
        .put_file(&hash, &path, blob.len() as u64)
        .await
        .unwrap();
    // The daemon received exactly the blob, and the index names its CID.
    let cid = cpc_data_market_primitives::content_cid(&hash);
    assert_eq!(objects.lock().get(&cid), Some(&blob));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("index").join(hex::encode(hash))).unwrap(),
        cid
    );
    let (len, mut reader) = store.get(&hash).await.unwrap().expect("stored");
    assert_eq!(len, blob.len() as u64);
    let mut back = Vec::new();
    reader.read_to_end(&mut back).await.unwrap();
    assert_eq!(back, blob);
    // Unknown to the index: absent, without asking the daemon.
    assert!(store.get(&[1; 32]).await.unwrap().is_none());
    // Deleting unpins it and forgets its CID; deleting again is not an error.
    store.delete(&hash).await.unwrap();
    assert!(objects.lock().get(&cid).is_none(), "unpinned");
    assert!(store.get(&hash).await.unwrap().is_none());
    store.delete(&hash).await.unwrap();
    server.abort();
}
