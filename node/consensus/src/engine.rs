//! The LBFT state machine of one node.
//!
//! Inputs: [`Engine::on_message`] (from a peer `P`), [`Engine::on_timeout`] (a timeout the
//! engine scheduled). Effects: calls into the [`Chain`] (build, verify, finalize) and
//! [`Output`]s for the driver, taken with [`Engine::drain`].
//!
//! Invariants (what `docs/consensus.md` proves safe):
//! - a validator prepares at most once and commits at most once per (height, round);
//! - it commits only the block 2f+1 prepared in its current round, and locks on it;
//! - its lock only moves to a prepare certificate of a later round;
//! - it prepares a block only if it is not locked or locked on that very block (a proposal
//!   carrying a later prepare certificate moves the lock first);
//! - a block is final only with 2f+1 commits of one round, and only after the node itself
//!   found it valid.
//!
//! Memory is bounded: votes and proposals are kept only for rounds within
//! `max_future_rounds` of the current one and heights within `max_future_heights`, and at most
//! one vote per (validator, round, kind).

use crate::{
    Height, Round, ValidatorIndex,
    types::{
        Certificate, ConsensusBlock, Equivocation, Message, Proposal, SignedProposal, SignedVote,
        ValidatorSet, Vote, VoteKind,
    },
};
use codec::Encode;
use cpc_crypto::sr25519::{self, Pair, Public, Signature};
use cpc_primitives::H256;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// What the engine needs from the chain it finalizes.
pub trait Chain<B: ConsensusBlock> {
    /// The last finalized block: its height and hash.
    fn best_finalized(&self) -> (Height, H256);
    /// The committee that finalizes `height`, read from the state of its parent.
    fn validators(&self, height: Height) -> ValidatorSet;
    /// The elected proposer of round 0 at `height`.
    fn proposer(&self, height: Height) -> Public;
    /// Builds a block at `height` on the last finalized block; `None` if it cannot.
    fn build(&mut self, height: Height) -> Option<B>;
    /// How long round 0's proposer waits at `height` before building, at most `period_ms`. A
    /// chain that knows when its parent was built returns what is left of the period since
    /// then, so that building, voting and importing are not added to every block interval.
    /// The default waits the whole period from the start of the height.
    fn propose_delay_ms(&self, _height: Height, period_ms: u64) -> u64 {
        period_ms
    }
    /// The impeach block of `round` at `height`: empty, on the parent's state, no reward, with
    /// a timestamp that depends on the round only. Every node computes the same block; `None`
    /// if this node cannot build it (it then neither proposes nor accepts one).
    fn impeach_block(&self, height: Height, round: Round) -> Option<B>;
    /// Executes `block` on the last finalized block; `Err` says why it is invalid.
    fn verify(&mut self, block: &B) -> Result<(), String>;
    /// Makes `block` final, with `certificate` as its justification.
    fn finalize(&mut self, block: B, certificate: Certificate) -> Result<(), String>;
    /// A finalized block and its certificate, to help a peer that is behind.
    fn finalized(&self, height: Height) -> Option<(B, Certificate)>;
}

/// Engine parameters.
#[derive(Clone, Debug)]
pub struct Config {
    /// The chain's genesis hash: every signature is bound to it.
    pub chain: H256,
    /// The block period: round 0's proposer proposes this long after the height starts.
    pub period_ms: u64,
    /// Round 0 waits `period + base_timeout`; round `r > 0` waits `base_timeout * 2^r`.
    pub base_timeout_ms: u64,
    /// Cap of the doubling round timeout.
    pub max_timeout_ms: u64,
    /// Messages for heights up to this far ahead are kept for later; farther ones are dropped.
    pub max_future_heights: Height,
    /// Messages for rounds up to this far ahead are kept; farther ones are dropped.
    pub max_future_rounds: Round,
}

impl Config {
    /// Defaults for a block period of `period_ms`.
    pub fn new(chain: H256, period_ms: u64) -> Self {
        Self {
            chain,
            period_ms,
            base_timeout_ms: period_ms.max(100),
            max_timeout_ms: period_ms.max(100) * 32,
            max_future_heights: 8,
            max_future_rounds: 16,
        }
    }

    /// How long round `round` lasts before the next one starts.
    pub fn round_timeout_ms(&self, round: Round) -> u64 {
        if round == 0 {
            self.period_ms + self.base_timeout_ms
        } else {
            self.base_timeout_ms
                .saturating_mul(1 << round.min(20))
                .min(self.max_timeout_ms)
        }
    }
}

/// Which timeout fired.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub enum TimeoutKind {
    /// Round 0's proposer should propose now.
    Propose,
    /// The round is over: move to the next.
    Round,
}

/// Why the round-0 proposer of a height is impeached.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ImpeachReason {
    /// No proposal arrived within the round.
    MissingProposal,
    /// The proposed block is invalid, and why.
    InvalidBlock {
        /// The block.
        hash: H256,
        /// Why it failed.
        why: String,
    },
}

/// What the engine made of a peer's message, for the gossip layer: only accepted messages are
/// forwarded, and only rejected ones cost the peer that relayed them.
///
/// The rule that makes blaming a relay fair: an honest node accepts (and so forwards) only
/// messages of the height it is deciding, after the checks below. Every node deciding height
/// `h` has the same parent, committee and elected proposer (finality is unique), so a message
/// of this node's height that fails a check that depends only on those was forwarded by a
/// relay that skipped the check. What it could not judge the same way (a future height, a
/// round outside its window, a block whose execution failed, a proposer's second proposal) is
/// ignored, never charged: the fault, if any, is its signed author's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    /// Valid at this node's height and new: forward it.
    Accept,
    /// Dropped without blame.
    Ignore,
    /// Dropped, and the relay is at fault.
    Reject,
    /// Kept for a later height, not judged yet: the driver holds the gossip message back and
    /// gives the verdict when the engine replays it ([`Output::Judged`]).
    Defer,
}

/// Misbehaviour of a peer: the driver lowers its score and may ban it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Offence {
    /// Bytes that are not a message.
    Malformed,
    /// A signature that does not verify.
    BadSignature,
    /// A vote signed by a validator index outside the committee.
    NotAValidator,
    /// A proposal from someone who is not the round's proposer.
    WrongProposer,
    /// A message too far ahead in height or round to be kept.
    FarFuture,
    /// A proposal that breaks the rules (wrong parent, impeach round without a certificate).
    InvalidProposal,
    /// A block that does not execute.
    InvalidBlock,
    /// A certificate that does not verify.
    InvalidCertificate,
    /// A proposer that signed two blocks for one round.
    ProposerEquivocation,
    /// A message for a later height that fails the checks this node can make of it already
    /// (a signature of the current committee, the expected proposer, a certificate). It may be
    /// honest across a committee change, so it costs little, but it costs: otherwise anyone
    /// could make the engine check signatures for free.
    UnverifiedFuture,
}

impl Offence {
    /// Whether a relay that forwarded the message is at fault (see [`Verdict`]): it is for
    /// what any node at the message's height checks the same way; it is not for a message too
    /// far ahead, a block whose execution failed (the proposer's fault, and possibly a
    /// transient failure here), or a proposer's conflicting second proposal.
    pub fn relay_at_fault(&self) -> bool {
        !matches!(
            self,
            Offence::FarFuture
                | Offence::InvalidBlock
                | Offence::ProposerEquivocation
                | Offence::UnverifiedFuture
        )
    }
}

/// What the driver must do.
#[derive(Clone, PartialEq, Debug)]
pub enum Output<B, P> {
    /// Send to every peer.
    Broadcast(Message<B>),
    /// Send to one peer.
    Send(P, Message<B>),
    /// Call [`Engine::on_timeout`] after `after_ms`.
    Schedule {
        /// Height of the timeout.
        height: Height,
        /// Round of the timeout.
        round: Round,
        /// Which timeout.
        kind: TimeoutKind,
        /// Delay in milliseconds.
        after_ms: u64,
    },
    /// A block became final (it was passed to [`Chain::finalize`]).
    Finalized {
        /// Its height.
        height: Height,
        /// Its hash.
        hash: H256,
        /// The round of its certificate.
        round: Round,
    },
    /// Round 0 ended without the proposer's block being prepared, for this reason.
    Impeached {
        /// The height.
        height: Height,
        /// The elected proposer.
        proposer: Public,
        /// Why.
        reason: ImpeachReason,
    },
    /// A peer misbehaved.
    Offence(P, Offence),
    /// A validator signed conflicting votes: evidence to report on chain.
    Evidence(Equivocation),
    /// A peer finalized a later height than this node decides: sync the blocks in between
    /// from it.
    Behind(P, Height),
    /// The verdict on a message this node deferred ([`Verdict::Defer`]), now that it reached
    /// the message's height: the blake2-256 of the message's encoding, and the verdict.
    Judged(H256, Verdict),
}

/// What a validator must remember across a restart, at the height it was deciding: its lock
/// (so it never prepares against it) and the (round, kind) pairs it already voted in (so it
/// never votes twice in one).
#[derive(Clone, PartialEq, Eq, Debug, codec::Encode, codec::Decode)]
pub struct Persisted<B> {
    /// The height.
    pub height: Height,
    /// The locked block and the certificate that locked it.
    pub locked: Option<(B, Certificate)>,
    /// Rounds and kinds already voted in.
    pub sent: Vec<(Round, VoteKind)>,
}

/// Most messages buffered for future heights.
pub const MAX_BUFFERED: usize = 4096;

/// What names a deferred message in [`Output::Judged`]: the blake2-256 of its encoding.
fn verdict_digest<B: ConsensusBlock>(message: &Message<B>) -> H256 {
    H256(cpc_primitives::hashing::blake2_256(&message.encode()))
}
/// Most bytes of messages buffered for future heights.
pub const MAX_BUFFERED_BYTES: usize = 64 * 1024 * 1024;
/// Most peers whose last answered height is remembered.
pub const MAX_HELPED_PEERS: usize = 1024;
/// A peer this many heights behind is not sent blocks one by one: it syncs.
pub const MAX_HELP_DEPTH: Height = 64;
/// Most (peer, height) pairs whose later-height certificate was checked, per height.
const MAX_CHECKED_CLAIMS: usize = 4096;

/// The LBFT engine of one node (validator, proposer or follower).
pub struct Engine<B: ConsensusBlock, P> {
    config: Config,
    key: Option<Pair>,
    public: Option<Public>,
    height: Height,
    parent: H256,
    round: Round,
    validators: ValidatorSet,
    me: Option<ValidatorIndex>,
    /// The first valid proposal seen per round: its block hash.
    proposals: BTreeMap<Round, H256>,
    /// Blocks of this height this node executed successfully.
    valid: HashMap<H256, B>,
    /// Blocks of this height found invalid, and why.
    invalid: HashMap<H256, String>,
    votes: BTreeMap<(Round, VoteKind), BTreeMap<ValidatorIndex, SignedVote>>,
    sent: HashSet<(Round, VoteKind)>,
    equivocators: HashSet<(ValidatorIndex, Round, VoteKind)>,
    /// The block this node is locked on: the round and certificate that locked it.
    locked: Option<(H256, Certificate)>,
    /// What became of round 0's proposal, for the impeachment reason.
    round0: Option<Result<(), String>>,
    future: BTreeMap<Height, Vec<(P, Message<B>)>>,
    buffered: usize,
    /// Bytes of the buffered messages.
    buffered_bytes: usize,
    /// The latest round each validator was seen voting in, at this height.
    highest_round: BTreeMap<ValidatorIndex, Round>,
    /// The highest height whose finalized block each peer was sent: a peer is answered at
    /// most once per height, ever, so replayed old votes buy nothing.
    helped: BTreeMap<P, Height>,
    /// The highest height each validator was seen voting at (correctly signed, ahead of this
    /// node): f+1 of them two heights ahead mean this node missed a final block.
    ahead: BTreeMap<ValidatorIndex, Height>,
    /// The height of the last `Behind` emitted for votes ahead, so it is emitted once.
    behind_reported: Height,
    /// This node signs nothing below this height: its saved state says it voted there, but the
    /// chain has not caught up with that state (a database that lost its last writes).
    muted_until: Height,
    /// The saved state to take back once the chain reaches its height.
    pending_restore: Option<Persisted<B>>,
    /// The verdict on the message being handled.
    verdict: Verdict,
    /// (peer, height) pairs whose certificate for a later height was checked: one check each,
    /// so replays of a claim cost nothing.
    checked_claims: BTreeSet<(P, Height)>,
    /// A commit certificate of this height for a block not executed yet: the block is final
    /// as soon as it executes here.
    decided: Option<Certificate>,
    /// Buffered votes per validator.
    buffered_votes: HashMap<ValidatorIndex, usize>,
    replay: VecDeque<(P, Message<B>)>,
    out: Vec<Output<B, P>>,
}

impl<B: ConsensusBlock, P: Clone + Ord> Engine<B, P> {
    /// An engine signing with `key` (a validator's or a proposer's; `None` for a follower)
    /// that starts at the height after the chain's last finalized block.
    pub fn new(config: Config, key: Option<Pair>, chain: &mut impl Chain<B>) -> Self {
        let public = key.as_ref().map(Pair::public);
        let mut engine = Self {
            config,
            key,
            public,
            height: 0,
            parent: H256::default(),
            round: 0,
            validators: chain.validators(chain.best_finalized().0 + 1),
            me: None,
            proposals: BTreeMap::new(),
            valid: HashMap::new(),
            invalid: HashMap::new(),
            votes: BTreeMap::new(),
            sent: HashSet::new(),
            equivocators: HashSet::new(),
            locked: None,
            round0: None,
            future: BTreeMap::new(),
            buffered: 0,
            buffered_bytes: 0,
            highest_round: BTreeMap::new(),
            helped: BTreeMap::new(),
            ahead: BTreeMap::new(),
            behind_reported: 0,
            muted_until: 0,
            pending_restore: None,
            verdict: Verdict::Ignore,
            checked_claims: BTreeSet::new(),
            decided: None,
            buffered_votes: HashMap::new(),
            replay: VecDeque::new(),
            out: Vec::new(),
        };
        engine.enter_height(chain);
        engine
    }

    /// The height being decided.
    pub fn height(&self) -> Height {
        self.height
    }

    /// The current round.
    pub fn round(&self) -> Round {
        self.round
    }

    /// The block this node is locked on, if any.
    pub fn locked(&self) -> Option<(H256, Round)> {
        self.locked.as_ref().map(|(h, c)| (*h, c.round))
    }

    /// The committee of the current height.
    pub fn validators(&self) -> &ValidatorSet {
        &self.validators
    }

    /// Messages kept for later heights.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// The state to write to disk before acting on this node's next vote.
    pub fn persisted(&self) -> Persisted<B> {
        // While muted, the saved state stays the later one it was muted by.
        if let Some(pending) = &self.pending_restore {
            return pending.clone();
        }
        let mut sent: Vec<(Round, VoteKind)> = self.sent.iter().copied().collect();
        sent.sort();
        Persisted {
            height: self.height,
            locked: self
                .locked
                .as_ref()
                .and_then(|(hash, c)| self.valid.get(hash).map(|b| (b.clone(), c.clone()))),
            sent,
        }
    }

    /// Below which height this node signs nothing (see [`Engine::restore`]); 0 if it signs.
    pub fn muted_until(&self) -> Height {
        self.muted_until
    }

    /// Takes back the lock and votes of a previous run, if it was at this height; a lock whose
    /// block no longer executes, or whose certificate does not verify, is ignored. A state of a
    /// *later* height than the chain's means the database lost finalized blocks the node had
    /// voted past (unsynced writes before a power loss): the node may have voted at any height
    /// in between, so it signs nothing until the chain (synced from peers) reaches the saved
    /// height, where it takes the state back.
    pub fn restore(&mut self, state: Persisted<B>, chain: &mut impl Chain<B>) {
        if state.height > self.height {
            self.muted_until = state.height;
            self.pending_restore = Some(state);
            return;
        }
        if state.height != self.height {
            return;
        }
        self.sent.extend(state.sent);
        if let Some((block, certificate)) = state.locked {
            let hash = block.hash();
            let genuine = certificate
                .verify(
                    VoteKind::Prepare,
                    self.height,
                    &hash,
                    &self.validators,
                    &self.config.chain,
                )
                .is_ok();
            if genuine && self.check_block(&None, block, chain) {
                self.update_lock(hash, certificate);
            }
        }
    }

    /// Takes the outputs produced so far.
    pub fn drain(&mut self) -> Vec<Output<B, P>> {
        std::mem::take(&mut self.out)
    }

    /// Picks up blocks finalized outside the engine (imported by block sync): moves to the
    /// height after the chain's last finalized block, if it is past the engine's.
    pub fn resync(&mut self, chain: &mut impl Chain<B>) {
        if chain.best_finalized().0 >= self.height {
            self.enter_height(chain);
            self.run_replay(chain);
        }
    }

    /// Handles the encoded message `bytes` from `from`, refusing what does not decode, and
    /// says whether gossip should forward it.
    pub fn on_bytes(&mut self, from: P, bytes: &[u8], chain: &mut impl Chain<B>) -> Verdict {
        match Message::decode_bounded(bytes) {
            Ok(message) => self.on_message(from, message, chain),
            Err(_) => {
                self.out.push(Output::Offence(from, Offence::Malformed));
                Verdict::Reject
            }
        }
    }

    /// Handles a message from `from`, and says whether gossip should forward it.
    pub fn on_message(
        &mut self,
        from: P,
        message: Message<B>,
        chain: &mut impl Chain<B>,
    ) -> Verdict {
        self.verdict = Verdict::Ignore;
        self.handle(Some(from), message, chain);
        let verdict = self.verdict;
        self.run_replay(chain);
        verdict
    }

    /// Handles a timeout the engine scheduled.
    pub fn on_timeout(
        &mut self,
        height: Height,
        round: Round,
        kind: TimeoutKind,
        chain: &mut impl Chain<B>,
    ) {
        if height != self.height || round != self.round {
            return;
        }
        match kind {
            TimeoutKind::Propose => {
                if round == 0
                    && !self.proposals.contains_key(&0)
                    && let Some(block) = chain.build(height)
                {
                    self.propose(block, None, chain);
                }
            }
            TimeoutKind::Round => self.enter_round(round + 1, chain),
        }
        self.run_replay(chain);
    }

    /// Handles the messages kept for the height just entered, and gives the verdicts that
    /// were deferred.
    fn run_replay(&mut self, chain: &mut impl Chain<B>) {
        while let Some((from, message)) = self.replay.pop_front() {
            let digest = verdict_digest(&message);
            self.verdict = Verdict::Ignore;
            self.handle(Some(from), message, chain);
            self.out.push(Output::Judged(digest, self.verdict));
        }
    }

    fn offence(&mut self, from: &Option<P>, offence: Offence) {
        if offence.relay_at_fault() {
            self.verdict = Verdict::Reject;
        }
        if let Some(peer) = from {
            self.out.push(Output::Offence(peer.clone(), offence));
        }
    }

    fn enter_height(&mut self, chain: &mut impl Chain<B>) {
        let (best, hash) = chain.best_finalized();
        self.height = best + 1;
        self.parent = hash;
        self.validators = chain.validators(self.height);
        self.me = self
            .public
            .as_ref()
            .and_then(|key| self.validators.index_of(key));
        self.proposals.clear();
        self.valid.clear();
        self.invalid.clear();
        self.votes.clear();
        self.sent.clear();
        self.equivocators.clear();
        self.locked = None;
        self.round0 = None;
        self.highest_round.clear();
        let height = self.height;
        self.ahead.retain(|_, h| *h > height);
        self.checked_claims.retain(|(_, h)| *h > height);
        self.decided = None;
        // Drop what is now in the past, queue what is for this height.
        let stale: Vec<Height> = self.future.range(..=self.height).map(|(h, _)| *h).collect();
        for h in stale {
            let messages = self.future.remove(&h).unwrap_or_default();
            self.buffered -= messages.len();
            for (_, message) in &messages {
                self.buffered_bytes -= message.encoded_size();
                if let Message::Vote(vote) = message
                    && let Some(count) = self.buffered_votes.get_mut(&vote.validator)
                {
                    *count -= 1;
                }
            }
            if h == self.height {
                self.replay.extend(messages);
            } else {
                // A height skipped (finalized by block sync): its messages are stale now, and
                // whoever waits for their verdicts (the gossip layer, holding them unjudged)
                // hears it, so nothing is kept for a verdict that would never come.
                for (_, message) in &messages {
                    let digest = verdict_digest(message);
                    self.out.push(Output::Judged(digest, Verdict::Ignore));
                }
            }
        }
        if self
            .pending_restore
            .as_ref()
            .is_some_and(|s| s.height <= self.height)
        {
            let state = self.pending_restore.take().expect("checked above; qed");
            log::info!(target: "lbft", "the chain reached the saved state's height {}: signing again", state.height);
            self.muted_until = 0;
            self.restore(state, chain);
        }
        self.enter_round(0, chain);
    }

    fn enter_round(&mut self, round: Round, chain: &mut impl Chain<B>) {
        if self.round == 0 && round > 0 {
            self.report_round0(chain);
        }
        self.round = round;
        // Forget rounds that can no longer matter, so a long outage does not grow memory.
        let keep_from = round.saturating_sub(self.config.max_future_rounds);
        self.votes.retain(|(r, _), _| *r >= keep_from);
        self.proposals.retain(|r, _| *r >= keep_from);
        self.out.push(Output::Schedule {
            height: self.height,
            round,
            kind: TimeoutKind::Round,
            after_ms: self.config.round_timeout_ms(round),
        });
        if round == 0 {
            if self.public == Some(chain.proposer(self.height)) {
                self.out.push(Output::Schedule {
                    height: self.height,
                    round: 0,
                    kind: TimeoutKind::Propose,
                    after_ms: chain
                        .propose_delay_ms(self.height, self.config.period_ms)
                        .min(self.config.period_ms),
                });
            }
        } else if self.public.as_ref() == Some(self.validators.round_leader(self.height, round))
            && !self.proposals.contains_key(&round)
        {
            match self.locked.clone() {
                Some((hash, certificate))
                    if self.valid.contains_key(&hash) && certificate.round < round =>
                {
                    let block = self.valid[&hash].clone();
                    self.propose(block, Some(certificate), chain);
                }
                _ => {
                    if let Some(block) = chain.impeach_block(self.height, round) {
                        self.propose(block, None, chain);
                    }
                }
            }
        }
        self.try_prepare(round, chain);
        let rounds: BTreeSet<Round> = self.votes.keys().map(|(r, _)| *r).collect();
        for r in rounds {
            if self.check_quorums(r, chain) {
                return;
            }
        }
    }

    /// Round 0 is over without a decision (timeout, or the others moved on): say why the
    /// elected proposer failed, if it did.
    fn report_round0(&mut self, chain: &impl Chain<B>) {
        let reason = match self.round0.take() {
            None => ImpeachReason::MissingProposal,
            Some(Err(why)) => ImpeachReason::InvalidBlock {
                hash: self.proposals.get(&0).copied().unwrap_or_default(),
                why,
            },
            Some(Ok(())) => return,
        };
        self.out.push(Output::Impeached {
            height: self.height,
            proposer: chain.proposer(self.height),
            reason,
        });
    }

    fn propose(&mut self, block: B, prepared: Option<Certificate>, chain: &mut impl Chain<B>) {
        if self.height < self.muted_until {
            return;
        }
        let Some(key) = &self.key else { return };
        let proposal = Proposal {
            height: self.height,
            round: self.round,
            block,
            prepared,
        };
        let hash = proposal.block.hash();
        let signed = SignedProposal {
            signature: key.sign(&proposal.signing_payload(&self.config.chain, &hash)),
            proposal,
            proposer: key.public(),
        };
        self.out
            .push(Output::Broadcast(Message::Proposal(signed.clone())));
        self.on_proposal(None, signed, chain);
    }

    /// A message for a later height. What cannot be checked cheaply yet is dropped: messages
    /// beyond the window of future heights (a node that far behind syncs), votes not signed by
    /// the current committee, proposals not signed by the proposer this node expects,
    /// certificates that do not verify (each (peer, height) checked once). What passes is kept
    /// for its height, where it is judged ([`Verdict::Defer`]); a checkable claim of a later
    /// final block, or f+1 validators two heights ahead, start a sync.
    fn on_future(
        &mut self,
        from: Option<P>,
        height: Height,
        message: Message<B>,
        chain: &impl Chain<B>,
    ) {
        let Some(peer) = from else { return };
        if height > self.height.saturating_add(self.config.max_future_heights) {
            if matches!(message, Message::Vote(_) | Message::Proposal(_)) {
                self.out.push(Output::Offence(peer, Offence::FarFuture));
            }
            return;
        }
        let checkable = match &message {
            Message::Vote(vote) => {
                // The committee changes only at term boundaries: a vote that fails may be
                // signed by the next one, so it costs little.
                let ok = vote.verify(&self.validators, &self.config.chain);
                if ok {
                    self.note_ahead(&Some(peer.clone()), vote.validator, height);
                }
                ok
            }
            Message::Proposal(signed) => self.plausible_future_proposal(height, signed, chain),
            Message::Finalized(block, certificate) => {
                match self.future_claim(&peer, height, &block.hash(), certificate) {
                    Some(certified) => certified,
                    None => return, // a repeated claim: neither checked nor charged again
                }
            }
            Message::Decided(certificate) => {
                match self.future_claim(&peer, height, &certificate.hash, certificate) {
                    Some(certified) => certified,
                    None => return,
                }
            }
        };
        match (checkable, &message) {
            (false, _) => self
                .out
                .push(Output::Offence(peer, Offence::UnverifiedFuture)),
            // A certificate needs no keeping: the claim started a sync.
            (true, Message::Decided(_)) => {}
            (true, _) => self.defer(peer, height, message),
        }
    }

    /// Whether a claim that `hash` is final at the later `height` is certified by this
    /// node's committee; if so, the driver syncs from the claimant. Each (peer, height) is
    /// checked once: a repeated claim is neither checked nor believed again.
    fn future_claim(
        &mut self,
        peer: &P,
        height: Height,
        hash: &H256,
        certificate: &Certificate,
    ) -> Option<bool> {
        if self.checked_claims.contains(&(peer.clone(), height))
            || self.checked_claims.len() >= MAX_CHECKED_CLAIMS
        {
            return None;
        }
        self.checked_claims.insert((peer.clone(), height));
        let certified = certificate.kind == VoteKind::Commit
            && certificate.height == height
            && certificate.hash == *hash
            && certificate
                .verify(
                    VoteKind::Commit,
                    height,
                    hash,
                    &self.validators,
                    &self.config.chain,
                )
                .is_ok();
        if certified {
            self.out.push(Output::Behind(peer.clone(), height));
        }
        Some(certified)
    }

    /// Keeps a message for its (later) height, within the buffer's bounds.
    fn defer(&mut self, peer: P, height: Height, message: Message<B>) {
        let size = message.encoded_size();
        if self.buffered >= MAX_BUFFERED || self.buffered_bytes + size > MAX_BUFFERED_BYTES {
            return;
        }
        // Proposals and finalized blocks of future heights cannot be checked yet: keep one
        // proposal per (height, round) and one finalized block per height.
        let kept = self.future.get(&height).into_iter().flatten();
        let duplicate = match &message {
            Message::Proposal(p) => kept
                .filter_map(|(_, m)| match m {
                    Message::Proposal(q) => Some(q.proposal.round),
                    _ => None,
                })
                .any(|r| r == p.proposal.round),
            Message::Finalized(..) => kept
                .into_iter()
                .any(|(_, m)| matches!(m, Message::Finalized(..))),
            Message::Vote(_) | Message::Decided(_) => false,
        };
        if duplicate {
            return;
        }
        // One validator flooding future votes must not crowd out the others'.
        if let Message::Vote(vote) = &message {
            let quota = (MAX_BUFFERED / self.validators.len()).max(64);
            let count = self.buffered_votes.entry(vote.validator).or_default();
            if *count >= quota {
                return;
            }
            *count += 1;
        }
        self.buffered += 1;
        self.buffered_bytes += size;
        self.future.entry(height).or_default().push((peer, message));
        self.verdict = Verdict::Defer;
    }

    /// Whether a proposal for a later height is signed by whom this node expects to propose
    /// that round (round 0: the elected proposer the chain knows of; later rounds: the leader of
    /// the current committee), in a round this node would keep. It cannot be sure (the committee
    /// may change), so a proposal that fails is dropped at a small cost to its sender; one that
    /// passes is kept in its (height, round) slot, which junk signed by anyone else can no
    /// longer take.
    fn plausible_future_proposal(
        &self,
        height: Height,
        signed: &SignedProposal<B>,
        chain: &impl Chain<B>,
    ) -> bool {
        let round = signed.proposal.round;
        if round > self.config.max_future_rounds {
            return false;
        }
        let expected = if round == 0 {
            chain.proposer(height)
        } else {
            *self.validators.round_leader(height, round)
        };
        let hash = signed.proposal.block.hash();
        signed.proposer == expected
            && signed.proposal.block.height() == height
            && sr25519::verify(
                &signed.signature,
                &signed.proposal.signing_payload(&self.config.chain, &hash),
                &signed.proposer,
            )
    }

    /// Notes a correctly signed vote of `validator` at a later `height`; once f+1 validators
    /// vote two or more heights ahead, the height this node decides is final elsewhere and
    /// it asks the driver to sync (once per such height).
    fn note_ahead(&mut self, from: &Option<P>, validator: ValidatorIndex, height: Height) {
        let seen = self.ahead.entry(validator).or_default();
        *seen = (*seen).max(height);
        let mut heights: Vec<Height> = self.ahead.values().copied().collect();
        let need = self.validators.max_faulty() + 1;
        if heights.len() < need {
            return;
        }
        heights.sort_unstable_by(|a, b| b.cmp(a));
        let reached = heights[need - 1];
        if reached >= self.height.saturating_add(2)
            && reached > self.behind_reported
            && let Some(peer) = from
        {
            self.behind_reported = reached;
            self.out.push(Output::Behind(peer.clone(), reached - 1));
        }
    }

    /// Sends the finalized block of `height` to a peer that is still voting on it.
    fn help_behind(&mut self, from: &Option<P>, height: Height, chain: &impl Chain<B>) {
        let Some(peer) = from else { return };
        if height.saturating_add(MAX_HELP_DEPTH) < self.height {
            return;
        }
        if self.helped.get(peer).is_some_and(|h| *h >= height) {
            return;
        }
        if !self.helped.contains_key(peer) && self.helped.len() >= MAX_HELPED_PEERS {
            self.helped.pop_first();
        }
        self.helped.insert(peer.clone(), height);
        if let Some((block, certificate)) = chain.finalized(height) {
            self.out.push(Output::Send(
                peer.clone(),
                Message::Finalized(block, certificate),
            ));
        }
    }

    fn handle(&mut self, from: Option<P>, message: Message<B>, chain: &mut impl Chain<B>) {
        match message {
            Message::Vote(vote) => {
                let height = vote.vote.height;
                if height < self.height {
                    // Answer only votes of real validators, once per peer and height: a
                    // forged vote must not buy a full block.
                    if vote.verify(&self.validators, &self.config.chain) {
                        self.help_behind(&from, height, chain);
                    }
                } else if height > self.height {
                    self.on_future(from, height, Message::Vote(vote), chain);
                } else {
                    self.on_vote(from, vote, chain);
                }
            }
            Message::Proposal(proposal) => {
                let height = proposal.proposal.height;
                if height > self.height {
                    self.on_future(from, height, Message::Proposal(proposal), chain);
                } else if height == self.height {
                    self.on_proposal(from, proposal, chain);
                }
            }
            Message::Finalized(block, certificate) => {
                let height = block.height();
                if height > self.height {
                    self.on_future(from, height, Message::Finalized(block, certificate), chain);
                } else if height == self.height {
                    self.on_finalized(from, block, certificate, chain);
                }
            }
            Message::Decided(certificate) => {
                let height = certificate.height;
                if height > self.height {
                    self.on_future(from, height, Message::Decided(certificate), chain);
                } else if height == self.height {
                    self.on_decided(from, certificate, chain);
                }
            }
        }
    }

    /// A commit certificate for this node's height: final at once if this node executed the
    /// block, else the block is fetched by sync (whose import checks the certificate again).
    fn on_decided(&mut self, from: Option<P>, certificate: Certificate, chain: &mut impl Chain<B>) {
        let hash = certificate.hash;
        if !self.is_commit_certificate(&certificate, &hash) {
            return self.offence(&from, Offence::InvalidCertificate);
        }
        self.verdict = Verdict::Accept;
        match self.valid.get(&hash).cloned() {
            Some(block) => self.finalize(block, certificate, chain),
            None => {
                // Final as soon as the block executes here (its proposal may be on its way);
                // meanwhile sync fetches it from the sender.
                self.decided = Some(certificate);
                if let Some(peer) = from {
                    self.out.push(Output::Behind(peer, self.height));
                }
            }
        }
    }

    fn on_vote(&mut self, from: Option<P>, signed: SignedVote, chain: &mut impl Chain<B>) {
        let vote = signed.vote;
        if usize::from(signed.validator) >= self.validators.len() {
            return self.offence(&from, Offence::NotAValidator);
        }
        if vote.round < self.round.saturating_sub(self.config.max_future_rounds) {
            return; // too old to matter
        }
        if vote.round > self.round.saturating_add(self.config.max_future_rounds) {
            // Not kept, but a signed vote still says where its validator is: f+1 of them far
            // ahead pull this node along, however far behind it fell.
            if !signed.verify(&self.validators, &self.config.chain) {
                return self.offence(&from, Offence::BadSignature);
            }
            self.verdict = Verdict::Accept;
            self.note_round(signed.validator, vote.round);
            self.skip_to_later_round(chain);
            return;
        }
        let key = (vote.round, vote.kind);
        if let Some(existing) = self
            .votes
            .get(&key)
            .and_then(|votes| votes.get(&signed.validator))
        {
            if existing.vote.hash == vote.hash {
                return; // a gossip duplicate
            }
            let existing = *existing;
            if !signed.verify(&self.validators, &self.config.chain) {
                return self.offence(&from, Offence::BadSignature);
            }
            if self
                .equivocators
                .insert((signed.validator, vote.round, vote.kind))
            {
                // Forwarded once, so every node holds the evidence.
                self.verdict = Verdict::Accept;
                self.out.push(Output::Evidence(Equivocation {
                    first: existing,
                    second: signed,
                }));
            }
            return;
        }
        if !signed.verify(&self.validators, &self.config.chain) {
            return self.offence(&from, Offence::BadSignature);
        }
        self.verdict = Verdict::Accept;
        self.votes
            .entry(key)
            .or_default()
            .insert(signed.validator, signed);
        self.note_round(signed.validator, vote.round);
        if vote.round > self.round && self.skip_to_later_round(chain) {
            return;
        }
        self.check_quorums(vote.round, chain);
    }

    fn note_round(&mut self, validator: ValidatorIndex, round: Round) {
        let highest = self.highest_round.entry(validator).or_default();
        *highest = (*highest).max(round);
    }

    /// Moves to the latest round in which f+1 validators already vote: at least one honest
    /// validator is there, so waiting out the current round's timeout only delays liveness.
    fn skip_to_later_round(&mut self, chain: &mut impl Chain<B>) -> bool {
        let need = self.validators.max_faulty() + 1;
        let mut ahead: Vec<Round> = self
            .highest_round
            .values()
            .copied()
            .filter(|r| *r > self.round)
            .collect();
        if ahead.len() < need {
            return false;
        }
        ahead.sort_unstable_by(|a, b| b.cmp(a));
        // f+1 validators are at this round or later.
        self.enter_round(ahead[need - 1], chain);
        true
    }

    fn on_proposal(
        &mut self,
        from: Option<P>,
        signed: SignedProposal<B>,
        chain: &mut impl Chain<B>,
    ) {
        let SignedProposal {
            proposal,
            proposer,
            signature,
        } = signed;
        let round = proposal.round;
        if round > self.round.saturating_add(self.config.max_future_rounds) {
            return self.offence(&from, Offence::FarFuture);
        }
        // Rounds whose proposals were forgotten stay closed: their slot cannot be taken again.
        if round < self.round.saturating_sub(self.config.max_future_rounds) {
            return;
        }
        let expected = if round == 0 {
            chain.proposer(self.height)
        } else {
            *self.validators.round_leader(self.height, round)
        };
        if proposer != expected {
            return self.offence(&from, Offence::WrongProposer);
        }
        let hash = proposal.block.hash();
        if let Some(seen) = self.proposals.get(&round) {
            if *seen != hash {
                self.offence(&from, Offence::ProposerEquivocation);
            }
            return;
        }
        let payload = proposal.signing_payload(&self.config.chain, &hash);
        if !sr25519::verify(&signature, &payload, &proposer) {
            return self.offence(&from, Offence::BadSignature);
        }
        let block = proposal.block;
        if block.height() != self.height || block.parent_hash() != self.parent {
            return self.offence(&from, Offence::InvalidProposal);
        }
        // The proposer's signature does not cover the certificate, so a relay could attach
        // one: it is used only if it is a real prepare certificate of an earlier round.
        if let Some(certificate) = &proposal.prepared
            && (certificate.round >= round
                || certificate
                    .verify(
                        VoteKind::Prepare,
                        self.height,
                        &hash,
                        &self.validators,
                        &self.config.chain,
                    )
                    .is_err())
        {
            return self.offence(&from, Offence::InvalidCertificate);
        }
        // An impeach round may only offer the impeach block or a block prepared earlier. If
        // this node cannot build the impeach block, it cannot judge: ignored, not charged.
        if round > 0 && proposal.prepared.is_none() {
            match chain.impeach_block(self.height, round) {
                None => return,
                Some(expected) if expected != block => {
                    return self.offence(&from, Offence::InvalidProposal);
                }
                Some(_) => {}
            }
        }
        // The round's slot is taken by the proposer's first signed proposal, valid or not: a
        // proposer cannot make this node execute one invalid block after another.
        self.proposals.insert(round, hash);
        if !self.check_block(&from, block, chain) {
            if round == 0 {
                self.round0 = Some(Err(self.invalid[&hash].clone()));
            }
            return;
        }
        if round == 0 {
            self.round0 = Some(Ok(()));
        }
        self.verdict = Verdict::Accept;
        if let Some(certificate) = self.decided.take_if(|c| c.hash == hash) {
            let block = self.valid[&hash].clone();
            return self.finalize(block, certificate, chain);
        }
        if let Some(certificate) = proposal.prepared {
            self.update_lock(hash, certificate);
        }
        self.try_prepare(round, chain);
        // Commits may have arrived before the block.
        let rounds: BTreeSet<Round> = self.votes.keys().map(|(r, _)| *r).collect();
        for r in rounds {
            if self.check_quorums(r, chain) {
                return;
            }
        }
    }

    /// Executes `block` once; true if valid.
    fn check_block(&mut self, from: &Option<P>, block: B, chain: &mut impl Chain<B>) -> bool {
        let hash = block.hash();
        if self.valid.contains_key(&hash) {
            return true;
        }
        if self.invalid.contains_key(&hash) {
            return false;
        }
        match chain.verify(&block) {
            Ok(()) => {
                self.valid.insert(hash, block);
                true
            }
            Err(why) => {
                log::debug!(target: "lbft", "block {hash:?} at {} is invalid: {why}", self.height);
                self.invalid.insert(hash, why);
                self.offence(from, Offence::InvalidBlock);
                false
            }
        }
    }

    fn update_lock(&mut self, hash: H256, certificate: Certificate) {
        let later = self
            .locked
            .as_ref()
            .is_none_or(|(_, c)| certificate.round > c.round);
        if later && self.valid.contains_key(&hash) {
            self.locked = Some((hash, certificate));
        }
    }

    fn try_prepare(&mut self, round: Round, chain: &mut impl Chain<B>) {
        if round != self.round || self.sent.contains(&(round, VoteKind::Prepare)) {
            return;
        }
        let Some(hash) = self.proposals.get(&round).copied() else {
            return;
        };
        if !self.valid.contains_key(&hash) {
            return;
        }
        if self
            .locked
            .as_ref()
            .is_some_and(|(locked, _)| *locked != hash)
        {
            return;
        }
        self.vote(VoteKind::Prepare, round, hash, chain);
    }

    fn vote(&mut self, kind: VoteKind, round: Round, hash: H256, chain: &mut impl Chain<B>) {
        let (Some(me), Some(key)) = (self.me, &self.key) else {
            return;
        };
        if self.height < self.muted_until {
            return;
        }
        if !self.sent.insert((round, kind)) {
            return;
        }
        let vote = Vote {
            kind,
            height: self.height,
            round,
            hash,
        };
        let signed = SignedVote::sign(vote, me, key, &self.config.chain);
        self.out.push(Output::Broadcast(Message::Vote(signed)));
        self.votes
            .entry((round, kind))
            .or_default()
            .insert(me, signed);
        self.check_quorums(round, chain);
    }

    /// A certificate of `kind` in `round`, if a quorum voted for one block.
    fn quorum(&self, round: Round, kind: VoteKind) -> Option<Certificate> {
        let votes = self.votes.get(&(round, kind))?;
        let mut tally: BTreeMap<H256, usize> = BTreeMap::new();
        for vote in votes.values() {
            *tally.entry(vote.vote.hash).or_default() += 1;
        }
        let (hash, _) = tally
            .into_iter()
            .find(|(_, count)| *count >= self.validators.quorum())?;
        Some(Certificate {
            kind,
            height: self.height,
            round,
            hash,
            signatures: votes
                .iter()
                .filter(|(_, v)| v.vote.hash == hash)
                .map(|(i, v)| (*i, v.signature))
                .collect(),
        })
    }

    /// Acts on the quorums of `round`; true if the height was finalized.
    fn check_quorums(&mut self, round: Round, chain: &mut impl Chain<B>) -> bool {
        if let Some(certificate) = self.quorum(round, VoteKind::Commit)
            && self.valid.contains_key(&certificate.hash)
        {
            let block = self.valid[&certificate.hash].clone();
            self.finalize(block, certificate, chain);
            return true;
        }
        if let Some(certificate) = self.quorum(round, VoteKind::Prepare) {
            let hash = certificate.hash;
            self.update_lock(hash, certificate);
            if round == self.round
                && self.valid.contains_key(&hash)
                && self.locked.as_ref().is_some_and(|(h, _)| *h == hash)
            {
                // Our commit may complete the commit quorum and finalize the height.
                let height = self.height;
                self.vote(VoteKind::Commit, round, hash, chain);
                return self.height != height;
            }
        }
        false
    }

    fn on_finalized(
        &mut self,
        from: Option<P>,
        block: B,
        certificate: Certificate,
        chain: &mut impl Chain<B>,
    ) {
        let hash = block.hash();
        if !self.is_commit_certificate(&certificate, &hash) {
            return self.offence(&from, Offence::InvalidCertificate);
        }
        if block.parent_hash() != self.parent {
            return self.offence(&from, Offence::InvalidProposal);
        }
        if self.check_block(&from, block.clone(), chain) {
            self.finalize(block, certificate, chain);
        }
    }

    /// Whether `certificate` is a commit certificate of this height's committee for `hash`.
    /// Commits this node already verified as votes need no second check.
    fn is_commit_certificate(&self, certificate: &Certificate, hash: &H256) -> bool {
        let seen = self.votes.get(&(certificate.round, VoteKind::Commit));
        let known = |index: ValidatorIndex, signature: &Signature| {
            seen.and_then(|votes| votes.get(&index))
                .is_some_and(|v| v.vote.hash == *hash && v.signature == *signature)
        };
        certificate.kind == VoteKind::Commit
            && certificate
                .verify_with_known(
                    VoteKind::Commit,
                    self.height,
                    hash,
                    &self.validators,
                    &self.config.chain,
                    known,
                )
                .is_ok()
    }

    fn finalize(&mut self, block: B, certificate: Certificate, chain: &mut impl Chain<B>) {
        let (height, hash, round) = (self.height, block.hash(), certificate.round);
        let announcement = self
            .me
            .is_some()
            .then(|| Message::Decided(certificate.clone()));
        if let Err(why) = chain.finalize(block, certificate) {
            // Keep this height's votes and lock: starting it over could make this node vote
            // twice in a round.
            log::error!(target: "lbft", "could not finalize block {hash:?} at {height}: {why}");
            return;
        }
        if chain.best_finalized() != (height, hash) {
            log::error!(target: "lbft", "the chain did not take block {hash:?} at {height}");
            return;
        }
        self.out.push(Output::Finalized {
            height,
            hash,
            round,
        });
        // The certificate, not the block: every node that follows the height saw the proposal;
        // one that missed it syncs, or is answered directly when it votes.
        if let Some(announcement) = announcement {
            self.out.push(Output::Broadcast(announcement));
        }
        self.enter_height(chain);
    }
}
