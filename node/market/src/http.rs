//! HTTP plumbing shared by the gateway, its client and the object-store backends: one hyper
//! client type (HTTP or HTTPS with the system's roots), bodies streamed from files with
//! progress, and AWS Signature Version 4 for S3-compatible stores.

use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::Frame;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use std::{path::Path, sync::Arc};
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

/// AWS Signature Version 4 (the `s3` service), for S3-compatible object stores.
pub mod sigv4 {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};

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

    fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .expect("HMAC takes keys of any length; qed");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// sha2-256 of `data`, hex.
    pub fn hex_sha256(data: &[u8]) -> String {
        hex::encode(Sha256::digest(data))
    }

    /// Percent-encodes per RFC 3986 as SigV4 wants (`/` kept when `path`).
    pub fn uri_encode(s: &str, path: bool) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b'/' if path => out.push('/'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }

    /// The `Authorization` header of a request: `method`, the encoded `path` and `query`
    /// (already canonical: sorted, encoded), the `headers` to sign (lowercase names, must
    /// include `host`, `x-amz-date` and `x-amz-content-sha256`), the payload hash and the time
    /// (`YYYYMMDDTHHMMSSZ`).
    pub fn authorization(
        credentials: &Credentials,
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        payload_hash: &str,
        amz_date: &str,
    ) -> String {
        let mut headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        headers.sort();
        let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let signed_headers = headers
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let canonical_request = format!(
            "{method}\n{path}\n{query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}"
        );
        let date = &amz_date[..8];
        let scope = format!("{date}/{}/s3/aws4_request", credentials.region);
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex_sha256(canonical_request.as_bytes())
        );
        let k_date = hmac(
            format!("AWS4{}", credentials.secret_key).as_bytes(),
            date.as_bytes(),
        );
        let k_region = hmac(&k_date, credentials.region.as_bytes());
        let k_service = hmac(&k_region, b"s3");
        let k_signing = hmac(&k_service, b"aws4_request");
        let signature = hex::encode(hmac(&k_signing, string_to_sign.as_bytes()));
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key
        )
    }

    /// `YYYYMMDDTHHMMSSZ` of a Unix time (UTC).
    pub fn amz_date(unix_secs: u64) -> String {
        let days = (unix_secs / 86_400) as i64;
        let secs = unix_secs % 86_400;
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!(
            "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The example of AWS's documentation ("Signature Calculations for the Authorization
        /// Header: GET Object").
        #[test]
        fn matches_the_aws_documentation_example() {
            let credentials = Credentials {
                access_key: "AKIAIOSFODNN7EXAMPLE".into(),
                secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
                region: "us-east-1".into(),
            };
            let empty = hex_sha256(b"");
            let auth = authorization(
                &credentials,
                "GET",
                "/test.txt",
                "",
                &[
                    ("host", "examplebucket.s3.amazonaws.com"),
                    ("range", "bytes=0-9"),
                    ("x-amz-content-sha256", &empty),
                    ("x-amz-date", "20130524T000000Z"),
                ],
                &empty,
                "20130524T000000Z",
            );
            assert_eq!(
                auth,
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
            );
        }

        #[test]
        fn dates_and_encoding() {
            assert_eq!(amz_date(1_369_353_600), "20130524T000000Z");
            assert_eq!(amz_date(951_782_400 + 3_723), "20000229T010203Z");
            assert_eq!(uri_encode("a b/c~", true), "a%20b/c~");
            assert_eq!(uri_encode("a/b", false), "a%2Fb");
        }
    }
}
