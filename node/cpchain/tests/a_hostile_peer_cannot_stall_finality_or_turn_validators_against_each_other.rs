//! Four validators (real `cpchain` processes) and a hostile peer (a libp2p node of this test,
//! connected to Alice alone) that for 20 s relays forged votes, replays validly signed votes
//! of past heights, floods junk proposals and forged certificates, claims later finalized
//! blocks, and answers sync with junk. Finality continues; no validator bans another (the
//! forged gossip stops at Alice, who bans the hostile peer); Alice's memory stays bounded; and
//! every node holds the same chain.

mod common;

use codec::Encode;
use common::*;
use cpc_consensus::{Certificate, Message, Proposal, SignedProposal, SignedVote, Vote, VoteKind};
use cpc_crypto::sr25519::{Pair, Signature};
use cpc_network::{BlockSource, NetworkConfig, Topic};
use cpc_primitives::{Block, Digest, H256, Header};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

const LONG: Duration = Duration::from_secs(90);
const NAMES: [&str; 4] = ["Alice", "Bob", "Charlie", "Dave"];

/// Answers every sync request with blocks that do not decode.
struct Junk;

impl BlockSource for Junk {
    fn finalized_blocks(&self, _: u32, max: u32, _: usize) -> Vec<Vec<u8>> {
        vec![vec![0xee; 1024]; max.min(8) as usize]
    }
}

fn block(number: u32, parent: H256, salt: u8) -> Block {
    Block {
        header: Header {
            parent_hash: parent,
            number,
            state_root: H256([salt; 32]),
            extrinsics_root: H256([salt; 32]),
            digest: Digest::default(),
        },
        extrinsics: Vec::new(),
    }
}

/// The peer id at the end of a `/p2p/<id>` address.
fn peer_id(address: &str) -> String {
    address.rsplit('/').next().unwrap().to_string()
}

/// Peers a node's log says it banned.
fn banned(node: &Node) -> Vec<String> {
    node.log_text()
        .lines()
        .filter_map(|l| l.split("banning peer ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_hostile_peer_cannot_stall_finality_or_turn_validators_against_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let spec = lbft_spec(dir.path(), "local_lbft", "Local", "local_testnet", 500);
    let (nodes, addresses) = start_validators(dir.path(), &spec, &NAMES);
    let alice = &nodes[0];
    wait_until("four validators finalize", LONG, || {
        nodes.iter().all(|n| finalized_number(n) >= 3)
    });
    let genesis = genesis_hash(alice);
    let rss_before = resident_kib(alice);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let attack = runtime.block_on(async {
        // A banned identity is replaced by a fresh one: identities are free.
        let connect = || async {
            let mut config = NetworkConfig::new(cpc_network::generate_node_key().0, genesis);
            config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
            config.bootnodes = vec![addresses[0].parse().unwrap()];
            // Alice only: nobody else may learn of it and meet it directly.
            config.in_peers = 0;
            config.out_peers = 1;
            let (hostile, events) = cpc_network::start(config, Arc::new(Junk)).unwrap();
            for _ in 0..200 {
                if hostile.peers() == 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(hostile.peers(), 1, "a hostile peer reached Alice");
            // Subscriptions are exchanged right after connecting.
            tokio::time::sleep(Duration::from_millis(500)).await;
            (hostile, events)
        };
        let mut hostile = connect().await;
        let mut identities = vec![hostile.0.local_peer_id().to_string()];
        let start_height = finalized_number(alice);
        let outsider = Pair::from_seed(&[0xee; 32]);
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut sent = 0u32;
        let mut i = 0u32;
        while Instant::now() < deadline {
            if hostile.0.peers() == 0 && identities.len() < 30 {
                hostile = connect().await;
                identities.push(hostile.0.local_peer_id().to_string());
            }
            i += 1;
            let top = finalized_number(alice);
            let height = top + 1;
            let salt = (i % 251) as u8;
            let mut messages: Vec<Message<Block>> = Vec::new();
            // Forged votes at the current height: an index outside the committee, and a
            // validator's index with someone else's signature.
            for validator in [999u16, 1] {
                let vote = Vote {
                    kind: VoteKind::Prepare,
                    height,
                    round: 0,
                    hash: H256([salt; 32]),
                };
                messages.push(Message::Vote(SignedVote::sign(
                    vote, validator, &outsider, &genesis,
                )));
            }
            // A validly signed commit vote of a past height, straight from a certificate.
            let past = 1 + i % top.max(1);
            let certificate = commit_certificate(alice, past);
            let (index, signature) =
                certificate.signatures[i as usize % certificate.signatures.len()];
            messages.push(Message::Vote(SignedVote {
                vote: Vote {
                    kind: VoteKind::Commit,
                    height: past,
                    round: certificate.round,
                    hash: certificate.hash,
                },
                validator: index,
                signature,
            }));
            // Junk proposals for this height and the next ones, signed by nobody elected.
            for ahead in 0..3u32 {
                let junk = block(height + ahead, H256([salt; 32]), salt);
                let proposal = Proposal {
                    height: height + ahead,
                    round: 0,
                    block: junk.clone(),
                    prepared: None,
                };
                let payload = proposal.signing_payload(&genesis, &junk.hash());
                messages.push(Message::Proposal(SignedProposal {
                    signature: outsider.sign(&payload),
                    proposal,
                    proposer: outsider.public(),
                }));
            }
            // Forged certificates: a decision at this height, a "finalized" block far ahead.
            let forged = Certificate {
                kind: VoteKind::Commit,
                height,
                round: 0,
                hash: H256([salt; 32]),
                signatures: vec![
                    (0, Signature([salt; 64])),
                    (1, Signature([salt; 64])),
                    (2, Signature([salt; 64])),
                ],
            };
            messages.push(Message::Decided(forged.clone()));
            messages.push(Message::Finalized(
                block(height + 5, H256([salt; 32]), salt),
                Certificate {
                    height: height + 5,
                    ..forged
                },
            ));
            for message in messages {
                hostile.0.publish(Topic::Consensus, message.encode());
                sent += 1;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A real equivocation, relayed by an outsider (anyone may carry evidence): Dave's
        // conflicting prepares at the coming heights.
        let (dave_index, _) = committee_member(alice, "Dave");
        let (dave, _) = Pair::from_suri("//Dave").unwrap();
        let relay = connect().await;
        let height = finalized_number(alice) + 1;
        let mut evidence = Vec::new();
        for h in [height, height + 1] {
            for n in [1u8, 2] {
                let vote = Vote {
                    kind: VoteKind::Prepare,
                    height: h,
                    round: 0,
                    hash: H256([n; 32]),
                };
                let message =
                    Message::<Block>::Vote(SignedVote::sign(vote, dave_index, &dave, &genesis));
                relay.0.publish(Topic::Consensus, message.encode());
                evidence.push(message.encode());
            }
        }
        (identities, start_height, sent, relay, evidence)
    });
    let (identities, start_height, sent, (relay, _relay_events), evidence) = attack;
    eprintln!(
        "{} hostile identities sent {sent} messages",
        identities.len()
    );

    // Finality went on during the attack (40 periods of 500 ms; a quorum needs Alice's vote
    // or all three others).
    let after = finalized_number(alice);
    assert!(
        after >= start_height + 10,
        "finalized {start_height} -> {after} under attack"
    );
    wait_until("every validator keeps finalizing", LONG, || {
        nodes.iter().all(|n| finalized_number(n) >= after + 3)
    });
    // Nobody banned an honest validator; Alice banned the hostile peer.
    let honest: Vec<String> = addresses.iter().map(|a| peer_id(a)).collect();
    for (name, node) in NAMES.iter().zip(&nodes) {
        let bans = banned(node);
        assert!(
            !bans.iter().any(|b| honest.contains(b)),
            "{name} banned an honest validator: {bans:?}"
        );
    }
    let alice_bans = banned(alice);
    assert!(
        identities.iter().any(|id| alice_bans.contains(id)),
        "Alice banned the hostile peers: {alice_bans:?}"
    );
    // Memory stayed bounded: buffers of future messages are capped, junk was not kept.
    let rss_after = resident_kib(alice);
    eprintln!("Alice: {rss_before} KiB before, {rss_after} KiB after the attack");
    assert!(
        rss_after < rss_before + 200 * 1024,
        "{rss_before} -> {rss_after} KiB"
    );
    // Every node saw the evidence and reported it unsigned (no funds needed): the first
    // report made it into a block and Dave's bond was slashed once.
    let (_, dave) = committee_member(alice, "Dave");
    let slashed_at = |node: &Node, h: u32| -> Vec<cpc_primitives::AccountId> {
        use cpc_primitives::hashing::{twox_64, twox_128};
        let key = [
            twox_128(b"HybridConsensus").to_vec(),
            twox_128(b"Slashed").to_vec(),
            twox_64(&h.encode()).to_vec(),
            h.encode(),
        ]
        .concat();
        storage(node, &key, None)
            .map(|bytes| codec::Decode::decode(&mut &bytes[..]).unwrap())
            .unwrap_or_default()
    };
    wait_until("Dave's equivocation is slashed", LONG, || {
        // Published again at every look: a publish before the relay learnt Alice's
        // subscription reached nobody and was not kept; one that went out is refused as a
        // duplicate, so nothing is sent twice.
        for message in &evidence {
            relay.publish(Topic::Consensus, message.clone());
        }
        let top = finalized_number(alice);
        (after.saturating_sub(2)..=top).any(|h| slashed_at(alice, h).contains(&dave.account))
    });

    // The same chain everywhere.
    let top = nodes.iter().map(finalized_number).min().unwrap();
    for height in 1..=top {
        let hashes: Vec<String> = nodes.iter().map(|n| block_hash(n, height)).collect();
        assert!(
            hashes.iter().all(|h| *h == hashes[0]),
            "height {height}: {hashes:?}"
        );
    }
    drop(runtime);
}
