//! Partitions and crashes stop finality exactly when fewer than 2f+1 validators can talk, never
//! make two sides finalize different blocks, and finality resumes, on every node, once 2f+1
//! honest validators are connected again.

mod common;

use common::*;
use cpc_consensus::simulation::{Behavior, NetworkConfig};

fn partitioned(groups: Vec<Vec<usize>>, heal_at_ms: u64) -> NetworkConfig {
    NetworkConfig {
        min_delay_ms: 5,
        max_delay_ms: 200,
        loss_per_mille: 20,
        heal_at_ms,
        partition: Some(groups),
    }
}

#[test]
fn an_even_split_halts_finality_until_it_heals() {
    let (behaviors, proposers) = honest(4);
    for seed in 0..SEEDS {
        // Split 2|2 from the start: neither side has a quorum.
        let mut sim = sim(
            seed,
            &behaviors,
            4,
            &proposers,
            partitioned(vec![vec![0, 1], vec![2, 3]], 30_000),
        );
        assert!(
            !sim.run(29_000, |s| s.min_honest_height() >= 1),
            "seed {seed}: finalized without a quorum"
        );
        assert!(
            sim.run_until_height(4, 400_000),
            "seed {seed}: stuck after healing at {}",
            sim.min_honest_height()
        );
        sim.check_agreement();
    }
}

#[test]
fn the_majority_side_continues_and_the_minority_catches_up() {
    let (behaviors, proposers) = honest(4);
    for seed in 0..SEEDS {
        let network = NetworkConfig {
            loss_per_mille: 0,
            ..partitioned(vec![vec![0, 1, 2], vec![3]], 10_000)
        };
        let mut sim = sim(seed, &behaviors, 4, &proposers, network);
        let ahead = sim.run(9_500, |s| {
            (0..3).all(|i| s.nodes[i].chain.blocks().count() >= 3)
        });
        assert!(ahead, "seed {seed}: the majority stalled");
        assert_eq!(
            sim.nodes[3].chain.blocks().count(),
            0,
            "seed {seed}: alone it finalized"
        );
        let target = sim.nodes[0].chain.blocks().count() as u32 + 2;
        assert!(
            sim.run_until_height(target, 400_000),
            "seed {seed}: minority never caught up"
        );
        sim.check_agreement();
    }
}

#[test]
fn two_crashed_of_four_stop_finality_without_splitting_it() {
    for seed in 0..SEEDS {
        let behaviors = [
            Behavior::Honest,
            Behavior::Crashed,
            Behavior::Honest,
            Behavior::Crashed,
        ];
        let mut sim = sim(seed, &behaviors, 4, &[0, 1, 2, 3], NetworkConfig::default());
        assert!(!sim.run_until_height(1, 60_000), "seed {seed}");
        assert_eq!(sim.check_agreement().len(), 0);
    }
}

#[test]
fn a_crash_during_a_partition_still_recovers_with_three_honest() {
    let behaviors = [
        Behavior::Honest,
        Behavior::Honest,
        Behavior::Crashed,
        Behavior::Honest,
    ];
    for seed in 0..SEEDS {
        let mut sim = sim(
            seed,
            &behaviors,
            4,
            &[0, 1, 2, 3],
            partitioned(vec![vec![0, 1], vec![2, 3]], 15_000),
        );
        assert!(sim.run_until_height(4, 400_000), "seed {seed}");
        sim.check_agreement();
    }
}
