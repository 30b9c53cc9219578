//! Helpers for process-level tests: start the real `cpchain` binary, talk JSON-RPC to it.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_cpchain")
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The port of the first address logged after `marker` (`"JSON-RPC on ws://"`).
pub fn port_after(text: &str, marker: &str) -> Option<u16> {
    let line = text.lines().find(|l| l.contains(marker))?;
    let rest = &line[line.find(marker)? + marker.len()..];
    let address = rest.split(|c: char| c.is_whitespace() || c == '/').next()?;
    address.rsplit(':').next()?.parse().ok()
}

/// Debian's Chromium for the browser tests (`$CHROMIUM` names another): a machine without it
/// fails the test and says so, never skips it.
pub fn chromium() -> String {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&path).exists(),
        "the browser tests need Chromium at {path} (Debian's `chromium`; scripts/test.sh \
         installs it)"
    );
    path
}

/// Where browser tests save their screenshots: the test output folder, never the repository.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("webapp-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running node; killed when dropped.
pub struct Node {
    pub child: Child,
    pub rpc_port: u16,
    pub prometheus_port: u16,
    /// The web app's port, on dev nodes (which serve it by default).
    pub ui_port: Option<u16>,
    /// The storage gateway's port, on dev nodes (which serve one by default) and nodes
    /// started with `--gateway-port`.
    pub gateway_port: Option<u16>,
    pub log: PathBuf,
}

impl Node {
    /// Starts `cpchain` with `args`, logging to `log`, on ports the system picks (read back from
    /// the log, so parallel tests never collide), and waits until RPC answers.
    pub fn start(args: &[&str], log: &Path) -> Node {
        // `--tmp` becomes a base path beside the log, inside the test's temporary directory:
        // a node killed by a test cannot remove its own temporary directory, and hundreds of
        // them filled /tmp.
        // `--dev` alone means a temporary directory too.
        let base = log.with_extension("base");
        let mut args: Vec<&str> = args.iter().copied().filter(|a| *a != "--tmp").collect();
        if !args.iter().any(|a| *a == "--base-path" || *a == "-d") {
            args.extend(["--base-path", base.to_str().expect("UTF-8 test paths")]);
        }
        let mut command = Command::new(binary());
        command.args(&args);
        Node::spawn(command, log)
    }

    /// Starts `command` (which runs a `cpchain` node, maybe through a script) on loopback, on
    /// ports the system picks, logging stdout and stderr to `log`, and waits until RPC answers.
    pub fn spawn(mut command: Command, log: &Path) -> Node {
        let log_file = std::fs::File::create(log).unwrap();
        // A dev node serves the web app, on 9955 unless told otherwise.
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let dev = args.iter().any(|a| a == "--dev")
            || command.get_program().to_string_lossy().ends_with("dev.sh");
        if dev && !args.iter().any(|a| a == "--ui-port" || a == "--no-ui") {
            command.args(["--ui-port", "0"]);
        }
        // And the storage gateway, on 8090 unless told otherwise.
        if dev
            && !args
                .iter()
                .any(|a| a == "--gateway-port" || a == "--no-gateway")
        {
            command.args(["--gateway-port", "0"]);
        }
        let child = command
            // Loopback only, on ports the system picks, and no mDNS: parallel tests must
            // neither collide nor find each other.
            .args(["--rpc-port", "0", "--prometheus-port", "0"])
            .args(["--listen-addr", "/ip4/127.0.0.1/tcp/0", "--no-mdns"])
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .expect("the node starts");
        let mut node = Node {
            child,
            rpc_port: 0,
            prometheus_port: 0,
            ui_port: None,
            gateway_port: None,
            log: log.to_path_buf(),
        };
        node.wait_for_ports(Duration::from_secs(60));
        if dev {
            node.ui_port = port_after(&node.log_text(), "Web app on http://");
        }
        node.gateway_port = port_after(&node.log_text(), "Storage gateway on http://");
        node.wait_for_rpc(Duration::from_secs(60));
        node
    }

    fn wait_for_ports(&mut self, limit: Duration) {
        let started = Instant::now();
        while started.elapsed() < limit {
            let text = self.log_text();
            let rpc = port_after(&text, "JSON-RPC on ws://");
            let metrics = port_after(&text, "Prometheus metrics on http://");
            if let (Some(rpc), Some(metrics)) = (rpc, metrics) {
                self.rpc_port = rpc;
                self.prometheus_port = metrics;
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the node exited ({status}); log:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the node did not report its ports within {limit:?}; log:\n{}",
            self.log_text()
        );
    }

    /// Waits until RPC answers; fails at once if the node exits.
    pub fn wait_for_rpc(&mut self, limit: Duration) {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.try_rpc("system_name", json!([])).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the node did not answer RPC within {limit:?}; log:\n{}",
            self.log_text()
        );
    }

    /// The node's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A JSON-RPC call over HTTP: `Ok(result)` or `Err(error object)`.
    pub fn try_rpc(&self, method: &str, params: Value) -> Result<Value, Value> {
        let body =
            json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string();
        let response = http_post(self.rpc_port, "/", body.as_bytes())
            .map_err(|e| json!({ "io": e.to_string() }))?;
        let value: Value = serde_json::from_str(&response.1)
            .map_err(|e| json!({ "body": response.1, "parse": e.to_string() }))?;
        match value.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(value["result"].clone()),
        }
    }

    /// A JSON-RPC call that must succeed.
    pub fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params)
            .unwrap_or_else(|e| panic!("{method} failed: {e}"))
    }

    /// The best block number.
    pub fn best_number(&self) -> u32 {
        number(&self.rpc("chain_getHeader", json!([])))
    }

    /// Waits until the best block number reaches `n`.
    pub fn wait_for_block(&self, n: u32, limit: Duration) {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.best_number() >= n {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "block #{n} did not come within {limit:?}; log:\n{}",
            self.log_text()
        );
    }

    /// Stops the node with SIGTERM and waits for it.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                return self.child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A child process (a relayer, a market daemon) killed when dropped, so that a failing test
/// leaves nothing running.
pub struct Daemon(pub Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A block number from a header's JSON.
pub fn number(header: &Value) -> u32 {
    let hex = header["number"].as_str().expect("a header");
    u32::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
}

/// A minimal HTTP/1.1 POST; returns the status code and body.
pub fn http_post(port: u16, path: &str, body: &[u8]) -> std::io::Result<(u16, String)> {
    http_post_with(port, path, &[], body).map(|(status, _, body)| (status, body))
}

/// A minimal HTTP/1.1 POST with extra `headers` (`Origin: ...`); returns the status code, the
/// response head (lowercased) and the body.
pub fn http_post_with(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    // A server may refuse early (413) and close while we still write a large body.
    let _ = stream.write_all(body);
    read_full_response(stream)
}

/// A minimal HTTP/1.1 GET; returns the status code and body.
pub fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    // One write: the request head arrives whole.
    stream.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    )?;
    read_response(stream)
}

fn read_response(stream: TcpStream) -> std::io::Result<(u16, String)> {
    read_full_response(stream).map(|(status, _, body)| (status, body))
}

fn read_full_response(mut stream: TcpStream) -> std::io::Result<(u16, String, String)> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, head.to_ascii_lowercase(), body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// Runs `cpchain` with `args` to completion; returns (success, stdout, stderr).
pub fn run(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(binary())
        .args(args)
        .output()
        .expect("cpchain runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The storage key of an account's `AccountInfo`, as hex.
pub fn account_key(account: &cpc_primitives::AccountId) -> String {
    format!(
        "0x{}",
        hex::encode(cpc_pallet_system::Account::hashed_key(account))
    )
}

/// The free balance of `account` at block `at` (best if `None`).
pub fn free_balance(node: &Node, account: &cpc_primitives::AccountId, at: Option<&str>) -> u128 {
    let value = node.rpc("state_getStorage", json!([account_key(account), at]));
    let Some(hex) = value.as_str() else { return 0 };
    let bytes = hex::decode(hex.trim_start_matches("0x")).unwrap();
    let info: cpc_pallet_system::AccountInfo = codec::Decode::decode(&mut &bytes[..]).unwrap();
    info.data.free
}

/// A transfer signed by dev account `signer` for the node's chain, as hex for
/// `author_submitExtrinsic`.
pub fn signed_transfer(
    genesis: cpc_primitives::H256,
    signer: &str,
    nonce: u32,
    to: &cpc_primitives::AccountId,
    amount: u128,
) -> String {
    use codec::Encode;
    let call = cpc_runtime::RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_keep_alive {
        dest: (*to).into(),
        value: amount,
    });
    signed_call(
        genesis,
        signer,
        nonce,
        call.encode(),
        cpc_runtime::VERSION.spec_version,
    )
}

/// The encoded `call` signed by dev account `signer` for a runtime of `spec_version`, as hex
/// for `author_submitExtrinsic`.
pub fn signed_call(
    genesis: cpc_primitives::H256,
    signer: &str,
    nonce: u32,
    call: Vec<u8>,
    spec_version: u32,
) -> String {
    use codec::Encode;
    let extra = cpc_primitives::SignedExtra {
        era: cpc_primitives::Era::Immortal,
        nonce,
        tip: 0,
    };
    let version = cpc_version::RuntimeVersion {
        spec_version,
        ..cpc_runtime::VERSION
    };
    let additional = cpc_primitives::extrinsic::AdditionalSigned::immortal(&version, genesis);
    let pair = cpc_runtime_test_utils::pair(signer);
    let xt = cpc_primitives::UncheckedExtrinsic::sign(
        cpc_primitives::extrinsic::RawCall(call),
        &pair,
        extra,
        &additional,
    );
    format!("0x{}", hex::encode(xt.encode()))
}

/// Raw storage at `key` in block `at` (best if `None`).
pub fn storage(node: &Node, key: &[u8], at: Option<&str>) -> Option<Vec<u8>> {
    let value = node.rpc(
        "state_getStorage",
        json!([format!("0x{}", hex::encode(key)), at]),
    );
    value
        .as_str()
        .map(|hex| hex::decode(hex.trim_start_matches("0x")).unwrap())
}

/// The hash of block `number`, as the node serves it.
pub fn block_hash(node: &Node, number: u32) -> String {
    node.rpc("chain_getBlockHash", json!([number]))
        .as_str()
        .unwrap_or_else(|| panic!("no block #{number}"))
        .to_string()
}

/// The number of the finalized block.
pub fn finalized_number(node: &Node) -> u32 {
    let hash = node.rpc("chain_getFinalizedHead", json!([]));
    number(&node.rpc("chain_getHeader", json!([hash])))
}

/// Waits until `condition` holds, checking every 100 ms; panics with `what` after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while started.elapsed() < limit {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not happen within {limit:?}");
}

/// The genesis hash of the node's chain.
pub fn genesis_hash(node: &Node) -> cpc_primitives::H256 {
    serde_json::from_value(node.rpc("chain_getBlockHash", json!([0]))).unwrap()
}

/// The state root of the best block, recomputed from every key and value the node serves, and
/// the root its header claims.
pub fn best_state_roots(node: &Node) -> (cpc_primitives::H256, cpc_primitives::H256) {
    let best = node.rpc("chain_getBlockHash", json!([]));
    let header = node.rpc("chain_getHeader", json!([best]));
    let claimed: cpc_primitives::H256 =
        serde_json::from_value(header["stateRoot"].clone()).unwrap();
    let mut entries = std::collections::BTreeMap::new();
    let mut start: Option<String> = None;
    loop {
        let keys = node.rpc("state_getKeysPaged", json!(["0x", 1000, start, best]));
        let keys = keys.as_array().unwrap().clone();
        for key in &keys {
            let value = node.rpc("state_getStorage", json!([key, best]));
            let decode =
                |v: &Value| hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap();
            entries.insert(decode(key), decode(&value));
        }
        if keys.len() < 1000 {
            break;
        }
        start = keys.last().and_then(|k| k.as_str()).map(String::from);
    }
    (claimed, cpc_trie::trie_root(entries))
}

/// A chain spec like `dev` with another block period, written into `dir`.
pub fn spec_with_period(dir: &Path, id: &str, period_ms: u64) -> PathBuf {
    let spec = json!({
        "name": "Test", "id": id, "chainType": "Development",
        "properties": {"tokenSymbol": "CPC", "tokenDecimals": 12, "ss58Format": 42},
        "consensus": {"engine": "dev", "blockPeriodMs": period_ms},
        "genesis": {"runtimeGenesis": {"preset": "development"}}
    });
    let path = dir.join(format!("{id}.json"));
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

/// A chain spec run by LBFT with the runtime preset `preset`, written into `dir`.
pub fn lbft_spec(dir: &Path, id: &str, chain_type: &str, preset: &str, period_ms: u64) -> String {
    let spec = json!({
        "name": id, "id": id, "chainType": chain_type,
        "properties": {"tokenSymbol": "CPC", "tokenDecimals": 12, "ss58Format": 42},
        "consensus": {"engine": "lbft", "blockPeriodMs": period_ms},
        "genesis": {"runtimeGenesis": {"preset": preset}}
    });
    let path = dir.join(format!("{id}.json"));
    std::fs::write(&path, spec.to_string()).unwrap();
    path.display().to_string()
}

/// The `/ip4/127.0.0.1/tcp/<port>/p2p/<id>` address a node logged.
pub fn p2p_address(node: &Node) -> String {
    let mut address = None;
    wait_until("the node's listen address", Duration::from_secs(60), || {
        address = node
            .log_text()
            .lines()
            .find_map(|l| {
                l.split("Listening on ")
                    .nth(1)
                    .map(|a| a.trim().to_string())
            })
            .filter(|a| a.starts_with("/ip4/127.0.0.1/"));
        address.is_some()
    });
    address.unwrap()
}

/// Starts one validator per dev name (`Alice`, `Bob`, ...) on `spec`, each with its key in its
/// keystore under `dir/<name>`, each connected to the ones started before it.
pub fn start_validators(dir: &Path, spec: &str, names: &[&str]) -> (Vec<Node>, Vec<String>) {
    let mut nodes = Vec::new();
    let mut addresses: Vec<String> = Vec::new();
    for name in names {
        let base = dir.join(name);
        let base = base.to_str().unwrap();
        let (ok, _, stderr) = run(&[
            "key",
            "insert",
            "--suri",
            &format!("//{name}"),
            "--base-path",
            base,
        ]);
        assert!(ok, "{stderr}");
        let mut args = vec!["--chain", spec, "--validator", "--base-path", base];
        if !addresses.is_empty() {
            args.push("--bootnodes");
            args.extend(addresses.iter().map(String::as_str));
        }
        let node = Node::start(&args, &dir.join(format!("{name}.log")));
        addresses.push(p2p_address(&node));
        nodes.push(node);
    }
    (nodes, addresses)
}

/// The directory of a client test under `tests/clients/` (`polkadot-js`, `polkadot-api`).
pub fn client_dir(name: &str) -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into()))
        .join("../../tests/clients")
        .join(name)
}

/// Runs `node <script>` in the client directory `name` with `env`, bounded by `limit`, and
/// returns whether it succeeded and what it printed. The packages come from the directory's
/// lockfile (`scripts/test.sh` installs them with `npm ci`); a missing install is a failure
/// that says so, never a skipped test.
pub fn run_node_script(
    name: &str,
    script: &str,
    env: &[(&str, String)],
    limit: Duration,
) -> (bool, String) {
    let dir = client_dir(name);
    assert!(
        dir.join("node_modules").is_dir(),
        "{} has no node_modules: run `npm ci --ignore-scripts` there (scripts/test.sh does)",
        dir.display()
    );
    let out = dir.join(format!("{script}.out"));
    let mut command = Command::new("node");
    command
        .arg(script)
        .current_dir(&dir)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(out.with_extension("err")).unwrap());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("node (Node.js 20) is installed");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = format!(
        "{}{}",
        std::fs::read_to_string(&out).unwrap_or_default(),
        std::fs::read_to_string(out.with_extension("err")).unwrap_or_default()
    );
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(out.with_extension("err"));
    (status.is_some_and(|s| s.success()), text)
}

/// Runs the browser script `tests/clients/browser/<script>` in Chromium against the web app on
/// `ui_port`, given the app's URL, Chromium's path, the screenshot folder and `env`; fails the
/// test if the script fails, and returns what the page showed (the script's `SEEN {json}`
/// line) and the script's whole output.
pub fn browser_script(
    script: &str,
    ui_port: u16,
    env: &[(&str, String)],
    limit: Duration,
) -> (Value, String) {
    let mut all = vec![
        ("APP_URL", format!("http://127.0.0.1:{ui_port}/")),
        ("CHROMIUM", chromium()),
        ("SCREENSHOTS", screenshot_dir().display().to_string()),
    ];
    all.extend(env.iter().cloned());
    let (ok, output) = run_node_script("browser", script, &all, limit);
    assert!(
        ok,
        "the browser script {script} failed:
{output}"
    );
    let seen = output
        .lines()
        .find_map(|l| l.strip_prefix("SEEN "))
        .map(|l| serde_json::from_str(l).unwrap())
        .unwrap_or_else(|| panic!("{script} reports what it saw:\n{output}"));
    (seen, output)
}

/// Runs `cpchain args` (a `--json` command) and returns the JSON of its last output line;
/// fails the test with its output if it fails.
pub fn cli_json(args: &[&str]) -> Value {
    let (ok, stdout, stderr) = run(args);
    assert!(ok, "cpchain {args:?} failed:\n{stdout}\n{stderr}");
    serde_json::from_str(stdout.trim().lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("cpchain {args:?}: not JSON ({e}): {stdout}"))
}

/// The node's WebSocket RPC address.
pub fn ws(node: &Node) -> String {
    format!("ws://127.0.0.1:{}", node.rpc_port)
}

/// Starts `cpchain relay` between `main` and sidechain 0 as `from`, logging to `log`, with
/// `extra` arguments; killed when dropped.
pub fn start_relay(main: &Node, side: &Node, from: &str, log: &Path, extra: &[&str]) -> Daemon {
    let file = std::fs::File::create(log).unwrap();
    let child = Command::new(binary())
        .args(["relay", "--main-rpc", &ws(main), "--side-rpc", &ws(side)])
        .args(["--sidechain-id", "0", "--from", from])
        .args(extra)
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    Daemon(child)
}

/// A main dev chain and a sidechain-dev chain following it from a checkpoint (`cpchain
/// sidechain checkpoint`), registered on main as sidechain 0 by Bob; `patch` may add to the
/// sidechain's genesis patch (which holds the tracker's checkpoint).
pub fn main_and_sidechain(dir: &Path, patch: impl FnOnce(&mut Value)) -> (Node, Node) {
    let long = Duration::from_secs(120);
    let main = Node::start(&["--dev"], &dir.join("main.log"));
    main.wait_for_block(2, long);
    let (ok, checkpoint, stderr) = run(&["sidechain", "checkpoint", "--rpc-url", &ws(&main)]);
    assert!(ok, "{stderr}");
    let mut genesis_patch: Value = serde_json::from_str(checkpoint.trim()).unwrap();
    patch(&mut genesis_patch);
    let (ok, spec, stderr) = run(&["build-spec", "--chain", "sidechain-dev"]);
    assert!(ok, "{stderr}");
    let mut spec: Value = serde_json::from_str(&spec).unwrap();
    spec["genesis"]["runtimeGenesis"]["patch"] = genesis_patch;
    let spec_path = dir.join("sidechain.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let side = Node::start(
        &["--dev", "--chain", spec_path.to_str().unwrap()],
        &dir.join("side.log"),
    );
    side.wait_for_block(2, long);
    let (ok, out, stderr) = run(&[
        "sidechain",
        "register",
        "--rpc-url",
        &ws(&main),
        "--sidechain-rpc",
        &ws(&side),
        "--bond",
        &cpc_runtime::constants::SIDECHAIN_MIN_BOND.to_string(),
        "--metadata",
        "greenhouse fleet",
        "--from",
        "//Bob",
        "--json",
    ]);
    assert!(ok, "{out} {stderr}");
    (main, side)
}

/// Runs `scripts/<script> <command> <dir>` with this binary and ports from `port_base`;
/// returns whether it succeeded and its output.
pub fn testnet_script(script: &str, command: &str, dir: &Path, port_base: u16) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts")
        .join(script);
    let output = Command::new("bash")
        .arg(script)
        .args([command, dir.to_str().unwrap()])
        .env("CPCHAIN", binary())
        .env("PORT_BASE", port_base.to_string())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Runs `scripts/iot-testnet.sh <command> <dir>` (see [`testnet_script`]).
pub fn iot_testnet(command: &str, dir: &Path, port_base: u16) -> (bool, String) {
    testnet_script("iot-testnet.sh", command, dir, port_base)
}

/// Stops an IoT testnet when the test ends, failed or not: its ten processes must not outlive
/// it.
pub struct StopTestnet<'a>(pub &'a Path, pub u16);

impl Drop for StopTestnet<'_> {
    fn drop(&mut self) {
        let _ = iot_testnet("stop", self.0, self.1);
    }
}

/// `cpchain market serve` as `suri` with its keys in `key_dir` and `extra` arguments, its
/// standard error in `log`, until dropped.
pub fn market_serve(
    suri: &str,
    key_dir: &std::path::Path,
    rpc: &str,
    extra: &[&str],
    log: &std::path::Path,
) -> Daemon {
    Daemon(
        Command::new(binary())
            .args([
                "market",
                "serve",
                "--suri",
                suri,
                "--poll-ms",
                "300",
                "--key-dir",
                key_dir.to_str().unwrap(),
                "--rpc-url",
                rpc,
                "--json",
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap(),
    )
}

/// `cpchain market register-proxy` as `suri`: a 5% fee and a bond of 100 units.
pub fn register_proxy(rpc: &str, suri: &str) -> Value {
    cli_json(&[
        "market",
        "register-proxy",
        "--suri",
        suri,
        "--fee-per-mille",
        "50",
        "--bond",
        &(100 * cpc_runtime::constants::UNITS).to_string(),
        "--rpc-url",
        rpc,
        "--json",
    ])
}

/// `cpchain market accept --all` as `suri`: the proxy serves every product that lists it.
pub fn accept_all(rpc: &str, suri: &str) -> Value {
    cli_json(&[
        "market",
        "accept",
        "--all",
        "--suri",
        suri,
        "--rpc-url",
        rpc,
        "--json",
    ])
}

/// Free balances of `accounts` at block `at`.
pub fn free_balances(node: &Node, accounts: &[cpc_primitives::AccountId], at: &str) -> Vec<u128> {
    accounts
        .iter()
        .map(|who| free_balance(node, who, Some(at)))
        .collect()
}

/// `cpchain market buy` of `product` through `proxy` as `suri`: the order's id.
pub fn market_buy(rpc: &str, product: u64, proxy: &str, suri: &str) -> u64 {
    let bought = cli_json(&[
        "market",
        "buy",
        &product.to_string(),
        "--proxy",
        proxy,
        "--suri",
        suri,
        "--rpc-url",
        rpc,
        "--json",
    ]);
    bought["orderId"].as_u64().expect("an order id")
}

/// The node's resident memory, KiB (0 if it cannot be read).
pub fn resident_kib(node: &Node) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", node.child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The LBFT commit certificate of finalized block `number`, from its justification over RPC.
pub fn commit_certificate(node: &Node, number: u32) -> cpc_consensus::Certificate {
    use codec::Decode;
    let block = node.rpc("chain_getBlock", json!([block_hash(node, number)]));
    let bytes: Vec<u8> =
        serde_json::from_value(block["justifications"][0][1].clone()).expect("a certificate");
    cpc_consensus::Certificate::decode(&mut &bytes[..]).unwrap()
}

/// The LBFT committee index and membership of the dev account `name` (`//Name` as its
/// session key), read from the chain's state.
pub fn committee_member(node: &Node, name: &str) -> (u16, cpc_consensus_primitives::Member) {
    use codec::Decode;
    use cpc_primitives::hashing::twox_128;
    let key = [twox_128(b"HybridConsensus"), twox_128(b"Validators")].concat();
    let bytes = storage(node, &key, None).expect("a committee");
    let members: Vec<cpc_consensus_primitives::Member> = Decode::decode(&mut &bytes[..]).unwrap();
    let (pair, _) = cpc_crypto::sr25519::Pair::from_suri(&format!("//{name}")).unwrap();
    let index = members
        .iter()
        .position(|m| m.session_key == pair.public())
        .expect("in the committee");
    (index as u16, members[index].clone())
}

/// Fees paid per account in blocks `from..=to`, from the `TransactionFeePaid` events.
pub fn fees(
    node: &Node,
    from: u32,
    to: u32,
) -> std::collections::BTreeMap<cpc_primitives::AccountId, u128> {
    let key = cpc_pallet_system::Events::<cpc_runtime::Runtime>::hashed_key();
    let mut fees = std::collections::BTreeMap::new();
    for n in from..=to {
        let hash = block_hash(node, n);
        let Some(raw) = storage(node, &key, Some(&hash)) else {
            continue;
        };
        let records = <Vec<
            cpc_pallet_system::EventRecord<cpc_runtime::RuntimeEvent, cpc_primitives::H256>,
        > as codec::Decode>::decode(&mut &raw[..])
        .unwrap();
        for record in records {
            if let cpc_runtime::RuntimeEvent::Balances(
                cpc_pallet_balances::Event::TransactionFeePaid {
                    who, actual_fee, ..
                },
            ) = record.event
            {
                *fees.entry(who).or_default() += actual_fee;
            }
        }
    }
    fees
}

/// An amount as the page writes it (`1,234.5 CPC`), in the smallest unit (12 decimals).
pub fn from_cpc(shown: &str) -> u128 {
    let number = shown
        .strip_suffix(" CPC")
        .unwrap_or_else(|| panic!("an amount in CPC: {shown}"))
        .replace(',', "");
    let (whole, fraction) = number.split_once('.').unwrap_or((&number, ""));
    assert!(fraction.len() <= 12, "{shown}");
    whole.parse::<u128>().unwrap() * 1_000_000_000_000
        + format!("{fraction:0<12}").parse::<u128>().unwrap()
}
