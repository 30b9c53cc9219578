//! `xchain_*` (both chains): cross-chain channels, the messages this chain sent and the
//! receipts of those it received, and wrapped-token balances. Read through the runtime's
//! `CrosschainApi` at the best block (or a given one). Proofs for relayers come from
//! `state_getReadProof` with the keys of `cpc_sidechain_primitives::xchain`.

use crate::{
    context::RpcContext,
    errors::{client as client_error, invalid_params},
};
use codec::Encode;
use cpc_primitives::{AccountId, H256};
use cpc_sidechain_primitives::xchain::{
    ChainRef, ChannelView, MAX_CHANNELS_QUERY, Message, OutboundRecord, OutboundStatus,
    crosschain_api, message_hash,
};
use jsonrpsee::{
    RpcModule,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use serde_json::{Value, json};
use std::{str::FromStr, sync::Arc};

type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// A chain as JSON: `"main"` or the sidechain's id.
pub fn chain_json(chain: ChainRef) -> Value {
    match chain {
        ChainRef::Main => json!("main"),
        ChainRef::Sidechain(id) => json!(id),
    }
}

/// A chain from JSON: `"main"` or a sidechain's id.
fn chain_from(value: &Value) -> RpcResult<ChainRef> {
    match value {
        Value::String(s) if s == "main" => Ok(ChainRef::Main),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(ChainRef::Sidechain)
            .ok_or_else(|| invalid_params("a sidechain id is a u32")),
        _ => Err(invalid_params("a chain is \"main\" or a sidechain id")),
    }
}

fn channel_json(view: &ChannelView) -> Value {
    let c = &view.channel;
    json!({
        "id": view.id,
        "counterpart": chain_json(view.counterpart),
        "active": view.active,
        "counterpartHeight": view.counterpart_height,
        "exitHeight": view.exit_height,
        "closed": view.closed.map(|c| json!({
            "closedAt": c.closed_at,
            "at": c.at,
            "stateRoot": format!("{:#}", c.root),
        })),
        "nextNonce": c.next_nonce,
        "oldestInFlight": c.oldest_in_flight,
        "escrowed": c.escrowed.to_string(),
        "mintCap": { "limit": c.cap.limit.to_string(), "window": c.cap.window },
        "windowStart": c.window_start,
        "credited": c.credited.to_string(),
        "received": c.received,
    })
}

/// A message as JSON (balances as decimal strings), with its encoding and hash.
pub fn message_json(m: &Message) -> Value {
    json!({
        "channel": m.channel,
        "direction": format!("{:?}", m.direction),
        "nonce": m.nonce,
        "sender": m.sender.to_string(),
        "beneficiary": m.beneficiary.to_string(),
        "asset": chain_json(m.asset),
        "amount": m.amount.to_string(),
        "relayFee": m.relay_fee.to_string(),
        "timeout": m.timeout,
        "hash": format!("{:#}", message_hash(m)),
        "encoded": format!("0x{}", hex::encode(m.encode())),
    })
}

fn status_json(status: &OutboundStatus) -> Value {
    match status {
        OutboundStatus::InFlight => json!({ "state": "inFlight" }),
        OutboundStatus::Delivered {
            received_at,
            acknowledged_at,
        } => json!({
            "state": "delivered",
            "receivedAt": received_at,
            "acknowledgedAt": acknowledged_at,
        }),
        OutboundStatus::Refunded { at } => json!({ "state": "refunded", "at": at }),
    }
}

fn record_json(record: &OutboundRecord) -> Value {
    json!({
        "message": message_json(&record.message),
        "sentAt": record.sent_at,
        "status": status_json(&record.status),
    })
}

fn at(ctx: &RpcContext, at: Option<H256>) -> H256 {
    at.unwrap_or_else(|| ctx.client.info().best_hash)
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<RpcContext>) -> Result<(), RegisterMethodError> {
    module.register_blocking_method(
        "xchain_channels",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let block: Option<H256> = p.optional_next()?;
            let at = at(&ctx, block);
            let home = ctx
                .client
                .call_api::<crosschain_api::home>(&at, ())
                .map_err(client_error)?;
            let channels = ctx
                .client
                .call_api::<crosschain_api::channels>(&at, (0, MAX_CHANNELS_QUERY))
                .map_err(client_error)?;
            Ok(json!({
                "home": home.map_or(Value::Null, chain_json),
                "channels": channels.iter().map(channel_json).collect::<Vec<_>>(),
            }))
        },
    )?;
    module.register_blocking_method(
        "xchain_message",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let channel: u32 = p.next()?;
            let nonce: u64 = p.next()?;
            let block: Option<H256> = p.optional_next()?;
            let at = at(&ctx, block);
            let sent = ctx
                .client
                .call_api::<crosschain_api::outbound>(&at, (channel, nonce))
                .map_err(client_error)?;
            let received = ctx
                .client
                .call_api::<crosschain_api::receipt>(&at, (channel, nonce))
                .map_err(client_error)?;
            Ok(json!({
                "sent": sent.as_ref().map_or(Value::Null, record_json),
                "received": received.map_or(Value::Null, |r| json!({ "receivedAt": r.received_at })),
            }))
        },
    )?;
    module.register_blocking_method(
        "xchain_wrapped",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let asset: Value = p.next()?;
            let asset = chain_from(&asset)?;
            let who: String = p.next()?;
            let who = AccountId::from_str(&who)
                .map_err(|_| invalid_params("the account is not an SS58 address"))?;
            let block: Option<H256> = p.optional_next()?;
            let (balance, supply) = ctx
                .client
                .call_api::<crosschain_api::wrapped>(&at(&ctx, block), (asset, who))
                .map_err(client_error)?;
            Ok(json!({ "balance": balance.to_string(), "supply": supply.to_string() }))
        },
    )?;
    Ok(())
}
