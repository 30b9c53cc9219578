//! Hostile input to a validator: garbage, oversized messages, votes of non-members, forged
//! signatures, far-future heights and rounds, proposals from the wrong proposer, forged
//! certificates and floods. Each is dropped and reported as an offence of the peer that sent
//! it; nothing panics, memory stays bounded, and the validator keeps finalizing.

mod common;

use codec::Encode;
use common::*;
use cpc_consensus::{
    Certificate, ConsensusBlock, Message, Offence, Proposal, SignedProposal, SignedVote, Vote,
    VoteKind,
    engine::MAX_BUFFERED,
    simulation::{GENESIS, NetworkConfig, SimBlock, Simulation, node_key},
    types::MAX_MESSAGE_SIZE,
};
use cpc_crypto::sr25519::Pair;
use cpc_primitives::H256;

const MALLORY: usize = 99;

fn network() -> Simulation {
    let (behaviors, proposers) = honest(4);
    sim(7, &behaviors, 4, &proposers, NetworkConfig::default())
}

fn vote(height: u32, round: u32, hash: H256) -> Vote {
    Vote {
        kind: VoteKind::Prepare,
        height,
        round,
        hash,
    }
}

fn signed(v: Vote, index: u16, key: &Pair) -> Vec<u8> {
    Message::<SimBlock>::Vote(SignedVote::sign(v, index, key, &GENESIS)).encode()
}

/// The offences node 0 recorded against Mallory since `from`.
fn offences_since(sim: &Simulation, from: usize) -> Vec<Offence> {
    sim.nodes[0].offences[from..]
        .iter()
        .filter(|(peer, _)| *peer == MALLORY)
        .map(|(_, o)| o.clone())
        .collect()
}

#[test]
fn each_kind_of_bad_message_is_dropped_and_named() {
    let mut sim = network();
    let outsider = Pair::from_seed(&[0xee; 32]);
    let block = H256([1; 32]);
    let cases: Vec<(&str, Vec<u8>, Offence)> = vec![
        ("garbage", vec![7, 7, 7, 7], Offence::Malformed),
        (
            "oversized",
            vec![0; MAX_MESSAGE_SIZE + 1],
            Offence::Malformed,
        ),
        (
            "a vote of index 9 in a committee of 4",
            signed(vote(1, 0, block), 9, &outsider),
            Offence::NotAValidator,
        ),
        (
            "a vote of validator 1 signed by someone else",
            signed(vote(1, 0, block), 1, &outsider),
            Offence::BadSignature,
        ),
        (
            "a vote of another chain",
            Message::<SimBlock>::Vote(SignedVote::sign(
                vote(1, 0, block),
                1,
                &node_key(1),
                &H256([2; 32]),
            ))
            .encode(),
            Offence::BadSignature,
        ),
        (
            "a vote a hundred heights ahead",
            signed(vote(101, 0, block), 1, &node_key(1)),
            Offence::FarFuture,
        ),
    ];
    for (what, bytes, offence) in cases {
        let before = sim.nodes[0].offences.len();
        sim.inject(0, MALLORY, &bytes);
        assert_eq!(offences_since(&sim, before), vec![offence], "{what}");
        assert_eq!(sim.nodes[0].engine.height(), 1, "{what}");
        assert_eq!(sim.nodes[0].engine.round(), 0, "{what}");
    }
    assert!(
        sim.run_until_height(3, 30_000),
        "the validator keeps finalizing"
    );
    sim.check_agreement();
}

#[test]
fn proposals_and_certificates_that_break_the_rules_are_refused() {
    let mut sim = network();
    // Height 1's round-0 proposer is node 0; node 2 proposes instead.
    let block = SimBlock {
        height: 1,
        parent: GENESIS,
        round: 0,
        author: 2,
        payload: 5,
        valid: true,
    };
    let proposal = Proposal {
        height: 1,
        round: 0,
        block: block.clone(),
        prepared: None,
    };
    let hash = block.hash();
    let payload = proposal.signing_payload(&GENESIS, &hash);
    let wrong = SignedProposal {
        signature: node_key(2).sign(&payload),
        proposal: proposal.clone(),
        proposer: node_key(2).public(),
    };
    let before = sim.nodes[1].offences.len();
    sim.inject(1, MALLORY, &Message::Proposal(wrong).encode());
    // The right proposer's key, a signature by someone else.
    let forged = SignedProposal {
        signature: node_key(2).sign(&payload),
        proposal,
        proposer: node_key(0).public(),
    };
    sim.inject(1, MALLORY, &Message::Proposal(forged).encode());
    // A "finalized" block whose certificate has two signatures, one of them repeated.
    let commit = Vote {
        kind: VoteKind::Commit,
        ..vote(1, 0, hash)
    };
    let s = SignedVote::sign(commit, 2, &node_key(2), &GENESIS).signature;
    let short = Certificate {
        kind: VoteKind::Commit,
        height: 1,
        round: 0,
        hash,
        signatures: vec![(2, s), (2, s), (3, s)],
    };
    sim.inject(
        1,
        MALLORY,
        &Message::Finalized(block.clone(), short).encode(),
    );
    let offences: Vec<Offence> = sim.nodes[1].offences[before..]
        .iter()
        .map(|(_, o)| o.clone())
        .collect();
    assert_eq!(
        offences,
        vec![
            Offence::WrongProposer,
            Offence::BadSignature,
            Offence::InvalidCertificate
        ]
    );
    assert!(sim.run_until_height(2, 30_000));
    assert_ne!(
        sim.check_agreement()[0].hash(),
        hash,
        "the forged block was not finalized"
    );
}

#[test]
fn a_flood_of_future_votes_is_bounded() {
    let mut sim = network();
    // Every validator but node 0 floods it with votes for the coming heights.
    for validator in 1..4u16 {
        let key = node_key(usize::from(validator));
        for i in 0..(MAX_BUFFERED as u32 / 2) {
            let v = vote(2 + i % 7, i % 16, H256([i as u8; 32]));
            sim.inject(0, MALLORY, &signed(v, validator, &key));
        }
    }
    // Each validator gets an equal share of the buffer.
    assert_eq!(sim.nodes[0].engine.buffered(), 3 * (MAX_BUFFERED / 4));
    assert!(
        sim.run_until_height(3, 30_000),
        "the validator keeps finalizing"
    );
    assert!(
        sim.nodes[0].engine.buffered() < MAX_BUFFERED,
        "past heights are dropped"
    );
    sim.check_agreement();
}

#[test]
fn conflicting_votes_become_evidence_once() {
    let mut sim = network();
    let key = node_key(2);
    for byte in [1, 2, 3] {
        sim.inject(0, MALLORY, &signed(vote(1, 0, H256([byte; 32])), 2, &key));
    }
    // The same vote again is a gossip duplicate, not evidence.
    sim.inject(0, MALLORY, &signed(vote(1, 0, H256([1; 32])), 2, &key));
    let evidence = &sim.nodes[0].evidence;
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].first.validator, 2);
    assert_eq!(evidence[0].first.vote.hash, H256([1; 32]));
    assert_eq!(evidence[0].second.vote.hash, H256([2; 32]));
}

#[test]
fn a_forged_prepare_certificate_neither_passes_nor_moves_the_lock() {
    let mut sim = network();
    // A real round-0 proposal by node 0 (height 1's proposer), with a junk certificate of
    // round 999 attached by a relay.
    let block = SimBlock {
        height: 1,
        parent: GENESIS,
        round: 0,
        author: 0,
        payload: 1,
        valid: true,
    };
    let junk = Certificate {
        kind: VoteKind::Prepare,
        height: 1,
        round: 999,
        hash: block.hash(),
        signatures: vec![],
    };
    let proposal = |round: u32, block: SimBlock, prepared: Option<Certificate>| {
        let proposal = Proposal {
            height: 1,
            round,
            block,
            prepared,
        };
        let leader = if round == 0 {
            0
        } else {
            ((1 + round) % 4) as usize
        };
        let payload = proposal.signing_payload(&GENESIS, &proposal.block.hash());
        Message::Proposal(SignedProposal {
            signature: node_key(leader).sign(&payload),
            proposal,
            proposer: node_key(leader).public(),
        })
        .encode()
    };
    let before = sim.nodes[1].offences.len();
    sim.inject(1, MALLORY, &proposal(0, block.clone(), Some(junk.clone())));
    // An impeach-round proposal of a normal block whose certificate has too few signatures.
    sim.inject(
        1,
        MALLORY,
        &proposal(1, block.clone(), Some(Certificate { round: 0, ..junk })),
    );
    let offences: Vec<Offence> = sim.nodes[1].offences[before..]
        .iter()
        .map(|(_, o)| o.clone())
        .collect();
    assert_eq!(
        offences,
        vec![Offence::InvalidCertificate, Offence::InvalidCertificate]
    );
    assert_eq!(sim.nodes[1].engine.locked(), None);
}

#[test]
fn votes_of_f_plus_one_validators_far_ahead_pull_a_lagging_node_along() {
    let mut sim = network();
    sim.inject(
        0,
        MALLORY,
        &signed(vote(1, 40, H256([4; 32])), 1, &node_key(1)),
    );
    assert_eq!(sim.nodes[0].engine.round(), 0, "one validator may be lying");
    sim.inject(
        0,
        MALLORY,
        &signed(vote(1, 41, H256([4; 32])), 2, &node_key(2)),
    );
    assert_eq!(
        sim.nodes[0].engine.round(),
        40,
        "f+1 = 2 validators are at round 40 or later"
    );
    assert!(
        offences_since(&sim, 0).is_empty(),
        "signed votes far ahead are no offence"
    );
}

#[test]
fn future_proposals_are_kept_once_per_height_and_round() {
    let mut sim = network();
    for payload in 0..50u64 {
        let block = SimBlock {
            height: 3,
            parent: H256([9; 32]),
            round: 0,
            author: 2,
            payload,
            valid: true,
        };
        let proposal = Proposal {
            height: 3,
            round: 0,
            block,
            prepared: None,
        };
        let payload = proposal.signing_payload(&GENESIS, &proposal.block.hash());
        let message = Message::Proposal(SignedProposal {
            signature: node_key(2).sign(&payload),
            proposal,
            proposer: node_key(2).public(),
        });
        sim.inject(0, MALLORY, &message.encode());
    }
    assert_eq!(sim.nodes[0].engine.buffered(), 1);
}

/// Found by the `lbft` fuzz target: a correctly signed vote of a finished height, relayed by a
/// peer outside the committee, is answered with that height's block sent to the peer alone,
/// and the simulator used to deliver the answer to a node it does not have.
#[test]
fn an_old_vote_from_an_outside_peer_is_answered_and_the_network_goes_on() {
    let mut sim = network();
    assert!(sim.run_until_height(2, 60_000));
    let first = sim.nodes[0].chain.blocks().next().unwrap().clone();
    let old = signed(vote(1, 0, first.hash()), 1, &node_key(1));
    sim.inject(0, MALLORY, &old);
    let now = 60_000;
    let target = sim.min_honest_height() + 2;
    assert!(sim.run_until_height(target, now + 60_000));
    sim.check_agreement();
}
