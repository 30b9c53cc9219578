//! Networks on loopback for the network crate's tests.
#![allow(dead_code)]

use cpc_network::{BlockSource, NetworkConfig, NetworkEvent, NetworkHandle};
use cpc_primitives::H256;
use std::{sync::Arc, time::Duration};
use tokio::sync::mpsc;

pub const GENESIS: H256 = H256([3; 32]);

/// Serves `count` blocks of `size` bytes of junk each, whatever is asked.
pub struct Junk {
    pub count: usize,
    pub size: usize,
}

impl Junk {
    pub fn none() -> Self {
        Self { count: 0, size: 0 }
    }
}

impl BlockSource for Junk {
    fn finalized_blocks(&self, _: u32, max: u32, _: usize) -> Vec<Vec<u8>> {
        vec![vec![7u8; self.size]; self.count.min(max as usize)]
    }
}

pub type Net = (NetworkHandle, mpsc::Receiver<NetworkEvent>);

/// A network on loopback, dialing `bootnodes`.
pub async fn network(source: Junk, bootnodes: Vec<String>) -> Net {
    network_with(source, bootnodes, 32, 8).await
}

/// A network on loopback, dialing `bootnodes`, with peer limits.
pub async fn network_with(
    source: Junk,
    bootnodes: Vec<String>,
    in_peers: u32,
    out_peers: u32,
) -> Net {
    let mut config = NetworkConfig::new(cpc_network::generate_node_key().0, GENESIS);
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
    config.bootnodes = bootnodes.iter().map(|a| a.parse().unwrap()).collect();
    config.in_peers = in_peers;
    config.out_peers = out_peers;
    cpc_network::start(config, Arc::new(source)).unwrap()
}

pub async fn listening(handle: &NetworkHandle) -> String {
    for _ in 0..100 {
        if let Some(address) = handle.listen_addresses().first() {
            return address.to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the network does not listen");
}

/// Waits until `handle` has `count` peers.
pub async fn wait_peers(handle: &NetworkHandle, count: usize) {
    for _ in 0..200 {
        if handle.peers() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(handle.peers(), count, "connected");
}

/// A and B, B dialing A; returns once they are connected and gossip meshes formed.
pub async fn pair(a_source: Junk, b_source: Junk) -> (Net, Net) {
    let a = network(a_source, vec![]).await;
    let address = listening(&a.0).await;
    let b = network(b_source, vec![address]).await;
    wait_peers(&a.0, 1).await;
    wait_peers(&b.0, 1).await;
    // Subscriptions are exchanged and meshes formed on the next heartbeats.
    tokio::time::sleep(Duration::from_secs(2)).await;
    (a, b)
}
