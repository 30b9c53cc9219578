//! The pool's data structure and operations.

use cpc_primitives::{
    H256, OpaqueExtrinsic,
    transaction_validity::{
        InvalidTransaction, TransactionSource, TransactionTag, TransactionValidity,
        TransactionValidityError, ValidTransaction,
    },
};
use parking_lot::Mutex;
use std::{
    cmp::Ordering,
    collections::{BinaryHeap, HashMap, HashSet, VecDeque},
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::{broadcast, mpsc};

/// What the pool needs from the chain.
pub trait ChainApi: Send + Sync + 'static {
    /// The best block's hash and number.
    fn best(&self) -> (H256, u32);
    /// Validates `xt` on the state of block `at`; `Err` when the runtime cannot be called.
    fn validate(
        &self,
        at: H256,
        source: TransactionSource,
        xt: &OpaqueExtrinsic,
    ) -> Result<TransactionValidity, String>;

    /// The priority `xt` would get, when it can be read without running the runtime (a signed
    /// extrinsic's tip). A full pool refuses a transaction that could not displace anything
    /// before spending a validation on it: offered more than it can include, a node sheds at
    /// admission instead of validating (and gossiping) transactions it would drop. `None`:
    /// unknown, validated as usual.
    fn claimed_priority(&self, _xt: &OpaqueExtrinsic) -> Option<u64> {
        None
    }
}

/// Pool limits.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// Most ready transactions.
    pub max_ready: usize,
    /// Most future transactions.
    pub max_future: usize,
    /// Most bytes of transactions in all.
    pub max_bytes: usize,
    /// Largest single transaction.
    pub max_tx_bytes: usize,
    /// How long an invalid transaction's hash stays banned.
    pub ban_time: Duration,
    /// Most hashes banned at once.
    pub max_banned: usize,
    /// Transactions re-validated after each block.
    pub revalidate_per_block: usize,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_ready: 8192,
            max_future: 1024,
            max_bytes: 32 * 1024 * 1024,
            max_tx_bytes: cpc_primitives::limits::MAX_EXTRINSIC_SIZE,
            ban_time: Duration::from_secs(600),
            max_banned: 16 * 1024,
            revalidate_per_block: 256,
        }
    }
}

/// Why a transaction was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The runtime says it is invalid.
    #[error("invalid transaction: {0}")]
    Invalid(InvalidTransaction),
    /// The runtime cannot tell.
    #[error("{0}")]
    Unknown(TransactionValidityError),
    /// It was refused recently; it is banned for a while.
    #[error("transaction is temporarily banned")]
    TemporarilyBanned,
    /// It is already in the pool.
    #[error("transaction is already imported")]
    AlreadyImported,
    /// Another transaction provides the same tag with at least its priority.
    #[error("priority is too low: {old} vs {new}")]
    TooLowPriority {
        /// The priority of the transaction in the pool.
        old: u64,
        /// The priority of the new one.
        new: u64,
    },
    /// The pool is full and the transaction's priority is not high enough to evict another.
    #[error("transaction was immediately dropped: the pool is full")]
    ImmediatelyDropped,
    /// It is too large.
    #[error("transaction of {0} bytes is too large")]
    TooLarge(usize),
    /// The runtime could not be called.
    #[error("validation failed: {0}")]
    Validation(String),
}

/// The status of a watched transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// Waiting for a predecessor.
    Future,
    /// Ready for a block.
    Ready,
    /// Included in a block.
    InBlock(H256),
    /// The block including it is final.
    Finalized(H256),
    /// Replaced by another transaction.
    Usurped(H256),
    /// Removed to make room.
    Dropped,
    /// Found invalid.
    Invalid,
}

impl TxStatus {
    /// Whether no status follows this one.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Finalized(_) | Self::Usurped(_) | Self::Dropped | Self::Invalid
        )
    }
}

/// Counts of the pool's contents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Ready transactions.
    pub ready: usize,
    /// Future transactions.
    pub future: usize,
    /// Bytes held.
    pub bytes: usize,
    /// Hashes banned.
    pub banned: usize,
}

struct PoolTx {
    xt: OpaqueExtrinsic,
    len: usize,
    priority: u64,
    requires: Vec<TransactionTag>,
    provides: Vec<TransactionTag>,
    valid_till: u64,
    propagate: bool,
    insertion: u64,
    ready: bool,
}

/// Tables of at most this many entries keep their room.
const SHRINK_FLOOR: usize = 256;

/// Shrinks `map` to twice its entries once it has room for four times as many (and more than
/// [`SHRINK_FLOOR`]). A hash table keeps the room of the most entries it ever held, so without
/// this the pool's tables would hold the memory of the largest backlog the node ever had (a
/// stalled finality fills the pool) for the rest of its life: a node's memory would rise in
/// steps with each new worst burst. The factor between the two bounds keeps a pool whose size
/// swings from block to block from reallocating every block.
fn shrink_after_burst<K: Eq + std::hash::Hash, V>(map: &mut HashMap<K, V>) {
    if worth_shrinking(map.capacity(), map.len()) {
        map.shrink_to(2 * map.len());
    }
}

/// The rule of [`shrink_after_burst`], for any collection.
fn worth_shrinking(capacity: usize, len: usize) -> bool {
    capacity >= 4 * len.max(SHRINK_FLOOR)
}

#[derive(Default)]
struct Inner {
    txs: HashMap<H256, PoolTx>,
    /// Which transaction provides a tag.
    provided: HashMap<TransactionTag, H256>,
    /// Which transactions require a tag.
    required_by: HashMap<TransactionTag, HashSet<H256>>,
    bytes: usize,
    ready_count: usize,
    next_insertion: u64,
    banned: Bans,
    watchers: HashMap<H256, Vec<mpsc::UnboundedSender<TxStatus>>>,
    revalidation_round: u64,
}

/// The transaction pool.
pub struct Pool<A: ChainApi> {
    api: Arc<A>,
    config: PoolConfig,
    inner: Mutex<Inner>,
    propagate: broadcast::Sender<(H256, OpaqueExtrinsic)>,
}

/// Priority order: higher priority first, then older first.
#[derive(PartialEq, Eq)]
struct Candidate {
    priority: u64,
    insertion: u64,
    hash: H256,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then(other.insertion.cmp(&self.insertion))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Inner {
    fn notify(&mut self, hash: &H256, status: TxStatus) {
        let done = status.is_final();
        if let Some(watchers) = self.watchers.get_mut(hash) {
            watchers.retain(|w| w.send(status.clone()).is_ok());
        }
        if done {
            self.watchers.remove(hash);
        }
    }

    fn future_count(&self) -> usize {
        self.txs.len() - self.ready_count
    }

    /// Whether every requirement of `hash` is provided by a ready transaction.
    fn requirements_met(&self, hash: &H256) -> bool {
        self.txs[hash].requires.iter().all(|tag| {
            self.provided
                .get(tag)
                .is_some_and(|provider| self.txs.get(provider).is_some_and(|p| p.ready))
        })
    }

    /// Marks `start` ready if it can be, then whatever that unlocks.
    fn promote(&mut self, start: H256) -> Vec<H256> {
        let mut promoted = Vec::new();
        let mut queue = vec![start];
        while let Some(hash) = queue.pop() {
            if !self.txs.contains_key(&hash)
                || self.txs[&hash].ready
                || !self.requirements_met(&hash)
            {
                continue;
            }
            self.txs.get_mut(&hash).expect("checked above; qed").ready = true;
            self.ready_count += 1;
            promoted.push(hash);
            for tag in self.txs[&hash].provides.clone() {
                if let Some(dependents) = self.required_by.get(&tag) {
                    queue.extend(dependents.iter().copied());
                }
            }
        }
        promoted
    }

    /// Marks the dependents of `tags` future again (their provider left without its tags
    /// reaching the chain).
    fn demote_dependents(&mut self, tags: &[TransactionTag]) {
        let mut queue: Vec<H256> = tags
            .iter()
            .filter_map(|t| self.required_by.get(t))
            .flatten()
            .copied()
            .collect();
        while let Some(hash) = queue.pop() {
            let Some(tx) = self.txs.get_mut(&hash) else {
                continue;
            };
            if !tx.ready {
                continue;
            }
            tx.ready = false;
            self.ready_count -= 1;
            let provides = tx.provides.clone();
            queue.extend(
                provides
                    .iter()
                    .filter_map(|t| self.required_by.get(t))
                    .flatten()
                    .copied(),
            );
            self.notify(&hash, TxStatus::Future);
        }
    }

    /// Gives back the room of tables a burst left mostly empty ([`shrink_after_burst`]).
    fn shrink_tables(&mut self) {
        shrink_after_burst(&mut self.txs);
        shrink_after_burst(&mut self.provided);
        shrink_after_burst(&mut self.required_by);
        shrink_after_burst(&mut self.watchers);
        shrink_after_burst(&mut self.banned.until);
        let order = &mut self.banned.order;
        if worth_shrinking(order.capacity(), order.len()) {
            order.shrink_to(2 * order.len());
        }
    }

    fn insert(&mut self, hash: H256, tx: PoolTx) {
        self.bytes += tx.len;
        for tag in &tx.provides {
            self.provided.insert(tag.clone(), hash);
        }
        for tag in &tx.requires {
            self.required_by
                .entry(tag.clone())
                .or_default()
                .insert(hash);
        }
        self.txs.insert(hash, tx);
    }

    /// Removes `hash` as the chain's (see [`Self::remove`]), telling its watchers it is
    /// gone, and promotes what waited on it.
    fn remove_on_chain(&mut self, hash: &H256) {
        let Some(provides) = self.txs.get(hash).map(|t| t.provides.clone()) else {
            return;
        };
        let dependents: Vec<H256> = provides
            .iter()
            .flat_map(|tag| self.required_by.get(tag).into_iter().flatten().copied())
            .collect();
        self.remove(hash, true);
        self.notify(hash, TxStatus::Invalid);
        for dependent in dependents {
            for ready in self.promote(dependent) {
                self.notify(&ready, TxStatus::Ready);
            }
        }
    }

    /// `hash` no longer waits for `tag`.
    fn forget_requirement(&mut self, tag: &TransactionTag, hash: &H256) {
        if let Some(set) = self.required_by.get_mut(tag) {
            set.remove(hash);
            if set.is_empty() {
                self.required_by.remove(tag);
            }
        }
    }

    /// Removes `hash`; `on_chain` says its tags are now provided by the chain.
    fn remove(&mut self, hash: &H256, on_chain: bool) -> Option<PoolTx> {
        let tx = self.txs.remove(hash)?;
        self.bytes -= tx.len;
        if tx.ready {
            self.ready_count -= 1;
        }
        for tag in &tx.requires {
            self.forget_requirement(tag, hash);
        }
        for tag in &tx.provides {
            if self.provided.get(tag) == Some(hash) {
                self.provided.remove(tag);
            }
        }
        if on_chain {
            // Dependents no longer need these tags from the pool.
            for tag in &tx.provides {
                if let Some(dependents) = self.required_by.remove(tag) {
                    for dependent in dependents {
                        if let Some(d) = self.txs.get_mut(&dependent) {
                            d.requires.retain(|t| t != tag);
                        }
                    }
                }
            }
        } else {
            self.demote_dependents(&tx.provides.clone());
        }
        Some(tx)
    }

    /// The lowest-priority transaction of the ready (or future) queue.
    fn lowest(&self, ready: bool) -> Option<(H256, u64)> {
        self.txs
            .iter()
            .filter(|(_, tx)| tx.ready == ready)
            .min_by_key(|(_, tx)| (tx.priority, std::cmp::Reverse(tx.insertion)))
            .map(|(h, tx)| (*h, tx.priority))
    }

    fn ban(&mut self, hash: H256, now: Instant, config: &PoolConfig) {
        self.banned
            .insert(hash, now + config.ban_time, now, config.max_banned);
    }
}

/// Banned hashes and when each ban ends, with the bans in the order they were given. Every ban
/// lasts `ban_time`, so that is also about the order they end (give or take the length of a
/// validation, which may run beside another), and expiring or evicting the oldest is a pop from
/// the front instead of a scan of them all (a flood of invalid transactions bans one hash per
/// validation). A ban still in force at the front keeps later, already ended ones a little
/// longer: they refuse nothing ([`Bans::contains`] reads the time), they only wait for their
/// turn to leave.
#[derive(Default)]
struct Bans {
    until: HashMap<H256, Instant>,
    /// One entry per ban given (a ban given again with the same end adds none); an entry whose
    /// hash was banned again later is skipped when it leaves. Never longer than the bound, so
    /// neither is `until`.
    order: VecDeque<(Instant, H256)>,
}

impl Bans {
    /// Bans `hash` until `until`; at most `max` bans are kept (at least one), the oldest
    /// leaving first.
    fn insert(&mut self, hash: H256, until: Instant, now: Instant, max: usize) {
        self.expire(now);
        if self.until.get(&hash) == Some(&until) {
            return;
        }
        while self.order.len() >= max.max(1) {
            self.pop_oldest();
        }
        self.until.insert(hash, until);
        self.order.push_back((until, hash));
    }

    fn contains(&self, hash: &H256, now: Instant) -> bool {
        self.until.get(hash).is_some_and(|until| *until > now)
    }

    fn expire(&mut self, now: Instant) {
        while self.order.front().is_some_and(|(until, _)| *until <= now) {
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((until, hash)) = self.order.pop_front()
            && self.until.get(&hash) == Some(&until)
        {
            self.until.remove(&hash);
        }
    }

    fn len(&self) -> usize {
        self.until.len()
    }
}

impl<A: ChainApi> Pool<A> {
    /// An empty pool validating through `api`.
    pub fn new(api: Arc<A>, config: PoolConfig) -> Self {
        let (propagate, _) = broadcast::channel(4096);
        Self {
            api,
            config,
            inner: Mutex::new(Inner::default()),
            propagate,
        }
    }

    /// The limits.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// New transactions to gossip to peers.
    pub fn subscribe_propagation(&self) -> broadcast::Receiver<(H256, OpaqueExtrinsic)> {
        self.propagate.subscribe()
    }

    /// Counts.
    pub fn status(&self) -> PoolStatus {
        let inner = self.inner.lock();
        PoolStatus {
            ready: inner.ready_count,
            future: inner.future_count(),
            bytes: inner.bytes,
            banned: inner.banned.len(),
        }
    }

    /// Checks that the pool's indexes agree with the transactions it holds (for tests, like a
    /// pallet's `try_state`): the byte and ready counts, every tag a transaction requires or
    /// provides indexed under it, and no index naming a transaction that is gone or no longer
    /// requires or provides the tag. An index entry that outlives its transaction is memory
    /// the pool never gives back.
    pub fn check_invariants(&self) -> Result<(), String> {
        let inner = self.inner.lock();
        let bytes: usize = inner.txs.values().map(|t| t.len).sum();
        if bytes != inner.bytes {
            return Err(format!("{} bytes counted, {bytes} held", inner.bytes));
        }
        let ready = inner.txs.values().filter(|t| t.ready).count();
        if ready != inner.ready_count {
            return Err(format!(
                "{} ready counted, {ready} ready",
                inner.ready_count
            ));
        }
        for (hash, tx) in &inner.txs {
            if let Some(tag) = tx.requires.iter().find(|tag| {
                !inner
                    .required_by
                    .get(*tag)
                    .is_some_and(|set| set.contains(hash))
            }) {
                return Err(format!("{hash:?} requires {tag:?}, not indexed"));
            }
        }
        for (tag, set) in &inner.required_by {
            if set.is_empty() {
                return Err(format!("an empty set of dependents for {tag:?}"));
            }
            if let Some(hash) = set.iter().find(|hash| {
                !inner
                    .txs
                    .get(*hash)
                    .is_some_and(|tx| tx.requires.contains(tag))
            }) {
                return Err(format!(
                    "{hash:?} indexed as requiring {tag:?}, and does not"
                ));
            }
        }
        for (tag, hash) in &inner.provided {
            if !inner
                .txs
                .get(hash)
                .is_some_and(|tx| tx.provides.contains(tag))
            {
                return Err(format!(
                    "{hash:?} indexed as providing {tag:?}, and does not"
                ));
            }
        }
        Ok(())
    }

    /// Whether `hash` is in the pool.
    pub fn contains(&self, hash: &H256) -> bool {
        self.inner.lock().txs.contains_key(hash)
    }

    /// Every transaction in the pool (ready and future).
    pub fn all(&self) -> Vec<(H256, OpaqueExtrinsic)> {
        self.inner
            .lock()
            .txs
            .iter()
            .map(|(h, tx)| (*h, tx.xt.clone()))
            .collect()
    }

    /// The tags every pooled transaction provides (for nonce queries).
    pub fn provided_tags(&self) -> Vec<TransactionTag> {
        self.inner.lock().provided.keys().cloned().collect()
    }

    /// Submits a transaction and returns its hash.
    pub fn submit(
        &self,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
    ) -> Result<H256, PoolError> {
        self.submit_inner(source, xt, None)
    }

    /// Submits a transaction and follows its status.
    pub fn submit_and_watch(
        &self,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
    ) -> Result<(H256, mpsc::UnboundedReceiver<TxStatus>), PoolError> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let hash = self.submit_inner(source, xt, Some(sender))?;
        Ok((hash, receiver))
    }

    fn submit_inner(
        &self,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
        watcher: Option<mpsc::UnboundedSender<TxStatus>>,
    ) -> Result<H256, PoolError> {
        let hash = xt.hash();
        let len = xt.0.len();
        let now = Instant::now();
        {
            let inner = self.inner.lock();
            if inner.banned.contains(&hash, now) {
                return Err(PoolError::TemporarilyBanned);
            }
            if inner.txs.contains_key(&hash) {
                return Err(PoolError::AlreadyImported);
            }
        }
        if len > self.config.max_tx_bytes {
            self.inner.lock().ban(hash, now, &self.config);
            return Err(PoolError::TooLarge(len));
        }
        if let Some(lowest) = self.lowest_if_full_for(len)
            && self
                .api
                .claimed_priority(&xt)
                .is_some_and(|claimed| claimed <= lowest)
        {
            return Err(PoolError::ImmediatelyDropped);
        }
        let (best, best_number) = self.api.best();
        let validity = self
            .api
            .validate(best, source, &xt)
            .map_err(PoolError::Validation)?;
        let valid = match validity {
            Ok(valid) => valid,
            Err(TransactionValidityError::Invalid(e)) => {
                self.inner.lock().ban(hash, now, &self.config);
                return Err(PoolError::Invalid(e));
            }
            Err(e @ TransactionValidityError::Unknown(_)) => return Err(PoolError::Unknown(e)),
        };
        self.import_valid(hash, xt, valid, best_number, watcher)
    }

    fn import_valid(
        &self,
        hash: H256,
        xt: OpaqueExtrinsic,
        valid: ValidTransaction,
        best_number: u32,
        watcher: Option<mpsc::UnboundedSender<TxStatus>>,
    ) -> Result<H256, PoolError> {
        let mut inner = self.inner.lock();
        if inner.txs.contains_key(&hash) {
            return Err(PoolError::AlreadyImported);
        }
        // Replacement of a transaction providing the same tag.
        let mut replaced = Vec::new();
        for tag in &valid.provides {
            if let Some(old) = inner.provided.get(tag).copied() {
                let old_priority = inner.txs[&old].priority;
                if valid.priority <= old_priority {
                    return Err(PoolError::TooLowPriority {
                        old: old_priority,
                        new: valid.priority,
                    });
                }
                replaced.push(old);
            }
        }
        for old in replaced {
            inner.remove(&old, false);
            inner.notify(&old, TxStatus::Usurped(hash));
        }

        let len = xt.0.len();
        let insertion = inner.next_insertion;
        inner.next_insertion += 1;
        let tx = PoolTx {
            xt: xt.clone(),
            len,
            priority: valid.priority,
            requires: valid.requires,
            provides: valid.provides,
            valid_till: u64::from(best_number).saturating_add(valid.longevity),
            propagate: valid.propagate,
            insertion,
            ready: false,
        };
        let propagate = tx.propagate;
        inner.insert(hash, tx);
        if let Some(watcher) = watcher {
            inner.watchers.entry(hash).or_default().push(watcher);
        }
        let promoted = inner.promote(hash);

        // Enforce the bounds, evicting the lowest priority transactions; the new one may go.
        while inner.ready_count > self.config.max_ready
            || inner.future_count() > self.config.max_future
            || inner.bytes > self.config.max_bytes
        {
            let ready_queue = inner.future_count() <= self.config.max_future;
            let Some((victim, _)) = inner
                .lowest(ready_queue)
                .or_else(|| inner.lowest(!ready_queue))
            else {
                break;
            };
            // Evicting a ready transaction demotes its dependents, which can overflow the
            // future queue in turn: keep going until every bound holds, even when the new
            // transaction itself was the victim.
            inner.remove(&victim, false);
            inner.notify(&victim, TxStatus::Dropped);
        }
        // Transactions the new one unlocked and that are still ready hear about it.
        for other in promoted.iter().filter(|h| **h != hash) {
            if inner.txs.get(other).is_some_and(|t| t.ready) {
                inner.notify(other, TxStatus::Ready);
            }
        }
        let Some(ready) = inner.txs.get(&hash).map(|t| t.ready) else {
            return Err(PoolError::ImmediatelyDropped);
        };
        inner.notify(
            &hash,
            if ready {
                TxStatus::Ready
            } else {
                TxStatus::Future
            },
        );
        drop(inner);
        if propagate {
            let _ = self.propagate.send((hash, xt));
        }
        Ok(hash)
    }

    /// The lowest ready priority, if admitting `len` more bytes as a ready transaction would
    /// evict one (one look at the pool under one lock).
    fn lowest_if_full_for(&self, len: usize) -> Option<u64> {
        let inner = self.inner.lock();
        let full = inner.ready_count >= self.config.max_ready
            || inner.bytes.saturating_add(len) > self.config.max_bytes;
        full.then(|| inner.lowest(true)).flatten().map(|(_, p)| p)
    }

    /// Ready transactions in the order a block should include them: dependencies first,
    /// otherwise highest priority first.
    pub fn ready(&self) -> Vec<(H256, OpaqueExtrinsic)> {
        let inner = self.inner.lock();
        let mut satisfied: HashSet<&TransactionTag> = HashSet::new();
        let mut missing: HashMap<H256, usize> = HashMap::new();
        let mut heap = BinaryHeap::new();
        for (hash, tx) in inner.txs.iter().filter(|(_, t)| t.ready) {
            if tx.requires.is_empty() {
                heap.push(Candidate {
                    priority: tx.priority,
                    insertion: tx.insertion,
                    hash: *hash,
                });
            } else {
                missing.insert(*hash, tx.requires.len());
            }
        }
        let mut order = Vec::with_capacity(inner.ready_count);
        while let Some(Candidate { hash, .. }) = heap.pop() {
            let tx = &inner.txs[&hash];
            order.push((hash, tx.xt.clone()));
            for tag in &tx.provides {
                if !satisfied.insert(tag) {
                    continue;
                }
                for dependent in inner.required_by.get(tag).into_iter().flatten() {
                    if let Some(count) = missing.get_mut(dependent) {
                        *count -= 1;
                        if *count == 0 {
                            missing.remove(dependent);
                            let d = &inner.txs[dependent];
                            heap.push(Candidate {
                                priority: d.priority,
                                insertion: d.insertion,
                                hash: *dependent,
                            });
                        }
                    }
                }
            }
        }
        order
    }

    /// Drops transactions whose place the chain has already taken (a block built elsewhere
    /// used their nonce, found when building or re-validating): like included ones, what
    /// requires their tags is now satisfied by the chain, not demoted. Never banned: they are
    /// not invalid, only late.
    pub fn on_chain(&self, stale: &[H256]) {
        let mut inner = self.inner.lock();
        for hash in stale {
            inner.remove_on_chain(hash);
        }
    }

    /// Removes transactions refused by a block author (with the runtime's reason) and bans
    /// them.
    pub fn reject(&self, rejected: &[(H256, String)]) {
        let now = Instant::now();
        let mut inner = self.inner.lock();
        for (hash, why) in rejected {
            log::debug!(target: "txpool", "dropping {hash:?}: {why}");
            if inner.remove(hash, false).is_some() {
                inner.notify(hash, TxStatus::Invalid);
            }
            inner.ban(*hash, now, &self.config);
        }
    }

    /// Brings the pool up to date with a new best block `block_hash` (number `number`) that
    /// included `extrinsics`.
    pub fn maintain(
        &self,
        block_hash: H256,
        number: u32,
        extrinsics: &[OpaqueExtrinsic],
        finalized: bool,
    ) {
        let included: Vec<H256> = extrinsics.iter().map(OpaqueExtrinsic::hash).collect();
        let stale_tags: Vec<TransactionTag>;
        {
            let mut inner = self.inner.lock();
            let mut tags = Vec::new();
            for hash in &included {
                if let Some(tx) = inner.remove(hash, true) {
                    tags.extend(tx.provides);
                    inner.notify(hash, TxStatus::InBlock(block_hash));
                    if finalized {
                        inner.notify(hash, TxStatus::Finalized(block_hash));
                    }
                }
            }
            stale_tags = tags;
            // Another transaction providing a tag the block provided is stale now.
            for tag in &stale_tags {
                if let Some(stale) = inner.provided.get(tag).copied() {
                    inner.remove(&stale, false);
                    inner.notify(&stale, TxStatus::Usurped(block_hash));
                }
            }
            let expired: Vec<H256> = inner
                .txs
                .iter()
                .filter(|(_, t)| t.valid_till < u64::from(number))
                .map(|(h, _)| *h)
                .collect();
            for hash in expired {
                inner.remove(&hash, false);
                inner.notify(&hash, TxStatus::Dropped);
            }
            // Dependents of included transactions may be ready now.
            let waiting: Vec<H256> = inner
                .txs
                .iter()
                .filter(|(_, t)| !t.ready)
                .map(|(h, _)| *h)
                .collect();
            for hash in waiting {
                for promoted in inner.promote(hash) {
                    inner.notify(&promoted, TxStatus::Ready);
                }
            }
            let now = Instant::now();
            inner.banned.expire(now);
            inner.shrink_tables();
        }
        self.revalidate(block_hash, number);
    }

    /// Re-validates a bounded, rotating share of the pool at block `at`.
    fn revalidate(&self, at: H256, number: u32) {
        let batch: Vec<(H256, OpaqueExtrinsic)> = {
            let mut inner = self.inner.lock();
            let round = inner.revalidation_round;
            inner.revalidation_round += 1;
            let mut all: Vec<(u64, H256)> =
                inner.txs.iter().map(|(h, t)| (t.insertion, *h)).collect();
            all.sort();
            let n = all.len();
            if n == 0 {
                return;
            }
            let take = self.config.revalidate_per_block.min(n);
            // Waiting transactions whose requirement nothing in the pool provides first (up to
            // half the round): their predecessor may be on chain without having passed through
            // this pool (refused when full, or included by another node), and only their
            // re-validation can tell. Then the rotating window, so every one is seen in turn.
            let orphans: HashSet<H256> = all
                .iter()
                .map(|(_, h)| *h)
                .filter(|h| {
                    let tx = &inner.txs[h];
                    !tx.ready && tx.requires.iter().any(|t| !inner.provided.contains_key(t))
                })
                .take(take / 2)
                .collect();
            let start = (round as usize * take) % n;
            let window = (0..n)
                .map(|i| all[(start + i) % n].1)
                .filter(|h| !orphans.contains(h))
                .take(take - orphans.len());
            orphans
                .iter()
                .copied()
                .chain(window)
                .map(|h| (h, inner.txs[&h].xt.clone()))
                .collect()
        };
        for (hash, xt) in batch {
            let result = self.api.validate(at, TransactionSource::External, &xt);
            let mut inner = self.inner.lock();
            if !inner.txs.contains_key(&hash) {
                continue;
            }
            match result {
                Ok(Ok(valid)) => {
                    // Requirements the chain now meets are gone from the runtime's answer.
                    let tx = inner.txs.get_mut(&hash).expect("checked above; qed");
                    tx.priority = valid.priority;
                    tx.valid_till = u64::from(number).saturating_add(valid.longevity);
                    let (kept, met): (Vec<_>, Vec<_>) = std::mem::take(&mut tx.requires)
                        .into_iter()
                        .partition(|t| valid.requires.contains(t));
                    tx.requires = kept;
                    if !met.is_empty() {
                        // Nothing in the pool will provide these now: forget that it waited.
                        for tag in &met {
                            inner.forget_requirement(tag, &hash);
                        }
                        for promoted in inner.promote(hash) {
                            inner.notify(&promoted, TxStatus::Ready);
                        }
                    }
                }
                Ok(Err(e)) => {
                    // Stale: the chain has its place, so its dependents wait for it no more.
                    if matches!(
                        e,
                        TransactionValidityError::Invalid(InvalidTransaction::Stale)
                    ) {
                        inner.remove_on_chain(&hash);
                    } else {
                        inner.remove(&hash, false);
                        inner.notify(&hash, TxStatus::Invalid);
                        inner.ban(hash, Instant::now(), &self.config);
                    }
                }
                Err(why) => log::warn!(target: "txpool", "cannot re-validate {hash:?}: {why}"),
            }
        }
    }
}

/// The pool as other components see it (RPC, network): submission and inspection.
pub trait TransactionPool: Send + Sync {
    /// Submits a transaction.
    fn submit(&self, source: TransactionSource, xt: OpaqueExtrinsic) -> Result<H256, PoolError>;
    /// Submits a transaction and follows its status.
    fn submit_and_watch(
        &self,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
    ) -> Result<(H256, mpsc::UnboundedReceiver<TxStatus>), PoolError>;
    /// Every transaction in the pool.
    fn pending(&self) -> Vec<OpaqueExtrinsic>;
    /// Counts.
    fn status(&self) -> PoolStatus;
    /// Tags the pooled transactions provide.
    fn provided_tags(&self) -> Vec<TransactionTag>;
    /// Removes the transactions `hashes` and bans them for a while (an operator's
    /// `author_removeExtrinsic`); returns those that were in the pool.
    fn remove(&self, hashes: &[H256]) -> Vec<H256>;
}

impl<A: ChainApi> TransactionPool for Pool<A> {
    fn submit(&self, source: TransactionSource, xt: OpaqueExtrinsic) -> Result<H256, PoolError> {
        Pool::submit(self, source, xt)
    }

    fn submit_and_watch(
        &self,
        source: TransactionSource,
        xt: OpaqueExtrinsic,
    ) -> Result<(H256, mpsc::UnboundedReceiver<TxStatus>), PoolError> {
        Pool::submit_and_watch(self, source, xt)
    }

    fn pending(&self) -> Vec<OpaqueExtrinsic> {
        self.all().into_iter().map(|(_, xt)| xt).collect()
    }

    fn status(&self) -> PoolStatus {
        Pool::status(self)
    }

    fn provided_tags(&self) -> Vec<TransactionTag> {
        Pool::provided_tags(self)
    }

    fn remove(&self, hashes: &[H256]) -> Vec<H256> {
        let present: Vec<H256> = hashes
            .iter()
            .filter(|h| self.contains(h))
            .copied()
            .collect();
        let removed: Vec<(H256, String)> = hashes
            .iter()
            .map(|h| (*h, "removed by the operator".to_string()))
            .collect();
        self.reject(&removed);
        present
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> H256 {
        H256::new([n; 32])
    }

    /// Bans end after their time, the oldest leave first when the bound is reached, and a hash
    /// banned again keeps its newer ban when its older entry leaves.
    #[test]
    fn bans_end_in_order_and_stay_within_their_bound() {
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut bans = Bans::default();
        bans.insert(h(1), at(10), at(0), 3);
        bans.insert(h(2), at(11), at(1), 3);
        bans.insert(h(1), at(12), at(2), 3);
        assert_eq!(bans.len(), 2);
        // The bound counts bans given: h(1)'s first entry leaves, h(1) stays banned.
        bans.insert(h(3), at(13), at(3), 3);
        assert!(bans.contains(&h(1), at(3)));
        assert!(bans.contains(&h(2), at(3)));
        assert!(bans.contains(&h(3), at(3)));
        // Full again: the oldest ban still in force (h(2)) makes room.
        bans.insert(h(4), at(14), at(4), 3);
        assert!(!bans.contains(&h(2), at(4)));
        assert_eq!(bans.len(), 3);
        assert!(bans.order.len() <= 3);
        // Time ends the rest, in order; an ended ban no longer refuses.
        bans.expire(at(12));
        assert!(!bans.contains(&h(1), at(12)));
        assert!(bans.contains(&h(3), at(12)) && bans.contains(&h(4), at(12)));
        bans.expire(at(20));
        assert_eq!((bans.len(), bans.order.len()), (0, 0));
    }

    /// The same hash banned twice with the same end (one list of rejections, or an operator's
    /// removal naming it twice) is one ban: it lasts its whole time.
    #[test]
    fn a_ban_given_twice_at_once_is_one_ban() {
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut bans = Bans::default();
        bans.insert(h(1), at(10), at(0), 2);
        bans.insert(h(1), at(10), at(0), 2);
        bans.insert(h(2), at(11), at(1), 2);
        assert!(bans.contains(&h(1), at(1)) && bans.contains(&h(2), at(1)));
        assert_eq!((bans.len(), bans.order.len()), (2, 2));
    }

    #[test]
    fn a_table_a_burst_left_mostly_empty_gives_its_room_back() {
        let mut map: HashMap<u32, [u8; 64]> = HashMap::new();
        map.extend((0..10_000).map(|n| (n, [0; 64])));
        let burst = map.capacity();
        map.retain(|n, _| *n < 4_000);
        shrink_after_burst(&mut map);
        // (`capacity` is the room left before a rehash, which deleted entries lower a little.)
        assert!(
            map.capacity() > burst / 2,
            "over a quarter full: kept, the next burst needs it"
        );
        map.retain(|n, _| *n < 100);
        shrink_after_burst(&mut map);
        assert!(
            map.capacity() < burst / 16,
            "room for {} kept",
            map.capacity()
        );
        assert_eq!(map.len(), 100);
        assert!((0..100).all(|n| map.contains_key(&n)));
        let small = map.capacity();
        map.clear();
        shrink_after_burst(&mut map);
        assert_eq!(
            map.capacity(),
            small,
            "under the floor: nothing to give back"
        );
    }

    /// A flood of bans past the bound keeps both structures at the bound.
    #[test]
    fn a_flood_of_bans_stays_within_the_bound() {
        let now = Instant::now();
        let mut bans = Bans::default();
        for n in 0..10_000u32 {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&n.to_le_bytes());
            bans.insert(H256::new(bytes), now + Duration::from_secs(600), now, 1024);
        }
        assert_eq!((bans.len(), bans.order.len()), (1024, 1024));
    }
}
