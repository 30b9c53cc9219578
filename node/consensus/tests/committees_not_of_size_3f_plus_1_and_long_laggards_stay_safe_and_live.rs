//! Committees whose size is not `3f + 1` (5, 6, 8: quorum `n - f`) keep agreement with `f`
//! equivocators and finalize under loss; and a validator cut off while the others finalize
//! far more than the engine's window of future heights (8) rejoins: the others' `Decided`
//! certificates and votes two heights ahead point it at a peer to sync from.

mod common;

use common::*;
use cpc_consensus::simulation::{Behavior, NetworkConfig};

#[test]
fn committees_of_five_six_and_eight_agree_with_f_equivocators() {
    for n in [5usize, 6, 8] {
        let f = (n - 1) / 3;
        for seed in 0..SEEDS {
            let mut behaviors = vec![Behavior::Honest; n];
            // The faulty ones move with the seed.
            for k in 0..f {
                behaviors[(seed as usize + k * 3) % n] = Behavior::Equivocator;
            }
            let proposers: Vec<usize> = (0..n).collect();
            let mut sim = sim(seed, &behaviors, n, &proposers, lossy(5_000));
            assert!(sim.run_until_height(2, 200_000), "n {n} seed {seed}");
            sim.check_agreement();
        }
    }
}

#[test]
fn a_validator_cut_off_for_many_heights_rejoins_by_sync() {
    let (behaviors, proposers) = honest(4);
    for seed in 0..SEEDS {
        // Node 3 hears nothing for 20 s (about 20 heights) while the others finalize.
        let network = NetworkConfig {
            min_delay_ms: 5,
            max_delay_ms: 100,
            loss_per_mille: 0,
            heal_at_ms: 20_000,
            partition: Some(vec![vec![0, 1, 2], vec![3]]),
        };
        let mut sim = sim(seed, &behaviors, 4, &proposers, network);
        sim.run(19_500, |_| false);
        let gap = sim.nodes[0].chain.blocks().count();
        assert!(
            gap > 8,
            "seed {seed}: the others finalized only {gap} blocks"
        );
        assert_eq!(sim.nodes[3].chain.blocks().count(), 0, "seed {seed}");
        assert!(
            sim.run(200_000, |s| s.nodes[3].chain.blocks().count() > gap),
            "seed {seed}: node 3 stuck at {}",
            sim.nodes[3].chain.blocks().count()
        );
        sim.check_agreement();
    }
}
