//! A block built through the runtime API imports on a fresh node with the same state root; a
//! block that differs from what its header claims, lacks its inherent, or carries an invalid
//! extrinsic is refused with a reason.

use codec::Encode;
use cpc_api::Core;
use cpc_primitives::{Block, H256, OpaqueExtrinsic};
use cpc_runtime::Runtime;
use cpc_runtime_test_utils::*;

fn import(block: Block) -> Result<H256, String> {
    let mut fresh = Chain::dev();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fresh.ext.execute_with(|| Runtime::execute_block(block))
    }));
    match result {
        Ok(()) => {
            fresh.ext.commit_all();
            Ok(fresh.ext.storage_root())
        }
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()),
    }
}

fn block_of_transfers(n: u32) -> (Chain, Block) {
    let mut chain = Chain::dev();
    let alice = pair("Alice");
    let bob = account("Bob");
    let xts = (0..n)
        .map(|i| chain.sign(&alice, transfer(&bob, 1_000_000_000 + u128::from(i)), i))
        .collect();
    let (block, results) = chain.build_block(xts);
    assert!(
        results.iter().all(|r| matches!(r, Ok(Ok(())))),
        "{results:?}"
    );
    (chain, block)
}

#[test]
fn a_built_block_imports_with_the_same_state_root() {
    let (mut chain, block) = block_of_transfers(50);
    assert_eq!(
        block.extrinsics.len(),
        51,
        "the timestamp inherent and 50 transfers"
    );
    let root = import(block.clone()).expect("the block imports");
    assert_eq!(root, block.header.state_root);
    assert_eq!(chain.ext.storage_root(), root);
}

#[test]
fn a_wrong_state_root_is_refused() {
    let (_, mut block) = block_of_transfers(3);
    block.header.state_root = H256([1; 32]);
    assert!(import(block).unwrap_err().contains("state root mismatch"));
}

#[test]
fn a_wrong_extrinsics_root_is_refused() {
    let (_, mut block) = block_of_transfers(3);
    block.extrinsics.swap(1, 2);
    let err = import(block).unwrap_err();
    assert!(
        err.contains("extrinsics root mismatch") || err.contains("is invalid"),
        "{err}"
    );
}

#[test]
fn a_block_without_its_timestamp_is_refused() {
    let (_, mut block) = block_of_transfers(2);
    block.extrinsics.remove(0);
    assert!(
        import(block)
            .unwrap_err()
            .contains("lacks the inherent of Timestamp")
    );
}

#[test]
fn an_inherent_after_a_transaction_is_refused() {
    let (_, mut block) = block_of_transfers(2);
    let inherent = block.extrinsics.remove(0);
    block.extrinsics.push(inherent);
    assert!(import(block).unwrap_err().contains("is invalid"));
}

#[test]
fn a_forged_signature_in_a_block_is_refused() {
    let (_, mut block) = block_of_transfers(4);
    let mut bytes = block.extrinsics[2].encode();
    let at = bytes.len() - 60;
    bytes[at] ^= 1;
    block.extrinsics[2] = OpaqueExtrinsic::from_encoded(&bytes).unwrap();
    let err = import(block).unwrap_err();
    assert!(
        err.contains("extrinsic 2 is invalid") && err.contains("bad signature"),
        "{err}"
    );
}

#[test]
fn garbage_in_a_block_is_refused() {
    let (_, mut block) = block_of_transfers(1);
    block.extrinsics.push(OpaqueExtrinsic(vec![0x84, 1, 2, 3]));
    assert!(import(block).unwrap_err().contains("does not decode"));
}

#[test]
fn invalid_transactions_are_left_out_of_built_blocks() {
    let mut chain = Chain::dev();
    let alice = pair("Alice");
    let bob = account("Bob");
    let good = chain.sign(&alice, transfer(&bob, 5), 0);
    let replay = good.clone();
    let (block, results) = chain.build_block(vec![good, replay]);
    assert!(results[0].is_ok());
    assert!(results[1].is_err(), "the replay is stale");
    assert_eq!(block.extrinsics.len(), 2);
    assert_eq!(import(block.clone()).unwrap(), block.header.state_root);
}
