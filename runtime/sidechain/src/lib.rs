//! # The CPChain IoT sidechain runtime
//!
//! A lightweight runtime for a sidechain that collects IoT data: the same framework and
//! pallets as the main chain where they fit (system, timestamp, balances, governance, hybrid
//! consensus with a small committee), plus the IoT devices pallet and the main-chain tracker.
//! Blocks come every 500 ms (the chain spec's period; the weight limits are sized for it):
//! readings want fast finality. Compiled to wasm (the blob a sidechain's genesis stores and
//! upgrades replace) and natively (tests, the node's native execution path), like the main
//! runtime. The same `cpchain` binary runs it: the chain spec says which runtime a chain runs.
//!
//! Pallet indices follow the main runtime's where the pallet is the same (so hybrid
//! consensus's calls, which validators submit, encode alike on both chains) and never change
//! once a chain runs.

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

cpc_support::compose_runtime! {
    /// The IoT sidechain runtime.
    pub struct Runtime;
    pallets {
        System: cpc_pallet_system = 0,
        Timestamp: cpc_pallet_timestamp = 1,
        Balances: cpc_pallet_balances = 2,
        Governance: cpc_pallet_governance<Runtime> = 3,
        HybridConsensus: cpc_pallet_hybrid_consensus = 5,
        IotDevices: cpc_pallet_iot_devices = 8,
        MainchainTracker: cpc_pallet_mainchain_tracker = 9,
        CrosschainTransfer: cpc_pallet_crosschain_transfer = 10,
    }
}

/// The runtime's version. Raise `spec_version` with every change of behaviour, and
/// `transaction_version` whenever calls change shape or index.
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: Cow::Borrowed("cpchain-sidechain"),
    impl_name: Cow::Borrowed("cpchain-node"),
    authoring_version: 1,
    // The `v2` feature builds the next version, for the sidechain's upgrade test.
    // 2: a device's sequence entry records the block that wrote it; readings from devices
    // already written in the block are charged no storage access; 90% of a block for normal
    // calls; a storage write weighs 65 µs (was 100). 3: cross-chain transfer; a sudo call is
    // paid up front and refunded only to the sudo key. 4: a removed council member's votes
    // are dropped. 5: unsigned equivocation reports; a new committee is recorded from the
    // block after the one that installs it; elections skip candidates slashed below the
    // minimum bond and rank never-assigned candidates' blocks score with the median;
    // impeachments outlive a candidacy. 6: elections seeded by the proposers' VRF outputs;
    // reputation measured by value; a full candidate list evicts the lowest bond.
    spec_version: if cfg!(feature = "v2") { 7 } else { 6 },
    impl_version: 0,
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
            cpc_sidechain_primitives::iot::iot_devices_api::ID,
            cpc_sidechain_primitives::iot::iot_devices_api::VERSION,
        ),
        (
            cpc_sidechain_primitives::mainchain_tracker_api::ID,
            cpc_sidechain_primitives::mainchain_tracker_api::VERSION,
        ),
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
    const BLOCK_WEIGHTS: BlockWeights = BlockWeights {
        // A sidechain's blocks are readings: 90% of the block's weight for normal calls, the
        // rest kept for operational ones (governance, the tracker's reset), which are rare.
        // The block itself stays half the period, so a committee has the other half to check
        // it (`docs/sidechains.md`, "Limits").
        normal_percent: 90,
        ..BlockWeights::for_period(BLOCK_PERIOD_MS, BASE_BLOCK_WEIGHT, BASE_EXTRINSIC_WEIGHT)
    };
    const BLOCK_LENGTH: BlockLength = BlockLength {
        max: MAX_BLOCK_LENGTH,
        normal_percent: 75,
    };
    const BLOCK_HASH_COUNT: u32 = 4800;
    const DB_WEIGHT: RuntimeDbWeight = RuntimeDbWeight {
        read: cpc_pallet_system::weights::READ,
        write: cpc_pallet_system::weights::WRITE,
    };
    const SS58_PREFIX: u16 = SS58_PREFIX;
    const MAX_NONCE_LOOKAHEAD: u32 = 4096;
    // As on the main chain: compiling the code is set_code's weight (520 ns per byte), and at
    // a 500 ms period a set_code of more than ~420 KiB takes a block to itself (the system
    // pallet caps its weight at a whole block). The runtime is 628 KiB.
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
    const ENACTMENT_DELAY: u32 = 4;
    const VOTING_PERIOD: u32 = 1_200;
    // A set_code call with code of the largest size, and room to spare.
    const MAX_PROPOSAL_SIZE: u32 = 900 * 1024 + 1024;
    type WeightInfo = cpc_pallet_governance::weights::CpcWeight;
}

impl cpc_pallet_hybrid_consensus::Config for Runtime {
    type Currency = cpc_pallet_balances::Pallet<Runtime>;
    type WeightInfo = cpc_pallet_hybrid_consensus::weights::CpcWeight;
}

impl cpc_pallet_iot_devices::Config for Runtime {
    type Currency = cpc_pallet_balances::Pallet<Runtime>;
    type WeightInfo = cpc_pallet_iot_devices::weights::CpcWeight;
    const DEVICE_DEPOSIT: Balance = DEVICE_DEPOSIT;
    const MAX_READINGS_PER_BLOCK: u32 = MAX_READINGS_PER_BLOCK;
    const MAX_FUTURE_DRIFT: Moment = 60_000;
    fn chain_id() -> cpc_primitives::H256 {
        // Votes and readings are bound to the same id: the chain's genesis hash, recorded by
        // hybrid consensus in block 1.
        cpc_pallet_hybrid_consensus::GenesisHash::get_or_default()
    }
}

impl cpc_pallet_mainchain_tracker::Config for Runtime {
    type WeightInfo = cpc_pallet_mainchain_tracker::weights::CpcWeight;
    const HEADER_HISTORY: u32 = MAIN_HEADER_HISTORY;
}

impl cpc_pallet_crosschain_transfer::Config for Runtime {
    type Currency = cpc_pallet_balances::Pallet<Runtime>;
    type Counterpart = TrackedMainchain;
    type WeightInfo = cpc_pallet_crosschain_transfer::weights::CpcWeight;
    const IS_MAIN: bool = false;
    const MAX_IN_FLIGHT: u32 = XCHAIN_MAX_IN_FLIGHT;
    const MAX_TIMEOUT_SPAN: u32 = XCHAIN_MAX_TIMEOUT_SPAN;
}

/// The main chain at the other end of the sidechain's one channel, as the main-chain tracker
/// follows it. (The pallet checks that a channel is the sidechain's own.)
pub struct TrackedMainchain;

impl cpc_pallet_crosschain_transfer::Counterpart for TrackedMainchain {
    fn state_root(
        _channel: cpc_pallet_crosschain_transfer::ChannelId,
        height: cpc_primitives::BlockNumber,
    ) -> Option<cpc_primitives::H256> {
        cpc_pallet_mainchain_tracker::Pallet::<Runtime>::state_root_at(height)
    }
    fn finalized_height(
        _channel: cpc_pallet_crosschain_transfer::ChannelId,
    ) -> Option<cpc_primitives::BlockNumber> {
        cpc_pallet_mainchain_tracker::Head::get().map(|h| h.number)
    }
    fn is_active(_channel: cpc_pallet_crosschain_transfer::ChannelId) -> bool {
        cpc_pallet_mainchain_tracker::Head::exists()
            && !cpc_pallet_mainchain_tracker::Halted::exists()
    }
}

/// Weight of an empty block: the hooks, the timestamp and the state root (5 ms).
const BASE_BLOCK_WEIGHT: Weight = Weight::from_ref_time(5_000_000_000);
/// Weight every extrinsic adds to its call's, as on the main chain.
const BASE_EXTRINSIC_WEIGHT: Weight =
    Weight::from_ref_time(45_000_000 + cpc_pallet_system::weights::weight(2_000, 3, 2).ref_time);
