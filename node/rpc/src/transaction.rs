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
use std::{collections::BTreeMap, sync::Arc};

/// Broadcasts one connection may hold.
pub const MAX_BROADCASTS_PER_CONNECTION: usize = 16;
/// Broadcasts remembered over all connections. A client that disconnects without `stop`
/// leaves its operations behind (the server is not told), so past this many the oldest are
/// forgotten: the transactions are in the pool already, only the bookkeeping goes.
pub const MAX_TRACKED_BROADCASTS: usize = 4096;

type Ctx = RpcContext;
type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// Live broadcasts: operation id (a counter, so the oldest comes first) -> the connection
/// that started it.
#[derive(Default)]
struct Broadcasts {
    live: Mutex<(BTreeMap<u64, ConnectionId>, u64)>,
}

impl Broadcasts {
    /// A new operation of `conn`, or `None` if it holds its limit already.
    fn start(&self, conn: ConnectionId) -> Option<u64> {
        let mut guard = self.live.lock();
        let (live, next) = &mut *guard;
        if live.values().filter(|c| **c == conn).count() >= MAX_BROADCASTS_PER_CONNECTION {
            return None;
        }
        if live.len() >= MAX_TRACKED_BROADCASTS {
            live.pop_first();
        }
        *next += 1;
        live.insert(*next, conn);
        Some(*next)
    }

    /// Ends operation `id` of `conn`; false if it is not one of `conn`'s.
    fn stop(&self, id: &str, conn: ConnectionId) -> bool {
        let mut guard = self.live.lock();
        let Ok(id) = id.parse::<u64>() else {
            return false;
        };
        if guard.0.get(&id) == Some(&conn) {
            guard.0.remove(&id);
            true
        } else {
            false
        }
    }
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
            let Some(id) = broadcasts.start(connection(&ext)) else {
                return Ok(None);
            };
            let id = id.to_string();
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
            if broadcasts.stop(&id, connection(ext)) {
                Ok(())
            } else {
                Err(invalid_params("Invalid operation id"))
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
            while let Some(status) = crate::author::next_status(&sink, &mut statuses).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_are_bounded_per_connection_and_in_all() {
        let broadcasts = Broadcasts::default();
        let (one, two) = (ConnectionId(1), ConnectionId(2));
        let first = broadcasts.start(one).unwrap();
        for _ in 1..MAX_BROADCASTS_PER_CONNECTION {
            broadcasts.start(one).unwrap();
        }
        assert_eq!(broadcasts.start(one), None, "one connection's limit");
        assert!(
            !broadcasts.stop(&first.to_string(), two),
            "another connection's operation"
        );
        assert!(broadcasts.stop(&first.to_string(), one));
        assert!(!broadcasts.stop(&first.to_string(), one), "stopped once");
        assert!(broadcasts.start(one).is_some(), "a slot again");

        // Connections that leave without stopping cannot grow the table.
        for c in 10..10 + MAX_TRACKED_BROADCASTS {
            broadcasts.start(ConnectionId(c)).unwrap();
        }
        assert_eq!(broadcasts.live.lock().0.len(), MAX_TRACKED_BROADCASTS);
    }
}
