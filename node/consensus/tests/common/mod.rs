//! Helpers shared by the simulation scenarios.

#![allow(dead_code)]

use cpc_consensus::simulation::{Behavior, NetworkConfig, Simulation};

/// Seeds per scenario.
pub const SEEDS: u64 = 1000;

/// Block period of the simulated chains, virtual ms.
pub const PERIOD: u64 = 1000;

/// A network of `behaviors`, the first `validators` the committee, proposers rotating over
/// `proposers`.
pub fn sim(
    seed: u64,
    behaviors: &[Behavior],
    validators: usize,
    proposers: &[usize],
    network: NetworkConfig,
) -> Simulation {
    Simulation::new(seed, behaviors, validators, proposers, PERIOD, network)
}

/// `n` honest validators that also take turns as proposers.
pub fn honest(n: usize) -> (Vec<Behavior>, Vec<usize>) {
    (vec![Behavior::Honest; n], (0..n).collect())
}

/// Delays of 5 to 200 ms and 5% loss until `heal_at_ms`.
pub fn lossy(heal_at_ms: u64) -> NetworkConfig {
    NetworkConfig {
        min_delay_ms: 5,
        max_delay_ms: 200,
        loss_per_mille: 50,
        heal_at_ms,
        partition: None,
    }
}
