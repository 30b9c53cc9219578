//! The node's side of the peer-to-peer network: gossiped transactions into the pool, pool
//! transactions out, LBFT messages both ways, and block sync when a peer has finalized further.

use crate::{
    lbft::{Input, LbftSender},
    pool::PoolApi,
};
use codec::Encode;
use cpc_client::{BlockOrigin, Client, ImportError, ImportParams};
use cpc_consensus::{Offence, Output};
use cpc_network::{
    BlockSource, MAX_SYNC_BLOCKS, NetworkEvent, NetworkHandle, Peer, Penalty, Topic,
};
use cpc_primitives::{Block, transaction_validity::TransactionSource};
use cpc_txpool::Pool;
use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
};
use tokio::sync::mpsc;

/// What sync knows about the chain beyond this node: whether it is downloading blocks, and
/// the highest block a peer is known to have finalized.
#[derive(Default)]
pub struct SyncStatus {
    syncing: AtomicBool,
    highest: AtomicU32,
}

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
    fn finalized_blocks(&self, from: u32, max: u32) -> Vec<Vec<u8>> {
        let last = self.0.info().finalized_number;
        let mut records = Vec::new();
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
            records.push(cpc_network::encode_record(&block, &justification));
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

/// What LBFT's engine asks of the network, carried out from the engine's thread.
pub fn lbft_outbound(
    network: NetworkHandle,
    sync: mpsc::UnboundedSender<(Peer, u32)>,
) -> impl Fn(Output<Block, String>) + Send + 'static {
    move |output| match output {
        Output::Broadcast(message) => network.publish(Topic::Consensus, message.encode()),
        // Gossip has no direct messages: a peer that is behind also hears the broadcast, and
        // syncs when it sees finalized blocks ahead of it.
        Output::Send(_, message) => network.publish(Topic::Consensus, message.encode()),
        Output::Offence(peer, offence) => {
            if let Ok(peer) = peer.parse::<Peer>() {
                let penalty = match offence {
                    Offence::FarFuture => Penalty::Minor,
                    _ => Penalty::Invalid,
                };
                network.report(peer, penalty);
            }
        }
        Output::Behind(peer, height) => {
            if let Ok(peer) = peer.parse::<Peer>() {
                let _ = sync.send((peer, height));
            }
        }
        _ => {}
    }
}

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
                    data,
                } => {
                    if let Some(lbft) = &lbft {
                        lbft.send(Input::Message(from.to_string(), data));
                    }
                }
                NetworkEvent::Gossip {
                    topic: Topic::Transactions,
                    from,
                    data,
                } => {
                    let Some(batch) = cpc_network::decode_transactions(&data) else {
                        continue;
                    };
                    let pool = pool.clone();
                    let network = network.clone();
                    tokio::task::spawn_blocking(move || {
                        use cpc_txpool::PoolError;
                        // Invalid transactions cost their relay a little: they may have been
                        // valid when it checked them. Once per message, however many.
                        let mut invalid = false;
                        for xt in batch {
                            if let Err(PoolError::Invalid(_)) =
                                pool.submit(TransactionSource::External, xt)
                            {
                                invalid = true;
                            }
                        }
                        if invalid {
                            network.report(from, Penalty::Minor);
                        }
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

/// Downloads and imports finalized blocks from peers that are ahead, checking every
/// certificate on import, then lets LBFT continue from the new height.
pub fn spawn_sync(
    mut requests: mpsc::UnboundedReceiver<(Peer, u32)>,
    network: NetworkHandle,
    client: Arc<Client>,
    lbft: Option<LbftSender>,
    status: Arc<SyncStatus>,
) {
    tokio::spawn(async move {
        while let Some((peer, height)) = requests.recv().await {
            // Requests that piled up while syncing are mostly stale: keep the last.
            let (mut peer, mut height) = (peer, height);
            while let Ok((p, h)) = requests.try_recv() {
                (peer, height) = (p, h);
            }
            status.highest.fetch_max(height, Ordering::Relaxed);
            status.syncing.store(true, Ordering::Relaxed);
            loop {
                let from = client.info().finalized_number + 1;
                if from > height {
                    break;
                }
                let records = match network.request_blocks(peer, from, MAX_SYNC_BLOCKS).await {
                    Ok(records) => records,
                    Err(why) => {
                        log::debug!(target: "sync", "{why}");
                        break;
                    }
                };
                let count = records.len();
                let client = client.clone();
                let imported =
                    tokio::task::spawn_blocking(move || import_records(&client, records))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()));
                match imported {
                    Ok(n) => {
                        log::info!(target: "sync", "Imported {n} blocks from {peer}");
                        if let Some(lbft) = &lbft {
                            lbft.send(Input::Resync);
                        }
                    }
                    Err(why) => {
                        log::warn!(target: "sync", "blocks from {peer} refused: {why}");
                        network.report(peer, Penalty::Invalid);
                        break;
                    }
                }
                if count < MAX_SYNC_BLOCKS as usize {
                    break;
                }
            }
            status.syncing.store(false, Ordering::Relaxed);
        }
    });
}

fn import_records(client: &Client, records: Vec<Vec<u8>>) -> Result<usize, String> {
    let mut imported = 0;
    for record in records {
        let (block, justification) = cpc_network::decode_record(&record)?;
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
