//! Block sync that makes progress against hostile peers.
//!
//! A node learns it is behind from hints (a peer's finalized block or f+1 validators' votes
//! ahead, from the engine: [`SyncHint`]) and from its own clock (finality has not moved for
//! a while: it probes a few connected peers). It then pulls finalized blocks, 64 at a time,
//! from the peers that claim the most, and **judges each answer by progress**: blocks that
//! import move on with the same peer; an answer of blocks it already has, an empty answer
//! from a peer that claimed more, silence or a failed request put that peer aside for a while
//! and the next one is asked; blocks that fail their checks (every certificate is checked on
//! import) cost the peer. Claims are remembered per peer, so one peer's claim never replaces
//! another's, and a peer that lies about its height costs one request.
//!
//! The driver is generic over [`SyncNetwork`] and [`SyncChain`], so its judgement is tested
//! with scripted peers (`tests` below) as well as over libp2p.

use cpc_network::{MAX_SYNC_BLOCKS, Peer, Penalty};
use futures::future::BoxFuture;
use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::{sync::mpsc, time::error::Elapsed};

/// A peer, and the height it is said to have finalized.
pub type SyncHint = (Peer, u32);

/// Most peers whose claims are remembered.
const MAX_CLAIMS: usize = 256;

/// What sync knows about the chain beyond this node: whether it is downloading blocks, and
/// the highest block a peer is known to have finalized.
#[derive(Default)]
pub struct SyncStatus {
    pub(crate) syncing: AtomicBool,
    pub(crate) highest: AtomicU32,
}

/// The network as sync uses it.
pub trait SyncNetwork: Send + Sync + 'static {
    /// The connected peers.
    fn connected(&self) -> Vec<Peer>;
    /// Finalized blocks of `peer` from `from` on, at most `max`.
    fn request(
        &self,
        peer: Peer,
        from: u32,
        max: u32,
    ) -> BoxFuture<'static, Result<Vec<Vec<u8>>, String>>;
    /// Lowers `peer`'s score.
    fn report(&self, peer: Peer, penalty: Penalty);
}

/// The chain as sync uses it.
pub trait SyncChain: Send + Sync + 'static {
    /// The last finalized block's number.
    fn finalized(&self) -> u32;
    /// Imports sync records (checking each certificate); how many were new. Blocking.
    fn import(&self, records: Vec<Vec<u8>>) -> Result<usize, String>;
    /// Blocks were imported: consensus continues from the new height.
    fn resumed(&self);
}

/// Sync's timing.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// How long one request may take.
    pub request_timeout: Duration,
    /// How long a peer that did not help is left aside.
    pub backoff: Duration,
    /// Finality not moving for this long makes sync probe peers without a hint.
    pub stall_after: Duration,
    /// How many connected peers one probe asks.
    pub probe_peers: usize,
    /// How often sync looks at the chain without a hint.
    pub tick: Duration,
}

impl SyncConfig {
    /// Timing for a chain with blocks every `period`.
    pub fn for_period(period: Duration) -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            backoff: Duration::from_secs(30),
            stall_after: (period * 8).max(Duration::from_secs(5)),
            probe_peers: 3,
            tick: Duration::from_secs(1),
        }
    }
}

/// How asking one peer went.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// It gave blocks that imported (and then ran out, or stopped answering).
    Progress,
    /// It gave nothing new: put it aside.
    Useless,
    /// It gave blocks that failed their checks.
    Invalid,
}

/// The sync driver.
pub struct Syncer<N, C> {
    network: Arc<N>,
    chain: Arc<C>,
    status: Arc<SyncStatus>,
    config: SyncConfig,
    /// The height each peer claims to have finalized.
    claims: HashMap<Peer, u32>,
    /// Peers left aside, until when.
    backoff: HashMap<Peer, Instant>,
    /// The finalized height when it last moved, and when.
    last_progress: (u32, Instant),
    /// Where the next probe starts among the connected peers.
    probe_cursor: usize,
}

impl<N: SyncNetwork, C: SyncChain> Syncer<N, C> {
    /// A driver over `network` and `chain`, reporting to `status`.
    pub fn new(
        network: Arc<N>,
        chain: Arc<C>,
        status: Arc<SyncStatus>,
        config: SyncConfig,
    ) -> Self {
        let finalized = chain.finalized();
        Self {
            network,
            chain,
            status,
            config,
            claims: HashMap::new(),
            backoff: HashMap::new(),
            last_progress: (finalized, Instant::now()),
            probe_cursor: 0,
        }
    }

    /// Runs until the hints channel closes.
    pub async fn run(mut self, mut hints: mpsc::Receiver<SyncHint>) {
        let mut tick = tokio::time::interval(self.config.tick);
        loop {
            tokio::select! {
                hint = hints.recv() => match hint {
                    Some((peer, height)) => self.claim(peer, height),
                    None => return,
                },
                _ = tick.tick() => {}
            }
            while let Ok((peer, height)) = hints.try_recv() {
                self.claim(peer, height);
            }
            self.step().await;
        }
    }

    /// Records that `peer` claims to have finalized `height`.
    pub fn claim(&mut self, peer: Peer, height: u32) {
        if !self.claims.contains_key(&peer) && self.claims.len() >= MAX_CLAIMS {
            // Forget the lowest claim: the highest ones are the useful ones.
            if let Some(lowest) = self.claims.iter().min_by_key(|(_, h)| **h).map(|(p, _)| *p) {
                self.claims.remove(&lowest);
            }
        }
        let claimed = self.claims.entry(peer).or_default();
        *claimed = (*claimed).max(height);
        self.status.highest.fetch_max(height, Ordering::Relaxed);
    }

    /// One look at the chain: pulls blocks if a peer claims more, or if finality stalled.
    pub async fn step(&mut self) {
        let now = Instant::now();
        let finalized = self.chain.finalized();
        if finalized != self.last_progress.0 {
            self.last_progress = (finalized, now);
        }
        self.claims.retain(|_, h| *h > finalized);
        self.backoff.retain(|_, until| *until > now);
        let mut candidates: Vec<(Peer, u32)> = self
            .claims
            .iter()
            .filter(|(p, _)| !self.backoff.contains_key(p))
            .map(|(p, h)| (*p, *h))
            .collect();
        candidates.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut candidates: Vec<Peer> = candidates.into_iter().map(|(p, _)| p).collect();
        let stalled = now.duration_since(self.last_progress.1) >= self.config.stall_after;
        if stalled {
            let connected = self.network.connected();
            let count = connected.len();
            for i in 0..count {
                if candidates.len() >= self.config.probe_peers.max(1) + self.claims.len() {
                    break;
                }
                let peer = connected[(self.probe_cursor + i) % count];
                if !candidates.contains(&peer) && !self.backoff.contains_key(&peer) {
                    candidates.push(peer);
                }
            }
            self.probe_cursor = self
                .probe_cursor
                .wrapping_add(self.config.probe_peers.max(1));
        }
        if candidates.is_empty() {
            return;
        }
        self.status.syncing.store(true, Ordering::Relaxed);
        for peer in candidates {
            let claimed = self.claims.get(&peer).copied().unwrap_or(0);
            match self.pull(peer).await {
                Outcome::Progress => {}
                // A probed peer (no claim) with nothing new simply has nothing new.
                Outcome::Useless if claimed == 0 => {}
                Outcome::Useless => {
                    log::debug!(target: "sync", "{peer} claimed #{claimed} but gave nothing new");
                    self.set_aside(peer);
                }
                Outcome::Invalid => {
                    self.network.report(peer, Penalty::Invalid);
                    self.set_aside(peer);
                }
            }
            let finalized = self.chain.finalized();
            let target = self.claims.values().copied().max().unwrap_or(0);
            if finalized >= target && !stalled {
                break;
            }
        }
        let finalized = self.chain.finalized();
        if finalized == self.last_progress.0 && stalled {
            // Nothing to be had now: probe again after another stall period, not every tick.
            self.last_progress.1 = Instant::now();
        }
        self.status.syncing.store(false, Ordering::Relaxed);
    }

    fn set_aside(&mut self, peer: Peer) {
        self.claims.remove(&peer);
        self.backoff
            .insert(peer, Instant::now() + self.config.backoff);
    }

    /// Asks `peer` for blocks until it runs out. While an answer imports, the blocks after it
    /// are already being asked for: fetching and serving then cost no time on the importing
    /// side. A prefetched answer is judged like any other, and dropped unasked-for if the
    /// import did not end where it was meant to follow on.
    async fn pull(&mut self, peer: Peer) -> Outcome {
        // A peer that stops answering (error, silence, nothing new) after blocks that imported
        // still helped; before any, it was useless.
        let stopped = |progressed| {
            if progressed {
                Outcome::Progress
            } else {
                Outcome::Useless
            }
        };
        let mut progressed = false;
        let mut prefetched: Option<(u32, Fetch)> = None;
        loop {
            let before = self.chain.finalized();
            let from = before + 1;
            let mut fetch = match prefetched.take() {
                Some((first, fetch)) if first == from => fetch,
                _ => self.fetch(peer, from),
            };
            let records = match (&mut fetch.0).await {
                Ok(Ok(Ok(records))) => records,
                Ok(Ok(Err(why))) => {
                    log::debug!(target: "sync", "{why}");
                    return stopped(progressed);
                }
                Ok(Err(_)) => {
                    log::debug!(target: "sync", "{peer} did not answer in time");
                    return stopped(progressed);
                }
                Err(join) => {
                    log::debug!(target: "sync", "the request to {peer} failed: {join}");
                    return stopped(progressed);
                }
            };
            if records.is_empty() {
                return stopped(progressed);
            }
            let full = records.len() >= MAX_SYNC_BLOCKS as usize;
            if full {
                // An honest answer holds the blocks from `from` on, in order.
                let next = from.saturating_add(records.len() as u32);
                prefetched = Some((next, self.fetch(peer, next)));
            }
            let chain = self.chain.clone();
            let imported = tokio::task::spawn_blocking(move || chain.import(records))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            match imported {
                // The engine finalized those blocks while the request was out: a race, not
                // the peer's fault.
                Ok(0) if self.chain.finalized() != before => return Outcome::Progress,
                Ok(0) => {
                    // Asked from the first block this node lacks, it answered with blocks it
                    // already has: no honest node does that.
                    self.network.report(peer, Penalty::Minor);
                    return stopped(progressed);
                }
                Ok(n) => {
                    log::info!(target: "sync", "Imported {n} blocks from {peer}");
                    progressed = true;
                    self.chain.resumed();
                    if !full {
                        return Outcome::Progress;
                    }
                }
                Err(why) => {
                    log::warn!(target: "sync", "blocks from {peer} refused: {why}");
                    return Outcome::Invalid;
                }
            }
        }
    }

    /// Asks `peer` for the blocks from `from` on, in the background, within the request
    /// timeout.
    fn fetch(&self, peer: Peer, from: u32) -> Fetch {
        Fetch(tokio::spawn(tokio::time::timeout(
            self.config.request_timeout,
            self.network.request(peer, from, MAX_SYNC_BLOCKS),
        )))
    }
}

/// An answer being fetched (the request's outcome, or its timeout); dropped unawaited, the
/// request is given up.
struct Fetch(tokio::task::JoinHandle<Result<Answer, Elapsed>>);

/// A peer's answer to a sync request: its records, or why there are none.
type Answer = Result<Vec<Vec<u8>>, String>;

impl Drop for Fetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts sync on the current tokio runtime.
pub fn spawn<N: SyncNetwork, C: SyncChain>(
    hints: mpsc::Receiver<SyncHint>,
    network: Arc<N>,
    chain: Arc<C>,
    status: Arc<SyncStatus>,
    config: SyncConfig,
) {
    tokio::spawn(Syncer::new(network, chain, status, config).run(hints));
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::{Decode, Encode};
    use parking_lot::Mutex;

    /// A chain of numbered blocks: a record is a block number, imported only in order.
    #[derive(Default)]
    struct Numbers {
        finalized: Mutex<u32>,
        resumed: AtomicU32,
    }

    impl SyncChain for Numbers {
        fn finalized(&self) -> u32 {
            *self.finalized.lock()
        }
        fn import(&self, records: Vec<Vec<u8>>) -> Result<usize, String> {
            let mut finalized = self.finalized.lock();
            let mut new = 0;
            for record in records {
                let n = u32::decode(&mut &record[..]).map_err(|e| e.to_string())?;
                if n == u32::MAX {
                    return Err("a bad certificate".into());
                }
                if n <= *finalized {
                    continue;
                }
                if n != *finalized + 1 {
                    return Err(format!("block {n} has no parent here"));
                }
                *finalized = n;
                new += 1;
            }
            Ok(new)
        }
        fn resumed(&self) {
            self.resumed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// How a scripted peer answers.
    #[derive(Clone, Copy)]
    enum Peer_ {
        /// Its blocks up to this height.
        Honest(u32),
        /// Old blocks (1..=3), whatever is asked.
        Stale,
        /// Never answers.
        Silent,
        /// Fails the request at once.
        Failing,
        /// Blocks that fail their checks.
        Forger,
    }

    struct Scripted {
        peers: Vec<(Peer, Peer_)>,
        reports: Mutex<Vec<(Peer, Penalty)>>,
        requests: Mutex<Vec<Peer>>,
        /// The first block of each request, in the order asked.
        froms: Arc<Mutex<Vec<u32>>>,
    }

    impl SyncNetwork for Scripted {
        fn connected(&self) -> Vec<Peer> {
            self.peers.iter().map(|(p, _)| *p).collect()
        }
        fn request(
            &self,
            peer: Peer,
            from: u32,
            max: u32,
        ) -> BoxFuture<'static, Result<Vec<Vec<u8>>, String>> {
            self.requests.lock().push(peer);
            self.froms.lock().push(from);
            let kind = self.peers.iter().find(|(p, _)| *p == peer).map(|(_, k)| *k);
            Box::pin(async move {
                match kind {
                    Some(Peer_::Honest(top)) => Ok((from..=top.min(from + max - 1))
                        .map(|n| n.encode())
                        .collect()),
                    Some(Peer_::Stale) => Ok((1..=3u32).map(|n| n.encode()).collect()),
                    Some(Peer_::Silent) => {
                        futures::future::pending::<()>().await;
                        unreachable!()
                    }
                    Some(Peer_::Forger) => Ok(vec![u32::MAX.encode()]),
                    Some(Peer_::Failing) | None => Err("refused".into()),
                }
            })
        }
        fn report(&self, peer: Peer, penalty: Penalty) {
            self.reports.lock().push((peer, penalty));
        }
    }

    /// A scripted network of `peers` noting the first block of each request in `froms`.
    fn scripted(peers: Vec<(Peer, Peer_)>, froms: Arc<Mutex<Vec<u32>>>) -> Arc<Scripted> {
        Arc::new(Scripted {
            peers,
            reports: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            froms,
        })
    }

    fn peer() -> Peer {
        cpc_network::generate_node_key().0.public().to_peer_id()
    }

    fn config() -> SyncConfig {
        SyncConfig {
            request_timeout: Duration::from_millis(200),
            backoff: Duration::from_secs(60),
            stall_after: Duration::from_secs(3600),
            probe_peers: 3,
            tick: Duration::from_millis(10),
        }
    }

    fn setup(peers: Vec<(Peer, Peer_)>, at: u32) -> Syncer<Scripted, Numbers> {
        let chain = Numbers::default();
        *chain.finalized.lock() = at;
        Syncer::new(
            scripted(peers, Default::default()),
            Arc::new(chain),
            Arc::new(SyncStatus::default()),
            config(),
        )
    }

    #[tokio::test]
    async fn hostile_peers_claiming_more_cannot_keep_a_node_from_catching_up() {
        let (stale, silent, forger, failing, honest) = (peer(), peer(), peer(), peer(), peer());
        let mut sync = setup(
            vec![
                (stale, Peer_::Stale),
                (silent, Peer_::Silent),
                (forger, Peer_::Forger),
                (failing, Peer_::Failing),
                (honest, Peer_::Honest(300)),
            ],
            10,
        );
        // The liars claim far more than the honest peer, so they are asked first.
        for liar in [stale, silent, forger, failing] {
            sync.claim(liar, 1_000_000);
        }
        sync.claim(honest, 300);
        sync.step().await;
        assert_eq!(
            sync.chain.finalized(),
            300,
            "caught up past every liar in one step"
        );
        let reports = sync.network.reports.lock().clone();
        assert!(reports.contains(&(forger, Penalty::Invalid)));
        assert!(reports.contains(&(stale, Penalty::Minor)));
        assert!(!reports.iter().any(|(p, _)| *p == honest), "{reports:?}");
        // Each liar was asked once, then put aside.
        let requests = sync.network.requests.lock().clone();
        for liar in [stale, silent, forger, failing] {
            assert_eq!(requests.iter().filter(|p| **p == liar).count(), 1);
            assert!(sync.backoff.contains_key(&liar));
        }
        // 290 blocks in answers of at most 64.
        assert_eq!(requests.iter().filter(|p| **p == honest).count(), 5);
        assert!(sync.chain.resumed.load(Ordering::Relaxed) >= 5);
        // A later claim of a set-aside liar is not asked again while it is aside.
        sync.claim(stale, 2_000_000);
        sync.step().await;
        assert_eq!(
            sync.network
                .requests
                .lock()
                .iter()
                .filter(|p| **p == stale)
                .count(),
            1
        );
    }

    #[tokio::test]
    async fn claims_of_several_peers_are_kept_not_replaced_by_the_last() {
        let (a, b) = (peer(), peer());
        let mut sync = setup(vec![(a, Peer_::Silent), (b, Peer_::Honest(50))], 0);
        sync.claim(b, 50);
        // A later hint from a silent peer does not make sync forget the honest one.
        sync.claim(a, 40);
        sync.step().await;
        assert_eq!(sync.chain.finalized(), 50);
    }

    #[tokio::test]
    async fn a_stalled_chain_probes_connected_peers_without_any_hint() {
        let honest = peer();
        let mut sync = setup(
            vec![(peer(), Peer_::Failing), (honest, Peer_::Honest(20))],
            5,
        );
        sync.config.stall_after = Duration::ZERO;
        // No hint at all (say, every claim came with a certificate of a committee this node
        // cannot check yet): the probe still finds the blocks.
        sync.step().await;
        assert_eq!(sync.chain.finalized(), 20);
        // Probed peers that have nothing are not charged.
        sync.step().await;
        assert!(sync.network.reports.lock().is_empty());
    }

    /// [`Numbers`] that notes, at each import, the requests already made.
    struct Watching {
        chain: Numbers,
        froms: Arc<Mutex<Vec<u32>>>,
        asked_when_importing: Mutex<Vec<Vec<u32>>>,
    }

    impl SyncChain for Watching {
        fn finalized(&self) -> u32 {
            self.chain.finalized()
        }
        fn import(&self, records: Vec<Vec<u8>>) -> Result<usize, String> {
            self.asked_when_importing
                .lock()
                .push(self.froms.lock().clone());
            self.chain.import(records)
        }
        fn resumed(&self) {}
    }

    #[tokio::test]
    async fn the_next_blocks_are_asked_for_while_an_answer_imports() {
        let honest = peer();
        let froms: Arc<Mutex<Vec<u32>>> = Default::default();
        let chain = Arc::new(Watching {
            chain: Numbers::default(),
            froms: froms.clone(),
            asked_when_importing: Mutex::new(Vec::new()),
        });
        let mut sync = Syncer::new(
            scripted(vec![(honest, Peer_::Honest(150))], froms.clone()),
            chain.clone(),
            Arc::new(SyncStatus::default()),
            config(),
        );
        sync.claim(honest, 150);
        sync.step().await;
        assert_eq!(chain.finalized(), 150);
        // Answers of 64, 64 and 22 blocks: each full answer's successor was asked for before
        // it imported, and nothing was asked twice.
        assert_eq!(*froms.lock(), [1, 65, 129]);
        assert_eq!(
            *chain.asked_when_importing.lock(),
            [vec![1, 65], vec![1, 65, 129], vec![1, 65, 129]]
        );
    }

    /// [`Numbers`] whose height jumps to 100 during its first import, as if the engine had
    /// finalized blocks by voting meanwhile.
    struct Racing {
        chain: Numbers,
        raced: AtomicBool,
    }

    impl SyncChain for Racing {
        fn finalized(&self) -> u32 {
            self.chain.finalized()
        }
        fn import(&self, records: Vec<Vec<u8>>) -> Result<usize, String> {
            let imported = self.chain.import(records);
            if !self.raced.swap(true, Ordering::Relaxed) {
                let mut finalized = self.chain.finalized.lock();
                *finalized = (*finalized).max(100);
            }
            imported
        }
        fn resumed(&self) {}
    }

    #[tokio::test]
    async fn a_prefetched_answer_that_no_longer_follows_on_is_not_used() {
        let honest = peer();
        let froms: Arc<Mutex<Vec<u32>>> = Default::default();
        let network = scripted(vec![(honest, Peer_::Honest(200))], froms.clone());
        let chain = Arc::new(Racing {
            chain: Numbers::default(),
            raced: AtomicBool::new(false),
        });
        let mut sync = Syncer::new(
            network.clone(),
            chain.clone(),
            Arc::new(SyncStatus::default()),
            config(),
        );
        sync.claim(honest, 200);
        sync.step().await;
        assert_eq!(chain.finalized(), 200);
        assert!(
            network.reports.lock().is_empty(),
            "the peer did nothing wrong"
        );
        // 65.. was asked for in advance, then not used: the next request starts at 101.
        assert_eq!(*froms.lock(), [1, 65, 101, 165]);
    }
}
