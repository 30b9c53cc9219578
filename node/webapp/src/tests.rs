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
    assert_eq!(json["gatewayPort"], serde_json::Value::Null, "no gateway");
    let config = WebConfig {
        gateway_port: Some(8090),
        ..WebConfig::new(40123, "Development")
    };
    let response = respond(&Method::GET, "/config.json", &config);
    let json: serde_json::Value = serde_json::from_slice(&body(response).await).unwrap();
    assert_eq!(json["gatewayPort"], 8090);
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

/// The module the wallet runs, as built into the binary: it imports nothing (the page gives
/// it randomness as arguments), and its keys and signatures are the node's.
mod crypto_wasm {
    use super::*;
    use cpc_crypto::sr25519::{Pair, Public, Signature, verify};
    use wasmtime::{Engine, Instance, Memory, Module, Store, TypedFunc};

    struct Wasm {
        store: Store<()>,
        instance: Instance,
        memory: Memory,
    }

    impl Wasm {
        fn new() -> Self {
            let bytes = CRYPTO_WASM.expect("the wasm is built unless CPC_SKIP_WASM_BUILD is set");
            let engine = Engine::default();
            let module = Module::new(&engine, bytes).unwrap();
            assert_eq!(module.imports().len(), 0, "the module imports nothing");
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let memory = instance.get_memory(&mut store, "memory").unwrap();
            Self {
                store,
                instance,
                memory,
            }
        }

        fn func<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
            &mut self,
            name: &str,
        ) -> TypedFunc<P, R> {
            self.instance
                .get_typed_func(&mut self.store, name)
                .unwrap_or_else(|e| panic!("export {name}: {e}"))
        }

        fn put(&mut self, bytes: &[u8]) -> u32 {
            let alloc = self.func::<u32, u32>("cpc_alloc");
            let ptr = alloc
                .call(&mut self.store, bytes.len().max(1) as u32)
                .unwrap();
            self.memory
                .write(&mut self.store, ptr as usize, bytes)
                .unwrap();
            ptr
        }

        fn get(&self, ptr: u32, len: usize) -> Vec<u8> {
            let mut out = vec![0; len];
            self.memory
                .read(&self.store, ptr as usize, &mut out)
                .unwrap();
            out
        }

        fn pair(&mut self, suri: &str) -> Result<[u8; 96], u32> {
            let input = self.put(suri.as_bytes());
            let out = self.put(&[0; 96]);
            let f = self.func::<(u32, u32, u32), u32>("cpc_pair_from_suri");
            match f
                .call(&mut self.store, (input, suri.len() as u32, out))
                .unwrap()
            {
                0 => Ok(self.get(out, 96).try_into().unwrap()),
                code => Err(code),
            }
        }

        fn sign(&mut self, pair: &[u8; 96], message: &[u8], entropy: [u8; 32]) -> [u8; 64] {
            let (p, m, e, out) = (
                self.put(pair),
                self.put(message),
                self.put(&entropy),
                self.put(&[0; 64]),
            );
            let f = self.func::<(u32, u32, u32, u32, u32), u32>("cpc_sign");
            let status = f
                .call(&mut self.store, (p, m, message.len() as u32, e, out))
                .unwrap();
            assert_eq!(status, 0);
            self.get(out, 64).try_into().unwrap()
        }
    }

    #[test]
    fn the_served_crypto_imports_nothing_and_signs_as_the_node_does() {
        let response = respond(&Method::GET, CRYPTO_WASM_PATH, &config());
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            "application/wasm"
        );

        let mut wasm = Wasm::new();
        for suri in ["//Bob", "//Alice/soft", "//Alice//stash///pw"] {
            let pair = wasm.pair(suri).unwrap();
            let (native, _) = Pair::from_suri(suri).unwrap();
            assert_eq!(
                pair.to_vec(),
                native.to_raw_vec(),
                "{suri}: the same secret"
            );
            let signature = wasm.sign(&pair, b"a transfer", [7; 32]);
            let public = Public(pair[64..].try_into().unwrap());
            assert!(verify(&Signature(signature), b"a transfer", &public));
            assert!(!verify(&Signature(signature), b"a transfeR", &public));
        }
        // Bad secrets come back as error codes (crate::Error::code), not traps.
        assert_eq!(wasm.pair("not a phrase"), Err(2));
        assert_eq!(wasm.pair("//Alice//"), Err(1));
    }

    #[test]
    fn the_served_vault_opens_only_with_its_password() {
        let mut wasm = Wasm::new();
        let secret = b"//Bob";
        let (salt, nonce, tag) = (wasm.put(&[1; 16]), wasm.put(&[2; 12]), wasm.put(&[0; 16]));
        let data = wasm.put(secret);
        let password = wasm.put(b"correct horse");
        let seal = wasm.func::<(u32, u32, u32, u32, u32, u32, u32, u32), u32>("cpc_vault_seal");
        let rounds = 10_000;
        let args = (password, 13, salt, rounds, nonce, data, 5, tag);
        assert_eq!(seal.call(&mut wasm.store, args).unwrap(), 0);
        let sealed = wasm.get(data, 5);
        assert_ne!(sealed, secret);

        // The node's implementation opens what the wasm sealed.
        let mut native = sealed.clone();
        let tag_bytes: [u8; 16] = wasm.get(tag, 16).try_into().unwrap();
        let open = wasm.func::<(u32, u32, u32, u32, u32, u32, u32, u32), u32>("cpc_vault_open");
        let wrong = wasm.put(b"wrong horse");
        let status = open
            .call(
                &mut wasm.store,
                (wrong, 11, salt, rounds, nonce, data, 5, tag),
            )
            .unwrap();
        assert_eq!(status, 7, "a wrong password");
        assert_eq!(wasm.get(data, 5), sealed, "left as it was");
        let status = open
            .call(
                &mut wasm.store,
                (password, 13, salt, rounds, nonce, data, 5, tag),
            )
            .unwrap();
        assert_eq!(status, 0);
        assert_eq!(wasm.get(data, 5), secret);
        cpc_webapp_crypto::vault_open(
            b"correct horse",
            &[1; 16],
            rounds,
            &[2; 12],
            &mut native,
            &tag_bytes,
        )
        .unwrap();
        assert_eq!(native, secret);
    }

    impl Wasm {
        /// Calls `name` with `args`; the status.
        fn status<P: wasmtime::WasmParams>(&mut self, name: &str, args: P) -> u32 {
            let f = self.func::<P, u32>(name);
            f.call(&mut self.store, args).unwrap()
        }

        fn handle(&mut self, name: &str, args: impl FnOnce(u32) -> (u32, u32, u32)) -> u32 {
            let out = self.put(&[0; 4]);
            assert_eq!(self.status(name, args(out)), 0, "{name}");
            u32::from_le_bytes(self.get(out, 4).try_into().unwrap())
        }

        /// Encrypts `data` in chunks of `chunk` through the streams, as the page does, hashing
        /// the plaintext beside it: the blob and the hash.
        fn encrypt(&mut self, key: &[u8; 32], data: &[u8], chunk: usize) -> (Vec<u8>, Vec<u8>) {
            let k = self.put(key);
            let enc = self.handle("cpc_encrypt_new", |out| (k, chunk as u32, out));
            let hash = {
                let out = self.put(&[0; 4]);
                assert_eq!(self.status("cpc_sha256_new", out), 0);
                u32::from_le_bytes(self.get(out, 4).try_into().unwrap())
            };
            let header = self.put(&[0; 9]);
            assert_eq!(self.status("cpc_encrypt_header", (enc, header)), 0);
            let mut blob = self.get(header, 9);
            let chunks: Vec<&[u8]> = if data.is_empty() {
                vec![&[]]
            } else {
                data.chunks(chunk).collect()
            };
            for (i, c) in chunks.iter().enumerate() {
                let input = self.put(c);
                let out = self.put(&vec![0; c.len() + 16]);
                let last = u32::from(i + 1 == chunks.len());
                let args = (enc, input, c.len() as u32, last, out);
                assert_eq!(self.status("cpc_encrypt_chunk", args), 0);
                blob.extend(self.get(out, c.len() + 16));
                let args = (hash, input, c.len() as u32);
                assert_eq!(self.status("cpc_sha256_update", args), 0);
            }
            let digest = self.put(&[0; 32]);
            assert_eq!(self.status("cpc_stream_close", (enc, digest)), 0);
            assert_eq!(self.status("cpc_stream_close", (hash, digest)), 0);
            (blob, self.get(digest, 32))
        }

        /// Decrypts `blob` through a stream: the plaintext, or the first error code.
        fn decrypt(&mut self, key: &[u8; 32], blob: &[u8]) -> Result<Vec<u8>, u32> {
            let (k, header) = (self.put(key), self.put(&blob[..9]));
            let out = self.put(&[0; 4]);
            match self.status("cpc_decrypt_new", (k, header, 9, out)) {
                0 => {}
                code => return Err(code),
            }
            let dec = u32::from_le_bytes(self.get(out, 4).try_into().unwrap());
            assert_eq!(self.status("cpc_decrypt_chunk_size", (dec, out)), 0);
            let size = u32::from_le_bytes(self.get(out, 4).try_into().unwrap()) as usize;
            let body = &blob[9..];
            let mut plain = Vec::new();
            let mut at = 0;
            let result = loop {
                let end = (at + size).min(body.len());
                let last = end == body.len();
                let input = self.put(&body[at..end]);
                let out = self.put(&vec![0; (end - at).saturating_sub(16)]);
                let args = (dec, input, (end - at) as u32, u32::from(last), out);
                match self.status("cpc_decrypt_chunk", args) {
                    0 => plain.extend(self.get(out, (end - at) - 16)),
                    code => break Err(code),
                }
                if last {
                    break Ok(plain);
                }
                at = end;
            };
            let digest = self.put(&[0; 32]);
            assert_eq!(self.status("cpc_stream_close", (dec, digest)), 0);
            result
        }
    }

    #[test]
    fn the_served_market_crypto_is_the_clis_byte_for_byte() {
        use cpc_market_crypto::{ContentKey, EncryptionKeypair};
        let mut wasm = Wasm::new();
        let key = [42u8; 32];
        for len in [0usize, 999, 1000, 2500] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let (blob, hash) = wasm.encrypt(&key, &data, 1000);
            assert_eq!(
                blob,
                cpc_market_crypto::encrypt(&ContentKey(key), &data, 1000),
                "{len} bytes"
            );
            assert_eq!(hash, sha2_256(&data));
            // And a blob the CLI made decrypts in the page.
            let native = cpc_market_crypto::encrypt(&ContentKey(key), &data, 700);
            assert_eq!(wasm.decrypt(&key, &native), Ok(data.clone()));
        }
        // A changed byte, a cut blob, another key: error codes (crate::Error::code), no trap.
        let mut blob = cpc_market_crypto::encrypt(&ContentKey(key), &[7; 2500], 1000);
        assert_eq!(wasm.decrypt(&[1; 32], &blob), Err(11));
        assert_eq!(wasm.decrypt(&key, &blob[..2000]), Err(11));
        blob[9 + 1016 + 5] ^= 1;
        assert_eq!(wasm.decrypt(&key, &blob), Err(11));
        assert_eq!(wasm.decrypt(&key, b"not a blob at all"), Err(10));
        // Unknown stream numbers are refused, and no stream was left open above.
        let out = wasm.put(&[0; 32]);
        assert_eq!(wasm.status("cpc_stream_close", (0u32, out)), 17);
        assert_eq!(wasm.status("cpc_stream_close", (1u32, out)), 17);
        let data = wasm.put(b"x");
        assert_eq!(wasm.status("cpc_sha256_update", (5u32, data, 1u32)), 17);

        // Keys: the account's X25519 key is the node's; sealing works both ways.
        let dave = wasm.pair("//Dave").unwrap();
        let (native_dave, _) = cpc_crypto::sr25519::Pair::from_suri("//Dave").unwrap();
        let native = EncryptionKeypair::from_account(&native_dave);
        let (p, out) = (wasm.put(&dave), wasm.put(&[0; 32]));
        assert_eq!(wasm.status("cpc_market_public", (p, out)), 0);
        assert_eq!(wasm.get(out, 32), native.public());
        let (k, r, e, sealed) = (
            wasm.put(&key),
            wasm.put(&native.public()),
            wasm.put(&[3; 32]),
            wasm.put(&[0; 80]),
        );
        assert_eq!(wasm.status("cpc_market_seal", (k, r, e, sealed)), 0);
        let sealed_bytes = wasm.get(sealed, 80);
        assert_eq!(native.open(&sealed_bytes).unwrap().0, key);
        let from_node = cpc_market_crypto::seal(&ContentKey([9; 32]), &native.public()).unwrap();
        let s = wasm.put(&from_node);
        assert_eq!(wasm.status("cpc_market_open", (p, s, 80u32, out)), 0);
        assert_eq!(wasm.get(out, 32), [9; 32]);
        let eve = wasm.pair("//Eve").unwrap();
        let pe = wasm.put(&eve);
        assert_eq!(wasm.status("cpc_market_open", (pe, s, 80u32, out)), 14);
        let zero = wasm.put(&[0; 32]);
        assert_eq!(wasm.status("cpc_market_seal", (k, zero, e, sealed)), 15);

        // The gateway login payload.
        let audience = b"http://127.0.0.1:8090";
        let (g, a, n, out, len) = (
            wasm.put(&[1; 32]),
            wasm.put(audience),
            wasm.put(&[2; 32]),
            wasm.put(&[0; 512]),
            wasm.put(&[0; 4]),
        );
        let args = (g, a, audience.len() as u32, n, out, len);
        assert_eq!(wasm.status("cpc_market_login_payload", args), 0);
        let len = u32::from_le_bytes(wasm.get(len, 4).try_into().unwrap()) as usize;
        assert_eq!(
            wasm.get(out, len),
            cpc_market_crypto::login_payload(&[1; 32], "http://127.0.0.1:8090", &[2; 32])
        );
    }

    fn sha2_256(data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        sha2::Sha256::digest(data).to_vec()
    }
}
