//! `upgrade check|propose|vote`: runtime upgrades from the operator's side.
//!
//! `check` asks the node two questions about new code, on the state of one block, and changes
//! nothing:
//! 1. would `set_code` accept it? The current runtime answers (`UpgradeDryRunApi_check_code`, the same
//!    checks `set_code` runs, through the node's executor);
//! 2. what do its migrations do? The new code runs every pallet's `on_runtime_upgrade` and the
//!    invariant checks (`UpgradeDryRunApi_on_runtime_upgrade` through `dev_callWithCode`); a migration
//!    that panics is reported with its message.
//!
//! `propose` runs the check, then submits `set_code` through the sudo key or as a council
//! proposal; `vote` votes on a proposal.

use crate::{
    Error,
    args::{UpgradeCommand, WalletArgs},
    wallet::{Included, Wallet, rpc_error, signer},
};
use codec::{Decode, Encode};
use cpc_api::{Method, UpgradeReport, upgrade_dry_run_api};
use cpc_pallet_governance::{Call as GovernanceCall, Event as GovernanceEvent};
use cpc_pallet_system::{Call as SystemCall, Event as SystemEvent};
use cpc_primitives::{Bytes, H256};
use cpc_runtime::{RuntimeCall, RuntimeEvent};
use cpc_version::RuntimeVersion;
use jsonrpsee::{
    core::client::{ClientT, Error as RpcClientError},
    rpc_params,
    types::ErrorCode,
};
use serde_json::{Value, json};
use std::path::Path;

/// Picoseconds per microsecond, for weights.
const PS_PER_US: u64 = 1_000_000;

/// Runs an upgrade command.
pub async fn upgrade(command: UpgradeCommand) -> Result<(), Error> {
    match command {
        UpgradeCommand::Check {
            wasm,
            rpc_url,
            at,
            json,
        } => {
            let code = read_code(&wasm)?;
            let at = at.map(|h| parse_hash(&h)).transpose()?;
            let wallet = Wallet::connect(&rpc_url).await?;
            let report = check(&wallet, &code, at).await?;
            report.print(json);
            report.verdict()
        }
        UpgradeCommand::Propose {
            wasm,
            from,
            council,
            skip_check,
            wallet:
                WalletArgs {
                    rpc_url,
                    keystore_path,
                    json,
                },
        } => {
            let code = read_code(&wasm)?;
            let pair = signer(&from, keystore_path)?;
            let wallet = Wallet::connect(&rpc_url).await?;
            if !skip_check {
                let report = check(&wallet, &code, None).await?;
                if !json {
                    report.print(false);
                }
                report.verdict()?;
            }
            let set_code = Box::new(RuntimeCall::System(SystemCall::set_code { code }));
            let call = RuntimeCall::Governance(if council {
                GovernanceCall::propose { call: set_code }
            } else {
                GovernanceCall::sudo { call: set_code }
            });
            let signed = wallet.sign(&pair, call.encode(), 0).await?;
            let included = wallet.submit_and_watch(&signed, json).await?;
            if council {
                report_proposal(&included, json)
            } else {
                report_sudo(&wallet, &included, json).await
            }
        }
        UpgradeCommand::Vote {
            index,
            from,
            nay,
            wallet:
                WalletArgs {
                    rpc_url,
                    keystore_path,
                    json,
                },
        } => {
            let pair = signer(&from, keystore_path)?;
            let wallet = Wallet::connect(&rpc_url).await?;
            let call = RuntimeCall::Governance(GovernanceCall::vote {
                index,
                approve: !nay,
            });
            let signed = wallet.sign(&pair, call.encode(), 0).await?;
            let included = wallet.submit_and_watch(&signed, json).await?;
            report_proposal(&included, json)
        }
    }
}

fn read_code(path: &Path) -> Result<Vec<u8>, Error> {
    let code = std::fs::read(path)
        .map_err(|e| Error::Input(format!("cannot read {}: {e}", path.display())))?;
    if code.is_empty() {
        return Err(Error::Input(format!("{} is empty", path.display())));
    }
    Ok(code)
}

fn parse_hash(s: &str) -> Result<H256, Error> {
    serde_json::from_value(Value::String(s.into()))
        .map_err(|_| Error::Input(format!("`{s}` is not a 0x-prefixed block hash")))
}

/// The result of `upgrade check`.
struct CheckReport {
    code_hash: H256,
    size: usize,
    block: H256,
    number: u32,
    current: RuntimeVersion,
    /// `set_code`'s verdict: the new version, or why it would refuse the code.
    set_code: Result<RuntimeVersion, String>,
    /// The dry run of the migrations (when `set_code` would accept the code).
    migrations: Option<Result<UpgradeReport, String>>,
}

impl CheckReport {
    fn failure(&self) -> Option<String> {
        if let Err(why) = &self.set_code {
            return Some(format!("set_code would refuse the code: {why}"));
        }
        match &self.migrations {
            Some(Err(why)) => Some(format!("the migrations failed: {why}")),
            Some(Ok(report)) => report
                .try_state
                .as_ref()
                .err()
                .map(|why| format!("an invariant check failed after the migrations: {why}")),
            None => None,
        }
    }

    fn verdict(&self) -> Result<(), Error> {
        match self.failure() {
            Some(why) => Err(Error::Node(format!("upgrade check: {why}"))),
            None => Ok(()),
        }
    }

    fn print(&self, as_json: bool) {
        if as_json {
            println!("{}", self.json());
            return;
        }
        println!(
            "Runtime upgrade check: {} bytes, code hash {:#}",
            self.size, self.code_hash
        );
        println!(
            "  on block #{} ({:#}), running {} v{}",
            self.number, self.block, self.current.spec_name, self.current.spec_version
        );
        match &self.set_code {
            Ok(new) => println!(
                "  set_code: accepted, the new runtime is {} v{} (transaction_version {})",
                new.spec_name, new.spec_version, new.transaction_version
            ),
            Err(why) => println!("  set_code: REFUSED: {why}"),
        }
        match &self.migrations {
            None => {}
            Some(Err(why)) => println!("  migrations: FAILED: {why}"),
            Some(Ok(report)) => {
                let micros = report.weight.ref_time / PS_PER_US;
                println!(
                    "  migrations: ran, weight {}.{:03} ms",
                    micros / 1000,
                    micros % 1000
                );
                for (pallet, before, after, code) in &report.versions {
                    let change = if before == after {
                        "unchanged".to_string()
                    } else {
                        format!("{before} -> {after}")
                    };
                    let stale = if after != code {
                        " (BEHIND THE CODE)"
                    } else {
                        ""
                    };
                    println!(
                        "    {pallet:<12} storage version {change}, code expects {code}{stale}"
                    );
                }
                match &report.try_state {
                    Ok(()) => println!("  invariant checks: passed"),
                    Err(why) => println!("  invariant checks: FAILED: {why}"),
                }
            }
        }
        match self.failure() {
            None => println!("OK: the upgrade can be proposed"),
            Some(why) => println!("NOT OK: {why}"),
        }
    }

    fn json(&self) -> Value {
        let version = |v: &RuntimeVersion| {
            json!({
                "specName": v.spec_name,
                "specVersion": v.spec_version,
                "transactionVersion": v.transaction_version,
            })
        };
        let migrations = match &self.migrations {
            None => Value::Null,
            Some(Err(why)) => json!({ "error": why }),
            Some(Ok(report)) => json!({
                "weightRefTime": report.weight.ref_time,
                "versions": report.versions.iter().map(|(pallet, before, after, code)| json!({
                    "pallet": pallet, "before": before, "after": after, "code": code,
                })).collect::<Vec<_>>(),
                "tryState": match &report.try_state {
                    Ok(()) => Value::Null,
                    Err(why) => json!(why),
                },
            }),
        };
        json!({
            "ok": self.failure().is_none(),
            "error": self.failure(),
            "codeHash": self.code_hash,
            "size": self.size,
            "block": self.block,
            "blockNumber": self.number,
            "current": version(&self.current),
            "setCode": match &self.set_code {
                Ok(new) => json!({ "accepted": version(new) }),
                Err(why) => json!({ "refused": why }),
            },
            "migrations": migrations,
        })
    }
}

/// Dry-runs the upgrade to `code` on the state of `at` (the best block if `None`).
async fn check(wallet: &Wallet, code: &[u8], at: Option<H256>) -> Result<CheckReport, Error> {
    let block = match at {
        Some(block) => block,
        None => wallet
            .rpc
            .request("chain_getBlockHash", rpc_params![])
            .await
            .map_err(rpc_error)?,
    };
    let number = wallet.header(Some(block)).await?.number;
    let current = wallet.runtime_version(Some(block)).await?;

    let set_code = wallet
        .runtime_call::<upgrade_dry_run_api::check_code>((code,), Some(block))
        .await
        .map_err(|e| Error::Node(format!("the chain's runtime cannot check code: {e}")))?;

    let migrations = if set_code.is_ok() {
        let result: Result<Bytes, _> = wallet
            .rpc
            .request(
                "dev_callWithCode",
                rpc_params![
                    Bytes(code.to_vec()),
                    <upgrade_dry_run_api::on_runtime_upgrade as Method>::NAME,
                    Bytes((true,).encode()),
                    block
                ],
            )
            .await;
        Some(match result {
            Ok(output) => UpgradeReport::decode(&mut &output[..]).map_err(|_| {
                format!(
                    "the new code's {} returned something else",
                    <upgrade_dry_run_api::on_runtime_upgrade as Method>::NAME
                )
            }),
            Err(RpcClientError::Call(e)) if e.code() == ErrorCode::MethodNotFound.code() => {
                return Err(Error::Node(
                    "the node refuses dev_callWithCode: run the check against a node you operate \
                     (unsafe RPC methods are local-only by default, `--rpc-methods unsafe`)"
                        .into(),
                ));
            }
            Err(RpcClientError::Call(e)) => Err(e.message().to_string()),
            Err(e) => return Err(rpc_error(e)),
        })
    } else {
        None
    };
    Ok(CheckReport {
        code_hash: H256(cpc_primitives::hashing::blake2_256(code)),
        size: code.len(),
        block,
        number,
        current,
        set_code,
        migrations,
    })
}

/// Reports a sudo `set_code`: the inner call's result, then the version the next block runs.
async fn report_sudo(wallet: &Wallet, included: &Included, as_json: bool) -> Result<(), Error> {
    if let Some(error) = &included.error {
        return Err(Error::Node(format!("the sudo call failed: {error}")));
    }
    let inner = included.events.iter().find_map(|e| match e {
        RuntimeEvent::Governance(GovernanceEvent::Sudid { result }) => Some(*result),
        _ => None,
    });
    match inner {
        Some(Ok(())) => {}
        Some(Err(error)) => {
            let why = wallet.describe_error(&error, included.block).await;
            return Err(Error::Node(format!("set_code failed: {why}")));
        }
        None => {
            return Err(Error::Node(
                "the block's events do not show the sudo call's result".into(),
            ));
        }
    }
    let updated = included
        .events
        .iter()
        .any(|e| matches!(e, RuntimeEvent::System(SystemEvent::CodeUpdated)));
    if !updated {
        return Err(Error::Node("the code was not updated".into()));
    }
    let version = wallet.runtime_version(Some(included.block)).await?;
    if as_json {
        println!(
            "{}",
            json!({
                "block": included.block,
                "blockNumber": included.number,
                "specName": version.spec_name,
                "specVersion": version.spec_version,
                "enactedFrom": included.number + 1,
            })
        );
    } else {
        println!(
            "Code updated in block #{} ({:#}): blocks from #{} on run {} v{}",
            included.number,
            included.block,
            included.number + 1,
            version.spec_name,
            version.spec_version
        );
    }
    Ok(())
}

/// Reports a council proposal or vote from its events.
fn report_proposal(included: &Included, as_json: bool) -> Result<(), Error> {
    if let Some(error) = &included.error {
        return Err(Error::Node(format!("the council call failed: {error}")));
    }
    let mut out = serde_json::Map::new();
    out.insert("block".into(), json!(included.block));
    out.insert("blockNumber".into(), json!(included.number));
    for event in &included.events {
        let RuntimeEvent::Governance(event) = event else {
            continue;
        };
        match event {
            GovernanceEvent::Proposed {
                index,
                call_hash,
                end,
                ..
            } => {
                out.insert("proposal".into(), json!(index));
                out.insert("callHash".into(), json!(call_hash));
                out.insert("votingEnds".into(), json!(end));
                if !as_json {
                    println!(
                        "Proposal #{index} (call hash {call_hash:#}) made in block #{}; voting until block #{end}",
                        included.number
                    );
                    println!("  members vote with `cpchain upgrade vote {index} --from <member>`");
                }
            }
            GovernanceEvent::Voted {
                index,
                approve,
                ayes,
                nays,
                ..
            } => {
                out.insert("proposal".into(), json!(index));
                out.insert("ayes".into(), json!(ayes));
                out.insert("nays".into(), json!(nays));
                if !as_json {
                    let how = if *approve { "aye" } else { "nay" };
                    println!("Voted {how} on proposal #{index}: {ayes} ayes, {nays} nays");
                }
            }
            GovernanceEvent::Approved { index, enact_at } => {
                out.insert("approved".into(), json!(true));
                out.insert("enactAt".into(), json!(enact_at));
                if !as_json {
                    println!(
                        "Proposal #{index} approved: enacted at the start of block #{enact_at}"
                    );
                }
            }
            GovernanceEvent::Rejected { index } => {
                out.insert("rejected".into(), json!(true));
                if !as_json {
                    println!("Proposal #{index} rejected");
                }
            }
            _ => {}
        }
    }
    if !included.complete && !as_json {
        eprintln!(
            "note: some events of block #{} come from a runtime newer than this binary",
            included.number
        );
    }
    if as_json {
        println!("{}", Value::Object(out));
    }
    Ok(())
}
