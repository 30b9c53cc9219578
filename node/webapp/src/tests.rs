//! Routes answered without sockets, then the server's limits over real connections.

use super::*;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn config() -> WebConfig {
    WebConfig::new(9944, "Development")
}

async fn body(response: Response<Full<Bytes>>) -> Vec<u8> {
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

fn header_of(response: &Response<Full<Bytes>>, name: header::HeaderName) -> &str {
    response.headers()[name].to_str().unwrap()
}

#[tokio::test]
async fn every_file_of_the_app_is_served_with_its_type_and_the_policy() {
    assert!(
        ASSETS.len() >= 8,
        "the app's files are built in: {}",
        ASSETS.len()
    );
    for asset in ASSETS {
        let response = respond(&Method::GET, asset.path, &config());
        assert_eq!(response.status(), StatusCode::OK, "{}", asset.path);
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            asset.content_type
        );
        assert_eq!(
            header_of(&response, header::CONTENT_SECURITY_POLICY),
            CONTENT_SECURITY_POLICY
        );
        assert_eq!(
            header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        assert_eq!(body(response).await, asset.body, "{}", asset.path);
    }
    let js = asset("/js/app.js").expect("the entry module");
    assert_eq!(js.content_type, "text/javascript; charset=utf-8");
}

#[tokio::test]
async fn the_root_is_the_page_and_config_names_the_rpc_port() {
    let root = respond(&Method::GET, "/", &config());
    assert_eq!(
        header_of(&root, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(body(root).await, asset("/index.html").unwrap().body);

    let response = respond(
        &Method::GET,
        "/config.json",
        &WebConfig::new(40123, "Local \"test\""),
    );
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "application/json"
    );
    let json: serde_json::Value = serde_json::from_slice(&body(response).await).unwrap();
    assert_eq!(json["rpcPort"], 40123);
    assert_eq!(json["chain"], "Local \"test\"");
}

/// Every file the page or a module names (`src`, `href`, `import … from './…'`) is one the
/// server has: a typo fails here, not in a browser.
#[test]
fn every_reference_between_the_apps_files_resolves() {
    let mut checked = 0;
    for asset in ASSETS
        .iter()
        .filter(|a| a.path.ends_with(".html") || a.path.ends_with(".js"))
    {
        let text = std::str::from_utf8(asset.body).unwrap();
        let dir = &asset.path[..=asset.path.rfind('/').unwrap()];
        let mut references = Vec::new();
        for marker in ["src=\"", "href=\"", "from './", "import('./"] {
            for (at, _) in text.match_indices(marker) {
                let start = at + marker.len() - usize::from(marker.ends_with("./")) * 2;
                let rest = &text[start..];
                let end = rest.find(['"', '\'']).unwrap();
                references.push(&rest[..end]);
            }
        }
        for reference in references {
            if reference.starts_with('#') || reference.contains("://") {
                continue;
            }
            let path = normalize(dir, reference);
            assert!(
                asset_exists(&path),
                "{} names {reference} ({path}), which is not served",
                asset.path
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "references were found and checked: {checked}"
    );
}

fn normalize(dir: &str, reference: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in reference.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn asset_exists(path: &str) -> bool {
    asset(path).is_some()
}

#[tokio::test]
async fn unknown_paths_and_other_methods_are_refused() {
    for path in [
        "/nope",
        "/js/../Cargo.toml",
        "/index.html/",
        "//etc/passwd",
        "/config.json.bak",
    ] {
        assert_eq!(
            respond(&Method::GET, path, &config()).status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
        let response = respond(&method, "/", &config());
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(header_of(&response, header::ALLOW), "GET, HEAD");
    }
    let head = respond(&Method::HEAD, "/index.html", &config());
    let length: usize = header_of(&head, header::CONTENT_LENGTH).parse().unwrap();
    assert_eq!(length, asset("/index.html").unwrap().body.len());
    assert!(body(head).await.is_empty(), "HEAD sends no body");
}

async fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_real_connection_gets_the_page() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = serve(listener, config()).unwrap();
    let answer = get(server.local_addr(), "/").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("<script type=\"module\" src=\"js/app.js\">"));
}

/// One address holding its share of connections open gets no more, and gets one again when it
/// lets one go; other limits are the same table.
#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_connections() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut limited = config();
    limited.max_connections_per_ip = 3;
    let server = serve(listener, limited).unwrap();
    let addr = server.local_addr();
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        // A request in flight proves the connection was accepted and kept.
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut first = [0u8; 12];
        stream.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        held.push(stream);
    }
    let mut refused = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = refused
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await;
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), refused.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "closed without an answer: {read:?}"
    );

    drop(held.pop());
    // The slot comes back once the server has seen the close; retry within a bound.
    for attempt in 0.. {
        let answer = get(addr, "/config.json").await;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(attempt < 100, "a slot came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn an_ipv6_prefix_counts_as_one_address() {
    let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
    let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
    let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
    assert_eq!(limit_key(a), limit_key(b));
    assert_ne!(limit_key(a), limit_key(c));
    let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
    assert_eq!(limit_key(mapped), "10.0.0.1".parse::<IpAddr>().unwrap());
}
