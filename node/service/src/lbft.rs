//! LBFT in the node: the engine of `cpc-consensus` over this node's client and pool.
//!
//! - [`ClientChain`] is the engine's [`Chain`]: committees and proposers come from the
//!   runtime (`HybridConsensusApi` at the last finalized block), proposals are built by the
//!   client, checked by executing them on the last finalized block, and imported with their
//!   commit certificate as justification once final.
//! - [`LbftVerifier`] makes every import (gossip, sync, `import-blocks`) check that
//!   justification against the committee in the parent's state, so a node needs no trust.
//! - [`spawn`] runs the engine on its own thread: timeouts from a timer heap, messages from
//!   peers through a channel (the network layer feeds it; a single-validator chain needs none).

use crate::{
    metrics::Metrics,
    pool::{PoolApi, inherent_data, now_millis},
};
use codec::{Decode, DecodeAll, Encode};
use cpc_client::{
    BlockOrigin, BlockVerifier, BuildParams, CallClass, Client, ImportParams, StateChanges,
};
use cpc_consensus::{
    Certificate, Chain, Config, Engine, Equivocation, Output, Persisted, ValidatorSet, Verdict,
    VoteKind,
    engine::{ImpeachReason, TimeoutKind},
};
use cpc_consensus_primitives::hybrid_consensus_api;
use cpc_crypto::sr25519::{Pair, Public};
use cpc_primitives::{
    Block, Digest, DigestItem, H256, Header,
    hashing::blake2_256,
    lbft::{BlockDigest, ENGINE_ID, VRF_CONTEXT, vrf_input},
    sr25519::VrfSignature,
};
use cpc_txpool::Pool;
use parking_lot::Mutex;
use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap},
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc,
    },
    time::{Duration, Instant},
};

/// A peer, as the network layer names it.
pub type PeerId = String;

/// The committee recorded in the state at `at`.
pub fn committee_at(client: &Client, at: &H256) -> Result<ValidatorSet, String> {
    let (_, members) = client
        .call_api_as::<hybrid_consensus_api::validators>(CallClass::Block, at, ())
        .map_err(|e| format!("cannot read the validator committee: {e}"))?;
    ValidatorSet::new(members.iter().map(|m| m.session_key).collect())
        .map_err(|e| format!("the runtime's committee is unusable: {e:?}"))
}

/// Accepts a block only with a commit certificate of the committee in its parent's state,
/// and only the trusted block at each checkpoint's height.
#[derive(Default)]
pub struct LbftVerifier {
    /// Weak-subjectivity checkpoints: the only block accepted at each of these numbers.
    pub checkpoints: std::collections::BTreeMap<u32, H256>,
}

impl BlockVerifier for LbftVerifier {
    fn certifies_finality(&self) -> bool {
        true
    }

    fn verify(
        &self,
        client: &Client,
        header: &Header,
        justification: Option<&[u8]>,
    ) -> Result<(), String> {
        if let Some(trusted) = self.checkpoints.get(&header.number)
            && header.hash() != *trusted
        {
            return Err(format!(
                "block #{} ({:?}) is not the checkpoint {trusted:?}: it belongs to another \
                 certified history",
                header.number,
                header.hash()
            ));
        }
        let bytes = justification.ok_or("no commit certificate")?;
        let certificate = Certificate::decode(&mut &bytes[..])
            .map_err(|e| format!("the commit certificate does not decode: {e}"))?;
        let committee = committee_at(client, &header.parent_hash)?;
        certificate
            .verify(
                VoteKind::Commit,
                header.number,
                &header.hash(),
                &committee,
                &client.info().genesis_hash,
            )
            .map_err(|e| format!("bad commit certificate: {e:?}"))
    }
}

/// The engine's view of this node's chain.
pub struct ClientChain {
    client: Arc<Client>,
    pool: Arc<Pool<PoolApi>>,
    period: Duration,
    impeach_timeout_ms: u64,
    /// Changes of blocks executed at the current height, reused when one is imported.
    checked: Mutex<HashMap<H256, StateChanges>>,
    /// Impeach blocks built at the current height, by round.
    impeach: Mutex<HashMap<(u32, u32), Block>>,
    /// The last committee read, kept in case a later read fails.
    committee: Mutex<Option<(u32, ValidatorSet)>>,
    /// This validator's session key, to report impeachments and equivocations.
    key: Option<Pair>,
    /// Round-0 proposers looked up at the last finalized block, by height: the engine asks for
    /// each proposal it receives, and a runtime call per gossip message would let any peer
    /// keep the engine thread busy.
    proposers: Mutex<(H256, HashMap<u32, Public>)>,
    /// What to report once the height it concerns is final, by height.
    reports: Mutex<HashMap<u32, Vec<Report>>>,
    /// The built-in runtime the chain runs, whose types encode the reports.
    runtime: &'static crate::runtimes::BuiltinRuntime,
    /// Where this node's time went at the current height, logged when it is final.
    times: Mutex<HeightTimes>,
}

/// Where a validator's time goes at one height: what it logs with each finalized block, so an
/// operator (and the throughput figures in docs/benchmarks.md) can tell building and checking
/// from importing and from waiting (for the slot, the proposal, the votes).
struct HeightTimes {
    /// When the height began here: the parent was final.
    started: Instant,
    /// Building this node's proposal.
    build: Duration,
    /// Executing proposals received from others.
    check: Duration,
}

impl HeightTimes {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            build: Duration::ZERO,
            check: Duration::ZERO,
        }
    }
}

/// A report a validator puts on chain about a height once it is final.
enum Report {
    /// Why the height's elected proposer was impeached.
    Impeachment(ImpeachReason),
    /// A validator's conflicting votes.
    Equivocation(Equivocation),
}

impl ClientChain {
    /// The chain of `client`, building with `pool`'s transactions; fails if the runtime does
    /// not describe a usable committee (a chain spec asking for LBFT with a runtime without
    /// hybrid consensus).
    pub fn new(
        client: Arc<Client>,
        pool: Arc<Pool<PoolApi>>,
        period: Duration,
        impeach_timeout_ms: u64,
    ) -> Result<Self, String> {
        let info = client.info();
        let committee = committee_at(&client, &info.finalized_hash)?;
        Ok(Self {
            client,
            pool,
            period,
            impeach_timeout_ms,
            checked: Mutex::new(HashMap::new()),
            impeach: Mutex::new(HashMap::new()),
            // Read once here, so a later failed read always has a committee to fall back on.
            committee: Mutex::new(Some((info.finalized_number + 1, committee))),
            key: None,
            proposers: Mutex::new((H256::default(), HashMap::new())),
            reports: Mutex::new(HashMap::new()),
            runtime: &crate::runtimes::MAIN,
            times: Mutex::new(HeightTimes::new()),
        })
    }

    /// Encodes reports for `runtime`, the built-in runtime the chain runs (the main one unless
    /// told).
    pub fn with_runtime(mut self, runtime: &'static crate::runtimes::BuiltinRuntime) -> Self {
        self.runtime = runtime;
        self
    }

    /// Signs reports with `key`.
    pub fn with_key(mut self, key: Option<Pair>) -> Self {
        self.key = key;
        self
    }

    /// Remembers `report` about `height`, to submit once `height` is final, however it became
    /// final here (voted, or synced). Equivocations are reported by every node that saw them,
    /// unsigned: the evidence authenticates itself and the pool keeps one report per offence,
    /// so nobody pays and nobody has to be the one. An impeachment's reason is signed by one
    /// validator per height (index `height mod n`), so the others do not pay for duplicates.
    fn note(&self, height: u32, designated: u16, report: Report) {
        if let Report::Impeachment(_) = report {
            let Some(key) = &self.key else { return };
            let committee = self.validators(height);
            if committee.index_of(&key.public()) != Some(designated % committee.len() as u16) {
                return;
            }
        }
        let mut reports = self.reports.lock();
        // Bounded: reports older than a few heights no longer matter.
        reports.retain(|h, _| h + 16 > height);
        reports.entry(height).or_default().push(report);
    }

    /// Submits the reports about heights that are now final.
    pub fn submit_due_reports(&self) {
        let finalized = self.client.info().finalized_number;
        let due: Vec<(u32, Vec<Report>)> = {
            let mut reports = self.reports.lock();
            let heights: Vec<u32> = reports
                .keys()
                .copied()
                .filter(|h| *h <= finalized)
                .collect();
            heights
                .into_iter()
                .filter_map(|h| reports.remove(&h).map(|r| (h, r)))
                .collect()
        };
        for (height, reports) in due {
            // Reading the block back costs a database read: only when there is something to say.
            let block = self
                .client
                .hash(height)
                .ok()
                .flatten()
                .and_then(|hash| self.client.block(&hash).ok().flatten());
            if let Some(block) = block {
                self.submit_reports(&block, reports);
            }
        }
    }

    /// Submits `reports` about `block`, just final.
    fn submit_reports(&self, block: &Block, reports: Vec<Report>) {
        for report in reports {
            let (call, signed) = match report {
                Report::Impeachment(reason) => {
                    // Only if the height really ended in an impeach block.
                    let impeached = block.header.digest.logs().any(|item| {
                        matches!(item, DigestItem::PreRuntime(id, data)
                            if *id == ENGINE_ID
                                && BlockDigest::decode(&mut &data[..]).is_ok_and(|d| d.impeach))
                    });
                    if !impeached {
                        continue;
                    }
                    let reason = match reason {
                        ImpeachReason::MissingProposal => {
                            cpc_pallet_hybrid_consensus::ImpeachReason::MissingProposal
                        }
                        ImpeachReason::InvalidBlock { hash, why } => {
                            let mut why = why.into_bytes();
                            why.truncate(cpc_pallet_hybrid_consensus::MAX_REASON_LEN as usize);
                            cpc_pallet_hybrid_consensus::ImpeachReason::InvalidBlock {
                                hash,
                                why: cpc_support::BoundedVec::truncate_from(why),
                            }
                        }
                    };
                    let call = cpc_runtime::RuntimeCall::HybridConsensus(
                        cpc_pallet_hybrid_consensus::Call::note_impeachment_reason {
                            block: block.header.number,
                            reason,
                        },
                    );
                    (call, true)
                }
                Report::Equivocation(evidence) => {
                    let convert =
                        |v: cpc_consensus::SignedVote| cpc_pallet_hybrid_consensus::SignedVote {
                            vote: v.vote,
                            validator: v.validator,
                            signature: v.signature,
                        };
                    let call = cpc_runtime::RuntimeCall::HybridConsensus(
                        cpc_pallet_hybrid_consensus::Call::report_equivocation {
                            first: convert(evidence.first),
                            second: convert(evidence.second),
                        },
                    );
                    (call, false)
                }
            };
            if let Err(why) = self.submit(call, signed) {
                log::warn!(target: "lbft", "could not submit a report: {why}");
            }
        }
    }

    /// Submits `call` to the pool: signed by the session key's account, or unsigned.
    fn submit(&self, call: cpc_runtime::RuntimeCall, signed: bool) -> Result<(), String> {
        let info = self.client.info();
        let version = self
            .client
            .runtime_version_as(CallClass::Block, &info.best_hash)
            .map_err(|e| e.to_string())?;
        // The call is encoded with this node's runtime types: only valid for that runtime.
        // Hybrid consensus has the same pallet index in the main and the sidechain runtime, so
        // the main runtime's call type encodes it for both.
        let native = self.runtime.version;
        if version.spec_name != native.spec_name || version.spec_version != native.spec_version {
            return Err(format!(
                "the chain runs {} v{}, this node encodes calls of {} v{}",
                version.spec_name, version.spec_version, native.spec_name, native.spec_version
            ));
        }
        let submit = |xt: cpc_primitives::UncheckedExtrinsic<cpc_runtime::RuntimeCall>| {
            let opaque = cpc_primitives::OpaqueExtrinsic::from_encoded(&xt.encode())
                .map_err(|e| e.to_string())?;
            self.pool
                .submit(
                    cpc_primitives::transaction_validity::TransactionSource::Local,
                    opaque,
                )
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        if !signed {
            return submit(cpc_primitives::UncheckedExtrinsic::new_unsigned(call));
        }
        let key = self.key.as_ref().ok_or("no key")?;
        let who = cpc_primitives::AccountId::new(key.public().0);
        let nonce = self
            .client
            .call_api_as::<cpc_api::account_nonce_api::account_nonce>(
                CallClass::Block,
                &info.best_hash,
                (who,),
            )
            .map_err(|e| e.to_string())?;
        let extra = cpc_primitives::SignedExtra {
            era: cpc_primitives::Era::Immortal,
            nonce,
            tip: 0,
        };
        let additional =
            cpc_primitives::extrinsic::AdditionalSigned::immortal(&version, info.genesis_hash);
        submit(cpc_primitives::UncheckedExtrinsic::sign(
            call,
            key,
            extra,
            &additional,
        ))
    }

    fn parent_timestamp(&self) -> u64 {
        // The key comes from the pallet's own declaration, so a renamed item or pallet cannot
        // silently read nothing.
        let key = cpc_pallet_timestamp::Now::hashed_key();
        self.client
            .storage(&self.client.info().finalized_hash, &key)
            .ok()
            .flatten()
            .and_then(|v| u64::decode(&mut &v[..]).ok())
            .unwrap_or(0)
    }

    fn digest(round: u32, impeach: bool, vrf: Option<VrfSignature>) -> Digest {
        let mut digest = Digest::default();
        digest.push(DigestItem::PreRuntime(
            ENGINE_ID,
            BlockDigest {
                round,
                impeach,
                vrf,
            }
            .encode(),
        ));
        digest
    }

    /// This node's VRF signature for its proposal at `height`, on the randomness in the
    /// finalized (parent) state: the runtime refuses a proposer's block without it.
    fn vrf(&self, height: u32) -> Result<VrfSignature, String> {
        let key = self
            .key
            .as_ref()
            .ok_or("no session key to evaluate the VRF with")?;
        let randomness = self
            .client
            .storage(
                &self.client.info().finalized_hash,
                &cpc_pallet_hybrid_consensus::Randomness::hashed_key(),
            )
            .map_err(|e| format!("cannot read the chain's randomness: {e}"))?
            .map(|v| H256::decode(&mut &v[..]))
            .transpose()
            .map_err(|e| format!("the chain's randomness does not decode: {e}"))?
            .unwrap_or_default();
        let genesis = self.client.info().genesis_hash;
        Ok(key
            .vrf_sign(VRF_CONTEXT, &vrf_input(&genesis, &randomness, height))
            .0)
    }

    fn build(
        &self,
        timestamp: u64,
        digest: Digest,
        transactions: Vec<(H256, cpc_primitives::OpaqueExtrinsic)>,
    ) -> Result<Block, String> {
        let params = BuildParams {
            parent: self.client.info().finalized_hash,
            inherent_data: inherent_data(timestamp),
            digest,
            deadline: Instant::now() + self.period / 2,
        };
        let built = self
            .client
            .build_block(params, transactions)
            .map_err(|e| e.to_string())?;
        self.pool.reject(&built.rejected);
        self.pool.on_chain(&built.stale);
        let block = built.block;
        self.checked.lock().insert(block.hash(), built.changes);
        Ok(block)
    }
}

/// What is left of the period since the parent's timestamp (when its proposer started building
/// it). A parent older than [`STALE_PARENT_PERIODS`] periods, or genesis, means the chain
/// stalled or this node just started: the whole period is waited, as peers may still be
/// connecting and a proposal they miss costs a round.
fn propose_delay_ms(parent_timestamp: u64, now: u64, period_ms: u64) -> u64 {
    let stale = parent_timestamp == 0
        || now.saturating_sub(parent_timestamp) > STALE_PARENT_PERIODS.saturating_mul(period_ms);
    if stale {
        return period_ms;
    }
    parent_timestamp
        .saturating_add(period_ms)
        .saturating_sub(now)
        .min(period_ms)
}

/// See [`propose_delay_ms`].
const STALE_PARENT_PERIODS: u64 = 4;

impl Chain<Block> for ClientChain {
    fn best_finalized(&self) -> (u32, H256) {
        let info = self.client.info();
        (info.finalized_number, info.finalized_hash)
    }

    fn validators(&self, height: u32) -> ValidatorSet {
        let mut cached = self.committee.lock();
        if let Some((h, set)) = cached.as_ref()
            && *h == height
        {
            return set.clone();
        }
        match committee_at(&self.client, &self.client.info().finalized_hash) {
            Ok(set) => {
                *cached = Some((height, set.clone()));
                set
            }
            Err(why) => {
                log::error!(target: "lbft", "{why}; keeping the last committee");
                cached
                    .as_ref()
                    .map(|(_, s)| s.clone())
                    .expect("the constructor reads a committee; qed")
            }
        }
    }

    fn proposer(&self, height: u32) -> Public {
        let at = self.client.info().finalized_hash;
        {
            let mut cache = self.proposers.lock();
            if cache.0 != at {
                *cache = (at, HashMap::new());
            }
            if let Some(key) = cache.1.get(&height) {
                return *key;
            }
        }
        let key = match self.client.call_api_as::<hybrid_consensus_api::proposer>(
            CallClass::Block,
            &at,
            (height,),
        ) {
            Ok(Some(member)) => member.session_key,
            // No elected proposer: the slot falls to the committee's rotation.
            Ok(None) => *self.validators(height).round_leader(height, 0),
            // A local failure: answered, but not remembered, so the next look-up asks again.
            Err(why) => {
                log::warn!(target: "lbft", "cannot read the proposer of #{height}: {why}");
                return *self.validators(height).round_leader(height, 0);
            }
        };
        let mut cache = self.proposers.lock();
        // Heights the engine asks about are within its window of future heights; a bound all
        // the same.
        if cache.0 == at && cache.1.len() < 64 {
            cache.1.insert(height, key);
        }
        key
    }

    fn propose_delay_ms(&self, _height: u32, period_ms: u64) -> u64 {
        propose_delay_ms(self.parent_timestamp(), now_millis(), period_ms)
    }

    fn build(&mut self, height: u32) -> Option<Block> {
        let timestamp = now_millis().max(self.parent_timestamp() + self.period.as_millis() as u64);
        let start = Instant::now();
        let vrf = match self.vrf(height) {
            Ok(vrf) => vrf,
            Err(why) => {
                log::warn!(target: "lbft", "cannot propose block #{height}: {why}");
                return None;
            }
        };
        let built = ClientChain::build(
            self,
            timestamp,
            Self::digest(0, false, Some(vrf)),
            self.pool.ready(),
        );
        self.times.lock().build += start.elapsed();
        match built {
            Ok(block) => Some(block),
            Err(why) => {
                log::warn!(target: "lbft", "could not build block #{height}: {why}");
                None
            }
        }
    }

    fn impeach_block(&self, height: u32, round: u32) -> Option<Block> {
        if let Some(block) = self.impeach.lock().get(&(height, round)) {
            return Some(block.clone());
        }
        let timestamp = self.parent_timestamp()
            + self.period.as_millis() as u64
            + u64::from(round) * self.impeach_timeout_ms;
        match ClientChain::build(self, timestamp, Self::digest(round, true, None), Vec::new()) {
            Ok(block) => {
                self.impeach.lock().insert((height, round), block.clone());
                Some(block)
            }
            Err(why) => {
                log::warn!(target: "lbft", "could not build the impeach block of #{height} round {round}: {why}");
                None
            }
        }
    }

    fn verify(&mut self, block: &Block) -> Result<(), String> {
        // The runtime checks the VRF of blocks that say they are LBFT's; one that does not
        // say so would skip the check (and its proposer's contribution to the randomness).
        let digest = block
            .header
            .digest
            .logs()
            .find_map(|item| match item {
                DigestItem::PreRuntime(id, data) if *id == ENGINE_ID => {
                    Some(BlockDigest::decode_all(&mut &data[..]).ok())
                }
                _ => None,
            })
            .flatten()
            .ok_or("the block carries no LBFT digest")?;
        if digest.impeach {
            // Every validator builds a round's impeach block alike. Anything else flagged
            // `impeach` is a proposer keeping its slot's transactions while skipping its VRF
            // contribution. (The runtime refuses round 0; a node that cannot build the impeach
            // block itself leaves the judgement to execution rather than call it invalid.)
            if digest.round == 0 {
                return Err("round 0 has no impeach block".into());
            }
            if let Some(expected) = self.impeach_block(block.header.number, digest.round)
                && expected.hash() != block.hash()
            {
                return Err(format!(
                    "flagged as the impeach block of round {}, and it is not",
                    digest.round
                ));
            }
        } else if digest.round != 0 {
            // Later rounds re-propose the round-0 block as it was. Whether it carries its
            // proposer's VRF is the runtime's to judge: runtimes before spec 107 need none,
            // so nodes of both versions take each other's proposals until it is enacted.
            return Err("a proposal other than an impeach block is of round 0".into());
        }
        if self.checked.lock().contains_key(&block.hash()) {
            return Ok(());
        }
        let start = Instant::now();
        let checked = self.client.check_block(block);
        self.times.lock().check += start.elapsed();
        self.checked
            .lock()
            .insert(block.hash(), checked.map_err(|e| e.to_string())?);
        Ok(())
    }

    fn finalize(&mut self, block: Block, certificate: Certificate) -> Result<(), String> {
        let hash = block.hash();
        let precomputed = self.checked.lock().remove(&hash);
        let number = block.header.number;
        let count = block.extrinsics.len();
        let import_start = Instant::now();
        let imported = self
            .client
            .import_block(ImportParams {
                block,
                justification: Some(certificate.encode()),
                origin: BlockOrigin::Own,
                finalized: true,
                precomputed,
            })
            .map_err(|e| e.to_string())?;
        let import = import_start.elapsed();
        let times = std::mem::replace(&mut *self.times.lock(), HeightTimes::new());
        self.checked.lock().clear();
        self.impeach.lock().clear();
        self.submit_due_reports();
        let total = times.started.elapsed();
        let waited = total
            .saturating_sub(times.build)
            .saturating_sub(times.check)
            .saturating_sub(import);
        log::info!(
            target: "lbft",
            "Finalized #{number} ({hash}) with {count} extrinsics in round {}, {} signatures; \
             here: built {} ms, checked {} ms, imported {} ms, waited {} ms of {} ms",
            certificate.round,
            certificate.signatures.len(),
            times.build.as_millis(),
            times.check.as_millis(),
            import.as_millis(),
            waited.as_millis(),
            total.as_millis(),
        );
        let _ = imported;
        Ok(())
    }

    fn finalized(&self, height: u32) -> Option<(Block, Certificate)> {
        let hash = self.client.hash(height).ok()??;
        let block = self.client.block(&hash).ok()??;
        let justification = self.client.justification(&hash).ok()??;
        let certificate = Certificate::decode(&mut &justification[..]).ok()?;
        Some((block, certificate))
    }
}

/// Inputs of the engine thread.
pub enum Input {
    /// An encoded consensus message from a peer: gossip awaiting the engine's verdict, or a
    /// message sent to this node alone.
    Message {
        /// The peer that sent or relayed it.
        peer: PeerId,
        /// The message.
        bytes: Vec<u8>,
        /// The gossip message to give the verdict on; `None` for a direct message.
        gossip: Option<cpc_network::GossipId>,
    },
    /// Blocks were imported by sync: continue from the chain's last finalized block.
    Resync,
    /// Stop.
    Stop,
}

/// Most inputs waiting for the engine; peers' messages beyond it are dropped unjudged.
pub const ENGINE_QUEUE: usize = 1024;
/// Most bytes of peers' messages waiting for the engine.
pub const ENGINE_QUEUE_BYTES: usize = 64 * 1024 * 1024;

/// Sends inputs to the engine thread.
#[derive(Clone)]
pub struct LbftSender {
    inputs: mpsc::SyncSender<Input>,
    /// Bytes of messages queued and not yet taken by the engine.
    queued_bytes: Arc<AtomicUsize>,
    /// Set when sync imported blocks: a flag, not a queued input, so a queue full of peers'
    /// messages can neither delay it nor block the task that sets it.
    resync: Arc<AtomicBool>,
}

impl LbftSender {
    /// Hands a peer's message to the engine if the queue has room (in count and bytes);
    /// false if not, or if the engine stopped.
    pub fn try_send(&self, input: Input) -> bool {
        let size = match &input {
            Input::Message { bytes, .. } => bytes.len(),
            _ => 0,
        };
        if self.queued_bytes.load(Ordering::Relaxed) + size > ENGINE_QUEUE_BYTES {
            return false;
        }
        self.queued_bytes.fetch_add(size, Ordering::Relaxed);
        if self.inputs.try_send(input).is_err() {
            self.queued_bytes.fetch_sub(size, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Tells the engine that sync imported blocks: it continues from the chain's new height.
    /// Never blocks.
    pub fn resync(&self) {
        self.resync.store(true, Ordering::Release);
        // Wakes the engine if it is idle; if the queue is full it is awake anyway.
        let _ = self.inputs.try_send(Input::Resync);
    }
}

/// The running LBFT thread.
pub struct LbftHandle {
    sender: LbftSender,
    thread: std::thread::JoinHandle<()>,
}

impl LbftHandle {
    /// A sender of inputs to the engine.
    pub fn sender(&self) -> LbftSender {
        self.sender.clone()
    }

    /// Stops the engine, after the block it may be importing: the database must not close
    /// under it.
    pub fn stop(self) {
        let _ = self.sender.inputs.send(Input::Stop);
        let _ = self.thread.join();
    }
}

/// Where the engine's effects go: outputs to carry out, and verdicts on peers' messages.
pub struct Outlets<O, V> {
    /// Carries out an output (broadcast, send, sync hint, ...).
    pub outbound: O,
    /// Receives the verdict on a peer's message: the peer, the gossip message if it was one.
    pub verdicts: V,
}

/// Runs LBFT on its own thread, voting with `key` if given (a validator), else following.
/// A validator keeps its lock and votes in `state_file` across restarts; an unreadable state
/// file is an error (the validator cannot know what it signed), never silently ignored.
pub fn spawn<O, V>(
    chain: ClientChain,
    key: Option<Pair>,
    config: Config,
    state_file: PathBuf,
    metrics: Arc<Metrics>,
    outlets: Outlets<O, V>,
) -> Result<LbftHandle, String>
where
    O: Fn(Output<Block, PeerId>) + Send + 'static,
    V: Fn(&str, Option<cpc_network::GossipId>, Verdict) + Send + 'static,
{
    let saved = if key.is_some() {
        read_state(&state_file)?
    } else {
        None
    };
    let (inputs, receiver) = mpsc::sync_channel(ENGINE_QUEUE);
    let sender = LbftSender {
        inputs,
        queued_bytes: Arc::new(AtomicUsize::new(0)),
        resync: Arc::new(AtomicBool::new(false)),
    };
    let queue = Queue {
        inputs: receiver,
        queued_bytes: sender.queued_bytes.clone(),
        resync: sender.resync.clone(),
    };
    let thread = std::thread::Builder::new()
        .name("lbft".into())
        .spawn(move || {
            let state = StateFile {
                path: state_file,
                restored: saved,
            };
            run(chain, key, config, state, queue, metrics, outlets)
        })
        .map_err(|e| format!("cannot start the LBFT thread: {e}"))?;
    Ok(LbftHandle { sender, thread })
}

type Timer = Reverse<(Instant, u32, u32, TimeoutKind)>;

/// The engine thread's end of [`LbftSender`].
struct Queue {
    inputs: mpsc::Receiver<Input>,
    queued_bytes: Arc<AtomicUsize>,
    resync: Arc<AtomicBool>,
}

/// Gossip messages the engine deferred, by the blake2-256 of their bytes: their verdicts come
/// with [`Output::Judged`] once the engine reaches their height.
const MAX_DEFERRED: usize = cpc_consensus::engine::MAX_BUFFERED;

/// The validator's saved state: where it lives and what a previous run left there.
struct StateFile {
    path: PathBuf,
    restored: Option<Persisted<Block>>,
}

/// Reads the state a previous run left: `None` if there is none; an error if there is one
/// that cannot be read, for the operator to decide (restore it from a backup, or remove it
/// knowing this validator did not vote at the chain's next height).
fn read_state(path: &Path) -> Result<Option<Persisted<Block>>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot read the LBFT vote state {}: {e}; a validator that cannot tell what it \
                 signed must not vote",
                path.display()
            ));
        }
    };
    codec::DecodeAll::decode_all(&mut &bytes[..])
        .map(Some)
        .map_err(|e| {
            format!(
                "the LBFT vote state {} is corrupt ({e}): a validator that cannot tell what it \
                 signed must not vote. Restore the file, or remove it only if this validator has \
                 certainly not voted above the chain's last finalized block",
                path.display()
            )
        })
}

/// Writes the state durably before anything it covers leaves the node: write, sync, rename,
/// then sync the directory so the rename itself survives a power loss.
fn write_state(path: &Path, state: &Persisted<Block>) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    let mut file = std::fs::File::create(&temporary)?;
    std::io::Write::write_all(&mut file, &state.encode())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Whether an output carries this node's signature on a vote or proposal: it may leave only
/// once the state that records it is on disk.
fn signed_by_us(output: &Output<Block, PeerId>) -> bool {
    matches!(
        output,
        Output::Broadcast(cpc_consensus::Message::Vote(_) | cpc_consensus::Message::Proposal(_))
    )
}

fn run<O, V>(
    mut chain: ClientChain,
    key: Option<Pair>,
    config: Config,
    state_file: StateFile,
    queue: Queue,
    metrics: Arc<Metrics>,
    outlets: Outlets<O, V>,
) where
    O: Fn(Output<Block, PeerId>),
    V: Fn(&str, Option<cpc_network::GossipId>, Verdict),
{
    let Outlets { outbound, verdicts } = outlets;
    let mut position = (0, 0);
    let validator = key.is_some();
    let mut engine: Engine<Block, PeerId> = Engine::new(config, key, &mut chain);
    if let Some(state) = state_file.restored {
        let saved_height = state.height;
        engine.restore(state, &mut chain);
        if engine.muted_until() > 0 {
            log::error!(
                target: "lbft",
                "The vote state in {} is for #{saved_height}, past the chain's next block #{}: \
                 the database lost blocks this validator voted past (an unclean shutdown). It \
                 signs nothing until the chain is synced to #{saved_height}",
                state_file.path.display(),
                engine.height()
            );
        }
        if let Some((hash, round)) = engine.locked() {
            log::info!(target: "lbft", "Restored the lock on {hash:?} (round {round})");
        }
    }
    let state_path = state_file.path;
    let mut saved: Option<Persisted<Block>> = None;
    let mut timers: BinaryHeap<Timer> = BinaryHeap::new();
    let mut deferred: HashMap<[u8; 32], (PeerId, cpc_network::GossipId)> = HashMap::new();
    loop {
        if queue.resync.swap(false, Ordering::AcqRel) {
            engine.resync(&mut chain);
            chain.submit_due_reports();
        }
        // The lock and votes reach the disk before the votes reach the network; if they
        // cannot, this node's signed messages are dropped (as if lost) and saving is tried
        // again on the next turn.
        let mut durable = true;
        if validator {
            let state = engine.persisted();
            if saved.as_ref() != Some(&state) {
                match write_state(&state_path, &state) {
                    Ok(()) => saved = Some(state),
                    Err(e) => {
                        durable = false;
                        metrics.lbft_state_write_failures.inc();
                        log::error!(target: "lbft", "cannot save the LBFT state to {}: {e}; not voting until it can", state_path.display());
                    }
                }
            }
        }
        let now = (engine.height(), engine.round());
        if now.0 == position.0 && now.1 > position.1 {
            metrics
                .lbft_round_changes
                .inc_by(u64::from(now.1 - position.1));
        }
        position = now;
        metrics.lbft_round.set(i64::from(now.1));
        for output in engine.drain() {
            if !durable && signed_by_us(&output) {
                continue;
            }
            match output {
                Output::Schedule {
                    height,
                    round,
                    kind,
                    after_ms,
                } => timers.push(Reverse((
                    Instant::now() + Duration::from_millis(after_ms),
                    height,
                    round,
                    kind,
                ))),
                Output::Finalized { .. } => {
                    metrics.lbft_finalized.inc();
                }
                Output::Impeached {
                    height,
                    proposer,
                    reason,
                } => {
                    log::warn!(
                        target: "lbft",
                        "Impeached the proposer {proposer:?} of #{height}: {reason:?}"
                    );
                    chain.note(height, height as u16, Report::Impeachment(reason));
                }
                Output::Evidence(evidence) => {
                    log::warn!(
                        target: "lbft",
                        "Validator {} equivocated at #{} round {}",
                        evidence.first.validator,
                        evidence.first.vote.height,
                        evidence.first.vote.round
                    );
                    let height = evidence.first.vote.height;
                    chain.note(height, height as u16, Report::Equivocation(evidence));
                }
                Output::Offence(peer, offence) => {
                    log::debug!(target: "lbft", "peer {peer}: {offence:?}");
                    outbound(Output::Offence(peer, offence));
                }
                Output::Judged(digest, verdict) => {
                    if let Some((peer, id)) = deferred.remove(&digest.0) {
                        verdicts(&peer, Some(id), verdict);
                    }
                }
                other => outbound(other),
            }
        }
        let next = timers.peek().map(|Reverse((at, ..))| *at);
        let now = Instant::now();
        // Due timers go first: a steady stream of messages (a flood) must not hold back the
        // round timeouts that keep the chain live.
        if next.is_some_and(|at| at <= now) {
            while let Some(Reverse((at, height, round, kind))) = timers.peek().copied() {
                if at > now {
                    break;
                }
                timers.pop();
                engine.on_timeout(height, round, kind, &mut chain);
            }
        } else {
            let wait = next.map_or(Duration::from_secs(3600), |at| {
                at.saturating_duration_since(now)
            });
            match queue.inputs.recv_timeout(wait) {
                Ok(Input::Message {
                    peer,
                    bytes,
                    gossip,
                }) => {
                    queue.queued_bytes.fetch_sub(bytes.len(), Ordering::Relaxed);
                    let verdict = engine.on_bytes(peer.clone(), &bytes, &mut chain);
                    match (verdict, gossip) {
                        (Verdict::Defer, Some(id)) => {
                            if deferred.len() >= MAX_DEFERRED {
                                // Their gossip entries expire unjudged: nothing is lost but
                                // the forwarding of old messages. A new table, so that the
                                // room of the full one goes back.
                                deferred = HashMap::new();
                            }
                            deferred.insert(blake2_256(&bytes), (peer, id));
                        }
                        (verdict, gossip) => verdicts(&peer, gossip, verdict),
                    }
                }
                // The flag, checked at the top of the loop, says what to do.
                Ok(Input::Resync) => {}
                Ok(Input::Stop) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        // Timers of finished heights and rounds would only be ignored: drop them.
        let (height, round) = (engine.height(), engine.round());
        timers.retain(|Reverse((_, h, r, _))| (*h, *r) >= (height, round));
    }
}

#[cfg(test)]
mod tests {
    use super::{Persisted, propose_delay_ms, read_state, write_state};
    use codec::Encode;

    #[test]
    fn a_vote_state_that_cannot_be_read_stops_the_validator_instead_of_being_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lbft-state");
        assert_eq!(
            read_state(&path),
            Ok(None),
            "no state yet: a fresh validator"
        );
        let state = Persisted {
            height: 7,
            locked: None,
            sent: vec![(0, cpc_consensus::VoteKind::Prepare)],
        };
        write_state(&path, &state).unwrap();
        assert_eq!(read_state(&path), Ok(Some(state.clone())));
        // A torn or corrupted file, or trailing bytes: an error naming the file.
        let mut bytes = state.encode();
        bytes.push(0);
        std::fs::write(&path, &bytes).unwrap();
        let error = read_state(&path).unwrap_err();
        assert!(
            error.contains("lbft-state") && error.contains("corrupt"),
            "{error}"
        );
        std::fs::write(&path, [0xff; 3]).unwrap();
        assert!(read_state(&path).is_err());
        // A state file that is a directory cannot be read: an error too.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert!(read_state(&path).unwrap_err().contains("cannot read"));
        // Writing fails where the state cannot go; the caller withholds its votes.
        assert!(write_state(&dir.path().join("missing").join("lbft-state"), &state).is_err());
    }

    #[test]
    fn the_period_counts_from_the_parents_timestamp() {
        let period = 500;
        // Built at 10,000; this node finalized it and entered the next height 180 ms later.
        assert_eq!(propose_delay_ms(10_000, 10_180, period), 320);
        // Building and voting took longer than a period: propose at once.
        assert_eq!(propose_delay_ms(10_000, 10_700, period), 0);
        // A clock behind the parent's proposer's never waits more than a period.
        assert_eq!(propose_delay_ms(10_000, 9_000, period), period);
        // Genesis, or a chain that stalled (restart, outage): the whole period, as before.
        assert_eq!(propose_delay_ms(0, 10_000, period), period);
        assert_eq!(propose_delay_ms(10_000, 12_001, period), period);
        assert_eq!(propose_delay_ms(10_000, 12_000, period), 0);
    }
}
