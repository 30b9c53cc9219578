//! End-to-end latency of cross-chain transfers on a running main chain and sidechain with a
//! relayer between them (`scripts/iot-testnet.sh start`): each transfer is signed and
//! submitted on the source, and timed until its receipt is in the destination's **finalized**
//! state (the beneficiary can spend it). Transfers go one at a time, alternating directions
//! unless `--direction` says otherwise; p50, p99 and the maximum are printed per direction,
//! and in periods of the slower chain (the goal: p50 within 3).
//!
//! `cpc-xchain-latency --main-rpc ws://127.0.0.1:9944 --side-rpc ws://127.0.0.1:9954
//! --count 40` (Eve sends; she needs funds on both chains and wrapped CPC on the sidechain for
//! side → main, which the main → side transfers give her).

use clap::Parser;
use codec::Encode;
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{AccountId, H256};
use cpc_rpc_client::Wallet;
use cpc_sidechain_primitives::xchain::{ChainRef, crosschain_api};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
struct Args {
    /// The main chain's WebSocket RPC address.
    #[arg(long, default_value = "ws://127.0.0.1:9944")]
    main_rpc: String,
    /// The sidechain's WebSocket RPC address.
    #[arg(long, default_value = "ws://127.0.0.1:9954")]
    side_rpc: String,
    /// The channel (the sidechain's id).
    #[arg(long, default_value_t = 0)]
    channel: u32,
    /// Transfers to time.
    #[arg(long, default_value_t = 40)]
    count: u32,
    /// `both` (alternating), `main-to-side` or `side-to-main`.
    #[arg(long, default_value = "both")]
    direction: String,
    /// The slower chain's block period, in milliseconds.
    #[arg(long, default_value_t = 1_000)]
    period_ms: u64,
}

/// Sends one transfer on `source` and waits until `dest` has its receipt finalized.
async fn one(
    source: &Wallet,
    dest: &Wallet,
    eve: &Pair,
    channel: u32,
    from_main: bool,
) -> Result<Duration, String> {
    let e = |e: cpc_rpc_client::Error| e.to_string();
    let view = source
        .runtime_call::<crosschain_api::channels>((channel, 1u32), None)
        .await
        .map_err(e)?
        .into_iter()
        .next()
        .ok_or("the channel is not open")?;
    let known = view
        .counterpart_height
        .ok_or("the source knows no destination height")?;
    let call = cpc_pallet_crosschain_transfer::Call::transfer_out {
        channel,
        beneficiary: AccountId::from(eve.public()),
        // Main → side sends 10 CPC; side → main returns 1 of them (wrapped).
        asset: ChainRef::Main,
        amount: if from_main {
            10_000_000_000_000
        } else {
            1_000_000_000_000
        },
        relay_fee: 1_000_000,
        timeout: known + 1_200,
    };
    let encoded = if from_main {
        cpc_runtime::RuntimeCall::CrosschainTransfer(call).encode()
    } else {
        cpc_runtime_sidechain::RuntimeCall::CrosschainTransfer(call).encode()
    };
    let nonce = view.channel.next_nonce;
    let signed = source.sign(eve, encoded, 0).await.map_err(e)?;
    let started = Instant::now();
    source.submit(&signed).await.map_err(e)?;
    let deadline = started + Duration::from_secs(120);
    loop {
        let finalized: H256 = dest.finalized().await.map_err(e)?;
        let receipt = dest
            .runtime_call::<crosschain_api::receipt>((channel, nonce), Some(finalized))
            .await
            .map_err(e)?;
        if receipt.is_some() {
            return Ok(started.elapsed());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "message {channel}/{nonce} not received within two minutes"
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn report(name: &str, mut samples: Vec<Duration>, period_ms: u64) {
    if samples.is_empty() {
        return;
    }
    samples.sort();
    let at = |q: usize| samples[((samples.len() - 1) * q) / 100];
    let ms = |d: Duration| d.as_millis();
    let periods = |d: Duration| {
        let tenths = d.as_millis() * 10 / u128::from(period_ms.max(1));
        format!("{}.{}", tenths / 10, tenths % 10)
    };
    println!(
        "{name}: {} transfers, p50 {} ms ({} periods), p99 {} ms ({} periods), max {} ms",
        samples.len(),
        ms(at(50)),
        periods(at(50)),
        ms(at(99)),
        periods(at(99)),
        ms(samples[samples.len() - 1]),
    );
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let main = Wallet::connect(&args.main_rpc)
        .await
        .map_err(|e| e.to_string())?;
    let side = Wallet::connect(&args.side_rpc)
        .await
        .map_err(|e| e.to_string())?;
    let (eve, _) = Pair::from_suri("//Eve").map_err(|e| format!("{e:?}"))?;
    let mut to_side = Vec::new();
    let mut to_main = Vec::new();
    for i in 0..args.count {
        let from_main = match args.direction.as_str() {
            "main-to-side" => true,
            "side-to-main" => false,
            _ => i % 2 == 0,
        };
        let took = if from_main {
            one(&main, &side, &eve, args.channel, true).await?
        } else {
            one(&side, &main, &eve, args.channel, false).await?
        };
        if from_main {
            to_side.push(took);
        } else {
            to_main.push(took);
        }
    }
    report("main → side", to_side, args.period_ms);
    report("side → main", to_main, args.period_ms);
    Ok(())
}
