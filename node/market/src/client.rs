//! The storage gateway's client: log in with an account's key, upload and download blobs
//! streamed from and to files, share and fetch sealed keys.

use crate::{
    gateway,
    http::{self, HttpClient, Progress},
};
use cpc_crypto::sr25519::Pair;
use cpc_data_market_primitives::ProductId;
use cpc_primitives::{AccountId, H256};
use hyper::{Method, Request, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A gateway failure, with the HTTP status when the gateway answered.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The gateway refused: status and its message.
    #[error("gateway answered {0}: {1}")]
    Refused(StatusCode, String),
    /// The request could not be made.
    #[error("gateway unreachable: {0}")]
    Transport(String),
    /// A local file failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl ClientError {
    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Refused(status, _) => Some(*status),
            _ => None,
        }
    }
}

/// A session with a gateway.
pub struct GatewayClient {
    http: HttpClient,
    base: String,
    token: Option<String>,
}

impl GatewayClient {
    /// A client of the gateway at `base` (`http://127.0.0.1:8090`), not logged in.
    pub fn new(base: &str) -> Result<Self, ClientError> {
        Ok(Self {
            http: http::client()?,
            base: base.trim_end_matches('/').into(),
            token: None,
        })
    }

    /// Uses `token` (for tests of refusals).
    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    /// The current token.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: http::Body,
        length: Option<u64>,
    ) -> Result<hyper::Response<hyper::body::Incoming>, ClientError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if let Some(length) = length {
            builder = builder.header("content-length", length);
        }
        let request = builder
            .body(body)
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let body = http::read_limited(response.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        let message = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(String::from))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        Err(ClientError::Refused(status, message))
    }

    async fn json(&self, method: Method, path: &str, body: Value) -> Result<Value, ClientError> {
        let response = self
            .send(method, path, http::full(body.to_string()), None)
            .await?;
        let bytes = http::read_limited(response.into_body(), 64 * 1024).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Transport(e.to_string()))
    }

    /// Asks for a login challenge for `account`: the nonce.
    pub async fn challenge(&self, account: &AccountId) -> Result<[u8; 32], ClientError> {
        let reply = self
            .json(
                Method::POST,
                "/auth/challenge",
                json!({ "account": account.to_string() }),
            )
            .await?;
        reply["nonce"]
            .as_str()
            .and_then(|s| hex::decode(s).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ClientError::Transport("challenge reply without a nonce".into()))
    }

    /// Answers a challenge with a signature; keeps the token.
    pub async fn answer(
        &mut self,
        account: &AccountId,
        nonce: &[u8; 32],
        signature: &[u8; 64],
    ) -> Result<(), ClientError> {
        let audience = self.audience();
        self.answer_for(account, &audience, nonce, signature).await
    }

    /// Answers a challenge with a signature made for `audience`; keeps the token.
    pub async fn answer_for(
        &mut self,
        account: &AccountId,
        audience: &str,
        nonce: &[u8; 32],
        signature: &[u8; 64],
    ) -> Result<(), ClientError> {
        let reply = self
            .json(
                Method::POST,
                "/auth/login",
                json!({
                    "account": account.to_string(),
                    "audience": audience,
                    "nonce": hex::encode(nonce),
                    "signature": hex::encode(signature),
                }),
            )
            .await?;
        let token = reply["token"]
            .as_str()
            .ok_or_else(|| ClientError::Transport("login reply without a token".into()))?;
        self.token = Some(token.into());
        Ok(())
    }

    /// The gateway's address as this client dials it: what a login signs.
    pub fn audience(&self) -> String {
        gateway::audience_of(&self.base).unwrap_or_default()
    }

    /// Logs in as `pair`'s account on the chain of `genesis`.
    pub async fn login(&mut self, pair: &Pair, genesis: &H256) -> Result<(), ClientError> {
        let account = AccountId::from(pair.public());
        let nonce = self.challenge(&account).await?;
        let signature = gateway::sign_login(pair, genesis, &self.audience(), &nonce);
        self.answer(&account, &nonce, &signature.0).await
    }

    /// Uploads the encrypted blob at `path` as product `product`'s content: its hash.
    pub async fn upload(
        &self,
        product: ProductId,
        path: &Path,
        progress: Option<Progress>,
    ) -> Result<[u8; 32], ClientError> {
        let len = tokio::fs::metadata(path).await?.len();
        let body = http::file_body(path, progress).await?;
        let response = self
            .send(
                Method::PUT,
                &format!("/products/{product}/blob"),
                body,
                Some(len),
            )
            .await?;
        let bytes = http::read_limited(response.into_body(), 4096).await?;
        let reply: Value =
            serde_json::from_slice(&bytes).map_err(|e| ClientError::Transport(e.to_string()))?;
        reply["hash"]
            .as_str()
            .and_then(|s| hex::decode(s).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ClientError::Transport("upload reply without a hash".into()))
    }

    /// Downloads product `product`'s blob to `path` as the buyer of `order` (a seller needs
    /// none): its length and sha2-256.
    pub async fn download(
        &self,
        product: ProductId,
        order: Option<u64>,
        path: &Path,
        progress: Option<Progress>,
        plaintext_len: Option<u64>,
    ) -> Result<(u64, [u8; 32]), ClientError> {
        let query = order.map(|o| format!("?order={o}")).unwrap_or_default();
        let response = self
            .send(
                Method::GET,
                &format!("/products/{product}/blob{query}"),
                http::empty(),
                None,
            )
            .await?;
        save_blob(
            http::body_reader(response.into_body()),
            path,
            progress,
            plaintext_len,
        )
        .await
    }

    /// Shares product `product`'s content key, sealed to `recipient`, through the gateway.
    pub async fn share_key(
        &self,
        product: ProductId,
        recipient: &AccountId,
        sealed: &[u8],
    ) -> Result<(), ClientError> {
        self.send(
            Method::PUT,
            &format!("/products/{product}/keys/{recipient}"),
            http::full(sealed.to_vec()),
            Some(sealed.len() as u64),
        )
        .await?;
        Ok(())
    }

    /// The key of product `product` shared with `recipient` (the logged-in account).
    pub async fn shared_key(
        &self,
        product: ProductId,
        recipient: &AccountId,
    ) -> Result<Vec<u8>, ClientError> {
        let response = self
            .send(
                Method::GET,
                &format!("/products/{product}/keys/{recipient}"),
                http::empty(),
                None,
            )
            .await?;
        Ok(http::read_limited(response.into_body(), gateway::MAX_SEALED_KEY_BYTES).await?)
    }
}

/// Writes an encrypted blob from `reader` to `path` and returns its length and sha2-256. With
/// the product's size known (`plaintext_len`), the blob may be no longer than that size
/// encrypted in the chunks its header declares: a source the seller chose (a gateway, an IPFS
/// node) cannot fill the disk.
pub async fn save_blob(
    mut reader: impl tokio::io::AsyncRead + Unpin,
    path: &Path,
    progress: Option<Progress>,
    plaintext_len: Option<u64>,
) -> Result<(u64, [u8; 32]), ClientError> {
    let mut file = tokio::fs::File::create(path).await?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; http::FRAME_SIZE];
    let mut total = 0u64;
    let mut head = Vec::with_capacity(crate::crypto::HEADER_LEN);
    let mut limit = u64::MAX;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        if let Some(plaintext_len) = plaintext_len
            && head.len() < crate::crypto::HEADER_LEN
        {
            let take = (crate::crypto::HEADER_LEN - head.len()).min(n);
            head.extend_from_slice(&buf[..take]);
            if head.len() == crate::crypto::HEADER_LEN {
                let chunk = crate::crypto::declared_chunk_size(&head).ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "the blob does not start with an encrypted-blob header",
                    )
                })?;
                limit = crate::crypto::encrypted_len(plaintext_len, chunk);
            }
        }
        if total + n as u64 > limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the blob is longer than its product's {limit} bytes"),
            )
            .into());
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).await?;
        total += n as u64;
        if let Some(progress) = &progress {
            progress(total);
        }
    }
    file.flush().await?;
    Ok((total, hasher.finalize().into()))
}

/// Fetches the blob `cid` names from the IPFS daemon whose HTTP RPC is at `api` (`cat`) into
/// `path`, bounded like [`save_blob`]: how a buyer gets the content of a product stored on
/// IPFS (the content is encrypted; the key comes with the order).
pub async fn fetch_from_ipfs(
    api: &str,
    cid: &cid::Cid,
    path: &Path,
    progress: Option<Progress>,
    plaintext_len: Option<u64>,
) -> Result<(u64, [u8; 32]), ClientError> {
    let client = http::client()?;
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "{}/api/v0/cat?arg={cid}",
            api.trim_end_matches('/')
        ))
        .body(http::empty())
        .map_err(|e| ClientError::Transport(e.to_string()))?;
    let response = client
        .request(request)
        .await
        .map_err(|e| ClientError::Transport(format!("IPFS at {api}: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        let body = http::read_limited(response.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        return Err(ClientError::Refused(
            status,
            format!("IPFS cat {cid}: {}", String::from_utf8_lossy(&body)),
        ));
    }
    save_blob(
        http::body_reader(response.into_body()),
        path,
        progress,
        plaintext_len,
    )
    .await
}
