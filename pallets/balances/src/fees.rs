//! Transaction fees.
//!
//! ```text
//! fee = TRANSACTION_BASE_FEE
//!     + TRANSACTION_BYTE_FEE * encoded_length
//!     + weight.ref_time * WEIGHT_FEE_NUMERATOR / WEIGHT_FEE_DENOMINATOR
//! paid = fee + tip
//! ```
//!
//! Calls declared `Pays::No` (or reporting it after dispatch) cost nothing but their tip.
//! Before a call runs, `fee + tip` is withdrawn from the sender's free balance, which must keep
//! the account alive and not touch frozen funds (otherwise the transaction is invalid with
//! `Payment`). After it runs, the fee is computed again with the weight the call actually used
//! and the difference is refunded. The rest goes to [`Config::OnFee`](crate::Config::OnFee);
//! with `()` it is burned (total issuance decreases by exactly the fee and tip).
//! `TransactionFeePaid { who, actual_fee, tip }` reports it, `actual_fee` including the tip.

use crate::{Config, Event, Pallet, TotalIssuance};
pub use cpc_api::{FeeDetails, InclusionFee, RuntimeDispatchInfo};
use cpc_primitives::{
    AccountId, Balance,
    dispatch::{DispatchInfo, Pays},
    transaction_validity::{InvalidTransaction, TransactionValidityError},
    weight::Weight,
};
use cpc_support::traits::{ExistenceRequirement, OnChargeTransaction};

/// Receives paid fees (already withdrawn from the payer and from the issuance).
pub trait OnFee {
    /// `who` paid `amount`; mint it to someone, or do nothing to leave it burned.
    fn on_fee(who: &AccountId, amount: Balance);
}

/// Fees are burned.
impl OnFee for () {
    fn on_fee(_who: &AccountId, _amount: Balance) {}
}

/// Fees are burned, and reported to `R` (the proposers' reputation: fees are what a busy
/// account spent, which self-transfers cannot fake for free).
pub struct BurnAndReport<R>(core::marker::PhantomData<R>);

impl<R: cpc_support::traits::ReputationReporter> OnFee for BurnAndReport<R> {
    fn on_fee(who: &AccountId, amount: Balance) {
        if amount > 0 {
            R::note_fee_paid(who, amount);
        }
    }
}

impl<T: Config> Pallet<T> {
    /// The fee of a call of `info` with encoded length `len`, excluding the tip.
    pub fn compute_fee(len: u32, info: &DispatchInfo) -> Balance {
        Self::fee_details(len, info).map_or(0, |fee| fee.total())
    }

    /// The parts of that fee; `None` for a call that pays none.
    pub fn fee_details(len: u32, info: &DispatchInfo) -> Option<InclusionFee> {
        (info.pays_fee == Pays::Yes).then(|| InclusionFee {
            base_fee: T::TRANSACTION_BASE_FEE,
            len_fee: Self::length_to_fee(len),
            adjusted_weight_fee: Self::weight_to_fee(info.weight),
        })
    }

    /// The fee for `weight`.
    pub fn weight_to_fee(weight: Weight) -> Balance {
        Balance::from(weight.ref_time).saturating_mul(T::WEIGHT_FEE_NUMERATOR)
            / T::WEIGHT_FEE_DENOMINATOR.max(1)
    }

    /// The fee for `len` bytes of extrinsic.
    pub fn length_to_fee(len: u32) -> Balance {
        T::TRANSACTION_BYTE_FEE.saturating_mul(Balance::from(len))
    }
}

impl<T: Config> OnChargeTransaction for Pallet<T> {
    fn compute_fee(len: u32, info: &DispatchInfo) -> Balance {
        Self::compute_fee(len, info)
    }

    fn withdraw_fee(
        who: &AccountId,
        fee: Balance,
        tip: Balance,
    ) -> Result<(), TransactionValidityError> {
        let total = fee.saturating_add(tip);
        if total == 0 {
            return Ok(());
        }
        Self::mutate_account(who, ExistenceRequirement::KeepAlive, |data| {
            data.free = data
                .free
                .checked_sub(total)
                .ok_or(crate::Error::InsufficientBalance)?;
            cpc_support::ensure!(
                data.free >= data.frozen,
                crate::Error::LiquidityRestrictions
            );
            Ok(())
        })
        .map_err(|_| TransactionValidityError::Invalid(InvalidTransaction::Payment))?;
        TotalIssuance::mutate_or_default(|i| *i = i.saturating_sub(total));
        Ok(())
    }

    fn correct_and_deposit_fee(
        who: &AccountId,
        paid_fee: Balance,
        actual_fee: Balance,
        tip: Balance,
    ) {
        let refund = paid_fee.saturating_sub(actual_fee);
        // The account may have been removed by the call; a refund below the existential
        // deposit then stays burned.
        if refund > 0
            && Self::mutate_account(who, ExistenceRequirement::AllowDeath, |data| {
                data.free = data.free.saturating_add(refund);
                Ok(())
            })
            .is_ok()
        {
            TotalIssuance::mutate_or_default(|i| *i = i.saturating_add(refund));
        }
        let paid = actual_fee.saturating_add(tip);
        T::OnFee::on_fee(who, paid);
        Self::deposit_event(Event::TransactionFeePaid {
            who: *who,
            actual_fee: paid,
            tip,
        });
    }
}
