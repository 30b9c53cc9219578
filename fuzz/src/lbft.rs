//! The LBFT engine under messages from a peer outside the committee: four honest validators
//! run in the deterministic simulator while the input's messages (decoded by the engine as
//! gossip from the outsider: votes, proposals, certificates, decisions, any bytes) are
//! injected into them between steps of the network. Nothing may panic; the validators must
//! agree on every height and keep finalizing; and none may be blamed for what it relayed,
//! since the outsider authored it all.

use crate::Reader;
use cpc_consensus::simulation::{Behavior, NetworkConfig, Simulation};

/// The peer index of the outsider (the simulation's nodes are 0..4).
const OUTSIDER: usize = 99;
/// Messages per input.
const MAX_MESSAGES: usize = 64;

/// See the module documentation.
pub fn lbft(data: &[u8]) {
    let mut input = Reader::new(data);
    let mut sim = Simulation::new(
        u64::from(input.u16()),
        &[Behavior::Honest; 4],
        4,
        &[0, 1, 2, 3],
        1_000,
        NetworkConfig::default(),
    );
    let mut now = 0u64;
    for _ in 0..MAX_MESSAGES {
        if input.is_empty() {
            break;
        }
        let to = usize::from(input.u8() % 4);
        let len = usize::from(input.u16() % 4096);
        let message = input.bytes(len).to_vec();
        sim.inject(to, OUTSIDER, &message);
        // Let the network move between messages, so they land at every stage of a height.
        now += u64::from(input.u8()) * 20;
        sim.run(now, |_| false);
    }
    let target = sim.min_honest_height() + 2;
    assert!(
        sim.run_until_height(target, now + 120_000),
        "an outsider's messages stalled finality below height {target}"
    );
    sim.check_agreement();
    for (i, node) in sim.nodes.iter().enumerate() {
        for (peer, offence) in &node.offences {
            assert!(
                *peer == OUTSIDER || !offence.relay_at_fault(),
                "validator {i} blamed validator {peer} for {offence:?}, an outsider's message"
            );
        }
    }
}
