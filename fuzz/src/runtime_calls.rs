//! Random call sequences against the main runtime, from every kind of origin, in blocks built
//! through the runtime API exactly as a node builds them (signatures, fees, nonces, inherents).
//! Calls are decoded from the input, so libFuzzer reaches every pallet's calls with arguments
//! of its choosing; after each block:
//! - every pallet's `try_state` holds (total issuance equals the sum of balances; the market's
//!   escrow equals its open orders and each buyer's reserve covers them; candidates' bonds are
//!   reserved; governance proposals are consistent; sidechain and cross-chain bookkeeping);
//! - each sender's nonce rose by exactly its extrinsics the block included (unless its account
//!   was reaped, which resets the nonce as in Substrate), and by nothing for those it refused.
//!
//! Root is trusted with raw storage and code (`System::set_storage` and friends can write
//! anything, including a broken invariant), so calls that reach those, directly or nested in
//! governance calls, are dropped from the input.

use crate::Reader;
use codec::DecodeLimit;
use cpc_crypto::sr25519::Pair;
use cpc_pallet_system::Call as SystemCall;
use cpc_primitives::{AccountId, H256, Header};
use cpc_runtime::{AllPallets, Runtime, RuntimeCall, RuntimeEvent, UncheckedExtrinsic};
use cpc_runtime_test_utils::{Chain, pair};
use cpc_state_machine::TestExternalities;
use cpc_support::Hooks;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The dev accounts (Alice holds the sudo key; Alice, Bob and Charlie are the council), and
/// two accounts without funds.
const SIGNERS: [&str; 8] = [
    "Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie", "Poor1", "Poor2",
];
/// Blocks per input, and extrinsics per block: enough for multi-block flows (market orders,
/// governance votes), bounded so one input stays fast.
const MAX_BLOCKS: u32 = 8;
const MAX_EXTRINSICS: usize = 16;
/// Nesting allowed when decoding a fuzzed call.
const CALL_DEPTH: u32 = 8;

struct Genesis {
    storage: BTreeMap<Vec<u8>, Vec<u8>>,
    hash: H256,
    header: Header,
    now: u64,
    pairs: Vec<Pair>,
}

fn genesis() -> &'static Genesis {
    static GENESIS: OnceLock<Genesis> = OnceLock::new();
    GENESIS.get_or_init(|| {
        let mut chain = Chain::dev();
        Genesis {
            storage: chain.ext.storage(),
            hash: chain.genesis_hash,
            header: chain.best.clone(),
            now: chain.now,
            pairs: SIGNERS.iter().map(|name| pair(name)).collect(),
        }
    })
}

/// Whether `call` reaches raw storage or code writes, which only a trusted root may make.
fn trusted_only(call: &RuntimeCall) -> bool {
    use cpc_pallet_governance::Call as GovernanceCall;
    match call {
        RuntimeCall::System(
            SystemCall::set_code { .. }
            | SystemCall::set_storage { .. }
            | SystemCall::kill_storage { .. }
            | SystemCall::kill_prefix { .. },
        ) => true,
        RuntimeCall::Governance(
            GovernanceCall::sudo { call } | GovernanceCall::propose { call, .. },
        ) => trusted_only(call),
        _ => false,
    }
}

fn next_call(input: &mut Reader<'_>) -> Option<RuntimeCall> {
    let before = input.rest().len();
    let call = RuntimeCall::decode_with_depth_limit(CALL_DEPTH, input.rest()).ok();
    if input.rest().len() == before {
        input.u8(); // always make progress
    }
    call.filter(|call| !trusted_only(call))
}

/// See the module documentation.
pub fn runtime_calls(data: &[u8]) {
    let genesis = genesis();
    let mut chain = Chain {
        ext: TestExternalities::new(genesis.storage.clone()),
        genesis_hash: genesis.hash,
        best: genesis.header.clone(),
        now: genesis.now,
    };
    let accounts: Vec<AccountId> = genesis.pairs.iter().map(|p| p.public().into()).collect();
    let mut input = Reader::new(data);
    let mut block: Vec<(Option<usize>, UncheckedExtrinsic)> = Vec::new();

    for _ in 0..MAX_BLOCKS {
        while !input.is_empty() && block.len() < MAX_EXTRINSICS {
            let op = input.u8();
            if op % 8 >= 6 {
                break; // end of the block
            }
            let Some(call) = next_call(&mut input) else {
                continue;
            };
            match op % 8 {
                0..=3 => {
                    let signer = usize::from(op >> 3) % SIGNERS.len();
                    let queued = block.iter().filter(|(s, _)| *s == Some(signer)).count() as u32;
                    let nonce = chain.nonce(&accounts[signer]) + queued;
                    // Mostly the right nonce; sometimes a used or a future one.
                    let nonce = match op >> 6 {
                        2 => nonce.wrapping_sub(1),
                        3 => nonce + 1,
                        _ => nonce,
                    };
                    let xt = chain.sign(&genesis.pairs[signer], call, nonce);
                    block.push((Some(signer), xt));
                }
                4 => {
                    // Root, through the sudo key, as governance would dispatch it.
                    let sudo = RuntimeCall::Governance(cpc_pallet_governance::Call::sudo {
                        call: Box::new(call),
                    });
                    let queued = block.iter().filter(|(s, _)| *s == Some(0)).count() as u32;
                    let nonce = chain.nonce(&accounts[0]) + queued;
                    block.push((Some(0), chain.sign(&genesis.pairs[0], sudo, nonce)));
                }
                _ => block.push((None, UncheckedExtrinsic::new_unsigned(call))),
            }
        }
        run_block(&mut chain, &accounts, std::mem::take(&mut block));
        if input.is_empty() {
            break;
        }
    }
}

fn run_block(
    chain: &mut Chain,
    accounts: &[AccountId],
    block: Vec<(Option<usize>, UncheckedExtrinsic)>,
) {
    let nonces: Vec<u32> = accounts.iter().map(|a| chain.nonce(a)).collect();
    let signers: Vec<Option<usize>> = block.iter().map(|(s, _)| *s).collect();
    let (built, results) = chain.build_block(block.into_iter().map(|(_, xt)| xt).collect());
    let number = built.header.number;

    let reaped: Vec<AccountId> = chain.ext.execute_with(|| {
        cpc_pallet_system::Pallet::<Runtime>::events()
            .into_iter()
            .filter_map(|record| match record.event {
                RuntimeEvent::System(cpc_pallet_system::Event::KilledAccount { account }) => {
                    Some(account)
                }
                _ => None,
            })
            .collect()
    });
    for (i, account) in accounts.iter().enumerate() {
        let included = signers
            .iter()
            .zip(&results)
            .filter(|(signer, result)| **signer == Some(i) && result.is_ok())
            .count() as u32;
        let nonce = chain.nonce(account);
        assert!(
            nonce == nonces[i] + included || reaped.contains(account),
            "{}'s nonce went from {} to {nonce} with {included} extrinsics included in block \
             {number}",
            SIGNERS[i],
            nonces[i]
        );
    }
    chain.ext.execute_with(|| {
        if let Err(why) = <AllPallets as Hooks>::try_state(number) {
            panic!("an invariant broke in block {number}: {why}");
        }
    });
}
