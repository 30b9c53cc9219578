//! The new JSON-RPC spec's `chainHead_v1_*` (what polkadot-api and subxt's chainHead backend
//! use): follow the chain, pin blocks, and run body, call and storage operations on pinned
//! blocks, with the spec's events, limits and error codes.
//!
//! LBFT keeps this simple: a block is final when it is imported, so there are no forks and
//! nothing is ever pruned. Every imported block is announced with `newBlock`, then
//! `bestBlockChanged` and `finalized` (with no pruned hashes).
//!
//! Limits, per connection and subscription (the spec's minimums, or Substrate's values):
//! [`MAX_FOLLOWS_PER_CONNECTION`] follow subscriptions (`-32800` past it),
//! [`MAX_OPERATIONS`] operations at once (`limitReached` past it; each storage item counts
//! one), [`MAX_PINNED`] pinned blocks (the subscription is stopped past it: a client that
//! never unpins cannot make the node hold blocks forever; the bound stays inside the state
//! pruning window, so every pinned block's state is readable).

use crate::{
    context::RpcContext,
    errors::{client as client_error, error},
};
use codec::Encode;
use cpc_primitives::{Bytes, H256};
use cpc_version::RuntimeVersion;
use jsonrpsee::{
    ConnectionId, Extensions, PendingSubscriptionSink, ResponsePayload, RpcModule,
    SubscriptionMessage, SubscriptionSink,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::{Value, json};
use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};
use tokio::sync::broadcast::error::RecvError;

/// Follow subscriptions one connection may hold.
pub const MAX_FOLLOWS_PER_CONNECTION: usize = 4;
/// Operations one follow subscription may run at once.
pub const MAX_OPERATIONS: usize = 16;
/// Blocks one follow subscription may keep pinned. Pinning does not hold state back from
/// pruning, so the bound stays below the default pruning window (256 finalized states): a
/// client that reads a block it pinned finds its state, unless the node prunes harder
/// (`--state-pruning` under 128), when the read ends in `operationError`.
pub const MAX_PINNED: usize = 128;
/// Keys a descendants query sends per `operationStorageItems` event.
const DESCENDANTS_PAGE: usize = 64;

/// Too many follow subscriptions.
pub const REACHED_LIMITS: i32 = -32800;
/// A block hash that was not reported, or was unpinned.
pub const INVALID_BLOCK: i32 = -32801;
/// A call on a subscription started without the runtime.
pub const INVALID_RUNTIME_CALL: i32 = -32802;
/// `continue` with no operation waiting for it.
pub const INVALID_CONTINUE: i32 = -32803;
/// The same hash twice in one `unpin`.
pub const INVALID_DUPLICATE_HASHES: i32 = -32804;

type Ctx = RpcContext;
type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// One follow subscription.
struct Follow {
    connection: ConnectionId,
    with_runtime: bool,
    sink: SubscriptionSink,
    pinned: BTreeSet<H256>,
    running: usize,
    next_operation: u64,
}

/// Every live follow subscription, by id, and the subscriptions each connection is opening
/// (counted from the limit check until they are registered, so requests racing each other
/// cannot pass the check together).
#[derive(Default)]
struct Follows(
    Mutex<HashMap<String, Follow>>,
    Mutex<HashMap<ConnectionId, usize>>,
);

/// What an operation method found: a live subscription of the caller's connection on which
/// `hash` is pinned, and the operation id it may use.
struct Started {
    operation_id: String,
    sink: SubscriptionSink,
}

enum Admission {
    /// The subscription is unknown, stopped or another connection's.
    Stale,
    /// Too many operations are running.
    Busy,
    /// Admitted: `count` operations reserved.
    Started(Started, usize),
}

impl Follows {
    /// Reserves a follow subscription for `connection`, unless it holds its limit.
    fn reserve(&self, connection: ConnectionId) -> bool {
        let live = self.0.lock();
        let mut opening = self.1.lock();
        let held = live.values().filter(|f| f.connection == connection).count()
            + opening.get(&connection).copied().unwrap_or(0);
        if held >= MAX_FOLLOWS_PER_CONNECTION {
            return false;
        }
        *opening.entry(connection).or_default() += 1;
        true
    }

    /// Ends a reservation (the subscription is registered, or was never accepted).
    fn unreserve(&self, connection: ConnectionId) {
        let mut opening = self.1.lock();
        if let Some(count) = opening.get_mut(&connection) {
            *count -= 1;
            if *count == 0 {
                opening.remove(&connection);
            }
        }
    }

    /// Whether `connection` has a follow subscription accepted but not registered yet.
    fn opening(&self, connection: ConnectionId) -> bool {
        self.1.lock().contains_key(&connection)
    }

    /// [`Self::admit`], waiting (up to a second) for a subscription of this connection that
    /// is being registered: its id reaches the client before it is in the table, and a client
    /// may use it at once.
    async fn admit_when_registered(
        &self,
        id: &str,
        connection: ConnectionId,
        hash: &H256,
        wanted: usize,
        needs_runtime: bool,
    ) -> RpcResult<Admission> {
        for _ in 0..100 {
            let admitted = self.admit(id, connection, hash, wanted, needs_runtime);
            if !matches!(admitted, Ok(Admission::Stale)) || !self.opening(connection) {
                return admitted;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        self.admit(id, connection, hash, wanted, needs_runtime)
    }

    /// Reserves up to `wanted` operation slots on `id` for a method on `hash`.
    fn admit(
        &self,
        id: &str,
        connection: ConnectionId,
        hash: &H256,
        wanted: usize,
        needs_runtime: bool,
    ) -> RpcResult<Admission> {
        let mut follows = self.0.lock();
        let Some(follow) = follows.get_mut(id).filter(|f| f.connection == connection) else {
            return Ok(Admission::Stale);
        };
        if !follow.pinned.contains(hash) {
            return Err(invalid_block(hash));
        }
        if needs_runtime && !follow.with_runtime {
            return Err(error(
                INVALID_RUNTIME_CALL,
                "The `chainHead_v1_follow` subscription was started with `withRuntime` set to `false`",
                None,
            ));
        }
        let free = MAX_OPERATIONS.saturating_sub(follow.running);
        let count = wanted.min(free);
        if count == 0 {
            return Ok(Admission::Busy);
        }
        follow.running += count;
        follow.next_operation += 1;
        Ok(Admission::Started(
            Started {
                operation_id: follow.next_operation.to_string(),
                sink: follow.sink.clone(),
            },
            count,
        ))
    }

    fn release(&self, id: &str, count: usize) {
        if let Some(follow) = self.0.lock().get_mut(id) {
            follow.running = follow.running.saturating_sub(count);
        }
    }
}

fn invalid_block(hash: &H256) -> ErrorObjectOwned {
    error(
        INVALID_BLOCK,
        "Invalid block hash",
        Some(format!(
            "{hash:?} was not reported by this subscription, or is unpinned"
        )),
    )
}

/// The spec's runtime object.
fn runtime_json(version: Result<RuntimeVersion, String>) -> Value {
    match version {
        Ok(v) => {
            let apis: serde_json::Map<String, Value> = v
                .apis
                .iter()
                .map(|(id, version)| (format!("0x{}", hex::encode(id)), json!(version)))
                .collect();
            json!({
                "type": "valid",
                "spec": {
                    "specName": v.spec_name,
                    "implName": v.impl_name,
                    "specVersion": v.spec_version,
                    "implVersion": v.impl_version,
                    "transactionVersion": v.transaction_version,
                    "apis": apis,
                }
            })
        }
        Err(why) => json!({ "type": "invalid", "error": why }),
    }
}

async fn send(sink: &SubscriptionSink, event: Value) -> bool {
    let message: SubscriptionMessage = serde_json::value::to_raw_value(&event)
        .expect("JSON values serialize; qed")
        .into();
    sink.send(message).await.is_ok()
}

fn subscription_key(sink: &SubscriptionSink) -> String {
    match sink.subscription_id() {
        jsonrpsee::types::SubscriptionId::Str(s) => s.into_owned(),
        jsonrpsee::types::SubscriptionId::Num(n) => n.to_string(),
    }
}

/// A storage query item.
#[derive(Deserialize)]
struct StorageQuery {
    key: Bytes,
    #[serde(rename = "type")]
    kind: QueryKind,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum QueryKind {
    Value,
    Hash,
    ClosestDescendantMerkleValue,
    DescendantsValues,
    DescendantsHashes,
}

/// Runs `queries` on `hash`, sending `operationStorageItems` events, then
/// `operationStorageDone` (or `operationError`).
async fn run_storage(
    ctx: Arc<Ctx>,
    sink: SubscriptionSink,
    operation_id: String,
    hash: H256,
    queries: Vec<StorageQuery>,
) {
    use cpc_state_machine::Backend;
    let state = {
        let ctx = ctx.clone();
        match tokio::task::spawn_blocking(move || ctx.client.state_at(&hash)).await {
            Ok(Ok(state)) => Arc::new(state),
            Ok(Err(e)) => {
                let _ = send(&sink, operation_error(&operation_id, e.to_string())).await;
                return;
            }
            Err(e) => {
                let _ = send(&sink, operation_error(&operation_id, e.to_string())).await;
                return;
            }
        }
    };
    for query in queries {
        let mut start: Option<Vec<u8>> = None;
        loop {
            let state = state.clone();
            let key = query.key.0.clone();
            let after = start.clone();
            let kind = query.kind;
            let page = tokio::task::spawn_blocking(move || -> Result<(Vec<Value>, Option<Vec<u8>>), String> {
                let item = |key: &[u8], value: Vec<u8>, hashed: bool| {
                    if hashed {
                        json!({ "key": Bytes(key.to_vec()), "hash": H256(cpc_primitives::hashing::blake2_256(&value)) })
                    } else {
                        json!({ "key": Bytes(key.to_vec()), "value": Bytes(value) })
                    }
                };
                match kind {
                    QueryKind::Value | QueryKind::Hash => {
                        let value = state.storage(&key).map_err(|e| e.to_string())?;
                        Ok((value.map(|v| item(&key, v, kind == QueryKind::Hash)).into_iter().collect(), None))
                    }
                    QueryKind::ClosestDescendantMerkleValue => {
                        let merkle = state.closest_descendant_merkle_value(&key).map_err(|e| e.to_string())?;
                        Ok((merkle.map(|m| json!({ "key": Bytes(key.clone()), "closestDescendantMerkleValue": Bytes(m) })).into_iter().collect(), None))
                    }
                    QueryKind::DescendantsValues | QueryKind::DescendantsHashes => {
                        // The first page starts with the key itself, as in Substrate.
                        let keys = state
                            .keys_paged(&key, DESCENDANTS_PAGE, after.as_deref())
                            .map_err(|e| e.to_string())?;
                        let next = (keys.len() == DESCENDANTS_PAGE).then(|| keys.last().cloned()).flatten();
                        let mut items = Vec::new();
                        for k in keys {
                            if let Some(value) = state.storage(&k).map_err(|e| e.to_string())? {
                                items.push(item(&k, value, kind == QueryKind::DescendantsHashes));
                            }
                        }
                        Ok((items, next))
                    }
                }
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
            match page {
                Ok((items, next)) => {
                    if !items.is_empty()
                        && !send(
                            &sink,
                            json!({ "event": "operationStorageItems", "operationId": operation_id, "items": items }),
                        )
                        .await
                    {
                        return;
                    }
                    match next {
                        Some(next) => start = Some(next),
                        None => break,
                    }
                }
                Err(why) => {
                    let _ = send(&sink, operation_error(&operation_id, why)).await;
                    return;
                }
            }
        }
    }
    let _ = send(
        &sink,
        json!({ "event": "operationStorageDone", "operationId": operation_id }),
    )
    .await;
}

fn operation_error(operation_id: &str, why: String) -> Value {
    json!({ "event": "operationError", "operationId": operation_id, "error": why })
}

fn started(operation_id: &str, discarded: Option<usize>) -> Value {
    match discarded {
        Some(discarded) => {
            json!({ "result": "started", "operationId": operation_id, "discardedItems": discarded })
        }
        None => json!({ "result": "started", "operationId": operation_id }),
    }
}

fn limit_reached() -> Value {
    json!({ "result": "limitReached" })
}

fn connection(ext: &Extensions) -> ConnectionId {
    ext.get::<ConnectionId>()
        .copied()
        .unwrap_or(ConnectionId(0))
}

/// Answers an admitted operation with `started` and runs `work` once that answer is out (the
/// events name an operation id the client must have seen), then frees the operation's slots;
/// answers `limitReached` for a stale subscription or when no slot is free.
fn start_operation<F, Fut>(
    follows: Arc<Follows>,
    id: String,
    admitted: RpcResult<Admission>,
    discarded: Option<usize>,
    work: F,
) -> ResponsePayload<'static, Value>
where
    F: FnOnce(String, SubscriptionSink) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (Started { operation_id, sink }, count) = match admitted {
        Ok(Admission::Started(started, count)) => (started, count),
        Ok(Admission::Stale | Admission::Busy) => return ResponsePayload::success(limit_reached()),
        Err(e) => return ResponsePayload::error(e),
    };
    let (payload, sent) =
        ResponsePayload::success(started(&operation_id, discarded)).notify_on_completion();
    tokio::spawn(async move {
        if sent.await.is_ok() {
            work(operation_id, sink).await;
        }
        follows.release(&id, count);
    });
    payload
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<Ctx>) -> Result<(), RegisterMethodError> {
    let follows = Arc::new(Follows::default());

    let registry = follows.clone();
    module.register_subscription(
        "chainHead_v1_follow",
        "chainHead_v1_followEvent",
        "chainHead_v1_unfollow",
        move |params: Params<'static>, pending: PendingSubscriptionSink, ctx: Arc<Ctx>, _| {
            let follows = registry.clone();
            async move {
                ctx.count();
                let with_runtime: bool = match params.sequence().next() {
                    Ok(with_runtime) => with_runtime,
                    Err(e) => {
                        pending.reject(e).await;
                        return;
                    }
                };
                let connection = pending.connection_id();
                if !follows.reserve(connection) {
                    pending
                        .reject(error(
                            REACHED_LIMITS,
                            "Maximum number of chainHead_follow has been reached",
                            None,
                        ))
                        .await;
                    return;
                }
                // Subscribe before reading the head, so no block falls in between.
                let mut imported = ctx.client.subscribe();
                let Ok(sink) = pending.accept().await else {
                    follows.unreserve(connection);
                    return;
                };
                let id = subscription_key(&sink);
                let info = ctx.client.info();
                let (finalized, mut head_number) = (info.finalized_hash, info.finalized_number);
                follows.0.lock().insert(
                    id.clone(),
                    Follow {
                        connection,
                        with_runtime,
                        sink: sink.clone(),
                        pinned: BTreeSet::from([finalized]),
                        running: 0,
                        next_operation: 0,
                    },
                );
                follows.unreserve(connection);
                let version_at = |hash: H256| {
                    let ctx = ctx.clone();
                    async move {
                        tokio::task::spawn_blocking(move || ctx.client.runtime_version(&hash))
                            .await
                            .map_err(|e| e.to_string())
                            .and_then(|r| r.map_err(|e| e.to_string()))
                    }
                };
                let mut last_version = version_at(finalized).await;
                let mut initialized = json!({ "event": "initialized", "finalizedBlockHashes": [finalized] });
                if with_runtime {
                    initialized["finalizedBlockRuntime"] = runtime_json(last_version.clone());
                }
                let mut alive = send(&sink, initialized).await;
                while alive {
                    let block = tokio::select! {
                        _ = sink.closed() => break,
                        next = imported.recv() => match next {
                            Ok(block) => block,
                            // Events were lost: the spec's answer is `stop`.
                            Err(RecvError::Lagged(_)) => {
                                let _ = send(&sink, json!({ "event": "stop" })).await;
                                break;
                            }
                            Err(RecvError::Closed) => break,
                        },
                    };
                    // Blocks imported before `initialized` was read are already covered.
                    if block.header.number <= head_number {
                        continue;
                    }
                    let over_limit = {
                        let mut map = follows.0.lock();
                        match map.get_mut(&id) {
                            Some(follow) => {
                                follow.pinned.insert(block.hash);
                                follow.pinned.len() > MAX_PINNED
                            }
                            None => true,
                        }
                    };
                    if over_limit {
                        let _ = send(&sink, json!({ "event": "stop" })).await;
                        break;
                    }
                    let mut new_block = json!({
                        "event": "newBlock",
                        "blockHash": block.hash,
                        "parentBlockHash": block.header.parent_hash,
                    });
                    if with_runtime {
                        let version = version_at(block.hash).await;
                        new_block["newRuntime"] = if version != last_version {
                            last_version = version.clone();
                            runtime_json(version)
                        } else {
                            Value::Null
                        };
                    }
                    head_number = block.header.number;
                    alive = send(&sink, new_block).await
                        && send(&sink, json!({ "event": "bestBlockChanged", "bestBlockHash": block.hash })).await
                        && send(
                            &sink,
                            json!({ "event": "finalized", "finalizedBlockHashes": [block.hash], "prunedBlockHashes": [] }),
                        )
                        .await;
                }
                follows.0.lock().remove(&id);
            }
        },
    )?;

    module.register_blocking_method("chainHead_v1_header", {
        let follows = follows.clone();
        move |params: Params<'_>, ctx: Arc<Ctx>, ext: Extensions| -> RpcResult<Option<Bytes>> {
            ctx.count();
            let mut p = params.sequence();
            let id: String = p.next()?;
            let hash: H256 = p.next()?;
            {
                let follows = follows.0.lock();
                let Some(follow) = follows
                    .get(&id)
                    .filter(|f| f.connection == connection(&ext))
                else {
                    return Ok(None);
                };
                if !follow.pinned.contains(&hash) {
                    return Err(invalid_block(&hash));
                }
            }
            let header = ctx.client.header(&hash).map_err(client_error)?;
            Ok(header.map(|h| Bytes(h.encode())))
        }
    })?;

    module.register_async_method("chainHead_v1_body", {
        let follows = follows.clone();
        move |params: Params<'static>, ctx: Arc<Ctx>, ext: Extensions| {
            let follows = follows.clone();
            async move {
                ctx.count();
                let parsed = (|| -> RpcResult<(String, H256)> {
                    let mut p = params.sequence();
                    Ok((p.next()?, p.next()?))
                })();
                let (id, hash) = match parsed {
                    Ok(parsed) => parsed,
                    Err(e) => return ResponsePayload::error(e),
                };
                let admitted = follows
                    .admit_when_registered(&id, connection(&ext), &hash, 1, false)
                    .await;
                start_operation(follows, id, admitted, None, move |operation_id, sink| async move {
                    let body = tokio::task::spawn_blocking(move || ctx.client.block(&hash)).await;
                    let event = match body {
                        Ok(Ok(Some(block))) => json!({
                            "event": "operationBodyDone",
                            "operationId": operation_id,
                            "value": block.extrinsics.iter().map(|xt| Bytes(xt.encode())).collect::<Vec<_>>(),
                        }),
                        Ok(Ok(None)) => operation_error(&operation_id, "the block's body is gone".into()),
                        Ok(Err(e)) => operation_error(&operation_id, e.to_string()),
                        Err(e) => operation_error(&operation_id, e.to_string()),
                    };
                    let _ = send(&sink, event).await;
                })
            }
        }
    })?;

    module.register_async_method("chainHead_v1_call", {
        let follows = follows.clone();
        move |params: Params<'static>, ctx: Arc<Ctx>, ext: Extensions| {
            let follows = follows.clone();
            async move {
                ctx.count();
                let parsed = (|| -> RpcResult<(String, H256, String, Bytes)> {
                    let mut p = params.sequence();
                    Ok((p.next()?, p.next()?, p.next()?, p.next()?))
                })();
                let (id, hash, function, input) = match parsed {
                    Ok(parsed) => parsed,
                    Err(e) => return ResponsePayload::error(e),
                };
                // A dry run of an upgrade is the operator's (see `state_call`).
                if function.starts_with(cpc_api::upgrade_dry_run_api::NAME)
                    && let Err(e) = ctx.check_unsafe()
                {
                    return ResponsePayload::error(e);
                }
                let admitted = follows
                    .admit_when_registered(&id, connection(&ext), &hash, 1, true)
                    .await;
                start_operation(
                    follows,
                    id,
                    admitted,
                    None,
                    move |operation_id, sink| async move {
                        let output = tokio::task::spawn_blocking(move || {
                            ctx.client.call_at(&hash, &function, &input)
                        })
                        .await;
                        let event = match output {
                            Ok(Ok(output)) => json!({
                                "event": "operationCallDone",
                                "operationId": operation_id,
                                "output": Bytes(output),
                            }),
                            Ok(Err(e)) => operation_error(&operation_id, e.to_string()),
                            Err(e) => operation_error(&operation_id, e.to_string()),
                        };
                        let _ = send(&sink, event).await;
                    },
                )
            }
        }
    })?;

    module.register_async_method("chainHead_v1_storage", {
        let follows = follows.clone();
        move |params: Params<'static>, ctx: Arc<Ctx>, ext: Extensions| {
            let follows = follows.clone();
            async move {
                ctx.count();
                let parsed = (|| -> RpcResult<(String, H256, Vec<StorageQuery>, Option<Bytes>)> {
                    let mut p = params.sequence();
                    Ok((p.next()?, p.next()?, p.next()?, p.optional_next()?))
                })();
                let (id, hash, mut queries, child_trie) = match parsed {
                    Ok(parsed) => parsed,
                    Err(e) => return ResponsePayload::error(e),
                };
                // This chain has no child tries: nothing is ever found in one.
                if child_trie.is_some() {
                    queries.clear();
                }
                let wanted = queries.len();
                let admitted = follows
                    .admit_when_registered(&id, connection(&ext), &hash, wanted.max(1), false)
                    .await;
                let granted = match &admitted {
                    Ok(Admission::Started(_, count)) => *count,
                    _ => 0,
                };
                queries.truncate(granted);
                let discarded = wanted - queries.len();
                start_operation(
                    follows,
                    id,
                    admitted,
                    Some(discarded),
                    move |operation_id, sink| run_storage(ctx, sink, operation_id, hash, queries),
                )
            }
        }
    })?;

    module.register_method("chainHead_v1_unpin", {
        let follows = follows.clone();
        move |params: Params<'_>, ctx: &Ctx, ext: &Extensions| -> RpcResult<()> {
            ctx.count();
            let mut p = params.sequence();
            let id: String = p.next()?;
            let hashes: Value = p.next()?;
            let hashes: Vec<H256> = match hashes {
                Value::Array(_) => serde_json::from_value(hashes),
                one => serde_json::from_value(one).map(|h| vec![h]),
            }
            .map_err(|e| crate::errors::invalid_params(format!("invalid block hash: {e}")))?;
            let mut follows = follows.0.lock();
            let Some(follow) = follows
                .get_mut(&id)
                .filter(|f| f.connection == connection(ext))
            else {
                return Ok(());
            };
            let unique: BTreeSet<H256> = hashes.iter().copied().collect();
            if unique.len() != hashes.len() {
                return Err(error(
                    INVALID_DUPLICATE_HASHES,
                    "Received duplicate hashes for the `chainHead_unpin` method",
                    None,
                ));
            }
            // Atomic: every hash is checked before any is unpinned.
            if let Some(missing) = hashes.iter().find(|h| !follow.pinned.contains(h)) {
                return Err(invalid_block(missing));
            }
            for hash in &hashes {
                follow.pinned.remove(hash);
            }
            Ok(())
        }
    })?;

    module.register_method("chainHead_v1_continue", {
        let follows = follows.clone();
        move |params: Params<'_>, ctx: &Ctx, ext: &Extensions| -> RpcResult<()> {
            ctx.count();
            let mut p = params.sequence();
            let id: String = p.next()?;
            let _operation: String = p.next()?;
            // Storage results stream with back-pressure and never wait for `continue`.
            if follows
                .0
                .lock()
                .get(&id)
                .is_some_and(|f| f.connection == connection(ext))
            {
                return Err(error(
                    INVALID_CONTINUE,
                    "Wait for continue event was not generated for the subscription",
                    None,
                ));
            }
            Ok(())
        }
    })?;

    module.register_method(
        "chainHead_v1_stopOperation",
        move |params: Params<'_>, ctx: &Ctx, _| -> RpcResult<()> {
            ctx.count();
            let mut p = params.sequence();
            let _id: String = p.next()?;
            let _operation: String = p.next()?;
            // Operations are short (one runtime call, one block, pages of storage) and finish on
            // their own; the spec lets late events arrive after a stop.
            Ok(())
        },
    )?;
    Ok(())
}
