//! `tx transfer`: sign a transfer, submit it over RPC and follow it to finality.

use crate::{Error, cli::TxCommand, default_base_path, keystore};
use codec::{Decode, Encode};
use cpc_crypto::{AccountId32, sr25519::Pair};
use cpc_pallet_balances::{Call as BalancesCall, Event as BalancesEvent};
use cpc_pallet_system::{Event as SystemEvent, EventRecord, Phase};
use cpc_primitives::{
    Bytes, H256, Header,
    era::Era,
    extrinsic::{AdditionalSigned, SignedExtra},
};
use cpc_runtime::{RuntimeCall, RuntimeEvent, UncheckedExtrinsic};
use cpc_version::RuntimeVersion;
use jsonrpsee::{
    core::client::{ClientT, Subscription, SubscriptionClientT},
    rpc_params,
    ws_client::WsClientBuilder,
};
use serde_json::{Value, json};
use std::time::Duration;

/// How long to wait for finality.
const FINALITY_TIMEOUT: Duration = Duration::from_secs(120);
/// Mortal transactions live this many blocks.
const ERA_PERIOD: u64 = 64;

fn rpc_error(e: impl std::fmt::Display) -> Error {
    Error::Node(format!("RPC: {e}"))
}

/// The signer: a secret URI, or an address whose secret is in the keystore.
fn signer(from: &str, keystore_path: Option<std::path::PathBuf>) -> Result<Pair, Error> {
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

/// Runs a wallet command.
pub async fn tx(command: TxCommand) -> Result<(), Error> {
    let TxCommand::Transfer {
        from,
        to,
        amount,
        tip,
        allow_death,
        rpc_url,
        keystore_path,
        no_wait,
        json: as_json,
    } = command;
    let pair = signer(&from, keystore_path)?;
    let sender = AccountId32::from(pair.public());
    let dest: AccountId32 = to
        .parse()
        .map_err(|e| Error::Input(format!("invalid recipient `{to}`: {e}")))?;

    let client = WsClientBuilder::default()
        .request_timeout(Duration::from_secs(30))
        .build(&rpc_url)
        .await
        .map_err(|e| Error::Node(format!("cannot connect to {rpc_url}: {e}")))?;
    let genesis: H256 = client
        .request("chain_getBlockHash", rpc_params![0])
        .await
        .map_err(rpc_error)?;
    let version: RuntimeVersion = client
        .request("state_getRuntimeVersion", rpc_params![])
        .await
        .map_err(rpc_error)?;
    let nonce: u32 = client
        .request("system_accountNextIndex", rpc_params![sender.to_string()])
        .await
        .map_err(rpc_error)?;
    let finalized: H256 = client
        .request("chain_getFinalizedHead", rpc_params![])
        .await
        .map_err(rpc_error)?;
    let finalized_header: Header = client
        .request("chain_getHeader", rpc_params![finalized])
        .await
        .map_err(rpc_error)?;

    let call = RuntimeCall::Balances(if allow_death {
        BalancesCall::transfer {
            dest: dest.into(),
            value: amount,
        }
    } else {
        BalancesCall::transfer_keep_alive {
            dest: dest.into(),
            value: amount,
        }
    });
    let extra = SignedExtra {
        era: Era::mortal(ERA_PERIOD, u64::from(finalized_header.number)),
        nonce,
        tip,
    };
    let additional = AdditionalSigned {
        spec_version: version.spec_version,
        transaction_version: version.transaction_version,
        genesis_hash: genesis,
        era_block_hash: finalized,
    };
    let xt = UncheckedExtrinsic::sign(call, &pair, extra, &additional);
    let encoded = xt.encode();
    let hash = xt.hash();
    let length = encoded.len();

    if no_wait {
        let submitted: H256 = client
            .request("author_submitExtrinsic", rpc_params![Bytes(encoded)])
            .await
            .map_err(rpc_error)?;
        println!(
            "{}",
            if as_json {
                json!({ "hash": submitted }).to_string()
            } else {
                format!("Submitted {submitted:#}")
            }
        );
        return Ok(());
    }

    let mut updates: Subscription<Value> = client
        .subscribe(
            "author_submitAndWatchExtrinsic",
            rpc_params![Bytes(encoded.clone())],
            "author_unwatchExtrinsic",
        )
        .await
        .map_err(rpc_error)?;
    if !as_json {
        eprintln!("Submitted {hash:#} (nonce {nonce}, {length} bytes)");
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
                if !as_json {
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

    let outcome = outcome(&client, block, &encoded).await?;
    let header: Header = client
        .request("chain_getHeader", rpc_params![block])
        .await
        .map_err(rpc_error)?;
    if as_json {
        let value = json!({
            "hash": hash,
            "block": block,
            "blockNumber": header.number,
            "length": length,
            "fee": outcome.fee.to_string(),
            "success": outcome.error.is_none(),
            "error": outcome.error,
        });
        println!("{value}");
    } else {
        println!("Transfer of {amount} from {sender} to {dest}");
        println!("  extrinsic {hash:#}");
        println!("  finalized in block #{} ({block:#})", header.number);
        println!("  fee {}", outcome.fee);
        if let Some(error) = &outcome.error {
            println!("  FAILED: {error}");
        }
    }
    match outcome.error {
        Some(error) => Err(Error::Node(format!("the transfer failed: {error}"))),
        None => Ok(()),
    }
}

struct Outcome {
    fee: u128,
    error: Option<String>,
}

/// Reads the extrinsic's events from the block that included it.
async fn outcome(client: &impl ClientT, block: H256, encoded: &[u8]) -> Result<Outcome, Error> {
    let signed: Value = client
        .request("chain_getBlock", rpc_params![block])
        .await
        .map_err(rpc_error)?;
    let ours = format!("0x{}", hex::encode(encoded));
    let index = signed["block"]["extrinsics"]
        .as_array()
        .and_then(|xts| xts.iter().position(|x| x.as_str() == Some(ours.as_str())))
        .ok_or_else(|| Error::Node("the block does not hold the transaction".into()))?
        as u32;
    let key = Bytes(cpc_pallet_system::Events::<cpc_runtime::Runtime>::hashed_key().to_vec());
    let raw: Option<Bytes> = client
        .request("state_getStorage", rpc_params![key, block])
        .await
        .map_err(rpc_error)?;
    let records: Vec<EventRecord<RuntimeEvent, H256>> = raw
        .map(|bytes| Decode::decode(&mut &bytes[..]))
        .transpose()
        .map_err(|e| Error::Node(format!("cannot decode the block's events: {e}")))?
        .unwrap_or_default();
    let mut outcome = Outcome {
        fee: 0,
        error: None,
    };
    for record in records
        .into_iter()
        .filter(|r| r.phase == Phase::ApplyExtrinsic(index))
    {
        match record.event {
            RuntimeEvent::Balances(BalancesEvent::TransactionFeePaid { actual_fee, .. }) => {
                outcome.fee = actual_fee
            }
            RuntimeEvent::System(SystemEvent::ExtrinsicFailed { dispatch_error, .. }) => {
                outcome.error = Some(format!("{dispatch_error:?}"));
            }
            _ => {}
        }
    }
    Ok(outcome)
}
