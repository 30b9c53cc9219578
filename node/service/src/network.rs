//! The node's side of the peer-to-peer network: gossiped transactions into the pool, pool
//! transactions out, LBFT messages both ways, each gossip message judged before it is
//! forwarded, and the network and chain as block sync ([`crate::sync`]) sees them.

use crate::{
    lbft::{Input, LbftSender},
    pool::PoolApi,
    sync::{SyncChain, SyncHint, SyncNetwork, SyncStatus},
};
use codec::Decode;
use codec::Encode;
use cpc_client::{BlockOrigin, Client, ImportError, ImportParams};
use cpc_consensus::Output;
use cpc_network::{BlockSource, NetworkEvent, NetworkHandle, Peer, Penalty, Topic, Verdict};
use cpc_primitives::{
    Block, H256,
    transaction_validity::{InvalidTransaction, TransactionSource},
};
use cpc_txpool::Pool;
use futures::future::BoxFuture;
use std::{
    path::Path,
    sync::{Arc, atomic::Ordering},
};
use tokio::sync::{Semaphore, mpsc};

/// The network as the RPC reads it (`system_peers`, `system_syncState`, ...).
pub struct RpcNetwork {
    /// The network.
    pub network: NetworkHandle,
    /// Sync's view.
    pub sync: Arc<SyncStatus>,
}

impl cpc_rpc::NetworkStatus for RpcNetwork {
    fn local_peer_id(&self) -> String {
        self.network.local_peer_id().to_string()
    }

    fn listen_addresses(&self) -> Vec<String> {
        let id = self.network.local_peer_id();
        self.network
            .listen_addresses()
            .into_iter()
            .map(|address| format!("{address}/p2p/{id}"))
            .collect()
    }

    fn peers(&self) -> Vec<cpc_rpc::PeerInfo> {
        self.network
            .connected_peers()
            .into_iter()
            .map(|peer| cpc_rpc::PeerInfo {
                peer_id: peer.to_string(),
                best: None,
            })
            .collect()
    }

    fn peer_count(&self) -> usize {
        self.network.peers()
    }

    fn is_syncing(&self) -> bool {
        self.sync.syncing.load(Ordering::Relaxed)
    }

    fn highest_seen(&self) -> Option<u32> {
        match self.sync.highest.load(Ordering::Relaxed) {
            0 => None,
            highest => Some(highest),
        }
    }
}

/// Serves this node's finalized blocks to syncing peers.
pub struct ClientBlocks(pub Arc<Client>);

impl BlockSource for ClientBlocks {
    fn finalized_blocks(&self, from: u32, max: u32, max_bytes: usize) -> Vec<Vec<u8>> {
        let last = self.0.info().finalized_number;
        let mut records = Vec::new();
        let mut bytes = 0usize;
        if max == 0 {
            return records;
        }
        for number in from.max(1)..=last.min(from.saturating_add(max.saturating_sub(1))) {
            let Ok(Some(hash)) = self.0.hash(number) else {
                break;
            };
            let (Ok(Some(block)), Ok(justification)) =
                (self.0.block(&hash), self.0.justification(&hash))
            else {
                break;
            };
            let record = cpc_network::encode_record(&block, &justification);
            bytes += record.len();
            records.push(record);
            // The answer is full: reading further would only be thrown away.
            if bytes >= max_bytes {
                break;
            }
        }
        records
    }
}

/// The node's network key: `--node-key-file`, else `<chain>/network/secret_ed25519`, created
/// on first start (so the peer id stays the same across restarts).
pub fn node_key(file: Option<&Path>, chain_dir: &Path) -> Result<cpc_network::Keypair, String> {
    let path = match file {
        Some(path) => path.to_path_buf(),
        None => chain_dir.join("network").join("secret_ed25519"),
    };
    match std::fs::read(&path) {
        Ok(bytes) => cpc_network::keypair_from_secret(&parse_secret(&bytes)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.is_none() => {
            let (keypair, secret) = cpc_network::generate_node_key();
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            cpc_keystore::write_private(&path, hex::encode(secret).as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(keypair)
        }
        Err(e) => Err(format!("cannot read the node key {}: {e}", path.display())),
    }
}

/// The network key in the bytes of a node key file.
pub fn node_key_from_file_bytes(bytes: &[u8]) -> Result<cpc_network::Keypair, String> {
    cpc_network::keypair_from_secret(&parse_secret(bytes)?)
}

/// A node key file holds the 32-byte secret, hex (with or without `0x`) or raw.
fn parse_secret(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.len() == 32 {
        return Ok(bytes.to_vec());
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim().trim_start_matches("0x");
    let secret =
        hex::decode(text).map_err(|_| "the node key is not 32 bytes of hex".to_string())?;
    if secret.len() != 32 {
        return Err("the node key is not 32 bytes".into());
    }
    Ok(secret)
}

/// What LBFT's engine asks of the network, carried out from the engine's thread. Offences
/// are not charged here: gossip is charged through the verdict ([`lbft_verdicts`]), which
/// blames a relay only for what it should have checked itself.
pub fn lbft_outbound(
    network: NetworkHandle,
    sync: mpsc::Sender<SyncHint>,
) -> impl Fn(Output<Block, String>) + Send + 'static {
    move |output| match output {
        Output::Broadcast(message) => network.publish(Topic::Consensus, message.encode()),
        // To that peer alone: a replayed vote must not make the whole topic carry a block.
        Output::Send(peer, message) => {
            if let Ok(peer) = peer.parse::<Peer>() {
                network.send_direct(peer, message.encode());
            }
        }
        Output::Behind(peer, height) => {
            if let Ok(peer) = peer.parse::<Peer>() {
                // Sync is busy or flooded with hints: it also checks for a stalled chain.
                let _ = sync.try_send((peer, height));
            }
        }
        // Later-height messages that fail what can be checked already cost a little (they
        // may be honest across a committee change); everything else gossip charges through
        // the verdict.
        Output::Offence(peer, cpc_consensus::Offence::UnverifiedFuture) => {
            if let Ok(peer) = peer.parse::<Peer>() {
                network.report(peer, Penalty::Minor);
            }
        }
        _ => {}
    }
}

/// Carries the engine's verdict on a message back to the network: a gossip message is
/// forwarded or dropped (and its relay charged if rejected); a direct message's sender is its
/// author, charged if rejected.
pub fn lbft_verdicts(
    network: NetworkHandle,
) -> impl Fn(&str, Option<cpc_network::GossipId>, Verdict) + Send + 'static {
    move |peer, gossip, verdict| match gossip {
        Some(id) => network.validated(id, verdict),
        None if verdict == Verdict::Reject => {
            if let Ok(peer) = peer.parse::<Peer>() {
                network.report(peer, Penalty::Invalid);
            }
        }
        None => {}
    }
}

/// Batches of gossiped transactions being validated at once, and waiting; more are dropped
/// unjudged, so a peer flooding transactions costs a bounded share of the machine.
const MAX_VALIDATING_BATCHES: usize = 2;
const MAX_WAITING_BATCHES: usize = 64;

/// How long the pool's new transactions are collected before they are gossiped as one batch.
const GOSSIP_BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(20);

/// A batch is sent once it holds this many bytes of transactions.
const GOSSIP_BATCH_BYTES: usize = 256 * 1024;

/// Feeds gossip to the pool and to LBFT, and gossips the pool's new transactions in batches.
pub fn spawn_gossip(
    mut events: mpsc::Receiver<NetworkEvent>,
    network: NetworkHandle,
    pool: Arc<Pool<PoolApi>>,
    lbft: Option<LbftSender>,
) {
    let mut propagation = pool.subscribe_propagation();
    let outgoing = network.clone();
    let validators = Arc::new(Semaphore::new(MAX_VALIDATING_BATCHES));
    let waiting = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            // The first transaction opens a batch; whatever else the pool admits within the
            // window (or up to the bounds) goes out with it in one gossip message.
            let first = match propagation.recv().await {
                Ok((_, xt)) => xt,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            let mut bytes = first.0.len();
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + GOSSIP_BATCH_WINDOW;
            while batch.len() < cpc_network::MAX_TRANSACTIONS_PER_GOSSIP
                && bytes < GOSSIP_BATCH_BYTES
            {
                match tokio::time::timeout_at(deadline, propagation.recv()).await {
                    Ok(Ok((_, xt))) => {
                        bytes += xt.0.len();
                        batch.push(xt);
                    }
                    Ok(Err(RecvError::Lagged(_))) => continue,
                    Ok(Err(RecvError::Closed)) | Err(_) => break,
                }
            }
            outgoing.publish(
                Topic::Transactions,
                cpc_network::encode_transactions(&batch),
            );
        }
    });
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                NetworkEvent::Gossip {
                    topic: Topic::Consensus,
                    from,
                    id,
                    data,
                } => {
                    let Some(lbft) = &lbft else {
                        network.validated(id, Verdict::Ignore);
                        continue;
                    };
                    // A full engine queue drops the message unjudged (not forwarded, nobody
                    // charged): the engine is behind, not the peer.
                    let queued = lbft.try_send(Input::Message {
                        peer: from.to_string(),
                        bytes: data,
                        gossip: Some(id.clone()),
                    });
                    if !queued {
                        network.validated(id, Verdict::Ignore);
                    }
                }
                NetworkEvent::Direct { from, data } => {
                    if let Some(lbft) = &lbft {
                        lbft.try_send(Input::Message {
                            peer: from.to_string(),
                            bytes: data,
                            gossip: None,
                        });
                    }
                }
                NetworkEvent::Gossip {
                    topic: Topic::Transactions,
                    id,
                    data,
                    ..
                } => {
                    let Some(batch) = cpc_network::decode_transactions(&data) else {
                        network.validated(id, Verdict::Reject);
                        continue;
                    };
                    if waiting.load(Ordering::Relaxed) >= MAX_WAITING_BATCHES {
                        network.validated(id, Verdict::Ignore);
                        continue;
                    }
                    let pool = pool.clone();
                    let network = network.clone();
                    let validators = validators.clone();
                    let waiting = waiting.clone();
                    waiting.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(async move {
                        let permit = validators.acquire_owned().await;
                        waiting.fetch_sub(1, Ordering::Relaxed);
                        let Ok(permit) = permit else { return };
                        let verdict = tokio::task::spawn_blocking(move || {
                            let _permit = permit;
                            judge_transactions(&pool, batch)
                        })
                        .await
                        .unwrap_or(Verdict::Ignore);
                        network.validated(id, verdict);
                    });
                }
                NetworkEvent::Connected(peer) => {
                    log::debug!(target: "network", "connected to {peer}");
                }
                NetworkEvent::Disconnected(peer) => {
                    log::debug!(target: "network", "disconnected from {peer}");
                }
            }
        }
    });
}

/// The verdict on a gossiped batch of transactions: forwarded if any of them entered the pool
/// here. None of them costs the relay: validity depends on the state (nonces, balances, the
/// runtime version a signature covers), which the relay may have seen differently a moment
/// ago; the per-peer cost is bounded by the validation queue instead.
fn judge_transactions(
    pool: &Pool<PoolApi>,
    batch: Vec<cpc_primitives::OpaqueExtrinsic>,
) -> Verdict {
    use cpc_txpool::PoolError;
    let mut admitted = false;
    for xt in batch {
        match pool.submit(TransactionSource::External, xt) {
            Ok(_) => admitted = true,
            Err(PoolError::Invalid(InvalidTransaction::BadProof)) => {
                log::trace!(target: "txpool", "a gossiped transaction with a bad signature");
            }
            Err(_) => {}
        }
    }
    if admitted {
        Verdict::Accept
    } else {
        Verdict::Ignore
    }
}

/// Why a block at a height this node already finalized differently is refused. If the
/// committee that certified this node's block at the parent also certified the other one, the
/// chain has two certified histories: at least f+1 of that committee signed both (a safety
/// failure, or retired keys sold for a long-range attack). That is logged as loudly as the
/// node can; the block is refused either way.
fn conflict(client: &Client, block: &Block, justification: Option<&[u8]>, ours: H256) -> String {
    let number = block.header.number;
    let certified = number > 0
        && client.hash(number - 1).ok().flatten() == Some(block.header.parent_hash)
        && justification
            .and_then(|bytes| cpc_consensus::Certificate::decode(&mut &bytes[..]).ok())
            .zip(crate::lbft::committee_at(client, &block.header.parent_hash).ok())
            .is_some_and(|(certificate, committee)| {
                certificate
                    .verify(
                        cpc_consensus::VoteKind::Commit,
                        number,
                        &block.hash(),
                        &committee,
                        &client.info().genesis_hash,
                    )
                    .is_ok()
            });
    if certified {
        log::error!(
            target: "sync",
            "CONFLICTING CERTIFIED HISTORY at #{number}: a peer serves {:?}, certified by the \
             committee that certified this node's {ours:?}. At least f+1 validators signed \
             both: refused; use a checkpoint (--checkpoint) to pin the history you trust",
            block.hash()
        );
        format!("a conflicting certified block at #{number}")
    } else {
        format!("block #{number} is not this node's finalized one and is not certified")
    }
}

impl SyncNetwork for NetworkHandle {
    fn connected(&self) -> Vec<Peer> {
        self.connected_peers()
    }

    fn request(
        &self,
        peer: Peer,
        from: u32,
        max: u32,
    ) -> BoxFuture<'static, Result<Vec<Vec<u8>>, String>> {
        let network = self.clone();
        Box::pin(async move { network.request_blocks(peer, from, max).await })
    }

    fn report(&self, peer: Peer, penalty: Penalty) {
        NetworkHandle::report(self, peer, penalty)
    }
}

/// The chain as sync sees it: imports check every certificate, then LBFT moves on.
pub struct ClientSync {
    /// The client.
    pub client: Arc<Client>,
    /// The engine, told to continue from the new height.
    pub lbft: Option<LbftSender>,
}

impl SyncChain for ClientSync {
    fn finalized(&self) -> u32 {
        self.client.info().finalized_number
    }

    fn import(&self, records: Vec<Vec<u8>>) -> Result<usize, String> {
        let imported = import_records(&self.client, records);
        // Once per answer, whatever it held: what imported is kept.
        self.client.sync_imported().map_err(|e| e.to_string())?;
        imported
    }

    fn resumed(&self) {
        if let Some(lbft) = &self.lbft {
            lbft.resync();
        }
    }
}

fn import_records(client: &Client, records: Vec<Vec<u8>>) -> Result<usize, String> {
    let mut imported = 0;
    for record in records {
        let (block, justification) = cpc_network::decode_record(&record)?;
        let number = block.header.number;
        if let Some(ours) = client.hash(number).map_err(|e| e.to_string())? {
            if ours == block.hash() {
                continue;
            }
            return Err(conflict(client, &block, justification.as_deref(), ours));
        }
        match client.import_block(ImportParams {
            block,
            justification,
            origin: BlockOrigin::Sync,
            finalized: true,
            precomputed: None,
        }) {
            Ok(_) => imported += 1,
            Err(ImportError::AlreadyImported(..)) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(imported)
}
