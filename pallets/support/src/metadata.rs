//! FRAME metadata V14: how the runtime describes its pallets, calls, events, errors, storage
//! and extrinsic format to clients (polkadot.js, subxt), through `Metadata_metadata`.

use crate::traits::PalletDef;
use alloc::vec::Vec;
use codec::{Compact, Encode};
use cpc_primitives::{Balance, H256, Nonce, era::Era};
use frame_metadata::{
    RuntimeMetadataPrefixed,
    v14::{
        ExtrinsicMetadata, PalletCallMetadata, PalletConstantMetadata, PalletErrorMetadata,
        PalletEventMetadata, PalletMetadata, PalletStorageMetadata, RuntimeMetadataV14,
        SignedExtensionMetadata, StorageEntryMetadata,
    },
};
use scale_info::{MetaType, TypeInfo, meta_type};

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
    }
}

/// The signed extensions of our extrinsic format, named as Substrate names them so clients
/// know how to sign: `(identifier, explicit type, implicit type)`.
fn signed_extensions() -> Vec<SignedExtensionMetadata> {
    fn ext(
        identifier: &'static str,
        ty: MetaType,
        additional: MetaType,
    ) -> SignedExtensionMetadata {
        SignedExtensionMetadata {
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

/// The encoded `RuntimeMetadataPrefixed` (magic `meta`, version 14) of a runtime.
pub fn runtime_metadata(
    pallets: Vec<PalletMetadata>,
    extrinsic_type: MetaType,
    runtime_type: MetaType,
) -> Vec<u8> {
    let extrinsic = ExtrinsicMetadata {
        ty: extrinsic_type,
        version: cpc_primitives::extrinsic::EXTRINSIC_FORMAT_VERSION,
        signed_extensions: signed_extensions(),
    };
    let v14 = RuntimeMetadataV14::new(pallets, extrinsic, runtime_type);
    RuntimeMetadataPrefixed::from(v14).encode()
}
