//! The methods.

use crate::{
    context::RpcContext,
    errors::{self, client as client_error, invalid_params},
};
use cpc_api::metadata;
use cpc_primitives::{Block, Bytes, H256, Header};
use jsonrpsee::{
    PendingSubscriptionSink, RpcModule,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The most keys `state_getKeysPaged` returns per call.
const MAX_KEYS_PER_PAGE: u32 = 1000;
/// The most keys one read proof covers.
const MAX_PROOF_KEYS: usize = 1000;

type Ctx = RpcContext;
type RpcResult<T> = Result<T, ErrorObjectOwned>;

fn header_or_best(ctx: &Ctx, hash: Option<H256>) -> RpcResult<Option<Header>> {
    ctx.client.header(&ctx.at(hash)).map_err(client_error)
}

/// `chain_getBlock`'s result.
#[derive(Serialize)]
struct SignedBlock {
    block: Block,
    /// Substrate's `Justifications`: `(engine id, encoded justification)` pairs, which serde
    /// writes as arrays of numbers (clients such as subxt read exactly that).
    justifications: Option<Vec<([u8; 4], Vec<u8>)>>,
}

/// Parses a block number given as a number or a hex string.
fn block_number(value: &Value) -> RpcResult<u32> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| invalid_params("block number out of range")),
        Value::String(s) => {
            let digits = s
                .strip_prefix("0x")
                .ok_or_else(|| invalid_params("block number strings must be 0x-prefixed hex"))?;
            u32::from_str_radix(digits, 16)
                .map_err(|e| invalid_params(format!("invalid block number: {e}")))
        }
        _ => Err(invalid_params(
            "a block number must be a number or a hex string",
        )),
    }
}

/// Builds the module with every method.
pub fn build_module(context: RpcContext) -> Result<RpcModule<RpcContext>, RegisterMethodError> {
    let mut module = RpcModule::new(context);

    // chain
    module.register_blocking_method(
        "chain_getHeader",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Option<Header>> {
            ctx.count();
            let hash: Option<H256> = params.sequence().optional_next()?;
            header_or_best(&ctx, hash)
        },
    )?;
    module.register_blocking_method(
        "chain_getBlock",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Option<Value>> {
            ctx.count();
            let hash: Option<H256> = params.sequence().optional_next()?;
            let hash = ctx.at(hash);
            let Some(block) = ctx.client.block(&hash).map_err(client_error)? else {
                return Ok(None);
            };
            let justifications = ctx
                .client
                .justification(&hash)
                .map_err(client_error)?
                .map(|j| vec![(*b"lbft", j)]);
            Ok(Some(
                serde_json::to_value(SignedBlock {
                    block,
                    justifications,
                })
                .expect("blocks serialize; qed"),
            ))
        },
    )?;
    module.register_blocking_method(
        "chain_getBlockHash",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Value> {
            ctx.count();
            let number: Option<Value> = params.sequence().optional_next()?;
            let lookup = |value: &Value| -> RpcResult<Option<H256>> {
                ctx.client.hash(block_number(value)?).map_err(client_error)
            };
            match number {
                None | Some(Value::Null) => Ok(json!(ctx.client.info().best_hash)),
                Some(Value::Array(numbers)) => {
                    if numbers.len() > 1000 {
                        return Err(invalid_params("at most 1000 block numbers at once"));
                    }
                    let hashes: RpcResult<Vec<Option<H256>>> = numbers.iter().map(lookup).collect();
                    Ok(json!(hashes?))
                }
                Some(one) => Ok(json!(lookup(&one)?)),
            }
        },
    )?;
    for name in ["chain_getFinalizedHead", "chain_getFinalisedHead"] {
        module.register_method(name, |_, ctx: &Ctx, _| -> RpcResult<H256> {
            ctx.count();
            Ok(ctx.client.info().finalized_hash)
        })?;
    }
    register_head_subscription(
        &mut module,
        "chain_subscribeNewHeads",
        "chain_newHead",
        "chain_unsubscribeNewHeads",
        false,
    )?;
    // Substrate's older names of the same subscriptions, which clients still call.
    module.register_alias("chain_subscribeNewHead", "chain_subscribeNewHeads")?;
    module.register_alias("subscribe_newHead", "chain_subscribeNewHeads")?;
    module.register_alias("chain_unsubscribeNewHead", "chain_unsubscribeNewHeads")?;
    module.register_alias("unsubscribe_newHead", "chain_unsubscribeNewHeads")?;
    register_head_subscription(
        &mut module,
        "chain_subscribeAllHeads",
        "chain_allHead",
        "chain_unsubscribeAllHeads",
        false,
    )?;
    register_head_subscription(
        &mut module,
        "chain_subscribeFinalizedHeads",
        "chain_finalizedHead",
        "chain_unsubscribeFinalizedHeads",
        true,
    )?;
    module.register_alias(
        "chain_subscribeFinalisedHeads",
        "chain_subscribeFinalizedHeads",
    )?;
    module.register_alias(
        "chain_unsubscribeFinalisedHeads",
        "chain_unsubscribeFinalizedHeads",
    )?;
    module.register_alias("chain_getHead", "chain_getBlockHash")?;

    // state
    module.register_blocking_method(
        "state_getStorage",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Option<Bytes>> {
            ctx.count();
            let mut p = params.sequence();
            let key: Bytes = p.next()?;
            let at: Option<H256> = p.optional_next()?;
            ctx.client
                .storage(&ctx.at(at), &key)
                .map(|v| v.map(Bytes))
                .map_err(client_error)
        },
    )?;
    module.register_blocking_method(
        "state_getKeysPaged",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Vec<Bytes>> {
            ctx.count();
            let mut p = params.sequence();
            let prefix: Option<Bytes> = p.next()?;
            let count: u32 = p.next()?;
            let start: Option<Bytes> = p.optional_next()?;
            let at: Option<H256> = p.optional_next()?;
            if count > MAX_KEYS_PER_PAGE {
                return Err(invalid_params(format!(
                    "count {count} exceeds the maximum of {MAX_KEYS_PER_PAGE}"
                )));
            }
            let prefix = prefix.unwrap_or_default();
            ctx.client
                .storage_keys_paged(&ctx.at(at), &prefix, count as usize, start.as_deref())
                .map(|keys| keys.into_iter().map(Bytes).collect())
                .map_err(client_error)
        },
    )?;
    module.register_alias("state_getKeysPagedAt", "state_getKeysPaged")?;
    module.register_blocking_method(
        "state_getRuntimeVersion",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<cpc_version::RuntimeVersion> {
            ctx.count();
            let at: Option<H256> = params.sequence().optional_next()?;
            ctx.client
                .runtime_version(&ctx.at(at))
                .map_err(client_error)
        },
    )?;
    module.register_alias("chain_getRuntimeVersion", "state_getRuntimeVersion")?;
    module.register_blocking_method(
        "state_call",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Bytes> {
            ctx.count();
            let mut p = params.sequence();
            let method: String = p.next()?;
            let data: Bytes = p.next()?;
            let at: Option<H256> = p.optional_next()?;
            // A dry run of an upgrade migrates the whole state: the operator's, not the
            // public's.
            if method.starts_with(cpc_api::upgrade_dry_run_api::NAME) {
                ctx.check_unsafe()?;
            }
            ctx.client
                .call_at(&ctx.at(at), &method, &data)
                .map(Bytes)
                .map_err(client_error)
        },
    )?;
    module.register_blocking_method(
        "state_getReadProof",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let keys: Vec<Bytes> = p.next()?;
            let at: Option<H256> = p.optional_next()?;
            if keys.len() > MAX_PROOF_KEYS {
                return Err(invalid_params(format!(
                    "at most {MAX_PROOF_KEYS} keys per proof"
                )));
            }
            let at = ctx.at(at);
            let keys: Vec<Vec<u8>> = keys.into_iter().map(|k| k.0).collect();
            let proof = ctx.client.read_proof(&at, &keys).map_err(client_error)?;
            let nodes: Vec<Bytes> = proof.into_nodes().into_iter().map(Bytes).collect();
            Ok(json!({ "at": at, "proof": nodes }))
        },
    )?;
    module.register_blocking_method(
        "state_getMetadata",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Bytes> {
            ctx.count();
            let at: Option<H256> = params.sequence().optional_next()?;
            let metadata = ctx
                .client
                .call_api::<metadata::metadata>(&ctx.at(at), ())
                .map_err(client_error)?;
            Ok(Bytes(metadata))
        },
    )?;

    // dev (unsafe)
    module.register_blocking_method(
        "dev_callWithCode",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Bytes> {
            ctx.count();
            if ctx.deny_unsafe {
                return Err(errors::unsafe_call());
            }
            let mut p = params.sequence();
            let code: Bytes = p.next()?;
            let method: String = p.next()?;
            let data: Bytes = p.next()?;
            let at: Option<H256> = p.optional_next()?;
            ctx.client
                .call_with_code(&ctx.at(at), &code, &method, &data)
                .map(Bytes)
                .map_err(client_error)
        },
    )?;

    crate::system::register(&mut module)?;
    crate::state::register(&mut module)?;
    crate::author::register(&mut module)?;
    crate::payment::register(&mut module)?;
    crate::chain_head::register(&mut module)?;
    crate::transaction::register(&mut module)?;
    crate::market::register(&mut module)?;
    module.register_blocking_method(
        "runtime_upgrades",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Value> {
            use cpc_client::upgrades_index;
            ctx.count();
            let mut p = params.sequence();
            let from: Option<u32> = p.optional_next()?;
            let limit: Option<u32> = p.optional_next()?;
            let limit = limit.unwrap_or(upgrades_index::MAX_QUERY as u32) as usize;
            if limit > upgrades_index::MAX_QUERY {
                return Err(invalid_params(format!(
                    "at most {} per call",
                    upgrades_index::MAX_QUERY
                )));
            }
            let upgrades = upgrades_index::upgrades(&ctx.client, from.unwrap_or(0), limit)
                // JSON-RPC's internal error: the node's own index failed to read.
                .map_err(|e| errors::error(-32603, format!("the upgrade index: {e}"), None))?;
            Ok(json!({
                "indexedTo": upgrades_index::last_indexed(&ctx.client),
                "upgrades": upgrades.iter().map(|u| json!({
                    "block": u.block,
                    "version": u.version,
                })).collect::<Vec<_>>(),
            }))
        },
    )?;
    crate::sidechain::register(&mut module)?;
    crate::xchain::register(&mut module)?;

    let mut methods: Vec<String> = module.method_names().map(String::from).collect();
    methods.push("rpc_methods".into());
    methods.sort();
    module.register_method("rpc_methods", move |_, ctx: &Ctx, _| -> RpcResult<Value> {
        ctx.count();
        Ok(json!({ "version": 1, "methods": methods }))
    })?;
    Ok(module)
}

fn register_head_subscription(
    module: &mut RpcModule<Ctx>,
    subscribe: &'static str,
    notification: &'static str,
    unsubscribe: &'static str,
    finalized_only: bool,
) -> Result<(), RegisterMethodError> {
    module.register_subscription(
        subscribe,
        notification,
        unsubscribe,
        move |_, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| async move {
            ctx.count();
            let mut imported = ctx.client.subscribe();
            let Ok(sink) = pending.accept().await else {
                return;
            };
            // The current head first, as Substrate sends it.
            let info = ctx.client.info();
            let current = if finalized_only {
                info.finalized_hash
            } else {
                info.best_hash
            };
            // Blocks imported between subscribing and reading the head are at or below it:
            // already sent (the head itself) or older; skip them until the chain passes it.
            let mut covered = None;
            if let Ok(Some(header)) = ctx.client.header(&current) {
                covered = Some(header.number);
                let message = serde_json::value::to_raw_value(&header).expect("JSON; qed");
                if sink.send(message).await.is_err() {
                    return;
                }
            }
            while let Some(block) = crate::state::next_block(&sink, &mut imported).await {
                if finalized_only && !block.finalized {
                    continue;
                }
                if covered.is_some_and(|head| block.header.number <= head) {
                    continue;
                }
                covered = None;
                let message = serde_json::value::to_raw_value(&block.header).expect("JSON; qed");
                if sink.send(message).await.is_err() {
                    return;
                }
            }
        },
    )?;
    Ok(())
}
