//! subxt (the Rust client, its dynamic API: no generated code) against a `cpchain --dev`
//! process, once with its legacy RPC backend and once with its chainHead backend (the new
//! spec: `chainHead_v1_*`, `transactionWatch_v1_*`): a dynamic storage query of
//! `System.Account`, and a `transfer_keep_alive` signed by //Alice, submitted, watched to
//! finalization and checked by its events and by Bob's balance.

mod common;

use common::*;
use std::{sync::Arc, time::Duration};
use subxt::{
    OnlineClient, PolkadotConfig,
    backend::{ChainHeadBackend, LegacyBackend},
    dynamic::{At, Value},
    rpcs::RpcClient,
};
use subxt_signer::sr25519::dev;

type Client = OnlineClient<PolkadotConfig>;

async fn free_balance(api: &Client, who: [u8; 32]) -> u128 {
    let at = api.at_current_block().await.expect("the finalized block");
    let address = subxt::dynamic::storage::<([u8; 32],), Value>("System", "Account");
    let account = at
        .storage()
        .fetch(address, (who,))
        .await
        .expect("System.Account is readable")
        .decode()
        .expect("decodes through the metadata");
    account
        .at("data")
        .at("free")
        .and_then(|free| free.as_u128())
        .unwrap_or_else(|| panic!("no data.free in {account}"))
}

async fn transfer_and_check(label: &str, api: Client) {
    const AMOUNT: u128 = 3_000_000_000_000 + 17;
    let alice = dev::alice();
    let bob = dev::bob().public_key().0;
    assert!(
        free_balance(&api, alice.public_key().0).await > AMOUNT,
        "{label}: Alice has funds"
    );
    let before = free_balance(&api, bob).await;

    let call = subxt::dynamic::tx(
        "Balances",
        "transfer_keep_alive",
        (
            Value::unnamed_variant("Id", [Value::from_bytes(bob)]),
            Value::u128(AMOUNT),
        ),
    );
    let events = api
        .at_current_block()
        .await
        .unwrap()
        .transactions()
        .sign_and_submit_then_watch_default(&call, &alice)
        .await
        .unwrap_or_else(|e| panic!("{label}: submitted: {e}"))
        .wait_for_finalized_success()
        .await
        .unwrap_or_else(|e| panic!("{label}: finalized and successful: {e}"));
    let names: Vec<String> = events
        .iter()
        .map(|e| {
            let e = e.unwrap();
            format!("{}.{}", e.pallet_name(), e.event_name())
        })
        .collect();
    assert!(
        names.contains(&"Balances.Transfer".to_string()),
        "{label}: {names:?}"
    );
    assert!(
        names.contains(&"System.ExtrinsicSuccess".to_string()),
        "{label}: {names:?}"
    );

    // The finalized block is the one with the transfer, or a later one.
    assert_eq!(free_balance(&api, bob).await - before, AMOUNT, "{label}");
}

#[test]
fn subxt_queries_and_transfers_with_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(&["--dev"], &dir.path().join("node.log"));
    let url = format!("ws://127.0.0.1:{}", node.rpc_port);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(90), async {
            let rpc = RpcClient::from_insecure_url(&url).await.unwrap();
            let backend = LegacyBackend::<PolkadotConfig>::builder().build(rpc);
            let api = Client::from_backend(Arc::new(backend)).await.unwrap();
            transfer_and_check("legacy backend", api).await;
        })
        .await
        .expect("the legacy backend's run finished in time");

        // Not `from_url`: its combined backend falls back to legacy methods on any error.
        tokio::time::timeout(Duration::from_secs(90), async {
            let rpc = RpcClient::from_insecure_url(&url).await.unwrap();
            let backend = ChainHeadBackend::<PolkadotConfig>::builder()
                .transaction_timeout(60)
                .build_with_background_driver(rpc);
            let api = Client::from_backend(Arc::new(backend)).await.unwrap();
            transfer_and_check("chainHead backend", api).await;
        })
        .await
        .expect("the chainHead backend's run finished in time");
    });
}
