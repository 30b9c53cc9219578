//! A deterministic, in-process network of LBFT engines for testing consensus.
//!
//! Time is virtual (milliseconds); every delay and loss comes from one seeded PRNG, so a seed
//! replays exactly. Messages travel encoded, through [`Engine::on_bytes`], as they would over
//! the wire. Links can delay, drop and be partitioned; nodes can be byzantine
//! ([`Behavior`]): they run the honest engine and tamper with what it sends, so they sign only
//! with their own keys but otherwise do anything a faulty validator could. The committee can
//! be handed over at a height mid-run ([`Simulation::with_committee_change`]).
//!
//! The simulator checks nothing by itself; tests ask it for the finalized chains of honest
//! nodes ([`Simulation::check_agreement`]), the evidence and offences they raised, and how far
//! each got.

use crate::{
    Height, Round, ValidatorIndex,
    engine::{Chain, Config, Engine, ImpeachReason, Offence, Output, TimeoutKind, Verdict},
    types::{
        Certificate, ConsensusBlock, Equivocation, Message, Proposal, SignedProposal, SignedVote,
        ValidatorSet, Vote, VoteKind,
    },
};
use codec::{Decode, Encode};
use cpc_crypto::sr25519::{Pair, Public, Signature};
use cpc_primitives::{H256, hashing::blake2_256};
use std::{
    cmp::Reverse,
    collections::{BTreeMap, BTreeSet, BinaryHeap},
};

/// SplitMix64: a tiny, well-distributed PRNG whose sequence is fixed by its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }
}

/// The block of the simulation: enough to be hashed, chained and judged valid or not.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct SimBlock {
    /// Height.
    pub height: Height,
    /// Parent hash.
    pub parent: H256,
    /// Round it was made for (impeach blocks differ per round).
    pub round: Round,
    /// Which node built it (`u16::MAX` for impeach blocks).
    pub author: u16,
    /// Stands in for the transactions.
    pub payload: u64,
    /// Whether executing it succeeds.
    pub valid: bool,
}

impl SimBlock {
    /// Whether this is an impeach block.
    pub fn is_impeach(&self) -> bool {
        self.author == u16::MAX
    }
}

impl ConsensusBlock for SimBlock {
    fn hash(&self) -> H256 {
        H256(blake2_256(&self.encode()))
    }
    fn height(&self) -> Height {
        self.height
    }
    fn parent_hash(&self) -> H256 {
        self.parent
    }
}

/// The genesis hash of simulated chains.
pub const GENESIS: H256 = H256([0x5e; 32]);

/// A node's chain: finalized blocks with their certificates.
pub struct SimChain {
    id: u16,
    /// The committees by the first height each certifies, ascending; the first from height 0.
    committees: Vec<(Height, ValidatorSet)>,
    proposers: Vec<Public>,
    builds_invalid: bool,
    finalized: Vec<(SimBlock, Certificate)>,
}

impl SimChain {
    fn last(&self) -> (Height, H256) {
        self.finalized
            .last()
            .map_or((0, GENESIS), |(b, _)| (b.height, b.hash()))
    }

    /// The committee that certifies `height`: the latest one scheduled from `height` or
    /// earlier, as the node reads the committee recorded in the parent's state.
    fn committee(&self, height: Height) -> &ValidatorSet {
        let (_, first) = &self.committees[0];
        self.committees
            .iter()
            .rev()
            .find(|(from, _)| *from <= height)
            .map_or(first, |(_, set)| set)
    }

    /// The hash of the round-0 block this node builds at `height` on its finalized chain.
    pub fn build_for_test(&self, height: Height) -> H256 {
        let parent = match height.checked_sub(2) {
            Some(i) => self.finalized[i as usize].0.hash(),
            None => GENESIS,
        };
        SimBlock {
            height,
            parent,
            round: 0,
            author: self.id,
            payload: u64::from(height) * 1000 + u64::from(self.id),
            valid: !self.builds_invalid,
        }
        .hash()
    }

    /// The finalized blocks, from height 1.
    pub fn blocks(&self) -> impl Iterator<Item = &SimBlock> {
        self.finalized.iter().map(|(b, _)| b)
    }
}

impl Chain<SimBlock> for SimChain {
    fn best_finalized(&self) -> (Height, H256) {
        self.last()
    }

    fn validators(&self, height: Height) -> ValidatorSet {
        self.committee(height).clone()
    }

    fn proposer(&self, height: Height) -> Public {
        self.proposers[(height as usize - 1) % self.proposers.len()]
    }

    fn build(&mut self, height: Height) -> Option<SimBlock> {
        let (_, parent) = self.last();
        Some(SimBlock {
            height,
            parent,
            round: 0,
            author: self.id,
            payload: u64::from(height) * 1000 + u64::from(self.id),
            valid: !self.builds_invalid,
        })
    }

    fn impeach_block(&self, height: Height, round: Round) -> Option<SimBlock> {
        Some(SimBlock {
            height,
            parent: self.last().1,
            round,
            author: u16::MAX,
            payload: 0,
            valid: true,
        })
    }

    fn verify(&mut self, block: &SimBlock) -> Result<(), String> {
        let (height, hash) = self.last();
        if block.height != height + 1 || block.parent != hash {
            return Err("not on the last finalized block".into());
        }
        if !block.valid {
            return Err("execution failed".into());
        }
        Ok(())
    }

    fn finalize(&mut self, block: SimBlock, certificate: Certificate) -> Result<(), String> {
        let (height, hash) = self.last();
        assert_eq!(block.height, height + 1, "finalized out of order");
        assert_eq!(block.parent, hash, "finalized on another parent");
        assert!(block.valid, "finalized an invalid block");
        certificate
            .verify(
                VoteKind::Commit,
                block.height,
                &block.hash(),
                self.committee(block.height),
                &GENESIS,
            )
            .expect("finalized with a bad certificate");
        self.finalized.push((block, certificate));
        Ok(())
    }

    fn finalized(&self, height: Height) -> Option<(SimBlock, Certificate)> {
        self.finalized.get(height.checked_sub(1)? as usize).cloned()
    }
}

/// How a simulated node behaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Behavior {
    /// Follows the protocol.
    Honest,
    /// Sends and handles nothing (crashed, or silent on purpose).
    Crashed,
    /// Sends one vote (and proposal) to half its peers and a conflicting one to the others.
    Equivocator,
    /// Sends every vote twice, the second for another block.
    DoubleVoter,
    /// Never proposes in round 0, otherwise honest.
    SilentProposer,
    /// Proposes blocks that fail to execute, otherwise honest.
    InvalidProposer,
    /// Tries to leave honest validators locked on different blocks. Each of its prepares and
    /// commits reaches a random half of its peers, so some see a prepare certificate (and
    /// lock) where others do not. It prepares every proposal of its height it accepts, once
    /// per round but whatever its lock, so its prepare can complete a quorum for any block two
    /// honest validators prepared. As an impeach round's leader it proposes, whatever its lock,
    /// the block of the oldest prepare certificate of an earlier round it can assemble from the
    /// prepares it received (preferring a block other than the latest certificate's), or the
    /// impeach block if it has none. It never signs two votes of one round and kind: its
    /// engine's own prepares (and certificates holding them) never leave it.
    LockSplitter,
}

/// Link conditions.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// Least one-way delay, ms.
    pub min_delay_ms: u64,
    /// Most one-way delay, ms.
    pub max_delay_ms: u64,
    /// Chance a message is lost, per mille.
    pub loss_per_mille: u64,
    /// From this time on nothing is lost and no partition holds (the network has healed).
    pub heal_at_ms: u64,
    /// Until `heal_at_ms`, messages between different groups are dropped.
    pub partition: Option<Vec<Vec<usize>>>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            min_delay_ms: 5,
            max_delay_ms: 50,
            loss_per_mille: 0,
            heal_at_ms: 0,
            partition: None,
        }
    }
}

/// What one simulated node is made of.
pub struct SimNode {
    /// The engine.
    pub engine: Engine<SimBlock, usize>,
    /// Its chain.
    pub chain: SimChain,
    /// How it behaves.
    pub behavior: Behavior,
    key: Pair,
    /// Offences it saw, by peer.
    pub offences: Vec<(usize, Offence)>,
    /// Equivocation evidence it raised.
    pub evidence: Vec<Equivocation>,
    /// Impeachments it recorded.
    pub impeachments: Vec<(Height, Public, ImpeachReason)>,
    /// Verdicts it gave late, on messages it kept for a later height.
    pub judged: Vec<(H256, Verdict)>,
    /// Impeach-round proposals of an old prepare certificate's block it made in place of its
    /// engine's (a [`Behavior::LockSplitter`]).
    pub reproposals: usize,
    /// What it kept of what it saw (a [`Behavior::LockSplitter`]).
    hoard: Hoard,
}

/// What a [`Behavior::LockSplitter`] keeps: blocks and prepares of the heights it has not
/// finished, from which it assembles prepare certificates of any round (its engine keeps only
/// the latest), and the rounds it prepared in.
#[derive(Default)]
struct Hoard {
    blocks: BTreeMap<H256, SimBlock>,
    prepares: BTreeMap<(Height, Round, H256), BTreeMap<ValidatorIndex, Signature>>,
    prepared: BTreeSet<(Height, Round)>,
}

impl Hoard {
    /// Keeps the block of a proposal, the prepares of a vote or of a proposal's certificate.
    fn note(&mut self, message: &Message<SimBlock>) {
        match message {
            Message::Proposal(signed) => {
                let block = &signed.proposal.block;
                self.blocks.insert(block.hash(), block.clone());
                if let Some(certificate) = &signed.proposal.prepared {
                    self.prepares
                        .entry((certificate.height, certificate.round, certificate.hash))
                        .or_default()
                        .extend(certificate.signatures.iter().copied());
                }
            }
            Message::Vote(signed) if signed.vote.kind == VoteKind::Prepare => {
                let vote = signed.vote;
                self.prepares
                    .entry((vote.height, vote.round, vote.hash))
                    .or_default()
                    .insert(signed.validator, signed.signature);
            }
            _ => {}
        }
    }

    /// The oldest prepare certificate of `height` from a round before `round` (with its
    /// block) that `quorum` kept prepares make, for a block other than the latest such
    /// certificate's if there is one. Forgets earlier heights.
    fn oldest_certificate(
        &mut self,
        height: Height,
        round: Round,
        quorum: usize,
    ) -> Option<(SimBlock, Certificate)> {
        self.prepares.retain(|(h, _, _), _| *h >= height);
        self.blocks.retain(|_, block| block.height >= height);
        self.prepared.retain(|(h, _)| *h >= height);
        let complete: Vec<(Round, H256)> = self
            .prepares
            .iter()
            .filter(|((h, r, hash), votes)| {
                *h == height
                    && *r < round
                    && votes.len() >= quorum
                    && self.blocks.contains_key(hash)
            })
            .map(|((_, r, hash), _)| (*r, *hash))
            .collect();
        let latest = complete.iter().max_by_key(|(r, _)| *r)?.1;
        let (old, hash) = complete
            .into_iter()
            .min_by_key(|(r, hash)| (*hash == latest, *r))?;
        let signatures = self.prepares[&(height, old, hash)]
            .iter()
            .map(|(index, signature)| (*index, *signature))
            .collect();
        let certificate = Certificate {
            kind: VoteKind::Prepare,
            height,
            round: old,
            hash,
            signatures,
        };
        Some((self.blocks[&hash].clone(), certificate))
    }
}

enum Event {
    Deliver {
        to: usize,
        from: usize,
        bytes: Vec<u8>,
    },
    Timeout {
        node: usize,
        height: Height,
        round: Round,
        kind: TimeoutKind,
    },
    /// The node driver's check for a stalled chain (`cpc-service`'s sync does the same).
    Probe { node: usize },
}

/// A network of simulated nodes.
pub struct Simulation {
    /// The nodes; the first `validators` are the committee of height 1 (and of all heights,
    /// unless [`Simulation::with_committee_change`] hands it over).
    pub nodes: Vec<SimNode>,
    network: NetworkConfig,
    rng: Rng,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64, usize)>>,
    events: BTreeMap<usize, Event>,
    /// Messages delivered so far.
    pub delivered: u64,
    /// How long a node's finality may stand still before its driver asks a peer for blocks.
    stall_ms: u64,
    /// Per node: its finalized height at the last probe, and which peer to ask next.
    probes: Vec<(usize, usize)>,
}

/// The key of simulated node `i`.
pub fn node_key(i: usize) -> Pair {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    Pair::from_seed(&seed)
}

impl Simulation {
    /// `behaviors.len()` nodes, the first `validators` of them the committee; round 0's
    /// proposers rotate over `proposers` (node indices).
    pub fn new(
        seed: u64,
        behaviors: &[Behavior],
        validators: usize,
        proposers: &[usize],
        period_ms: u64,
        network: NetworkConfig,
    ) -> Self {
        let keys: Vec<Pair> = (0..behaviors.len()).map(node_key).collect();
        let set = ValidatorSet::new(keys[..validators].iter().map(Pair::public).collect())
            .expect("distinct keys");
        let proposer_keys: Vec<Public> = proposers.iter().map(|i| keys[*i].public()).collect();
        let mut config = Config::new(GENESIS, period_ms);
        config.base_timeout_ms = period_ms;
        config.max_timeout_ms = period_ms * 8;
        let mut sim = Self {
            nodes: Vec::new(),
            network,
            rng: Rng::new(seed),
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            events: BTreeMap::new(),
            delivered: 0,
            stall_ms: period_ms * 8,
            probes: vec![(0, 0); behaviors.len()],
        };
        for (i, behavior) in behaviors.iter().enumerate() {
            let mut chain = SimChain {
                id: i as u16,
                committees: vec![(0, set.clone())],
                proposers: proposer_keys.clone(),
                builds_invalid: *behavior == Behavior::InvalidProposer,
                finalized: Vec::new(),
            };
            let engine = Engine::new(config.clone(), Some(keys[i].clone()), &mut chain);
            sim.nodes.push(SimNode {
                engine,
                chain,
                behavior: *behavior,
                key: keys[i].clone(),
                offences: Vec::new(),
                evidence: Vec::new(),
                impeachments: Vec::new(),
                judged: Vec::new(),
                reproposals: 0,
                hoard: Hoard::default(),
            });
        }
        for i in 0..sim.nodes.len() {
            sim.flush(i);
            sim.push(sim.stall_ms, Event::Probe { node: i });
        }
        sim
    }

    /// Hands finality over to the committee of nodes `members` (in this committee order) from
    /// `height` on: blocks below `height` are certified by the committee before, blocks from
    /// `height` on by this one, as the node reads the committee recorded in the state of block
    /// `height - 1`. Members outside the first committee start as followers; validators left
    /// out go on as followers. Call it before running: it panics if a node already decides
    /// `height` or a later one (its engine would have read the old committee for it).
    pub fn with_committee_change(mut self, height: Height, members: &[usize]) -> Self {
        assert!(
            self.nodes.iter().all(|n| n.engine.height() < height),
            "a node already decides height {height}"
        );
        assert!(
            members.iter().all(|i| *i < self.nodes.len()),
            "members are nodes"
        );
        let set = ValidatorSet::new(members.iter().map(|i| node_key(*i).public()).collect())
            .expect("distinct keys");
        for node in &mut self.nodes {
            let committees = &mut node.chain.committees;
            committees.retain(|(from, _)| *from < height);
            committees.push((height, set.clone()));
        }
        self
    }

    /// Node `i`'s driver: if its finality stood still since the last probe, it asks the next
    /// peer in turn for blocks, as the node's sync does without any hint.
    fn probe(&mut self, i: usize) {
        let height = self.nodes[i].chain.blocks().count();
        let (last, next) = self.probes[i];
        if height == last && self.nodes.len() > 1 {
            let peer = (i + 1 + next % (self.nodes.len() - 1)) % self.nodes.len();
            self.probes[i].1 = next + 1;
            self.sync_from(i, peer);
        }
        self.probes[i].0 = height;
        self.push(self.now + self.stall_ms, Event::Probe { node: i });
    }

    /// Virtual time, ms.
    pub fn now(&self) -> u64 {
        self.now
    }

    fn push(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, self.seq as usize)));
        self.events.insert(self.seq as usize, event);
    }

    fn connected(&self, a: usize, b: usize) -> bool {
        if self.now >= self.network.heal_at_ms {
            return true;
        }
        match &self.network.partition {
            None => true,
            Some(groups) => groups.iter().any(|g| g.contains(&a) && g.contains(&b)),
        }
    }

    fn send(&mut self, from: usize, to: usize, bytes: Vec<u8>) {
        // An answer to a peer outside the simulation (a test's injected messages, such as an
        // old vote answered with its height's block) leaves the network.
        if from == to || to >= self.nodes.len() || !self.connected(from, to) {
            return;
        }
        if self.now < self.network.heal_at_ms && self.rng.chance(self.network.loss_per_mille) {
            return;
        }
        let delay = self
            .rng
            .range(self.network.min_delay_ms, self.network.max_delay_ms);
        self.push(self.now + delay, Event::Deliver { to, from, bytes });
    }

    fn broadcast(&mut self, from: usize, message: &Message<SimBlock>) {
        let bytes = message.encode();
        for to in 0..self.nodes.len() {
            self.send(from, to, bytes.clone());
        }
    }

    /// A conflicting copy of `message` signed by node `i`, if it is its vote or proposal.
    fn conflicting(&self, i: usize, message: &Message<SimBlock>) -> Option<Message<SimBlock>> {
        let key = &self.nodes[i].key;
        match message {
            Message::Vote(signed) => {
                let vote = Vote {
                    hash: H256(blake2_256(&signed.vote.hash.0)),
                    ..signed.vote
                };
                Some(Message::Vote(SignedVote::sign(
                    vote,
                    signed.validator,
                    key,
                    &GENESIS,
                )))
            }
            Message::Proposal(signed) if signed.proposal.prepared.is_none() => {
                let mut block = signed.proposal.block.clone();
                block.payload = block.payload.wrapping_add(1);
                block.author = i as u16;
                let proposal = Proposal {
                    block,
                    ..signed.proposal.clone()
                };
                let hash = proposal.block.hash();
                Some(Message::Proposal(SignedProposal {
                    signature: key.sign(&proposal.signing_payload(&GENESIS, &hash)),
                    proposal,
                    proposer: signed.proposer,
                }))
            }
            _ => None,
        }
    }

    /// Carries out node `i`'s outputs, tampered with as its behavior says.
    fn flush(&mut self, i: usize) {
        let outputs = self.nodes[i].engine.drain();
        let behavior = self.nodes[i].behavior;
        for output in outputs {
            match output {
                Output::Broadcast(message) => match behavior {
                    Behavior::Crashed => {}
                    Behavior::SilentProposer if matches!(&message, Message::Proposal(p) if p.proposal.round == 0) =>
                        {}
                    Behavior::Equivocator => match self.conflicting(i, &message) {
                        Some(other) => {
                            let (a, b) = (message.encode(), other.encode());
                            for to in 0..self.nodes.len() {
                                let bytes = if to % 2 == 0 { a.clone() } else { b.clone() };
                                self.send(i, to, bytes);
                            }
                        }
                        None => self.broadcast(i, &message),
                    },
                    Behavior::DoubleVoter => {
                        self.broadcast(i, &message);
                        if matches!(message, Message::Vote(_))
                            && let Some(other) = self.conflicting(i, &message)
                        {
                            self.broadcast(i, &other);
                        }
                    }
                    Behavior::LockSplitter => self.split(i, message),
                    _ => self.broadcast(i, &message),
                },
                Output::Send(to, message) => {
                    if behavior != Behavior::Crashed {
                        self.send(i, to, message.encode());
                    }
                }
                Output::Schedule {
                    height,
                    round,
                    kind,
                    after_ms,
                } => self.push(
                    self.now + after_ms,
                    Event::Timeout {
                        node: i,
                        height,
                        round,
                        kind,
                    },
                ),
                Output::Finalized { .. } => {}
                Output::Impeached {
                    height,
                    proposer,
                    reason,
                } => self.nodes[i].impeachments.push((height, proposer, reason)),
                Output::Offence(peer, offence) => self.nodes[i].offences.push((peer, offence)),
                Output::Evidence(evidence) => self.nodes[i].evidence.push(evidence),
                Output::Behind(peer, _) => self.sync_from(i, peer),
                // Simulated links deliver to everyone: nothing to forward, only to record.
                Output::Judged(digest, verdict) => self.nodes[i].judged.push((digest, verdict)),
            }
        }
    }

    /// Sends `message` from node `i` to each other node with probability one half.
    fn send_to_half(&mut self, i: usize, message: &Message<SimBlock>) {
        let bytes = message.encode();
        for to in 0..self.nodes.len() {
            if self.rng.chance(500) {
                self.send(i, to, bytes.clone());
            }
        }
    }

    /// Carries out a broadcast of node `i`, a [`Behavior::LockSplitter`]: its engine's
    /// prepares give way to the ones [`Simulation::splitter_prepare`] signs, its commits reach
    /// half its peers, and its impeach-round proposals are [`Simulation::splitter_proposal`]'s.
    fn split(&mut self, i: usize, message: Message<SimBlock>) {
        let proposal = match message {
            Message::Vote(signed) => {
                if signed.vote.kind == VoteKind::Commit {
                    self.send_to_half(i, &Message::Vote(signed));
                }
                return;
            }
            Message::Proposal(signed) if signed.proposal.round > 0 => {
                self.splitter_proposal(i, &signed).unwrap_or(signed)
            }
            Message::Proposal(signed) => signed,
            other => return self.broadcast(i, &other),
        };
        self.splitter_prepare(i, &proposal.proposal);
        let message = Message::Proposal(proposal);
        self.nodes[i].hoard.note(&message);
        self.broadcast(i, &message);
    }

    /// What node `i`, a [`Behavior::LockSplitter`] and the proposer of `signed` (of an impeach
    /// round), proposes in its place: the block of the oldest prepare certificate it can
    /// assemble (see [`Hoard::oldest_certificate`]) with that certificate, or else the round's
    /// impeach block. Not its engine's lock: that certificate may hold its engine's prepare of
    /// a round where it signed another one on the wire.
    fn splitter_proposal(
        &mut self,
        i: usize,
        signed: &SignedProposal<SimBlock>,
    ) -> Option<SignedProposal<SimBlock>> {
        let node = &mut self.nodes[i];
        let (height, round) = (signed.proposal.height, signed.proposal.round);
        let quorum = node.engine.validators().quorum();
        let (block, prepared) = match node.hoard.oldest_certificate(height, round, quorum) {
            Some((block, certificate)) => {
                node.reproposals += 1;
                (block, Some(certificate))
            }
            None => (node.chain.impeach_block(height, round)?, None),
        };
        let proposal = Proposal {
            height,
            round,
            block,
            prepared,
        };
        let hash = proposal.block.hash();
        Some(SignedProposal {
            signature: node.key.sign(&proposal.signing_payload(&GENESIS, &hash)),
            proposal,
            proposer: signed.proposer,
        })
    }

    /// Node `i`, a [`Behavior::LockSplitter`], prepares `proposal` if it is of the height its
    /// engine decides and it has not prepared in that round, whatever its lock, and sends the
    /// prepare to half its peers.
    fn splitter_prepare(&mut self, i: usize, proposal: &Proposal<SimBlock>) {
        let node = &mut self.nodes[i];
        let Some(index) = node.engine.validators().index_of(&node.key.public()) else {
            return;
        };
        if proposal.height != node.engine.height()
            || !node
                .hoard
                .prepared
                .insert((proposal.height, proposal.round))
        {
            return;
        }
        let vote = Vote {
            kind: VoteKind::Prepare,
            height: proposal.height,
            round: proposal.round,
            hash: proposal.block.hash(),
        };
        let message = Message::Vote(SignedVote::sign(vote, index, &node.key, &GENESIS));
        node.hoard.note(&message);
        self.send_to_half(i, &message);
    }

    /// What node `i`, a [`Behavior::LockSplitter`], does with a message its engine accepted:
    /// keeps its block and prepares, and prepares a proposal at once.
    fn splitter_heard(&mut self, i: usize, bytes: &[u8]) {
        let Ok(message) = Message::<SimBlock>::decode_bounded(bytes) else {
            return;
        };
        self.nodes[i].hoard.note(&message);
        if let Message::Proposal(signed) = &message {
            self.splitter_prepare(i, &signed.proposal);
        }
    }

    /// Block sync, simplified: the peer sends its finalized blocks from node `i`'s height on.
    fn sync_from(&mut self, i: usize, peer: usize) {
        // A hint may name an outside peer (a test's injected messages): nothing to fetch.
        if peer >= self.nodes.len() {
            return;
        }
        let from = self.nodes[i].engine.height();
        let window = 8;
        for height in from..from + window {
            let Some((block, certificate)) = self.nodes[peer].chain.finalized(height) else {
                break;
            };
            let bytes = Message::Finalized(block, certificate).encode();
            self.send(peer, i, bytes);
        }
    }

    /// Hands `bytes` to node `to` as if peer `from` sent them now, and carries out what it
    /// does in response.
    pub fn inject(&mut self, to: usize, from: usize, bytes: &[u8]) -> Verdict {
        let node = &mut self.nodes[to];
        let verdict = node.engine.on_bytes(from, bytes, &mut node.chain);
        self.flush(to);
        verdict
    }

    /// Processes events until virtual time `until` or until `done` holds.
    pub fn run(&mut self, until: u64, mut done: impl FnMut(&Self) -> bool) -> bool {
        while let Some(Reverse((at, _, id))) = self.queue.peek().copied() {
            if done(self) {
                return true;
            }
            if at > until {
                break;
            }
            self.queue.pop();
            self.now = at;
            let event = self.events.remove(&id).expect("queued events are stored");
            match event {
                Event::Deliver { to, from, bytes } => {
                    if self.nodes[to].behavior == Behavior::Crashed {
                        continue;
                    }
                    self.delivered += 1;
                    let node = &mut self.nodes[to];
                    let verdict = node.engine.on_bytes(from, &bytes, &mut node.chain);
                    // Before its own outputs: a proposal it makes now may use what it just got.
                    if node.behavior == Behavior::LockSplitter && verdict == Verdict::Accept {
                        self.splitter_heard(to, &bytes);
                    }
                    self.flush(to);
                }
                Event::Timeout {
                    node: i,
                    height,
                    round,
                    kind,
                } => {
                    if self.nodes[i].behavior == Behavior::Crashed {
                        continue;
                    }
                    let node = &mut self.nodes[i];
                    node.engine.on_timeout(height, round, kind, &mut node.chain);
                    self.flush(i);
                }
                Event::Probe { node } => {
                    if self.nodes[node].behavior != Behavior::Crashed {
                        self.probe(node);
                    }
                }
            }
        }
        self.now = self.now.max(until);
        done(self)
    }

    /// Runs until every honest node finalized `height`, or virtual time `until`.
    pub fn run_until_height(&mut self, height: Height, until: u64) -> bool {
        self.run(until, |sim| sim.min_honest_height() >= height)
    }

    /// The lowest finalized height among honest nodes.
    pub fn min_honest_height(&self) -> Height {
        self.honest().map(|n| n.chain.last().0).min().unwrap_or(0)
    }

    /// The honest nodes.
    pub fn honest(&self) -> impl Iterator<Item = &SimNode> {
        self.nodes.iter().filter(|n| n.behavior == Behavior::Honest)
    }

    /// Panics unless all honest nodes finalized the same block at every height they share.
    /// Returns the agreed chain (the longest).
    pub fn check_agreement(&self) -> Vec<SimBlock> {
        let mut agreed: Vec<SimBlock> = Vec::new();
        for node in self.honest() {
            for (i, block) in node.chain.blocks().enumerate() {
                match agreed.get(i) {
                    Some(seen) => assert_eq!(
                        seen.hash(),
                        block.hash(),
                        "two blocks finalized at height {}",
                        i + 1
                    ),
                    None => agreed.push(block.clone()),
                }
            }
        }
        agreed
    }
}
