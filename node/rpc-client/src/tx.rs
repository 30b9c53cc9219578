//! `tx transfer`: sign a transfer, submit it over RPC and follow it to finality.

use crate::{
    Error,
    args::TxCommand,
    wallet::{Wallet, signer},
};
use codec::Encode;
use cpc_crypto::AccountId32;
use cpc_pallet_balances::Call as BalancesCall;
use cpc_runtime::RuntimeCall;
use serde_json::json;

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

    let wallet = Wallet::connect(&rpc_url).await?;
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
    let signed = wallet.sign(&pair, call.encode(), tip).await?;

    if no_wait {
        let submitted = wallet.submit(&signed).await?;
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

    let included = wallet.submit_and_watch(&signed, as_json).await?;
    if as_json {
        let value = json!({
            "hash": signed.hash,
            "block": included.block,
            "blockNumber": included.number,
            "length": signed.encoded.len(),
            "fee": included.fee.to_string(),
            "success": included.error.is_none(),
            "error": included.error,
        });
        println!("{value}");
    } else {
        println!("Transfer of {amount} from {sender} to {dest}");
        println!("  extrinsic {:#}", signed.hash);
        println!(
            "  finalized in block #{} ({:#})",
            included.number, included.block
        );
        println!("  fee {}", included.fee);
        if let Some(error) = &included.error {
            println!("  FAILED: {error}");
        }
    }
    match included.error {
        Some(error) => Err(Error::Node(format!("the transfer failed: {error}"))),
        None => Ok(()),
    }
}
