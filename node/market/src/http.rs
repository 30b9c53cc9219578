//! HTTP plumbing shared by the gateway, its client and the object-store backends: one hyper
//! client type (HTTP or HTTPS with the system's roots), bodies streamed from files with
//! progress, and AWS Signature Version 4 (by `aws-sigv4`) for S3-compatible stores.

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::Frame;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use std::{future::Future, path::Path, sync::Arc};
use tokio::io::{AsyncRead, AsyncReadExt};

/// A request or response body of any origin.
pub type Body = UnsyncBoxBody<Bytes, std::io::Error>;
/// The HTTP(S) client.
pub type HttpClient =
    Client<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>, Body>;
/// A progress callback: bytes moved so far.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// Bytes read from a file per body frame.
pub const FRAME_SIZE: usize = 256 * 1024;

/// A client for `http://` and `https://` URLs (the system's root certificates).
pub fn client() -> Result<HttpClient, std::io::Error> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// A body of `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// An empty body.
pub fn empty() -> Body {
    full(Bytes::new())
}

/// A body streaming `reader` in frames, reporting progress.
pub fn reader_body(
    reader: impl AsyncRead + Send + Unpin + 'static,
    progress: Option<Progress>,
) -> Body {
    let stream = futures_util::stream::try_unfold(
        (reader, 0u64, progress),
        |(mut reader, sent, progress)| async move {
            let mut buf = vec![0u8; FRAME_SIZE];
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                return Ok(None);
            }
            buf.truncate(n);
            let sent = sent + n as u64;
            if let Some(progress) = &progress {
                progress(sent);
            }
            Ok(Some((
                Frame::data(Bytes::from(buf)),
                (reader, sent, progress),
            )))
        },
    );
    StreamBody::new(stream).boxed_unsync()
}

/// A body of the chunks of `stream`.
pub fn stream_body(
    stream: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
) -> Body {
    StreamBody::new(stream.map_ok(Frame::data)).boxed_unsync()
}

/// A body streaming the file at `path`.
pub async fn file_body(path: &Path, progress: Option<Progress>) -> Result<Body, std::io::Error> {
    let file = tokio::fs::File::open(path).await?;
    Ok(reader_body(file, progress))
}

/// The body of a response as an `AsyncRead`.
pub fn body_reader(body: hyper::body::Incoming) -> impl AsyncRead + Send + Unpin + 'static {
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    tokio_util::io::StreamReader::new(stream)
}

/// Reads a whole (small) body, refusing more than `limit` bytes.
pub async fn read_limited(
    body: hyper::body::Incoming,
    limit: usize,
) -> Result<Vec<u8>, std::io::Error> {
    let mut reader = body_reader(body);
    let mut out = Vec::new();
    let n = (&mut reader)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .await?;
    if n > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("body larger than {limit} bytes"),
        ));
    }
    Ok(out)
}

/// A stream that fails with `TimedOut` once no byte has moved either way for `limit`: a
/// connection that stalls (idle keep-alive, a trickling or abandoned transfer) ends instead of
/// holding its file descriptor. The clock runs only while the stream is polled and waiting.
pub struct IdleTimeout<S> {
    inner: S,
    limit: std::time::Duration,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
    paused: IdlePause,
}

/// Suspends an [`IdleTimeout`] while its holder works without moving bytes (a request being
/// handled after its body was read).
#[derive(Clone, Default)]
pub struct IdlePause(Arc<std::sync::atomic::AtomicUsize>);

/// A suspension, ended on drop.
pub struct IdleHold(IdlePause);

impl IdlePause {
    /// Suspends the timeout until the returned hold is dropped.
    pub fn hold(&self) -> IdleHold {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        IdleHold(self.clone())
    }

    fn held(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst) > 0
    }
}

impl Drop for IdleHold {
    fn drop(&mut self) {
        (self.0).0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl<S> IdleTimeout<S> {
    /// `inner`, closed after `limit` without progress.
    pub fn new(inner: S, limit: std::time::Duration) -> Self {
        Self {
            inner,
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
            paused: IdlePause::default(),
        }
    }

    /// The handle that suspends this timeout.
    pub fn pause_handle(&self) -> IdlePause {
        self.paused.clone()
    }

    fn progressed(&mut self) {
        let next = tokio::time::Instant::now() + self.limit;
        self.deadline.as_mut().reset(next);
    }

    fn stalled(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Error> {
        if self.paused.held() {
            // Counted again from when the work ends.
            self.progressed();
            return std::task::Poll::Pending;
        }
        self.deadline.as_mut().poll(cx).map(|()| {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "no data moved within the idle limit",
            )
        })
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        let this = self.get_mut();
        match std::pin::Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.progressed();
                Poll::Ready(result)
            }
            Poll::Pending => this.stalled(cx).map(Err),
        }
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        use std::task::Poll;
        let this = self.get_mut();
        match std::pin::Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(result) => {
                this.progressed();
                Poll::Ready(result)
            }
            Poll::Pending => this.stalled(cx).map(Err),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// AWS Signature Version 4 (the `s3` service), for S3-compatible object stores.
pub mod sigv4 {
    use aws_sigv4::{
        http_request::{
            PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
            SigningSettings, UriPathNormalizationMode, sign as sign_request,
        },
        sign::v4::SigningParams,
    };
    use hyper::{Request, header::HeaderValue};
    use std::time::SystemTime;

    /// Credentials and scope.
    #[derive(Clone, Debug)]
    pub struct Credentials {
        /// Access key id.
        pub access_key: String,
        /// Secret access key.
        pub secret_key: String,
        /// Region (`us-east-1` for most S3-compatible servers).
        pub region: String,
    }

    /// Signs `request` as of `time`, over every header it has (which must include `host`),
    /// with `payload` as its body's hash: adds `x-amz-date`, `x-amz-content-sha256` and
    /// `authorization`. The request's path must already be URI-encoded.
    pub fn sign<B>(
        request: &mut Request<B>,
        credentials: &Credentials,
        payload: SignableBody<'_>,
        time: SystemTime,
    ) -> Result<(), String> {
        let identity = aws_credential_types::Credentials::new(
            &credentials.access_key,
            &credentials.secret_key,
            None,
            None,
            "cpc-market",
        )
        .into();
        let mut settings = SigningSettings::default();
        // S3's variant of SigV4: the body's hash goes in a header too, and the path is signed
        // as sent (encoded once, never normalized), unlike the other AWS services.
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let params = SigningParams::builder()
            .identity(&identity)
            .region(&credentials.region)
            .name("s3")
            .time(time)
            .settings(settings)
            .build()
            .expect("every parameter is set; qed")
            .into();
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| Ok((name.as_str(), value.to_str()?)))
            .collect::<Result<Vec<_>, hyper::header::ToStrError>>()
            .map_err(|e| e.to_string())?;
        let signable = SignableRequest::new(
            request.method().as_str(),
            request.uri().to_string(),
            headers.into_iter(),
            payload,
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _signature) = sign_request(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        let (headers, _query) = instructions.into_parts();
        // Applied here rather than by the library's `apply_to_request_http1x`, which panics
        // on a value that is no valid header (an access key id with a line break).
        for header in headers {
            let value = HeaderValue::from_str(header.value()).map_err(|e| e.to_string())?;
            request.headers_mut().insert(header.name(), value);
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::time::{Duration, UNIX_EPOCH};

        fn signed(unix_secs: u64) -> Request<()> {
            let credentials = Credentials {
                access_key: "AKIAIOSFODNN7EXAMPLE".into(),
                secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
                region: "us-east-1".into(),
            };
            let mut request = Request::get("https://examplebucket.s3.amazonaws.com/test.txt")
                .header("host", "examplebucket.s3.amazonaws.com")
                .header("range", "bytes=0-9")
                .body(())
                .unwrap();
            sign(
                &mut request,
                &credentials,
                SignableBody::empty(),
                UNIX_EPOCH + Duration::from_secs(unix_secs),
            )
            .unwrap();
            request
        }

        /// The example of AWS's documentation ("Signature Calculations for the Authorization
        /// Header: GET Object").
        #[test]
        fn matches_the_aws_documentation_example() {
            let request = signed(1_369_353_600);
            let header = |name: &str| request.headers()[name].to_str().unwrap();
            assert_eq!(
                header("authorization"),
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
            );
            assert_eq!(header("x-amz-date"), "20130524T000000Z");
            assert_eq!(
                header("x-amz-content-sha256"),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            );
        }

        #[test]
        fn dates_are_utc_in_the_amz_format() {
            let date = |unix_secs| signed(unix_secs).headers()["x-amz-date"].clone();
            assert_eq!(date(1_369_353_600), "20130524T000000Z");
            assert_eq!(date(951_782_400 + 3_723), "20000229T010203Z");
        }
    }
}
