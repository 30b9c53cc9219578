//! `cpchain relay`: carries finalized headers with their commit certificates between the main
//! chain and one IoT sidechain, both ways ([docs/sidechains.md](../../../docs/sidechains.md)),
//! and the cross-chain messages of their channel with their proofs ([`crate::xchain::Leg`],
//! [docs/crosschain.md](../../../docs/crosschain.md)).
//!
//! - **side → main**: reads what the main chain's registry has anchored for the sidechain
//!   (`SidechainRegistryApi_sidechain`), fetches the sidechain's finalized headers after it (at
//!   most 32, ending at the first committee hand-off, which must be the certified header) and
//!   the last one's certificate (its justification), and submits `SidechainRegistry.anchor`.
//! - **main → side**: the same against the sidechain's main-chain tracker
//!   (`MainchainTrackerApi_tracked`), submitting `MainchainTracker.track`.
//!
//! The relayer keeps no state: each step starts from what the chains say is anchored, and it
//! waits for its own submission to be finalized before the next step of that direction, so a
//! restarted relayer resumes where the chains are and never submits the same run twice. Two
//! relayers at once cost at most a refused duplicate (its fee): the chain accepts a run once.
//! Progress and lag go to the log and, with `--prometheus-port`, to `/metrics`. It follows both
//! chains' finalized heads by subscription and steps when either finalizes a block.

use crate::{
    Error,
    wallet::{Wallet, rpc_error},
};
use codec::{Decode, Encode};
use cpc_consensus_primitives::{Certificate, light_client::validator_set_change};
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{H256, Header};
use cpc_sidechain_primitives::{
    FinalizedHeader, MAX_HEADERS_PER_UPDATE, SidechainId, Status, mainchain_tracker_api,
    sidechain_registry_api,
};
use cpc_support::BoundedVec;
use jsonrpsee::{core::client::ClientT, rpc_params};
use serde_json::Value;
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Longest wait between steps when there is nothing to carry and no chain finalizes a block
/// (the relayer wakes on each finalized head of either chain).
const IDLE: Duration = Duration::from_secs(5);
/// How long to wait after a failed step.
const BACKOFF: Duration = Duration::from_secs(2);

/// What the relayer reports.
#[derive(Default, Debug)]
pub struct RelayMetrics {
    /// The sidechain's finalized height.
    pub side_finalized: AtomicU64,
    /// The sidechain height anchored on main.
    pub anchored: AtomicU64,
    /// The main chain's finalized height.
    pub main_finalized: AtomicU64,
    /// The main-chain height the sidechain tracks.
    pub tracked: AtomicU64,
    /// Submissions finalized, both ways.
    pub submitted: AtomicU64,
    /// Steps that failed (RPC errors, refused submissions).
    pub failures: AtomicU64,
    /// Cross-chain messages delivered, both ways.
    pub delivered: AtomicU64,
    /// Cross-chain messages acknowledged on their source, both ways.
    pub acknowledged: AtomicU64,
    /// Cross-chain messages refunded on their source after a timeout, both ways.
    pub refunded: AtomicU64,
}

impl RelayMetrics {
    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let (side, anchored) = (get(&self.side_finalized), get(&self.anchored));
        let (main, tracked) = (get(&self.main_finalized), get(&self.tracked));
        format!(
            "# HELP cpc_relay_height Heights the relayer sees, by chain and kind.\n\
             # TYPE cpc_relay_height gauge\n\
             cpc_relay_height{{chain=\"side\",kind=\"finalized\"}} {side}\n\
             cpc_relay_height{{chain=\"side\",kind=\"anchored_on_main\"}} {anchored}\n\
             cpc_relay_height{{chain=\"main\",kind=\"finalized\"}} {main}\n\
             cpc_relay_height{{chain=\"main\",kind=\"tracked_on_side\"}} {tracked}\n\
             # HELP cpc_relay_lag_blocks Finalized blocks not yet carried, by direction.\n\
             # TYPE cpc_relay_lag_blocks gauge\n\
             cpc_relay_lag_blocks{{direction=\"side_to_main\"}} {}\n\
             cpc_relay_lag_blocks{{direction=\"main_to_side\"}} {}\n\
             # HELP cpc_relay_submissions_total Submissions finalized.\n\
             # TYPE cpc_relay_submissions_total counter\n\
             cpc_relay_submissions_total {}\n\
             # HELP cpc_relay_failures_total Steps that failed.\n\
             # TYPE cpc_relay_failures_total counter\n\
             cpc_relay_failures_total {}\n\
             # HELP cpc_relay_messages_total Cross-chain messages carried, by what was done.\n\
             # TYPE cpc_relay_messages_total counter\n\
             cpc_relay_messages_total{{kind=\"delivered\"}} {}\n\
             cpc_relay_messages_total{{kind=\"acknowledged\"}} {}\n\
             cpc_relay_messages_total{{kind=\"refunded\"}} {}\n",
            side.saturating_sub(anchored),
            main.saturating_sub(tracked),
            get(&self.submitted),
            get(&self.failures),
            get(&self.delivered),
            get(&self.acknowledged),
            get(&self.refunded),
        )
    }
}

/// Where to relay, as whom.
pub struct RelayConfig {
    /// The main chain's WebSocket RPC address.
    pub main_rpc: String,
    /// The sidechain's WebSocket RPC address.
    pub side_rpc: String,
    /// The sidechain's id on the main chain.
    pub sidechain: SidechainId,
    /// Signs and pays on the main chain.
    pub main_signer: Pair,
    /// Signs and pays on the sidechain.
    pub side_signer: Pair,
    /// Stop once both directions are caught up (for scripts and tests).
    pub until_caught_up: bool,
}

/// One direction's result of a step.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// Nothing to carry.
    Idle,
    /// Headers carried, up to this height.
    Carried(u32),
    /// The follower does not accept anything now (frozen, not started).
    Blocked(String),
}

/// The finalized height of the chain behind `wallet`.
async fn finalized_number(wallet: &Wallet) -> Result<u32, Error> {
    let hash = wallet.finalized().await?;
    Ok(wallet.header(Some(hash)).await?.number)
}

/// The header of block `number` and its hash.
async fn header_at(wallet: &Wallet, number: u32) -> Result<(H256, Header), Error> {
    let hash: Option<H256> = wallet
        .rpc
        .request("chain_getBlockHash", rpc_params![number])
        .await
        .map_err(rpc_error)?;
    let hash = hash.ok_or_else(|| Error::Node(format!("the node has no block #{number}")))?;
    Ok((hash, wallet.header(Some(hash)).await?))
}

/// The commit certificate stored with block `hash` (its `lbft` justification).
async fn certificate_of(wallet: &Wallet, hash: H256) -> Result<Certificate, Error> {
    let block: Option<Value> = wallet
        .rpc
        .request("chain_getBlock", rpc_params![hash])
        .await
        .map_err(rpc_error)?;
    let justifications = block
        .as_ref()
        .and_then(|b| b.get("justifications"))
        .cloned()
        .unwrap_or(Value::Null);
    let justifications: Option<Vec<([u8; 4], Vec<u8>)>> = serde_json::from_value(justifications)
        .map_err(|e| Error::Node(format!("a malformed justification of {hash:#}: {e}")))?;
    let bytes = justifications
        .unwrap_or_default()
        .into_iter()
        .find(|(engine, _)| engine == b"lbft")
        .map(|(_, bytes)| bytes)
        .ok_or_else(|| Error::Node(format!("block {hash:#} has no LBFT certificate")))?;
    Certificate::decode(&mut &bytes[..])
        .map_err(|e| Error::Node(format!("the certificate of {hash:#} does not decode: {e}")))
}

/// The headers after `head` up to `finalized` on `source` (at most [`MAX_HEADERS_PER_UPDATE`],
/// ending at the first committee hand-off) and the last one's certificate; `None` when there is
/// nothing new. Fails when `source`'s block at the head's height is another block: the
/// follower holds another chain (or `source` is on the wrong chain).
async fn next_run(
    source: &Wallet,
    head: &FinalizedHeader,
    finalized: u32,
) -> Result<Option<(Vec<Header>, Certificate)>, Error> {
    if finalized <= head.number {
        return Ok(None);
    }
    let (hash, _) = header_at(source, head.number).await?;
    if hash != head.hash {
        return Err(Error::Node(format!(
            "block #{} of the source chain is {hash:#}, the follower holds {:#}",
            head.number, head.hash
        )));
    }
    let last = finalized.min(head.number + MAX_HEADERS_PER_UPDATE);
    let mut headers = Vec::new();
    let mut last_hash = hash;
    for number in head.number + 1..=last {
        let (hash, header) = header_at(source, number).await?;
        let hand_off = validator_set_change(&header)
            .map_err(|e| Error::Node(format!("block #{number}: {e}")))?
            .is_some();
        headers.push(header);
        last_hash = hash;
        if hand_off {
            break;
        }
    }
    let certificate = certificate_of(source, last_hash).await?;
    Ok(Some((headers, certificate)))
}

/// Signs `call` on `chain` and waits for it to be finalized; fails if it was refused.
async fn submit(chain: &Wallet, signer: &Pair, call: Vec<u8>) -> Result<u32, Error> {
    let signed = chain.sign(signer, call, 0).await?;
    let included = chain.submit_and_watch(&signed, true).await?;
    match included.error {
        Some(error) => Err(Error::Node(format!(
            "block #{} refused it: {error}",
            included.number
        ))),
        None => Ok(included.number),
    }
}

/// The relayer's two connections and what it knows.
struct Relay {
    main: Wallet,
    side: Wallet,
    config: RelayConfig,
    metrics: Arc<RelayMetrics>,
    /// Messages whose submission failed, and when to try them again.
    backoff: crate::xchain::Backoff,
}

impl Relay {
    async fn side_to_main(&self) -> Result<Step, Error> {
        let id = self.config.sidechain;
        let state = self
            .main
            .runtime_call::<sidechain_registry_api::sidechain>((id,), None)
            .await?
            .ok_or_else(|| Error::Node(format!("sidechain {id} is not registered on main")))?;
        if state.sidechain.genesis != self.side.genesis {
            return Err(Error::Input(format!(
                "sidechain {id} has genesis {:#}, the sidechain RPC serves {:#}",
                state.sidechain.genesis, self.side.genesis
            )));
        }
        let finalized = finalized_number(&self.side).await?;
        let m = &self.metrics;
        m.side_finalized.store(finalized.into(), Ordering::Relaxed);
        m.anchored
            .store(state.head.number.into(), Ordering::Relaxed);
        if state.sidechain.status != Status::Active {
            return Ok(Step::Blocked(format!(
                "sidechain {id} is {:?} on main",
                state.sidechain.status
            )));
        }
        let Some((headers, certificate)) = next_run(&self.side, &state.head, finalized).await?
        else {
            return Ok(Step::Idle);
        };
        let (from, to) = (headers[0].number, headers[headers.len() - 1].number);
        let call = cpc_runtime::RuntimeCall::SidechainRegistry(
            cpc_pallet_sidechain_registry::Call::anchor {
                id,
                headers: BoundedVec::truncate_from(headers),
                certificate,
            },
        );
        let block = submit(&self.main, &self.config.main_signer, call.encode()).await?;
        m.anchored.store(to.into(), Ordering::Relaxed);
        m.submitted.fetch_add(1, Ordering::Relaxed);
        log::info!(
            target: "relay",
            "side → main: anchored sidechain #{from}..#{to} in main block #{block}, lag {}",
            finalized.saturating_sub(to)
        );
        Ok(Step::Carried(to))
    }

    async fn main_to_side(&self) -> Result<Step, Error> {
        let finalized = finalized_number(&self.main).await?;
        let m = &self.metrics;
        m.main_finalized.store(finalized.into(), Ordering::Relaxed);
        let Some((genesis, head, _)) = self
            .side
            .runtime_call::<mainchain_tracker_api::tracked>((), None)
            .await?
        else {
            return Ok(Step::Blocked(
                "the sidechain's main-chain tracker has no checkpoint".into(),
            ));
        };
        if genesis != self.main.genesis {
            return Err(Error::Input(format!(
                "the sidechain tracks main chain {genesis:#}, the main RPC serves {:#}",
                self.main.genesis
            )));
        }
        m.tracked.store(head.number.into(), Ordering::Relaxed);
        let Some((headers, certificate)) = next_run(&self.main, &head, finalized).await? else {
            return Ok(Step::Idle);
        };
        let (from, to) = (headers[0].number, headers[headers.len() - 1].number);
        let call = cpc_runtime_sidechain::RuntimeCall::MainchainTracker(
            cpc_pallet_mainchain_tracker::Call::track {
                headers: BoundedVec::truncate_from(headers),
                certificate,
            },
        );
        let block = submit(&self.side, &self.config.side_signer, call.encode()).await?;
        m.tracked.store(to.into(), Ordering::Relaxed);
        m.submitted.fetch_add(1, Ordering::Relaxed);
        log::info!(
            target: "relay",
            "main → side: tracked main #{from}..#{to} in sidechain block #{block}, lag {}",
            finalized.saturating_sub(to)
        );
        Ok(Step::Carried(to))
    }
}

impl Relay {
    /// Carries the cross-chain messages of one direction (see [`crate::xchain::Leg`]).
    async fn messages(&self, from_main: bool) -> Result<crate::xchain::Carried, Error> {
        let leg = crate::xchain::Leg {
            main: &self.main,
            side: &self.side,
            main_signer: &self.config.main_signer,
            side_signer: &self.config.side_signer,
            channel: self.config.sidechain,
            from_main,
            backoff: &self.backoff,
        };
        let carried = leg.step().await?;
        let m = &self.metrics;
        m.delivered
            .fetch_add(carried.delivered.into(), Ordering::Relaxed);
        m.acknowledged
            .fetch_add(carried.acknowledged.into(), Ordering::Relaxed);
        m.refunded
            .fetch_add(carried.refunded.into(), Ordering::Relaxed);
        m.failures
            .fetch_add(carried.failed.into(), Ordering::Relaxed);
        Ok(carried)
    }
}

/// Serves `metrics` on `127.0.0.1:port` (`GET /metrics`) until the process ends.
pub async fn serve_metrics(metrics: Arc<RelayMetrics>, port: u16) -> Result<u16, Error> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                // One small request per connection, bounded in size and time.
                let mut request = [0u8; 1024];
                let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut request));
                let Ok(Ok(n)) = read.await else { return };
                let (status, body) = if request[..n].starts_with(b"GET /metrics") {
                    ("200 OK", metrics.render())
                } else {
                    ("404 Not Found", String::new())
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    Ok(port)
}

/// Runs the relayer until Ctrl-C (or, with `until_caught_up`, until both directions have
/// nothing to carry).
pub async fn relay(config: RelayConfig, metrics: Arc<RelayMetrics>) -> Result<(), Error> {
    let main = Wallet::connect(&config.main_rpc).await?;
    let side = Wallet::connect(&config.side_rpc).await?;
    log::info!(
        target: "relay",
        "Relaying between main {:#} and sidechain {} ({:#})",
        main.genesis,
        config.sidechain,
        side.genesis
    );
    let relay = Relay {
        main,
        side,
        config,
        metrics,
        backoff: Default::default(),
    };
    // Both chains' finalized heads wake the relayer: it carries as soon as there is something
    // new, and sleeps otherwise (a slow fallback covers a subscription the node dropped).
    let mut main_heads = finalized_heads(&relay.main).await?;
    let mut side_heads = finalized_heads(&relay.side).await?;
    let mut blocked: [Option<String>; 2] = [None, None];
    loop {
        let mut busy = false;
        let mut caught_up = true;
        for (i, step) in [relay.side_to_main().await, relay.main_to_side().await]
            .into_iter()
            .enumerate()
        {
            match step {
                Ok(Step::Carried(_)) => {
                    busy = true;
                    caught_up = false;
                    blocked[i] = None;
                }
                Ok(Step::Idle) => blocked[i] = None,
                Ok(Step::Blocked(why)) => {
                    if blocked[i].as_ref() != Some(&why) {
                        log::warn!(target: "relay", "{why}");
                    }
                    blocked[i] = Some(why);
                }
                Err(Error::Input(why)) => return Err(Error::Input(why)),
                Err(e) => {
                    caught_up = false;
                    relay.metrics.failures.fetch_add(1, Ordering::Relaxed);
                    log::warn!(target: "relay", "{e}; retrying");
                    tokio::time::sleep(BACKOFF).await;
                }
            }
        }
        for from_main in [true, false] {
            match relay.messages(from_main).await {
                Ok(carried) if carried.any() => {
                    busy = true;
                    caught_up = false;
                }
                Ok(_) => {}
                Err(e) => {
                    caught_up = false;
                    relay.metrics.failures.fetch_add(1, Ordering::Relaxed);
                    log::warn!(target: "relay", "messages: {e}; retrying");
                    tokio::time::sleep(BACKOFF).await;
                }
            }
        }
        if relay.config.until_caught_up && caught_up {
            return Ok(());
        }
        if !busy {
            tokio::select! {
                Some(_) = main_heads.next() => {}
                Some(_) = side_heads.next() => {}
                _ = tokio::time::sleep(IDLE) => {}
            }
        }
    }
}

/// A subscription to `chain`'s finalized heads.
async fn finalized_heads(
    chain: &Wallet,
) -> Result<jsonrpsee::core::client::Subscription<Value>, Error> {
    use jsonrpsee::core::client::SubscriptionClientT;
    chain
        .rpc
        .subscribe(
            "chain_subscribeFinalizedHeads",
            rpc_params![],
            "chain_unsubscribeFinalizedHeads",
        )
        .await
        .map_err(rpc_error)
}
