//! Where encrypted blobs live, addressed by their sha2-256.
//!
//! The gateway receives a blob into a staging file while hashing it, then hands the file to
//! a [`BlobStore`]; reads stream back. Backends:
//! - [`LocalStore`]: files under a directory (the default);
//! - [`S3Store`]: an S3-compatible object store (path-style requests, SigV4); the object key
//!   is the blob's hash, so its `x-amz-content-sha256` is the address itself;
//! - [`IpfsStore`]: an IPFS daemon through its HTTP API (`/api/v0/add`, `/api/v0/cat`), with a
//!   local index from blob hash to CID.

use crate::http::{self, Body, HttpClient, sigv4};
use aws_sigv4::http_request::SignableBody;
use hyper::{Method, Request, StatusCode};
use mpart_async::client::MultipartRequest;
use std::{
    future::Future,
    path::{Path, PathBuf},
    pin::Pin,
    time::SystemTime,
};
use tokio::io::AsyncRead;
use tokio_util::io::ReaderStream;

/// A blob's address: sha2-256 of its bytes.
pub type BlobHash = [u8; 32];
/// A blob being read: its length and its bytes.
pub type BlobReader = (u64, Pin<Box<dyn AsyncRead + Send>>);
/// A boxed future, for the object-safe trait.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A local I/O failure.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The backend refused or failed.
    #[error("{0}")]
    Backend(String),
}

/// A content-addressed blob store.
pub trait BlobStore: Send + Sync {
    /// Stores the blob in the file at `path`, whose sha2-256 is `hash` and length `len` (the
    /// caller computed both while receiving it). The file may be moved.
    fn put_file<'a>(
        &'a self,
        hash: &'a BlobHash,
        path: &'a Path,
        len: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Opens blob `hash`, or `None` if absent.
    fn get<'a>(
        &'a self,
        hash: &'a BlobHash,
    ) -> BoxFuture<'a, Result<Option<BlobReader>, StoreError>>;

    /// Deletes blob `hash` (nothing to do if it is absent).
    fn delete<'a>(&'a self, hash: &'a BlobHash) -> BoxFuture<'a, Result<(), StoreError>>;

    /// A name for logs.
    fn describe(&self) -> String;
}

/// Blobs as files under a directory, sharded by the first byte of the hash.
pub struct LocalStore {
    dir: PathBuf,
}

impl LocalStore {
    /// A store in `dir` (created if missing).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    fn path_of(&self, hash: &BlobHash) -> PathBuf {
        let hex = hex::encode(hash);
        self.dir.join(&hex[..2]).join(hex)
    }
}

impl BlobStore for LocalStore {
    fn put_file<'a>(
        &'a self,
        hash: &'a BlobHash,
        path: &'a Path,
        _len: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let target = self.path_of(hash);
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            // Staging files live beside the store, so this is a rename; a copy otherwise.
            if tokio::fs::rename(path, &target).await.is_err() {
                let partial = target.with_extension("partial");
                tokio::fs::copy(path, &partial).await?;
                tokio::fs::rename(&partial, &target).await?;
            }
            Ok(())
        })
    }

    fn get<'a>(
        &'a self,
        hash: &'a BlobHash,
    ) -> BoxFuture<'a, Result<Option<BlobReader>, StoreError>> {
        Box::pin(async move {
            match tokio::fs::File::open(self.path_of(hash)).await {
                Ok(file) => {
                    let len = file.metadata().await?.len();
                    Ok(Some((
                        len,
                        Box::pin(file) as Pin<Box<dyn AsyncRead + Send>>,
                    )))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn delete<'a>(&'a self, hash: &'a BlobHash) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path_of(hash)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            }
        })
    }

    fn describe(&self) -> String {
        format!("local store {}", self.dir.display())
    }
}

/// A backend's refusal of `what`, with its status and (the start of) its message.
async fn refusal(what: &str, response: hyper::Response<hyper::body::Incoming>) -> StoreError {
    let status = response.status();
    let body = http::read_limited(response.into_body(), 4096)
        .await
        .unwrap_or_default();
    StoreError::Backend(format!(
        "{what}: {status}: {}",
        String::from_utf8_lossy(&body)
    ))
}

/// An S3-compatible object store: `endpoint` (`http://127.0.0.1:9000`,
/// `https://s3.eu-central-1.amazonaws.com`), a bucket, credentials.
pub struct S3Store {
    client: HttpClient,
    endpoint: hyper::Uri,
    bucket: String,
    credentials: sigv4::Credentials,
}

impl S3Store {
    /// A store of `bucket` at `endpoint`.
    pub fn new(
        endpoint: &str,
        bucket: &str,
        credentials: sigv4::Credentials,
    ) -> Result<Self, StoreError> {
        let endpoint: hyper::Uri = endpoint
            .trim_end_matches('/')
            .parse()
            .map_err(|e| StoreError::Backend(format!("invalid S3 endpoint {endpoint}: {e}")))?;
        if endpoint.host().is_none() {
            return Err(StoreError::Backend("the S3 endpoint has no host".into()));
        }
        if bucket.is_empty() || bucket.contains('/') {
            return Err(StoreError::Backend(format!(
                "invalid bucket name {bucket:?}"
            )));
        }
        Ok(Self {
            client: http::client()?,
            endpoint,
            bucket: bucket.into(),
            credentials,
        })
    }

    fn request(
        &self,
        method: Method,
        key: Option<&str>,
        payload: SignableBody<'_>,
        content_length: Option<u64>,
        body: Body,
    ) -> Result<Request<Body>, StoreError> {
        // Keys are hex, so the path needs no escaping.
        let path = match key {
            Some(key) => format!("/{}/{key}", self.bucket),
            None => format!("/{}", self.bucket),
        };
        let host = match self.endpoint.port_u16() {
            Some(port) => format!("{}:{port}", self.endpoint.host().unwrap_or_default()),
            None => self.endpoint.host().unwrap_or_default().to_string(),
        };
        let scheme = self.endpoint.scheme_str().unwrap_or("http");
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{scheme}://{host}{path}"))
            .header("host", &host);
        if let Some(length) = content_length {
            builder = builder.header("content-length", length);
        }
        let mut request = builder
            .body(body)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        sigv4::sign(&mut request, &self.credentials, payload, SystemTime::now())
            .map_err(StoreError::Backend)?;
        Ok(request)
    }

    async fn send(
        &self,
        request: Request<Body>,
    ) -> Result<hyper::Response<hyper::body::Incoming>, StoreError> {
        self.client
            .request(request)
            .await
            .map_err(|e| StoreError::Backend(format!("S3 request failed: {e}")))
    }

    /// Creates the bucket (for a fresh S3-compatible server; an existing bucket is fine).
    pub async fn create_bucket(&self) -> Result<(), StoreError> {
        let request = self.request(
            Method::PUT,
            None,
            SignableBody::empty(),
            Some(0),
            http::empty(),
        )?;
        let response = self.send(request).await?;
        let status = response.status();
        if status.is_success() || status == StatusCode::CONFLICT {
            return Ok(());
        }
        Err(refusal("S3 create bucket", response).await)
    }
}

impl BlobStore for S3Store {
    fn put_file<'a>(
        &'a self,
        hash: &'a BlobHash,
        path: &'a Path,
        len: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let key = hex::encode(hash);
            let body = http::file_body(path, None).await?;
            // The key is the body's sha2-256: its signed hash without reading the file twice.
            let payload = SignableBody::Precomputed(key.clone());
            let request = self.request(Method::PUT, Some(&key), payload, Some(len), body)?;
            let response = self.send(request).await?;
            let status = response.status();
            if !status.is_success() {
                return Err(refusal(&format!("S3 PUT {key}"), response).await);
            }
            Ok(())
        })
    }

    fn get<'a>(
        &'a self,
        hash: &'a BlobHash,
    ) -> BoxFuture<'a, Result<Option<BlobReader>, StoreError>> {
        Box::pin(async move {
            let key = hex::encode(hash);
            let request = self.request(
                Method::GET,
                Some(&key),
                SignableBody::empty(),
                None,
                http::empty(),
            )?;
            let response = self.send(request).await?;
            match response.status() {
                StatusCode::OK => {
                    let len = response
                        .headers()
                        .get("content-length")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| StoreError::Backend("S3 GET without a length".into()))?;
                    let reader = http::body_reader(response.into_body());
                    Ok(Some((
                        len,
                        Box::pin(reader) as Pin<Box<dyn AsyncRead + Send>>,
                    )))
                }
                StatusCode::NOT_FOUND => Ok(None),
                _ => Err(refusal(&format!("S3 GET {key}"), response).await),
            }
        })
    }

    fn delete<'a>(&'a self, hash: &'a BlobHash) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let key = hex::encode(hash);
            let request = self.request(
                Method::DELETE,
                Some(&key),
                SignableBody::empty(),
                None,
                http::empty(),
            )?;
            let response = self.send(request).await?;
            match response.status() {
                status if status.is_success() || status == StatusCode::NOT_FOUND => Ok(()),
                _ => Err(refusal(&format!("S3 DELETE {key}"), response).await),
            }
        })
    }

    fn describe(&self) -> String {
        format!("S3 bucket {} at {}", self.bucket, self.endpoint)
    }
}

/// An IPFS daemon's HTTP API (`http://127.0.0.1:5001`); blob hash to CID in `index`.
pub struct IpfsStore {
    client: HttpClient,
    api: String,
    index: PathBuf,
}

impl IpfsStore {
    /// A store through the API at `api`, keeping its index in `index`.
    pub fn new(api: &str, index: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let index = index.into();
        std::fs::create_dir_all(&index)?;
        Ok(Self {
            client: http::client()?,
            api: api.trim_end_matches('/').into(),
            index,
        })
    }

    async fn post(
        &self,
        path_and_query: &str,
        body: Body,
        content_type: Option<&str>,
    ) -> Result<hyper::Response<hyper::body::Incoming>, StoreError> {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(format!("{}{path_and_query}", self.api));
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        let request = builder
            .body(body)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.client
            .request(request)
            .await
            .map_err(|e| StoreError::Backend(format!("IPFS API request failed: {e}")))
    }
}

impl IpfsStore {
    /// The CID blob `hash` was added under, if it was: what a product's `Ipfs` location names.
    pub async fn cid_of(&self, hash: &BlobHash) -> Result<Option<cid::Cid>, StoreError> {
        match tokio::fs::read_to_string(self.index.join(hex::encode(hash))).await {
            Ok(text) => cid::Cid::try_from(text.trim())
                .map(Some)
                .map_err(|e| StoreError::Backend(format!("IPFS index entry {text:?}: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// The CID an IPFS daemon answered for the blob whose sha2-256 is `hash`, checked: a CIDv1 of
/// a sha2-256 multihash, raw (one block: its digest must be the blob's hash) or dag-pb (a file
/// of many blocks), in any multibase the daemon prints (Kubo base32, js-ipfs base58btc). The
/// canonical string of the result (base32) is what a product's location names.
pub fn checked_cid(text: &str, hash: &BlobHash) -> Result<cid::Cid, StoreError> {
    let bad = |why: String| StoreError::Backend(format!("IPFS answered CID {text:?}: {why}"));
    let cid = cid::Cid::try_from(text).map_err(|e| bad(e.to_string()))?;
    let digest = cid.hash();
    if cid.version() != cid::Version::V1 || digest.code() != 0x12 || digest.size() != 32 {
        return Err(bad("not a CIDv1 of a sha2-256 hash".into()));
    }
    match cid.codec() {
        0x55 if digest.digest() == hash.as_slice() => Ok(cid),
        0x55 => Err(bad("its hash is not the blob's".into())),
        0x70 => Ok(cid),
        codec => Err(bad(format!("codec {codec:#x} is not a file's"))),
    }
}

impl BlobStore for IpfsStore {
    fn put_file<'a>(
        &'a self,
        hash: &'a BlobHash,
        path: &'a Path,
        _len: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let file = tokio::fs::File::open(path).await?;
            // A boundary from the blob's hash: no blob can hold it short of finding a
            // sha2-256 that names part of its own input.
            let mut form = MultipartRequest::new(format!("cpc{}", hex::encode(&hash[..8])));
            form.add_stream(
                "file".to_string(),
                hex::encode(hash),
                "application/octet-stream".to_string(),
                ReaderStream::with_capacity(file, http::FRAME_SIZE),
            );
            let content_type = format!("multipart/form-data; boundary={}", form.get_boundary());
            let response = self
                .post(
                    "/api/v0/add?cid-version=1&raw-leaves=true&pin=true&quieter=true",
                    http::stream_body(form),
                    Some(&content_type),
                )
                .await?;
            let status = response.status();
            let body = http::read_limited(response.into_body(), 64 * 1024).await?;
            if !status.is_success() {
                return Err(StoreError::Backend(format!(
                    "IPFS add: {status}: {}",
                    String::from_utf8_lossy(&body)
                )));
            }
            let reply: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| StoreError::Backend(format!("IPFS add reply: {e}")))?;
            let cid = reply["Hash"]
                .as_str()
                .ok_or_else(|| StoreError::Backend("IPFS add reply without a Hash".into()))?;
            let cid = checked_cid(cid, hash)?;
            tokio::fs::write(self.index.join(hex::encode(hash)), cid.to_string()).await?;
            Ok(())
        })
    }

    fn get<'a>(
        &'a self,
        hash: &'a BlobHash,
    ) -> BoxFuture<'a, Result<Option<BlobReader>, StoreError>> {
        Box::pin(async move {
            let Some(cid) = self.cid_of(hash).await? else {
                return Ok(None);
            };
            let size_reply = self
                .post(
                    &format!("/api/v0/files/stat?arg=/ipfs/{cid}"),
                    http::empty(),
                    None,
                )
                .await?;
            let size_body = http::read_limited(size_reply.into_body(), 64 * 1024).await?;
            let len = serde_json::from_slice::<serde_json::Value>(&size_body)
                .ok()
                .and_then(|v| v["Size"].as_u64())
                .ok_or_else(|| StoreError::Backend("IPFS files/stat without a Size".into()))?;
            let response = self
                .post(&format!("/api/v0/cat?arg={cid}"), http::empty(), None)
                .await?;
            if !response.status().is_success() {
                return Err(StoreError::Backend(format!(
                    "IPFS cat {cid}: {}",
                    response.status()
                )));
            }
            let reader = http::body_reader(response.into_body());
            Ok(Some((
                len,
                Box::pin(reader) as Pin<Box<dyn AsyncRead + Send>>,
            )))
        })
    }

    /// Unpins the blob (the daemon's garbage collection frees it) and forgets its CID.
    fn delete<'a>(&'a self, hash: &'a BlobHash) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let entry = self.index.join(hex::encode(hash));
            let Some(cid) = self.cid_of(hash).await? else {
                return Ok(());
            };
            let response = self
                .post(&format!("/api/v0/pin/rm?arg={cid}"), http::empty(), None)
                .await?;
            let status = response.status();
            let body = http::read_limited(response.into_body(), 64 * 1024).await?;
            // Kubo answers 500 "not pinned" for a blob pinned by nobody: gone already.
            if !status.is_success() && !String::from_utf8_lossy(&body).contains("not pinned") {
                return Err(StoreError::Backend(format!(
                    "IPFS pin/rm {cid}: {status}: {}",
                    String::from_utf8_lossy(&body)
                )));
            }
            tokio::fs::remove_file(&entry).await?;
            Ok(())
        })
    }

    fn describe(&self) -> String {
        format!("IPFS at {}", self.api)
    }
}

/// Opens the store `spec` names: `local` (under `default_dir`), `s3://BUCKET@ENDPOINT`
/// (credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`), or
/// `ipfs://HOST:PORT` (the API; the index under `default_dir`).
pub fn open(spec: &str, default_dir: &Path) -> Result<Box<dyn BlobStore>, StoreError> {
    if spec == "local" {
        return Ok(Box::new(LocalStore::open(default_dir.join("blobs"))?));
    }
    if let Some(rest) = spec.strip_prefix("s3://") {
        let (bucket, endpoint) = rest.split_once('@').ok_or_else(|| {
            StoreError::Backend("an S3 store is s3://BUCKET@http(s)://HOST[:PORT]".into())
        })?;
        let env = |name: &str| std::env::var(name).ok();
        let credentials = sigv4::Credentials {
            access_key: env("AWS_ACCESS_KEY_ID")
                .ok_or_else(|| StoreError::Backend("AWS_ACCESS_KEY_ID is not set".into()))?,
            secret_key: env("AWS_SECRET_ACCESS_KEY")
                .ok_or_else(|| StoreError::Backend("AWS_SECRET_ACCESS_KEY is not set".into()))?,
            region: env("AWS_REGION").unwrap_or_else(|| "us-east-1".into()),
        };
        return Ok(Box::new(S3Store::new(endpoint, bucket, credentials)?));
    }
    if let Some(api) = spec.strip_prefix("ipfs://") {
        return Ok(Box::new(IpfsStore::new(
            &format!("http://{api}"),
            default_dir.join("ipfs-index"),
        )?));
    }
    Err(StoreError::Backend(format!(
        "unknown store {spec:?}: local, s3://BUCKET@ENDPOINT or ipfs://HOST:PORT"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn the_local_store_round_trips_and_reports_absence() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path().join("blobs")).unwrap();
        let data = b"encrypted bytes".to_vec();
        let hash = crate::crypto::sha256(&data);
        let staged = dir.path().join("staged");
        std::fs::write(&staged, &data).unwrap();
        store
            .put_file(&hash, &staged, data.len() as u64)
            .await
            .unwrap();
        let (len, mut reader) = store.get(&hash).await.unwrap().unwrap();
        assert_eq!(len, data.len() as u64);
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, data);
        assert!(store.get(&[0; 32]).await.unwrap().is_none());
    }

    #[test]
    fn store_specs_are_parsed_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(open("local", dir.path()).is_ok());
        assert!(open("ipfs://127.0.0.1:5001", dir.path()).is_ok());
        assert!(open("s3://no-endpoint", dir.path()).is_err());
        assert!(open("ftp://x", dir.path()).is_err());
    }
}
