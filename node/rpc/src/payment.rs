//! `payment_*`: what an extrinsic would pay (`payment_queryInfo`) and how the fee splits
//! (`payment_queryFeeDetails`), answered by the runtime's `TransactionPaymentApi`.

use crate::{
    context::RpcContext,
    errors::{client as client_error, decode_extrinsic},
};
use codec::Encode;
use cpc_api::transaction_payment_api;
use cpc_primitives::{Bytes, H256, OpaqueExtrinsic};
use jsonrpsee::{
    RpcModule,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use serde_json::{Value, json};
use std::sync::Arc;

type Ctx = RpcContext;
type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// Substrate's `NumberOrHex`: a JSON number when the amount fits 64 bits, else `0x` hex (JSON
/// numbers lose precision past 2^53 in JavaScript clients, which read both).
pub fn number_or_hex(amount: u128) -> Value {
    match u64::try_from(amount) {
        Ok(small) => json!(small),
        Err(_) => json!(format!("0x{amount:x}")),
    }
}

/// The `(extrinsic, at?)` parameters: the extrinsic, its encoded length, and the block.
fn extrinsic_param(params: &Params<'_>, ctx: &Ctx) -> RpcResult<(OpaqueExtrinsic, u32, H256)> {
    ctx.count();
    let mut p = params.sequence();
    let bytes: Bytes = p.next()?;
    let at: Option<H256> = p.optional_next()?;
    let xt = decode_extrinsic(&bytes)?;
    let len = xt.encode().len() as u32;
    Ok((xt, len, ctx.at(at)))
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<Ctx>) -> Result<(), RegisterMethodError> {
    module.register_blocking_method(
        "payment_queryInfo",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Value> {
            let (xt, len, at) = extrinsic_param(&params, &ctx)?;
            let info = ctx
                .client
                .call_api::<transaction_payment_api::query_info>(&at, (xt, len))
                .map_err(client_error)?;
            Ok(json!({
                "weight": info.weight,
                "class": info.class,
                "partialFee": info.partial_fee.to_string(),
            }))
        },
    )?;
    module.register_blocking_method(
        "payment_queryFeeDetails",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Value> {
            let (xt, len, at) = extrinsic_param(&params, &ctx)?;
            let details = ctx
                .client
                .call_api::<transaction_payment_api::query_fee_details>(&at, (xt, len))
                .map_err(client_error)?;
            // The tip is not part of the answer, as in Substrate.
            Ok(json!({
                "inclusionFee": details.inclusion_fee.map(|fee| json!({
                    "baseFee": number_or_hex(fee.base_fee),
                    "lenFee": number_or_hex(fee.len_fee),
                    "adjustedWeightFee": number_or_hex(fee.adjusted_weight_fee),
                })),
            }))
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_past_64_bits_are_hex() {
        assert_eq!(number_or_hex(7), json!(7));
        assert_eq!(number_or_hex(u128::from(u64::MAX)), json!(u64::MAX));
        assert_eq!(number_or_hex(1 << 64), json!("0x10000000000000000"));
    }
}
