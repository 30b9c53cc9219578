//! A test runtime with system, balances and the data market; reputation reports recorded.

use crate as market;
use cpc_primitives::{AccountId, Balance, BlockNumber};
use cpc_state_machine::TestExternalities;
use cpc_support::Hooks;
use std::cell::RefCell;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        Balances: cpc_pallet_balances = 5,
        DataMarket: market = 7,
    }
}

cpc_pallet_system::test_config!(Test, cpc_pallet_balances::Pallet<Test>);

impl cpc_pallet_balances::Config for Test {
    const EXISTENTIAL_DEPOSIT: Balance = ED;
    const TRANSACTION_BASE_FEE: Balance = 0;
    const TRANSACTION_BYTE_FEE: Balance = 0;
    const WEIGHT_FEE_NUMERATOR: Balance = 0;
    const WEIGHT_FEE_DENOMINATOR: Balance = 1;
    type OnFee = ();
    type WeightInfo = ();
}

/// A reputation report the market made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// A completed sale of the seller, worth what it paid the protocol.
    Sale(AccountId, Balance),
    /// A proxy rating, and what its order paid the protocol (halved: two parties rate).
    ProxyRating(AccountId, u8, Balance),
}

thread_local! {
    static REPORTS: RefCell<Vec<Report>> = const { RefCell::new(Vec::new()) };
}

/// Records what the market reports.
pub struct RecordingReporter;

impl cpc_support::traits::ReputationReporter for RecordingReporter {
    fn note_fee_paid(_: &AccountId, _: Balance) {}
    fn note_data_contribution(who: &AccountId, value: Balance) {
        REPORTS.with(|r| r.borrow_mut().push(Report::Sale(*who, value)));
    }
    fn note_proxy_rating(who: &AccountId, rating: u8, value: Balance) {
        REPORTS.with(|r| {
            r.borrow_mut()
                .push(Report::ProxyRating(*who, rating, value))
        });
    }
}

/// The reports so far (and forgets them).
pub fn take_reports() -> Vec<Report> {
    REPORTS.with(|r| std::mem::take(&mut *r.borrow_mut()))
}

impl market::Config for Test {
    type Currency = cpc_pallet_balances::Pallet<Test>;
    type Reputation = RecordingReporter;
    type SidechainOperators = Operators;
    type WeightInfo = ();
    const ORDER_RETENTION: BlockNumber = RETENTION;
}

/// How long closed orders are kept in the tests.
pub const RETENTION: BlockNumber = 50;

/// The operator of test sidechain [`SIDECHAIN`]; no other sidechain exists.
pub struct Operators;

impl market::SidechainOperators for Operators {
    fn operator(id: u32) -> Option<AccountId> {
        (id == SIDECHAIN).then(|| account(SIDECHAIN_OPERATOR))
    }
}

/// The test sidechain's id.
pub const SIDECHAIN: u32 = 3;
/// Its operator.
pub const SIDECHAIN_OPERATOR: u8 = 77;

/// Existential deposit.
pub const ED: Balance = 10;
/// Every test account's endowment.
pub const ENDOWMENT: Balance = 1_000_000;
/// Blocks to deliver.
pub const DELIVERY: u32 = 10;
/// Blocks to confirm.
pub const CONFIRMATION: u32 = 20;
/// Blocks to rule a dispute.
pub const DISPUTE: u32 = 30;
/// Deposit per product.
pub const DEPOSIT_BASE: Balance = 100;
/// Deposit per byte of metadata.
pub const DEPOSIT_PER_BYTE: Balance = 1;
/// The protocol account.
pub const PROTOCOL: u8 = 99;

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// Test parameters: 5% protocol fee, proxies up to 20%.
pub fn params() -> market::Params {
    market::Params {
        proxy_min_bond: 500,
        max_proxy_fee_per_mille: 200,
        protocol_fee_per_mille: 50,
        protocol_account: account(PROTOCOL),
        product_deposit_base: DEPOSIT_BASE,
        product_deposit_per_byte: DEPOSIT_PER_BYTE,
        delivery_period: DELIVERY,
        confirmation_period: CONFIRMATION,
        dispute_period: DISPUTE,
    }
}

/// Accounts 1..=20 endowed (the protocol account is not); block 1 started.
pub fn new_test_ext() -> TestExternalities {
    take_reports();
    let config = RuntimeGenesisConfig {
        balances: cpc_pallet_balances::GenesisConfig {
            balances: (1..=20).map(|n| (account(n), ENDOWMENT)).collect(),
        },
        data_market: market::GenesisConfig {
            params: Some(params()),
        },
        ..Default::default()
    };
    let mut ext = TestExternalities::default();
    ext.execute_with(|| config.build().expect("valid genesis"));
    ext.commit_all();
    ext.execute_with(|| run_to_block(1));
    ext
}

/// Starts blocks up to `n`, running the market's hooks.
pub fn run_to_block(n: u32) {
    let from = cpc_pallet_system::Pallet::<Test>::block_number() + 1;
    for b in from..=n {
        cpc_pallet_system::Pallet::<Test>::initialize(
            b,
            cpc_primitives::H256([b as u8; 32]),
            &Default::default(),
        );
        market::Pallet::<Test>::on_initialize(b);
        cpc_pallet_system::Pallet::<Test>::note_finished_initialize();
    }
}

/// The market's events of the current block, in order.
pub fn events() -> Vec<market::Event> {
    cpc_pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::DataMarket(e) => Some(e),
            _ => None,
        })
        .collect()
}
