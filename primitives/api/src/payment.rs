//! What `TransactionPaymentApi` returns, in Substrate's encodings.

use codec::{Decode, Encode};
use cpc_primitives::{Balance, dispatch::DispatchClass, weight::Weight};
use scale_info::TypeInfo;

/// What `TransactionPaymentApi_query_info` returns: Substrate's `RuntimeDispatchInfo`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct RuntimeDispatchInfo {
    /// The call's declared weight.
    pub weight: Weight,
    /// Its class.
    pub class: DispatchClass,
    /// The fee without tip, for an extrinsic of the given length.
    pub partial_fee: Balance,
}

/// What `TransactionPaymentApi_query_fee_details` returns: Substrate's `FeeDetails`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct FeeDetails {
    /// The fee's parts; `None` for an unsigned extrinsic or a call that pays no fee.
    pub inclusion_fee: Option<InclusionFee>,
    /// The tip (always zero in a query: queries price an extrinsic without its tip).
    pub tip: Balance,
}

/// The parts of a fee: `base_fee + len_fee + adjusted_weight_fee`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct InclusionFee {
    /// The fee every extrinsic pays.
    pub base_fee: Balance,
    /// The fee for the extrinsic's encoded length.
    pub len_fee: Balance,
    /// The fee for the call's weight.
    pub adjusted_weight_fee: Balance,
}

impl InclusionFee {
    /// The whole fee.
    pub fn total(&self) -> Balance {
        self.base_fee
            .saturating_add(self.len_fee)
            .saturating_add(self.adjusted_weight_fee)
    }
}
