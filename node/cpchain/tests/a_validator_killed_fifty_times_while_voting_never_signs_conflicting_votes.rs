//! Four validators (real `cpchain` processes). Dave is SIGKILLed 50 times at random moments
//! while he votes, and restarted from his database and vote state each time. Every vote he
//! sends is written to his vote state (synced) before it leaves, so no restart makes him sign
//! a second, conflicting vote: no node ever sees an equivocation, the chain never forks, and
//! finality goes on.

mod common;

use common::*;
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(90);
const NAMES: [&str; 4] = ["Alice", "Bob", "Charlie", "Dave"];
const KILLS: usize = 50;

/// A small deterministic generator for the kill times (reproducible runs).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn a_validator_killed_fifty_times_while_voting_never_signs_conflicting_votes() {
    let dir = tempfile::tempdir().unwrap();
    let spec = lbft_spec(dir.path(), "local_lbft", "Local", "local_testnet", 500);
    let (mut nodes, addresses) = start_validators(dir.path(), &spec, &NAMES);
    wait_until("four validators finalize", LONG, || {
        nodes.iter().all(|n| finalized_number(n) >= 3)
    });
    let start_height = finalized_number(&nodes[0]);
    let dave_base = dir.path().join("Dave");
    let mut random = Lcg(0x5eed);
    let started = Instant::now();
    for kill in 0..KILLS {
        // Up long enough to connect and vote at a height or two, killed mid-way.
        let up = Duration::from_millis(400 + random.below(1200));
        std::thread::sleep(up);
        let mut dave = nodes.pop().unwrap();
        // SIGKILL: no shutdown path runs.
        dave.child.kill().unwrap();
        let _ = dave.child.wait();
        drop(dave);
        let args = [
            "--chain",
            spec.as_str(),
            "--validator",
            "--base-path",
            dave_base.to_str().unwrap(),
            "--bootnodes",
            addresses[0].as_str(),
            addresses[1].as_str(),
        ];
        nodes.push(Node::start(
            &args,
            &dir.path().join(format!("Dave-{kill}.log")),
        ));
    }
    eprintln!("{KILLS} kills in {:?}", started.elapsed());
    let after = finalized_number(&nodes[0]);
    assert!(
        after > start_height + 20,
        "finalized {start_height} -> {after}"
    );
    wait_until("Dave catches up and everyone finalizes", LONG, || {
        nodes.iter().all(|n| finalized_number(n) >= after + 2)
    });

    // Dave voted between kills: his signature is in certificates of the kill loop's blocks...
    let top = nodes.iter().map(finalized_number).min().unwrap();
    let (dave_index, _) = committee_member(&nodes[0], "Dave");
    let signed_by_dave = (start_height + 1..=after)
        .filter(|h| {
            commit_certificate(&nodes[0], *h)
                .signatures
                .iter()
                .any(|(i, _)| *i == dave_index)
        })
        .count();
    eprintln!("Dave signed {signed_by_dave} of the certificates #{start_height}..#{after}");
    assert!(signed_by_dave > 0, "Dave never voted between kills");
    // ...no node saw conflicting votes from anyone...
    let logs: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    for log in &logs {
        assert!(!log.contains("equivocated"), "an equivocation was seen");
    }
    // ...and every node holds the same chain.
    for height in 1..=top {
        let hashes: Vec<String> = nodes.iter().map(|n| block_hash(n, height)).collect();
        assert!(
            hashes.iter().all(|h| *h == hashes[0]),
            "height {height}: {hashes:?}"
        );
    }
    // Dave's restarts took their vote state back, or found it for a finished height.
    let restored = logs
        .iter()
        .filter(|l| l.contains("Restored the lock"))
        .count();
    eprintln!("{restored} restarts restored a lock");
}
