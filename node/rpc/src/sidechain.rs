//! `sidechain_*` (main chain) and `iot_*` (sidechains): registered sidechains and what is
//! anchored of them, devices, indexed readings and reading proofs. Read through the runtime's
//! `SidechainRegistryApi` and `IotDevicesApi` at the best block (or a given one), and the
//! node's readings index ([`cpc_client::readings_index`]).

use crate::{
    context::RpcContext,
    errors::{client as client_error, invalid_params},
};
use codec::Encode;
use cpc_client::readings_index::{self, IndexedReading, MAX_QUERY};
use cpc_primitives::{BlockNumber, H256, Moment};
use cpc_sidechain_primitives::{
    FinalizedHeader, MAX_SIDECHAINS_QUERY, SidechainState,
    iot::{
        Device, MAX_DEVICES_QUERY, ReadingProof, iot_devices_api, readings_root_key,
        readings_trie_proof,
    },
    sidechain_registry_api,
};
use jsonrpsee::{
    RpcModule,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use serde_json::{Value, json};
use std::sync::Arc;

type RpcResult<T> = Result<T, ErrorObjectOwned>;

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", ::hex::encode(bytes))
}

fn header_json(header: &FinalizedHeader) -> Value {
    json!({
        "number": header.number,
        "hash": format!("{:#}", header.hash),
        "stateRoot": format!("{:#}", header.state_root),
    })
}

/// A registered sidechain as JSON (balances as decimal strings).
pub fn sidechain_json(id: u32, state: &SidechainState) -> Value {
    json!({
        "id": id,
        "registrant": state.sidechain.registrant.to_string(),
        "genesis": format!("{:#}", state.sidechain.genesis),
        "bond": state.sidechain.bond.to_string(),
        "status": format!("{:?}", state.sidechain.status),
        "registeredAt": state.sidechain.registered_at,
        "metadata": String::from_utf8_lossy(&state.sidechain.metadata),
        "anchored": header_json(&state.head),
        "committee": {
            "setId": state.committee.set_id,
            "from": state.committee.from,
            "members": state.committee.members.iter().map(|k| hex(&k.0)).collect::<Vec<_>>(),
        },
    })
}

fn device_json(id: u32, device: &Device) -> Value {
    json!({
        "id": id,
        "owner": device.owner.to_string(),
        "key": hex(&device.key.0),
        "metadata": String::from_utf8_lossy(&device.metadata),
        "deposit": device.deposit.to_string(),
        "registeredAt": device.registered_at,
    })
}

fn reading_json(indexed: &IndexedReading) -> Value {
    let r = &indexed.reading;
    json!({
        "block": indexed.block,
        "index": indexed.index,
        "device": r.reading.device,
        "seq": r.reading.seq,
        "timestamp": r.reading.timestamp,
        "payload": hex(&r.reading.payload),
        "signature": hex(&r.signature.0),
        "leaf": format!("{:#}", r.leaf()),
    })
}

fn at(ctx: &RpcContext, at: Option<H256>) -> H256 {
    at.unwrap_or_else(|| ctx.client.info().best_hash)
}

fn bounded(limit: Option<u32>, max: u32) -> RpcResult<u32> {
    let limit = limit.unwrap_or(max);
    if limit > max {
        return Err(invalid_params(format!("at most {max} per call")));
    }
    Ok(limit)
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<RpcContext>) -> Result<(), RegisterMethodError> {
    module.register_blocking_method(
        "sidechain_list",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let start: Option<u32> = p.optional_next()?;
            let limit = bounded(p.optional_next()?, MAX_SIDECHAINS_QUERY)?;
            let block: Option<H256> = p.optional_next()?;
            let chains = ctx
                .client
                .call_api::<sidechain_registry_api::sidechains>(
                    &at(&ctx, block),
                    (start.unwrap_or(0), limit),
                )
                .map_err(client_error)?;
            Ok(Value::Array(
                chains
                    .iter()
                    .map(|(id, s)| sidechain_json(*id, s))
                    .collect(),
            ))
        },
    )?;
    module.register_blocking_method(
        "sidechain_anchored",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let id: u32 = p.next()?;
            let height: BlockNumber = p.next()?;
            let block: Option<H256> = p.optional_next()?;
            let header = ctx
                .client
                .call_api::<sidechain_registry_api::anchored>(&at(&ctx, block), (id, height))
                .map_err(client_error)?;
            Ok(header.as_ref().map_or(Value::Null, header_json))
        },
    )?;
    module.register_blocking_method(
        "iot_devices",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let start: Option<u32> = p.optional_next()?;
            let limit = bounded(p.optional_next()?, MAX_DEVICES_QUERY)?;
            let block: Option<H256> = p.optional_next()?;
            let devices = ctx
                .client
                .call_api::<iot_devices_api::devices>(&at(&ctx, block), (start.unwrap_or(0), limit))
                .map_err(client_error)?;
            Ok(Value::Array(
                devices.iter().map(|(id, d)| device_json(*id, d)).collect(),
            ))
        },
    )?;
    module.register_blocking_method(
        "iot_readings",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let device: u32 = p.next()?;
            let from: Option<Moment> = p.optional_next()?;
            let to: Option<Moment> = p.optional_next()?;
            let limit = bounded(p.optional_next()?, MAX_QUERY as u32)?;
            let readings = readings_index::readings(
                &ctx.client,
                device,
                from.unwrap_or(0),
                to.unwrap_or(Moment::MAX),
                limit as usize,
            )
            .map_err(|e| invalid_params(format!("the readings index: {e}")))?;
            Ok(Value::Array(readings.iter().map(reading_json).collect()))
        },
    )?;
    module.register_blocking_method(
        "iot_readingProof",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let block: BlockNumber = p.next()?;
            let index: u32 = p.next()?;
            let at_number: Option<BlockNumber> = p.optional_next()?;
            let info = ctx.client.info();
            let at_number = at_number.unwrap_or(info.finalized_number);
            if at_number < block || at_number > info.finalized_number {
                return Err(invalid_params(
                    "`at` must be a finalized block at or after the reading's block",
                ));
            }
            let Some((reading, leaves)) = readings_index::reading_with_leaves(&ctx.client, block, index)
                .map_err(|e| invalid_params(format!("the readings index: {e}")))?
            else {
                return Ok(Value::Null);
            };
            let at_hash = ctx
                .client
                .hash(at_number)
                .map_err(client_error)?
                .ok_or_else(|| invalid_params("no such block"))?;
            let state_proof = ctx
                .client
                .read_proof(&at_hash, &[readings_root_key(block)])
                .map_err(client_error)?;
            let readings_proof = readings_trie_proof(&leaves, index)
                .ok_or_else(|| invalid_params("the index is past the block's readings"))?;
            let proof = ReadingProof {
                reading,
                block,
                index,
                at: at_number,
                state_proof,
                readings_proof,
            };
            Ok(json!({
                "block": block,
                "index": index,
                "at": at_number,
                "stateRoot": format!("{:#}", ctx.client.header(&at_hash).map_err(client_error)?.map(|h| h.state_root).unwrap_or_default()),
                "proof": hex(&proof.encode()),
            }))
        },
    )?;
    Ok(())
}
