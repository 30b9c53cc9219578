//! Two networks on loopback: a peer that gossips garbage is rejected, scored down and banned;
//! sync answers are bounded however large the blocks a peer serves; well-formed gossip flows.

mod common;

use codec::Encode;
use common::{Junk, pair};
use cpc_consensus::{Message, SignedVote, Vote, VoteKind};
use cpc_network::{MAX_SYNC_BLOCKS, NetworkEvent, Topic};
use cpc_primitives::{Block, H256, sr25519::Signature};
use std::time::Duration;
use tokio::sync::mpsc;

fn vote(n: u8) -> Vec<u8> {
    Message::<Block>::Vote(SignedVote {
        vote: Vote {
            kind: VoteKind::Prepare,
            height: 1,
            round: 0,
            hash: H256([n; 32]),
        },
        validator: 0,
        signature: Signature([n; 64]),
    })
    .encode()
}

async fn next_gossip(
    events: &mut mpsc::Receiver<NetworkEvent>,
    limit: Duration,
) -> Option<Vec<u8>> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(NetworkEvent::Gossip { data, .. })) => return Some(data),
            Ok(Some(_)) => continue,
            _ => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_formed_gossip_arrives_and_garbage_gets_its_sender_banned() {
    let ((a, mut a_events), (b, _b_events)) = pair(Junk::none(), Junk::none()).await;
    // A well-formed consensus message is delivered to the node (signatures are its business).
    b.publish(Topic::Consensus, vote(1));
    assert_eq!(
        next_gossip(&mut a_events, Duration::from_secs(10)).await,
        Some(vote(1))
    );
    // So is a batch of transactions, whole.
    let batch = [
        cpc_primitives::OpaqueExtrinsic(vec![4, 1, 2, 3]),
        cpc_primitives::OpaqueExtrinsic(vec![4, 5]),
    ];
    b.publish(
        Topic::Transactions,
        cpc_network::encode_transactions(&batch),
    );
    let received = next_gossip(&mut a_events, Duration::from_secs(10))
        .await
        .expect("the batch arrives");
    assert_eq!(
        cpc_network::decode_transactions(&received),
        Some(batch.to_vec())
    );
    // Garbage on both topics is not delivered, and each piece costs the sender.
    for n in 0..6u8 {
        let topic = if n % 2 == 0 {
            Topic::Consensus
        } else {
            Topic::Transactions
        };
        b.publish(topic, vec![0xff, n, 0xff, 0xff]);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        next_gossip(&mut a_events, Duration::from_secs(2)).await,
        None
    );
    // Below the ban score A disconnects B and refuses it.
    for _ in 0..100 {
        if a.peers() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(a.peers(), 0, "the garbage sender was banned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_answers_stay_within_their_bounds() {
    // A serves 1,000 blocks of 1 MiB each: far more than one answer may carry.
    let ((a, _a_events), (b, _b_events)) = pair(
        Junk {
            count: 1000,
            size: 1024 * 1024,
        },
        Junk::none(),
    )
    .await;
    let blocks = b
        .request_blocks(a.local_peer_id(), 1, 10_000)
        .await
        .expect("an answer");
    assert!(blocks.len() <= MAX_SYNC_BLOCKS as usize);
    let bytes: usize = blocks.iter().map(Vec::len).sum();
    assert!(bytes <= cpc_network::MAX_SYNC_RESPONSE_BYTES, "{bytes}");
    assert!(!blocks.is_empty());
}
