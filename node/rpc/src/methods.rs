//! The methods.

use crate::{
    context::RpcContext,
    errors::{self, client as client_error, invalid_params, pool as pool_error},
};
use codec::{Decode, Encode};
use cpc_api::{account_nonce_api, metadata, transaction_payment_api};
use cpc_primitives::{
    AccountId, Block, Bytes, H256, Header, OpaqueExtrinsic, transaction_validity::TransactionSource,
};
use cpc_txpool::TxStatus;
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

fn decode_extrinsic(bytes: &Bytes) -> RpcResult<OpaqueExtrinsic> {
    if bytes.len() > cpc_primitives::limits::MAX_EXTRINSIC_SIZE + 8 {
        return Err(errors::error(
            errors::BAD_FORMAT,
            "Extrinsic has invalid format",
            Some("too large".into()),
        ));
    }
    cpc_primitives::limits::decode_bounded::<OpaqueExtrinsic>(bytes, usize::MAX).map_err(|e| {
        errors::error(
            errors::BAD_FORMAT,
            "Extrinsic has invalid format",
            Some(e.to_string()),
        )
    })
}

fn header_or_best(ctx: &Ctx, hash: Option<H256>) -> RpcResult<Option<Header>> {
    ctx.client.header(&ctx.at(hash)).map_err(client_error)
}

/// `chain_getBlock`'s result.
#[derive(Serialize)]
struct SignedBlock {
    block: Block,
    justifications: Option<Vec<(Bytes, Bytes)>>,
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

fn status_json(status: &TxStatus) -> Value {
    match status {
        TxStatus::Future => json!("future"),
        TxStatus::Ready => json!("ready"),
        TxStatus::InBlock(h) => json!({ "inBlock": h }),
        TxStatus::Finalized(h) => json!({ "finalized": h }),
        TxStatus::Usurped(h) => json!({ "usurped": h }),
        TxStatus::Dropped => json!("dropped"),
        TxStatus::Invalid => json!("invalid"),
    }
}

/// Builds the module with every method.
pub fn build_module(context: RpcContext) -> Result<RpcModule<RpcContext>, RegisterMethodError> {
    let mut module = RpcModule::new(context);

    // system
    module.register_method("system_name", |_, ctx: &Ctx, _| -> RpcResult<String> {
        ctx.count();
        Ok(ctx.system.name.clone())
    })?;
    module.register_method("system_version", |_, ctx: &Ctx, _| -> RpcResult<String> {
        ctx.count();
        Ok(ctx.system.version.clone())
    })?;
    module.register_method("system_chain", |_, ctx: &Ctx, _| -> RpcResult<String> {
        ctx.count();
        Ok(ctx.system.chain.clone())
    })?;
    module.register_method("system_chainType", |_, ctx: &Ctx, _| -> RpcResult<Value> {
        ctx.count();
        Ok(ctx.system.chain_type.clone())
    })?;
    module.register_method("system_properties", |_, ctx: &Ctx, _| -> RpcResult<Value> {
        ctx.count();
        Ok(Value::Object(ctx.system.properties.clone()))
    })?;
    module.register_method("system_health", |_, ctx: &Ctx, _| -> RpcResult<Value> {
        ctx.count();
        let peers = (ctx.peers)();
        let should_have_peers = ctx.system.chain_type != json!("Development");
        Ok(json!({ "peers": peers, "isSyncing": (ctx.syncing)(), "shouldHavePeers": should_have_peers }))
    })?;
    module.register_blocking_method(
        "system_accountNextIndex",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<u32> {
            ctx.count();
            let mut p = params.sequence();
            let account: String = p.next()?;
            let who: AccountId = crate::errors::account(&account)?;
            let best = ctx.client.info().best_hash;
            let mut nonce = ctx
                .client
                .call_api::<account_nonce_api::account_nonce>(&best, (who,))
                .map_err(client_error)?;
            // Count the account's transactions waiting in the pool, as Substrate does.
            let pooled: std::collections::HashSet<u32> = ctx
                .pool
                .provided_tags()
                .into_iter()
                .filter_map(|tag| <(AccountId, u32)>::decode(&mut &tag[..]).ok())
                .filter(|(a, _)| *a == who)
                .map(|(_, n)| n)
                .collect();
            while pooled.contains(&nonce) {
                nonce += 1;
            }
            Ok(nonce)
        },
    )?;

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
                .map(|j| vec![(Bytes(b"lbft".to_vec()), Bytes(j))]);
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
    module.register_blocking_method(
        "state_call",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Bytes> {
            ctx.count();
            let mut p = params.sequence();
            let method: String = p.next()?;
            let data: Bytes = p.next()?;
            let at: Option<H256> = p.optional_next()?;
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

    // author
    module.register_blocking_method(
        "author_submitExtrinsic",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<H256> {
            ctx.count();
            let bytes: Bytes = params.sequence().next()?;
            let xt = decode_extrinsic(&bytes)?;
            ctx.pool
                .submit(TransactionSource::External, xt)
                .map_err(pool_error)
        },
    )?;
    module.register_method(
        "author_pendingExtrinsics",
        |_, ctx: &Ctx, _| -> RpcResult<Vec<Bytes>> {
            ctx.count();
            Ok(ctx
                .pool
                .pending()
                .into_iter()
                .map(|xt| Bytes(xt.encode()))
                .collect())
        },
    )?;
    module.register_subscription(
        "author_submitAndWatchExtrinsic",
        "author_extrinsicUpdate",
        "author_unwatchExtrinsic",
        |params: Params<'static>, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| async move {
            ctx.count();
            let submitted = params
                .sequence()
                .next::<Bytes>()
                .and_then(|bytes| decode_extrinsic(&bytes))
                .and_then(|xt| {
                    let pool = ctx.pool.clone();
                    // Validation calls the runtime: keep it off the async worker.
                    tokio::task::block_in_place(|| {
                        pool.submit_and_watch(TransactionSource::External, xt)
                    })
                    .map_err(pool_error)
                });
            let (_, mut statuses) = match submitted {
                Ok(ok) => ok,
                Err(e) => {
                    pending.reject(e).await;
                    return;
                }
            };
            let Ok(sink) = pending.accept().await else {
                return;
            };
            while let Some(status) = statuses.recv().await {
                let done = status.is_final();
                let message =
                    serde_json::value::to_raw_value(&status_json(&status)).expect("JSON; qed");
                if sink.send(message).await.is_err() || done {
                    break;
                }
            }
        },
    )?;

    // payment
    module.register_blocking_method(
        "payment_queryInfo",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let bytes: Bytes = p.next()?;
            let at: Option<H256> = p.optional_next()?;
            let xt = decode_extrinsic(&bytes)?;
            let len = xt.encode().len() as u32;
            let info = ctx
                .client
                .call_api::<transaction_payment_api::query_info>(&ctx.at(at), (xt, len))
                .map_err(client_error)?;
            Ok(json!({
                "weight": info.weight,
                "class": info.class,
                "partialFee": info.partial_fee.to_string(),
            }))
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

    crate::market::register(&mut module)?;

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
    module.register_subscription(subscribe, notification, unsubscribe, move |_, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| async move {
        ctx.count();
        let mut imported = ctx.client.subscribe();
        let Ok(sink) = pending.accept().await else { return };
        // The current head first, as Substrate sends it.
        let info = ctx.client.info();
        let current = if finalized_only { info.finalized_hash } else { info.best_hash };
        if let Ok(Some(header)) = ctx.client.header(&current) {
            let message = serde_json::value::to_raw_value(&header).expect("JSON; qed");
            if sink.send(message).await.is_err() {
                return;
            }
        }
        loop {
            tokio::select! {
                _ = sink.closed() => return,
                next = imported.recv() => match next {
                    Ok(block) if !finalized_only || block.finalized => {
                        let message = serde_json::value::to_raw_value(&block.header).expect("JSON; qed");
                        if sink.send(message).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    })?;
    Ok(())
}
