//! The new JSON-RPC spec's transaction methods (`transaction_v1_broadcast`/`stop`,
//! `transactionWatch_v1_submitAndWatch`/`unwatch`) and `chainSpec_v1_*`.
//!
//! A broadcast submits the transaction to the pool, which gossips it; `stop` forgets the
//! operation (the transaction, once gossiped, cannot be called back). Each connection holds
//! at most [`MAX_BROADCASTS_PER_CONNECTION`] broadcasts: past it, `null`, as the spec allows.

use crate::{context::RpcContext, errors::invalid_params};
use cpc_primitives::{Bytes, H256, transaction_validity::TransactionSource};
use cpc_txpool::TxStatus;
use jsonrpsee::{
    ConnectionId, Extensions, PendingSubscriptionSink, RpcModule, SubscriptionMessage,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use parking_lot::Mutex;
use serde_json::{Value, json};
use std::{collections::HashMap, sync::Arc};

/// Broadcasts one connection may hold.
pub const MAX_BROADCASTS_PER_CONNECTION: usize = 16;

type Ctx = RpcContext;
type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// Live broadcasts: operation id -> the connection that started it.
#[derive(Default)]
struct Broadcasts {
    live: Mutex<HashMap<String, ConnectionId>>,
    next: Mutex<u64>,
}

fn connection(ext: &Extensions) -> ConnectionId {
    ext.get::<ConnectionId>()
        .copied()
        .unwrap_or(ConnectionId(0))
}

/// The spec's `block` object: the block's hash and the transaction's index in its body.
fn block_of(ctx: &Ctx, block: H256, tx: H256) -> Value {
    let index = ctx
        .client
        .block(&block)
        .ok()
        .flatten()
        .and_then(|b| b.extrinsics.iter().position(|xt| xt.hash() == tx));
    match index {
        Some(index) => json!({ "hash": block, "index": index }),
        None => Value::Null,
    }
}

/// The spec's event for a pool status.
fn watch_event(ctx: &Ctx, tx: H256, status: &TxStatus) -> Value {
    match status {
        TxStatus::Future | TxStatus::Ready => json!({ "event": "validated" }),
        TxStatus::InBlock(block) => {
            json!({ "event": "bestChainBlockIncluded", "block": block_of(ctx, *block, tx) })
        }
        TxStatus::Finalized(block) => {
            json!({ "event": "finalized", "block": block_of(ctx, *block, tx) })
        }
        TxStatus::Usurped(_) => {
            json!({ "event": "invalid", "error": "replaced by another transaction with the same nonce" })
        }
        TxStatus::Dropped => json!({ "event": "dropped", "error": "dropped from the pool" }),
        TxStatus::Invalid => json!({ "event": "invalid", "error": "found invalid" }),
    }
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<Ctx>) -> Result<(), RegisterMethodError> {
    let broadcasts = Arc::new(Broadcasts::default());

    module.register_blocking_method("transaction_v1_broadcast", {
        let broadcasts = broadcasts.clone();
        move |params: Params<'_>, ctx: Arc<Ctx>, ext: Extensions| -> RpcResult<Option<String>> {
            ctx.count();
            let bytes: Bytes = params.sequence().next()?;
            let conn = connection(&ext);
            let id = {
                let mut live = broadcasts.live.lock();
                if live.values().filter(|c| **c == conn).count() >= MAX_BROADCASTS_PER_CONNECTION {
                    return Ok(None);
                }
                let mut next = broadcasts.next.lock();
                *next += 1;
                let id = next.to_string();
                live.insert(id.clone(), conn);
                id
            };
            // Invalid transactions are ignored but count toward the limit, as the spec says.
            if let Ok(xt) = crate::errors::decode_extrinsic(&bytes)
                && let Err(e) = ctx.pool.submit(TransactionSource::External, xt)
            {
                log::debug!(target: "rpc", "broadcast {id} refused by the pool: {e}");
            }
            Ok(Some(id))
        }
    })?;
    module.register_method("transaction_v1_stop", {
        let broadcasts = broadcasts.clone();
        move |params: Params<'_>, ctx: &Ctx, ext: &Extensions| -> RpcResult<()> {
            ctx.count();
            let id: String = params.sequence().next()?;
            let mut live = broadcasts.live.lock();
            match live.get(&id) {
                Some(conn) if *conn == connection(ext) => {
                    live.remove(&id);
                    Ok(())
                }
                _ => Err(invalid_params("Invalid operation id")),
            }
        }
    })?;

    module.register_subscription(
        "transactionWatch_v1_submitAndWatch",
        "transactionWatch_v1_watchEvent",
        "transactionWatch_v1_unwatch",
        |params: Params<'static>, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| async move {
            ctx.count();
            // Bad hex is an error; bytes that are no transaction are an `invalid` event.
            let xt = match params.sequence().next::<Bytes>() {
                Ok(bytes) => crate::errors::decode_extrinsic(&bytes),
                Err(e) => {
                    pending.reject(e).await;
                    return;
                }
            };
            let Ok(sink) = pending.accept().await else {
                return;
            };
            let send = |event: Value| {
                let message: SubscriptionMessage = serde_json::value::to_raw_value(&event)
                    .expect("JSON; qed")
                    .into();
                let sink = sink.clone();
                async move { sink.send(message).await.is_ok() }
            };
            let xt = match xt {
                Ok(xt) => xt,
                Err(e) => {
                    let _ = send(json!({ "event": "invalid", "error": e.message() })).await;
                    return;
                }
            };
            let hash = xt.hash();
            let pool = ctx.pool.clone();
            let submitted = tokio::task::spawn_blocking(move || {
                pool.submit_and_watch(TransactionSource::External, xt)
            })
            .await;
            let mut statuses = match submitted {
                Ok(Ok((_, statuses))) => statuses,
                Ok(Err(e)) => {
                    let _ = send(json!({ "event": "invalid", "error": e.to_string() })).await;
                    return;
                }
                Err(e) => {
                    let _ = send(json!({ "event": "error", "error": e.to_string() })).await;
                    return;
                }
            };
            loop {
                let status = tokio::select! {
                    _ = sink.closed() => return,
                    status = statuses.recv() => match status {
                        Some(status) => status,
                        None => return,
                    },
                };
                let event = {
                    let ctx = ctx.clone();
                    let status = status.clone();
                    tokio::task::spawn_blocking(move || watch_event(&ctx, hash, &status))
                        .await
                        .unwrap_or_else(|e| json!({ "event": "error", "error": e.to_string() }))
                };
                if !send(event).await || status.is_final() {
                    return;
                }
            }
        },
    )?;

    module.register_method(
        "chainSpec_v1_chainName",
        |_, ctx: &Ctx, _| -> RpcResult<String> {
            ctx.count();
            Ok(ctx.system.chain.clone())
        },
    )?;
    module.register_method(
        "chainSpec_v1_genesisHash",
        |_, ctx: &Ctx, _| -> RpcResult<H256> {
            ctx.count();
            Ok(ctx.client.info().genesis_hash)
        },
    )?;
    module.register_method(
        "chainSpec_v1_properties",
        |_, ctx: &Ctx, _| -> RpcResult<Value> {
            ctx.count();
            Ok(Value::Object(ctx.system.properties.clone()))
        },
    )?;
    Ok(())
}
