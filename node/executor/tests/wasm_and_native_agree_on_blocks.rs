//! The runtime compiled to wasm and run by wasmtime behaves exactly as the native runtime:
//! same version, same results, and the same state root for blocks of many transfers, whether
//! the block is built or imported.

use codec::{Decode, Encode};
use cpc_api::{Method, block_builder, core};
use cpc_executor::{
    NativeExecutor, RuntimeCode, RuntimeExecutor, WasmExecutor, WasmExecutorConfig,
};
use cpc_primitives::Block;
use cpc_runtime::{VERSION, WASM_BINARY, api};
use cpc_runtime_test_utils::*;
use cpc_state_machine::{Ext, InMemoryBackend, OverlayedChanges};
use cpc_version::RuntimeVersion;
use std::collections::BTreeMap;

fn wasm() -> WasmExecutor {
    WasmExecutor::new(WasmExecutorConfig::default()).unwrap()
}

fn code() -> RuntimeCode<'static> {
    RuntimeCode::from_bytes(WASM_BINARY.unwrap())
}

type Storage = BTreeMap<Vec<u8>, Vec<u8>>;
type CallResult = Result<Vec<u8>, cpc_executor::ExecutionError>;

/// Calls `method` over `storage` and returns the result with the new storage.
fn call_over(
    executor: &dyn RuntimeExecutor,
    storage: &Storage,
    method: &str,
    input: &[u8],
) -> (CallResult, Storage) {
    let mut backend = InMemoryBackend::new(storage.clone());
    let mut overlay = OverlayedChanges::new();
    let result = {
        let mut ext = Ext::new(&mut overlay, &backend, None);
        executor.call(&mut ext, &code(), method, input)
    };
    backend.apply(overlay.drain_committed());
    (result, backend.into_storage())
}

#[test]
fn the_wasm_runtime_reports_the_native_version() {
    let (result, _) = call_over(
        &wasm(),
        &BTreeMap::new(),
        <core::version as Method>::NAME,
        &[],
    );
    let version = RuntimeVersion::decode(&mut &result.unwrap()[..]).unwrap();
    assert_eq!(version, VERSION);
}

fn block_of_transfers(n: u32) -> (BTreeMap<Vec<u8>, Vec<u8>>, Block) {
    let mut chain = Chain::dev();
    let genesis = chain.ext.storage();
    let alice = pair("Alice");
    let recipients: Vec<_> = (0..n)
        .map(|i| cpc_primitives::AccountId::new([i as u8 + 1; 32]))
        .collect();
    let xts = recipients
        .iter()
        .enumerate()
        .map(|(i, to)| {
            chain.sign(
                &alice,
                transfer(to, 1_000_000_000_000 + i as u128),
                i as u32,
            )
        })
        .collect();
    let (block, results) = chain.build_block(xts);
    assert!(results.iter().all(|r| matches!(r, Ok(Ok(())))));
    (genesis, block)
}

#[test]
fn a_block_of_many_transfers_gives_the_same_root_in_wasm_and_natively() {
    let (genesis, block) = block_of_transfers(200);
    let wasm = wasm();
    let native = NativeExecutor::new(api::dispatch, VERSION, None);
    let (wasm_result, wasm_state) = call_over(
        &wasm,
        &genesis,
        <core::execute_block as Method>::NAME,
        &block.encode(),
    );
    let (native_result, native_state) = call_over(
        &native,
        &genesis,
        <core::execute_block as Method>::NAME,
        &block.encode(),
    );
    wasm_result.expect("wasm imports the block");
    native_result.expect("native imports the block");
    assert_eq!(wasm_state, native_state);
    assert_eq!(cpc_trie::trie_root(wasm_state), block.header.state_root);
}

#[test]
fn building_a_block_in_wasm_gives_the_native_header() {
    let (genesis, block) = block_of_transfers(50);
    let wasm = wasm();
    // Build the same block step by step through wasm: initialize, apply each, finalize.
    let mut backend = InMemoryBackend::new(genesis);
    let mut overlay = OverlayedChanges::new();
    let header = {
        let mut ext = Ext::new(&mut overlay, &backend, None);
        let mut partial = block.header.clone();
        partial.state_root = Default::default();
        partial.extrinsics_root = Default::default();
        wasm.call(
            &mut ext,
            &code(),
            <core::initialize_block as Method>::NAME,
            &partial.encode(),
        )
        .unwrap();
        for xt in &block.extrinsics {
            let result = wasm
                .call(
                    &mut ext,
                    &code(),
                    <block_builder::apply_extrinsic as Method>::NAME,
                    &xt.encode(),
                )
                .unwrap();
            let result =
                cpc_primitives::dispatch::ApplyExtrinsicResult::decode(&mut &result[..]).unwrap();
            assert!(matches!(result, Ok(Ok(()))), "{result:?}");
        }
        let header = wasm
            .call(
                &mut ext,
                &code(),
                <block_builder::finalize_block as Method>::NAME,
                &[],
            )
            .unwrap();
        cpc_primitives::Header::decode(&mut &header[..]).unwrap()
    };
    backend.apply(overlay.drain_committed());
    assert_eq!(header, block.header);
}

#[test]
fn a_tampered_block_fails_in_wasm_with_the_runtime_reason() {
    let (genesis, mut block) = block_of_transfers(3);
    block.header.state_root = cpc_primitives::H256([7; 32]);
    let (result, _) = call_over(
        &wasm(),
        &genesis,
        <core::execute_block as Method>::NAME,
        &block.encode(),
    );
    let error = result.unwrap_err().to_string();
    assert!(error.contains("state root mismatch"), "{error}");
}

#[test]
fn the_native_executor_refuses_code_of_another_version() {
    let wasm: std::sync::Arc<dyn RuntimeExecutor> = std::sync::Arc::new(wasm());
    let mut other = VERSION;
    other.spec_version += 1;
    let native = NativeExecutor::new(api::dispatch, other, Some(wasm));
    let (result, _) = call_over(
        &native,
        &BTreeMap::new(),
        <core::version as Method>::NAME,
        &[],
    );
    assert!(matches!(
        result,
        Err(cpc_executor::ExecutionError::NativeVersionMismatch { .. })
    ));
}

#[test]
fn modules_are_compiled_once_and_cached_by_hash() {
    let wasm = wasm();
    assert!(!wasm.is_cached(&code().hash));
    wasm.prepare(&code()).unwrap();
    assert!(wasm.is_cached(&code().hash));
    let started = std::time::Instant::now();
    for _ in 0..20 {
        let (result, _) = call_over(
            &wasm,
            &BTreeMap::new(),
            <core::version as Method>::NAME,
            &[],
        );
        result.unwrap();
    }
    // Reported, not asserted: instantiation from the pool with copy-on-write memory.
    eprintln!(
        "20 cached calls of Core_version took {:?}",
        started.elapsed()
    );
}
