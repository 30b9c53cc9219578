//! Talking to a node as a wallet: connect over RPC, sign a call for the chain's current runtime
//! version, submit it, follow it to finality and read its outcome from the block's events.
//!
//! Calls are passed encoded, so a wallet built with one runtime can still sign calls an upgrade
//! added ([`RawCall`]). Events are decoded with this binary's runtime types record by record:
//! events of a newer runtime that this binary does not know end the decoding, and the outcome
//! says so instead of failing.

use crate::Error;
use codec::{Compact, Decode, Encode, EncodeLike};
use cpc_api::Method;
use cpc_crypto::{AccountId32, sr25519::Pair};
use cpc_keystore::{self as keystore, default_base_path};
use cpc_pallet_balances::Event as BalancesEvent;
use cpc_pallet_system::{Event as SystemEvent, EventRecord, Phase};
use cpc_primitives::{
    Bytes, H256, Header,
    era::Era,
    extrinsic::{AdditionalSigned, RawCall, SignedExtra},
};
use cpc_runtime::RuntimeEvent;
use cpc_version::RuntimeVersion;
use jsonrpsee::{
    core::client::{ClientT, Subscription, SubscriptionClientT},
    rpc_params,
    ws_client::{WsClient, WsClientBuilder},
};
use serde_json::Value;
use std::time::Duration;

/// How long to wait for finality.
const FINALITY_TIMEOUT: Duration = Duration::from_secs(120);
/// Mortal transactions live this many blocks.
const ERA_PERIOD: u64 = 64;
/// The largest request: a runtime upgrade carries the code, hex-encoded.
const MAX_REQUEST_BYTES: u32 = 16 * 1024 * 1024;

/// An RPC failure, as an error for the user.
pub fn rpc_error(e: impl std::fmt::Display) -> Error {
    Error::Node(format!("RPC: {e}"))
}

/// The signer: a secret URI, or an address whose secret is in the keystore.
pub fn signer(from: &str, keystore_path: Option<std::path::PathBuf>) -> Result<Pair, Error> {
    if let Ok(account) = from.parse::<AccountId32>() {
        let dir = keystore_path.unwrap_or_else(|| default_base_path().join("keystore"));
        return keystore::get(&dir, &account.into())
            .map_err(Error::Input)?
            .ok_or_else(|| {
                Error::Input(format!(
                    "{account} is not in the keystore {}",
                    dir.display()
                ))
            });
    }
    Pair::from_suri(from)
        .map(|(pair, _)| pair)
        .map_err(|e| Error::Input(e.to_string()))
}

/// A connection to a node.
pub struct Wallet {
    /// The RPC client.
    pub rpc: WsClient,
    /// The chain's genesis hash.
    pub genesis: H256,
}

/// A signed extrinsic, ready to submit.
pub struct Signed {
    /// Its encoding.
    pub encoded: Vec<u8>,
    /// Its hash.
    pub hash: H256,
    /// The sender's nonce it uses.
    pub nonce: u32,
}

/// What became of an extrinsic in the block that included it.
pub struct Included {
    /// The block.
    pub block: H256,
    /// The block's number.
    pub number: u32,
    /// The fee paid.
    pub fee: u128,
    /// The dispatch error, if the call failed.
    pub error: Option<String>,
    /// The extrinsic's events, in order, as the main runtime's (left empty for a sidechain's
    /// block, whose fee and error are read with its own types: see [`decode_events_as`]).
    pub events: Vec<RuntimeEvent>,
    /// Whether every event of the block decoded (`false`: this binary's runtime types do not
    /// know some of them, and the outcome may be incomplete).
    pub complete: bool,
}

impl Wallet {
    /// Connects to the node at `url`.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let rpc = WsClientBuilder::default()
            .request_timeout(Duration::from_secs(60))
            .max_request_size(MAX_REQUEST_BYTES)
            .build(url)
            .await
            .map_err(|e| Error::Node(format!("cannot connect to {url}: {e}")))?;
        let genesis: H256 = rpc
            .request("chain_getBlockHash", rpc_params![0])
            .await
            .map_err(rpc_error)?;
        Ok(Self { rpc, genesis })
    }

    /// The runtime version at `at` (the best block if `None`).
    pub async fn runtime_version(&self, at: Option<H256>) -> Result<RuntimeVersion, Error> {
        self.rpc
            .request("state_getRuntimeVersion", rpc_params![at])
            .await
            .map_err(rpc_error)
    }

    /// The header of `at` (the best block if `None`).
    pub async fn header(&self, at: Option<H256>) -> Result<Header, Error> {
        let header: Option<Header> = self
            .rpc
            .request("chain_getHeader", rpc_params![at])
            .await
            .map_err(rpc_error)?;
        header.ok_or_else(|| Error::Node("the node does not know the block".into()))
    }

    /// The finalized block's hash.
    pub async fn finalized(&self) -> Result<H256, Error> {
        self.rpc
            .request("chain_getFinalizedHead", rpc_params![])
            .await
            .map_err(rpc_error)
    }

    /// Raw storage at `key` in block `at`.
    pub async fn storage(&self, key: &[u8], at: Option<H256>) -> Result<Option<Vec<u8>>, Error> {
        let value: Option<Bytes> = self
            .rpc
            .request("state_getStorage", rpc_params![Bytes(key.to_vec()), at])
            .await
            .map_err(rpc_error)?;
        Ok(value.map(|b| b.0))
    }

    /// Calls runtime API method `M` (a marker of `cpc-api` or a pallet's primitives crate)
    /// through `state_call` in block `at` (the best if `None`), and decodes its result.
    pub async fn runtime_call<M: Method>(
        &self,
        args: impl EncodeLike<M::Args>,
        at: Option<H256>,
    ) -> Result<M::Output, Error> {
        let output: Bytes = self
            .rpc
            .request("state_call", rpc_params![M::NAME, Bytes(args.encode()), at])
            .await
            .map_err(|e| Error::Node(format!("{}: {e}", M::NAME)))?;
        M::Output::decode(&mut &output[..])
            .map_err(|_| Error::Node(format!("{} returned something else", M::NAME)))
    }

    /// Signs the encoded `call` by `pair` for the chain's current runtime, with the sender's
    /// next nonce and a mortal era from the finalized block.
    pub async fn sign(&self, pair: &Pair, call: Vec<u8>, tip: u128) -> Result<Signed, Error> {
        let sender = AccountId32::from(pair.public());
        let nonce: u32 = self
            .rpc
            .request("system_accountNextIndex", rpc_params![sender.to_string()])
            .await
            .map_err(rpc_error)?;
        self.sign_with_nonce(pair, call, tip, nonce).await
    }

    /// Like [`Wallet::sign`] with a nonce of the caller's choosing: for a sender submitting
    /// several transactions before the first is included.
    pub async fn sign_with_nonce(
        &self,
        pair: &Pair,
        call: Vec<u8>,
        tip: u128,
        nonce: u32,
    ) -> Result<Signed, Error> {
        let version = self.runtime_version(None).await?;
        let finalized = self.finalized().await?;
        let finalized_header = self.header(Some(finalized)).await?;
        let extra = SignedExtra {
            era: Era::mortal(ERA_PERIOD, u64::from(finalized_header.number)),
            nonce,
            tip,
        };
        let additional = AdditionalSigned::new(&version, self.genesis, finalized);
        let xt = cpc_primitives::UncheckedExtrinsic::sign(RawCall(call), pair, extra, &additional);
        Ok(Signed {
            encoded: xt.encode(),
            hash: xt.hash(),
            nonce,
        })
    }

    /// Submits without waiting; the hash the node reports.
    pub async fn submit(&self, signed: &Signed) -> Result<H256, Error> {
        self.rpc
            .request(
                "author_submitExtrinsic",
                rpc_params![Bytes(signed.encoded.clone())],
            )
            .await
            .map_err(rpc_error)
    }

    /// Submits and follows the extrinsic to finality (printing progress on stderr unless
    /// `quiet`), then reads its outcome.
    pub async fn submit_and_watch(&self, signed: &Signed, quiet: bool) -> Result<Included, Error> {
        let mut updates: Subscription<Value> = self
            .rpc
            .subscribe(
                "author_submitAndWatchExtrinsic",
                rpc_params![Bytes(signed.encoded.clone())],
                "author_unwatchExtrinsic",
            )
            .await
            .map_err(rpc_error)?;
        if !quiet {
            eprintln!(
                "Submitted {:#} (nonce {}, {} bytes)",
                signed.hash,
                signed.nonce,
                signed.encoded.len()
            );
        }
        let block = tokio::time::timeout(FINALITY_TIMEOUT, async {
            while let Some(update) = updates.next().await {
                let update = update.map_err(rpc_error)?;
                if let Some(block) = update
                    .get("finalized")
                    .and_then(|h| serde_json::from_value::<H256>(h.clone()).ok())
                {
                    return Ok(block);
                }
                if let Some(block) = update.get("inBlock") {
                    if !quiet {
                        eprintln!("In block {}", block.as_str().unwrap_or_default());
                    }
                    continue;
                }
                match update.as_str() {
                    Some("ready") | Some("future") => continue,
                    _ => {
                        return Err(Error::Node(format!(
                            "the transaction was not included: {update}"
                        )));
                    }
                }
            }
            Err(Error::Node("the node closed the subscription".into()))
        })
        .await
        .map_err(|_| Error::Node("no finality within two minutes".into()))??;
        self.outcome(block, &signed.encoded).await
    }

    /// `error` as `Pallet.Error (its doc)`, named from the metadata of block `at`'s runtime
    /// (which may be newer than this binary's).
    pub async fn describe_error(
        &self,
        error: &cpc_primitives::dispatch::DispatchError,
        at: H256,
    ) -> String {
        if let cpc_primitives::dispatch::DispatchError::Module(module) = error
            && let Some(name) = self.error_name(at, module.index, module.error[0]).await
        {
            return name;
        }
        format!("{error:?}")
    }

    async fn error_name(&self, at: H256, pallet: u8, error: u8) -> Option<String> {
        use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
        use scale_info::TypeDef;
        let raw: Bytes = self
            .rpc
            .request("state_getMetadata", rpc_params![at])
            .await
            .ok()?;
        let RuntimeMetadataPrefixed(_, RuntimeMetadata::V14(metadata)) =
            RuntimeMetadataPrefixed::decode(&mut &raw[..]).ok()?
        else {
            return None;
        };
        let pallet = metadata.pallets.iter().find(|p| p.index == pallet)?;
        let ty = metadata.types.resolve(pallet.error.as_ref()?.ty.id)?;
        let TypeDef::Variant(variants) = &ty.type_def else {
            return None;
        };
        let variant = variants.variants.iter().find(|v| v.index == error)?;
        let doc = variant
            .docs
            .first()
            .map(|d| format!(" ({})", d.trim()))
            .unwrap_or_default();
        Some(format!("{}.{}{doc}", pallet.name, variant.name))
    }

    /// Reads the extrinsic's events from the block that included it.
    async fn outcome(&self, block: H256, encoded: &[u8]) -> Result<Included, Error> {
        let signed: Value = self
            .rpc
            .request("chain_getBlock", rpc_params![block])
            .await
            .map_err(rpc_error)?;
        let ours = format!("0x{}", hex::encode(encoded));
        let index = signed["block"]["extrinsics"]
            .as_array()
            .and_then(|xts| xts.iter().position(|x| x.as_str() == Some(ours.as_str())))
            .ok_or_else(|| Error::Node("the block does not hold the transaction".into()))?
            as u32;
        let number = self.header(Some(block)).await?.number;
        let key = cpc_pallet_system::Events::<cpc_runtime::Runtime>::hashed_key();
        let raw = self.storage(&key, Some(block)).await?.unwrap_or_default();
        let (records, complete) = decode_events(&raw);
        let mut included = Included {
            block,
            number,
            fee: 0,
            error: None,
            events: Vec::new(),
            complete,
        };
        if !complete {
            // A sidechain's block: its own pallets' events do not decode as the main
            // runtime's, so its fee and dispatch error are read with the sidechain's types.
            let (side_records, side_complete) =
                decode_events_as::<cpc_runtime_sidechain::RuntimeEvent>(&raw);
            if side_complete {
                use cpc_runtime_sidechain::RuntimeEvent as Side;
                for record in side_records
                    .into_iter()
                    .filter(|r| r.phase == Phase::ApplyExtrinsic(index))
                {
                    match &record.event {
                        Side::Balances(BalancesEvent::TransactionFeePaid {
                            actual_fee, ..
                        }) => included.fee = *actual_fee,
                        Side::System(SystemEvent::ExtrinsicFailed { dispatch_error, .. }) => {
                            included.error = Some(self.describe_error(dispatch_error, block).await);
                        }
                        _ => {}
                    }
                }
                included.complete = true;
                return Ok(included);
            }
        }
        for record in records
            .into_iter()
            .filter(|r| r.phase == Phase::ApplyExtrinsic(index))
        {
            match &record.event {
                RuntimeEvent::Balances(BalancesEvent::TransactionFeePaid {
                    actual_fee, ..
                }) => included.fee = *actual_fee,
                RuntimeEvent::System(SystemEvent::ExtrinsicFailed { dispatch_error, .. }) => {
                    included.error = Some(self.describe_error(dispatch_error, block).await);
                }
                _ => {}
            }
            included.events.push(record.event);
        }
        Ok(included)
    }
}

/// Decodes a block's event records one by one; stops at the first record this binary's
/// runtime types cannot decode (`false`: not all decoded).
pub fn decode_events(raw: &[u8]) -> (Vec<EventRecord<RuntimeEvent, H256>>, bool) {
    decode_events_as(raw)
}

/// [`decode_events`] with the event type of a runtime of the caller's choosing.
pub fn decode_events_as<E: Decode>(raw: &[u8]) -> (Vec<EventRecord<E, H256>>, bool) {
    let input = &mut &raw[..];
    let Ok(Compact(count)) = Compact::<u32>::decode(input) else {
        return (Vec::new(), raw.is_empty());
    };
    let mut records = Vec::new();
    for _ in 0..count {
        match EventRecord::<E, H256>::decode(input) {
            Ok(record) => records.push(record),
            Err(_) => return (records, false),
        }
    }
    (records, input.is_empty())
}
