//! The engine's verdict on each message decides whether gossip forwards it and whether the
//! peer that relayed it pays. A relay pays only for what any honest node at the message's
//! height would have refused (bad bytes, signatures, committee membership, the round's
//! proposer, certificates); what it cannot judge (future heights, far rounds), what is stale,
//! and what is its signed author's fault is dropped without blame. Old votes buy a peer at
//! most one direct answer per height, never a broadcast. A validator whose saved votes are
//! ahead of its chain signs nothing until the chain catches up.

mod common;

use codec::Encode;
use common::*;
use cpc_consensus::{
    Certificate, Chain, ConsensusBlock, Message, Output, Persisted, Proposal, SignedProposal,
    SignedVote, Verdict, Vote, VoteKind,
    simulation::{GENESIS, NetworkConfig, SimBlock, Simulation, node_key},
};
use cpc_crypto::sr25519::Pair;
use cpc_primitives::H256;

const MALLORY: usize = 99;

fn network() -> Simulation {
    let (behaviors, proposers) = honest(4);
    sim(7, &behaviors, 4, &proposers, NetworkConfig::default())
}

fn vote(kind: VoteKind, height: u32, round: u32, hash: H256) -> Vote {
    Vote {
        kind,
        height,
        round,
        hash,
    }
}

fn signed(v: Vote, index: u16, key: &Pair) -> Vec<u8> {
    Message::<SimBlock>::Vote(SignedVote::sign(v, index, key, &GENESIS)).encode()
}

/// A certificate of `kind` for `hash` at `height`, signed by validators `signers`.
fn certificate(kind: VoteKind, height: u32, hash: H256, signers: &[u16]) -> Certificate {
    Certificate {
        kind,
        height,
        round: 0,
        hash,
        signatures: signers
            .iter()
            .map(|i| {
                let v = vote(kind, height, 0, hash);
                (
                    *i,
                    SignedVote::sign(v, *i, &node_key(usize::from(*i)), &GENESIS).signature,
                )
            })
            .collect(),
    }
}

/// Hands `bytes` to node `to` from Mallory without carrying out what it does: the verdict and
/// the outputs, to look at.
fn deliver(
    sim: &mut Simulation,
    to: usize,
    bytes: &[u8],
) -> (Verdict, Vec<Output<SimBlock, usize>>) {
    let node = &mut sim.nodes[to];
    let verdict = node.engine.on_bytes(MALLORY, bytes, &mut node.chain);
    (verdict, node.engine.drain())
}

fn proposal(height: u32, round: u32, payload: u64, signer: usize) -> Vec<u8> {
    let block = SimBlock {
        height,
        parent: GENESIS,
        round,
        author: signer as u16,
        payload,
        valid: true,
    };
    let proposal = Proposal {
        height,
        round,
        block,
        prepared: None,
    };
    let payload = proposal.signing_payload(&GENESIS, &proposal.block.hash());
    Message::Proposal(SignedProposal {
        signature: node_key(signer).sign(&payload),
        proposal,
        proposer: node_key(signer).public(),
    })
    .encode()
}

#[test]
fn each_message_gets_the_verdict_a_relay_deserves() {
    let mut sim = network();
    let block = H256([1; 32]);
    let outsider = Pair::from_seed(&[0xee; 32]);
    let prepare = vote(VoteKind::Prepare, 1, 0, block);
    let cases: Vec<(&str, Vec<u8>, Verdict)> = vec![
        // Valid and new at this height: forwarded.
        (
            "a validator's vote",
            signed(prepare, 1, &node_key(1)),
            Verdict::Accept,
        ),
        (
            "the same vote again",
            signed(prepare, 1, &node_key(1)),
            Verdict::Ignore,
        ),
        // What every node at height 1 checks the same way: the relay is at fault.
        ("garbage", vec![7, 7, 7], Verdict::Reject),
        (
            "a vote of index 9",
            signed(prepare, 9, &outsider),
            Verdict::Reject,
        ),
        (
            "a forged signature",
            signed(prepare, 2, &outsider),
            Verdict::Reject,
        ),
        (
            "a proposal by the wrong proposer",
            proposal(1, 0, 5, 2),
            Verdict::Reject,
        ),
        (
            "a decision whose certificate is short",
            Message::<SimBlock>::Decided(certificate(VoteKind::Commit, 1, block, &[1, 2])).encode(),
            Verdict::Reject,
        ),
        (
            "a decision certified by prepares",
            Message::<SimBlock>::Decided(certificate(VoteKind::Prepare, 1, block, &[1, 2, 3]))
                .encode(),
            Verdict::Reject,
        ),
        // A validly signed vote of a later height: kept, judged when this node gets there.
        (
            "a vote two heights ahead",
            signed(vote(VoteKind::Prepare, 3, 0, block), 1, &node_key(1)),
            Verdict::Defer,
        ),
        // What a relay at another height or round may see differently: nobody's fault here,
        // and not forwarded.
        (
            "a vote a hundred heights ahead",
            signed(vote(VoteKind::Prepare, 101, 0, block), 1, &node_key(1)),
            Verdict::Ignore,
        ),
        (
            "a proposal a hundred rounds ahead",
            proposal(1, 100, 5, 1),
            Verdict::Ignore,
        ),
        (
            "a future proposal by anyone",
            proposal(4, 0, 5, 2),
            Verdict::Ignore,
        ),
    ];
    for (what, bytes, expected) in cases {
        let (verdict, _) = deliver(&mut sim, 0, &bytes);
        assert_eq!(verdict, expected, "{what}");
    }
    assert!(
        sim.run_until_height(3, 30_000),
        "the validator keeps finalizing"
    );
    sim.check_agreement();
}

#[test]
fn an_old_vote_buys_one_direct_answer_per_height_never_a_broadcast() {
    let mut sim = network();
    assert!(sim.run_until_height(4, 30_000));
    let finalized = |sim: &Simulation, h: u32| sim.check_agreement()[h as usize - 1].clone();
    let old = |h: u32, n: u8| signed(vote(VoteKind::Commit, h, 0, H256([n; 32])), 1, &node_key(1));
    // A correctly signed vote of height 2 (public in every certificate): answered with that
    // height's block, to Mallory alone, and not forwarded.
    let (verdict, outputs) = deliver(&mut sim, 0, &old(2, 1));
    assert_eq!(verdict, Verdict::Ignore);
    let block2 = finalized(&sim, 2);
    assert!(
        matches!(&outputs[..], [Output::Send(MALLORY, Message::Finalized(b, _))] if *b == block2),
        "{outputs:?}"
    );
    // Replays of it, or of any height up to it, buy nothing more.
    for (h, n) in [(2, 2), (1, 3), (2, 4)] {
        let (_, outputs) = deliver(&mut sim, 0, &old(h, n));
        assert!(outputs.is_empty(), "height {h}: {outputs:?}");
    }
    // A later height is answered once more; nothing is ever broadcast for an old vote.
    let (_, outputs) = deliver(&mut sim, 0, &old(3, 5));
    assert!(matches!(
        &outputs[..],
        [Output::Send(MALLORY, Message::Finalized(..))]
    ));
    // Forged old votes buy nothing at all.
    let forged = signed(
        vote(VoteKind::Commit, 3, 0, H256([6; 32])),
        1,
        &Pair::from_seed(&[0xee; 32]),
    );
    let (_, outputs) = deliver(&mut sim, 0, &forged);
    assert!(outputs.is_empty());
}

#[test]
fn a_valid_decision_finalizes_or_syncs_and_a_later_one_points_sync_at_its_sender() {
    let mut sim = network();
    let unknown = H256([4; 32]);
    // A real certificate for a block node 0 never saw, at its own height: forwarded, and
    // the block is fetched by sync from the sender.
    let decided =
        Message::<SimBlock>::Decided(certificate(VoteKind::Commit, 1, unknown, &[1, 2, 3]));
    let (verdict, outputs) = deliver(&mut sim, 0, &decided.encode());
    assert_eq!(verdict, Verdict::Accept);
    assert!(outputs.contains(&Output::Behind(MALLORY, 1)), "{outputs:?}");
    // One for a later height: sync, not forwarded (it cannot be judged at this height).
    let later = Message::<SimBlock>::Decided(certificate(VoteKind::Commit, 5, unknown, &[0, 2, 3]));
    let (verdict, outputs) = deliver(&mut sim, 0, &later.encode());
    assert_eq!(verdict, Verdict::Ignore);
    assert!(outputs.contains(&Output::Behind(MALLORY, 5)), "{outputs:?}");
    // A forged later one points sync nowhere.
    let forged = Message::<SimBlock>::Decided(certificate(VoteKind::Commit, 5, unknown, &[0, 2]));
    let (_, outputs) = deliver(&mut sim, 0, &forged.encode());
    assert!(
        !outputs.iter().any(|o| matches!(o, Output::Behind(..))),
        "{outputs:?}"
    );
}

#[test]
fn junk_proposals_cannot_take_a_future_rounds_slot_from_its_proposer() {
    let mut sim = network();
    // Height 3's round-0 proposer is node 2. Others sign proposals for its slot first.
    for (payload, signer) in [(1, 1), (2, 3), (3, 0)] {
        let (verdict, _) = deliver(&mut sim, 0, &proposal(3, 0, payload, signer));
        assert_eq!(verdict, Verdict::Ignore);
    }
    assert_eq!(sim.nodes[0].engine.buffered(), 0, "none of them was kept");
    // The real proposer's still gets the slot.
    deliver(&mut sim, 0, &proposal(3, 0, 4, 2));
    assert_eq!(sim.nodes[0].engine.buffered(), 1);
    // Rounds past the window are not kept either.
    deliver(&mut sim, 0, &proposal(3, 40, 5, (3 + 40) % 4));
    assert_eq!(sim.nodes[0].engine.buffered(), 1);
}

#[test]
fn a_validator_whose_saved_votes_are_ahead_of_its_chain_signs_nothing_until_it_catches_up() {
    let mut sim = network();
    // Node 0's disk lost its last blocks: its vote state says it was voting at height 4.
    let saved = Persisted::<SimBlock> {
        height: 4,
        locked: None,
        sent: vec![(0, VoteKind::Prepare), (0, VoteKind::Commit)],
    };
    {
        let node = &mut sim.nodes[0];
        node.engine.restore(saved.clone(), &mut node.chain);
        assert_eq!(node.engine.muted_until(), 4);
        // It keeps the later state to save, not the one of the height it is at.
        assert_eq!(node.engine.persisted(), saved);
    }
    // The other three finalize; node 0 follows without signing anything below height 4.
    assert!(sim.run_until_height(3, 60_000));
    for h in 1..=3u32 {
        let block = sim.check_agreement()[h as usize - 1].clone();
        let (_, certificate) = sim.nodes[1].chain.finalized(h).expect("finalized");
        assert_eq!(block.height, h);
        assert!(
            certificate.signatures.iter().all(|(i, _)| *i != 0),
            "node 0 signed at height {h}"
        );
    }
    // At the saved height it takes its state back and signs again.
    assert!(sim.run_until_height(8, 120_000));
    assert_eq!(sim.nodes[0].engine.muted_until(), 0);
    sim.check_agreement();
}

#[test]
fn a_deferred_message_is_judged_when_its_height_comes_and_unverifiable_ones_cost_a_little() {
    let mut sim = network();
    // Validator 1's prepare for height 2, heard while node 0 decides height 1.
    let early = signed(
        vote(VoteKind::Prepare, 2, 0, H256([5; 32])),
        1,
        &node_key(1),
    );
    let (verdict, _) = deliver(&mut sim, 0, &early);
    assert_eq!(verdict, Verdict::Defer);
    // A forged one for height 2, and a forged claim of a final block at height 3.
    let forged = signed(
        vote(VoteKind::Prepare, 2, 0, H256([6; 32])),
        1,
        &Pair::from_seed(&[0xee; 32]),
    );
    let (verdict, outputs) = deliver(&mut sim, 0, &forged);
    assert_eq!(verdict, Verdict::Ignore);
    assert!(outputs.contains(&Output::Offence(
        MALLORY,
        cpc_consensus::Offence::UnverifiedFuture
    )));
    let claim =
        Message::<SimBlock>::Decided(certificate(VoteKind::Commit, 3, H256([7; 32]), &[0, 1]));
    let (_, outputs) = deliver(&mut sim, 0, &claim.encode());
    assert!(outputs.contains(&Output::Offence(
        MALLORY,
        cpc_consensus::Offence::UnverifiedFuture
    )));
    // The same claim again is neither checked nor charged again.
    let (_, outputs) = deliver(&mut sim, 0, &claim.encode());
    assert!(outputs.is_empty(), "{outputs:?}");
    // Once node 0 reaches height 2, the early vote is judged: forwarded now.
    assert!(sim.run(30_000, |s| s.nodes[0].engine.height() >= 2));
    let digest = H256(cpc_primitives::hashing::blake2_256(&early));
    assert!(
        sim.nodes[0].judged.contains(&(digest, Verdict::Accept)),
        "{:?}",
        sim.nodes[0].judged
    );
    sim.check_agreement();
}

/// A message deferred to a height the node then skips (block sync finalized it) still gets a
/// verdict: ignored, without blame. The node's gossip glue keeps every deferred message until
/// its verdict comes, so one that never came would be kept for good.
#[test]
fn a_deferred_message_of_a_height_skipped_by_sync_is_judged_stale() {
    let (behaviors, proposers) = honest(4);
    let cut_off = NetworkConfig {
        heal_at_ms: u64::MAX,
        partition: Some(vec![vec![0], vec![1, 2, 3]]),
        ..NetworkConfig::default()
    };
    let mut sim = sim(7, &behaviors, 4, &proposers, cut_off);
    let early = signed(
        vote(VoteKind::Prepare, 2, 0, H256([5; 32])),
        1,
        &node_key(1),
    );
    assert_eq!(deliver(&mut sim, 0, &early).0, Verdict::Defer);
    assert!(sim.run(60_000, |s| s.nodes[1].chain.blocks().count() >= 3));
    assert_eq!(sim.nodes[0].engine.height(), 1, "node 0 heard nothing");
    // Block sync hands node 0 heights 1 to 3 at once.
    for height in 1..=3 {
        let (block, certificate) = sim.nodes[1].chain.finalized(height).unwrap();
        sim.nodes[0].chain.finalize(block, certificate).unwrap();
    }
    let node = &mut sim.nodes[0];
    node.engine.resync(&mut node.chain);
    assert_eq!(node.engine.height(), 4);
    let digest = H256(cpc_primitives::hashing::blake2_256(&early));
    let outputs = node.engine.drain();
    assert!(
        outputs.contains(&Output::Judged(digest, Verdict::Ignore)),
        "{outputs:?}"
    );
    assert!(
        !outputs
            .iter()
            .any(|o| matches!(o, Output::Offence(MALLORY, _))),
        "no blame for a message gone stale"
    );
}

#[test]
fn a_decision_heard_before_its_block_finalizes_the_block_as_soon_as_it_executes() {
    let mut sim = network();
    // Height 1's round-0 proposal, by its proposer (node 0), for node 1 to execute.
    let block = SimBlock {
        height: 1,
        parent: GENESIS,
        round: 0,
        author: 0,
        payload: 9,
        valid: true,
    };
    let proposal = Proposal {
        height: 1,
        round: 0,
        block: block.clone(),
        prepared: None,
    };
    let hash = block.hash();
    let signed_proposal = Message::Proposal(SignedProposal {
        signature: node_key(0).sign(&proposal.signing_payload(&GENESIS, &hash)),
        proposal,
        proposer: node_key(0).public(),
    });
    // The certificate arrives first: node 1 has no block yet, so it asks sync for it.
    let decided = Message::<SimBlock>::Decided(certificate(VoteKind::Commit, 1, hash, &[0, 2, 3]));
    let (verdict, outputs) = deliver(&mut sim, 1, &decided.encode());
    assert_eq!(verdict, Verdict::Accept);
    assert!(outputs.contains(&Output::Behind(MALLORY, 1)));
    assert_eq!(sim.nodes[1].engine.height(), 1);
    // Then the proposal: executed, and final at once with the certificate it already has.
    let (_, outputs) = deliver(&mut sim, 1, &signed_proposal.encode());
    assert!(
        outputs
            .iter()
            .any(|o| matches!(o, Output::Finalized { height: 1, hash: h, .. } if *h == hash)),
        "{outputs:?}"
    );
    assert_eq!(sim.nodes[1].engine.height(), 2);
}
