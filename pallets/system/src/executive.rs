//! The executive: how blocks and transactions are applied.
//!
//! Every signed extrinsic goes through the checks of Substrate's standard signed extensions,
//! in their order: spec and transaction version, genesis and era (all through the signature,
//! which covers them), nonce, block weight and length, then fee payment. An extrinsic that
//! fails a check is *invalid*: it changes nothing and cannot be in a block. One that passes is
//! *included*: its nonce and fee apply, and its call runs in a storage transaction whose
//! changes are discarded if the call fails.
//!
//! Inherents (unsigned, mandatory extrinsics such as the timestamp) come first in a block; a
//! block without a required inherent, with an inherent after a transaction, or with a failing
//! inherent is invalid.

use crate::{
    AllExtrinsicsLen, BlockHash, BlockWeight, Config, InherentsApplied, Number, Pallet as System,
};
use alloc::vec::Vec;
use codec::Encode;
use core::marker::PhantomData;
use cpc_primitives::{
    AccountId, Block, BlockNumber, H256, Header, OpaqueExtrinsic,
    dispatch::{ApplyExtrinsicResult, DispatchClass, DispatchInfo, Pays},
    era::Era,
    extrinsic::{AdditionalSigned, SignedExtra, UncheckedExtrinsic},
    header::{Digest, DigestItem},
    inherent::{CheckInherentsResult, InherentData},
    limits::DecodeLimitError,
    transaction_validity::{
        InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
        ValidTransaction, custom,
    },
};
use cpc_support::{
    Dispatchable, GetDispatchInfo, Hooks, PalletIndex, RawOrigin, compose::CallInherents,
    traits::OnChargeTransaction, with_transaction,
};

/// The extrinsic type of a runtime.
pub type Extrinsic<T> = UncheckedExtrinsic<<T as Config>::RuntimeCall>;

/// Custom validity code: an inherent came after a transaction.
pub const INHERENT_OUT_OF_ORDER: u8 = 6;

/// Applies blocks and transactions for runtime `T`.
pub struct Executive<T>(PhantomData<T>);

fn invalid(e: InvalidTransaction) -> TransactionValidityError {
    TransactionValidityError::Invalid(e)
}

impl<T: Config> Executive<T> {
    /// Starts block `header.number` on top of its parent.
    pub fn initialize_block(header: &Header) {
        // Only the author's pre-runtime items are inputs; the runtime adds its own items again.
        let digest = Digest {
            logs: header
                .digest
                .logs()
                .filter(|item| matches!(item, DigestItem::PreRuntime(..)))
                .cloned()
                .collect(),
        };
        System::<T>::initialize(header.number, header.parent_hash, &digest);
        let upgrade_weight = crate::upgrade::run_runtime_upgrade_if_needed::<T>();
        let weight = System::<T>::block_weights()
            .base_block
            .saturating_add(upgrade_weight)
            .saturating_add(T::AllPallets::on_initialize(header.number));
        System::<T>::register_extra_weight(weight, DispatchClass::Mandatory);
        System::<T>::note_finished_initialize();
    }

    /// The implicit signed data for `extra` at the current block.
    fn additional_signed(
        extra: &SignedExtra,
    ) -> Result<AdditionalSigned, TransactionValidityError> {
        Self::additional_signed_at_birth(extra, None)
    }

    fn additional_signed_at_birth(
        extra: &SignedExtra,
        birth_override: Option<u64>,
    ) -> Result<AdditionalSigned, TransactionValidityError> {
        let current = u64::from(System::<T>::block_number());
        let genesis_hash =
            BlockHash::get(&0).ok_or(invalid(InvalidTransaction::AncientBirthBlock))?;
        let era_block_hash = match extra.era {
            Era::Immortal => genesis_hash,
            Era::Mortal(..) => {
                let birth = birth_override.unwrap_or_else(|| extra.era.birth(current));
                if birth > current {
                    return Err(invalid(InvalidTransaction::Custom(
                        custom::ERA_NOT_YET_VALID,
                    )));
                }
                let birth = BlockNumber::try_from(birth)
                    .map_err(|_| invalid(InvalidTransaction::AncientBirthBlock))?;
                BlockHash::get(&birth).ok_or(invalid(InvalidTransaction::AncientBirthBlock))?
            }
        };
        Ok(AdditionalSigned::new(
            &T::VERSION,
            genesis_hash,
            era_block_hash,
        ))
    }

    /// Checks the signature, telling an expired mortal era apart from a bad signature.
    fn check_signature(
        xt: &Extrinsic<T>,
    ) -> Result<Option<(AccountId, SignedExtra)>, TransactionValidityError> {
        let Some(signature) = &xt.signature else {
            return Ok(None);
        };
        let extra = signature.extra;
        let additional = Self::additional_signed(&extra)?;
        match xt.verify_signature(&additional, cpc_io::crypto::sr25519_verify) {
            Ok(Some(signer)) => Ok(Some((signer, extra))),
            Ok(None) => Ok(None),
            Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof)) => {
                // Only on this failure path: was it signed for the previous period of its era?
                if let Era::Mortal(period, _) = extra.era {
                    let current = u64::from(System::<T>::block_number());
                    let birth = extra.era.birth(current);
                    if let Some(previous) = birth.checked_sub(period)
                        && let Ok(old) = Self::additional_signed_at_birth(&extra, Some(previous))
                        && xt
                            .verify_signature(&old, cpc_io::crypto::sr25519_verify)
                            .is_ok()
                    {
                        return Err(invalid(InvalidTransaction::Custom(custom::ERA_EXPIRED)));
                    }
                }
                Err(invalid(InvalidTransaction::BadProof))
            }
            Err(e) => Err(e),
        }
    }

    /// Checks the nonce for inclusion: it must be exactly the account's next nonce.
    fn check_nonce_for_inclusion(
        who: &AccountId,
        nonce: u32,
    ) -> Result<(), TransactionValidityError> {
        let account = crate::Account::get_or_default(who);
        if nonce < account.nonce {
            return Err(invalid(InvalidTransaction::Stale));
        }
        if nonce > account.nonce {
            return Err(invalid(InvalidTransaction::Future));
        }
        if account.providers == 0 && account.sufficients == 0 {
            // An account that does not exist cannot pay, even for a free call.
            return Err(invalid(InvalidTransaction::Payment));
        }
        Ok(())
    }

    /// Records the weight and length of an extrinsic in the block, or refuses it if the block
    /// is full for its class.
    fn check_block_limits(info: &DispatchInfo, len: u32) -> Result<(), TransactionValidityError> {
        let limits = System::<T>::block_weights();
        let weight = info.weight.saturating_add(limits.base_extrinsic);
        let mut used = BlockWeight::get_or_default();
        let class_used = used.get_mut(info.class);
        let new_class = class_used.saturating_add(weight);
        if let Some(max) = limits.max_total(info.class)
            && new_class.any_gt(max)
        {
            return Err(invalid(InvalidTransaction::ExhaustsResources));
        }
        *class_used = new_class;
        if info.class != DispatchClass::Mandatory && used.total().any_gt(limits.max_block) {
            return Err(invalid(InvalidTransaction::ExhaustsResources));
        }
        let new_len = AllExtrinsicsLen::get().unwrap_or(0).saturating_add(len);
        if info.class != DispatchClass::Mandatory && new_len > T::BLOCK_LENGTH.max_total(info.class)
        {
            return Err(invalid(InvalidTransaction::ExhaustsResources));
        }
        BlockWeight::put(&used);
        AllExtrinsicsLen::put(&new_len);
        Ok(())
    }

    /// Applies an extrinsic to the block being built. `Err` means it is invalid and changed
    /// nothing; `Ok(Err(_))` means it was included but its call failed.
    pub fn apply_extrinsic(xt: Extrinsic<T>) -> ApplyExtrinsicResult {
        let encoded = xt.encode();
        Self::apply_encoded(xt, encoded, false)
    }

    fn apply_encoded(
        xt: Extrinsic<T>,
        encoded: Vec<u8>,
        signature_checked: bool,
    ) -> ApplyExtrinsicResult {
        // An invalid extrinsic must leave no trace, whichever check it fails.
        with_transaction(|| Self::apply_inner(xt, encoded, signature_checked))
    }

    fn apply_inner(
        xt: Extrinsic<T>,
        encoded: Vec<u8>,
        signature_checked: bool,
    ) -> ApplyExtrinsicResult {
        let len = encoded.len() as u32;
        let signed = if signature_checked {
            xt.signature
                .as_ref()
                .and_then(|s| s.address.account().map(|who| (who, s.extra)))
        } else {
            Self::check_signature(&xt)?
        };
        let call = xt.function;
        let info = call.get_dispatch_info();

        match &signed {
            None if call.is_inherent() => {
                if InherentsApplied::get_or_default() {
                    return Err(invalid(InvalidTransaction::Custom(INHERENT_OUT_OF_ORDER)));
                }
            }
            None => {
                InherentsApplied::put(&true);
                call.validate_unsigned(TransactionSource::InBlock)?;
            }
            Some(_) => InherentsApplied::put(&true),
        }
        if signed.is_some() && info.class == DispatchClass::Mandatory {
            return Err(invalid(InvalidTransaction::BadMandatory));
        }

        let mut fee = 0;
        let mut tip = 0;
        if let Some((who, extra)) = &signed {
            Self::check_nonce_for_inclusion(who, extra.nonce)?;
        }
        Self::check_block_limits(&info, len)?;
        if let Some((who, extra)) = &signed {
            tip = extra.tip;
            fee = T::OnChargeTransaction::compute_fee(len, &info);
            T::OnChargeTransaction::withdraw_fee(who, fee, tip)?;
            System::<T>::inc_account_nonce(who);
        }

        System::<T>::note_extrinsic(encoded);
        let origin = match &signed {
            Some((who, _)) => RawOrigin::Signed(*who),
            None => RawOrigin::None,
        };
        let result = with_transaction(|| call.dispatch(origin));
        let post_info = match &result {
            Ok(post) => *post,
            Err(e) => e.post_info,
        };

        // Give back the weight the call did not use.
        let actual_weight = info.actual_weight(&post_info);
        let unused = info.weight.saturating_sub(actual_weight);
        if unused != cpc_primitives::Weight::ZERO {
            BlockWeight::mutate_or_default(|w| {
                let used = w.get_mut(info.class);
                *used = used.saturating_sub(unused);
            });
        }
        let actual_info = DispatchInfo {
            weight: actual_weight,
            class: info.class,
            pays_fee: info.actual_pays_fee(&post_info),
        };
        if let Some((who, _)) = &signed {
            let actual_fee = match actual_info.pays_fee {
                Pays::Yes => T::OnChargeTransaction::compute_fee(len, &actual_info),
                Pays::No => 0,
            };
            T::OnChargeTransaction::correct_and_deposit_fee(who, fee, actual_fee.min(fee), tip);
        }

        let outcome = result
            .map(|_| ())
            .map_err(|e| <T::PalletIndex as PalletIndex>::resolve(e.error));
        System::<T>::note_applied_extrinsic(&outcome, actual_info);
        if outcome.is_err() && info.class == DispatchClass::Mandatory {
            return Err(invalid(InvalidTransaction::BadMandatory));
        }
        Ok(outcome)
    }

    /// Ends the block being built and returns its header.
    pub fn finalize_block() -> Header {
        System::<T>::note_finished_extrinsics();
        let number = System::<T>::block_number();
        T::AllPallets::on_finalize(number);
        System::<T>::finalize()
    }

    /// Executes a block received from elsewhere and checks that it matches its header.
    ///
    /// # Panics
    /// On any invalid block: an undecodable or invalid extrinsic, a missing or misplaced
    /// inherent, or a state root, extrinsics root or digest that differs from the header. The
    /// executor reports the panic message as the reason the block was refused.
    pub fn execute_block(block: Block) {
        let Block { header, extrinsics } = block;
        Self::initialize_block(&header);

        let mut decoded = Vec::with_capacity(extrinsics.len());
        for (i, opaque) in extrinsics.into_iter().enumerate() {
            let encoded = opaque.encode();
            match Extrinsic::<T>::decode_bounded(&encoded) {
                Ok(xt) => decoded.push((xt, encoded)),
                Err(e) => panic!("extrinsic {i} does not decode: {e}"),
            }
        }
        if let Some(pallet) = T::RuntimeCall::missing_required_inherent(
            decoded
                .iter()
                .filter(|(xt, _)| !xt.is_signed())
                .map(|(xt, _)| &xt.function),
        ) {
            panic!("block lacks the inherent of {pallet}");
        }

        let batch_ok = Self::batch_verify_signatures(&decoded);
        for (i, (xt, encoded)) in decoded.into_iter().enumerate() {
            if let Err(e) = Self::apply_encoded(xt, encoded, batch_ok) {
                panic!("extrinsic {i} is invalid: {e}");
            }
        }

        let computed = Self::finalize_block();
        assert!(
            computed.extrinsics_root == header.extrinsics_root,
            "extrinsics root mismatch: header {:?}, computed {:?}",
            header.extrinsics_root,
            computed.extrinsics_root
        );
        let expected_logs: Vec<&DigestItem> = header
            .digest
            .logs()
            .filter(|d| !matches!(d, DigestItem::Seal(..)))
            .collect();
        let computed_logs: Vec<&DigestItem> = computed.digest.logs().collect();
        assert!(expected_logs == computed_logs, "digest mismatch");
        assert!(
            computed.state_root == header.state_root,
            "state root mismatch: header {:?}, computed {:?}",
            header.state_root,
            computed.state_root
        );
    }

    /// Verifies every signature of a block at once (faster than one by one). Returns false if
    /// any check fails or an implicit value cannot be computed; the extrinsics are then
    /// checked one by one, which names the culprit.
    fn batch_verify_signatures(decoded: &[(Extrinsic<T>, Vec<u8>)]) -> bool {
        use cpc_primitives::{MultiSignature, extrinsic::signing_payload};
        let mut items = Vec::new();
        for (xt, _) in decoded {
            let Some(signature) = &xt.signature else {
                continue;
            };
            let (Some(signer), MultiSignature::Sr25519(sig)) =
                (signature.address.account(), &signature.signature)
            else {
                return false;
            };
            let Ok(additional) = Self::additional_signed(&signature.extra) else {
                return false;
            };
            let payload = signing_payload(&xt.function, &signature.extra, &additional);
            items.push((*sig, payload, signer.into()));
        }
        items.is_empty() || cpc_io::crypto::sr25519_batch_verify(&items)
    }

    /// Checks a transaction for the pool, in the state of block `parent_hash`.
    ///
    /// The transaction arrives as bytes so that an unknown call index is reported as
    /// `InvalidTransaction::Call` rather than as a failure to call the runtime.
    pub fn validate_transaction(
        source: TransactionSource,
        bytes: &[u8],
        parent_hash: H256,
    ) -> TransactionValidity {
        let xt = match Extrinsic::<T>::decode_bounded(bytes) {
            Ok(xt) => xt,
            Err(DecodeLimitError::TooLarge { .. }) => {
                return Err(invalid(InvalidTransaction::Custom(custom::TOO_LARGE)));
            }
            Err(DecodeLimitError::Invalid(_)) => return Err(invalid(InvalidTransaction::Call)),
        };
        // Validate as the first transaction of the next block.
        let number = Number::get_or_default().saturating_add(1);
        System::<T>::initialize(number, parent_hash, &Digest::default());

        let len = bytes.len() as u32;
        let info = xt.function.get_dispatch_info();
        if info.class == DispatchClass::Mandatory {
            return Err(invalid(InvalidTransaction::MandatoryValidation));
        }
        // Operational extrinsics (a runtime upgrade) may fill the whole block.
        if len > T::BLOCK_LENGTH.max_total(info.class) {
            return Err(invalid(InvalidTransaction::ExhaustsResources));
        }
        let signed = Self::check_signature(&xt)?;
        let Some((who, extra)) = signed else {
            return xt.function.validate_unsigned(source);
        };

        let account = crate::Account::get_or_default(&who);
        if extra.nonce < account.nonce {
            return Err(invalid(InvalidTransaction::Stale));
        }
        if extra.nonce - account.nonce > T::MAX_NONCE_LOOKAHEAD {
            return Err(invalid(InvalidTransaction::Future));
        }
        if account.providers == 0 && account.sufficients == 0 {
            return Err(invalid(InvalidTransaction::Payment));
        }
        let limits = System::<T>::block_weights();
        let weight = info.weight.saturating_add(limits.base_extrinsic);
        if limits
            .max_total(info.class)
            .is_some_and(|max| weight.any_gt(max))
        {
            return Err(invalid(InvalidTransaction::ExhaustsResources));
        }
        let fee = T::OnChargeTransaction::compute_fee(len, &info);
        T::OnChargeTransaction::withdraw_fee(&who, fee, extra.tip)?;

        let requires = if extra.nonce > account.nonce {
            alloc::vec![(who, extra.nonce - 1).encode()]
        } else {
            Vec::new()
        };
        let longevity = match extra.era {
            Era::Immortal => u64::MAX,
            era @ Era::Mortal(..) => era
                .death(u64::from(number))
                .saturating_sub(u64::from(number)),
        };
        Ok(ValidTransaction {
            priority: u64::try_from(extra.tip).unwrap_or(u64::MAX),
            requires,
            provides: alloc::vec![(who, extra.nonce).encode()],
            longevity,
            propagate: true,
        })
    }

    /// The inherent extrinsics for a block with `data`.
    pub fn inherent_extrinsics(data: &InherentData) -> Vec<OpaqueExtrinsic> {
        T::RuntimeCall::create_inherents(data)
            .into_iter()
            .map(|call| {
                OpaqueExtrinsic::from_encoded(&Extrinsic::<T>::new_unsigned(call).encode())
                    .expect("an extrinsic's encoding is a valid opaque extrinsic; qed")
            })
            .collect()
    }

    /// Checks a block's inherents against this node's `data`.
    pub fn check_inherents(block: &Block, data: &InherentData) -> CheckInherentsResult {
        let mut result = CheckInherentsResult::default();
        let mut calls = Vec::new();
        for opaque in &block.extrinsics {
            match Extrinsic::<T>::decode_bounded(&opaque.encode()) {
                Ok(xt) if !xt.is_signed() && xt.function.is_inherent() => calls.push(xt.function),
                Ok(_) => {}
                Err(_) => result.push(*b"decode00", "an extrinsic does not decode"),
            }
        }
        for call in &calls {
            if let Err(why) = call.check_inherent(data) {
                result.push(*b"inherent", why);
            }
        }
        if let Some(pallet) = T::RuntimeCall::missing_required_inherent(calls.iter()) {
            result.push(*b"missing0", pallet);
        }
        result
    }

    /// The next nonce of `who`.
    pub fn account_nonce(who: &AccountId) -> u32 {
        System::<T>::account_nonce(who)
    }
}
