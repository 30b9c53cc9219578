//! # The CPChain main-chain runtime
//!
//! Pallets composed with [`cpc_support::compose_runtime!`], their settings, and the runtime
//! API. Compiled twice from the same code:
//!
//! - to wasm (`no_std`), by the build script, into the blob that genesis stores under `:code`
//!   and the node executes ([`WASM_BINARY`]);
//! - natively (`std`), as this rlib: for tests, and for the node's native execution path that
//!   cross-checks the wasm ([`api::dispatch`]).
//!
//! Pallet indices are part of the transaction format: they never change once a chain runs.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod api;
pub mod constants;
pub mod genesis;

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

use alloc::borrow::Cow;
use constants::*;
use cpc_primitives::{Balance, Moment, weight::Weight};
use cpc_support::weights::{BlockLength, BlockWeights, RuntimeDbWeight};
use cpc_version::RuntimeVersion;

#[cfg(not(feature = "before-sidechains"))]
cpc_support::compose_runtime! {
    /// The main-chain runtime.
    pub struct Runtime;
    pallets {
        System: cpc_pallet_system = 0,
        Timestamp: cpc_pallet_timestamp = 1,
        Balances: cpc_pallet_balances = 2,
        Governance: cpc_pallet_governance<Runtime> = 3,
        Notes: cpc_pallet_notes = 4,
        HybridConsensus: cpc_pallet_hybrid_consensus = 5,
        DataMarket: cpc_pallet_data_market = 6,
        SidechainRegistry: cpc_pallet_sidechain_registry = 7,
        CrosschainTransfer: cpc_pallet_crosschain_transfer = 10,
    }
}

// The runtime as released before the sidechain registry (spec_version 100), which running
// chains upgrade from: `runtime/before-sidechains` builds it for the upgrade tests.
#[cfg(feature = "before-sidechains")]
cpc_support::compose_runtime! {
    /// The main-chain runtime.
    pub struct Runtime;
    pallets {
        System: cpc_pallet_system = 0,
        Timestamp: cpc_pallet_timestamp = 1,
        Balances: cpc_pallet_balances = 2,
        Governance: cpc_pallet_governance<Runtime> = 3,
        Notes: cpc_pallet_notes = 4,
        HybridConsensus: cpc_pallet_hybrid_consensus = 5,
        DataMarket: cpc_pallet_data_market = 6,
    }
}

/// The runtime's version. Raise `spec_version` with every change of behaviour, and
/// `transaction_version` whenever calls change shape or index.
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: Cow::Borrowed("cpchain"),
    impl_name: Cow::Borrowed("cpchain-node"),
    authoring_version: 1,
    // 100: before the sidechain registry (feature `before-sidechains`); 101: with it; 102: a
    // storage write weighs 65 µs (was 100); 103: cross-chain transfer, and a sudo call is
    // paid up front and refunded only to the sudo key; 104: proxies accept the products they
    // serve, a seller is never its own product's proxy, sealed keys have their exact length
    // and small-order encryption keys are refused; 105: `DataMarketApi` version 2, an
    // account's orders in bounded pages; 106: equivocation reports may be unsigned (the
    // evidence authenticates itself), a new committee is recorded from the block after the
    // one that installs it, candidates slashed below the minimum bond are not elected, and a
    // candidate never assigned a slot scores the median of the others' blocks score (it had
    // the maximum), and impeachments outlive a candidacy; 107: elections are seeded by the
    // proposers' VRF outputs (checked through a new host function), reputation is measured by
    // value (fees burned, what sales paid the protocol; hybrid-consensus storage version 1),
    // and a full candidate list evicts the lowest bond. The `v2` feature builds the next
    // version, for upgrade tests and docs.
    spec_version: if cfg!(feature = "before-sidechains") {
        100
    } else if cfg!(feature = "v2") {
        108
    } else {
        107
    },
    impl_version: 0,
    // Each id and version comes from the API's declaration, which `api.rs` implements.
    apis: Cow::Borrowed(&[
        (cpc_api::core::ID, cpc_api::core::VERSION),
        (cpc_api::metadata::ID, cpc_api::metadata::VERSION),
        (cpc_api::block_builder::ID, cpc_api::block_builder::VERSION),
        (
            cpc_api::tagged_transaction_queue::ID,
            cpc_api::tagged_transaction_queue::VERSION,
        ),
        (
            cpc_api::genesis_builder::ID,
            cpc_api::genesis_builder::VERSION,
        ),
        (
            cpc_api::account_nonce_api::ID,
            cpc_api::account_nonce_api::VERSION,
        ),
        (
            cpc_api::transaction_payment_api::ID,
            cpc_api::transaction_payment_api::VERSION,
        ),
        (cpc_api::session_keys::ID, cpc_api::session_keys::VERSION),
        (
            cpc_api::upgrade_dry_run_api::ID,
            cpc_api::upgrade_dry_run_api::VERSION,
        ),
        (
            cpc_consensus_primitives::hybrid_consensus_api::ID,
            cpc_consensus_primitives::hybrid_consensus_api::VERSION,
        ),
        (
            cpc_data_market_primitives::data_market_api::ID,
            cpc_data_market_primitives::data_market_api::VERSION,
        ),
        #[cfg(not(feature = "before-sidechains"))]
        (
            cpc_sidechain_primitives::sidechain_registry_api::ID,
            cpc_sidechain_primitives::sidechain_registry_api::VERSION,
        ),
        #[cfg(not(feature = "before-sidechains"))]
        (
            cpc_sidechain_primitives::xchain::crosschain_api::ID,
            cpc_sidechain_primitives::xchain::crosschain_api::VERSION,
        ),
    ]),
    transaction_version: 1,
    system_version: 1,
};

/// The extrinsic format of this runtime.
pub type UncheckedExtrinsic = cpc_primitives::UncheckedExtrinsic<RuntimeCall>;
/// Applies blocks and transactions.
pub type Executive = cpc_pallet_system::executive::Executive<Runtime>;

impl cpc_pallet_system::Config for Runtime {
    type RuntimeCall = RuntimeCall;
    type RuntimeEvent = RuntimeEvent;
    type PalletIndex = Runtime;
    type AllPallets = AllPallets;
    type OnChargeTransaction = cpc_pallet_balances::Pallet<Runtime>;
    type OnAccountEvent = ();
    type WeightInfo = cpc_pallet_system::weights::CpcWeight;
    const VERSION: RuntimeVersion = VERSION;
    const BLOCK_WEIGHTS: BlockWeights =
        BlockWeights::for_period(BLOCK_PERIOD_MS, BASE_BLOCK_WEIGHT, BASE_EXTRINSIC_WEIGHT);
    const BLOCK_LENGTH: BlockLength = BlockLength {
        max: MAX_BLOCK_LENGTH,
        normal_percent: 75,
    };
    const BLOCK_HASH_COUNT: u32 = 2400;
    const DB_WEIGHT: RuntimeDbWeight = RuntimeDbWeight {
        read: cpc_pallet_system::weights::READ,
        write: cpc_pallet_system::weights::WRITE,
    };
    const SS58_PREFIX: u16 = SS58_PREFIX;
    const MAX_NONCE_LOOKAHEAD: u32 = 4096;
    // Compiling the code is set_code's weight (520 ns per byte): 900 KiB take 479 ms of the
    // 500 ms a block may compute. The runtime is 823 KiB (spec 104, built at opt-level "z").
    const MAX_CODE_SIZE: u32 = 900 * 1024;
}

impl cpc_pallet_timestamp::Config for Runtime {
    const MINIMUM_PERIOD: Moment = BLOCK_PERIOD_MS / 2;
    const MAX_DRIFT: Moment = 30_000;
    type WeightInfo = cpc_pallet_timestamp::weights::CpcWeight;
}

impl cpc_pallet_balances::Config for Runtime {
    const EXISTENTIAL_DEPOSIT: Balance = EXISTENTIAL_DEPOSIT;
    const TRANSACTION_BASE_FEE: Balance = TRANSACTION_BASE_FEE;
    const TRANSACTION_BYTE_FEE: Balance = TRANSACTION_BYTE_FEE;
    const WEIGHT_FEE_NUMERATOR: Balance = WEIGHT_FEE_NUMERATOR;
    const WEIGHT_FEE_DENOMINATOR: Balance = WEIGHT_FEE_DENOMINATOR;
    // Fees are burned, and count towards the payer's reputation if it is a candidate.
    type OnFee = cpc_pallet_balances::BurnAndReport<cpc_pallet_hybrid_consensus::Pallet<Runtime>>;
    type WeightInfo = cpc_pallet_balances::weights::CpcWeight;
}

impl cpc_pallet_governance::Config for Runtime {
    const ENACTMENT_DELAY: u32 = 2;
    const VOTING_PERIOD: u32 = 600;
    // A set_code call with code of the largest size, and room to spare.
    const MAX_PROPOSAL_SIZE: u32 = 900 * 1024 + 1024;
    type WeightInfo = cpc_pallet_governance::weights::CpcWeight;
}

impl cpc_pallet_notes::Config for Runtime {}

impl cpc_pallet_hybrid_consensus::Config for Runtime {
    type Currency = cpc_pallet_balances::Pallet<Runtime>;
    type WeightInfo = cpc_pallet_hybrid_consensus::weights::CpcWeight;
}

impl cpc_pallet_data_market::Config for Runtime {
    type Currency = cpc_pallet_balances::Pallet<Runtime>;
    // Completed sales and proxy ratings feed the proposers' reputation.
    type Reputation = cpc_pallet_hybrid_consensus::Pallet<Runtime>;
    // Sales of a sidechain's data count toward its operator's data contribution too.
    #[cfg(not(feature = "before-sidechains"))]
    type SidechainOperators = RegisteredSidechains;
    #[cfg(feature = "before-sidechains")]
    type SidechainOperators = ();
    type WeightInfo = cpc_pallet_data_market::weights::CpcWeight;
    // 30 days of 1 s blocks: the download and rating window after an order closes.
    const ORDER_RETENTION: cpc_primitives::BlockNumber = 30 * 24 * 3600;
}

/// Sidechain operators: the registrants the registry records.
#[cfg(not(feature = "before-sidechains"))]
pub struct RegisteredSidechains;

#[cfg(not(feature = "before-sidechains"))]
impl cpc_pallet_data_market::SidechainOperators for RegisteredSidechains {
    fn operator(id: u32) -> Option<cpc_primitives::AccountId> {
        cpc_pallet_sidechain_registry::Sidechains::get(&id).map(|s| s.registrant)
    }
}

#[cfg(not(feature = "before-sidechains"))]
impl cpc_pallet_sidechain_registry::Config for Runtime {
    type Currency = cpc_pallet_balances::Pallet<Runtime>;
    // Anchored sidechain data counts toward the registrant's reputation.
    type Reputation = cpc_pallet_hybrid_consensus::Pallet<Runtime>;
    type WeightInfo = cpc_pallet_sidechain_registry::weights::CpcWeight;
    const MIN_BOND: Balance = SIDECHAIN_MIN_BOND;
    const ANCHOR_HISTORY: u32 = SIDECHAIN_ANCHOR_HISTORY;
    const DEREGISTRATION_DELAY: u32 = SIDECHAIN_DEREGISTRATION_DELAY;
    // About the length fee of one header and its share of a certificate in an anchor.
    const ANCHORED_HEADER_VALUE: Balance = 256 * TRANSACTION_BYTE_FEE;
    fn treasury() -> cpc_primitives::AccountId {
        TREASURY
    }
}

#[cfg(not(feature = "before-sidechains"))]
impl cpc_pallet_crosschain_transfer::Config for Runtime {
    type Currency = cpc_pallet_balances::Pallet<Runtime>;
    type Counterpart = AnchoredSidechains;
    type WeightInfo = cpc_pallet_crosschain_transfer::weights::CpcWeight;
    const IS_MAIN: bool = true;
    const MAX_IN_FLIGHT: u32 = XCHAIN_MAX_IN_FLIGHT;
    const MAX_TIMEOUT_SPAN: u32 = XCHAIN_MAX_TIMEOUT_SPAN;
}

/// The sidechains at the other end of the main chain's channels, as the registry anchors them.
#[cfg(not(feature = "before-sidechains"))]
pub struct AnchoredSidechains;

#[cfg(not(feature = "before-sidechains"))]
impl cpc_pallet_crosschain_transfer::Counterpart for AnchoredSidechains {
    fn state_root(
        channel: cpc_pallet_crosschain_transfer::ChannelId,
        height: cpc_primitives::BlockNumber,
    ) -> Option<cpc_primitives::H256> {
        cpc_pallet_sidechain_registry::Pallet::<Runtime>::anchored_state_root(channel, height)
    }
    fn finalized_height(
        channel: cpc_pallet_crosschain_transfer::ChannelId,
    ) -> Option<cpc_primitives::BlockNumber> {
        cpc_pallet_sidechain_registry::Heads::get(&channel).map(|h| h.number)
    }
    fn is_active(channel: cpc_pallet_crosschain_transfer::ChannelId) -> bool {
        cpc_pallet_sidechain_registry::Pallet::<Runtime>::is_active(channel)
    }
    /// Frozen: the last anchored height before the conflicting one (headers from the conflict
    /// on may be the faulty committee's). Retiring: the last anchored height.
    fn exit_height(
        channel: cpc_pallet_crosschain_transfer::ChannelId,
    ) -> Option<cpc_primitives::BlockNumber> {
        use cpc_sidechain_primitives::Status;
        let sidechain = cpc_pallet_sidechain_registry::Sidechains::get(&channel)?;
        let head = cpc_pallet_sidechain_registry::Heads::get(&channel)?;
        match sidechain.status {
            Status::Active => None,
            Status::Frozen { height, .. } => Some(head.number.min(height.saturating_sub(1))),
            // Retiring, its last anchored state is where its holders leave from (while the
            // registry keeps it, until the bond is withdrawn).
            Status::Retiring { .. } => Some(head.number),
        }
    }
}

/// Weight of an empty block: the hooks, the timestamp and the state root (5 ms).
const BASE_BLOCK_WEIGHT: Weight = Weight::from_ref_time(5_000_000_000);
/// Weight every extrinsic adds to its call's: decoding, the signature check (45 µs, native in
/// the host), nonce and fee (2 µs measured natively), the sender's account read and written
/// (`cargo bench -p cpc-benches --bench pallets`: applying a signed transfer takes 46.6 µs of
/// which the call is 2.7 µs), and the fee's report to hybrid consensus (the payer's window
/// record read, and written when it is a candidate).
const BASE_EXTRINSIC_WEIGHT: Weight =
    Weight::from_ref_time(45_000_000 + cpc_pallet_system::weights::weight(2_000, 3, 2).ref_time);
