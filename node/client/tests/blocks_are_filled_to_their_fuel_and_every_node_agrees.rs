//! A block author stops adding transactions when the block's fuel would run out, so what it
//! builds imports on every node of the chain, whatever that node's speed; a node giving blocks
//! less fuel (another chain's rule) refuses the block, always with the same reason.

mod common;

use common::*;
use cpc_client::ImportError;
use cpc_runtime::RuntimeCall;
use cpc_runtime_test_utils::{account, transfer};
use std::sync::atomic::Ordering;

/// Fuel for a few dozen transfers (about 2,000,000 units each) after the reserve for
/// `finalize_block`: far below the weight limit, so fuel is what fills the block.
const BLOCK_FUEL: u64 = 150_000_000;

#[test]
fn an_author_fills_a_block_to_its_fuel_and_every_node_with_that_fuel_imports_it() {
    let author = node_with_fuel(BLOCK_FUEL);
    let follower = node_with_fuel(BLOCK_FUEL);
    let stricter = node_with_fuel(BLOCK_FUEL / 2);
    let bob = account("Bob");
    let txs: Vec<_> = (0..200)
        .map(|nonce| {
            sign(
                &author.client,
                "Alice",
                transfer(&bob, 1_000_000_000_000),
                nonce,
            )
        })
        .collect();

    let built = build(&author, txs.clone());
    let included = built.included.len();
    eprintln!("{included} of 200 transfers fit {BLOCK_FUEL} units of fuel");
    assert!(built.full, "the block is full");
    assert!(built.rejected.is_empty(), "{:?}", built.rejected);
    assert!(included > 10 && included < 200, "{included}");

    let block = built.block.clone();
    import(&author, built.block, Some(built.changes)).unwrap();
    for node in [&follower, &stricter] {
        node.clock
            .store(author.clock.load(Ordering::Relaxed), Ordering::Relaxed);
    }
    import(&follower, block.clone(), None).expect("a node with the chain's fuel imports it");
    assert_eq!(
        follower.client.info().best_hash,
        author.client.info().best_hash
    );

    // Twice, the same refusal.
    let refusals: Vec<String> = (0..2)
        .map(|_| match import(&stricter, block.clone(), None) {
            Err(ImportError::ExecutionFailed(why)) => why,
            other => panic!("expected an execution failure, got {other:?}"),
        })
        .collect();
    assert!(refusals[0].contains("ran out of fuel"), "{}", refusals[0]);
    assert_eq!(refusals[0], refusals[1]);
    assert_eq!(stricter.client.info().best_number, 0);

    // What did not fit goes into the next blocks.
    let rest = txs[included..].to_vec();
    let next = build(&author, rest);
    assert!(!next.included.is_empty());
    assert!(next.rejected.is_empty(), "{:?}", next.rejected);
}

#[test]
fn transactions_too_heavy_for_any_block_are_refused_and_the_rest_still_fit() {
    // A remark of 1 MiB: finalizing it alone (hashing it into the extrinsics root) needs more
    // fuel than a block has for transactions. One of 400 KiB: its fuel to finalize fits, but
    // not with what applying it used. Both are refused, not kept for a later block, and the
    // transfers behind them still go in.
    let author = node_with_fuel(BLOCK_FUEL);
    let remark = |len: usize, nonce| {
        sign(
            &author.client,
            "Alice",
            RuntimeCall::System(cpc_pallet_system::Call::remark {
                remark: vec![7; len],
            }),
            nonce,
        )
    };
    let mut txs = vec![remark(1 << 20, 0)];
    txs.extend((0..3).map(|n| sign(&author.client, "Bob", transfer(&account("Dave"), 1), n)));
    let built = build(&author, txs);
    assert_eq!(built.rejected.len(), 1, "{:?}", built.rejected);
    assert!(
        built.rejected[0].1.contains("more fuel"),
        "{:?}",
        built.rejected
    );
    assert_eq!(built.included.len(), 3);

    let built = build(&author, vec![remark(400 << 10, 0)]);
    assert!(built.included.is_empty());
    assert_eq!(built.rejected.len(), 1, "{:?}", built.rejected);
    assert!(
        built.rejected[0].1.contains("more fuel"),
        "{:?}",
        built.rejected
    );
}
