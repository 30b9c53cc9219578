//! The runtime APIs: this runtime's implementation of each API trait declared in `cpc-api`
//! (and in the pallets' primitives crates), and their exports through
//! [`cpc_support::runtime_apis!`]. A missing method or a signature that differs from its
//! declaration does not compile.

use crate::{
    Executive, Runtime, RuntimeCall, RuntimeGenesisConfig, UncheckedExtrinsic, VERSION, genesis,
};
use alloc::{string::String, vec::Vec};
use codec::Encode;
use cpc_api::{FeeDetails, RuntimeDispatchInfo, UpgradeReport};
use cpc_consensus_primitives::Member;
use cpc_data_market_primitives::{Order, OrderId, Product, ProductId, Proxy};
use cpc_primitives::{
    AccountId, Balance, Block, BlockNumber, H256, Header, Nonce, OpaqueExtrinsic,
    dispatch::ApplyExtrinsicResult,
    inherent::{CheckInherentsResult, InherentData},
    transaction_validity::{
        InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
    },
    weight::Weight,
};
#[cfg(not(feature = "before-sidechains"))]
use cpc_sidechain_primitives::xchain;
use cpc_version::RuntimeVersion;

type HybridConsensus = cpc_pallet_hybrid_consensus::Pallet<Runtime>;
type DataMarket = cpc_pallet_data_market::Pallet<Runtime>;
type Balances = cpc_pallet_balances::Pallet<Runtime>;
#[cfg(not(feature = "before-sidechains"))]
type CrosschainTransfer = cpc_pallet_crosschain_transfer::Pallet<Runtime>;
#[cfg(not(feature = "before-sidechains"))]
type SidechainRegistry = cpc_pallet_sidechain_registry::Pallet<Runtime>;

impl cpc_api::Core for Runtime {
    fn version() -> RuntimeVersion {
        VERSION
    }

    fn execute_block(block: Block) {
        Executive::execute_block(block)
    }

    fn initialize_block(header: Header) {
        Executive::initialize_block(&header)
    }
}

impl cpc_api::BlockBuilder for Runtime {
    fn apply_extrinsic(xt: OpaqueExtrinsic) -> ApplyExtrinsicResult {
        match UncheckedExtrinsic::decode_bounded(&xt.encode()) {
            Ok(xt) => Executive::apply_extrinsic(xt),
            Err(_) => Err(TransactionValidityError::Invalid(InvalidTransaction::Call)),
        }
    }

    fn finalize_block() -> Header {
        Executive::finalize_block()
    }

    fn inherent_extrinsics(data: InherentData) -> Vec<OpaqueExtrinsic> {
        Executive::inherent_extrinsics(&data)
    }

    fn check_inherents(block: Block, data: InherentData) -> CheckInherentsResult {
        Executive::check_inherents(&block, &data)
    }
}

impl cpc_api::TaggedTransactionQueue for Runtime {
    fn validate_transaction(
        source: TransactionSource,
        tx: OpaqueExtrinsic,
        block_hash: H256,
    ) -> TransactionValidity {
        Executive::validate_transaction(source, &tx.encode(), block_hash)
    }
}

impl cpc_api::GenesisBuilder for Runtime {
    fn build_state(json: Vec<u8>) -> Result<(), String> {
        RuntimeGenesisConfig::from_json(&json)?.build()
    }

    fn get_preset(id: Option<String>) -> Option<Vec<u8>> {
        let name = id.as_deref().unwrap_or(genesis::DEVELOPMENT);
        genesis::preset(name).map(|config| {
            serde_json::to_vec(&config.to_json()).expect("JSON values serialize; qed")
        })
    }

    fn preset_names() -> Vec<String> {
        genesis::preset_names()
    }
}

impl cpc_api::AccountNonceApi for Runtime {
    fn account_nonce(who: AccountId) -> Nonce {
        Executive::account_nonce(&who)
    }
}

impl cpc_api::Metadata for Runtime {
    /// The runtime's FRAME metadata V14, prefixed with the `meta` magic (what clients that
    /// predate `metadata_at_version` read).
    fn metadata() -> Vec<u8> {
        metadata_at(14).expect("V14 is one of cpc_support::metadata::VERSIONS; qed")
    }

    fn metadata_at_version(version: u32) -> Option<Vec<u8>> {
        metadata_at(version)
    }

    fn metadata_versions() -> Vec<u32> {
        cpc_support::metadata::VERSIONS.to_vec()
    }
}

/// The metadata at `version`: the pallets, the extrinsic format, the outer enums and (V15)
/// every runtime API listed in [`apis_metadata`].
fn metadata_at(version: u32) -> Option<Vec<u8>> {
    cpc_runtime_common::apis::metadata_at::<
        Runtime,
        UncheckedExtrinsic,
        RuntimeCall,
        crate::RuntimeEvent,
        crate::RuntimeError,
    >(version, Runtime::pallets_metadata(), apis_metadata())
}

/// The description of every runtime API in `VERSION.apis`, for metadata V15 (a test checks
/// the two lists agree).
pub fn apis_metadata() -> Vec<cpc_support::frame_metadata::v15::RuntimeApiMetadata> {
    #[allow(unused_mut)]
    let mut apis = alloc::vec![
        cpc_api::core::api_metadata(),
        cpc_api::metadata::api_metadata(),
        cpc_api::block_builder::api_metadata(),
        cpc_api::tagged_transaction_queue::api_metadata(),
        cpc_api::genesis_builder::api_metadata(),
        cpc_api::account_nonce_api::api_metadata(),
        cpc_api::transaction_payment_api::api_metadata(),
        cpc_api::session_keys::api_metadata(),
        cpc_api::upgrade_dry_run_api::api_metadata(),
        cpc_consensus_primitives::hybrid_consensus_api::api_metadata(),
        cpc_data_market_primitives::data_market_api::api_metadata(),
    ];
    #[cfg(not(feature = "before-sidechains"))]
    apis.push(cpc_sidechain_primitives::sidechain_registry_api::api_metadata());
    #[cfg(not(feature = "before-sidechains"))]
    apis.push(cpc_sidechain_primitives::xchain::crosschain_api::api_metadata());
    apis
}

impl cpc_api::TransactionPaymentApi for Runtime {
    fn query_info(xt: OpaqueExtrinsic, len: u32) -> RuntimeDispatchInfo {
        cpc_runtime_common::apis::query_info::<Runtime>(xt, len)
    }

    fn query_fee_details(xt: OpaqueExtrinsic, len: u32) -> FeeDetails {
        cpc_runtime_common::apis::query_fee_details::<Runtime>(xt, len)
    }

    fn query_weight_to_fee(weight: Weight) -> Balance {
        Balances::weight_to_fee(weight)
    }

    fn query_length_to_fee(len: u32) -> Balance {
        Balances::length_to_fee(len)
    }
}

impl cpc_api::UpgradeDryRunApi for Runtime {
    /// Runs every pallet's `on_runtime_upgrade` on the current state, as the first block with
    /// this code would, and (with `checks`) the pallets' invariant checks after. Meant for dry
    /// runs with new code on a copy of the chain's state (`cpchain upgrade check`): a migration
    /// that panics makes the call fail with the panic message.
    fn on_runtime_upgrade(checks: bool) -> UpgradeReport {
        cpc_runtime_common::apis::upgrade_report::<crate::AllPallets>(
            Runtime::storage_versions,
            cpc_pallet_system::Pallet::<Runtime>::block_number(),
            checks,
        )
    }

    /// What `set_code` would say about `code` on the current state, changing nothing: the new
    /// code's version, or the reason it would be refused (`System.SpecVersionNeedsToIncrease`,
    /// ...).
    fn check_code(code: Vec<u8>) -> Result<RuntimeVersion, String> {
        cpc_pallet_system::Pallet::<Runtime>::can_set_code(&code).map_err(|e| alloc::format!("{e}"))
    }
}

impl cpc_api::SessionKeys for Runtime {
    /// One key: hybrid consensus's sr25519 session key (`HybridConsensus.set_session_key`).
    fn generate_session_keys(seed: Option<Vec<u8>>) -> Vec<u8> {
        cpc_runtime_common::apis::generate_session_keys(seed)
    }

    fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, cpc_api::KeyTypeId)>> {
        cpc_runtime_common::apis::decode_session_keys(encoded)
    }
}

impl cpc_consensus_primitives::HybridConsensusApi for Runtime {
    fn proposer(n: BlockNumber) -> Option<Member> {
        HybridConsensus::proposer_of(n)
    }

    fn validators() -> (u64, Vec<Member>) {
        cpc_runtime_common::apis::validators::<Runtime>()
    }

    fn term() -> (u32, BlockNumber, BlockNumber) {
        cpc_runtime_common::apis::term::<Runtime>()
    }
}

impl cpc_data_market_primitives::DataMarketApi for Runtime {
    fn products(start: ProductId, limit: u32) -> Vec<(ProductId, Product)> {
        DataMarket::products(start, limit)
    }

    fn product(id: ProductId) -> Option<Product> {
        cpc_pallet_data_market::Products::get(&id)
    }

    fn order(id: OrderId) -> Option<Order> {
        cpc_pallet_data_market::Orders::get(&id)
    }

    fn orders(who: AccountId) -> Vec<(OrderId, Order)> {
        DataMarket::orders_of(&who)
    }

    fn open_orders(who: AccountId) -> Vec<(OrderId, Order)> {
        DataMarket::open_orders_of(&who)
    }

    fn orders_page(
        who: AccountId,
        after: Option<OrderId>,
        limit: u32,
    ) -> cpc_data_market_primitives::OrdersPage {
        DataMarket::orders_page(&who, false, after, limit)
    }

    fn open_orders_page(
        who: AccountId,
        after: Option<OrderId>,
        limit: u32,
    ) -> cpc_data_market_primitives::OrdersPage {
        DataMarket::orders_page(&who, true, after, limit)
    }

    fn order_ruling(id: OrderId) -> Option<cpc_data_market_primitives::Ruling> {
        cpc_pallet_data_market::Rulings::get(&id)
    }

    fn encryption_key(who: AccountId) -> Option<[u8; 32]> {
        cpc_pallet_data_market::EncryptionKeys::get(&who)
    }

    fn proxy(who: AccountId) -> Option<Proxy> {
        cpc_pallet_data_market::Proxies::get(&who)
    }
}

#[cfg(not(feature = "before-sidechains"))]
impl cpc_sidechain_primitives::SidechainRegistryApi for Runtime {
    fn sidechains(
        start: cpc_sidechain_primitives::SidechainId,
        limit: u32,
    ) -> Vec<(
        cpc_sidechain_primitives::SidechainId,
        cpc_sidechain_primitives::SidechainState,
    )> {
        SidechainRegistry::sidechains(start, limit)
    }

    fn sidechain(
        id: cpc_sidechain_primitives::SidechainId,
    ) -> Option<cpc_sidechain_primitives::SidechainState> {
        SidechainRegistry::sidechain_state(id)
    }

    fn anchored(
        id: cpc_sidechain_primitives::SidechainId,
        height: BlockNumber,
    ) -> Option<cpc_sidechain_primitives::FinalizedHeader> {
        SidechainRegistry::anchored(id, height)
    }
}

#[cfg(not(feature = "before-sidechains"))]
impl cpc_sidechain_primitives::xchain::CrosschainApi for Runtime {
    fn home() -> Option<xchain::ChainRef> {
        CrosschainTransfer::home()
    }
    fn channels(start: xchain::ChannelId, limit: u32) -> Vec<xchain::ChannelView> {
        CrosschainTransfer::channels(start, limit)
    }
    fn outbound(
        channel: xchain::ChannelId,
        nonce: xchain::Nonce,
    ) -> Option<xchain::OutboundRecord> {
        CrosschainTransfer::outbound(channel, nonce)
    }
    fn receipt(channel: xchain::ChannelId, nonce: xchain::Nonce) -> Option<xchain::Receipt> {
        CrosschainTransfer::receipt(channel, nonce)
    }
    fn wrapped(asset: xchain::ChainRef, who: AccountId) -> (Balance, Balance) {
        CrosschainTransfer::wrapped(asset, &who)
    }
}

cpc_support::runtime_apis! {
    Runtime {
        Core_version => cpc_api::core::version;
        Core_execute_block => cpc_api::core::execute_block;
        Core_initialize_block => cpc_api::core::initialize_block;
        Metadata_metadata => cpc_api::metadata::metadata;
        Metadata_metadata_at_version => cpc_api::metadata::metadata_at_version;
        Metadata_metadata_versions => cpc_api::metadata::metadata_versions;
        BlockBuilder_apply_extrinsic => cpc_api::block_builder::apply_extrinsic;
        BlockBuilder_finalize_block => cpc_api::block_builder::finalize_block;
        BlockBuilder_inherent_extrinsics => cpc_api::block_builder::inherent_extrinsics;
        BlockBuilder_check_inherents => cpc_api::block_builder::check_inherents;
        TaggedTransactionQueue_validate_transaction =>
            cpc_api::tagged_transaction_queue::validate_transaction;
        GenesisBuilder_build_state => cpc_api::genesis_builder::build_state;
        GenesisBuilder_get_preset => cpc_api::genesis_builder::get_preset;
        GenesisBuilder_preset_names => cpc_api::genesis_builder::preset_names;
        AccountNonceApi_account_nonce => cpc_api::account_nonce_api::account_nonce;
        TransactionPaymentApi_query_info => cpc_api::transaction_payment_api::query_info;
        TransactionPaymentApi_query_fee_details =>
            cpc_api::transaction_payment_api::query_fee_details;
        TransactionPaymentApi_query_weight_to_fee =>
            cpc_api::transaction_payment_api::query_weight_to_fee;
        TransactionPaymentApi_query_length_to_fee =>
            cpc_api::transaction_payment_api::query_length_to_fee;
        SessionKeys_generate_session_keys => cpc_api::session_keys::generate_session_keys;
        SessionKeys_decode_session_keys => cpc_api::session_keys::decode_session_keys;
        UpgradeDryRunApi_on_runtime_upgrade => cpc_api::upgrade_dry_run_api::on_runtime_upgrade;
        UpgradeDryRunApi_check_code => cpc_api::upgrade_dry_run_api::check_code;
        HybridConsensusApi_proposer => cpc_consensus_primitives::hybrid_consensus_api::proposer;
        HybridConsensusApi_validators =>
            cpc_consensus_primitives::hybrid_consensus_api::validators;
        HybridConsensusApi_term => cpc_consensus_primitives::hybrid_consensus_api::term;
        DataMarketApi_products => cpc_data_market_primitives::data_market_api::products;
        DataMarketApi_product => cpc_data_market_primitives::data_market_api::product;
        DataMarketApi_order => cpc_data_market_primitives::data_market_api::order;
        DataMarketApi_orders => cpc_data_market_primitives::data_market_api::orders;
        DataMarketApi_open_orders => cpc_data_market_primitives::data_market_api::open_orders;
        DataMarketApi_orders_page => cpc_data_market_primitives::data_market_api::orders_page;
        DataMarketApi_open_orders_page =>
            cpc_data_market_primitives::data_market_api::open_orders_page;
        DataMarketApi_order_ruling => cpc_data_market_primitives::data_market_api::order_ruling;
        DataMarketApi_encryption_key =>
            cpc_data_market_primitives::data_market_api::encryption_key;
        DataMarketApi_proxy => cpc_data_market_primitives::data_market_api::proxy;
        #[cfg(not(feature = "before-sidechains"))]
        SidechainRegistryApi_sidechains =>
            cpc_sidechain_primitives::sidechain_registry_api::sidechains;
        #[cfg(not(feature = "before-sidechains"))]
        SidechainRegistryApi_sidechain =>
            cpc_sidechain_primitives::sidechain_registry_api::sidechain;
        #[cfg(not(feature = "before-sidechains"))]
        SidechainRegistryApi_anchored =>
            cpc_sidechain_primitives::sidechain_registry_api::anchored;
        #[cfg(not(feature = "before-sidechains"))]
        CrosschainApi_home => cpc_sidechain_primitives::xchain::crosschain_api::home;
        #[cfg(not(feature = "before-sidechains"))]
        CrosschainApi_channels => cpc_sidechain_primitives::xchain::crosschain_api::channels;
        #[cfg(not(feature = "before-sidechains"))]
        CrosschainApi_outbound => cpc_sidechain_primitives::xchain::crosschain_api::outbound;
        #[cfg(not(feature = "before-sidechains"))]
        CrosschainApi_receipt => cpc_sidechain_primitives::xchain::crosschain_api::receipt;
        #[cfg(not(feature = "before-sidechains"))]
        CrosschainApi_wrapped => cpc_sidechain_primitives::xchain::crosschain_api::wrapped;
    }
}
