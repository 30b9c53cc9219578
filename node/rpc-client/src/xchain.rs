//! `cpchain xchain transfer|status|channels|open-channel`, and the relayer's message legs:
//! cross-chain transfers between the main chain and a sidechain over the RPC of both
//! ([docs/crosschain.md](../../../docs/crosschain.md)).
//!
//! A [`Leg`] carries the messages of one direction. Each step reads, from the chains only,
//! what the destination can check (the newest source height whose state root it holds: the
//! sidechain's anchored head on main, the tracked main head on a sidechain) and what is in
//! flight on the source at that height, then for each message:
//!
//! - not received on the destination and not timed out there: `receive` it there, with the
//!   storage proof of its record at that source height;
//! - timed out on the destination (finalized past its timeout without a receipt), once the
//!   source holds a destination root at or after the timeout: `timeout` it on the source, with
//!   the proof that the receipt is absent;
//! - received, once the source holds a destination root that shows the receipt: `acknowledge`
//!   it on the source.
//!
//! Submissions of a step are signed with consecutive nonces, sent together and followed to
//! finality before the next step, so a restarted relayer starts from what the chains say and
//! never carries a message twice; two relayers at once cost at most a refused duplicate (its
//! fee): the destination accepts a message once.

use crate::{
    Error,
    args::{WalletArgs, XchainCommand},
    wallet::{Included, Signed, Wallet, rpc_error, signer},
};
use codec::Encode;
use cpc_crypto::sr25519::Pair;
use cpc_pallet_crosschain_transfer::Call;
use cpc_primitives::{AccountId, BlockNumber, H256};
use cpc_sidechain_primitives::{
    mainchain_tracker_api, sidechain_registry_api,
    xchain::{
        ChainRef, ChannelId, ChannelView, MAX_CHANNELS_QUERY, Nonce, OutboundRecord,
        OutboundStatus, crosschain_api, outbound_key, receipt_key,
    },
};
use cpc_trie::StorageProof;
use jsonrpsee::{core::client::ClientT, rpc_params};
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    str::FromStr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Most messages one step of a leg looks at.
const MAX_SCAN: u64 = 64;
/// Destination blocks a transfer may wait by default before it times out: about ten minutes
/// of a sidechain's 500 ms blocks.
const DEFAULT_TIMEOUT_BLOCKS: BlockNumber = 1_200;

/// The encoded runtime call of `call` on the main chain or on a sidechain (the pallet has
/// index 10 on both; encoding through each runtime's own type keeps that checked).
fn encode(call: Call, on_main: bool) -> Vec<u8> {
    if on_main {
        cpc_runtime::RuntimeCall::CrosschainTransfer(call).encode()
    } else {
        cpc_runtime_sidechain::RuntimeCall::CrosschainTransfer(call).encode()
    }
}

/// The hash of block `number` on `chain`.
async fn block_hash(chain: &Wallet, number: BlockNumber) -> Result<H256, Error> {
    let hash: Option<H256> = chain
        .rpc
        .request("chain_getBlockHash", rpc_params![number])
        .await
        .map_err(rpc_error)?;
    hash.ok_or_else(|| Error::Node(format!("the node has no block #{number}")))
}

/// The read proof of `key` in block `at` of `chain`.
async fn read_proof(chain: &Wallet, key: Vec<u8>, at: H256) -> Result<StorageProof, Error> {
    let proof: Value = chain
        .rpc
        .request(
            "state_getReadProof",
            rpc_params![vec![format!("0x{}", hex::encode(key))], at],
        )
        .await
        .map_err(rpc_error)?;
    let nodes = proof["proof"]
        .as_array()
        .ok_or_else(|| Error::Node("state_getReadProof returned no proof".into()))?
        .iter()
        .map(|n| {
            n.as_str()
                .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
                .ok_or_else(|| Error::Node("a proof node is not hex".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StorageProof::new(nodes))
}

/// The finalized height of `chain` and its hash.
async fn finalized(chain: &Wallet) -> Result<(BlockNumber, H256), Error> {
    let hash = chain.finalized().await?;
    Ok((chain.header(Some(hash)).await?.number, hash))
}

/// Signs `calls` by `signer` with consecutive nonces, submits them all, and follows each to
/// finality; the outcome of each, in order.
pub async fn submit_all(
    chain: &Wallet,
    signer: &Pair,
    calls: Vec<Vec<u8>>,
) -> Result<Vec<Result<Included, Error>>, Error> {
    if calls.is_empty() {
        return Ok(Vec::new());
    }
    let who = AccountId::from(signer.public());
    let first: u32 = chain
        .rpc
        .request("system_accountNextIndex", rpc_params![who.to_string()])
        .await
        .map_err(rpc_error)?;
    let mut signed: Vec<Signed> = Vec::with_capacity(calls.len());
    for (i, call) in calls.into_iter().enumerate() {
        signed.push(
            chain
                .sign_with_nonce(signer, call, 0, first + i as u32)
                .await?,
        );
    }
    let watches = signed.iter().map(|s| async move {
        let included = chain.submit_and_watch(s, true).await?;
        match &included.error {
            Some(error) => Err(Error::Node(format!(
                "block #{} refused it: {error}",
                included.number
            ))),
            None => Ok(included),
        }
    });
    Ok(futures::future::join_all(watches).await)
}

/// What one step of a leg did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Carried {
    /// Messages delivered (`receive` finalized on the destination).
    pub delivered: u32,
    /// Messages acknowledged on the source.
    pub acknowledged: u32,
    /// Messages refunded on the source.
    pub refunded: u32,
    /// Submissions refused or lost.
    pub failed: u32,
}

impl Carried {
    /// Whether anything was carried (failures do not count: a relayer that only fails waits
    /// for the next head instead of trying again at once).
    pub fn any(&self) -> bool {
        self.delivered + self.acknowledged + self.refunded > 0
    }
}

/// The newest height of each chain the other holds a finalized state root of: `(main height on
/// the sidechain, sidechain height on main)`.
async fn known_heights(
    main: &Wallet,
    side: &Wallet,
    channel: ChannelId,
) -> Result<(Option<BlockNumber>, Option<BlockNumber>), Error> {
    let side_on_main = main
        .runtime_call::<sidechain_registry_api::sidechain>((channel,), None)
        .await?
        .map(|s| s.head.number);
    let main_on_side = side
        .runtime_call::<mainchain_tracker_api::tracked>((), None)
        .await?
        .map(|(_, head, _)| head.number);
    Ok((main_on_side, side_on_main))
}

/// The view of `channel` on `chain` at `at`.
async fn channel_view(
    chain: &Wallet,
    channel: ChannelId,
    at: Option<H256>,
) -> Result<Option<ChannelView>, Error> {
    Ok(chain
        .runtime_call::<crosschain_api::channels>((channel, 1u32), at)
        .await?
        .into_iter()
        .find(|v| v.id == channel))
}

/// One direction of a channel, as a relayer carries it.
pub struct Leg<'a> {
    /// The main chain.
    pub main: &'a Wallet,
    /// The sidechain.
    pub side: &'a Wallet,
    /// Signs on the main chain.
    pub main_signer: &'a Pair,
    /// Signs on the sidechain.
    pub side_signer: &'a Pair,
    /// The channel (the sidechain's id).
    pub channel: ChannelId,
    /// Messages from main to the sidechain (`true`) or back.
    pub from_main: bool,
    /// When a message whose submission failed may be tried again, and how many times it
    /// failed: a message the chain keeps refusing must not cost a fee every block.
    pub backoff: &'a Backoff,
}

/// Per direction (`true`: from main) and message, when its next attempt may be made and how
/// many attempts failed.
pub type Backoff = Mutex<BTreeMap<(bool, Nonce), (Instant, u32)>>;

/// The first wait after a failed submission; it doubles with each failure, up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(15);
/// The longest wait between two attempts of one message.
const MAX_BACKOFF: Duration = Duration::from_secs(600);

impl Leg<'_> {
    fn name(&self) -> &'static str {
        if self.from_main {
            "main → side"
        } else {
            "side → main"
        }
    }

    /// Carries what is due in this direction; see the module documentation.
    pub async fn step(&self) -> Result<Carried, Error> {
        let (source, dest) = if self.from_main {
            (self.main, self.side)
        } else {
            (self.side, self.main)
        };
        let (main_on_side, side_on_main) =
            known_heights(self.main, self.side, self.channel).await?;
        let (source_known, dest_known) = if self.from_main {
            (main_on_side, side_on_main)
        } else {
            (side_on_main, main_on_side)
        };
        let Some(source_known) = source_known else {
            return Ok(Carried::default());
        };
        let source_at = block_hash(source, source_known).await?;
        let Some(view) = channel_view(source, self.channel, Some(source_at)).await? else {
            return Ok(Carried::default());
        };
        if !view.active {
            return Ok(Carried::default());
        }
        let (source_finalized, source_head) = finalized(source).await?;
        let (dest_finalized, dest_head) = finalized(dest).await?;
        let dest_known = match dest_known {
            Some(number) => Some((number, block_hash(dest, number).await?)),
            None => None,
        };
        // What the destination may still credit in its current window: a message past its cap
        // would be refused (and its fee lost) until the window turns.
        let dest_view = channel_view(dest, self.channel, Some(dest_head)).await?;
        let mut room = dest_view.as_ref().map_or(0, |v| {
            let window_over = dest_finalized.saturating_add(1)
                >= v.channel.window_start.saturating_add(v.channel.cap.window);
            if window_over {
                v.channel.cap.limit
            } else {
                v.channel.cap.limit.saturating_sub(v.channel.credited)
            }
        });
        let dest_active = dest_view.as_ref().is_some_and(|v| v.active);
        let mut receives = Vec::new();
        let mut settles = Vec::new();
        let first = view.channel.oldest_in_flight;
        let mut looked_at = 0;
        for nonce in first..view.channel.next_nonce {
            if looked_at >= MAX_SCAN {
                break;
            }
            if self.backing_off(nonce) {
                continue;
            }
            let record = self.in_flight(source, nonce, source_at).await?;
            let Some(record) = record else { continue };
            looked_at += 1;
            // Settled since: nothing to do (a relayer must not pay for a refused call).
            if self.in_flight(source, nonce, source_head).await?.is_none() {
                continue;
            }
            let received = dest
                .runtime_call::<crosschain_api::receipt>((self.channel, nonce), Some(dest_head))
                .await?;
            let timeout = record.message.timeout;
            match (received, dest_known) {
                (None, _) if dest_finalized < timeout => {
                    if !dest_active {
                        continue;
                    }
                    let Some(total) = record.message.total().filter(|t| *t <= room) else {
                        log::debug!(target: "relay", "{}: message {}/{nonce} waits for the destination's mint window", self.name(), self.channel);
                        continue;
                    };
                    room -= total;
                    let proof =
                        read_proof(source, outbound_key(self.channel, nonce), source_at).await?;
                    let call = Call::receive {
                        message: record.message,
                        proof,
                        at: source_known,
                    };
                    receives.push((nonce, encode(call, !self.from_main)));
                }
                (None, Some((known, known_at))) if known >= timeout => {
                    let proof =
                        read_proof(dest, receipt_key(self.channel, nonce), known_at).await?;
                    let call = Call::timeout {
                        message: record.message,
                        proof,
                        at: known,
                    };
                    settles.push((nonce, true, encode(call, self.from_main)));
                }
                (Some(_), Some((known, known_at))) => {
                    let shown = dest
                        .runtime_call::<crosschain_api::receipt>(
                            (self.channel, nonce),
                            Some(known_at),
                        )
                        .await?;
                    if shown.is_some() {
                        let proof =
                            read_proof(dest, receipt_key(self.channel, nonce), known_at).await?;
                        let call = Call::acknowledge {
                            channel: self.channel,
                            nonce,
                            proof,
                            at: known,
                        };
                        settles.push((nonce, false, encode(call, self.from_main)));
                    }
                }
                // Timed out, but the source holds no destination root past the timeout yet;
                // or received, but not yet shown to the source: a later step.
                _ => {}
            }
        }
        let mut carried = Carried::default();
        let (dest_signer, source_signer) = if self.from_main {
            (self.side_signer, self.main_signer)
        } else {
            (self.main_signer, self.side_signer)
        };
        let (nonces, calls): (Vec<Nonce>, Vec<Vec<u8>>) = receives.into_iter().unzip();
        if !nonces.is_empty() {
            log::info!(
                target: "relay",
                "{}: submitting {} receive(s) of channel {}: nonces {nonces:?}",
                self.name(),
                nonces.len(),
                self.channel
            );
        }
        for (nonce, outcome) in nonces
            .iter()
            .zip(submit_all(dest, dest_signer, calls).await?)
        {
            match outcome {
                Ok(included) => {
                    self.succeeded(*nonce);
                    carried.delivered += 1;
                    log::info!(
                        target: "relay",
                        "{}: delivered message {}/{nonce} in block #{} (proven at #{source_known}, source finalized #{source_finalized})",
                        self.name(),
                        self.channel,
                        included.number
                    );
                }
                Err(e) => {
                    carried.failed += 1;
                    let wait = self.failed(*nonce);
                    log::warn!(target: "relay", "{}: message {}/{nonce}: {e}; next attempt in {} s", self.name(), self.channel, wait.as_secs());
                }
            }
        }
        let kinds: Vec<(Nonce, bool)> = settles.iter().map(|(n, t, _)| (*n, *t)).collect();
        let calls = settles.into_iter().map(|(_, _, c)| c).collect();
        for ((nonce, refund), outcome) in kinds
            .into_iter()
            .zip(submit_all(source, source_signer, calls).await?)
        {
            match outcome {
                Ok(included) => {
                    self.succeeded(nonce);
                    let what = if refund {
                        carried.refunded += 1;
                        "refunded (timed out)"
                    } else {
                        carried.acknowledged += 1;
                        "acknowledged"
                    };
                    log::info!(
                        target: "relay",
                        "{}: message {}/{nonce} {what} in block #{}",
                        self.name(),
                        self.channel,
                        included.number
                    );
                }
                Err(e) => {
                    carried.failed += 1;
                    let wait = self.failed(nonce);
                    log::warn!(target: "relay", "{}: settling message {}/{nonce}: {e}; next attempt in {} s", self.name(), self.channel, wait.as_secs());
                }
            }
        }
        Ok(carried)
    }

    /// Whether message `nonce` failed recently and waits before its next attempt.
    fn backing_off(&self, nonce: Nonce) -> bool {
        let backoff = self.backoff.lock().unwrap_or_else(|e| e.into_inner());
        backoff
            .get(&(self.from_main, nonce))
            .is_some_and(|(retry_at, _)| Instant::now() < *retry_at)
    }

    /// Notes a failed submission of message `nonce`; returns how long it waits.
    fn failed(&self, nonce: Nonce) -> Duration {
        let mut backoff = self.backoff.lock().unwrap_or_else(|e| e.into_inner());
        let entry = backoff
            .entry((self.from_main, nonce))
            .or_insert((Instant::now(), 0));
        let wait = FIRST_BACKOFF
            .saturating_mul(1 << entry.1.min(10))
            .min(MAX_BACKOFF);
        *entry = (Instant::now() + wait, entry.1 + 1);
        wait
    }

    /// Forgets the failures of message `nonce`.
    fn succeeded(&self, nonce: Nonce) {
        let mut backoff = self.backoff.lock().unwrap_or_else(|e| e.into_inner());
        backoff.remove(&(self.from_main, nonce));
    }

    /// Message `nonce` of the source at `at` if it is in flight there.
    async fn in_flight(
        &self,
        source: &Wallet,
        nonce: Nonce,
        at: H256,
    ) -> Result<Option<OutboundRecord>, Error> {
        Ok(source
            .runtime_call::<crosschain_api::outbound>((self.channel, nonce), Some(at))
            .await?
            .filter(|r| r.status == OutboundStatus::InFlight))
    }
}

/// `"main"` or a sidechain id.
fn parse_chain(s: &str) -> Result<ChainRef, Error> {
    if s == "main" {
        return Ok(ChainRef::Main);
    }
    s.parse()
        .map(ChainRef::Sidechain)
        .map_err(|_| Error::Input(format!("`{s}` is neither `main` nor a sidechain id")))
}

fn chain_name(chain: ChainRef) -> String {
    match chain {
        ChainRef::Main => "main".into(),
        ChainRef::Sidechain(id) => format!("sidechain {id}"),
    }
}

/// Runs an `xchain` command.
pub async fn xchain(command: XchainCommand) -> Result<(), Error> {
    match command {
        XchainCommand::Transfer {
            to_chain,
            beneficiary,
            amount,
            relay_fee,
            timeout,
            wrapped,
            from,
            wallet,
        } => {
            transfer(
                to_chain,
                beneficiary,
                amount,
                relay_fee,
                timeout,
                wrapped,
                from,
                wallet,
            )
            .await
        }
        XchainCommand::Status {
            channel,
            nonce,
            source,
            main_rpc,
            side_rpc,
            json,
        } => status(channel, nonce, &source, &main_rpc, &side_rpc, json).await,
        XchainCommand::Channels { wallet } => {
            let chain = Wallet::connect(&wallet.rpc_url).await?;
            let home = chain.runtime_call::<crosschain_api::home>((), None).await?;
            let channels = chain
                .runtime_call::<crosschain_api::channels>((0u32, MAX_CHANNELS_QUERY), None)
                .await?;
            if wallet.json {
                let rows: Vec<Value> = channels.iter().map(channel_json).collect();
                println!(
                    "{}",
                    json!({"home": home.map(chain_name), "channels": rows})
                );
            } else if channels.is_empty() {
                println!("No channel open");
            } else {
                for v in &channels {
                    println!(
                        "channel {} to {}: {}, next nonce {}, oldest in flight {}, escrow {}, {} received, cap {} per {} blocks",
                        v.id,
                        chain_name(v.counterpart),
                        if v.active { "active" } else { "inactive" },
                        v.channel.next_nonce,
                        v.channel.oldest_in_flight,
                        v.channel.escrowed,
                        v.channel.received,
                        v.channel.cap.limit,
                        v.channel.cap.window
                    );
                }
            }
            Ok(())
        }
        XchainCommand::Exit {
            channel,
            from,
            main_rpc,
            side_rpc,
            keystore_path,
        } => {
            let main = Wallet::connect(&main_rpc).await?;
            let side = Wallet::connect(&side_rpc).await?;
            let pair = signer(&from, keystore_path)?;
            let view = channel_view(&main, channel, None)
                .await?
                .ok_or_else(|| Error::Input(format!("no channel {channel} on main")))?;
            // Fixed at the first exit; before it, what the registry names (the pallet proves at
            // the later of that and the last height main acted on).
            let at = match view.closed {
                Some(closed) => closed.at,
                None => view
                    .exit_height
                    .ok_or_else(|| {
                        Error::Input(format!("sidechain {channel} is not frozen: nothing exits"))
                    })?
                    .max(view.channel.proven_height),
            };
            let holder = AccountId::from(pair.public());
            let key = cpc_sidechain_primitives::xchain::wrapped_key(ChainRef::Main, &holder);
            // The anchored header's hash, not the sidechain node's block at that height: the
            // node may follow the other side of the conflict.
            let anchored = main
                .runtime_call::<sidechain_registry_api::anchored>((channel, at), None)
                .await?;
            let hash = match (view.closed, anchored) {
                (_, Some(header)) => header.hash,
                (Some(_), None) | (None, None) => block_hash(&side, at).await?,
            };
            let proof = read_proof(&side, key, hash).await?;
            let call = encode(Call::exit { channel, proof }, true);
            let signed = main.sign(&pair, call, 0).await?;
            let included = main.submit_and_watch(&signed, false).await?;
            if let Some(error) = included.error {
                return Err(Error::Node(format!("the exit was refused: {error}")));
            }
            println!(
                "Exited sidechain {channel} at its block #{at} in main block #{}",
                included.number
            );
            Ok(())
        }
        XchainCommand::OpenChannel {
            channel,
            mint_cap,
            mint_window,
            from,
            wallet,
        } => {
            let chain = Wallet::connect(&wallet.rpc_url).await?;
            let pair = signer(&from, wallet.keystore_path)?;
            let open = Call::open_channel {
                channel,
                cap: cpc_sidechain_primitives::xchain::MintCap {
                    limit: mint_cap,
                    window: mint_window,
                },
            };
            let call = sudo(open, is_main(&chain).await?);
            let signed = chain.sign(&pair, call, 0).await?;
            let included = chain.submit_and_watch(&signed, wallet.json).await?;
            if let Some(error) = included.error {
                return Err(Error::Node(format!("the sudo call was refused: {error}")));
            }
            match channel_view(&chain, channel, Some(included.block)).await? {
                Some(_) => {
                    println!("Opened channel {channel} in block #{}", included.number);
                    Ok(())
                }
                None => Err(Error::Node(
                    "the channel is not open: the sudo call failed (is the sidechain registered, is the id the sidechain's own?)".into(),
                )),
            }
        }
    }
}

/// `Governance.sudo { call }` on the main chain or on a sidechain.
fn sudo(call: Call, on_main: bool) -> Vec<u8> {
    use cpc_pallet_governance::Call as Governance;
    if on_main {
        use cpc_runtime::RuntimeCall;
        RuntimeCall::Governance(Governance::sudo {
            call: Box::new(RuntimeCall::CrosschainTransfer(call)),
        })
        .encode()
    } else {
        use cpc_runtime_sidechain::RuntimeCall;
        RuntimeCall::Governance(Governance::sudo {
            call: Box::new(RuntimeCall::CrosschainTransfer(call)),
        })
        .encode()
    }
}

/// Whether `chain` runs the main runtime (it has the sidechain registry's API).
async fn is_main(chain: &Wallet) -> Result<bool, Error> {
    let version = chain.runtime_version(None).await?;
    Ok(version
        .apis
        .iter()
        .any(|(id, _)| *id == sidechain_registry_api::ID))
}

fn channel_json(v: &ChannelView) -> Value {
    json!({
        "id": v.id,
        "counterpart": chain_name(v.counterpart),
        "active": v.active,
        "counterpartHeight": v.counterpart_height,
        "nextNonce": v.channel.next_nonce,
        "oldestInFlight": v.channel.oldest_in_flight,
        "escrowed": v.channel.escrowed.to_string(),
        "received": v.channel.received,
    })
}

#[allow(clippy::too_many_arguments)]
async fn transfer(
    to_chain: String,
    beneficiary: String,
    amount: u128,
    relay_fee: u128,
    timeout: Option<BlockNumber>,
    wrapped: bool,
    from: String,
    wallet: WalletArgs,
) -> Result<(), Error> {
    let to = parse_chain(&to_chain)?;
    let beneficiary = AccountId::from_str(&beneficiary)
        .map_err(|_| Error::Input("--beneficiary is not an SS58 address".into()))?;
    let chain = Wallet::connect(&wallet.rpc_url).await?;
    let pair = signer(&from, wallet.keystore_path)?;
    let home = chain
        .runtime_call::<crosschain_api::home>((), None)
        .await?
        .ok_or_else(|| Error::Input("the chain has no cross-chain channel".into()))?;
    let (channel, on_main) = match (home, to) {
        (ChainRef::Main, ChainRef::Sidechain(id)) => (id, true),
        (ChainRef::Sidechain(id), ChainRef::Main) => (id, false),
        _ => {
            return Err(Error::Input(format!(
                "this node runs {}: transfers go between main and a sidechain",
                chain_name(home)
            )));
        }
    };
    let view = channel_view(&chain, channel, None)
        .await?
        .ok_or_else(|| Error::Input(format!("no channel {channel} is open on this chain")))?;
    let known = view
        .counterpart_height
        .ok_or_else(|| Error::Input("this chain holds no height of the other chain yet".into()))?;
    let timeout = timeout.unwrap_or(known + DEFAULT_TIMEOUT_BLOCKS);
    let asset = if wrapped { to } else { home };
    let call = encode(
        Call::transfer_out {
            channel,
            beneficiary,
            asset,
            amount,
            relay_fee,
            timeout,
        },
        on_main,
    );
    let signed = chain.sign(&pair, call, 0).await?;
    let included = chain.submit_and_watch(&signed, wallet.json).await?;
    if let Some(error) = included.error {
        return Err(Error::Node(format!("the transfer was refused: {error}")));
    }
    // The message's nonce: the one sent by us in that block, from the channel's window.
    let sender = AccountId::from(pair.public());
    let after = channel_view(&chain, channel, Some(included.block))
        .await?
        .ok_or_else(|| Error::Node("the channel vanished".into()))?;
    let mut nonce = None;
    for n in (view.channel.next_nonce..after.channel.next_nonce).rev() {
        let record = chain
            .runtime_call::<crosschain_api::outbound>((channel, n), Some(included.block))
            .await?;
        if record.is_some_and(|r| {
            r.sent_at == included.number && r.message.sender == sender && r.message.amount == amount
        }) {
            nonce = Some(n);
            break;
        }
    }
    let nonce = nonce.ok_or_else(|| Error::Node("the sent message is not on chain".into()))?;
    if wallet.json {
        println!(
            "{}",
            json!({"channel": channel, "nonce": nonce, "block": included.number, "timeout": timeout, "fee": included.fee.to_string()})
        );
    } else {
        println!(
            "Sent message {channel}/{nonce} to {} in block #{} (times out after its block #{timeout})",
            chain_name(to),
            included.number
        );
    }
    Ok(())
}

/// Where message `nonce` sent on `channel` by `source` stands on both chains.
async fn status(
    channel: ChannelId,
    nonce: Nonce,
    source: &str,
    main_rpc: &str,
    side_rpc: &str,
    json_out: bool,
) -> Result<(), Error> {
    let main = Wallet::connect(main_rpc).await?;
    let side = Wallet::connect(side_rpc).await?;
    let from_main = match source {
        "main" => true,
        "side" | "sidechain" => false,
        other => {
            return Err(Error::Input(format!(
                "--source is `main` or `side`, not `{other}`"
            )));
        }
    };
    let (src, dst) = if from_main {
        (&main, &side)
    } else {
        (&side, &main)
    };
    let (_, src_head) = finalized(src).await?;
    let (_, dst_head) = finalized(dst).await?;
    let record = src
        .runtime_call::<crosschain_api::outbound>((channel, nonce), Some(src_head))
        .await?
        .ok_or_else(|| Error::Input(format!("no message {channel}/{nonce} was sent there")))?;
    let receipt = dst
        .runtime_call::<crosschain_api::receipt>((channel, nonce), Some(dst_head))
        .await?;
    let (state, refunded_at) = match (record.status, receipt) {
        (OutboundStatus::Refunded { at }, _) => ("refunded", Some(at)),
        (_, Some(_)) => ("delivered", None),
        (OutboundStatus::InFlight, None) => {
            let (dst_finalized, _) = finalized(dst).await?;
            if dst_finalized >= record.message.timeout {
                ("timed out", None)
            } else {
                ("sent", None)
            }
        }
        (OutboundStatus::Delivered { .. }, None) => ("delivered", None),
    };
    let received_at = receipt.map(|r| r.received_at);
    let acknowledged_at = match record.status {
        OutboundStatus::Delivered {
            acknowledged_at, ..
        } => Some(acknowledged_at),
        _ => None,
    };
    let m = &record.message;
    if json_out {
        println!(
            "{}",
            json!({
                "channel": channel,
                "nonce": nonce,
                "state": state,
                "sentAt": record.sent_at,
                "receivedAt": received_at,
                "acknowledgedAt": acknowledged_at,
                "refundedAt": refunded_at,
                "timeout": m.timeout,
                "sender": m.sender.to_string(),
                "beneficiary": m.beneficiary.to_string(),
                "asset": chain_name(m.asset),
                "amount": m.amount.to_string(),
                "relayFee": m.relay_fee.to_string(),
            })
        );
    } else {
        let (src_name, dst_name) = if from_main {
            ("main", "the sidechain")
        } else {
            ("the sidechain", "main")
        };
        println!(
            "message {channel}/{nonce}: {state}; {} of {} to {} on {dst_name}; sent in {src_name} block #{}{}{}{}",
            m.amount,
            chain_name(m.asset),
            m.beneficiary,
            record.sent_at,
            received_at.map_or(String::new(), |b| format!(
                ", received in {dst_name} block #{b}"
            )),
            acknowledged_at.map_or(String::new(), |b| format!(
                ", acknowledged in {src_name} block #{b}"
            )),
            refunded_at.map_or(String::new(), |b| format!(
                ", refunded in {src_name} block #{b}"
            )),
        );
    }
    Ok(())
}
