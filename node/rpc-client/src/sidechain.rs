//! `cpchain sidechain register|status|checkpoint` and `cpchain relay`: a sidechain operator's
//! commands, over the RPC of the main chain and of the sidechain.
//!
//! - `register` reads the sidechain's genesis header and its genesis committee from the
//!   sidechain's node and submits `SidechainRegistry.register` on main.
//! - `status` shows what main has anchored for each sidechain (and, given the sidechain's RPC,
//!   how far behind the anchors are).
//! - `checkpoint` prints the main chain's finalized header and committee as the
//!   `mainchainTracker` genesis patch a sidechain spec starts its tracker from.

use crate::{
    Error,
    args::{RelayArgs, SidechainCommand},
    relay::{RelayConfig, RelayMetrics, relay, serve_metrics},
    wallet::{Wallet, signer},
};
use codec::Encode;
use cpc_consensus_primitives::hybrid_consensus_api;
use cpc_primitives::{AccountId, H256, Header};
use cpc_sidechain_primitives::{MAX_SIDECHAINS_QUERY, SidechainState, sidechain_registry_api};
use cpc_support::BoundedVec;
use serde_json::{Value, json};
use std::sync::Arc;

/// Runs a sidechain command.
pub async fn sidechain(command: SidechainCommand) -> Result<(), Error> {
    match command {
        SidechainCommand::Register {
            sidechain_rpc,
            bond,
            metadata,
            from,
            wallet,
        } => {
            let main = Wallet::connect(&wallet.rpc_url).await?;
            let side = Wallet::connect(&sidechain_rpc).await?;
            let pair = signer(&from, wallet.keystore_path)?;
            let genesis: Header = side.header(Some(side.genesis)).await?;
            let (_, members) = side
                .runtime_call::<hybrid_consensus_api::validators>((), Some(side.genesis))
                .await
                .map_err(|e| {
                    Error::Node(format!(
                        "cannot read the sidechain's genesis committee (is its genesis state pruned? register a sidechain before, or run it with --state-pruning archive): {e}"
                    ))
                })?;
            let committee =
                BoundedVec::try_from_vec(members.iter().map(|m| m.session_key).collect::<Vec<_>>())
                    .map_err(|_| Error::Input("the sidechain's committee is too large".into()))?;
            let metadata = BoundedVec::try_from_vec(metadata.unwrap_or_default().into_bytes())
                .map_err(|_| Error::Input("metadata is longer than 256 bytes".into()))?;
            let call = cpc_runtime::RuntimeCall::SidechainRegistry(
                cpc_pallet_sidechain_registry::Call::register {
                    genesis,
                    committee,
                    bond,
                    metadata,
                },
            );
            let signed = main.sign(&pair, call.encode(), 0).await?;
            let included = main.submit_and_watch(&signed, wallet.json).await?;
            if let Some(error) = included.error {
                return Err(Error::Node(format!("registration refused: {error}")));
            }
            let id = find_by_genesis(&main, side.genesis)
                .await?
                .map(|(id, _)| id);
            let id = id.ok_or_else(|| Error::Node("the registration is not on main".into()))?;
            if wallet.json {
                println!(
                    "{}",
                    json!({"id": id, "genesis": format!("{:#}", side.genesis), "block": included.number})
                );
            } else {
                println!(
                    "Registered sidechain {id} (genesis {:#}) in block #{}",
                    side.genesis, included.number
                );
            }
            Ok(())
        }
        SidechainCommand::Status {
            id,
            sidechain_rpc,
            wallet,
        } => {
            let main = Wallet::connect(&wallet.rpc_url).await?;
            let side_finalized = match &sidechain_rpc {
                Some(url) => {
                    let side = Wallet::connect(url).await?;
                    let hash = side.finalized().await?;
                    Some((side.genesis, side.header(Some(hash)).await?.number))
                }
                None => None,
            };
            let chains = main
                .runtime_call::<sidechain_registry_api::sidechains>(
                    (0u32, MAX_SIDECHAINS_QUERY),
                    None,
                )
                .await?;
            let rows: Vec<Value> = chains
                .iter()
                .filter(|(i, _)| id.is_none_or(|id| id == *i))
                .map(|(i, state)| status_json(*i, state, side_finalized))
                .collect();
            if wallet.json {
                println!("{}", Value::Array(rows));
            } else if rows.is_empty() {
                println!("No sidechain registered");
            } else {
                for row in rows {
                    println!(
                        "sidechain {}: {} anchored #{} ({}), committee set {} of {}, bond {}{}",
                        row["id"],
                        row["status"].as_str().unwrap_or_default(),
                        row["anchored"]["number"],
                        row["anchored"]["hash"].as_str().unwrap_or_default(),
                        row["committee"]["setId"],
                        row["committee"]["members"],
                        row["bond"].as_str().unwrap_or_default(),
                        match (&row["finalized"], &row["lag"]) {
                            (Value::Number(f), Value::Number(lag)) =>
                                format!(", sidechain finalized #{f}, lag {lag}"),
                            _ => String::new(),
                        }
                    );
                }
            }
            Ok(())
        }
        SidechainCommand::Checkpoint { wallet } => {
            let main = Wallet::connect(&wallet.rpc_url).await?;
            let hash = main.finalized().await?;
            let header = main.header(Some(hash)).await?;
            let (set_id, members) = main
                .runtime_call::<hybrid_consensus_api::validators>((), Some(hash))
                .await?;
            // The committee certifying the blocks after `hash` is the one in its state.
            let committee: Vec<String> = members
                .iter()
                .map(|m| AccountId::new(m.session_key.0).to_string())
                .collect();
            println!(
                "{}",
                json!({"mainchainTracker": {
                    "mainGenesis": format!("{:#}", main.genesis),
                    "checkpoint": {
                        "number": header.number,
                        "hash": format!("{hash:#}"),
                        "stateRoot": format!("{:#}", header.state_root),
                        "setId": set_id,
                        "committee": committee,
                    }
                }})
            );
            Ok(())
        }
    }
}

/// The sidechain registered with genesis `genesis`, if any.
async fn find_by_genesis(
    main: &Wallet,
    genesis: H256,
) -> Result<Option<(u32, SidechainState)>, Error> {
    let mut start = 0u32;
    loop {
        let page = main
            .runtime_call::<sidechain_registry_api::sidechains>((start, MAX_SIDECHAINS_QUERY), None)
            .await?;
        let Some((last, _)) = page.last() else {
            return Ok(None);
        };
        let next = last.saturating_add(1);
        if let Some(found) = page
            .into_iter()
            .find(|(_, s)| s.sidechain.genesis == genesis)
        {
            return Ok(Some(found));
        }
        start = next;
    }
}

fn status_json(id: u32, state: &SidechainState, side: Option<(H256, u32)>) -> Value {
    let finalized = side
        .filter(|(genesis, _)| *genesis == state.sidechain.genesis)
        .map(|(_, n)| n);
    json!({
        "id": id,
        "status": format!("{:?}", state.sidechain.status),
        "genesis": format!("{:#}", state.sidechain.genesis),
        "registrant": state.sidechain.registrant.to_string(),
        "bond": state.sidechain.bond.to_string(),
        "anchored": {
            "number": state.head.number,
            "hash": format!("{:#}", state.head.hash),
            "stateRoot": format!("{:#}", state.head.state_root),
        },
        "committee": {"setId": state.committee.set_id, "from": state.committee.from, "members": state.committee.members.len()},
        "finalized": finalized,
        "lag": finalized.map(|f| f.saturating_sub(state.head.number)),
    })
}

/// Runs `cpchain relay`.
pub async fn run_relay(args: RelayArgs) -> Result<(), Error> {
    let main_signer = signer(&args.from, args.keystore_path.clone())?;
    let side_signer = match &args.side_from {
        Some(from) => signer(from, args.keystore_path.clone())?,
        None => main_signer.clone(),
    };
    let metrics = Arc::new(RelayMetrics::default());
    if let Some(port) = args.prometheus_port {
        let port = serve_metrics(metrics.clone(), port).await?;
        log::info!(target: "relay", "Prometheus metrics on http://127.0.0.1:{port}/metrics");
    }
    let config = RelayConfig {
        main_rpc: args.main_rpc,
        side_rpc: args.side_rpc,
        sidechain: args.sidechain_id,
        main_signer,
        side_signer,
        until_caught_up: args.until_caught_up,
    };
    tokio::select! {
        result = relay(config, metrics) => result,
        _ = tokio::signal::ctrl_c() => {
            log::info!(target: "relay", "Stopping");
            Ok(())
        }
    }
}
