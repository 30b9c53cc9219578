//! A test runtime with system, balances and hybrid consensus; terms of 3 proposers x 2 views.

use crate as hybrid;
use codec::Encode;
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{
    AccountId, Balance, H256,
    header::{Digest, DigestItem},
    lbft::{BlockDigest, ENGINE_ID, VRF_CONTEXT, vrf_input},
    sr25519::{Public, VrfSignature},
};
use cpc_state_machine::TestExternalities;
use cpc_support::Hooks;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        Balances: cpc_pallet_balances = 5,
        HybridConsensus: hybrid = 6,
    }
}

cpc_pallet_system::test_config!(Test, cpc_pallet_balances::Pallet<Test>);

impl cpc_pallet_balances::Config for Test {
    const EXISTENTIAL_DEPOSIT: Balance = 1;
    const TRANSACTION_BASE_FEE: Balance = 0;
    const TRANSACTION_BYTE_FEE: Balance = 0;
    const WEIGHT_FEE_NUMERATOR: Balance = 0;
    const WEIGHT_FEE_DENOMINATOR: Balance = 1;
    type OnFee = ();
    type WeightInfo = ();
}

impl hybrid::Config for Test {
    type Currency = cpc_pallet_balances::Pallet<Test>;
    type WeightInfo = ();
}

/// Proposers per term in the tests.
pub const K: u32 = 3;
/// Views per term in the tests.
pub const V: u32 = 2;
/// Least bond in the tests.
pub const MIN_BOND: Balance = 100;
/// Every test account's endowment.
pub const ENDOWMENT: Balance = 1_000_000;

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// The session key pair of account `n`.
pub fn session(n: u8) -> Pair {
    Pair::from_seed(&[n.wrapping_add(100); 32])
}

/// The session public key of account `n`.
pub fn session_key(n: u8) -> Public {
    session(n).public()
}

/// Test parameters.
pub fn params() -> hybrid::Params {
    hybrid::Params {
        term_proposers: K,
        views: V,
        min_bond: MIN_BOND,
        unbonding_terms: 2,
        impeachment_window_terms: 4,
        slash_per_mille: 500,
        ..Default::default()
    }
}

/// Accounts 1..=20 endowed; `candidates` registered with bond `MIN_BOND`; account 90 the
/// default proposer; `validators` the committee. Block 1 is initialized.
pub fn new_test_ext(candidates: &[u8], validators: &[u8]) -> TestExternalities {
    let config = RuntimeGenesisConfig {
        balances: cpc_pallet_balances::GenesisConfig {
            balances: (1..=20)
                .chain([90])
                .map(|n| (account(n), ENDOWMENT))
                .collect(),
        },
        hybrid_consensus: hybrid::GenesisConfig {
            params: Some(params()),
            candidates: candidates
                .iter()
                .map(|n| (account(*n), AccountId::new(session_key(*n).0), MIN_BOND))
                .collect(),
            default_proposers: vec![(account(90), AccountId::new(session_key(90).0))],
            validators: validators.iter().copied().map(account).collect(),
        },
        ..Default::default()
    };
    let mut ext = TestExternalities::default();
    ext.execute_with(|| config.build().expect("valid genesis"));
    ext.commit_all();
    ext.execute_with(|| run_to_block(1));
    ext
}

/// The parent hash the tests give block `n`.
pub fn parent_of(n: u32) -> H256 {
    H256(cpc_primitives::hashing::blake2_256(&n.encode()))
}

/// Starts block `n` with `digest` (an LBFT block digest, if any) and runs the hooks. A normal
/// block's missing VRF is filled in with its proposer's, as the node does.
pub fn start_block(n: u32, digest: Option<BlockDigest>) {
    start_block_on(n, parent_of(n), digest);
}

/// [`start_block`] on parent `parent`.
pub fn start_block_on(n: u32, parent: H256, digest: Option<BlockDigest>) {
    let mut header_digest = Digest::default();
    if let Some(mut d) = digest {
        if !d.impeach && d.vrf.is_none() {
            d.vrf = vrf_of(n);
        }
        header_digest.push(DigestItem::PreRuntime(ENGINE_ID, d.encode()));
    }
    cpc_pallet_system::Pallet::<Test>::initialize(n, parent, &header_digest);
    hybrid::Pallet::<Test>::on_initialize(n);
    cpc_pallet_system::Pallet::<Test>::note_finished_initialize();
}

/// The VRF signature the proposer of block `n` puts in it, on the current (parent) state;
/// `None` if the seat's key is not one of the test keys.
pub fn vrf_of(n: u32) -> Option<VrfSignature> {
    let proposer = hybrid::Pallet::<Test>::proposer_of(n)?;
    let pair = session_pair(&proposer.session_key)?;
    let genesis = if n == 1 {
        parent_of(1)
    } else {
        hybrid::GenesisHash::get_or_default()
    };
    let input = vrf_input(&genesis, &hybrid::Randomness::get_or_default(), n);
    Some(pair.vrf_sign(VRF_CONTEXT, &input).0)
}

/// The pair of a session key derived by [`session`] from any `u8`.
fn session_pair(public: &Public) -> Option<Pair> {
    thread_local! {
        static PAIRS: std::collections::HashMap<Public, Pair> =
            (0..=u8::MAX).map(|n| (session(n).public(), session(n))).collect();
    }
    PAIRS.with(|pairs| pairs.get(public).cloned())
}

/// A normal (round 0, not impeached) block's digest; the mock adds the VRF.
pub fn normal() -> Option<BlockDigest> {
    Some(BlockDigest {
        round: 0,
        impeach: false,
        vrf: None,
    })
}

/// The digest of the impeach block of `round`.
pub fn impeach(round: u32) -> Option<BlockDigest> {
    Some(BlockDigest {
        round,
        impeach: true,
        vrf: None,
    })
}

/// Runs normal (not impeached) blocks up to `n`.
pub fn run_to_block(n: u32) {
    let from = cpc_pallet_system::Pallet::<Test>::block_number() + 1;
    for b in from..=n {
        start_block(b, normal());
    }
}

/// The hybrid-consensus events of the current block, in order.
pub fn events() -> Vec<hybrid::Event> {
    cpc_pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::HybridConsensus(e) => Some(e),
            _ => None,
        })
        .collect()
}
