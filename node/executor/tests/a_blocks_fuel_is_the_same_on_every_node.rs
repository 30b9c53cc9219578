//! Block execution is bounded by fuel, not by the clock: a block uses exactly the same fuel on
//! an idle executor, a loaded one, one that remembers verified signatures and one that does
//! not; with that much fuel it imports, with less it is refused on every node alike. (Wasmtime
//! checks fuel at loop heads and calls, so a call may run a few operators past its last check
//! before it stops: the point where it stops is as deterministic as the count.)

use codec::Encode;
use cpc_api::{Method, core};
use cpc_executor::{
    CallClass, ExecutionError, RuntimeCode, RuntimeExecutor, WasmExecutor, WasmExecutorConfig,
};
use cpc_primitives::Block;
use cpc_runtime::WASM_BINARY;
use cpc_runtime_test_utils::*;
use cpc_state_machine::{Ext, InMemoryBackend, OverlayedChanges};
use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicBool, Ordering},
    time::Instant,
};

type Storage = BTreeMap<Vec<u8>, Vec<u8>>;

fn block_of_transfers(n: u32) -> (Storage, Block) {
    let mut chain = Chain::dev();
    let genesis = chain.ext.storage();
    let alice = pair("Alice");
    let xts = (0..n)
        .map(|i| {
            let to = cpc_primitives::AccountId::new([i as u8 + 1; 32]);
            chain.sign(&alice, transfer(&to, 1_000_000_000_000 + u128::from(i)), i)
        })
        .collect();
    let (block, results) = chain.build_block(xts);
    assert!(results.iter().all(|r| matches!(r, Ok(Ok(())))));
    (genesis, block)
}

fn execute(
    executor: &dyn RuntimeExecutor,
    genesis: &Storage,
    block: &Block,
) -> Result<Vec<u8>, ExecutionError> {
    let backend = InMemoryBackend::new(genesis.clone());
    let mut overlay = OverlayedChanges::new();
    let mut ext = Ext::new(&mut overlay, &backend, None);
    executor.call(
        &mut ext,
        &RuntimeCode::from_bytes(WASM_BINARY.unwrap()),
        <core::execute_block as Method>::NAME,
        &block.encode(),
    )
}

/// The fuel executing `block` takes on `executor`.
fn fuel_of(executor: &WasmExecutor, genesis: &Storage, block: &Block) -> u64 {
    let meter = executor.block_meter(u64::MAX);
    execute(&meter, genesis, block).expect("the block imports");
    u64::MAX - meter.remaining()
}

fn executor(config: WasmExecutorConfig) -> WasmExecutor {
    WasmExecutor::new(config).unwrap()
}

#[test]
fn a_block_takes_the_same_fuel_however_loaded_or_configured_the_node_is() {
    let (genesis, block) = block_of_transfers(100);
    let idle = executor(WasmExecutorConfig::default());
    let started = Instant::now();
    let reference = fuel_of(&idle, &genesis, &block);
    let elapsed = started.elapsed();
    eprintln!(
        "100 transfers: {reference} fuel, {} per transfer, executed in {elapsed:?}",
        reference / 100
    );

    // Again: the signatures are now remembered, and not verified a second time; the charge is
    // the same.
    assert_eq!(fuel_of(&idle, &genesis, &block), reference);
    // A node that remembers no signatures, with other slots and cache sizes.
    let other = executor(WasmExecutorConfig {
        verified_signatures: 0,
        module_cache_size: 1,
        max_concurrent_calls: 4,
        reserved_block_calls: 1,
        max_pool_calls: 1,
        max_offchain_calls: 1,
        ..Default::default()
    });
    assert_eq!(fuel_of(&other, &genesis, &block), reference);

    // A loaded node: every core busy hashing, and queries running on the same executor.
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let mut data = [0u8; 32];
                while !stop.load(Ordering::Relaxed) {
                    data = cpc_primitives::hashing::blake2_256(&data);
                }
            });
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let backend = InMemoryBackend::new(genesis.clone());
                    let mut overlay = OverlayedChanges::new();
                    let mut ext = Ext::new(&mut overlay, &backend, None);
                    let _ = idle.call_as(
                        CallClass::Offchain,
                        &mut ext,
                        &RuntimeCode::from_bytes(WASM_BINARY.unwrap()),
                        <core::execute_block as Method>::NAME,
                        &block.encode(),
                    );
                }
            });
        }
        for _ in 0..3 {
            assert_eq!(fuel_of(&idle, &genesis, &block), reference);
        }
        stop.store(true, Ordering::Relaxed);
    });
}

#[test]
fn with_less_fuel_than_it_takes_a_block_is_refused_on_every_node() {
    let (genesis, block) = block_of_transfers(20);
    let needed = fuel_of(&executor(WasmExecutorConfig::default()), &genesis, &block);

    let enough = executor(WasmExecutorConfig {
        block_fuel: needed,
        ..Default::default()
    });
    execute(&enough, &genesis, &block).expect("exactly enough fuel");

    let short_by = needed / 100;
    for verified_signatures in [0, 1024] {
        let short = executor(WasmExecutorConfig {
            block_fuel: needed - short_by,
            verified_signatures,
            ..Default::default()
        });
        // Warm the signature memory first where there is one: it must not change the outcome.
        let _ = execute(&enough, &genesis, &block);
        assert_eq!(
            execute(&short, &genesis, &block),
            Err(ExecutionError::OutOfFuel {
                method: <core::execute_block as Method>::NAME.into(),
                limit: needed - short_by,
            })
        );
    }
}

#[test]
fn a_nodes_log_level_changes_neither_what_the_runtime_does_nor_its_fuel() {
    // A block with a failing transfer: the runtime logs the failure at debug level, if it is
    // told the node logs at that level.
    let mut chain = Chain::dev();
    let genesis = chain.ext.storage();
    let alice = pair("Alice");
    let xts = vec![
        chain.sign(&alice, transfer(&account("Bob"), 1_000_000_000_000), 0),
        chain.sign(&alice, transfer(&account("Bob"), u128::MAX / 2), 1),
    ];
    let (block, results) = chain.build_block(xts);
    assert!(matches!(results[1], Ok(Err(_))), "{results:?}");

    let executor = executor(WasmExecutorConfig::default());
    log::set_max_level(log::LevelFilter::Info);
    let quiet = fuel_of(&executor, &genesis, &block);
    log::set_max_level(log::LevelFilter::Trace);
    assert_eq!(fuel_of(&executor, &genesis, &block), quiet);

    // What the runtime is told: info in consensus calls, the node's level offchain.
    let code = wat::parse_str(
        r#"(module
  (import "env" "ext_logging_max_level_version_1" (func $level (result i32)))
  (memory (export "memory") 1)
  (func (export "cpc_alloc") (param i32) (result i32) (i32.const 64))
  (func (export "Test_level") (param i32 i32) (result i64)
    (i32.store8 (i32.const 0) (call $level))
    (i64.or (i64.shl (i64.const 1) (i64.const 32)) (i64.const 0))))"#,
    )
    .unwrap();
    let level = |class| {
        let backend = InMemoryBackend::default();
        let mut overlay = OverlayedChanges::new();
        let mut ext = Ext::new(&mut overlay, &backend, None);
        executor
            .call_as(
                class,
                &mut ext,
                &RuntimeCode::from_bytes(&code[..]),
                "Test_level",
                &[],
            )
            .unwrap()[0]
    };
    assert_eq!(level(CallClass::Block), log::LevelFilter::Info as u8);
    assert_eq!(level(CallClass::Pool), log::LevelFilter::Info as u8);
    assert_eq!(level(CallClass::Offchain), log::LevelFilter::Trace as u8);
}
