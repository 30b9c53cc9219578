//! The bodies of the runtime APIs every CPChain runtime implements the same way, generic over
//! the runtime: each runtime's `api.rs` keeps its `impl <Api> for Runtime` blocks (the
//! compiler checks them against the declarations) and calls these.

use alloc::{string::String, vec::Vec};
use codec::Encode;
use cpc_api::{FeeDetails, RuntimeDispatchInfo, UpgradeReport};
use cpc_primitives::{
    BlockNumber, OpaqueExtrinsic, UncheckedExtrinsic,
    dispatch::DispatchInfo,
    extrinsic::{MultiAddress, MultiSignature, SignedExtra},
};
use cpc_support::{GetDispatchInfo, Hooks, Parameter, frame_metadata::v15::RuntimeApiMetadata};

type Balances<R> = cpc_pallet_balances::Pallet<R>;

/// The dispatch info of `xt`'s call and whether it is signed (only signed extrinsics pay).
///
/// # Panics
/// If `xt` is not an extrinsic of this runtime (a trap: the caller asked about bytes that are
/// no extrinsic of it).
pub fn dispatch_info_of<Call: Parameter + GetDispatchInfo>(
    xt: &OpaqueExtrinsic,
) -> (DispatchInfo, bool) {
    match UncheckedExtrinsic::<Call>::decode_bounded(&xt.encode()) {
        Ok(xt) => (xt.function.get_dispatch_info(), xt.is_signed()),
        Err(e) => panic!("the extrinsic does not decode: {e}"),
    }
}

/// `TransactionPaymentApi_query_info`.
pub fn query_info<R>(xt: OpaqueExtrinsic, len: u32) -> RuntimeDispatchInfo
where
    R: cpc_pallet_balances::Config,
    R::RuntimeCall: Parameter + GetDispatchInfo,
{
    let (info, signed) = dispatch_info_of::<R::RuntimeCall>(&xt);
    RuntimeDispatchInfo {
        weight: info.weight,
        class: info.class,
        partial_fee: if signed {
            Balances::<R>::compute_fee(len, &info)
        } else {
            0
        },
    }
}

/// `TransactionPaymentApi_query_fee_details`.
pub fn query_fee_details<R>(xt: OpaqueExtrinsic, len: u32) -> FeeDetails
where
    R: cpc_pallet_balances::Config,
    R::RuntimeCall: Parameter + GetDispatchInfo,
{
    let (info, signed) = dispatch_info_of::<R::RuntimeCall>(&xt);
    FeeDetails {
        inclusion_fee: if signed {
            Balances::<R>::fee_details(len, &info)
        } else {
            None
        },
        tip: 0,
    }
}

/// `UpgradeDryRunApi_on_runtime_upgrade`: every pallet's `on_runtime_upgrade` on the current
/// state, as the first block with this code would run them, and (with `checks`) the pallets'
/// invariant checks after; `versions` is the runtime's `storage_versions`.
pub fn upgrade_report<All: Hooks>(
    versions: fn() -> Vec<(&'static str, u16, u16)>,
    now: BlockNumber,
    checks: bool,
) -> UpgradeReport {
    let before = versions();
    let weight = All::on_runtime_upgrade();
    let after = versions();
    UpgradeReport {
        weight,
        versions: before
            .iter()
            .zip(&after)
            .map(|((name, old, _), (_, new, code))| ((*name).into(), *old, *new, *code))
            .collect(),
        try_state: if checks {
            All::try_state(now).map_err(String::from)
        } else {
            Ok(())
        },
    }
}

/// `SessionKeys_generate_session_keys`: one key, hybrid consensus's sr25519 session key.
pub fn generate_session_keys(seed: Option<Vec<u8>>) -> Vec<u8> {
    cpc_io::crypto::sr25519_generate(cpc_consensus_primitives::SESSION_KEY_TYPE, seed.as_deref())
        .encode()
}

/// `SessionKeys_decode_session_keys`.
pub fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, cpc_api::KeyTypeId)>> {
    let key: [u8; 32] = encoded.as_slice().try_into().ok()?;
    Some(alloc::vec![(
        key.to_vec(),
        cpc_consensus_primitives::SESSION_KEY_TYPE
    )])
}

/// `HybridConsensusApi_validators`: the committee and its set id.
pub fn validators<R: cpc_pallet_hybrid_consensus::Config>()
-> (u64, Vec<cpc_consensus_primitives::Member>) {
    (
        cpc_pallet_hybrid_consensus::ValidatorSetId::get_or_default(),
        cpc_pallet_hybrid_consensus::Pallet::<R>::validators(),
    )
}

/// `HybridConsensusApi_term`: the term, its first block and its length.
pub fn term<R: cpc_pallet_hybrid_consensus::Config>() -> (u32, BlockNumber, BlockNumber) {
    let (term, start) = cpc_pallet_hybrid_consensus::Pallet::<R>::term();
    let length = cpc_pallet_hybrid_consensus::Pallet::<R>::params().term_length();
    (term, start, length)
}

/// The runtime's metadata at `version`, from its types (`Runtime`, its extrinsic, call,
/// event and error enums), its pallets and its APIs.
pub fn metadata_at<Runtime, Extrinsic, Call, Event, Error>(
    version: u32,
    pallets: Vec<cpc_support::frame_metadata::v15::PalletMetadata>,
    apis: Vec<RuntimeApiMetadata>,
) -> Option<Vec<u8>>
where
    Runtime: scale_info::TypeInfo + 'static,
    Extrinsic: scale_info::TypeInfo + 'static,
    Call: scale_info::TypeInfo + 'static,
    Event: scale_info::TypeInfo + 'static,
    Error: scale_info::TypeInfo + 'static,
{
    use scale_info::meta_type;
    cpc_support::metadata::runtime_metadata(
        version,
        cpc_support::metadata::RuntimeDescription {
            pallets,
            extrinsic: meta_type::<Extrinsic>(),
            address: meta_type::<MultiAddress>(),
            call: meta_type::<Call>(),
            signature: meta_type::<MultiSignature>(),
            extra: meta_type::<SignedExtra>(),
            runtime: meta_type::<Runtime>(),
            event: meta_type::<Event>(),
            error: meta_type::<Error>(),
            apis,
        },
    )
}
