//! `Metadata_metadata` returns FRAME metadata V14, and `Metadata_metadata_at_version(15)` V15,
//! that describe the runtime as clients need it: pallets with their indices, calls, events,
//! errors, storage and constants, the extrinsic format with Substrate's signed extensions, the
//! types clients special-case under Substrate's paths, and (V15) every runtime API.

use codec::Decode;
use cpc_api::Metadata;
use cpc_runtime::Runtime;
use frame_metadata::{
    RuntimeMetadata, RuntimeMetadataPrefixed,
    v14::{RuntimeMetadataV14, StorageEntryType, StorageHasher},
    v15::RuntimeMetadataV15,
};
use scale_info::{TypeDef, form::PortableForm};

fn metadata() -> RuntimeMetadataV14 {
    // The API returns `OpaqueMetadata`: the metadata bytes as a `Vec<u8>`.
    let encoded = cpc_runtime::api::dispatch("Metadata_metadata", &[]).unwrap();
    let bytes: Vec<u8> = Decode::decode(&mut &encoded[..]).unwrap();
    let prefixed = RuntimeMetadataPrefixed::decode(&mut &bytes[..]).expect("decodes");
    assert_eq!(
        prefixed.0,
        frame_metadata::META_RESERVED,
        "the `meta` magic"
    );
    match prefixed.1 {
        RuntimeMetadata::V14(v14) => v14,
        other => panic!("expected V14, got version {}", other.version()),
    }
}

fn variants(md: &RuntimeMetadataV14, id: u32) -> Vec<(String, u8)> {
    variants_of(&md.types, id)
}

fn variants_of(types: &scale_info::PortableRegistry, id: u32) -> Vec<(String, u8)> {
    match &types.resolve(id).unwrap().type_def {
        TypeDef::Variant(v) => v
            .variants
            .iter()
            .map(|v| (v.name.clone(), v.index))
            .collect(),
        other => panic!("not an enum: {other:?}"),
    }
}

#[test]
fn pallets_have_their_indices_calls_events_and_errors() {
    let md = metadata();
    let pallets: Vec<(&str, u8)> = md
        .pallets
        .iter()
        .map(|p| (p.name.as_str(), p.index))
        .collect();
    assert_eq!(
        pallets,
        vec![
            ("System", 0),
            ("Timestamp", 1),
            ("Balances", 2),
            ("Governance", 3),
            ("Notes", 4),
            ("HybridConsensus", 5),
            ("DataMarket", 6),
            ("SidechainRegistry", 7),
            ("CrosschainTransfer", 10),
        ]
    );
    let consensus = md
        .pallets
        .iter()
        .find(|p| p.name == "HybridConsensus")
        .unwrap();
    let calls = variants(&md, consensus.calls.as_ref().unwrap().ty.id);
    assert!(calls.contains(&("register".to_string(), 0)), "{calls:?}");
    assert!(
        calls.contains(&("report_equivocation".to_string(), 7)),
        "{calls:?}"
    );
    // Governance's calls carry runtime calls; set_code is System's call 2, as in Substrate.
    let governance = md.pallets.iter().find(|p| p.name == "Governance").unwrap();
    let calls = variants(&md, governance.calls.as_ref().unwrap().ty.id);
    assert!(calls.contains(&("sudo".to_string(), 0)), "{calls:?}");
    assert!(calls.contains(&("propose".to_string(), 3)), "{calls:?}");
    let system = md.pallets.iter().find(|p| p.name == "System").unwrap();
    let calls = variants(&md, system.calls.as_ref().unwrap().ty.id);
    assert!(calls.contains(&("set_code".to_string(), 2)), "{calls:?}");
    let balances = md.pallets.iter().find(|p| p.name == "Balances").unwrap();
    let calls = variants(&md, balances.calls.as_ref().unwrap().ty.id);
    for expected in [
        ("transfer", 0),
        ("force_transfer", 2),
        ("transfer_keep_alive", 3),
        ("transfer_all", 4),
    ] {
        assert!(
            calls.contains(&(expected.0.to_string(), expected.1)),
            "{expected:?} in {calls:?}"
        );
    }
    let errors = variants(&md, balances.error.as_ref().unwrap().ty.id);
    assert!(errors.contains(&("InsufficientBalance".to_string(), 2)));
    let events = variants(&md, balances.event.as_ref().unwrap().ty.id);
    assert!(events.contains(&("Transfer".to_string(), 2)));
    let ed = balances
        .constants
        .iter()
        .find(|c| c.name == "ExistentialDeposit")
        .unwrap();
    assert_eq!(
        u128::decode(&mut &ed.value[..]).unwrap(),
        cpc_runtime::constants::EXISTENTIAL_DEPOSIT
    );
}

#[test]
fn storage_entries_carry_their_hashers_and_types() {
    let md = metadata();
    let system = md.pallets.iter().find(|p| p.name == "System").unwrap();
    let storage = system.storage.as_ref().unwrap();
    assert_eq!(storage.prefix, "System");
    let account = storage
        .entries
        .iter()
        .find(|e| e.name == "Account")
        .unwrap();
    let StorageEntryType::Map { hashers, value, .. } = &account.ty else {
        panic!("a map")
    };
    assert_eq!(hashers, &vec![StorageHasher::Blake2_128Concat]);
    let value_ty = md.types.resolve(value.id).unwrap();
    assert_eq!(
        value_ty.path.segments.last().map(String::as_str),
        Some("AccountInfo")
    );
    // Events default to an empty vector, as clients expect.
    let events = storage.entries.iter().find(|e| e.name == "Events").unwrap();
    assert_eq!(events.default, vec![0]);
}

#[test]
fn the_extrinsic_format_is_substrates_v4() {
    let md = metadata();
    assert_eq!(md.extrinsic.version, 4);
    let names: Vec<&str> = md
        .extrinsic
        .signed_extensions
        .iter()
        .map(|e| e.identifier.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "CheckNonZeroSender",
            "CheckSpecVersion",
            "CheckTxVersion",
            "CheckGenesis",
            "CheckMortality",
            "CheckNonce",
            "CheckWeight",
            "ChargeTransactionPayment"
        ]
    );
    let xt = md.types.resolve(md.extrinsic.ty.id).unwrap();
    let params: Vec<&str> = xt.type_params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(params, ["Address", "Call", "Signature", "Extra"]);
    let call = xt.type_params[1].ty.unwrap();
    let pallets = variants(&md, call.id);
    assert!(pallets.contains(&("Balances".to_string(), 2)));
}

#[test]
fn every_type_reference_resolves() {
    let md = metadata();
    let count = md.types.types.len() as u32;
    for ty in &md.types.types {
        let check = |id: u32| assert!(id < count, "dangling type id {id}");
        match &ty.ty.type_def {
            TypeDef::Composite(c) => c.fields.iter().for_each(|f| check(f.ty.id)),
            TypeDef::Variant(v) => v
                .variants
                .iter()
                .flat_map(|v| &v.fields)
                .for_each(|f| check(f.ty.id)),
            TypeDef::Sequence(s) => check(s.type_param.id),
            TypeDef::Array(a) => check(a.type_param.id),
            TypeDef::Tuple(t) => t.fields.iter().for_each(|f| check(f.id)),
            TypeDef::Compact(c) => check(c.type_param.id),
            TypeDef::Primitive(_) | TypeDef::BitSequence(_) => {}
        }
    }
    let _: Option<&scale_info::Type<PortableForm>> = md.types.resolve(0);
}

#[test]
fn v14_and_v15_are_offered() {
    assert_eq!(Runtime::metadata_versions(), vec![14, 15]);
    assert!(Runtime::metadata_at_version(13).is_none());
    assert!(Runtime::metadata_at_version(16).is_none());
    assert_eq!(
        Runtime::metadata_at_version(14),
        Some(Runtime::metadata()),
        "`metadata()` is V14"
    );
}

fn v15() -> RuntimeMetadataV15 {
    let bytes = Runtime::metadata_at_version(15).expect("V15 offered");
    match RuntimeMetadataPrefixed::decode(&mut &bytes[..]).unwrap().1 {
        RuntimeMetadata::V15(v15) => v15,
        other => panic!("expected V15, got version {}", other.version()),
    }
}

fn all_paths(types: &scale_info::PortableRegistry) -> Vec<String> {
    types
        .types
        .iter()
        .map(|t| t.ty.path.segments.join("::"))
        .collect()
}

fn path_of(types: &scale_info::PortableRegistry, id: u32) -> String {
    types.resolve(id).unwrap().path.segments.join("::")
}

#[test]
fn types_clients_special_case_carry_substrates_paths() {
    let md = metadata();
    let paths = all_paths(&md.types);
    for expected in [
        "sp_core::crypto::AccountId32",
        "sp_runtime::multiaddress::MultiAddress",
        "sp_runtime::MultiSignature",
        "frame_system::EventRecord",
        "frame_system::Phase",
        "frame_system::AccountInfo",
        "pallet_balances::types::AccountData",
        "sp_weights::weight_v2::Weight",
        "sp_runtime::DispatchError",
        "sp_runtime::ModuleError",
        "sp_runtime::generic::era::Era",
        "sp_runtime::generic::digest::Digest",
        "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic",
        "cpc_runtime::RuntimeCall",
        "cpc_runtime::RuntimeEvent",
    ] {
        assert!(paths.iter().any(|p| p == expected), "{expected} missing");
    }
    // Clients learn the account type from MultiAddress's first parameter, the event type from
    // EventRecord's first.
    let xt = md.types.resolve(md.extrinsic.ty.id).unwrap();
    let address = md.types.resolve(xt.type_params[0].ty.unwrap().id).unwrap();
    let account = address.type_params[0].ty.unwrap().id;
    assert_eq!(path_of(&md.types, account), "sp_core::crypto::AccountId32");
    let record = md
        .types
        .types
        .iter()
        .find(|t| t.ty.path.segments.join("::") == "frame_system::EventRecord")
        .unwrap();
    let event = record.ty.type_params[0].ty.unwrap().id;
    assert_eq!(path_of(&md.types, event), "cpc_runtime::RuntimeEvent");
}

#[test]
fn every_rename_in_the_table_is_used() {
    let md = v15();
    let paths = all_paths(&md.types);
    for (ours, substrate) in cpc_support::metadata::SUBSTRATE_PATHS {
        assert!(
            paths.iter().any(|p| p == substrate),
            "{ours} -> {substrate}: no such type in the metadata"
        );
        assert!(!paths.iter().any(|p| p == ours), "{ours} left unrenamed");
    }
}

#[test]
fn v15_describes_every_runtime_api_and_the_outer_enums() {
    let md = v15();
    let names: Vec<&str> = md.apis.iter().map(|a| a.name.as_str()).collect();
    let mut declared: Vec<[u8; 8]> = cpc_runtime::VERSION
        .apis
        .iter()
        .map(|(id, _)| *id)
        .collect();
    let mut described: Vec<[u8; 8]> = names.iter().map(|n| cpc_api::api_id(n)).collect();
    declared.sort();
    described.sort();
    assert_eq!(
        declared, described,
        "VERSION.apis and the metadata's APIs: {names:?}"
    );

    let market = md.apis.iter().find(|a| a.name == "DataMarketApi").unwrap();
    let products = market
        .methods
        .iter()
        .find(|m| m.name == "products")
        .unwrap();
    let inputs: Vec<&str> = products.inputs.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(inputs, ["start", "limit"]);
    let payment = md
        .apis
        .iter()
        .find(|a| a.name == "TransactionPaymentApi")
        .unwrap();
    let query_info = payment
        .methods
        .iter()
        .find(|m| m.name == "query_info")
        .unwrap();
    assert_eq!(
        path_of(&md.types, query_info.output.id),
        "pallet_transaction_payment::types::RuntimeDispatchInfo"
    );
    assert!(!payment.docs.is_empty() && !query_info.docs.is_empty());
    // Where an API takes an extrinsic, clients see the runtime's extrinsic type.
    assert_eq!(
        path_of(&md.types, query_info.inputs[0].ty.id),
        "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic"
    );

    assert_eq!(
        path_of(&md.types, md.outer_enums.call_enum_ty.id),
        "cpc_runtime::RuntimeCall"
    );
    assert_eq!(
        path_of(&md.types, md.outer_enums.event_enum_ty.id),
        "cpc_runtime::RuntimeEvent"
    );
    assert_eq!(
        path_of(&md.types, md.outer_enums.error_enum_ty.id),
        "cpc_runtime::RuntimeError"
    );
    let errors = variants_of(&md.types, md.outer_enums.error_enum_ty.id);
    assert!(errors.contains(&("Balances".to_string(), 2)), "{errors:?}");
    assert_eq!(
        path_of(&md.types, md.extrinsic.address_ty.id),
        "sp_runtime::multiaddress::MultiAddress"
    );
    assert_eq!(
        path_of(&md.types, md.extrinsic.signature_ty.id),
        "sp_runtime::MultiSignature"
    );
    assert_eq!(md.pallets.len(), 9);
}
