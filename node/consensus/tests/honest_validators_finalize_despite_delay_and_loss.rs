//! Honest committees finalize one block per height under random delay and loss, agree on
//! every height, and a seed replays exactly.

mod common;

use common::*;
use cpc_consensus::simulation::{Behavior, NetworkConfig};

#[test]
fn four_validators_finalize_under_delay_and_loss_for_every_seed() {
    let (behaviors, proposers) = honest(4);
    for seed in 0..SEEDS {
        let mut sim = sim(seed, &behaviors, 4, &proposers, lossy(20_000));
        let reached = sim.run_until_height(5, 200_000);
        let chain = sim.check_agreement();
        assert!(reached, "seed {seed}: stuck at {}", sim.min_honest_height());
        assert!(chain.len() >= 5, "seed {seed}");
    }
}

#[test]
fn without_loss_every_height_is_decided_in_round_zero_by_its_proposer() {
    let (behaviors, proposers) = honest(4);
    for seed in 0..SEEDS {
        let mut sim = sim(seed, &behaviors, 4, &proposers, NetworkConfig::default());
        assert!(sim.run_until_height(6, 60_000), "seed {seed}");
        for block in sim.check_agreement() {
            assert!(!block.is_impeach(), "seed {seed}: {block:?}");
            assert_eq!(block.round, 0);
            assert_eq!(
                u32::from(block.author),
                (block.height - 1) % 4,
                "seed {seed}"
            );
        }
        // Six heights in about six periods: no round timed out.
        assert!(
            sim.now() < 6 * PERIOD + 2_000,
            "seed {seed}: {} ms",
            sim.now()
        );
    }
}

#[test]
fn a_single_validator_finalizes_alone() {
    let (behaviors, proposers) = honest(1);
    let mut sim = sim(1, &behaviors, 1, &proposers, NetworkConfig::default());
    assert!(sim.run_until_height(10, 11 * PERIOD));
    assert_eq!(sim.check_agreement().len(), 10);
}

#[test]
fn committees_of_seven_and_ten_finalize_under_loss() {
    for n in [7, 10] {
        let (behaviors, proposers) = honest(n);
        for seed in 0..SEEDS {
            let mut sim = sim(seed, &behaviors, n, &proposers, lossy(10_000));
            assert!(sim.run_until_height(2, 200_000), "n {n} seed {seed}");
            sim.check_agreement();
        }
    }
}

#[test]
fn followers_and_proposer_candidates_finalize_with_the_committee() {
    // Nodes 4 and 5 are not validators; 4 takes turns proposing, 5 only follows.
    let behaviors = vec![Behavior::Honest; 6];
    for seed in 0..SEEDS {
        let mut sim = sim(seed, &behaviors, 4, &[0, 1, 2, 3, 4], lossy(10_000));
        assert!(sim.run_until_height(6, 200_000), "seed {seed}");
        sim.check_agreement();
        if seed % 10 != 0 {
            continue;
        }
        // Without loss, the candidate's slot (height 5) holds its block.
        let mut sim = sim_clean(seed, &behaviors);
        assert!(sim.run_until_height(6, 60_000), "seed {seed}");
        let chain = sim.check_agreement();
        assert_eq!(chain[4].author, 4, "seed {seed}");
    }
}

fn sim_clean(seed: u64, behaviors: &[Behavior]) -> cpc_consensus::simulation::Simulation {
    sim(
        seed,
        behaviors,
        4,
        &[0, 1, 2, 3, 4],
        NetworkConfig::default(),
    )
}

#[test]
fn a_seed_replays_exactly() {
    let (behaviors, proposers) = honest(4);
    let run = || {
        let mut sim = sim(42, &behaviors, 4, &proposers, lossy(20_000));
        sim.run_until_height(5, 200_000);
        (sim.check_agreement(), sim.delivered, sim.now())
    };
    assert_eq!(run(), run());
}
