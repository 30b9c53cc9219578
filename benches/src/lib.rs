//! Shared set-up for the benchmarks: runtime state with funded accounts, and signed
//! extrinsics. The benches themselves are in `benches/`; results and the commands that
//! produced them are in `docs/benchmarks.md`.

pub mod node;
pub mod testnet;

use codec::Encode;
use cpc_api::{Core, GenesisBuilder};
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{
    AccountId, H256,
    era::Era,
    extrinsic::{AdditionalSigned, SignedExtra},
};
use cpc_runtime::{Runtime, RuntimeCall, UncheckedExtrinsic, VERSION};
use cpc_state_machine::TestExternalities;
use std::collections::BTreeMap;

/// A dev key pair.
pub fn pair(seed: u32) -> Pair {
    let mut bytes = [0u8; 32];
    bytes[..4].copy_from_slice(&seed.to_le_bytes());
    Pair::from_seed(&bytes)
}

/// Genesis storage with `n` accounts each holding `amount`.
pub fn genesis(n: u32, amount: u128) -> BTreeMap<Vec<u8>, Vec<u8>> {
    genesis_with_period(n, amount, None)
}

/// Genesis storage with `n` accounts each holding `amount`, and block limits for a block
/// period of `period_ms` (the runtime's own without).
pub fn genesis_with_period(
    n: u32,
    amount: u128,
    period_ms: Option<u64>,
) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let balances: Vec<(String, u128)> = (0..n)
        .map(|i| (AccountId::from(pair(i).public()).to_string(), amount))
        .collect();
    let system = period_ms
        .map(|p| format!(r#""system":{{"blockPeriodMs":{p}}},"#))
        .unwrap_or_default();
    let json = format!(
        r#"{{{system}"balances":{{"balances":{}}}}}"#,
        serde_json_like(&balances)
    );
    let mut ext = TestExternalities::default();
    ext.execute_with(|| Runtime::build_state(json.into_bytes()).expect("valid genesis"));
    ext.into_storage()
}

fn serde_json_like(balances: &[(String, u128)]) -> String {
    let items: Vec<String> = balances
        .iter()
        .map(|(a, b)| format!(r#"["{a}",{b}]"#))
        .collect();
    format!("[{}]", items.join(","))
}

/// State at the start of block 1, ready to apply extrinsics.
pub fn block_ext(storage: &BTreeMap<Vec<u8>, Vec<u8>>) -> TestExternalities {
    let mut ext = TestExternalities::new(storage.clone());
    ext.execute_with(|| {
        Runtime::initialize_block(cpc_primitives::Header {
            parent_hash: H256([1; 32]),
            number: 1,
            state_root: H256::zero(),
            extrinsics_root: H256::zero(),
            digest: Default::default(),
        })
    });
    ext
}

/// Signs `call` immortally for a chain whose genesis hash is `genesis` (block 1 records its
/// parent, here `[1; 32]`, as block 0's hash).
pub fn signed(signer: &Pair, call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
    let extra = SignedExtra {
        era: Era::Immortal,
        nonce,
        tip: 0,
    };
    let additional = AdditionalSigned::immortal(&VERSION, H256([1; 32]));
    UncheckedExtrinsic::sign(call, signer, extra, &additional)
}

/// The encoded length of an extrinsic.
pub fn encoded_len(xt: &UncheckedExtrinsic) -> usize {
    xt.encode().len()
}

/// Signs `call` immortally for the chain with genesis `genesis_hash`.
pub fn signed_for(
    genesis_hash: H256,
    signer: &Pair,
    call: RuntimeCall,
    nonce: u32,
) -> UncheckedExtrinsic {
    let extra = SignedExtra {
        era: Era::Immortal,
        nonce,
        tip: 0,
    };
    let additional = AdditionalSigned::immortal(&VERSION, genesis_hash);
    UncheckedExtrinsic::sign(call, signer, extra, &additional)
}
