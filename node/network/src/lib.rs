//! Peer-to-peer networking for CPChain nodes, over libp2p.
//!
//! - Transport: TCP with noise encryption and yamux multiplexing; identify; Kademlia for
//!   discovery from `--bootnodes`; mDNS on local networks (dev and local chains).
//! - Gossip (gossipsub, signed, strict validation): two topics bound to the genesis hash, so
//!   nodes of different chains never mix: transactions, and consensus (LBFT proposals and
//!   votes). **Nothing is forwarded before the node judged it**: every message goes to the
//!   node with a [`GossipId`], and only [`NetworkHandle::validated`] with [`Verdict::Accept`]
//!   lets gossipsub pass it on. [`Verdict::Reject`] charges the peer that relayed it, which is
//!   right only because honest relays forward nothing they did not check themselves;
//!   [`Verdict::Ignore`] drops a message without blaming anyone (stale, not yet judgeable, or
//!   the fault of its signed author rather than of the relay).
//! - Direct messages (request-response): a consensus message for one peer (a finalized block
//!   for a peer still voting on its height), never a topic broadcast; at most one in flight
//!   per peer, and a small budget per peer for what it sends us.
//! - Block sync (request-response): ranges of finalized blocks with their justifications,
//!   bounded in count and bytes, read off the network task, one request per peer at a time.
//! - Peer scores: misbehaviour reported by the node ([`NetworkHandle::report`]) or seen here
//!   lowers a peer's score, which decays back towards zero (a quarter every 10 s), so honest
//!   peers' occasional faults never add up; below [`BAN_SCORE`] the peer is disconnected and
//!   refused for [`BAN_DURATION`].
//! - Connection limits: at most `in_peers` inbound and `out_peers` outbound connections, one
//!   per peer and direction pair, and a bound on connections still in their handshake.
//!
//! The node talks to the network through [`NetworkHandle`] (commands) and a channel of
//! [`NetworkEvent`]s; the swarm runs on its own task.

mod direct;
mod sync;

use codec::{Decode, Encode};
use cpc_consensus::Message;
use cpc_primitives::{Block, H256, OpaqueExtrinsic, hashing::blake2_256};
use futures::StreamExt;
use libp2p::{
    Multiaddr, PeerId, StreamProtocol, Swarm, SwarmBuilder, allow_block_list, connection_limits,
    gossipsub, identify, identity, kad, mdns, noise, request_response,
    swarm::{NetworkBehaviour, SwarmEvent, behaviour::toggle::Toggle},
    tcp, yamux,
};
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::{mpsc, oneshot};

pub use libp2p::{Multiaddr as Address, PeerId as Peer, identity::Keypair};
pub use sync::{MAX_SYNC_BLOCKS, MAX_SYNC_RESPONSE_BYTES, SyncRequest};

/// Largest gossip message: a full block (5 MiB) with its certificate and framing.
pub const MAX_GOSSIP_SIZE: usize = 6 * 1024 * 1024;
/// Score below which a peer is banned.
pub const BAN_SCORE: i32 = -100;
/// How long a banned peer stays banned.
pub const BAN_DURATION: Duration = Duration::from_secs(600);
/// Most peers whose score is remembered.
const MAX_SCORED_PEERS: usize = 4096;
/// Most events waiting for the node; beyond, gossip is dropped (the node is overloaded).
const EVENT_QUEUE: usize = 8192;
/// How often scores decay and bans expire.
const SCORE_TICK: Duration = Duration::from_secs(10);
/// Direct messages in flight to all peers together; more are dropped (they only help peers
/// that are behind, which also sync).
const MAX_DIRECT_IN_FLIGHT: usize = 8;
/// Direct messages a peer may send us in a burst, and how fast its budget refills.
const DIRECT_BURST: u32 = 8;
const DIRECT_REFILL: Duration = Duration::from_millis(500);
/// Sync requests served at once (each reads up to [`MAX_SYNC_RESPONSE_BYTES`] from disk).
const MAX_SYNC_SERVING: usize = 2;
/// Connections still in their handshake, each way.
const MAX_PENDING_CONNECTIONS: u32 = 32;

/// A gossip topic.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Topic {
    /// Transactions for the pool.
    Transactions,
    /// LBFT messages: proposals, votes, finalized blocks.
    Consensus,
}

impl Topic {
    fn name(self, genesis: &H256) -> String {
        // Version 2 of the transactions topic carries batches ([`encode_transactions`]).
        let kind = match self {
            Topic::Transactions => "transactions/2",
            // Version 2: votes and proposals, `Decided` certificates; finalized blocks go
            // to one peer over the direct protocol.
            Topic::Consensus => "consensus/2",
        };
        format!("/cpc/{}/{kind}", hex::encode(genesis.0))
    }
}

/// The most transactions one gossip message carries.
pub const MAX_TRANSACTIONS_PER_GOSSIP: usize = 512;

/// A gossip message of the transactions topic: a batch of transactions, so that a busy node
/// pays gossip's per-message costs (a signature made by the sender and checked by every peer
/// that receives a copy, framing, a wake-up) once per batch rather than once per transaction.
pub fn encode_transactions(batch: &[OpaqueExtrinsic]) -> Vec<u8> {
    batch.encode()
}

/// The transactions of a gossip message, if it is a well-formed, non-empty batch within the
/// bounds.
pub fn decode_transactions(data: &[u8]) -> Option<Vec<OpaqueExtrinsic>> {
    let batch: Vec<OpaqueExtrinsic> =
        cpc_primitives::limits::decode_bounded(data, MAX_GOSSIP_SIZE).ok()?;
    (!batch.is_empty() && batch.len() <= MAX_TRANSACTIONS_PER_GOSSIP).then_some(batch)
}

/// How badly a peer misbehaved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Penalty {
    /// Useless but possibly honest (a stale or far-future message).
    Minor,
    /// Invalid data: bad signatures, malformed messages, invalid blocks.
    Invalid,
}

impl Penalty {
    fn score(self) -> i32 {
        match self {
            Penalty::Minor => -2,
            Penalty::Invalid => -25,
        }
    }
}

/// What the node decided about a gossip message: `Accept` forwards it; `Ignore` drops it
/// without blaming anyone (stale, a duplicate, not judgeable yet, or at fault only by its
/// signed author); `Reject` drops it and charges the relay, which forwarded what it should
/// have refused. The engine's verdict serves for transactions too.
pub use cpc_consensus::Verdict;

/// Identifies a gossip message awaiting the node's [`Verdict`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GossipId {
    message: gossipsub::MessageId,
    source: PeerId,
}

/// Serves finalized blocks to syncing peers.
pub trait BlockSource: Send + Sync + 'static {
    /// The SCALE-encoded `(Block, Option<justification>)` of finalized blocks from `from` on:
    /// at most `max` of them, and none past the one that brings the total over `max_bytes`
    /// (so a source stops reading from disk once the answer is full).
    fn finalized_blocks(&self, from: u32, max: u32, max_bytes: usize) -> Vec<Vec<u8>>;
}

/// What the network tells the node.
#[derive(Debug)]
pub enum NetworkEvent {
    /// A gossip message that passed the shape checks. It is forwarded only once the node
    /// answers [`NetworkHandle::validated`] with [`Verdict::Accept`].
    Gossip {
        /// Its topic.
        topic: Topic,
        /// The peer that forwarded it (not necessarily its author).
        from: PeerId,
        /// What to name when giving the verdict.
        id: GossipId,
        /// Its bytes.
        data: Vec<u8>,
    },
    /// A consensus message a peer sent to this node alone.
    Direct {
        /// The peer.
        from: PeerId,
        /// Its bytes.
        data: Vec<u8>,
    },
    /// A peer connected.
    Connected(PeerId),
    /// A peer disconnected.
    Disconnected(PeerId),
}

/// Settings of the network.
pub struct NetworkConfig {
    /// The node's identity.
    pub key: identity::Keypair,
    /// Addresses to listen on.
    pub listen: Vec<Multiaddr>,
    /// Peers to connect to first (`/ip4/../tcp/../p2p/<peer id>`).
    pub bootnodes: Vec<Multiaddr>,
    /// Whether to find peers on the local network by mDNS.
    pub mdns: bool,
    /// The chain's genesis hash: topics and protocols are bound to it.
    pub genesis: H256,
    /// Most inbound connections (`--in-peers`).
    pub in_peers: u32,
    /// Most outbound connections (`--out-peers`).
    pub out_peers: u32,
}

impl NetworkConfig {
    /// A configuration with Substrate's default peer limits (32 in, 8 out) and no listen
    /// address, bootnode or mDNS.
    pub fn new(key: identity::Keypair, genesis: H256) -> Self {
        Self {
            key,
            listen: Vec::new(),
            bootnodes: Vec::new(),
            mdns: false,
            genesis,
            in_peers: 32,
            out_peers: 8,
        }
    }
}

enum Command {
    Publish(Topic, Vec<u8>),
    RequestBlocks {
        peer: PeerId,
        request: SyncRequest,
        reply: BlocksReply,
    },
    Report(PeerId, Penalty),
    Validated(GossipId, Verdict),
    SendDirect(PeerId, Vec<u8>),
}

/// The node's handle on the network.
#[derive(Clone)]
pub struct NetworkHandle {
    commands: mpsc::UnboundedSender<Command>,
    local_peer_id: PeerId,
    connected: Arc<std::sync::Mutex<std::collections::BTreeSet<PeerId>>>,
    listening: Arc<std::sync::Mutex<Vec<Multiaddr>>>,
}

impl NetworkHandle {
    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local_peer_id
    }

    /// How many peers are connected.
    pub fn peers(&self) -> usize {
        self.connected.lock().map(|c| c.len()).unwrap_or_default()
    }

    /// The connected peers.
    pub fn connected_peers(&self) -> Vec<PeerId> {
        self.connected
            .lock()
            .map(|c| c.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The addresses the node listens on.
    pub fn listen_addresses(&self) -> Vec<Multiaddr> {
        self.listening.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Gossips `data` on `topic`.
    pub fn publish(&self, topic: Topic, data: Vec<u8>) {
        let _ = self.commands.send(Command::Publish(topic, data));
    }

    /// Asks `peer` for finalized blocks from `from` on.
    pub async fn request_blocks(
        &self,
        peer: PeerId,
        from: u32,
        max: u32,
    ) -> Result<Vec<Vec<u8>>, String> {
        let (reply, response) = oneshot::channel();
        self.commands
            .send(Command::RequestBlocks {
                peer,
                request: SyncRequest { from, max },
                reply,
            })
            .map_err(|_| "the network stopped".to_string())?;
        response
            .await
            .map_err(|_| "the network stopped".to_string())?
    }

    /// Lowers `peer`'s score.
    pub fn report(&self, peer: PeerId, penalty: Penalty) {
        let _ = self.commands.send(Command::Report(peer, penalty));
    }

    /// The node's verdict on a gossip message: forward it, drop it, or drop it and charge
    /// the peer that relayed it.
    pub fn validated(&self, id: GossipId, verdict: Verdict) {
        let _ = self.commands.send(Command::Validated(id, verdict));
    }

    /// Sends a consensus message to `peer` alone; dropped if one is still in flight to it or
    /// too many are in flight in all.
    pub fn send_direct(&self, peer: PeerId, data: Vec<u8>) {
        let _ = self.commands.send(Command::SendDirect(peer, data));
    }
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    // First, so a banned or surplus connection is refused before any other protocol sees it.
    banned: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    limits: connection_limits::Behaviour,
    gossipsub: gossipsub::Behaviour,
    identify: identify::Behaviour,
    kad: kad::Behaviour<kad::store::MemoryStore>,
    mdns: Toggle<mdns::tokio::Behaviour>,
    sync: request_response::Behaviour<sync::SyncCodec>,
    direct: request_response::Behaviour<direct::DirectCodec>,
}

/// Starts the network on the current tokio runtime.
pub fn start(
    config: NetworkConfig,
    source: Arc<dyn BlockSource>,
) -> Result<(NetworkHandle, mpsc::Receiver<NetworkEvent>), String> {
    let local_peer_id = config.key.public().to_peer_id();
    let genesis = config.genesis;
    let gossip_config = gossipsub::ConfigBuilder::default()
        .max_transmit_size(MAX_GOSSIP_SIZE)
        .validation_mode(gossipsub::ValidationMode::Strict)
        .validate_messages()
        // The same content is the same message, whoever relays it.
        .message_id_fn(|message: &gossipsub::Message| {
            gossipsub::MessageId::from(&blake2_256(&message.data)[..20])
        })
        .heartbeat_interval(Duration::from_millis(500))
        // Messages wait in the cache for their verdict, which may come late: a proposal is
        // judged after its block executes, a message of the next height when this node gets
        // there. 30 heartbeats (15 s) instead of 5.
        .history_length(30)
        .build()
        .map_err(|e| format!("gossip configuration: {e}"))?;
    let sync_protocol =
        StreamProtocol::try_from_owned(format!("/cpc/{}/sync/1", hex::encode(genesis.0)))
            .map_err(|e| format!("sync protocol name: {e}"))?;
    let direct_protocol =
        StreamProtocol::try_from_owned(format!("/cpc/{}/direct/1", hex::encode(genesis.0)))
            .map_err(|e| format!("direct protocol name: {e}"))?;
    let limits = connection_limits::ConnectionLimits::default()
        .with_max_established_incoming(Some(config.in_peers))
        .with_max_established_outgoing(Some(config.out_peers))
        .with_max_pending_incoming(Some(MAX_PENDING_CONNECTIONS))
        .with_max_pending_outgoing(Some(MAX_PENDING_CONNECTIONS))
        .with_max_established_per_peer(Some(2));
    let mut swarm = SwarmBuilder::with_existing_identity(config.key.clone())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| format!("transport: {e}"))?
        .with_behaviour(|key| {
            let mut gossipsub = gossipsub::Behaviour::new(
                gossipsub::MessageAuthenticity::Signed(key.clone()),
                gossip_config,
            )?;
            for topic in [Topic::Transactions, Topic::Consensus] {
                gossipsub.subscribe(&gossipsub::IdentTopic::new(topic.name(&genesis)))?;
            }
            let mdns = if config.mdns {
                Some(mdns::tokio::Behaviour::new(
                    mdns::Config::default(),
                    key.public().to_peer_id(),
                )?)
            } else {
                None
            };
            let peer_id = key.public().to_peer_id();
            let mut kad = kad::Behaviour::new(peer_id, kad::store::MemoryStore::new(peer_id));
            kad.set_mode(Some(kad::Mode::Server));
            Ok(Behaviour {
                banned: Default::default(),
                limits: connection_limits::Behaviour::new(limits),
                gossipsub,
                identify: identify::Behaviour::new(identify::Config::new(
                    format!("/cpc/{}/1", hex::encode(genesis.0)),
                    key.public(),
                )),
                kad,
                mdns: Toggle::from(mdns),
                sync: request_response::Behaviour::with_codec(
                    sync::SyncCodec,
                    [(sync_protocol, request_response::ProtocolSupport::Full)],
                    request_response::Config::default()
                        .with_request_timeout(Duration::from_secs(20))
                        .with_max_concurrent_streams(MAX_SYNC_SERVING * 4),
                ),
                direct: request_response::Behaviour::with_codec(
                    direct::DirectCodec,
                    [(direct_protocol, request_response::ProtocolSupport::Full)],
                    request_response::Config::default()
                        .with_request_timeout(Duration::from_secs(20))
                        .with_max_concurrent_streams(DIRECT_BURST as usize),
                ),
            })
        })
        .map_err(|e| format!("network behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    for address in &config.listen {
        swarm
            .listen_on(address.clone())
            .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    }
    for address in &config.bootnodes {
        if let Some(peer) = peer_of(address) {
            swarm
                .behaviour_mut()
                .kad
                .add_address(&peer, address.clone());
        }
        if let Err(e) = swarm.dial(address.clone()) {
            log::warn!(target: "network", "cannot dial bootnode {address}: {e}");
        }
    }
    let (commands, command_rx) = mpsc::unbounded_channel();
    let (events, event_rx) = mpsc::channel(EVENT_QUEUE);
    let (served, served_rx) = mpsc::unbounded_channel();
    let handle = NetworkHandle {
        commands,
        local_peer_id,
        connected: Default::default(),
        listening: Arc::new(std::sync::Mutex::new(Vec::new())),
    };
    let worker = Worker {
        swarm,
        genesis,
        source,
        events,
        handle: handle.clone(),
        scores: HashMap::new(),
        banned: HashMap::new(),
        pending: HashMap::new(),
        direct_out: HashMap::new(),
        direct_budget: HashMap::new(),
        serving: HashMap::new(),
        served,
        bootnodes: config.bootnodes.clone(),
    };
    tokio::spawn(worker.run(command_rx, served_rx));
    Ok((handle, event_rx))
}

/// The peer id at the end of `/p2p/<id>`, if any.
fn peer_of(address: &Multiaddr) -> Option<PeerId> {
    address.iter().find_map(|p| match p {
        libp2p::multiaddr::Protocol::P2p(peer) => Some(peer),
        _ => None,
    })
}

/// Where the answer to a sync request goes.
type BlocksReply = oneshot::Sender<Result<Vec<Vec<u8>>, String>>;

/// A sync answer read off the network task, on its way back to the requester.
type Served = (
    PeerId,
    request_response::ResponseChannel<Vec<Vec<u8>>>,
    Vec<Vec<u8>>,
);

/// A peer's budget of direct messages: tokens left and when it last refilled.
struct Budget {
    tokens: u32,
    refilled: Instant,
}

struct Worker {
    swarm: Swarm<Behaviour>,
    genesis: H256,
    source: Arc<dyn BlockSource>,
    events: mpsc::Sender<NetworkEvent>,
    handle: NetworkHandle,
    scores: HashMap<PeerId, i32>,
    banned: HashMap<PeerId, Instant>,
    pending: HashMap<request_response::OutboundRequestId, BlocksReply>,
    /// Direct messages in flight, by the peer they go to.
    direct_out: HashMap<PeerId, request_response::OutboundRequestId>,
    /// What each connected peer may still send us directly.
    direct_budget: HashMap<PeerId, Budget>,
    /// Peers whose sync request is being read from disk.
    serving: HashMap<PeerId, request_response::InboundRequestId>,
    served: mpsc::UnboundedSender<Served>,
    /// Dialled again while this node has no peer at all: a bootnode that was not up yet when
    /// this node started (nodes of a testnet starting together) must not leave it alone.
    bootnodes: Vec<Multiaddr>,
}

impl Worker {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut served: mpsc::UnboundedReceiver<Served>,
    ) {
        let mut tick = tokio::time::interval(SCORE_TICK);
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                command = commands.recv() => match command {
                    Some(command) => self.on_command(command),
                    None => return,
                },
                Some((peer, channel, blocks)) = served.recv() => {
                    // The slot is held until the answer is written (or fails), so a slow
                    // reader cannot pile answers up in memory.
                    if self.swarm.behaviour_mut().sync.send_response(channel, blocks).is_err() {
                        self.serving.remove(&peer);
                    }
                }
                _ = tick.tick() => self.on_tick(),
            }
        }
    }

    /// Lifts expired bans, lets scores decay towards zero, and dials the bootnodes again
    /// when no peer is connected.
    fn on_tick(&mut self) {
        if self.swarm.connected_peers().next().is_none() {
            for address in self.bootnodes.clone() {
                if let Err(e) = self.swarm.dial(address.clone()) {
                    log::debug!(target: "network", "cannot dial bootnode {address}: {e}");
                }
            }
        }
        let now = Instant::now();
        let mut lifted = Vec::new();
        self.banned.retain(|peer, until| {
            let keep = *until > now;
            if !keep {
                lifted.push(*peer);
            }
            keep
        });
        for peer in lifted {
            self.scores.remove(&peer);
            self.swarm.behaviour_mut().banned.unblock_peer(peer);
        }
        let banned = &self.banned;
        self.scores.retain(|peer, score| {
            if !banned.contains_key(peer) {
                *score = decay(*score);
            }
            *score != 0
        });
    }

    fn topic_of(&self, hash: &gossipsub::TopicHash) -> Option<Topic> {
        [Topic::Transactions, Topic::Consensus]
            .into_iter()
            .find(|t| gossipsub::IdentTopic::new(t.name(&self.genesis)).hash() == *hash)
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Publish(topic, data) => {
                let topic = gossipsub::IdentTopic::new(topic.name(&self.genesis));
                // No peers yet, or the same message published again: nothing to do.
                if let Err(e) = self.swarm.behaviour_mut().gossipsub.publish(topic, data) {
                    log::trace!(target: "network", "not published: {e}");
                }
            }
            Command::RequestBlocks {
                peer,
                request,
                reply,
            } => {
                let id = self.swarm.behaviour_mut().sync.send_request(&peer, request);
                self.pending.insert(id, reply);
            }
            Command::Report(peer, penalty) => self.penalize(peer, penalty),
            Command::Validated(id, verdict) => {
                let acceptance = match verdict {
                    Verdict::Accept => gossipsub::MessageAcceptance::Accept,
                    // A deferred message's final verdict is the node's to give later; one
                    // handed here is as good as none.
                    Verdict::Ignore | Verdict::Defer => gossipsub::MessageAcceptance::Ignore,
                    Verdict::Reject => gossipsub::MessageAcceptance::Reject,
                };
                let _ = self
                    .swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(&id.message, &id.source, acceptance);
                if verdict == Verdict::Reject {
                    self.penalize(id.source, Penalty::Invalid);
                }
            }
            Command::SendDirect(peer, data) => {
                if self.direct_out.contains_key(&peer)
                    || self.direct_out.len() >= MAX_DIRECT_IN_FLIGHT
                    || !self.swarm.is_connected(&peer)
                {
                    log::trace!(target: "network", "direct message to {peer} dropped");
                    return;
                }
                let id = self.swarm.behaviour_mut().direct.send_request(&peer, data);
                self.direct_out.insert(peer, id);
            }
        }
    }

    /// Whether `peer` may send one more direct message now (and takes it from its budget).
    fn direct_allowed(&mut self, peer: PeerId) -> bool {
        let now = Instant::now();
        let budget = self.direct_budget.entry(peer).or_insert(Budget {
            tokens: DIRECT_BURST,
            refilled: now,
        });
        let refills = now.duration_since(budget.refilled).as_millis() / DIRECT_REFILL.as_millis();
        if refills > 0 {
            budget.tokens = (budget.tokens as u128 + refills).min(DIRECT_BURST as u128) as u32;
            budget.refilled = now;
        }
        if budget.tokens == 0 {
            return false;
        }
        budget.tokens -= 1;
        true
    }

    fn penalize(&mut self, peer: PeerId, penalty: Penalty) {
        // New identities are free: past this many scored peers, forget all but the banned.
        if self.scores.len() >= MAX_SCORED_PEERS && !self.scores.contains_key(&peer) {
            let banned = &self.banned;
            self.scores.retain(|p, _| banned.contains_key(p));
        }
        let score = self.scores.entry(peer).or_insert(0);
        *score += penalty.score();
        if *score <= BAN_SCORE && !self.banned.contains_key(&peer) {
            log::warn!(target: "network", "banning peer {peer} for {BAN_DURATION:?} (score {score})");
            // The ban list is bounded too; a peer past the bound is still disconnected.
            if self.banned.len() < MAX_SCORED_PEERS {
                self.banned.insert(peer, Instant::now() + BAN_DURATION);
                self.swarm.behaviour_mut().banned.block_peer(peer);
            }
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }

    /// Whether gossip of `topic` has the shape of a valid message.
    fn well_formed(topic: Topic, data: &[u8]) -> bool {
        match topic {
            Topic::Consensus => Message::<Block>::decode_bounded(data).is_ok(),
            Topic::Transactions => decode_transactions(data).is_some(),
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                let full = address
                    .clone()
                    .with(libp2p::multiaddr::Protocol::P2p(self.handle.local_peer_id));
                log::info!(target: "network", "Listening on {full}");
                if let Ok(mut listening) = self.handle.listening.lock() {
                    listening.push(full);
                }
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                num_established,
                ..
            } => {
                if self.banned.contains_key(&peer_id) {
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    return;
                }
                if num_established.get() == 1 {
                    if let Ok(mut connected) = self.handle.connected.lock() {
                        connected.insert(peer_id);
                    }
                    let _ = self.events.try_send(NetworkEvent::Connected(peer_id));
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                if let Ok(mut connected) = self.handle.connected.lock() {
                    connected.remove(&peer_id);
                }
                self.direct_budget.remove(&peer_id);
                let _ = self.events.try_send(NetworkEvent::Disconnected(peer_id));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => {
                // Any relay can decode: malformed gossip is its fault. What decodes waits for
                // the node's verdict before it goes any further.
                let acceptance = match self.topic_of(&message.topic) {
                    Some(topic) if Self::well_formed(topic, &message.data) => {
                        let event = NetworkEvent::Gossip {
                            topic,
                            from: propagation_source,
                            id: GossipId {
                                message: message_id.clone(),
                                source: propagation_source,
                            },
                            data: message.data,
                        };
                        match self.events.try_send(event) {
                            Ok(()) => return,
                            Err(_) => {
                                log::debug!(target: "network", "the node is behind; gossip dropped");
                                gossipsub::MessageAcceptance::Ignore
                            }
                        }
                    }
                    _ => {
                        self.penalize(propagation_source, Penalty::Invalid);
                        gossipsub::MessageAcceptance::Reject
                    }
                };
                let _ = self
                    .swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(&message_id, &propagation_source, acceptance);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                for address in info.listen_addrs {
                    self.swarm
                        .behaviour_mut()
                        .kad
                        .add_address(&peer_id, address);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(found))) => {
                for (peer, address) in found {
                    if peer == self.handle.local_peer_id || self.banned.contains_key(&peer) {
                        continue;
                    }
                    self.swarm
                        .behaviour_mut()
                        .kad
                        .add_address(&peer, address.clone());
                    let _ = self.swarm.dial(address);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Sync(event)) => self.on_sync_event(event),
            SwarmEvent::Behaviour(BehaviourEvent::Direct(event)) => self.on_direct_event(event),
            _ => {}
        }
    }

    fn on_direct_event(&mut self, event: request_response::Event<Vec<u8>, ()>) {
        match event {
            request_response::Event::Message {
                peer,
                message:
                    request_response::Message::Request {
                        request, channel, ..
                    },
                ..
            } => {
                let _ = self.swarm.behaviour_mut().direct.send_response(channel, ());
                if !self.direct_allowed(peer) {
                    self.penalize(peer, Penalty::Minor);
                    return;
                }
                if Message::<Block>::decode_bounded(&request).is_err() {
                    self.penalize(peer, Penalty::Invalid);
                    return;
                }
                let event = NetworkEvent::Direct {
                    from: peer,
                    data: request,
                };
                if self.events.try_send(event).is_err() {
                    log::debug!(target: "network", "the node is behind; a direct message dropped");
                }
            }
            request_response::Event::Message {
                peer,
                message: request_response::Message::Response { .. },
                ..
            }
            | request_response::Event::OutboundFailure { peer, .. } => {
                self.direct_out.remove(&peer);
            }
            _ => {}
        }
    }

    fn on_sync_event(&mut self, event: request_response::Event<SyncRequest, Vec<Vec<u8>>>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request_id,
                    request,
                    channel,
                } => {
                    // One request per peer at a time, and a few in all: the rest are dropped
                    // (the requester sees a failure and asks again or elsewhere).
                    if self.banned.contains_key(&peer)
                        || self.serving.len() >= MAX_SYNC_SERVING
                        || self.serving.contains_key(&peer)
                    {
                        return;
                    }
                    self.serving.insert(peer, request_id);
                    let max = request.max.min(MAX_SYNC_BLOCKS);
                    let source = self.source.clone();
                    let served = self.served.clone();
                    // Disk reads stay off the network task. A source that panics answers
                    // nothing, and the slot is still given back.
                    tokio::task::spawn_blocking(move || {
                        let blocks = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            source.finalized_blocks(request.from, max, MAX_SYNC_RESPONSE_BYTES)
                        }))
                        .unwrap_or_default();
                        let _ = served.send((peer, channel, trim_to_limit(blocks)));
                    });
                }
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(reply) = self.pending.remove(&request_id) {
                        let _ = reply.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure {
                request_id,
                error,
                peer,
                ..
            } => {
                if let Some(reply) = self.pending.remove(&request_id) {
                    let _ = reply.send(Err(format!("sync request to {peer} failed: {error}")));
                }
            }
            // Only the request being served frees the peer's slot (not one refused meanwhile).
            request_response::Event::ResponseSent {
                peer, request_id, ..
            }
            | request_response::Event::InboundFailure {
                peer, request_id, ..
            } => {
                if self.serving.get(&peer) == Some(&request_id) {
                    self.serving.remove(&peer);
                }
            }
        }
    }
}

/// A score a quarter closer to zero (rounded towards zero, so it reaches zero).
fn decay(score: i32) -> i32 {
    score - score / 4 - score.signum() * i32::from(score.abs() < 4)
}

/// Drops whole blocks from the end until the answer fits its limit (with its framing).
fn trim_to_limit(mut blocks: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut total = 0usize;
    let keep = blocks
        .iter()
        .take_while(|b| {
            total += b.len() + 5;
            total <= MAX_SYNC_RESPONSE_BYTES
        })
        .count();
    blocks.truncate(keep);
    blocks
}

/// An ed25519 node key from its 32-byte secret.
pub fn keypair_from_secret(secret: &[u8]) -> Result<identity::Keypair, String> {
    let mut bytes = secret.to_vec();
    identity::Keypair::ed25519_from_bytes(&mut bytes).map_err(|e| format!("bad node key: {e}"))
}

/// A new random node key and its 32-byte secret.
pub fn generate_node_key() -> (identity::Keypair, Vec<u8>) {
    let keypair = identity::Keypair::generate_ed25519();
    let secret = keypair
        .clone()
        .try_into_ed25519()
        .expect("generated as ed25519; qed")
        .secret()
        .as_ref()
        .to_vec();
    (keypair, secret)
}

/// Decodes a sync response record into a block and its justification.
pub fn decode_record(record: &[u8]) -> Result<(Block, Option<Vec<u8>>), String> {
    <(Block, Option<Vec<u8>>)>::decode(&mut &record[..])
        .map_err(|e| format!("a synced block does not decode: {e}"))
}

/// Encodes a block and its justification as a sync record.
pub fn encode_record(block: &Block, justification: &Option<Vec<u8>>) -> Vec<u8> {
    (block, justification).encode()
}

#[cfg(test)]
mod batch_tests {
    use super::*;

    #[test]
    fn scores_decay_to_zero_from_either_side() {
        let mut score = BAN_SCORE;
        for _ in 0..40 {
            score = decay(score);
        }
        assert_eq!(score, 0);
        assert_eq!(decay(-1), 0);
        assert_eq!(decay(3), 2);
        assert_eq!(decay(-100), -75);
        assert_eq!(decay(0), 0);
    }

    #[test]
    fn transaction_batches_are_non_empty_and_bounded() {
        let xt = OpaqueExtrinsic(vec![4, 0]);
        let batch = vec![xt.clone(); 3];
        assert_eq!(
            decode_transactions(&encode_transactions(&batch)),
            Some(batch)
        );
        assert_eq!(decode_transactions(&encode_transactions(&[])), None);
        let too_many = vec![xt; MAX_TRANSACTIONS_PER_GOSSIP + 1];
        assert_eq!(decode_transactions(&encode_transactions(&too_many)), None);
        assert_eq!(decode_transactions(&[0xff, 0xff, 0xff]), None);
        // A single transaction in the old format is not a batch.
        assert_eq!(
            decode_transactions(&OpaqueExtrinsic(vec![4, 0, 1]).encode()),
            None
        );
    }
}
