//! A byzantine validator (one of four) that tries to leave honest validators locked on
//! different blocks ([`Behavior::LockSplitter`]): its prepares and commits reach a random half
//! of its peers, it prepares any block in every round whatever its lock, and as an impeach
//! round's leader it re-proposes the block of the oldest prepare certificate it can assemble,
//! all under heavy loss. Honest validators do end up locked on different blocks, yet never
//! finalize two blocks at one height, all reach the target once the network heals, and no
//! honest node raises evidence against an honest validator.

mod common;

use common::*;
use cpc_consensus::{
    Height,
    simulation::{Behavior, GENESIS, NetworkConfig, Simulation},
};
use cpc_primitives::H256;

/// Every honest node finalizes this far.
const TARGET: Height = 5;

/// A fifth of all messages lost until 15 s: enough that honest prepares go missing and the
/// splitter's prepare decides who sees a certificate.
fn heavy_loss() -> NetworkConfig {
    NetworkConfig {
        min_delay_ms: 5,
        max_delay_ms: 200,
        loss_per_mille: 200,
        heal_at_ms: 15_000,
        partition: None,
    }
}

/// Whether two honest validators deciding the same height are locked on different blocks.
fn locks_split(sim: &Simulation) -> bool {
    let locks: Vec<(Height, H256)> = sim
        .honest()
        .filter_map(|n| n.engine.locked().map(|(hash, _)| (n.engine.height(), hash)))
        .collect();
    locks
        .iter()
        .any(|(height, hash)| locks.iter().any(|(h, other)| h == height && other != hash))
}

#[test]
fn a_lock_splitter_re_proposing_old_certificates_cannot_split_finality() {
    let mut split_seeds = 0u64;
    let mut reproposals = 0usize;
    for seed in 0..SEEDS {
        let splitter = (seed % 4) as usize;
        let mut behaviors = vec![Behavior::Honest; 4];
        behaviors[splitter] = Behavior::LockSplitter;
        let mut sim = sim(seed, &behaviors, 4, &[0, 1, 2, 3], heavy_loss());
        let mut split = false;
        let reached = sim.run(600_000, |s| {
            split = split || locks_split(s);
            s.min_honest_height() >= TARGET
        });
        sim.check_agreement();
        assert!(
            reached,
            "seed {seed}: stuck at {} after the network healed",
            sim.min_honest_height()
        );
        let committee = sim.nodes[0].engine.validators().clone();
        for node in sim.honest() {
            for evidence in &node.evidence {
                assert!(evidence.verify(&committee, &GENESIS), "seed {seed}");
                assert_eq!(
                    usize::from(evidence.first.validator),
                    splitter,
                    "seed {seed}: evidence against an honest validator"
                );
            }
        }
        split_seeds += u64::from(split);
        reproposals += sim.nodes[splitter].reproposals;
    }
    // Otherwise the runs above would show nothing about split locks or old certificates.
    assert!(
        split_seeds > 0,
        "no seed left honest validators locked on different blocks"
    );
    assert!(
        reproposals > 0,
        "the splitter never re-proposed an old certificate"
    );
}
