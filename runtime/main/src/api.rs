//! The runtime API: plain functions, exported to wasm and dispatched natively through
//! [`cpc_support::runtime_apis!`]. Names and argument encodings follow Substrate's runtime APIs
//! of the versions listed in [`crate::VERSION`].

use crate::{
    Executive, Runtime, RuntimeCall, RuntimeGenesisConfig, UncheckedExtrinsic, VERSION, genesis,
};
use alloc::{string::String, vec::Vec};
use codec::Encode;
use cpc_pallet_balances::fees::RuntimeDispatchInfo;
use cpc_pallet_hybrid_consensus::Member;
use cpc_primitives::{
    AccountId, Block, BlockNumber, H256, Header, Nonce, OpaqueExtrinsic,
    dispatch::ApplyExtrinsicResult,
    inherent::{CheckInherentsResult, InherentData},
    transaction_validity::{
        InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
    },
};
use cpc_support::GetDispatchInfo;
use cpc_version::RuntimeVersion;

type HybridConsensus = cpc_pallet_hybrid_consensus::Pallet<Runtime>;
type DataMarket = cpc_pallet_data_market::Pallet<Runtime>;

/// The metadata versions this runtime can produce.
pub const METADATA_VERSIONS: [u32; 1] = [14];

/// The runtime's version.
pub fn version() -> RuntimeVersion {
    VERSION
}

/// Executes a whole block and checks it against its header (panics if it does not match).
pub fn execute_block(block: Block) {
    Executive::execute_block(block)
}

/// Starts building a block on top of `header.parent_hash`.
pub fn initialize_block(header: Header) {
    Executive::initialize_block(&header)
}

/// Applies one extrinsic to the block being built.
pub fn apply_extrinsic(xt: OpaqueExtrinsic) -> ApplyExtrinsicResult {
    match UncheckedExtrinsic::decode_bounded(&xt.encode()) {
        Ok(xt) => Executive::apply_extrinsic(xt),
        Err(_) => Err(TransactionValidityError::Invalid(InvalidTransaction::Call)),
    }
}

/// Ends the block being built.
pub fn finalize_block() -> Header {
    Executive::finalize_block()
}

/// The inherents to put first in a block.
pub fn inherent_extrinsics(data: InherentData) -> Vec<OpaqueExtrinsic> {
    Executive::inherent_extrinsics(&data)
}

/// Checks a block's inherents against this node's inherent data.
pub fn check_inherents(block: Block, data: InherentData) -> CheckInherentsResult {
    Executive::check_inherents(&block, &data)
}

/// Checks a transaction for the pool.
pub fn validate_transaction(
    source: TransactionSource,
    tx: OpaqueExtrinsic,
    block_hash: H256,
) -> TransactionValidity {
    Executive::validate_transaction(source, &tx.encode(), block_hash)
}

/// Writes the genesis state of a JSON configuration into the (empty) state.
pub fn build_state(json: Vec<u8>) -> Result<(), String> {
    RuntimeGenesisConfig::from_json(&json)?.build()
}

/// The JSON configuration of a preset (`None`: the development preset).
pub fn get_preset(id: Option<String>) -> Option<Vec<u8>> {
    let name = id.as_deref().unwrap_or(genesis::DEVELOPMENT);
    genesis::preset(name)
        .map(|config| serde_json::to_vec(&config.to_json()).expect("JSON values serialize; qed"))
}

/// The names of the genesis presets.
pub fn preset_names() -> Vec<String> {
    genesis::preset_names()
}

/// The next nonce of `who`.
pub fn account_nonce(who: AccountId) -> Nonce {
    Executive::account_nonce(&who)
}

/// The runtime's FRAME metadata (V14), prefixed with the `meta` magic.
pub fn metadata() -> Vec<u8> {
    cpc_support::metadata::runtime_metadata(
        Runtime::pallets_metadata(),
        scale_info::meta_type::<UncheckedExtrinsic>(),
        scale_info::meta_type::<Runtime>(),
    )
}

/// The metadata at `version`, if this runtime produces it.
pub fn metadata_at_version(version: u32) -> Option<Vec<u8>> {
    METADATA_VERSIONS.contains(&version).then(metadata)
}

/// The metadata versions this runtime produces.
pub fn metadata_versions() -> Vec<u32> {
    METADATA_VERSIONS.to_vec()
}

/// Weight, class and fee (without tip) of an extrinsic of encoded length `len`.
///
/// # Panics
/// If `xt` does not decode as this runtime's extrinsic.
pub fn query_info(xt: OpaqueExtrinsic, len: u32) -> RuntimeDispatchInfo {
    let xt = match UncheckedExtrinsic::decode_bounded(&xt.encode()) {
        Ok(xt) => xt,
        Err(e) => panic!("query_info: the extrinsic does not decode: {e}"),
    };
    let info = <RuntimeCall as GetDispatchInfo>::get_dispatch_info(&xt.function);
    let partial_fee = if xt.is_signed() {
        cpc_pallet_balances::Pallet::<Runtime>::compute_fee(len, &info)
    } else {
        0
    };
    RuntimeDispatchInfo {
        weight: info.weight,
        class: info.class,
        partial_fee,
    }
}

/// Runs every pallet's `on_runtime_upgrade` on the current state, as the first block with this
/// code would, and (with `checks`) the pallets' invariant checks after. Meant for dry runs with
/// new code on a copy of the chain's state (`cpchain upgrade check`): a migration that panics
/// makes the call fail with the panic message.
pub fn try_runtime_upgrade(checks: bool) -> cpc_support::api::UpgradeReport {
    use cpc_support::Hooks;
    let before = Runtime::storage_versions();
    let weight = <crate::AllPallets as Hooks>::on_runtime_upgrade();
    let after = Runtime::storage_versions();
    let versions = before
        .iter()
        .zip(&after)
        .map(|((name, old, _), (_, new, code))| ((*name).into(), *old, *new, *code))
        .collect();
    let try_state = if checks {
        let now = cpc_pallet_system::Pallet::<Runtime>::block_number();
        <crate::AllPallets as Hooks>::try_state(now).map_err(String::from)
    } else {
        Ok(())
    };
    cpc_support::api::UpgradeReport {
        weight,
        versions,
        try_state,
    }
}

/// What `set_code` would say about `code` on the current state, changing nothing: the new
/// code's version, or the reason it would be refused (`System.SpecVersionNeedsToIncrease`, ...).
pub fn check_code(code: Vec<u8>) -> Result<RuntimeVersion, String> {
    cpc_pallet_system::Pallet::<Runtime>::can_set_code(&code).map_err(|e| alloc::format!("{e}"))
}

/// The proposer of block `n` (in the current or the next term): account and session key.
pub fn proposer(n: BlockNumber) -> Option<Member> {
    HybridConsensus::proposer_of(n)
}

/// The LBFT validator committee and its set id.
pub fn validators() -> (u64, Vec<Member>) {
    (
        cpc_pallet_hybrid_consensus::ValidatorSetId::get_or_default(),
        HybridConsensus::validators(),
    )
}

/// The current term, its first block and its length in blocks.
pub fn term() -> (u32, BlockNumber, BlockNumber) {
    let (term, start) = HybridConsensus::term();
    (term, start, HybridConsensus::params().term_length())
}

/// Products from id `start` on, at most `limit` (at most 1,000).
pub fn market_products(start: u64, limit: u32) -> Vec<(u64, cpc_pallet_data_market::Product)> {
    DataMarket::products(start, limit)
}

/// Product `id`.
pub fn market_product(id: u64) -> Option<cpc_pallet_data_market::Product> {
    cpc_pallet_data_market::Products::get(&id)
}

/// Order `id`.
pub fn market_order(id: u64) -> Option<cpc_pallet_data_market::Order> {
    cpc_pallet_data_market::Orders::get(&id)
}

/// The orders `who` buys, sells or proxies (at most 1,000, by id).
pub fn market_orders(who: AccountId) -> Vec<(u64, cpc_pallet_data_market::Order)> {
    DataMarket::orders_of(&who)
}

/// The open orders `who` buys, sells or proxies, by id.
pub fn market_open_orders(who: AccountId) -> Vec<(u64, cpc_pallet_data_market::Order)> {
    DataMarket::open_orders_of(&who)
}

/// The X25519 key `who` registered.
pub fn market_encryption_key(who: AccountId) -> Option<[u8; 32]> {
    cpc_pallet_data_market::EncryptionKeys::get(&who)
}

/// A registered proxy.
pub fn market_proxy(who: AccountId) -> Option<cpc_pallet_data_market::Proxy> {
    cpc_pallet_data_market::Proxies::get(&who)
}

cpc_support::runtime_apis! {
    TryRuntime_on_runtime_upgrade(checks: bool) -> cpc_support::api::UpgradeReport =>
        try_runtime_upgrade(checks);
    TryRuntime_check_code(code: Vec<u8>) -> Result<RuntimeVersion, String> => check_code(code);
    Core_version() -> RuntimeVersion => version();
    Core_execute_block(block: Block) -> () => execute_block(block);
    Core_initialize_block(header: Header) -> () => initialize_block(header);
    Metadata_metadata() -> Vec<u8> => metadata();
    Metadata_metadata_at_version(version: u32) -> Option<Vec<u8>> => metadata_at_version(version);
    Metadata_metadata_versions() -> Vec<u32> => metadata_versions();
    BlockBuilder_apply_extrinsic(xt: OpaqueExtrinsic) -> ApplyExtrinsicResult => apply_extrinsic(xt);
    BlockBuilder_finalize_block() -> Header => finalize_block();
    BlockBuilder_inherent_extrinsics(data: InherentData) -> Vec<OpaqueExtrinsic> =>
        inherent_extrinsics(data);
    BlockBuilder_check_inherents(block: Block, data: InherentData) -> CheckInherentsResult =>
        check_inherents(block, data);
    TaggedTransactionQueue_validate_transaction(
        source: TransactionSource,
        tx: OpaqueExtrinsic,
        block_hash: H256,
    ) -> TransactionValidity => validate_transaction(source, tx, block_hash);
    GenesisBuilder_build_state(json: Vec<u8>) -> Result<(), String> => build_state(json);
    GenesisBuilder_get_preset(id: Option<String>) -> Option<Vec<u8>> => get_preset(id);
    GenesisBuilder_preset_names() -> Vec<String> => preset_names();
    AccountNonceApi_account_nonce(who: AccountId) -> Nonce => account_nonce(who);
    TransactionPaymentApi_query_info(xt: OpaqueExtrinsic, len: u32) -> RuntimeDispatchInfo =>
        query_info(xt, len);
    HybridConsensusApi_proposer(n: BlockNumber) -> Option<Member> => proposer(n);
    HybridConsensusApi_validators() -> (u64, Vec<Member>) => validators();
    HybridConsensusApi_term() -> (u32, BlockNumber, BlockNumber) => term();
    DataMarketApi_products(start: u64, limit: u32) -> Vec<(u64, cpc_pallet_data_market::Product)> =>
        market_products(start, limit);
    DataMarketApi_product(id: u64) -> Option<cpc_pallet_data_market::Product> => market_product(id);
    DataMarketApi_order(id: u64) -> Option<cpc_pallet_data_market::Order> => market_order(id);
    DataMarketApi_orders(who: AccountId) -> Vec<(u64, cpc_pallet_data_market::Order)> =>
        market_orders(who);
    DataMarketApi_open_orders(who: AccountId) -> Vec<(u64, cpc_pallet_data_market::Order)> =>
        market_open_orders(who);
    DataMarketApi_encryption_key(who: AccountId) -> Option<[u8; 32]> => market_encryption_key(who);
    DataMarketApi_proxy(who: AccountId) -> Option<cpc_pallet_data_market::Proxy> => market_proxy(who);
}
