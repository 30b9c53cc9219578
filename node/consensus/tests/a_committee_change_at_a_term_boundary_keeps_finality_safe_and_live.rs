//! A committee change at a term boundary, mid-run and under loss: blocks below the boundary
//! are certified by the outgoing committee and blocks from it on by the incoming one (the
//! committee recorded in the parent's state), whether a validator is swapped for a former
//! follower, the committee grows or shrinks (and is reordered), or the newcomer's votes are
//! needed for every quorum. Honest nodes agree at every height, all pass the boundary and keep
//! finalizing, every certificate is signed by the committee of its own height, and no honest
//! node blames another for anything but what it could not check across the change.

mod common;

use common::*;
use cpc_consensus::{
    Chain, ConsensusBlock, Height, ValidatorSet, VoteKind,
    simulation::{Behavior, GENESIS, Simulation, node_key},
};

/// The first height the incoming committee certifies: its members were recorded in the state
/// of block `CHANGE - 1`, which the outgoing committee certified.
const CHANGE: Height = 4;
/// Every honest node finalizes this far: four heights certified by the incoming committee.
const TARGET: Height = 7;

fn committee(members: &[usize]) -> ValidatorSet {
    ValidatorSet::new(members.iter().map(|i| node_key(*i).public()).collect())
        .expect("distinct keys")
}

/// Runs `behaviors` (every node takes turns proposing) over every seed, nodes `0..before` the
/// committee until `CHANGE` and `after` from it on, with loss until 8 s (so across the
/// boundary in most seeds), and checks each run.
fn hand_over(behaviors: &[Behavior], before: usize, after: &[usize]) {
    let proposers: Vec<usize> = (0..behaviors.len()).collect();
    let outgoing = committee(&(0..before).collect::<Vec<_>>());
    let incoming = committee(after);
    for seed in 0..SEEDS {
        let mut sim = sim(seed, behaviors, before, &proposers, lossy(8_000))
            .with_committee_change(CHANGE, after);
        assert!(
            sim.run_until_height(TARGET, 600_000),
            "seed {seed}: stuck at {}",
            sim.min_honest_height()
        );
        sim.check_agreement();
        certified_by_the_committee_of_each_height(&sim, seed, &outgoing, &incoming);
        nobody_honest_blamed(&sim, seed);
    }
}

/// Every honest node's certificates below `CHANGE` verify against `outgoing` and from it on
/// against `incoming` (so only its members signed them), and every honest engine has moved to
/// `incoming`.
fn certified_by_the_committee_of_each_height(
    sim: &Simulation,
    seed: u64,
    outgoing: &ValidatorSet,
    incoming: &ValidatorSet,
) {
    for node in sim.honest() {
        assert_eq!(node.engine.validators(), incoming, "seed {seed}");
        for height in 1..=TARGET {
            let (block, certificate) = node
                .chain
                .finalized(height)
                .expect("finalized up to the target");
            let committee = if height < CHANGE { outgoing } else { incoming };
            assert_eq!(
                certificate.verify(VoteKind::Commit, height, &block.hash(), committee, &GENESIS),
                Ok(()),
                "seed {seed}: height {height}"
            );
        }
    }
}

/// Across the change the only offences honest nodes see from each other are the ones no relay
/// is blamed for: a message of a later height checked against the committee before it.
fn nobody_honest_blamed(sim: &Simulation, seed: u64) {
    for node in sim.honest() {
        for (peer, offence) in &node.offences {
            assert!(
                sim.nodes[*peer].behavior != Behavior::Honest || !offence.relay_at_fault(),
                "seed {seed}: honest node {peer} blamed for {offence:?}"
            );
        }
    }
}

#[test]
fn a_validator_swapped_for_a_follower_hands_over_finality() {
    // Validator 0 retires and follows; follower 4 joins. Every index moves by one.
    hand_over(&[Behavior::Honest; 5], 4, &[1, 2, 3, 4]);
}

#[test]
fn a_committee_growing_from_four_to_five_hands_over_finality() {
    // The quorum grows from 3 to 4.
    hand_over(&[Behavior::Honest; 5], 4, &[0, 1, 2, 3, 4]);
}

#[test]
fn a_committee_shrinking_from_five_to_four_in_another_order_hands_over_finality() {
    // The quorum shrinks from 4 to 3; validator 0 retires and the others change places.
    hand_over(&[Behavior::Honest; 5], 5, &[3, 1, 4, 2]);
}

#[test]
fn a_newcomer_whose_votes_every_quorum_needs_takes_part_from_the_boundary() {
    // Validator 1, in both committees, is down: before the change 0, 2 and 3 are exactly a
    // quorum, after it 2, 3 and the newcomer 4, so nothing is final past the boundary unless
    // the former follower votes.
    let mut behaviors = vec![Behavior::Honest; 5];
    behaviors[1] = Behavior::Crashed;
    hand_over(&behaviors, 4, &[1, 2, 3, 4]);
}
