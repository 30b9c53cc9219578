//! Three networks in a line, H - A - B, H hostile: gossip goes no further than its node's
//! verdict lets it. What A's node rejects never reaches B, costs H (who sent it to A), and
//! never costs A in B's eyes; what A's node accepts reaches B; what it ignores goes nowhere and
//! costs nobody. Direct messages reach one peer only, within a budget.

mod common;

use codec::Encode;
use common::{Junk, Net, listening, network, network_with, wait_peers};
use cpc_consensus::{Message, SignedVote, Vote, VoteKind};
use cpc_network::{NetworkEvent, NetworkHandle, Peer as PeerId, Topic, Verdict};
use cpc_primitives::{Block, H256, sr25519::Signature};
use std::time::Duration;
use tokio::sync::mpsc;

/// A well-formed vote whose hash is `n` repeated: the test nodes judge by `n`.
fn vote(n: u8) -> Vec<u8> {
    Message::<Block>::Vote(SignedVote {
        vote: Vote {
            kind: VoteKind::Prepare,
            height: 1,
            round: u32::from(n),
            hash: H256([n; 32]),
        },
        validator: 0,
        signature: Signature([n; 64]),
    })
    .encode()
}

/// The marker of a vote made by [`vote`].
fn marker(data: &[u8]) -> u8 {
    let Ok(Message::<Block>::Vote(v)) = Message::decode_bounded(data) else {
        return 0;
    };
    v.vote.hash.0[0]
}

/// What a test node saw: from whom, whether directly, and the marker.
type Seen = (PeerId, bool, u8);

/// A node that judges gossip by its marker (1..=99 accepted, 100..=199 ignored, the rest
/// rejected) and reports every message it sees.
fn judge(
    mut events: mpsc::Receiver<NetworkEvent>,
    network: NetworkHandle,
) -> mpsc::UnboundedReceiver<Seen> {
    let (seen, seen_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                NetworkEvent::Gossip { id, from, data, .. } => {
                    let n = marker(&data);
                    let verdict = match n {
                        1..=99 => Verdict::Accept,
                        100..=199 => Verdict::Ignore,
                        _ => Verdict::Reject,
                    };
                    network.validated(id, verdict);
                    let _ = seen.send((from, false, n));
                }
                NetworkEvent::Direct { from, data } => {
                    let _ = seen.send((from, true, marker(&data)));
                }
                _ => {}
            }
        }
    });
    seen_rx
}

/// What arrived within `wait`: `(direct, marker)` of each message relayed by `via` (any
/// peer if `None`).
async fn collect_from(
    seen: &mut mpsc::UnboundedReceiver<Seen>,
    via: Option<PeerId>,
    wait: Duration,
) -> Vec<(bool, u8)> {
    let mut all = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some((from, direct, n))) = tokio::time::timeout_at(deadline, seen.recv()).await {
        if via.is_none_or(|via| via == from) {
            all.push((direct, n));
        }
    }
    all
}

async fn collect(seen: &mut mpsc::UnboundedReceiver<Seen>, wait: Duration) -> Vec<(bool, u8)> {
    collect_from(seen, None, wait).await
}

/// H - A - B: A listens, H and B dial it. Neither H nor B takes any other connection (one
/// outbound, no inbound), so discovery cannot join them and all between them crosses A.
async fn line() -> (Net, Net, Net) {
    let a = network(Junk::none(), vec![]).await;
    let address = listening(&a.0).await;
    let h = network_with(Junk::none(), vec![address.clone()], 0, 1).await;
    let b = network_with(Junk::none(), vec![address], 0, 1).await;
    wait_peers(&a.0, 2).await;
    wait_peers(&h.0, 1).await;
    wait_peers(&b.0, 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    (h, a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_gossip_stops_at_the_first_honest_node_and_costs_only_its_sender() {
    let ((h, _h_events), (a, a_events), (b, b_events)) = line().await;
    let mut a_seen = judge(a_events, a.clone());
    let mut b_seen = judge(b_events, b.clone());
    let via_a = Some(a.local_peer_id());

    // One acceptable vote crosses A to B.
    h.publish(Topic::Consensus, vote(1));
    assert_eq!(
        collect_from(&mut b_seen, via_a, Duration::from_secs(5)).await,
        vec![(false, 1)]
    );
    // An ignored one stops at A and costs nobody.
    h.publish(Topic::Consensus, vote(150));
    assert!(
        collect_from(&mut b_seen, via_a, Duration::from_secs(2))
            .await
            .is_empty()
    );
    // Forged ones (rejected by A's node) stop at A, each charged to H, which A then bans.
    for n in 200..206u8 {
        h.publish(Topic::Consensus, vote(n));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let at_a = collect(&mut a_seen, Duration::from_secs(3)).await;
    assert!(
        at_a.contains(&(false, 1)) && at_a.contains(&(false, 150)),
        "{at_a:?}"
    );
    assert!(
        at_a.iter().filter(|(_, n)| *n >= 200).count() >= 4,
        "{at_a:?}"
    );
    assert!(
        collect_from(&mut b_seen, via_a, Duration::from_secs(2))
            .await
            .is_empty(),
        "A relayed nothing forged"
    );
    for _ in 0..100 {
        if !a.connected_peers().contains(&h.local_peer_id()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !a.connected_peers().contains(&h.local_peer_id()),
        "A banned H"
    );
    // A is still B's peer, in good standing: its accepted gossip still flows.
    assert!(b.connected_peers().contains(&a.local_peer_id()));
    a.publish(Topic::Consensus, vote(2));
    assert_eq!(
        collect_from(&mut b_seen, via_a, Duration::from_secs(5)).await,
        vec![(false, 2)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_message_reaches_its_peer_alone_within_a_budget() {
    let ((h, h_events), (a, a_events), (b, b_events)) = line().await;
    let mut h_seen = judge(h_events, h.clone());
    let mut a_seen = judge(a_events, a.clone());
    let mut b_seen = judge(b_events, b.clone());

    a.send_direct(b.local_peer_id(), vote(7));
    assert_eq!(
        collect(&mut b_seen, Duration::from_secs(5)).await,
        vec![(true, 7)]
    );
    assert!(
        collect(&mut h_seen, Duration::from_secs(1))
            .await
            .is_empty(),
        "H got nothing"
    );

    // H floods A with 40 direct messages in about two and a half seconds (its own side lets
    // one be in flight at a time, so they are paced to let a loaded machine finish each): A
    // delivers a burst of 8 and what the budget refills (2 a second), and drops the rest.
    let start = tokio::time::Instant::now();
    for n in 0..40u8 {
        h.send_direct(a.local_peer_id(), vote(n + 10));
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let elapsed = start.elapsed();
    let delivered = collect(&mut a_seen, Duration::from_secs(2)).await;
    let direct = delivered.iter().filter(|(direct, _)| *direct).count();
    let allowed = 8 + (elapsed.as_millis() / 500) as usize + 1;
    assert!(direct >= 8, "the burst is delivered: {direct}");
    assert!(
        direct <= allowed,
        "{direct} delivered, {allowed} allowed in {elapsed:?}"
    );
    assert!(
        collect(&mut b_seen, Duration::from_millis(500))
            .await
            .is_empty(),
        "B got none"
    );
}
