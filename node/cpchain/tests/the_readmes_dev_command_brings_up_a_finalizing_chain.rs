//! The README's first command, run as a user runs it (from the repository's root), starts a dev
//! chain that finalizes blocks, and every URL it prints answers.
//!
//! The command's own set-up runs (it is quick once everything is installed); building the
//! release binary is the one step skipped: `CPCHAIN_BIN` points the script at the binary under
//! test, so the suite does not compile the node twice. The node runs on loopback ports the
//! system picks, so parallel tests never collide.

mod common;

use common::{Node, finalized_number, http_get, wait_until};
use jsonrpsee::{core::client::ClientT, rpc_params, ws_client::WsClientBuilder};
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

fn repository() -> PathBuf {
    // This run's manifest directory: a shared target directory may hold a build of another
    // checkout of the same commit.
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into()))
        .join("../..")
}

/// The first command of the README: the first line of its first `sh` block.
fn readme_first_command() -> Vec<String> {
    let readme = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .expect("the README has an sh block");
    let line = block.lines().next().expect("the block has a command");
    line.split_whitespace().map(String::from).collect()
}

/// Every `ws://` and `http://` URL in `text`.
fn urls(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
        .filter(|w| w.starts_with("ws://") || w.starts_with("http://"))
        .map(|w| w.trim_end_matches(['.', ';', ':']).to_string())
        .collect();
    found.sort();
    found.dedup();
    found
}

fn port_of(url: &str) -> u16 {
    let authority = url.split("://").nth(1).unwrap().split('/').next().unwrap();
    authority.rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn the_readmes_dev_command_brings_up_a_finalizing_chain() {
    let command = readme_first_command();
    assert_eq!(
        command,
        ["scripts/dev.sh"],
        "the README opens with the dev command"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut script = Command::new(repository().join(&command[0]));
    script
        .args(&command[1..])
        .current_dir(repository())
        .env("CPCHAIN_BIN", common::binary())
        .args(["--base-path", dir.path().join("base").to_str().unwrap()]);
    let node = Node::spawn(script, &dir.path().join("dev.log"));

    wait_until("finalized block #3", Duration::from_secs(60), || {
        finalized_number(&node) >= 3
    });

    let printed = urls(&node.log_text());
    let ws: Vec<_> = printed.iter().filter(|u| u.starts_with("ws://")).collect();
    let metrics: Vec<_> = printed.iter().filter(|u| u.ends_with("/metrics")).collect();
    let app = format!(
        "http://127.0.0.1:{}/",
        node.ui_port.expect("the web app's URL")
    );
    assert_eq!(ws.len(), 1, "one WebSocket RPC URL in {printed:?}");
    assert_eq!(metrics.len(), 1, "one metrics URL in {printed:?}");
    assert!(
        printed.contains(&app),
        "the web app's URL {app} in {printed:?}"
    );
    let gateway = format!(
        "http://127.0.0.1:{}",
        node.gateway_port
            .expect("a dev node serves the storage gateway")
    );
    assert!(
        printed.contains(&gateway),
        "the gateway's URL {gateway} in {printed:?}"
    );
    for url in &printed {
        assert!(
            url.starts_with("ws://127.0.0.1:") || url.starts_with("http://127.0.0.1:"),
            "{url} is on loopback"
        );
    }

    // WebSocket RPC answers with the dev chain's name.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let chain: String = runtime.block_on(async {
        let client = WsClientBuilder::default()
            .build(ws[0].as_str())
            .await
            .expect("the printed WebSocket URL accepts a connection");
        client.request("system_chain", rpc_params![]).await.unwrap()
    });
    assert_eq!(chain, "Development");

    // HTTP RPC answers on the URLs printed for it.
    for url in printed.iter().filter(|u| {
        u.starts_with("http://") && !u.ends_with("/metrics") && **u != app && **u != gateway
    }) {
        let health = common::http_post(
            port_of(url),
            "/",
            br#"{"jsonrpc":"2.0","id":1,"method":"system_health","params":[]}"#,
        )
        .unwrap();
        assert_eq!(health.0, 200, "{url}: {}", health.1);
        assert!(health.1.contains("isSyncing"), "{url}: {}", health.1);
    }

    // The web app's URL serves the page, which finds this node's RPC in its config.
    let port = node.ui_port.unwrap();
    let (status, page) = http_get(port, "/").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("<title>CPChain</title>"), "{page}");
    let (status, config) = http_get(port, "/config.json").unwrap();
    assert_eq!(status, 200);
    assert!(
        config.contains(&format!("\"rpcPort\":{}", port_of(ws[0]))),
        "{config}"
    );

    // The gateway answers, and the page is told where it is.
    let gateway_port = node.gateway_port.unwrap();
    let (status, health) = http_get(gateway_port, "/health").unwrap();
    assert_eq!((status, health.trim()), (200, r#"{"ok":true}"#));
    assert!(
        config.contains(&format!("\"gatewayPort\":{gateway_port}")),
        "{config}"
    );

    // The metrics URL serves the finalized height.
    let (status, body) = http_get(port_of(metrics[0]), "/metrics").unwrap();
    assert_eq!(status, 200);
    assert!(
        body.lines()
            .any(|l| l.starts_with("cpc_block_height{status=\"finalized\"}")),
        "{body}"
    );
}
