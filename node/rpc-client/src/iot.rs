//! `cpchain iot register-device|readings|verify|simulate`: IoT devices and their readings on a
//! sidechain, and checking a reading against the main chain.
//!
//! - `register-device` registers a device key (from a secret URI) for its owner.
//! - `readings` lists a device's indexed readings (`iot_readings`).
//! - `verify` checks a reading proof (`iot_readingProof`) against the sidechain state root the
//!   main chain anchored at the proof's height, with main-chain RPC only: reading → sidechain
//!   state root → anchored on main.
//! - `simulate` runs N devices with keys derived from a seed, registered by an owner, whose
//!   signed readings a gateway submits in batches at a given rate; it prints readings per
//!   second submitted and finalized.

use crate::{
    Error,
    args::IotCommand,
    wallet::{Wallet, rpc_error, signer},
};
use codec::{Decode, Encode};
use cpc_crypto::sr25519::Pair;
use cpc_primitives::Moment;
use cpc_runtime_sidechain::RuntimeCall;
use cpc_sidechain_primitives::{
    iot::{
        DeviceId, ReadingProof, ReadingsRoot, SignedReading, iot_devices_api, registration_payload,
        verify_reading_proof,
    },
    sidechain_registry_api,
};
use cpc_support::BoundedVec;
use jsonrpsee::{core::client::ClientT, rpc_params};
use serde_json::{Value, json};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Runs an IoT command.
pub async fn iot(command: IotCommand) -> Result<(), Error> {
    match command {
        IotCommand::RegisterDevice {
            device,
            metadata,
            from,
            wallet,
        } => {
            let side = Wallet::connect(&wallet.rpc_url).await?;
            let owner = signer(&from, wallet.keystore_path)?;
            let key = device_pair(&device)?;
            let id = register_devices(&side, &owner, &[key], metadata.as_deref()).await?;
            if wallet.json {
                println!("{}", json!({ "device": id[0] }));
            } else {
                println!("Registered device {}", id[0]);
            }
            Ok(())
        }
        IotCommand::Readings {
            device,
            from_ms,
            to_ms,
            limit,
            wallet,
        } => {
            let side = Wallet::connect(&wallet.rpc_url).await?;
            let readings: Value = side
                .rpc
                .request("iot_readings", rpc_params![device, from_ms, to_ms, limit])
                .await
                .map_err(rpc_error)?;
            if wallet.json {
                println!("{readings}");
            } else {
                for r in readings.as_array().into_iter().flatten() {
                    println!(
                        "#{} [{}] seq {} at {} ms: {}",
                        r["block"], r["index"], r["seq"], r["timestamp"], r["payload"]
                    );
                }
            }
            Ok(())
        }
        IotCommand::Verify {
            proof,
            sidechain_id,
            wallet,
        } => {
            let proof = read_proof(&proof)?;
            let main = Wallet::connect(&wallet.rpc_url).await?;
            let anchored = main
                .runtime_call::<sidechain_registry_api::anchored>((sidechain_id, proof.at), None)
                .await?
                .ok_or_else(|| {
                    Error::Node(format!(
                        "main has no anchored header #{} of sidechain {sidechain_id} (not anchored yet, or no longer kept)",
                        proof.at
                    ))
                })?;
            let verdict = verify_reading_proof(&anchored.state_root, &proof);
            let r = &proof.reading.reading;
            let summary = json!({
                "verified": verdict.is_ok(),
                "error": verdict.as_ref().err().map(|e| e.to_string()),
                "sidechain": sidechain_id,
                "device": r.device,
                "seq": r.seq,
                "timestamp": r.timestamp,
                "payload": format!("0x{}", hex::encode(&r.payload[..])),
                "block": proof.block,
                "index": proof.index,
                "anchoredAt": proof.at,
                "anchoredHash": format!("{:#}", anchored.hash),
                "stateRoot": format!("{:#}", anchored.state_root),
            });
            if wallet.json {
                println!("{summary}");
            } else if verdict.is_ok() {
                println!(
                    "Verified: device {} reading {} of sidechain {sidechain_id} block #{} (index {}), under the state root of #{} anchored on main ({:#})",
                    r.device, r.seq, proof.block, proof.index, proof.at, anchored.hash
                );
            }
            verdict
                .map(|_| ())
                .map_err(|e| Error::Node(format!("the reading does not verify against main: {e}")))
        }
        IotCommand::Simulate(args) => simulate(args).await,
    }
}

/// The proof from `--proof`: hex, or `@file` holding hex.
fn read_proof(arg: &str) -> Result<ReadingProof, Error> {
    let text = match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)?,
        None => arg.to_string(),
    };
    let bytes = hex::decode(text.trim().trim_start_matches("0x"))
        .map_err(|e| Error::Input(format!("the proof is not hex: {e}")))?;
    ReadingProof::decode(&mut &bytes[..])
        .map_err(|e| Error::Input(format!("the proof does not decode: {e}")))
}

fn device_pair(suri: &str) -> Result<Pair, Error> {
    Pair::from_suri(suri)
        .map(|(pair, _)| pair)
        .map_err(|e| Error::Input(format!("device key: {e}")))
}

/// Registers `keys` for `owner` (submitted together, nonces in a row) and waits until every
/// one is on chain; returns their ids.
async fn register_devices(
    side: &Wallet,
    owner: &Pair,
    keys: &[Pair],
    metadata: Option<&str>,
) -> Result<Vec<DeviceId>, Error> {
    let owner_account = cpc_primitives::AccountId::new(owner.public().0);
    let chain = side.genesis;
    let metadata = BoundedVec::try_from_vec(metadata.unwrap_or_default().as_bytes().to_vec())
        .map_err(|_| Error::Input("device metadata is longer than 128 bytes".into()))?;
    let mut pending = Vec::new();
    let mut nonce = None;
    for key in keys {
        if device_id(side, key).await?.is_some() {
            continue;
        }
        let call = RuntimeCall::IotDevices(cpc_pallet_iot_devices::Call::register_device {
            key: key.public(),
            metadata: metadata.clone(),
            proof: key.sign(&registration_payload(&chain, &owner_account)),
        });
        let signed = match nonce {
            Some(n) => side.sign_with_nonce(owner, call.encode(), 0, n).await?,
            None => side.sign(owner, call.encode(), 0).await?,
        };
        nonce = Some(signed.nonce + 1);
        pending.push(side.submit(&signed).await?);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut ids = Vec::new();
    for key in keys {
        loop {
            if let Some(id) = device_id(side, key).await? {
                ids.push(id);
                break;
            }
            if Instant::now() > deadline {
                return Err(Error::Node(format!(
                    "device {} was not registered within two minutes",
                    hex::encode(key.public().0)
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(ids)
}

/// The id of the device with `key`, if registered (`IotDevices.DeviceByKey`).
async fn device_id(side: &Wallet, key: &Pair) -> Result<Option<DeviceId>, Error> {
    let storage_key = cpc_pallet_iot_devices::DeviceByKey::hashed_key(&key.public());
    Ok(side
        .storage(&storage_key, None)
        .await?
        .and_then(|raw| DeviceId::decode(&mut &raw[..]).ok()))
}

fn now_ms() -> Moment {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Moment)
        .unwrap_or_default()
}

async fn block_hash(side: &Wallet, n: u32) -> Result<cpc_primitives::H256, Error> {
    let hash: Option<cpc_primitives::H256> = side
        .rpc
        .request("chain_getBlockHash", rpc_params![n])
        .await
        .map_err(rpc_error)?;
    hash.ok_or_else(|| Error::Node(format!("the node has no block #{n}")))
}

/// The timestamp block `hash` set (0 if it has none).
async fn block_timestamp(side: &Wallet, hash: cpc_primitives::H256) -> Result<Moment, Error> {
    let raw = side
        .storage(&cpc_pallet_timestamp::Now::hashed_key(), Some(hash))
        .await?;
    Ok(raw
        .and_then(|v| Moment::decode(&mut &v[..]).ok())
        .unwrap_or_default())
}

/// Most readings `cpchain iot simulate` keeps signed ahead (about 30 MB of readings).
const MAX_SIGNED_AHEAD: u64 = 250_000;
/// Seconds of readings `cpchain iot simulate` keeps signed ahead, at most.
const SIGN_AHEAD_SECS: u64 = 60;

/// `cpchain iot simulate`.
async fn simulate(args: crate::args::SimulateArgs) -> Result<(), Error> {
    if args.devices == 0 {
        return Err(Error::Input("--devices must be at least 1".into()));
    }
    let side = Wallet::connect(&args.rpc_url).await?;
    let owner = signer(&args.owner, args.keystore_path.clone())?;
    let gateway = signer(&args.gateway, args.keystore_path.clone())?;
    let keys: Vec<Pair> = (0..args.devices)
        .map(|i| device_pair(&format!("{}//device//{i}", args.seed)))
        .collect::<Result<_, _>>()?;
    eprintln!("Registering {} devices…", keys.len());
    let ids = register_devices(&side, &owner, &keys, Some("simulated")).await?;
    let chain = side.genesis;
    let batch_size = args
        .batch
        .clamp(1, cpc_sidechain_primitives::iot::MAX_BATCH);
    // Sequence numbers from the clock: strictly increasing across runs of the simulator.
    let mut seq = now_ms() * 1_000;
    // At least a microsecond: a zero period is not a period (and tokio refuses it).
    let interval =
        Duration::from_micros((u64::from(batch_size) * 1_000_000 / args.rate.max(1)).max(1));
    // Readings are signed ahead by a thread of their own, as a fleet's devices sign their own
    // readings: the gateway only carries them. Up to a minute of readings (at most
    // MAX_SIGNED_AHEAD) is signed before the clock starts, so a benchmark run's signing does
    // not compete with the node for this machine's cores, and the signer stays that far ahead
    // of the gateway for longer runs.
    let total_batches = args
        .rate
        .max(1)
        .saturating_mul(args.duration)
        .div_ceil(u64::from(batch_size));
    let ahead = total_batches
        .min(args.rate.max(1).saturating_mul(SIGN_AHEAD_SECS) / u64::from(batch_size))
        .min(MAX_SIGNED_AHEAD / u64::from(batch_size))
        .max(1);
    eprintln!("Signing {} readings ahead…", ahead * u64::from(batch_size));
    let devices = keys.len();
    let (batches_tx, mut batches) =
        tokio::sync::mpsc::channel::<Vec<SignedReading>>(ahead as usize);
    let (ready_tx, ready) = tokio::sync::oneshot::channel::<()>();
    let signer_thread = std::thread::spawn(move || {
        let mut ready_tx = Some(ready_tx);
        let mut next_device = 0usize;
        for n in 0..total_batches {
            // Distinct devices per batch, round robin.
            let batch = (0..batch_size as usize)
                .map(|_| {
                    let i = next_device % keys.len();
                    next_device += 1;
                    seq += 1;
                    let reading = cpc_sidechain_primitives::iot::Reading {
                        device: ids[i],
                        seq,
                        timestamp: now_ms(),
                        payload: BoundedVec::truncate_from(
                            format!("{{\"t\":{}}}", seq % 1000).into_bytes(),
                        ),
                    };
                    let signature = keys[i].sign(&reading.signing_payload(&chain));
                    SignedReading { reading, signature }
                })
                .collect();
            if batches_tx.blocking_send(batch).is_err() {
                return; // The run is over.
            }
            if n + 1 >= ahead
                && let Some(tx) = ready_tx.take()
            {
                let _ = tx.send(());
            }
        }
    });
    // Ready when `ahead` batches wait, or the signer stopped early (its sender dropped).
    let _ = ready.await;
    let start_block = side.header(Some(side.finalized().await?)).await?.number;
    let started = Instant::now();
    let mut submitted = 0u64;
    let mut nonce: Option<u32> = None;
    let mut ticker = tokio::time::interval(interval);
    while let Some(readings) = batches.recv().await {
        if started.elapsed() >= Duration::from_secs(args.duration) {
            break;
        }
        ticker.tick().await;
        let call = RuntimeCall::IotDevices(cpc_pallet_iot_devices::Call::submit_readings {
            readings: BoundedVec::truncate_from(readings),
        });
        let signed = match nonce {
            Some(n) => side.sign_with_nonce(&gateway, call.encode(), 0, n).await?,
            None => side.sign(&gateway, call.encode(), 0).await?,
        };
        nonce = Some(signed.nonce + 1);
        match side.submit(&signed).await {
            Ok(_) => submitted += u64::from(batch_size),
            Err(e) => eprintln!("a batch was refused: {e}"),
        }
    }
    let elapsed = started.elapsed();
    // The signer stops at its next send.
    drop(batches);
    let _ = signer_thread.join();
    // Wait for the pool to drain, then count what the chain committed.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let end_block = side.header(Some(side.finalized().await?)).await?.number;
    // Readings per second is what the chain sustained: the readings of the blocks finalized
    // since the run started, over the time those blocks span (their timestamps), so that the
    // drain after the last submission does not count as time the chain had.
    let mut finalized = 0u64;
    let mut span: Option<(Moment, Moment)> = None;
    let first_parent = block_hash(&side, start_block).await?;
    let start_time = block_timestamp(&side, first_parent).await?;
    for n in start_block + 1..=end_block {
        let hash = block_hash(&side, n).await?;
        let root = side
            .runtime_call::<iot_devices_api::readings_root>((n,), Some(hash))
            .await?
            .unwrap_or(ReadingsRoot::default());
        if root.count > 0 {
            finalized += u64::from(root.count);
            let at = block_timestamp(&side, hash).await?;
            span = Some((span.map_or(start_time, |s| s.0), at));
        }
    }
    let millis = (elapsed.as_millis() as u64).max(1);
    let chain_millis = span.map_or(0, |(from, to)| to.saturating_sub(from)).max(1);
    let report = json!({
        "devices": devices,
        "batch": batch_size,
        "millis": millis,
        "submitted": submitted,
        "finalized": finalized,
        "submittedPerSecond": submitted * 1000 / millis,
        "finalizedPerSecond": finalized * 1000 / chain_millis,
        "chainMillis": chain_millis,
        "blocks": end_block - start_block,
    });
    println!("{report}");
    Ok(())
}
