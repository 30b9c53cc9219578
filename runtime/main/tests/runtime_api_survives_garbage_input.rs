//! The native API table answers every exported method, unknown methods are `None`, and garbage
//! extrinsic bytes given to the transaction APIs are refused as invalid, never a panic.

use codec::{Decode, Encode};
use cpc_api::{BlockBuilder, TaggedTransactionQueue, TransactionPaymentApi};
use cpc_primitives::{
    OpaqueExtrinsic,
    transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
};
use cpc_runtime::Runtime;
use cpc_runtime::{VERSION, api};
use cpc_runtime_test_utils::*;
use cpc_version::RuntimeVersion;
use proptest::prelude::*;

#[test]
fn the_api_table_matches_the_functions() {
    let encoded = api::dispatch("Core_version", &[]).unwrap();
    assert_eq!(RuntimeVersion::decode(&mut &encoded[..]).unwrap(), VERSION);
    assert!(api::dispatch("Core_nonexistent", &[]).is_none());
    for method in api::API_METHODS {
        let (api_name, _) = method.split_once('_').unwrap();
        let id = cpc_primitives::hashing::blake2_64(api_name.as_bytes());
        assert!(
            VERSION.apis.iter().any(|(a, _)| *a == id),
            "{api_name} is not in the version's API list"
        );
    }
}

#[test]
#[should_panic(expected = "cannot decode the arguments of Core_execute_block")]
fn undecodable_api_arguments_fail_with_the_method_name() {
    api::dispatch("Core_execute_block", &[1, 2, 3]);
}

#[test]
fn fees_are_quoted_for_wallets() {
    let chain = Chain::dev();
    let xt = chain.sign(&pair("Alice"), transfer(&account("Bob"), 1), 0);
    let len = xt.encode().len() as u32;
    let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap();
    let info = Runtime::query_info(opaque, len);
    assert!(info.partial_fee > cpc_runtime::constants::TRANSACTION_BASE_FEE);
}

proptest! {
    #[test]
    fn garbage_extrinsics_are_invalid_not_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut chain = Chain::dev();
        let genesis = chain.genesis_hash;
        let opaque = OpaqueExtrinsic(bytes);
        let validity = chain.ext.execute_with(|| {
            Runtime::validate_transaction(TransactionSource::External, opaque.clone(), genesis)
        });
        prop_assert!(validity.is_err());
        chain.build_block(Vec::new());
        let applied = chain.ext.execute_with(|| Runtime::apply_extrinsic(opaque));
        prop_assert!(matches!(
            applied,
            Err(TransactionValidityError::Invalid(InvalidTransaction::Call))
                | Err(TransactionValidityError::Invalid(_))
                | Err(TransactionValidityError::Unknown(_))
        ));
    }
}
