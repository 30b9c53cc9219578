//! `system_*`: the node's name, version, chain and properties, its health, peers, roles,
//! addresses and sync state, an account's next nonce, and (unsafe) dry runs of extrinsics.

use crate::{
    context::RpcContext,
    errors::{self, client as client_error, decode_extrinsic},
};
use codec::{Decode, Encode};
use cpc_api::{account_nonce_api, block_builder};
use cpc_primitives::{AccountId, Bytes, H256};
use jsonrpsee::{
    RpcModule,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use serde_json::{Value, json};
use std::sync::Arc;

/// `system_dryRun`: the bytes are not an extrinsic.
const DRY_RUN_DECODE: i32 = 1;
/// `system_dryRun`: the runtime call failed.
const DRY_RUN_RUNTIME: i32 = 2;

type Ctx = RpcContext;
type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// Registers the methods.
pub fn register(module: &mut RpcModule<Ctx>) -> Result<(), RegisterMethodError> {
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
        let peers = ctx.network.peer_count();
        let should_have_peers = ctx.system.chain_type != json!("Development");
        Ok(json!({ "peers": peers, "isSyncing": ctx.network.is_syncing(), "shouldHavePeers": should_have_peers }))
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
    module.register_method(
        "system_localPeerId",
        |_, ctx: &Ctx, _| -> RpcResult<String> {
            ctx.count();
            Ok(ctx.network.local_peer_id())
        },
    )?;
    module.register_method(
        "system_localListenAddresses",
        |_, ctx: &Ctx, _| -> RpcResult<Vec<String>> {
            ctx.count();
            Ok(ctx.network.listen_addresses())
        },
    )?;
    module.register_method(
        "system_nodeRoles",
        |_, ctx: &Ctx, _| -> RpcResult<Vec<&str>> {
            ctx.count();
            Ok(vec![if ctx.authority { "Authority" } else { "Full" }])
        },
    )?;
    module.register_method("system_syncState", |_, ctx: &Ctx, _| -> RpcResult<Value> {
        ctx.count();
        let current = ctx.client.info().best_number;
        let highest = ctx.network.highest_seen().unwrap_or(current).max(current);
        Ok(json!({
            "startingBlock": ctx.starting_block,
            "currentBlock": current,
            "highestBlock": highest,
        }))
    })?;
    module.register_method("system_peers", |_, ctx: &Ctx, _| -> RpcResult<Value> {
        ctx.count();
        ctx.check_unsafe()?;
        let genesis = ctx.client.info().genesis_hash;
        let peers: Vec<Value> = ctx
            .network
            .peers()
            .into_iter()
            .map(|peer| {
                // A peer that announced nothing yet is reported at genesis, as Substrate
                // reports a peer before its first status message.
                let (number, hash) = peer.best.unwrap_or((0, genesis));
                json!({
                    "peerId": peer.peer_id,
                    "roles": "FULL",
                    "bestHash": hash,
                    "bestNumber": number,
                })
            })
            .collect();
        Ok(Value::Array(peers))
    })?;
    module.register_blocking_method(
        "system_dryRun",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<Bytes> {
            ctx.count();
            ctx.check_unsafe()?;
            let mut p = params.sequence();
            let bytes: Bytes = p.next()?;
            let at: Option<H256> = p.optional_next()?;
            // Substrate's codes for this method: 1 for bytes that are no extrinsic, 2 for a
            // runtime call that failed.
            let xt = decode_extrinsic(&bytes).map_err(|e| {
                errors::error(
                    DRY_RUN_DECODE,
                    "Unable to dry run extrinsic",
                    Some(e.message().into()),
                )
            })?;
            // As Substrate does: the extrinsic applied on the state of `at`, nothing kept.
            let result = ctx
                .client
                .call_api::<block_builder::apply_extrinsic>(&ctx.at(at), (xt,))
                .map_err(|e| {
                    errors::error(
                        DRY_RUN_RUNTIME,
                        "Unable to dry run extrinsic",
                        Some(e.to_string()),
                    )
                })?;
            Ok(Bytes(result.encode()))
        },
    )?;
    Ok(())
}
