//! `state_*` beyond single reads: storage queries over keys and blocks, storage hashes and
//! sizes, key and pair listings, and the storage and runtime-version subscriptions, with
//! Substrate's names, parameters and result shapes.
//!
//! Every list is bounded: keys per query or subscription, blocks per range, keys per listing.

use crate::{
    context::RpcContext,
    errors::{client as client_error, invalid_params},
};
use cpc_client::BlockNotification;
use cpc_primitives::{Bytes, H256};
use jsonrpsee::{
    PendingSubscriptionSink, RpcModule, SubscriptionSink,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use serde::Serialize;
use std::{collections::BTreeMap, sync::Arc};
use tokio::sync::broadcast::error::RecvError;

/// The most keys one query or storage subscription names.
pub const MAX_QUERY_KEYS: usize = 1000;
/// The most blocks `state_queryStorage` walks.
pub const MAX_QUERY_BLOCKS: u32 = 1000;
/// The most keys `state_getKeys` and `state_getPairs` return; past it, page with
/// `state_getKeysPaged`.
pub const MAX_LISTED_KEYS: usize = 10_000;

type Ctx = RpcContext;
type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// Substrate's `StorageChangeSet`: the block, and `(key, value or null)` for each change.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct StorageChangeSet {
    /// The block.
    pub block: H256,
    /// The keys that changed, with their new values.
    pub changes: Vec<(Bytes, Option<Bytes>)>,
}

fn keys_param(keys: Vec<Bytes>) -> RpcResult<Vec<Vec<u8>>> {
    if keys.len() > MAX_QUERY_KEYS {
        return Err(invalid_params(format!(
            "at most {MAX_QUERY_KEYS} keys at once, got {}",
            keys.len()
        )));
    }
    Ok(keys.into_iter().map(|k| k.0).collect())
}

fn values_at(ctx: &Ctx, at: &H256, keys: &[Vec<u8>]) -> RpcResult<Vec<Option<Vec<u8>>>> {
    use cpc_state_machine::Backend;
    let state = ctx.client.state_at(at).map_err(client_error)?;
    keys.iter()
        .map(|key| {
            state
                .storage(key)
                .map_err(|e| client_error(cpc_client::ClientError::State(e.to_string())))
        })
        .collect()
}

/// `state_queryStorage`: for each block from `from` to `to` (both included), the keys whose
/// values differ from the block before (every key at `from`).
fn query_storage(
    ctx: &Ctx,
    keys: &[Vec<u8>],
    from: H256,
    to: Option<H256>,
) -> RpcResult<Vec<StorageChangeSet>> {
    let number_of = |hash: &H256| -> RpcResult<u32> {
        ctx.client
            .header(hash)
            .map_err(client_error)?
            .map(|h| h.number)
            .ok_or_else(|| client_error(cpc_client::ClientError::UnknownBlock(*hash)))
    };
    let to = ctx.at(to);
    let (first, last) = (number_of(&from)?, number_of(&to)?);
    if first > last {
        return Err(invalid_params(
            "the range's first block comes after its last",
        ));
    }
    if last - first >= MAX_QUERY_BLOCKS {
        return Err(invalid_params(format!(
            "at most {MAX_QUERY_BLOCKS} blocks per query"
        )));
    }
    let mut previous: Option<Vec<Option<Vec<u8>>>> = None;
    let mut sets = Vec::new();
    for number in first..=last {
        let hash = ctx
            .client
            .hash(number)
            .map_err(client_error)?
            .ok_or_else(|| invalid_params(format!("no block #{number}")))?;
        let values = values_at(ctx, &hash, keys)?;
        let changes: Vec<(Bytes, Option<Bytes>)> = keys
            .iter()
            .zip(&values)
            .enumerate()
            .filter(|(i, (_, value))| previous.as_ref().is_none_or(|p| &p[*i] != *value))
            .map(|(_, (key, value))| (Bytes(key.clone()), value.clone().map(Bytes)))
            .collect();
        if !changes.is_empty() {
            sets.push(StorageChangeSet {
                block: hash,
                changes,
            });
        }
        previous = Some(values);
    }
    Ok(sets)
}

/// `f` of the value at the `(key, at?)` parameters, if there is one.
fn stored_value<T>(
    params: &Params<'_>,
    ctx: &Ctx,
    f: impl FnOnce(Vec<u8>) -> T,
) -> RpcResult<Option<T>> {
    ctx.count();
    let mut p = params.sequence();
    let key: Bytes = p.next()?;
    let at = ctx.at(p.optional_next()?);
    Ok(ctx.client.storage(&at, &key).map_err(client_error)?.map(f))
}

/// Every key under `prefix` at `at`, refusing (not truncating) a listing past `limit`.
fn all_keys(ctx: &Ctx, at: &H256, prefix: &[u8], limit: usize) -> RpcResult<Vec<Vec<u8>>> {
    let keys = ctx
        .client
        .storage_keys_paged(at, prefix, limit + 1, None)
        .map_err(client_error)?;
    if keys.len() > limit {
        return Err(invalid_params(format!(
            "more than {limit} keys under this prefix: use state_getKeysPaged"
        )));
    }
    Ok(keys)
}

async fn send<T: Serialize>(sink: &SubscriptionSink, item: &T) -> bool {
    let message = serde_json::value::to_raw_value(item).expect("JSON values serialize; qed");
    sink.send(message).await.is_ok()
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<Ctx>) -> Result<(), RegisterMethodError> {
    module.register_blocking_method(
        "state_queryStorageAt",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Vec<StorageChangeSet>> {
            ctx.count();
            let mut p = params.sequence();
            let keys = keys_param(p.next()?)?;
            let at = ctx.at(p.optional_next()?);
            let values = values_at(&ctx, &at, &keys)?;
            Ok(vec![StorageChangeSet {
                block: at,
                changes: keys
                    .into_iter()
                    .zip(values)
                    .map(|(k, v)| (Bytes(k), v.map(Bytes)))
                    .collect(),
            }])
        },
    )?;
    module.register_blocking_method(
        "state_queryStorage",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Vec<StorageChangeSet>> {
            ctx.count();
            // A range of blocks opens one state per block: unsafe, as in Substrate.
            ctx.check_unsafe()?;
            let mut p = params.sequence();
            let keys = keys_param(p.next()?)?;
            let from: H256 = p.next()?;
            let to: Option<H256> = p.optional_next()?;
            query_storage(&ctx, &keys, from, to)
        },
    )?;
    module.register_blocking_method(
        "state_getStorageHash",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Option<H256>> {
            stored_value(&params, &ctx, |v| {
                H256(cpc_primitives::hashing::blake2_256(&v))
            })
        },
    )?;
    module.register_blocking_method(
        "state_getStorageSize",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Option<u64>> {
            stored_value(&params, &ctx, |v| v.len() as u64)
        },
    )?;
    module.register_blocking_method(
        "state_getKeys",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Vec<Bytes>> {
            ctx.count();
            let mut p = params.sequence();
            let prefix: Bytes = p.next()?;
            let at = ctx.at(p.optional_next()?);
            Ok(all_keys(&ctx, &at, &prefix, MAX_LISTED_KEYS)?
                .into_iter()
                .map(Bytes)
                .collect())
        },
    )?;
    module.register_blocking_method(
        "state_getPairs",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Vec<(Bytes, Bytes)>> {
            ctx.count();
            ctx.check_unsafe()?;
            let mut p = params.sequence();
            let prefix: Bytes = p.next()?;
            let at = ctx.at(p.optional_next()?);
            let keys = all_keys(&ctx, &at, &prefix, MAX_LISTED_KEYS)?;
            let values = values_at(&ctx, &at, &keys)?;
            Ok(keys
                .into_iter()
                .zip(values)
                .filter_map(|(k, v)| Some((Bytes(k), Bytes(v?))))
                .collect())
        },
    )?;

    module.register_subscription(
        "state_subscribeRuntimeVersion",
        "state_runtimeVersion",
        "state_unsubscribeRuntimeVersion",
        |_, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| async move {
            ctx.count();
            let mut imported = ctx.client.subscribe();
            let best = ctx.client.info().best_hash;
            let current = match version_at(&ctx, best).await {
                Ok(version) => version,
                Err(e) => {
                    pending.reject(e).await;
                    return;
                }
            };
            let Ok(sink) = pending.accept().await else {
                return;
            };
            if !send(&sink, &current).await {
                return;
            }
            let mut last = current;
            loop {
                let Some(block) = next_block(&sink, &mut imported).await else {
                    return;
                };
                // The version is cached by code hash: cheap unless the code changed.
                let Ok(version) = version_at(&ctx, block.hash).await else {
                    continue;
                };
                if version != last {
                    if !send(&sink, &version).await {
                        return;
                    }
                    last = version;
                }
            }
        },
    )?;
    module.register_alias(
        "chain_subscribeRuntimeVersion",
        "state_subscribeRuntimeVersion",
    )?;
    module.register_alias(
        "chain_unsubscribeRuntimeVersion",
        "state_unsubscribeRuntimeVersion",
    )?;

    module.register_subscription(
        "state_subscribeStorage",
        "state_storage",
        "state_unsubscribeStorage",
        |params: Params<'static>, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| async move {
            ctx.count();
            let keys: Option<Vec<Bytes>> = match params.sequence().optional_next() {
                Ok(keys) => keys,
                Err(e) => {
                    pending.reject(e).await;
                    return;
                }
            };
            // Every change of every block is a firehose: unsafe, as in Substrate.
            let keys = match keys.map(keys_param).transpose() {
                Ok(None) => match ctx.check_unsafe() {
                    Ok(()) => None,
                    Err(e) => {
                        pending.reject(e).await;
                        return;
                    }
                },
                Ok(Some(keys)) => Some(keys),
                Err(e) => {
                    pending.reject(e).await;
                    return;
                }
            };
            let mut imported = ctx.client.subscribe();
            let best = ctx.client.info().best_hash;
            // The current values first, as Substrate sends them.
            let read = match &keys {
                Some(keys) => {
                    let (ctx, keys) = (ctx.clone(), keys.clone());
                    Some(
                        tokio::task::spawn_blocking(move || values_at(&ctx, &best, &keys))
                            .await
                            .unwrap_or_else(|e| Err(crate::errors::invalid_params(e.to_string()))),
                    )
                }
                None => None,
            };
            let initial = match (&keys, read) {
                (Some(keys), Some(read)) => match read {
                    Ok(values) => Some(StorageChangeSet {
                        block: best,
                        changes: keys
                            .iter()
                            .cloned()
                            .zip(values)
                            .map(|(k, v)| (Bytes(k), v.map(Bytes)))
                            .collect(),
                    }),
                    Err(e) => {
                        pending.reject(e).await;
                        return;
                    }
                },
                _ => None,
            };
            let Ok(sink) = pending.accept().await else {
                return;
            };
            if let Some(initial) = initial
                && !send(&sink, &initial).await
            {
                return;
            }
            loop {
                let Some(block) = next_block(&sink, &mut imported).await else {
                    return;
                };
                let set = changes_in(&block, keys.as_deref());
                if !set.changes.is_empty() && !send(&sink, &set).await {
                    return;
                }
            }
        },
    )?;
    Ok(())
}

/// The runtime version at `hash`, read off the async workers (it may load new code).
async fn version_at(ctx: &Arc<Ctx>, hash: H256) -> RpcResult<cpc_version::RuntimeVersion> {
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || ctx.client.runtime_version(&hash))
        .await
        .map_err(|e| crate::errors::invalid_params(e.to_string()))?
        .map_err(client_error)
}

/// The next imported block for a subscription, skipping over notifications it was too slow
/// to take (a storage or version subscriber misses nothing it needs: the next block's state
/// still holds every value); `None` once the subscriber or the client is gone.
pub(crate) async fn next_block(
    sink: &SubscriptionSink,
    imported: &mut tokio::sync::broadcast::Receiver<BlockNotification>,
) -> Option<BlockNotification> {
    loop {
        tokio::select! {
            _ = sink.closed() => return None,
            next = imported.recv() => match next {
                Ok(block) => return Some(block),
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            },
        }
    }
}

/// The changes `block` made to `keys` (to every key when `None`).
pub fn changes_in(block: &BlockNotification, keys: Option<&[Vec<u8>]>) -> StorageChangeSet {
    let pick = |(k, v): (&Vec<u8>, &Option<Vec<u8>>)| (Bytes(k.clone()), v.clone().map(Bytes));
    let changes = match keys {
        None => block.changes.iter().map(pick).collect(),
        Some(keys) => {
            let wanted: BTreeMap<&[u8], ()> = keys.iter().map(|k| (k.as_slice(), ())).collect();
            block
                .changes
                .iter()
                .filter(|(k, _)| wanted.contains_key(k.as_slice()))
                .map(pick)
                .collect()
        }
    };
    StorageChangeSet {
        block: block.hash,
        changes,
    }
}
