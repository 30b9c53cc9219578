//! A validator that restarts mid-height takes back the lock and the votes it had (written to
//! disk by the node before they leave it): it never prepares against its lock nor votes twice
//! in a round after a crash.

mod common;

use common::*;
use cpc_consensus::{
    Config, Engine, VoteKind,
    simulation::{GENESIS, NetworkConfig, SimBlock, node_key},
};

#[test]
fn a_restored_engine_has_the_lock_and_the_votes_of_the_old_one() {
    let (behaviors, proposers) = honest(4);
    let mut sim = sim(3, &behaviors, 4, &proposers, NetworkConfig::default());
    // Run until validator 0 has committed (and so locked) at some height.
    assert!(sim.run(30_000, |s| s.nodes[0].engine.locked().is_some()));
    let before = sim.nodes[0].engine.persisted();
    let (locked_hash, locked_round) = sim.nodes[0].engine.locked().unwrap();
    assert!(before.sent.contains(&(locked_round, VoteKind::Prepare)));
    assert!(before.sent.contains(&(locked_round, VoteKind::Commit)));
    assert_eq!(
        before.locked.as_ref().map(|(b, _)| b.hash_of()),
        Some(locked_hash)
    );

    // The process restarts: a new engine on the same chain, at the same height.
    let chain = &mut sim.nodes[0].chain;
    let mut engine: Engine<SimBlock, usize> =
        Engine::new(Config::new(GENESIS, PERIOD), Some(node_key(0)), chain);
    assert_eq!(engine.locked(), None, "a fresh engine knows nothing");
    engine.restore(before.clone(), chain);
    assert_eq!(engine.locked(), Some((locked_hash, locked_round)));
    assert_eq!(engine.persisted().sent, before.sent);

    // State of another height is ignored.
    let mut stale = before.clone();
    stale.height += 1;
    let mut other: Engine<SimBlock, usize> =
        Engine::new(Config::new(GENESIS, PERIOD), Some(node_key(0)), chain);
    other.restore(stale, chain);
    assert_eq!(other.locked(), None);
}

trait HashOf {
    fn hash_of(&self) -> cpc_primitives::H256;
}

impl HashOf for SimBlock {
    fn hash_of(&self) -> cpc_primitives::H256 {
        cpc_consensus::ConsensusBlock::hash(self)
    }
}
