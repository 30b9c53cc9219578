//! `author_*`: submitting and watching extrinsics, the pending pool, removing pooled
//! extrinsics (unsafe), and the validator's session keys in the node's keystore (unsafe:
//! `author_rotateKeys`, `author_insertKey`, `author_hasKey`, `author_hasSessionKeys`).

use crate::{
    context::RpcContext,
    errors::{self, client as client_error, decode_extrinsic, invalid_params, pool as pool_error},
};
use codec::Encode;
use cpc_api::session_keys;
use cpc_crypto::sr25519::Public;
use cpc_primitives::{Bytes, H256, transaction_validity::TransactionSource};
use cpc_txpool::TxStatus;
use jsonrpsee::{
    PendingSubscriptionSink, RpcModule,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::{path::Path, sync::Arc};

type Ctx = RpcContext;
type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// The key types this node's keystore holds: hybrid consensus's session key.
const KEY_TYPES: [[u8; 4]; 1] = [cpc_consensus_primitives::SESSION_KEY_TYPE];

/// The most extrinsics one `author_removeExtrinsic` names.
const MAX_REMOVED: usize = 1000;

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

/// `author_removeExtrinsic`'s parameter: Substrate's `ExtrinsicOrHash`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum ExtrinsicOrHash {
    Hash(H256),
    Extrinsic(Bytes),
}

/// A key type parameter: four ASCII characters (`"lbft"`), one this keystore holds.
fn key_type(text: &str) -> RpcResult<[u8; 4]> {
    let bytes: [u8; 4] = text
        .as_bytes()
        .try_into()
        .map_err(|_| invalid_params(format!("a key type is four characters, not `{text}`")))?;
    if !KEY_TYPES.contains(&bytes) {
        return Err(errors::error(
            errors::UNSUPPORTED_KEY_TYPE,
            "Unknown key type crypto",
            Some(format!(
                "`{text}`: this node keeps `lbft` keys (hybrid consensus)"
            )),
        ));
    }
    Ok(bytes)
}

fn public(bytes: &[u8]) -> RpcResult<Public> {
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| invalid_params("an sr25519 public key is 32 bytes"))?;
    Ok(Public(key))
}

fn keystore(ctx: &Ctx) -> RpcResult<&Path> {
    ctx.keystore.as_deref().ok_or_else(|| {
        errors::error(
            errors::KEYSTORE_UNAVAILABLE,
            "Keystore is unavailable",
            Some("this node was started without a keystore".into()),
        )
    })
}

/// The keystore as the runtime sees it while generating session keys.
struct FileKeystore<'a>(&'a Path);

impl cpc_state_machine::KeystoreExt for FileKeystore<'_> {
    fn sr25519_generate(&self, key_type: [u8; 4], seed: Option<&str>) -> Result<[u8; 32], String> {
        if !KEY_TYPES.contains(&key_type) {
            return Err(format!("this node keeps no {key_type:?} keys"));
        }
        let public = match seed {
            Some(suri) => cpc_keystore::insert(self.0, suri)?,
            None => cpc_keystore::generate(self.0)?,
        };
        Ok(public.0)
    }
}

/// The next status of a watched transaction; `None` once it has no more, or once the
/// subscriber is gone (a watch ends with its subscriber, not only with a final status).
pub(crate) async fn next_status(
    sink: &jsonrpsee::SubscriptionSink,
    statuses: &mut tokio::sync::mpsc::UnboundedReceiver<TxStatus>,
) -> Option<TxStatus> {
    tokio::select! {
        _ = sink.closed() => None,
        status = statuses.recv() => status,
    }
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<Ctx>) -> Result<(), RegisterMethodError> {
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
            let xt = params
                .sequence()
                .next::<Bytes>()
                .and_then(|bytes| decode_extrinsic(&bytes));
            let submitted = match xt {
                Ok(xt) => {
                    let pool = ctx.pool.clone();
                    // Validation calls the runtime: keep it off the async workers.
                    tokio::task::spawn_blocking(move || {
                        pool.submit_and_watch(TransactionSource::External, xt)
                    })
                    .await
                    .map_err(|e| {
                        errors::error(
                            errors::VERIFICATION_ERROR,
                            "Verification Error",
                            Some(e.to_string()),
                        )
                    })
                    .and_then(|submitted| submitted.map_err(pool_error))
                }
                Err(e) => Err(e),
            };
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
            while let Some(status) = next_status(&sink, &mut statuses).await {
                let done = status.is_final();
                let message =
                    serde_json::value::to_raw_value(&status_json(&status)).expect("JSON; qed");
                if sink.send(message).await.is_err() || done {
                    break;
                }
            }
        },
    )?;
    module.register_method(
        "author_removeExtrinsic",
        |params: Params<'_>, ctx: &Ctx, _| -> RpcResult<Vec<H256>> {
            ctx.count();
            ctx.check_unsafe()?;
            let items: Vec<ExtrinsicOrHash> = params.sequence().next()?;
            if items.len() > MAX_REMOVED {
                return Err(invalid_params(format!(
                    "at most {MAX_REMOVED} extrinsics at once"
                )));
            }
            let hashes: Vec<H256> = items
                .into_iter()
                .map(|item| match item {
                    ExtrinsicOrHash::Hash(hash) => Ok(hash),
                    ExtrinsicOrHash::Extrinsic(bytes) => Ok(decode_extrinsic(&bytes)?.hash()),
                })
                .collect::<RpcResult<_>>()?;
            Ok(ctx.pool.remove(&hashes))
        },
    )?;
    module.register_blocking_method(
        "author_rotateKeys",
        |_, ctx: Arc<Ctx>, _| -> RpcResult<Bytes> {
            ctx.count();
            ctx.check_unsafe()?;
            let dir = keystore(&ctx)?;
            let best = ctx.client.info().best_hash;
            ctx.client
                .call_api_with_keystore::<session_keys::generate_session_keys>(
                    &best,
                    (None::<Vec<u8>>,),
                    &FileKeystore(dir),
                )
                .map(Bytes)
                .map_err(client_error)
        },
    )?;
    module.register_method(
        "author_insertKey",
        |params: Params<'_>, ctx: &Ctx, _| -> RpcResult<()> {
            ctx.count();
            ctx.check_unsafe()?;
            let mut p = params.sequence();
            let kind: String = p.next()?;
            let suri: String = p.next()?;
            let expected: Bytes = p.next()?;
            key_type(&kind)?;
            let expected = public(&expected)?;
            let (pair, _) = cpc_crypto::sr25519::Pair::from_suri(&suri)
                .map_err(|e| invalid_params(format!("invalid secret URI: {e}")))?;
            if pair.public() != expected {
                return Err(invalid_params(
                    "the public key does not belong to the secret URI",
                ));
            }
            cpc_keystore::insert(keystore(ctx)?, &suri).map_err(|e| {
                errors::error(errors::KEYSTORE_UNAVAILABLE, "Keystore error", Some(e))
            })?;
            Ok(())
        },
    )?;
    module.register_method(
        "author_hasKey",
        |params: Params<'_>, ctx: &Ctx, _| -> RpcResult<bool> {
            ctx.count();
            ctx.check_unsafe()?;
            let mut p = params.sequence();
            let key: Bytes = p.next()?;
            let kind: String = p.next()?;
            key_type(&kind)?;
            Ok(cpc_keystore::contains(keystore(ctx)?, &public(&key)?))
        },
    )?;
    module.register_blocking_method(
        "author_hasSessionKeys",
        |params: Params<'_>, ctx: Arc<Ctx>, _| -> RpcResult<bool> {
            ctx.count();
            ctx.check_unsafe()?;
            let encoded: Bytes = params.sequence().next()?;
            let dir = keystore(&ctx)?;
            let best = ctx.client.info().best_hash;
            let keys = ctx
                .client
                .call_api::<session_keys::decode_session_keys>(&best, (encoded.0,))
                .map_err(client_error)?
                .ok_or_else(|| invalid_params("the session keys do not decode"))?;
            Ok(keys.iter().all(|(key, kind)| {
                KEY_TYPES.contains(kind)
                    && public(key).is_ok_and(|key| cpc_keystore::contains(dir, &key))
            }))
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_types_and_public_keys_are_checked() {
        assert_eq!(key_type("lbft").unwrap(), *b"lbft");
        assert!(key_type("aura").is_err());
        assert!(key_type("lbf").is_err());
        assert!(public(&[0; 31]).is_err());
        assert!(public(&[0; 32]).is_ok());
        let item: ExtrinsicOrHash =
            serde_json::from_value(json!({ "hash": H256::zero() })).unwrap();
        assert!(matches!(item, ExtrinsicOrHash::Hash(_)));
    }

    #[test]
    fn statuses_serialize_as_substrate_does() {
        assert_eq!(status_json(&TxStatus::Ready), json!("ready"));
        assert_eq!(
            status_json(&TxStatus::Finalized(H256::zero())),
            json!({ "finalized": H256::zero() })
        );
    }
}
