//! Property: over random sequences of signed calls (transfers of every kind and size, calls
//! that fail, root calls from signed origins, remarks), applied through the runtime API with
//! real signatures and fees:
//! - total issuance always equals the sum of all balances;
//! - an invalid extrinsic changes nothing at all;
//! - a failed call changes nothing but the sender's fee and nonce (and the block's own
//!   bookkeeping: events, weight, extrinsic data).

use codec::Encode;
use cpc_api::{BlockBuilder, Core};
use cpc_crypto::sr25519::Pair;
use cpc_pallet_balances::{Call as BalancesCall, Event as BalancesEvent};
use cpc_pallet_system::{Account, AccountInfo};
use cpc_primitives::{
    AccountId, OpaqueExtrinsic, storage::storage_prefix, storage::well_known_keys,
};
use cpc_runtime::{Runtime, RuntimeCall, RuntimeEvent, constants::*};
use cpc_runtime_test_utils::*;
use cpc_support::Hooks;
use proptest::prelude::*;
use std::collections::BTreeMap;

const ACCOUNTS: usize = 8;

fn pairs() -> Vec<Pair> {
    (0..ACCOUNTS as u8)
        .map(|i| Pair::from_seed(&[i + 1; 32]))
        .collect()
}

fn genesis_json(pairs: &[Pair]) -> Vec<u8> {
    // Balances from plenty down to barely alive, so reaping and fee failures are reachable.
    let amounts = [
        1_000 * UNITS,
        50 * UNITS,
        UNITS,
        10 * MILLI_UNITS,
        3 * MILLI_UNITS,
        2 * EXISTENTIAL_DEPOSIT,
    ];
    let balances: Vec<(String, u128)> = pairs
        .iter()
        .zip(amounts)
        .map(|(p, amount)| (AccountId::from(p.public()).to_string(), amount))
        .collect();
    serde_json::to_vec(&serde_json::json!({ "balances": { "balances": balances } })).unwrap()
}

#[derive(Debug, Clone)]
enum Amount {
    /// Per mille of the sender's free balance.
    Share(u16),
    /// A fixed amount.
    Fixed(u128),
}

#[derive(Debug, Clone)]
enum Op {
    Transfer {
        from: usize,
        to: usize,
        amount: Amount,
        tip: u128,
    },
    TransferKeepAlive {
        from: usize,
        to: usize,
        amount: Amount,
    },
    TransferAll {
        from: usize,
        to: usize,
        keep_alive: bool,
    },
    ForceSetBalance {
        from: usize,
        who: usize,
    },
    SetStorage {
        from: usize,
    },
    Remark {
        from: usize,
        len: usize,
    },
    NextBlock,
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        (0u16..=1000).prop_map(Amount::Share),
        prop_oneof![
            Just(0u128),
            Just(EXISTENTIAL_DEPOSIT - 1),
            Just(EXISTENTIAL_DEPOSIT),
            Just(u128::MAX),
            0u128..10 * UNITS,
        ]
        .prop_map(Amount::Fixed),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..ACCOUNTS;
    prop_oneof![
        4 => (who.clone(), who.clone(), amount(), prop_oneof![Just(0u128), 0..MILLI_UNITS])
            .prop_map(|(from, to, amount, tip)| Op::Transfer { from, to, amount, tip }),
        2 => (who.clone(), who.clone(), amount()).prop_map(|(from, to, amount)| Op::TransferKeepAlive { from, to, amount }),
        1 => (who.clone(), who.clone(), any::<bool>()).prop_map(|(from, to, keep_alive)| Op::TransferAll { from, to, keep_alive }),
        1 => (who.clone(), who.clone()).prop_map(|(from, who)| Op::ForceSetBalance { from, who }),
        1 => who.clone().prop_map(|from| Op::SetStorage { from }),
        1 => (who.clone(), 0usize..300).prop_map(|(from, len)| Op::Remark { from, len }),
        1 => Just(Op::NextBlock),
    ]
}

/// Keys a failed (but included) extrinsic may change besides the sender's account and the
/// issuance: the block's bookkeeping.
fn bookkeeping(key: &[u8]) -> bool {
    let system_values = [
        "Events",
        "EventCount",
        "BlockWeight",
        "AllExtrinsicsLen",
        "ExecutionPhase",
        "InherentsApplied",
    ];
    key == well_known_keys::EXTRINSIC_INDEX
        || system_values
            .iter()
            .any(|item| key == storage_prefix("System", item))
        || key.starts_with(&storage_prefix("System", "ExtrinsicData"))
}

fn fee_paid(who: &AccountId) -> u128 {
    cpc_pallet_system::Pallet::<Runtime>::events()
        .into_iter()
        .rev()
        .find_map(|r| match r.event {
            RuntimeEvent::Balances(BalancesEvent::TransactionFeePaid {
                who: payer,
                actual_fee,
                ..
            }) if payer == *who => Some(actual_fee),
            _ => None,
        })
        .expect("every included signed extrinsic pays a fee")
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let pairs = pairs();
    let ids: Vec<AccountId> = pairs.iter().map(|p| p.public().into()).collect();
    let mut chain = Chain::from_json(&genesis_json(&pairs));
    chain.build_block(Vec::new());
    // Start block 2 and keep it open while applying, as a block author does.
    let start = |chain: &mut Chain| {
        chain.now += 1_000;
        let data = chain.inherent_data();
        let parent = chain.best.clone();
        chain.ext.execute_with(|| {
            Runtime::initialize_block(cpc_primitives::Header {
                parent_hash: parent.hash(),
                number: parent.number + 1,
                state_root: Default::default(),
                extrinsics_root: Default::default(),
                digest: Default::default(),
            });
            for inherent in Runtime::inherent_extrinsics(data) {
                assert!(matches!(Runtime::apply_extrinsic(inherent), Ok(Ok(()))));
            }
        });
    };
    start(&mut chain);

    for op in ops {
        let (from, call, tip) = match op {
            Op::NextBlock => {
                let header = chain.ext.execute_with(Runtime::finalize_block);
                chain.best = header;
                start(&mut chain);
                continue;
            }
            Op::Transfer {
                from,
                to,
                ref amount,
                ..
            }
            | Op::TransferKeepAlive {
                from,
                to,
                ref amount,
            } => {
                let free = free(&mut chain.ext, &ids[from]);
                let value = match amount {
                    Amount::Share(s) => free / 1000 * u128::from(*s),
                    Amount::Fixed(v) => *v,
                };
                let dest = ids[to].into();
                let call = if matches!(op, Op::Transfer { .. }) {
                    BalancesCall::transfer { dest, value }
                } else {
                    BalancesCall::transfer_keep_alive { dest, value }
                };
                let tip = if let Op::Transfer { tip, .. } = op {
                    tip
                } else {
                    0
                };
                (from, RuntimeCall::Balances(call), tip)
            }
            Op::TransferAll {
                from,
                to,
                keep_alive,
            } => (
                from,
                RuntimeCall::Balances(BalancesCall::transfer_all {
                    dest: ids[to].into(),
                    keep_alive,
                }),
                0,
            ),
            Op::ForceSetBalance { from, who } => (
                from,
                RuntimeCall::Balances(BalancesCall::force_set_balance {
                    who: ids[who].into(),
                    new_free: UNITS,
                }),
                0,
            ),
            Op::SetStorage { from } => (
                from,
                RuntimeCall::System(cpc_pallet_system::Call::set_storage {
                    items: vec![(b"x".to_vec(), b"y".to_vec())],
                }),
                0,
            ),
            Op::Remark { from, len } => (
                from,
                RuntimeCall::System(cpc_pallet_system::Call::remark {
                    remark: vec![7; len],
                }),
                0,
            ),
        };
        let who = ids[from];
        let nonce = chain.nonce(&who);
        let xt = chain.sign_with(
            &pairs[from],
            call,
            nonce,
            tip,
            cpc_primitives::Era::Immortal,
            chain.genesis_hash,
        );
        let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap();

        let before = chain.ext.storage();
        let result = chain.ext.execute_with(|| Runtime::apply_extrinsic(opaque));
        let after = chain.ext.storage();

        match result {
            Err(_) => prop_assert!(before == after, "an invalid extrinsic changed state"),
            Ok(Err(_)) => {
                let account_key = Account::hashed_key(&who);
                let issuance_key = cpc_pallet_balances::TotalIssuance::hashed_key();
                let changed: Vec<&Vec<u8>> = before
                    .keys()
                    .chain(after.keys())
                    .filter(|k| before.get(*k) != after.get(*k))
                    .collect();
                for key in changed {
                    prop_assert!(
                        bookkeeping(key) || *key == account_key || key[..] == issuance_key[..],
                        "a failed call changed key 0x{}",
                        hex::encode(key)
                    );
                }
                let decode = |map: &BTreeMap<Vec<u8>, Vec<u8>>| -> AccountInfo {
                    map.get(&account_key)
                        .map(|v| codec::Decode::decode(&mut &v[..]).unwrap())
                        .unwrap_or_default()
                };
                let (was, now) = (decode(&before), decode(&after));
                let fee = chain.ext.execute_with(|| fee_paid(&who));
                prop_assert_eq!(now.nonce, was.nonce + 1);
                prop_assert_eq!(now.data.free, was.data.free - fee);
                prop_assert_eq!(
                    (now.data.reserved, now.data.frozen),
                    (was.data.reserved, was.data.frozen)
                );
                prop_assert_eq!(
                    (now.providers, now.consumers),
                    (was.providers, was.consumers)
                );
            }
            Ok(Ok(())) => {}
        }
        let state = chain
            .ext
            .execute_with(|| <cpc_pallet_balances::Pallet<Runtime> as Hooks>::try_state(0));
        prop_assert_eq!(state, Ok(()), "after {:?}", op);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn issuance_is_conserved_and_failed_calls_only_pay(ops in proptest::collection::vec(op(), 1..40)) {
        run(ops)?;
    }
}
