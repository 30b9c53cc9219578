//! Four validators (Alice, Bob, Charlie, Dave) on loopback, each a real `cpchain` process
//! talking over libp2p: they finalize together; with one killed finality continues; with two
//! killed it stops; restarted, it resumes and every node reports the same finalized block at
//! every height; a killed elected proposer's slots end in impeach blocks whose reason a
//! validator records, and the next election counts them against its reputation; and a fresh
//! full node syncs from genesis to the tip, checking every certificate.

mod common;

use common::*;
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

const LONG: Duration = Duration::from_secs(90);
const NAMES: [&str; 4] = ["Alice", "Bob", "Charlie", "Dave"];

struct Net {
    dir: tempfile::TempDir,
    spec: String,
}

impl Net {
    fn base(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn start(&self, name: &str, validator: bool, bootnodes: &[String], log: &str) -> Node {
        let base = self.base(name);
        let mut args: Vec<String> = ["--chain", &self.spec, "--base-path", base.to_str().unwrap()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if validator {
            args.push("--validator".into());
        }
        if !bootnodes.is_empty() {
            args.push("--bootnodes".into());
            args.extend(bootnodes.iter().cloned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Node::start(&args, &self.dir.path().join(log))
    }
}

fn account(name: &str) -> cpc_primitives::AccountId {
    let (pair, _) = cpc_crypto::sr25519::Pair::from_suri(&format!("//{name}")).unwrap();
    cpc_primitives::AccountId::new(pair.public().0)
}

fn pallet_key(item: &str) -> Vec<u8> {
    use cpc_primitives::hashing::twox_128;
    [twox_128(b"HybridConsensus"), twox_128(item.as_bytes())].concat()
}

/// The impeachment record of block `n`, if any.
fn impeachment(node: &Node, n: u32) -> Option<cpc_pallet_hybrid_consensus::Impeachment> {
    use codec::{Decode, Encode};
    let key = [
        pallet_key("Impeachments"),
        cpc_primitives::hashing::twox_64(&n.encode()).to_vec(),
        n.encode(),
    ]
    .concat();
    let bytes = storage(node, &key, None)?;
    Decode::decode(&mut &bytes[..]).ok()
}

/// The scores of the last election.
fn last_scores(node: &Node) -> Vec<cpc_pallet_hybrid_consensus::Score> {
    use codec::Decode;
    let bytes = storage(node, &pallet_key("LastScores"), None).unwrap_or_default();
    Decode::decode(&mut &bytes[..]).unwrap_or_default()
}

fn all(nodes: &[Option<Node>]) -> Vec<&Node> {
    nodes.iter().flatten().collect()
}

fn wait_finalized(nodes: &[&Node], at_least: u32, what: &str) {
    wait_until(what, LONG, || {
        nodes.iter().all(|n| finalized_number(n) >= at_least)
    });
}

fn assert_same_chain(nodes: &[&Node]) {
    let top = nodes.iter().map(|n| finalized_number(n)).min().unwrap();
    assert!(top > 0);
    for height in 1..=top {
        let hashes: Vec<String> = nodes.iter().map(|n| block_hash(n, height)).collect();
        assert!(
            hashes.iter().all(|h| *h == hashes[0]),
            "height {height}: {hashes:?}"
        );
    }
}

#[test]
fn four_validators_finalize_through_failures_and_a_new_node_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let net = Net {
        spec: lbft_spec(dir.path(), "local_lbft", "Local", "local_testnet", 500),
        dir,
    };
    for name in NAMES {
        let base = net.base(name);
        let (ok, _, stderr) = run(&[
            "key",
            "insert",
            "--suri",
            &format!("//{name}"),
            "--base-path",
            base.to_str().unwrap(),
        ]);
        assert!(ok, "{stderr}");
    }
    let mut nodes: Vec<Option<Node>> = Vec::new();
    let mut addresses: Vec<String> = Vec::new();
    for name in NAMES {
        let node = net.start(name, true, &addresses, &format!("{name}.log"));
        addresses.push(p2p_address(&node));
        nodes.push(Some(node));
    }
    wait_finalized(&all(&nodes), 3, "four validators finalize");
    assert_same_chain(&all(&nodes));

    // Dave is killed: three of four are a quorum.
    nodes[3].take().unwrap().child.kill().unwrap();
    let now = finalized_number(nodes[0].as_ref().unwrap());
    wait_finalized(&all(&nodes), now + 3, "three validators finalize");

    // Dave's round-0 slots end in impeach blocks; a validator records why, and the next
    // election counts the impeachments against Dave's reputation.
    let alice = nodes[0].as_ref().unwrap();
    let dave = account("Dave");
    let mut reasons = 0;
    wait_until("an impeachment with its reason", LONG, || {
        let top = finalized_number(alice);
        reasons = (now..=top)
            .filter_map(|n| impeachment(alice, n))
            .filter(|i| i.proposer == dave && i.reason.is_some())
            .count();
        reasons > 0
    });
    wait_finalized(&all(&nodes), 37, "the election at the start of term 1");
    let scores = last_scores(alice);
    let score = |who: &cpc_primitives::AccountId| {
        scores.iter().find(|s| s.account == *who).unwrap().clone()
    };
    assert!(score(&dave).impeachments >= 1, "{:?}", score(&dave));
    assert!(score(&dave).reputation < score(&account("Alice")).reputation);

    // Charlie too: two of four cannot finalize.
    nodes[2].take().unwrap().child.kill().unwrap();
    // A block that had its commits before the kill may still finalize on either survivor
    // (a late certificate): the stall is where both agree and stay for a second.
    let survivors = |nodes: &[Option<Node>]| -> Vec<u32> {
        all(nodes).into_iter().map(finalized_number).collect()
    };
    let mut stalled = 0;
    wait_until("the survivors stop at one height", LONG, || {
        let before = survivors(&nodes);
        std::thread::sleep(Duration::from_secs(1));
        let after = survivors(&nodes);
        stalled = *after.iter().max().unwrap();
        before == after && after.iter().all(|&n| n == stalled)
    });
    std::thread::sleep(Duration::from_secs(5));
    for node in all(&nodes) {
        assert!(
            finalized_number(node) <= stalled,
            "two of four finalized a block"
        );
    }

    // Both restart from their databases (Charlie keeps its lock) and finality resumes.
    let boot = addresses[..2].to_vec();
    nodes[2] = Some(net.start("Charlie", true, &boot, "Charlie-2.log"));
    nodes[3] = Some(net.start("Dave", true, &boot, "Dave-2.log"));
    let started = Instant::now();
    wait_finalized(
        &all(&nodes),
        stalled + 3,
        "finality resumes after the restart",
    );
    eprintln!("finality resumed within {:?}", started.elapsed());
    assert_same_chain(&all(&nodes));

    // A new full node syncs the whole chain, every certificate checked on import.
    let tip = finalized_number(nodes[0].as_ref().unwrap());
    let full = net.start("Ferdie", false, &addresses[..2], "full.log");
    wait_until("the full node syncs", LONG, || {
        finalized_number(&full) >= tip
    });
    let mut everyone = all(&nodes);
    everyone.push(&full);
    assert_same_chain(&everyone);
    assert!(full.log_text().contains("Imported"), "it synced blocks");
}
