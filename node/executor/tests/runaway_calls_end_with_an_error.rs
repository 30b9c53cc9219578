//! A runtime call that loops forever, recurses without end, or grabs unbounded memory ends with
//! an error within a bound (a block call when its fuel ends, a query at its time limit), and
//! the executor keeps working; so does code that is not usable.

use cpc_api::{Method, core};
use cpc_executor::{
    CallClass, ExecutionError, RuntimeCode, RuntimeExecutor, WasmExecutor, WasmExecutorConfig,
};
use cpc_state_machine::{Ext, InMemoryBackend, OverlayedChanges};
use std::time::{Duration, Instant};

const MODULE: &str = r#"
(module
  (import "env" "ext_misc_panic_version_1" (func $panic (param i32 i32)))
  (import "env" "ext_storage_set_version_1" (func $set (param i32 i32 i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "the runtime gave up")
  (func (export "cpc_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "Test_loop") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    (i64.const 0))
  (func $recurse (export "Test_recurse") (param i32 i32) (result i64)
    (call $recurse (local.get 0) (local.get 1)))
  (func (export "Test_memory") (param i32 i32) (result i64)
    (loop $grow
      (br_if $grow (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    (i64.const 0))
  (func (export "Test_panic") (param i32 i32) (result i64)
    (call $panic (i32.const 16) (i32.const 19))
    (i64.const 0))
  (func (export "Test_bad_pointer") (param i32 i32) (result i64)
    (call $set (i32.const 0x7fffff00) (i32.const 1000) (i32.const 0) (i32.const 1))
    (i64.const 0))
  (func (export "Test_echo") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get 1)) (i64.const 32)) (i64.extend_i32_u (local.get 0))))
)
"#;

fn executor() -> WasmExecutor {
    WasmExecutor::new(WasmExecutorConfig {
        block_fuel: 200_000_000,
        offchain_call_timeout: Duration::from_millis(300),
        max_memory_bytes: 64 * 1024 * 1024,
        ..Default::default()
    })
    .unwrap()
}

fn call(
    executor: &WasmExecutor,
    code: &[u8],
    method: &str,
    input: &[u8],
) -> Result<Vec<u8>, ExecutionError> {
    let backend = InMemoryBackend::default();
    let mut overlay = OverlayedChanges::new();
    let mut ext = Ext::new(&mut overlay, &backend, None);
    executor.call(&mut ext, &RuntimeCode::from_bytes(code), method, input)
}

#[test]
fn runaway_calls_are_stopped_and_the_executor_carries_on() {
    let code = wat::parse_str(MODULE).unwrap();
    let executor = executor();

    let started = Instant::now();
    let looped = call(&executor, &code, "Test_loop", &[]);
    let elapsed = started.elapsed();
    assert_eq!(
        looped,
        Err(ExecutionError::OutOfFuel {
            method: "Test_loop".into(),
            limit: 200_000_000
        })
    );
    eprintln!("the endless loop used its 200,000,000 units of fuel in {elapsed:?}");

    let backend = InMemoryBackend::default();
    let mut overlay = OverlayedChanges::new();
    let mut ext = Ext::new(&mut overlay, &backend, None);
    let queried = executor.call_as(
        CallClass::Offchain,
        &mut ext,
        &RuntimeCode::from_bytes(&code[..]),
        "Test_loop",
        &[],
    );
    assert_eq!(
        queried,
        Err(ExecutionError::Timeout {
            method: "Test_loop".into(),
            limit_ms: 300
        }),
        "a query is stopped by the clock"
    );

    let recursed = call(&executor, &code, "Test_recurse", &[]);
    assert!(
        matches!(recursed, Err(ExecutionError::StackOverflow(_))),
        "{recursed:?}"
    );

    let grabbed = call(&executor, &code, "Test_memory", &[]);
    assert!(
        matches!(grabbed, Err(ExecutionError::OutOfMemory(_))),
        "{grabbed:?}"
    );

    // After all of it, calls still work.
    assert_eq!(
        call(&executor, &code, "Test_echo", b"hello").unwrap(),
        b"hello"
    );
}

#[test]
fn runtime_panics_carry_their_message() {
    let code = wat::parse_str(MODULE).unwrap();
    let result = call(&executor(), &code, "Test_panic", &[]);
    assert_eq!(
        result,
        Err(ExecutionError::RuntimePanic("the runtime gave up".into()))
    );
}

#[test]
fn bad_pointers_from_the_runtime_trap_without_harming_the_host() {
    let code = wat::parse_str(MODULE).unwrap();
    let result = call(&executor(), &code, "Test_bad_pointer", &[]);
    match result {
        Err(ExecutionError::Trap { message, .. }) => {
            assert!(message.contains("out of bounds"), "{message}")
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn unusable_code_is_refused_with_a_reason() {
    let executor = executor();
    let garbage = call(
        &executor,
        b"definitely not wasm",
        <core::version as Method>::NAME,
        &[],
    );
    assert!(
        matches!(garbage, Err(ExecutionError::InvalidCode(_))),
        "{garbage:?}"
    );

    let foreign_import = wat::parse_str(
        r#"(module (import "env" "ext_unknown_version_9" (func)) (memory (export "memory") 1))"#,
    )
    .unwrap();
    let result = call(
        &executor,
        &foreign_import,
        <core::version as Method>::NAME,
        &[],
    );
    assert!(
        matches!(&result, Err(ExecutionError::InvalidCode(why)) if why.contains("ext_unknown_version_9")),
        "{result:?}"
    );

    let code = wat::parse_str(MODULE).unwrap();
    let missing = call(&executor, &code, <core::version as Method>::NAME, &[]);
    assert_eq!(
        missing,
        Err(ExecutionError::MissingExport(
            <core::version as Method>::NAME.into()
        ))
    );

    let simd = wat::parse_str(
        r#"(module (memory (export "memory") 1) (func (export "f") (result v128) (v128.const i32x4 0 0 0 0)))"#,
    )
    .unwrap();
    assert!(
        matches!(
            call(&executor, &simd, "f", &[]),
            Err(ExecutionError::InvalidCode(_))
        ),
        "SIMD is refused"
    );
}
