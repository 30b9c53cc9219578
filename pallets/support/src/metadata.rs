//! FRAME metadata, V14 and V15: how the runtime describes its pallets, calls, events, errors,
//! storage, extrinsic format and (V15) runtime APIs to clients (polkadot.js, subxt,
//! polkadot-api), through `Metadata_metadata` and `Metadata_metadata_at_version`.
//!
//! Clients special-case some types by their path (`sp_core::crypto::AccountId32` accepts SS58
//! addresses, `frame_system::EventRecord` names the event type, ...). Our types live in our
//! crates, so their derived paths start with `cpc_`; [`SUBSTRATE_PATHS`] renames each type
//! whose shape is Substrate's to Substrate's path, in the finished registry, so the metadata
//! reads as a Substrate runtime's does.

use crate::traits::PalletDef;
use alloc::vec::Vec;
use codec::{Compact, Encode};
use cpc_primitives::{Balance, H256, Nonce, era::Era};
use frame_metadata::{
    RuntimeMetadataPrefixed,
    v14::{self, RuntimeMetadataV14},
    v15::{
        self, CustomMetadata, OuterEnums, PalletCallMetadata, PalletConstantMetadata,
        PalletErrorMetadata, PalletEventMetadata, PalletMetadata, PalletStorageMetadata,
        RuntimeApiMetadata, RuntimeMetadataV15, StorageEntryMetadata,
    },
};
use scale_info::{
    IntoPortable, MetaType, PortableRegistry, Registry, TypeInfo, form::PortableForm, meta_type,
};

/// The metadata versions [`runtime_metadata`] produces.
pub const VERSIONS: [u32; 2] = [14, 15];

/// `(our path, Substrate's path)` of every type whose encoding is Substrate's and which
/// clients know by name. Types that are ours alone (our pallets' calls, events and errors)
/// keep their own paths.
pub const SUBSTRATE_PATHS: &[(&str, &str)] = &[
    (
        "cpc_crypto::account::AccountId32",
        "sp_core::crypto::AccountId32",
    ),
    ("cpc_crypto::sr25519::Public", "sp_core::sr25519::Public"),
    (
        "cpc_crypto::sr25519::Signature",
        "sp_core::sr25519::Signature",
    ),
    ("cpc_primitives::h256::H256", "primitive_types::H256"),
    (
        "cpc_primitives::extrinsic::MultiSignature",
        "sp_runtime::MultiSignature",
    ),
    (
        "cpc_primitives::header::Digest",
        "sp_runtime::generic::digest::Digest",
    ),
    (
        "cpc_primitives::header::DigestItem",
        "sp_runtime::generic::digest::DigestItem",
    ),
    (
        "cpc_primitives::header::Header",
        "sp_runtime::generic::header::Header",
    ),
    (
        "cpc_primitives::block::Block",
        "sp_runtime::generic::block::Block",
    ),
    (
        "cpc_primitives::block::OpaqueExtrinsic",
        "sp_runtime::OpaqueExtrinsic",
    ),
    (
        "cpc_primitives::weight::Weight",
        "sp_weights::weight_v2::Weight",
    ),
    (
        "cpc_primitives::dispatch::DispatchError",
        "sp_runtime::DispatchError",
    ),
    (
        "cpc_primitives::dispatch::ModuleError",
        "sp_runtime::ModuleError",
    ),
    (
        "cpc_primitives::dispatch::TokenError",
        "sp_runtime::TokenError",
    ),
    (
        "cpc_primitives::dispatch::ArithmeticError",
        "sp_arithmetic::ArithmeticError",
    ),
    (
        "cpc_primitives::dispatch::TransactionalError",
        "sp_runtime::TransactionalError",
    ),
    (
        "cpc_primitives::dispatch::DispatchInfo",
        "frame_support::dispatch::DispatchInfo",
    ),
    (
        "cpc_primitives::dispatch::DispatchClass",
        "frame_support::dispatch::DispatchClass",
    ),
    (
        "cpc_primitives::dispatch::Pays",
        "frame_support::dispatch::Pays",
    ),
    (
        "cpc_primitives::inherent::InherentData",
        "sp_inherents::InherentData",
    ),
    (
        "cpc_primitives::inherent::CheckInherentsResult",
        "sp_inherents::CheckInherentsResult",
    ),
    (
        "cpc_primitives::transaction_validity::TransactionSource",
        "sp_runtime::transaction_validity::TransactionSource",
    ),
    (
        "cpc_primitives::transaction_validity::TransactionValidityError",
        "sp_runtime::transaction_validity::TransactionValidityError",
    ),
    (
        "cpc_primitives::transaction_validity::InvalidTransaction",
        "sp_runtime::transaction_validity::InvalidTransaction",
    ),
    (
        "cpc_primitives::transaction_validity::UnknownTransaction",
        "sp_runtime::transaction_validity::UnknownTransaction",
    ),
    (
        "cpc_primitives::transaction_validity::ValidTransaction",
        "sp_runtime::transaction_validity::ValidTransaction",
    ),
    ("cpc_version::RuntimeVersion", "sp_version::RuntimeVersion"),
    (
        "cpc_pallet_system::types::AccountInfo",
        "frame_system::AccountInfo",
    ),
    (
        "cpc_pallet_system::types::AccountData",
        "pallet_balances::types::AccountData",
    ),
    (
        "cpc_pallet_system::types::EventRecord",
        "frame_system::EventRecord",
    ),
    ("cpc_pallet_system::types::Phase", "frame_system::Phase"),
    (
        "cpc_pallet_system::types::LastRuntimeUpgradeInfo",
        "frame_system::LastRuntimeUpgradeInfo",
    ),
    (
        "cpc_support::weights::PerDispatchClass",
        "frame_support::dispatch::PerDispatchClass",
    ),
    (
        "cpc_support::weights::BlockWeights",
        "frame_system::limits::BlockWeights",
    ),
    (
        "cpc_support::weights::BlockLength",
        "frame_system::limits::BlockLength",
    ),
    (
        "cpc_support::weights::RuntimeDbWeight",
        "sp_weights::RuntimeDbWeight",
    ),
    (
        "cpc_api::payment::RuntimeDispatchInfo",
        "pallet_transaction_payment::types::RuntimeDispatchInfo",
    ),
    (
        "cpc_api::payment::FeeDetails",
        "pallet_transaction_payment::types::FeeDetails",
    ),
    (
        "cpc_api::payment::InclusionFee",
        "pallet_transaction_payment::types::InclusionFee",
    ),
];

/// A storage item that can describe itself.
pub trait StorageEntry {
    /// The item's metadata.
    fn entry_metadata() -> StorageEntryMetadata;
}

/// The metadata of a constant `value` named `name`.
pub fn constant<V: Encode + TypeInfo + 'static>(
    name: &'static str,
    value: &V,
    docs: &'static [&'static str],
) -> PalletConstantMetadata {
    PalletConstantMetadata {
        name,
        ty: meta_type::<V>(),
        value: value.encode(),
        docs: docs.to_vec(),
    }
}

/// The metadata of pallet `P` at `index`.
pub fn pallet<P: PalletDef>(index: u8) -> PalletMetadata {
    let storage = P::storage_metadata();
    PalletMetadata {
        name: P::NAME,
        storage: (!storage.is_empty()).then_some(PalletStorageMetadata {
            prefix: P::NAME,
            entries: storage,
        }),
        calls: Some(PalletCallMetadata {
            ty: meta_type::<P::Call>(),
        }),
        event: Some(PalletEventMetadata {
            ty: meta_type::<P::Event>(),
        }),
        constants: P::constants_metadata(),
        error: Some(PalletErrorMetadata {
            ty: meta_type::<P::Error>(),
        }),
        index,
        docs: Vec::new(),
    }
}

/// The signed extensions of our extrinsic format, named as Substrate names them so clients
/// know how to sign: `(identifier, explicit type, implicit type)`.
fn signed_extensions() -> Vec<v15::SignedExtensionMetadata> {
    fn ext(
        identifier: &'static str,
        ty: MetaType,
        additional: MetaType,
    ) -> v15::SignedExtensionMetadata {
        v15::SignedExtensionMetadata {
            identifier,
            ty,
            additional_signed: additional,
        }
    }
    let unit = meta_type::<()>;
    alloc::vec![
        ext("CheckNonZeroSender", unit(), unit()),
        ext("CheckSpecVersion", unit(), meta_type::<u32>()),
        ext("CheckTxVersion", unit(), meta_type::<u32>()),
        ext("CheckGenesis", unit(), meta_type::<H256>()),
        ext("CheckMortality", meta_type::<Era>(), meta_type::<H256>()),
        ext("CheckNonce", meta_type::<Compact<Nonce>>(), unit()),
        ext("CheckWeight", unit(), unit()),
        ext(
            "ChargeTransactionPayment",
            meta_type::<Compact<Balance>>(),
            unit()
        ),
    ]
}

/// Everything a runtime's metadata describes; `compose_runtime!` and the runtime's API list
/// fill it in.
pub struct RuntimeDescription {
    /// Every pallet, in index order.
    pub pallets: Vec<PalletMetadata>,
    /// The extrinsic type (`UncheckedExtrinsic`).
    pub extrinsic: MetaType,
    /// The address, call, signature and signed-extra types the extrinsic carries.
    pub address: MetaType,
    /// The runtime's call (`RuntimeCall`).
    pub call: MetaType,
    /// The signature type.
    pub signature: MetaType,
    /// The signed extra data.
    pub extra: MetaType,
    /// The runtime type.
    pub runtime: MetaType,
    /// `RuntimeEvent`.
    pub event: MetaType,
    /// `RuntimeError`.
    pub error: MetaType,
    /// Every runtime API the runtime implements (V15 only).
    pub apis: Vec<RuntimeApiMetadata>,
}

/// The encoded `RuntimeMetadataPrefixed` (magic `meta`) of a runtime at `version`, or `None`
/// for a version not in [`VERSIONS`].
///
/// Both versions come from one registry: V14 is V15 without the APIs, outer enums and docs
/// (its registry keeps the APIs' types, which no V14 client minds). Building each version's
/// registry separately would put a second copy of the whole conversion in the runtime's code.
pub fn runtime_metadata(version: u32, description: RuntimeDescription) -> Option<Vec<u8>> {
    if !VERSIONS.contains(&version) {
        return None;
    }
    let extrinsic = v15::ExtrinsicMetadata {
        version: cpc_primitives::extrinsic::EXTRINSIC_FORMAT_VERSION,
        address_ty: description.address,
        call_ty: description.call,
        signature_ty: description.signature,
        extra_ty: description.extra,
        signed_extensions: signed_extensions(),
    };
    let apis: Vec<RuntimeApiMetadata> = description
        .apis
        .into_iter()
        .map(|api| concrete_extrinsic(api, &description.extrinsic))
        .collect();
    let outer_enums = OuterEnums {
        call_enum_ty: description.call,
        event_enum_ty: description.event,
        error_enum_ty: description.error,
    };
    // The order RuntimeMetadataV15::new registers in, so type ids match what it would give.
    let mut registry = Registry::new();
    let extrinsic = extrinsic.into_portable(&mut registry);
    let pallets = registry.map_into_portable(description.pallets);
    let ty = registry.register_type(&description.runtime);
    let apis = registry.map_into_portable(apis);
    let outer_enums = outer_enums.into_portable(&mut registry);
    let unchecked_extrinsic = registry.register_type(&description.extrinsic);
    let mut types: PortableRegistry = registry.into();
    rename_to_substrate_paths(&mut types);

    let prefixed = if version == 14 {
        RuntimeMetadataPrefixed::from(RuntimeMetadataV14 {
            types,
            pallets: pallets.into_iter().map(v14_pallet).collect(),
            extrinsic: v14::ExtrinsicMetadata {
                ty: unchecked_extrinsic,
                version: extrinsic.version,
                signed_extensions: extrinsic
                    .signed_extensions
                    .into_iter()
                    .map(|e| v14::SignedExtensionMetadata {
                        identifier: e.identifier,
                        ty: e.ty,
                        additional_signed: e.additional_signed,
                    })
                    .collect(),
            },
            ty,
        })
    } else {
        RuntimeMetadataPrefixed::from(RuntimeMetadataV15 {
            types,
            pallets,
            extrinsic,
            ty,
            apis,
            outer_enums,
            custom: CustomMetadata {
                map: Default::default(),
            },
        })
    };
    Some(prefixed.encode())
}

/// The API with every `OpaqueExtrinsic` (the node's view: bytes) described as the runtime's
/// `extrinsic` type, which encodes the same: as in Substrate, whose APIs are generic over the
/// runtime's block, clients then encode a transaction object where an API takes an extrinsic,
/// and find `UncheckedExtrinsic` (and from its parameters the address and call types) in the
/// registry.
fn concrete_extrinsic(mut api: RuntimeApiMetadata, extrinsic: &MetaType) -> RuntimeApiMetadata {
    let opaque = meta_type::<cpc_primitives::OpaqueExtrinsic>();
    for method in &mut api.methods {
        for input in &mut method.inputs {
            if input.ty == opaque {
                input.ty = *extrinsic;
            }
        }
        if method.output == opaque {
            method.output = *extrinsic;
        }
    }
    api
}

/// V14 has the same pallet description as V15, without docs.
fn v14_pallet(pallet: PalletMetadata<PortableForm>) -> v14::PalletMetadata<PortableForm> {
    v14::PalletMetadata {
        name: pallet.name,
        storage: pallet.storage,
        calls: pallet.calls,
        event: pallet.event,
        constants: pallet.constants,
        error: pallet.error,
        index: pallet.index,
    }
}

/// Renames, in place, every type of `registry` whose path is in [`SUBSTRATE_PATHS`].
pub fn rename_to_substrate_paths(registry: &mut PortableRegistry) {
    for ty in &mut registry.types {
        let path = &mut ty.ty.path.segments;
        if path.is_empty() {
            continue;
        }
        let joined = path.join("::");
        if let Some((_, substrate)) = SUBSTRATE_PATHS.iter().find(|(ours, _)| *ours == joined) {
            // `PortableForm::String` is `String` with std and `&'static str` without.
            let substrate: &'static str = substrate;
            *path = substrate.split("::").map(Into::into).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_renamed_path_is_a_valid_path_of_another_crate() {
        for (ours, substrate) in SUBSTRATE_PATHS {
            assert!(ours.starts_with("cpc_"), "{ours}");
            assert!(!substrate.starts_with("cpc_"), "{substrate}");
            assert_eq!(
                ours.rsplit("::").next(),
                substrate.rsplit("::").next(),
                "a rename keeps the type's name"
            );
        }
    }
}
