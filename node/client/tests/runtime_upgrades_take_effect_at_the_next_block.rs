//! Runtime upgrades through the client and the real executor: `sudo(set_code)` with the v2
//! runtime takes effect at the next block, whose first execution runs the migration once; the
//! new call works; `set_code` refuses bad code with its reason and changes nothing; a fresh
//! node re-executes both sides of the upgrade; the node's upgrade index records both runtimes;
//! a code substitute revives a chain whose code was broken.

mod common;

use codec::{Decode, Encode};
use common::*;
use cpc_client::ExecutionMode;
use cpc_db::PruningMode;
use cpc_pallet_governance::{Call as GovernanceCall, Event as GovernanceEvent};
use cpc_pallet_system::{
    Call as SystemCall, Error as SystemError, Event as SystemEvent, EventRecord,
};
use cpc_primitives::{
    DigestItem, H256,
    dispatch::DispatchError,
    storage::{storage_prefix, well_known_keys},
};
use cpc_runtime::{Runtime, RuntimeCall, RuntimeEvent, WASM_BINARY};
use cpc_runtime_test_utils::{account, fake_runtime_code, transfer};
use cpc_support::PalletIndex;
use std::collections::BTreeMap;

/// The runtime's spec_version.
const V1: u32 = cpc_runtime::VERSION.spec_version;
/// The v2 runtime's spec_version.
const V2: u32 = V1 + 1;

fn v2_code() -> &'static [u8] {
    cpc_runtime_v2::WASM_BINARY_V2.expect("the v2 runtime is built")
}

fn sudo(call: RuntimeCall) -> RuntimeCall {
    RuntimeCall::Governance(GovernanceCall::sudo {
        call: Box::new(call),
    })
}

fn set_code(code: &[u8]) -> RuntimeCall {
    RuntimeCall::System(SystemCall::set_code {
        code: code.to_vec(),
    })
}

fn set_note(text: &str) -> RuntimeCall {
    RuntimeCall::Notes(cpc_pallet_notes::Call::set_note {
        text: cpc_pallet_notes::Text::try_from_vec(text.as_bytes().to_vec()).unwrap(),
    })
}

/// Notes v2's `clear_note`, which this binary's runtime does not have.
const CLEAR_NOTE: [u8; 2] = [4, 1];

fn storage(node: &Node, at: H256, key: &[u8]) -> Option<Vec<u8>> {
    node.client.storage(&at, key).unwrap()
}

fn best(node: &Node) -> H256 {
    node.client.info().best_hash
}

fn migration_runs(node: &Node, at: H256) -> u32 {
    storage(node, at, &storage_prefix("Notes", "MigrationRuns"))
        .map(|v| u32::decode(&mut &v[..]).unwrap())
        .unwrap_or(0)
}

fn alice_note(node: &Node, at: H256) -> Option<Vec<u8>> {
    storage(
        node,
        at,
        &cpc_pallet_notes::Notes::hashed_key(&account("Alice")),
    )
}

/// Events of block `at`, decoded with this binary's (v1) types.
fn events(node: &Node, at: H256) -> Vec<RuntimeEvent> {
    let key = cpc_pallet_system::Events::<Runtime>::hashed_key();
    let raw = storage(node, at, &key).unwrap_or_default();
    Vec::<EventRecord<RuntimeEvent, H256>>::decode(&mut &raw[..])
        .unwrap()
        .into_iter()
        .map(|r| r.event)
        .collect()
}

fn system_error(error: SystemError) -> DispatchError {
    <Runtime as PalletIndex>::resolve(error.into())
}

#[test]
fn an_upgrade_runs_from_the_next_block_and_migrates_once() {
    let chain = node(ExecutionMode::Wasm, PruningMode::Archive);
    // Block 1 (v1): Alice publishes a note in the v1 layout.
    let b1 = author(
        &chain,
        vec![sign(&chain.client, "Alice", set_note("hello"), 0)],
    );
    assert_eq!(b1.included.len(), 1, "{:?}", b1.rejected);
    let b1 = best(&chain);
    assert_eq!(alice_note(&chain, b1), Some(b"hello".to_vec().encode()));

    // Block 2 (v1): the sudo key replaces the code.
    let upgrade = author(
        &chain,
        vec![sign(&chain.client, "Alice", sudo(set_code(v2_code())), 1)],
    );
    assert_eq!(upgrade.included.len(), 1, "{:?}", upgrade.rejected);
    let b2 = best(&chain);
    assert!(
        upgrade
            .block
            .header
            .digest
            .logs
            .contains(&DigestItem::RuntimeEnvironmentUpdated)
    );
    let b2_events = events(&chain, b2);
    assert!(
        b2_events.contains(&RuntimeEvent::Governance(GovernanceEvent::Sudid {
            result: Ok(())
        }))
    );
    assert!(b2_events.contains(&RuntimeEvent::System(SystemEvent::CodeUpdated)));
    assert_eq!(
        storage(&chain, b2, well_known_keys::CODE).as_deref(),
        Some(v2_code())
    );
    assert_eq!(chain.client.runtime_version(&b1).unwrap().spec_version, V1);
    // The state after block 2 holds the new code: block 3 on runs it.
    assert_eq!(chain.client.runtime_version(&b2).unwrap().spec_version, V2);
    assert_eq!(
        migration_runs(&chain, b2),
        0,
        "nothing migrated in the old code's block"
    );

    // Block 3: the first block with v2 migrates the note, once.
    author(&chain, vec![]);
    let b3 = best(&chain);
    assert_eq!(migration_runs(&chain, b3), 1);
    let note = cpc_pallet_notes::Note {
        text: cpc_pallet_notes::Text::try_from_vec(b"hello".to_vec()).unwrap(),
        updated: 3,
    };
    assert_eq!(alice_note(&chain, b3), Some(note.encode()));
    assert_eq!(
        storage(&chain, b3, &cpc_support::storage::version::key("Notes")),
        Some(1u16.encode())
    );

    // Block 4: the new call works, signed for the new spec_version; a transaction signed for
    // the old one no longer verifies.
    let stale = sign(
        &chain.client,
        "Bob",
        transfer(&account("Charlie"), 1_000_000_000_000),
        0,
    );
    let b4 = author(
        &chain,
        vec![
            sign_raw(&chain.client, "Alice", CLEAR_NOTE.to_vec(), V2, 2),
            stale,
        ],
    );
    assert_eq!(b4.included.len(), 1, "{:?}", b4.rejected);
    assert!(
        b4.rejected[0].1.contains("bad signature"),
        "{:?}",
        b4.rejected
    );
    let b4 = best(&chain);
    assert_eq!(alice_note(&chain, b4), None);

    // Block 5: no second migration.
    author(&chain, vec![]);
    assert_eq!(migration_runs(&chain, best(&chain)), 1);

    // The node's upgrade index: the genesis runtime, and the one block 2 installed, found in
    // steps of two blocks.
    use cpc_client::upgrades_index;
    assert_eq!(upgrades_index::catch_up(&chain.client, 2).unwrap(), 2);
    assert_eq!(upgrades_index::catch_up(&chain.client, 2).unwrap(), 4);
    assert_eq!(upgrades_index::catch_up(&chain.client, 2).unwrap(), 5);
    assert_eq!(upgrades_index::catch_up(&chain.client, 2).unwrap(), 5);
    let history: Vec<_> = upgrades_index::upgrades(&chain.client, 0, 100)
        .unwrap()
        .into_iter()
        .map(|u| (u.block, u.version.map(|v| v.spec_version)))
        .collect();
    assert_eq!(history, vec![(0, Some(V1)), (2, Some(V2))]);
    let later = upgrades_index::upgrades(&chain.client, 1, 100).unwrap();
    assert_eq!(later.len(), 1, "from block 1 on: {later:?}");

    // Fresh nodes re-execute every block, both sides of the upgrade, in each execution mode
    // (the native runtime is v1: after the upgrade the node falls back to wasm).
    for mode in [
        ExecutionMode::Wasm,
        ExecutionMode::Native,
        ExecutionMode::Both,
    ] {
        let follower = node(mode, PruningMode::Archive);
        for number in 1..=5 {
            let hash = chain.client.hash(number).unwrap().unwrap();
            let block = chain.client.block(&hash).unwrap().unwrap();
            import(&follower, block, None).unwrap_or_else(|e| panic!("{mode:?} #{number}: {e}"));
        }
        assert_eq!(best(&follower), best(&chain), "{mode:?}");
        assert_eq!(migration_runs(&follower, best(&follower)), 1);
    }
}

#[test]
fn set_code_refuses_bad_code_with_its_reason_and_changes_nothing() {
    let chain = node(ExecutionMode::Wasm, PruningMode::Archive);
    let original = storage(&chain, best(&chain), well_known_keys::CODE).unwrap();
    let refused: Vec<(&str, Vec<u8>, SystemError)> = vec![
        (
            "the same version",
            WASM_BINARY.unwrap().to_vec(),
            SystemError::SpecVersionNeedsToIncrease,
        ),
        (
            "a lower version",
            fake_runtime_code("cpchain", 99),
            SystemError::SpecVersionNeedsToIncrease,
        ),
        (
            "another spec_name",
            fake_runtime_code("other-chain", 500),
            SystemError::InvalidSpecName,
        ),
        (
            "garbage",
            b"\0asm but not really a module".to_vec(),
            SystemError::InvalidWasm,
        ),
        (
            "wasm without the runtime exports",
            wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap(),
            SystemError::MissingRuntimeExports,
        ),
        (
            "code over the size limit",
            vec![0; <Runtime as cpc_pallet_system::Config>::MAX_CODE_SIZE as usize + 1],
            SystemError::CodeTooLarge,
        ),
    ];
    for (nonce, (what, code, error)) in refused.into_iter().enumerate() {
        let built = author(
            &chain,
            vec![sign(
                &chain.client,
                "Alice",
                sudo(set_code(&code)),
                nonce as u32,
            )],
        );
        assert_eq!(built.included.len(), 1, "{what}: {:?}", built.rejected);
        let at = best(&chain);
        let sudid = RuntimeEvent::Governance(GovernanceEvent::Sudid {
            result: Err(system_error(error)),
        });
        assert!(
            events(&chain, at).contains(&sudid),
            "{what}: {:?}",
            events(&chain, at)
        );
        assert_eq!(
            storage(&chain, at, well_known_keys::CODE).as_ref(),
            Some(&original),
            "{what}"
        );
        assert!(
            !built
                .block
                .header
                .digest
                .logs
                .contains(&DigestItem::RuntimeEnvironmentUpdated),
            "{what}"
        );
        assert_eq!(chain.client.runtime_version(&at).unwrap().spec_version, V1);
    }

    // Not root: set_code directly, and sudo by someone without the key. (Each compiles the code
    // in its weight, so they take a block each.)
    let not_root = [
        (
            sign(&chain.client, "Alice", set_code(v2_code()), 6),
            DispatchError::BadOrigin,
        ),
        (
            sign(&chain.client, "Bob", sudo(set_code(v2_code())), 0),
            <Runtime as PalletIndex>::resolve(cpc_pallet_governance::Error::NotSudo.into()),
        ),
    ];
    for (xt, error) in not_root {
        let built = author(&chain, vec![xt]);
        assert_eq!(built.included.len(), 1, "{:?}", built.rejected);
        let failures: Vec<DispatchError> = events(&chain, best(&chain))
            .into_iter()
            .filter_map(|e| match e {
                RuntimeEvent::System(SystemEvent::ExtrinsicFailed { dispatch_error, .. }) => {
                    Some(dispatch_error)
                }
                _ => None,
            })
            .collect();
        assert_eq!(failures, vec![error]);
    }
    assert_eq!(
        storage(&chain, best(&chain), well_known_keys::CODE),
        Some(original)
    );
}

#[test]
fn a_code_substitute_revives_a_chain_whose_code_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    let chain = open(
        dir.path(),
        ExecutionMode::Wasm,
        PruningMode::Archive,
        BTreeMap::new(),
    );
    author(&chain, vec![]);
    // Block 2 writes unusable code through a root call that skips set_code's checks.
    let break_code = sudo(RuntimeCall::System(SystemCall::set_storage {
        items: vec![(well_known_keys::CODE.to_vec(), b"broken".to_vec())],
    }));
    let built = author(&chain, vec![sign(&chain.client, "Alice", break_code, 0)]);
    assert_eq!(built.included.len(), 1, "{:?}", built.rejected);
    let broken_at = chain.client.info().best_number;
    assert_eq!(broken_at, 2);
    // No block can be built or imported on top of it any more.
    let parent = best(&chain);
    let params = cpc_client::BuildParams {
        parent,
        inherent_data: inherent_data(1_700_000_100_000),
        digest: Default::default(),
        deadline: std::time::Instant::now() + std::time::Duration::from_secs(10),
    };
    assert!(
        chain
            .client
            .build_block(params, std::iter::empty())
            .is_err()
    );
    let clock = chain.clock.load(std::sync::atomic::Ordering::Relaxed);
    drop(chain);

    // The same database, opened with the v1 code substituted from block 2 on.
    let substitutes = BTreeMap::from([(broken_at, WASM_BINARY.unwrap().to_vec())]);
    let revived = open(
        dir.path(),
        ExecutionMode::Wasm,
        PruningMode::Archive,
        substitutes.clone(),
    );
    revived
        .clock
        .store(clock, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        revived
            .client
            .runtime_version(&parent)
            .unwrap()
            .spec_version,
        V1
    );
    // Governance repairs the code with a real upgrade; its block still runs the substitute.
    let repair = author(
        &revived,
        vec![sign(&revived.client, "Alice", sudo(set_code(v2_code())), 1)],
    );
    assert_eq!(repair.included.len(), 1, "{:?}", repair.rejected);
    // From then on the chain's own code runs, not the substitute.
    author(&revived, vec![]);
    assert_eq!(
        revived
            .client
            .runtime_version(&best(&revived))
            .unwrap()
            .spec_version,
        V2
    );
    assert_eq!(migration_runs(&revived, best(&revived)), 1);

    // A node syncing from genesis needs the same substitute to get past block 2.
    let bare = node(ExecutionMode::Wasm, PruningMode::Archive);
    let substituted = {
        let other = tempfile::tempdir().unwrap();
        let node = open(
            other.path(),
            ExecutionMode::Wasm,
            PruningMode::Archive,
            substitutes,
        );
        (node, other)
    };
    for number in 1..=revived.client.info().best_number {
        let hash = revived.client.hash(number).unwrap().unwrap();
        let block = revived.client.block(&hash).unwrap().unwrap();
        if number <= broken_at {
            import(&bare, block.clone(), None).unwrap();
        } else if number == broken_at + 1 {
            let refused = import(&bare, block.clone(), None);
            assert!(
                refused.is_err(),
                "the broken code cannot run block {number}"
            );
        }
        import(&substituted.0, block, None).unwrap_or_else(|e| panic!("#{number}: {e}"));
    }
    assert_eq!(best(&substituted.0), best(&revived));
}
