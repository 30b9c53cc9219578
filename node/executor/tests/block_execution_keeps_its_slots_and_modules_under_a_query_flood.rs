//! Offchain calls (RPC queries) cannot take the instance slots or evict the compiled module
//! block execution needs, and a code many calls race for is compiled once.

use cpc_executor::{CallClass, ExecutionError, RuntimeCode, WasmExecutor, WasmExecutorConfig};
use cpc_state_machine::{Ext, InMemoryBackend, OverlayedChanges};
use std::time::Duration;

/// A module with a call that never ends and one that returns at once; `tag` makes each
/// variant a distinct code.
fn module(tag: u32) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
  (memory (export "memory") 1)
  (global (export "tag") i32 (i32.const {tag}))
  (func (export "cpc_alloc") (param i32) (result i32) (i32.const 64))
  (func (export "Test_loop") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    (i64.const 0))
  (func (export "Test_echo") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get 1)) (i64.const 32)) (i64.extend_i32_u (local.get 0))))
)"#
    ))
    .unwrap()
}

fn call(
    executor: &WasmExecutor,
    class: CallClass,
    code: &[u8],
    method: &str,
) -> Result<Vec<u8>, ExecutionError> {
    let backend = InMemoryBackend::default();
    let mut overlay = OverlayedChanges::new();
    let mut ext = Ext::new(&mut overlay, &backend, None);
    executor.call_as(
        class,
        &mut ext,
        &RuntimeCode::from_bytes(code),
        method,
        b"hi",
    )
}

#[test]
fn block_calls_run_while_every_query_slot_is_held_by_runaway_calls() {
    let executor = WasmExecutor::new(WasmExecutorConfig {
        // Runaway validations run for seconds before their fuel ends.
        block_fuel: 12_000_000_000,
        pool_slot_wait: Duration::from_secs(3),
        offchain_call_timeout: Duration::from_secs(3),
        max_concurrent_calls: 8,
        reserved_block_calls: 2,
        max_pool_calls: 4,
        max_offchain_calls: 4,
        ..Default::default()
    })
    .unwrap();
    let code = module(0);
    executor
        .prepare(&RuntimeCode::from_bytes(&code[..]))
        .unwrap();

    std::thread::scope(|scope| {
        // Twenty runaway queries: up to four run, the others wait for a slot, and give up.
        let flood: Vec<_> = (0..20)
            .map(|_| scope.spawn(|| call(&executor, CallClass::Offchain, &code, "Test_loop")))
            .collect();
        // Runaway pool validations too: between them they may hold the 6 shared slots,
        // never the 2 reserved ones.
        let pool: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| call(&executor, CallClass::Pool, &code, "Test_loop")))
            .collect();
        while executor.slots_in_use()[1] + executor.slots_in_use()[2] < 6 {
            std::thread::yield_now();
        }
        // Block execution gets a slot while the queries hold theirs.
        for _ in 0..10 {
            assert_eq!(
                call(&executor, CallClass::Block, &code, "Test_echo").unwrap(),
                b"hi"
            );
        }
        // Which class won how many of the six shared slots is a race; each stays under its
        // own cap, and together they still hold all six.
        let [_, pool_held, queries_held] = executor.slots_in_use();
        assert_eq!(
            pool_held + queries_held,
            6,
            "the runaway calls still hold every shared slot"
        );
        assert!(
            (2..=4).contains(&pool_held) && (2..=4).contains(&queries_held),
            "{pool_held} pool and {queries_held} query slots"
        );

        for handle in pool {
            match handle.join().unwrap() {
                Err(ExecutionError::OutOfFuel {
                    limit: 3_000_000_000,
                    ..
                })
                | Err(ExecutionError::Busy(CallClass::Pool)) => {}
                other => panic!("a runaway validation ended with {other:?}"),
            }
        }
        let (mut timed_out, mut busy) = (0, 0);
        for handle in flood {
            match handle.join().unwrap() {
                Err(ExecutionError::Timeout { limit_ms: 3000, .. }) => timed_out += 1,
                Err(ExecutionError::Busy(CallClass::Offchain)) => busy += 1,
                other => panic!("a runaway query ended with {other:?}"),
            }
        }
        eprintln!("runaway queries: {timed_out} stopped by their time limit, {busy} refused busy");
        assert!(
            timed_out >= queries_held as usize && busy >= 1 && timed_out + busy == 20,
            "{timed_out} {busy}"
        );
    });
    assert_eq!(executor.slots_in_use(), [0, 0, 0]);
}

#[test]
fn queries_of_many_codes_never_evict_the_code_blocks_run() {
    let executor = WasmExecutor::new(WasmExecutorConfig {
        module_cache_size: 2,
        ..Default::default()
    })
    .unwrap();
    let live = module(0);
    let live_hash = RuntimeCode::from_bytes(&live[..]).hash;
    call(&executor, CallClass::Block, &live, "Test_echo").unwrap();
    let compiled = executor.compilations();

    for tag in 1..=6 {
        call(&executor, CallClass::Offchain, &module(tag), "Test_echo").unwrap();
    }
    assert!(
        executor.is_cached(&live_hash),
        "the live code stays compiled"
    );
    assert_eq!(executor.compilations(), compiled + 6);
    call(&executor, CallClass::Block, &live, "Test_echo").unwrap();
    assert_eq!(executor.compilations(), compiled + 6, "no recompilation");

    // Code first compiled for a query is reused, not recompiled, once blocks run it.
    let upgraded = module(100);
    call(&executor, CallClass::Offchain, &upgraded, "Test_echo").unwrap();
    call(&executor, CallClass::Block, &upgraded, "Test_echo").unwrap();
    assert_eq!(executor.compilations(), compiled + 7);
}

/// A module large enough that compiling it takes a while (a few thousand functions), so
/// racing calls do overlap.
fn large_module() -> Vec<u8> {
    let functions: String = (0..3000)
        .map(|i| {
            format!(
                "(func $f{i} (param i32) (result i32) (i32.add (i32.mul (local.get 0) (i32.const {i})) (i32.const 7)))\n"
            )
        })
        .collect();
    wat::parse_str(format!(
        r#"(module
  (memory (export "memory") 1)
  (func (export "cpc_alloc") (param i32) (result i32) (i32.const 64))
  (func (export "Test_echo") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get 1)) (i64.const 32)) (i64.extend_i32_u (local.get 0))))
  {functions})"#
    ))
    .unwrap()
}

#[test]
fn a_code_many_calls_race_for_is_compiled_once() {
    let executor = WasmExecutor::new(WasmExecutorConfig::default()).unwrap();
    let code = large_module();
    let started = std::sync::Barrier::new(8);
    let (executor, code, started) = (&executor, &code, &started);
    std::thread::scope(|scope| {
        let calls: Vec<_> = (0..8)
            .map(|i| {
                let class = if i % 2 == 0 {
                    CallClass::Block
                } else {
                    CallClass::Offchain
                };
                scope.spawn(move || {
                    started.wait();
                    call(executor, class, code, "Test_echo")
                })
            })
            .collect();
        for handle in calls {
            assert_eq!(handle.join().unwrap().unwrap(), b"hi");
        }
    });
    assert_eq!(executor.compilations(), 1);
}

#[test]
fn a_query_is_not_cut_short_by_the_time_the_node_spends_compiling_for_it() {
    // A dry run reads the version of new code: the host compiles it inside the query. That
    // time is the node's, bounded by the code size and spent once per code; the query's own
    // limit (200 ms here, against a compile of most of a second) counts only the rest.
    let executor = WasmExecutor::new(WasmExecutorConfig {
        offchain_call_timeout: Duration::from_millis(200),
        ..Default::default()
    })
    .unwrap();
    let caller = wat::parse_str(
        r#"(module
  (import "env" "ext_misc_runtime_version_version_1"
    (func $version (param i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 16)
  (func (export "cpc_alloc") (param i32) (result i32) (i32.const 64))
  (func (export "Test_version") (param i32 i32) (result i64)
    (drop (call $version (local.get 0) (local.get 1) (i32.const 0) (i32.const 0)))
    (i64.const 0)))"#,
    )
    .unwrap();
    let new_code = large_module();
    let backend = InMemoryBackend::default();
    let mut overlay = OverlayedChanges::new();
    let mut ext = Ext::new(&mut overlay, &backend, Some(&executor));
    let started = std::time::Instant::now();
    let result = executor.call_as(
        CallClass::Offchain,
        &mut ext,
        &RuntimeCode::from_bytes(&caller[..]),
        "Test_version",
        &new_code,
    );
    let elapsed = started.elapsed();
    eprintln!("the query took {elapsed:?}, most of it compiling the new code");
    assert!(
        elapsed > Duration::from_millis(200),
        "the compile outlasted the limit"
    );
    assert_eq!(result, Ok(Vec::new()));
    assert!(executor.is_cached(&RuntimeCode::from_bytes(&new_code[..]).hash));
}

#[test]
fn a_used_instance_slot_stays_resident_and_is_counted_idle() {
    let executor = WasmExecutor::new(WasmExecutorConfig::default()).unwrap();
    assert_eq!(executor.idle_instances().slots, 0);
    let code = module(0);
    call(&executor, CallClass::Block, &code, "Test_echo").unwrap();
    let after_one = executor.idle_instances();
    assert_eq!(after_one.slots, 1);
    assert!(after_one.resident_bytes > 0, "{after_one:?}");
    // Calls one after another on one thread reuse that slot.
    for _ in 0..5 {
        call(&executor, CallClass::Block, &code, "Test_echo").unwrap();
    }
    assert_eq!(executor.idle_instances(), after_one);
}
