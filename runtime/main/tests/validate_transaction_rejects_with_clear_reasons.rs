//! The transaction pool's gate: `validate_transaction` accepts a good transaction with the tags
//! and priority the pool needs, and refuses each kind of bad one with its own reason.

use codec::Encode;
use cpc_api::TaggedTransactionQueue;
use cpc_primitives::{
    OpaqueExtrinsic,
    era::Era,
    transaction_validity::{
        InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
        ValidTransaction, custom,
    },
};
use cpc_runtime::Runtime;
use cpc_runtime::{RuntimeCall, UncheckedExtrinsic, constants::*};
use cpc_runtime_test_utils::*;

/// A chain at block 5 where Alice has sent one transaction.
fn chain() -> Chain {
    let mut chain = Chain::dev();
    let first = chain.sign(&pair("Alice"), transfer(&account("Bob"), UNITS), 0);
    chain.build_block(vec![first]);
    chain.advance(4);
    assert_eq!(chain.best.number, 5);
    chain
}

fn validate_bytes(chain: &mut Chain, bytes: Vec<u8>) -> TransactionValidity {
    let best = chain.best.hash();
    let opaque = OpaqueExtrinsic(bytes);
    // Validation runs on a scratch copy of state, as the pool does.
    let mut scratch = cpc_state_machine::TestExternalities::new(chain.ext.storage());
    scratch
        .execute_with(|| Runtime::validate_transaction(TransactionSource::External, opaque, best))
}

fn validate(chain: &mut Chain, xt: &UncheckedExtrinsic) -> TransactionValidity {
    let encoded = xt.encode();
    let opaque = OpaqueExtrinsic::from_encoded(&encoded).unwrap();
    validate_bytes(chain, opaque.0)
}

fn invalid(e: InvalidTransaction) -> TransactionValidity {
    Err(TransactionValidityError::Invalid(e))
}

#[test]
fn a_good_transaction_gets_tags_priority_and_longevity() {
    let mut chain = chain();
    let alice = account("Alice");
    let birth_hash = chain.block_hash(5);
    let xt = chain.sign_with(
        &pair("Alice"),
        transfer(&account("Bob"), UNITS),
        1,
        7,
        Era::mortal(16, 5),
        birth_hash,
    );
    let valid = validate(&mut chain, &xt).expect("valid");
    assert_eq!(valid.provides, vec![(alice, 1u32).encode()]);
    assert!(valid.requires.is_empty());
    assert_eq!(valid.priority, 7, "priority is the tip");
    // Born at 5 with a period of 16: valid through block 20, seen from block 6.
    assert_eq!(valid.longevity, 21 - 6);
    assert!(valid.propagate);

    // The next nonce requires the previous one.
    let next = chain.sign(&pair("Alice"), transfer(&account("Bob"), UNITS), 2);
    let ValidTransaction {
        requires,
        provides,
        longevity,
        ..
    } = validate(&mut chain, &next).unwrap();
    assert_eq!(requires, vec![(alice, 1u32).encode()]);
    assert_eq!(provides, vec![(alice, 2u32).encode()]);
    assert_eq!(longevity, u64::MAX, "immortal");
}

#[test]
fn a_used_nonce_is_stale() {
    let mut chain = chain();
    let xt = chain.sign(&pair("Alice"), transfer(&account("Bob"), UNITS), 0);
    assert_eq!(
        validate(&mut chain, &xt),
        invalid(InvalidTransaction::Stale)
    );
}

#[test]
fn a_nonce_too_far_ahead_is_future() {
    let mut chain = chain();
    let xt = chain.sign(
        &pair("Alice"),
        transfer(&account("Bob"), UNITS),
        1 + 4096 + 1,
    );
    assert_eq!(
        validate(&mut chain, &xt),
        invalid(InvalidTransaction::Future)
    );
}

#[test]
fn a_bad_signature_is_refused() {
    let mut chain = chain();
    let xt = chain.sign(&pair("Alice"), transfer(&account("Bob"), UNITS), 1);
    let mut bytes = OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap().0;
    // The signature starts after the version byte, the address (1 + 32) and its variant byte.
    bytes[1 + 33 + 1 + 10] ^= 0x10;
    assert_eq!(
        validate_bytes(&mut chain, bytes),
        invalid(InvalidTransaction::BadProof)
    );
    // Bob's signature on Alice's behalf.
    let mut forged = chain.sign(&pair("Bob"), transfer(&account("Bob"), UNITS), 1);
    forged.signature.as_mut().unwrap().address = account("Alice").into();
    assert_eq!(
        validate(&mut chain, &forged),
        invalid(InvalidTransaction::BadProof)
    );
}

#[test]
fn an_expired_era_is_refused() {
    let mut chain = chain();
    // Born at block 1 for 4 blocks: dead from block 5 on; validated as block 6.
    let birth_hash = chain.block_hash(1);
    let xt = chain.sign_with(
        &pair("Alice"),
        transfer(&account("Bob"), UNITS),
        1,
        0,
        Era::mortal(4, 1),
        birth_hash,
    );
    assert_eq!(
        validate(&mut chain, &xt),
        invalid(InvalidTransaction::Custom(custom::ERA_EXPIRED))
    );
}

#[test]
fn a_future_era_is_refused() {
    let mut chain = chain();
    let xt = chain.sign_with(
        &pair("Alice"),
        transfer(&account("Bob"), UNITS),
        1,
        0,
        Era::Mortal(64, 40),
        chain.genesis_hash,
    );
    assert_eq!(
        validate(&mut chain, &xt),
        invalid(InvalidTransaction::Custom(custom::ERA_NOT_YET_VALID))
    );
}

#[test]
fn a_wrong_genesis_fails_the_signature() {
    // The genesis hash is signed, not sent: a transaction signed for another chain cannot be
    // told apart from a forged one, and both get `BadProof`, whose message names both causes.
    let mut chain = chain();
    let mut other = Chain::dev();
    other.genesis_hash = cpc_primitives::H256([9; 32]);
    let xt = other.sign(&pair("Alice"), transfer(&account("Bob"), UNITS), 1);
    assert_eq!(
        validate(&mut chain, &xt),
        invalid(InvalidTransaction::BadProof)
    );
    assert!(
        InvalidTransaction::BadProof
            .to_string()
            .contains("another genesis")
    );
}

#[test]
fn an_unknown_call_index_is_refused() {
    let mut chain = chain();
    let xt = chain.sign(&pair("Alice"), transfer(&account("Bob"), UNITS), 1);
    let mut bytes = OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap().0;
    // Version (1) + address (33) + signature (65) + era (1) + nonce (1) + tip (1), then the
    // pallet index.
    let pallet_at = 1 + 33 + 65 + 3;
    assert_eq!(bytes[pallet_at], 2, "the balances pallet");
    bytes[pallet_at] = 99;
    assert_eq!(
        validate_bytes(&mut chain, bytes.clone()),
        invalid(InvalidTransaction::Call)
    );
    bytes[pallet_at] = 2;
    bytes[pallet_at + 1] = 77;
    assert_eq!(
        validate_bytes(&mut chain, bytes),
        invalid(InvalidTransaction::Call)
    );
}

#[test]
fn an_unpayable_fee_is_refused() {
    let mut chain = chain();
    // Dave sends everything but the existential deposit to Eve: he can no longer pay a fee.
    let dave = pair("Dave");
    let all = RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_all {
        dest: account("Eve").into(),
        keep_alive: true,
    });
    let xt = chain.sign(&dave, all, 0);
    let (_, results) = chain.build_block(vec![xt]);
    assert!(matches!(results[0], Ok(Ok(()))), "{results:?}");
    assert_eq!(free(&mut chain.ext, &account("Dave")), EXISTENTIAL_DEPOSIT);
    let broke = chain.sign(&dave, transfer(&account("Eve"), 1), 1);
    assert_eq!(
        validate(&mut chain, &broke),
        invalid(InvalidTransaction::Payment)
    );
    // An account that does not exist cannot pay either.
    let (nobody, _) = cpc_crypto::sr25519::Pair::from_suri("//Nobody").unwrap();
    let xt = chain.sign(&nobody, transfer(&account("Eve"), 1), 0);
    assert_eq!(
        validate(&mut chain, &xt),
        invalid(InvalidTransaction::Payment)
    );
}

#[test]
fn inherents_cannot_be_submitted() {
    let mut chain = chain();
    let xt =
        UncheckedExtrinsic::new_unsigned(RuntimeCall::Timestamp(cpc_pallet_timestamp::Call::set {
            now: 1,
        }));
    assert_eq!(
        validate(&mut chain, &xt),
        invalid(InvalidTransaction::MandatoryValidation)
    );
}

#[test]
fn unsigned_transactions_are_not_accepted() {
    let mut chain = chain();
    let xt = UncheckedExtrinsic::new_unsigned(transfer(&account("Bob"), UNITS));
    assert_eq!(
        validate(&mut chain, &xt),
        Err(TransactionValidityError::Unknown(
            cpc_primitives::transaction_validity::UnknownTransaction::NoUnsignedValidator
        ))
    );
}

#[test]
fn oversized_and_garbage_bytes_are_refused() {
    let mut chain = chain();
    let huge = vec![0u8; cpc_primitives::limits::MAX_EXTRINSIC_SIZE + 1];
    assert_eq!(
        validate_bytes(&mut chain, huge),
        invalid(InvalidTransaction::Custom(custom::TOO_LARGE))
    );
    assert_eq!(
        validate_bytes(&mut chain, vec![0x84, 0, 1]),
        invalid(InvalidTransaction::Call)
    );
}

#[test]
fn every_reason_reads_differently() {
    let reasons = [
        InvalidTransaction::Stale,
        InvalidTransaction::Future,
        InvalidTransaction::BadProof,
        InvalidTransaction::Custom(custom::ERA_EXPIRED),
        InvalidTransaction::Custom(custom::ERA_NOT_YET_VALID),
        InvalidTransaction::Call,
        InvalidTransaction::Payment,
    ];
    let texts: std::collections::BTreeSet<String> = reasons.iter().map(|r| r.to_string()).collect();
    assert_eq!(texts.len(), reasons.len());
}
