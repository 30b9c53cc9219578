//! With at most f byzantine nodes (equivocating, double voting, crashed, silent or invalid
//! proposers) no two honest nodes ever finalize different blocks at one height, honest nodes
//! keep finalizing, and faults leave the evidence and impeachments they should.

mod common;

use common::*;
use cpc_consensus::{
    engine::ImpeachReason,
    simulation::{Behavior, NetworkConfig, Simulation, node_key},
};

/// Four validators, one of them (chosen by the seed) `behavior`.
fn one_faulty(seed: u64, behavior: Behavior, network: NetworkConfig) -> (Simulation, usize) {
    let faulty = (seed % 4) as usize;
    let mut behaviors = vec![Behavior::Honest; 4];
    behaviors[faulty] = behavior;
    (sim(seed, &behaviors, 4, &[0, 1, 2, 3], network), faulty)
}

/// Evidence raised by honest nodes is genuine and names only `faulty`.
fn evidence_names_only(sim: &Simulation, faulty: usize) -> usize {
    let set = sim.nodes[0].engine.validators().clone();
    let mut count = 0;
    for node in sim.honest() {
        for evidence in &node.evidence {
            assert!(evidence.verify(&set, &cpc_consensus::simulation::GENESIS));
            assert_eq!(usize::from(evidence.first.validator), faulty);
            count += 1;
        }
    }
    count
}

#[test]
fn an_equivocating_validator_cannot_split_finality() {
    for seed in 0..SEEDS {
        let (mut sim, faulty) = one_faulty(seed, Behavior::Equivocator, lossy(10_000));
        assert!(sim.run_until_height(5, 300_000), "seed {seed}");
        sim.check_agreement();
        evidence_names_only(&sim, faulty);
    }
}

#[test]
fn a_validator_voting_twice_in_a_round_is_caught_and_changes_nothing() {
    for seed in 0..SEEDS {
        let (mut sim, faulty) = one_faulty(seed, Behavior::DoubleVoter, NetworkConfig::default());
        assert!(sim.run_until_height(5, 300_000), "seed {seed}");
        sim.check_agreement();
        assert!(
            evidence_names_only(&sim, faulty) > 0,
            "seed {seed}: no evidence"
        );
    }
}

#[test]
fn a_crashed_validator_does_not_stop_finality() {
    for seed in 0..SEEDS {
        let (mut sim, faulty) = one_faulty(seed, Behavior::Crashed, lossy(10_000));
        assert!(sim.run_until_height(6, 300_000), "seed {seed}");
        let chain = sim.check_agreement();
        // The crashed validator's round-0 turns end in impeach blocks.
        for block in chain
            .iter()
            .filter(|b| (b.height as usize - 1) % 4 == faulty)
        {
            assert!(block.is_impeach() || block.author as usize != faulty);
        }
    }
}

#[test]
fn a_silent_proposer_is_impeached_for_missing_its_slot() {
    // Node 4 is a proposer candidate outside the committee, elected for heights 5 and 10.
    let mut behaviors = vec![Behavior::Honest; 5];
    behaviors[4] = Behavior::SilentProposer;
    let silent = node_key(4).public();
    for seed in 0..SEEDS {
        let mut sim = sim(
            seed,
            &behaviors,
            4,
            &[0, 1, 2, 3, 4],
            NetworkConfig::default(),
        );
        assert!(sim.run_until_height(6, 300_000), "seed {seed}");
        let chain = sim.check_agreement();
        let fifth = &chain[4];
        assert!(fifth.is_impeach(), "seed {seed}: {fifth:?}");
        assert_eq!(fifth.round, 1, "decided in the first impeach round");
        assert!(
            chain
                .iter()
                .filter(|b| b.height != 5)
                .all(|b| !b.is_impeach())
        );
        for node in sim.honest().take(4) {
            assert_eq!(
                node.impeachments,
                vec![(5, silent, ImpeachReason::MissingProposal)],
                "seed {seed}: {:?}",
                chain
                    .iter()
                    .map(|b| (b.height, b.round, b.author))
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn a_proposer_of_invalid_blocks_is_impeached_with_the_reason() {
    for seed in 0..SEEDS {
        let (mut sim, faulty) = one_faulty(seed, Behavior::InvalidProposer, lossy(5_000));
        assert!(sim.run_until_height(5, 300_000), "seed {seed}");
        let chain = sim.check_agreement();
        assert!(chain.iter().all(|b| b.valid));
        let height = faulty as u32 + 1;
        assert!(chain[faulty].is_impeach(), "seed {seed}: height {height}");
        if seed % 10 == 0 {
            // Without loss every honest validator saw the block and names the reason.
            let (mut clean, faulty) =
                one_faulty(seed, Behavior::InvalidProposer, NetworkConfig::default());
            assert!(clean.run_until_height(5, 300_000));
            let proposer = node_key(faulty).public();
            let invalid = clean.nodes[faulty].chain.build_for_test(faulty as u32 + 1);
            for node in clean.honest() {
                assert!(node.impeachments.contains(&(
                    faulty as u32 + 1,
                    proposer,
                    ImpeachReason::InvalidBlock {
                        hash: invalid,
                        why: "execution failed".into()
                    }
                )));
            }
        }
    }
}

#[test]
fn two_byzantine_of_seven_never_split_finality() {
    for seed in 0..SEEDS {
        let mut behaviors = vec![Behavior::Honest; 7];
        behaviors[(seed % 7) as usize] = Behavior::Equivocator;
        behaviors[((seed + 3) % 7) as usize] = Behavior::DoubleVoter;
        let mut sim = sim(
            seed,
            &behaviors,
            7,
            &(0..7).collect::<Vec<_>>(),
            lossy(10_000),
        );
        assert!(sim.run_until_height(3, 300_000), "seed {seed}");
        sim.check_agreement();
    }
}
