//! The sync benchmark: how fast a fresh node catches up with a peer over loopback.
//!
//! `cpc-syncbench [--blocks N] [--transfers T[,T..]] [--cpchain PATH] [--port-base B]`
//!
//! For each `T` (default `0,100`): builds a chain of `N` (default 10,000) finalized blocks of
//! `T` transfers each, in-process with the node's own block building and LBFT finalization
//! (a one-validator committee `//V0` signs each commit certificate), writes it where a node
//! keeps its database, starts a `cpchain` process serving it, then a second, fresh `cpchain`
//! process whose only peer is the first, and times until that one has finalized all `N`
//! blocks: every block is executed and every certificate checked, as sync always does.
//!
//! It reports the rate from the first block synced to the last (the fresh node starts asking
//! once its finality has stalled: a few seconds after start), the whole time from start, and
//! the syncing node's CPU and largest resident memory. Release binaries by default.

use codec::Encode;
use cpc_benches::testnet::{
    Nodes, SENDERS, args_or_exit, chain_spec, cpu_time, finalized, generate_node_key, pair,
    percent, resident_kib,
};
use cpc_client::chain_spec::ChainSpec;
use cpc_consensus::{Certificate, Chain, SignedVote, Vote, VoteKind};
use cpc_primitives::{
    Era, MultiAddress, OpaqueExtrinsic, SignedExtra, UncheckedExtrinsic,
    extrinsic::AdditionalSigned, transaction_validity::TransactionSource,
};
use cpc_runtime::{RuntimeCall, VERSION};
use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

const PERIOD_MS: u64 = 1_000;

struct Args {
    blocks: u32,
    transfers: Vec<u32>,
    cpchain: PathBuf,
    port_base: u16,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        blocks: 10_000,
        transfers: vec![0, 100],
        cpchain: PathBuf::from("target/release/cpchain"),
        port_base: 43_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--blocks" => args.blocks = value()?.parse().map_err(|e| format!("{e}"))?,
            "--transfers" => {
                args.transfers = value()?
                    .split(',')
                    .map(|n| n.trim().parse().map_err(|e| format!("--transfers: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--cpchain" => args.cpchain = PathBuf::from(value()?),
            "--port-base" => args.port_base = value()?.parse().map_err(|e| format!("{e}"))?,
            "--help" | "-h" => {
                return Err("cpc-syncbench [--blocks N] [--transfers T[,T..]] [--cpchain PATH] [--port-base B]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.blocks == 0 {
        return Err("--blocks must be at least 1".into());
    }
    Ok(args)
}

/// Builds and finalizes `blocks` blocks of `transfers` transfers each into the database of a
/// node whose base path is `base`, as a validator of the one-member committee would.
fn generate(spec: &ChainSpec, base: &Path, blocks: u32, transfers: u32) -> Result<(), String> {
    let db = base.join("chains").join(&spec.id).join("db");
    let client = cpc_service::service::open_client(
        spec,
        &db,
        Default::default(),
        "wasm",
        Default::default(),
    )
    .map_err(|e| e.to_string())?;
    let pool = Arc::new(cpc_txpool::Pool::new(
        Arc::new(cpc_service::pool::PoolApi::new(client.clone())),
        cpc_txpool::PoolConfig::default(),
    ));
    let validator = pair("//V0");
    let mut chain = cpc_service::lbft::ClientChain::new(
        client.clone(),
        pool.clone(),
        Duration::from_millis(PERIOD_MS),
        PERIOD_MS,
    )?
    .with_key(Some(validator.clone()));
    let genesis = client.info().genesis_hash;
    let senders: Vec<_> = (0..SENDERS)
        .map(|i| pair(&format!("//Sender{i}")))
        .collect();
    let additional = AdditionalSigned::immortal(&VERSION, genesis);
    let mut nonces = vec![0u32; SENDERS];
    let started = Instant::now();
    for height in 1..=blocks {
        for k in 0..transfers as usize {
            let from = (height as usize * transfers as usize + k) % SENDERS;
            let call = RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_keep_alive {
                dest: MultiAddress::Id(cpc_benches::testnet::account(
                    &senders[(from + 1) % SENDERS],
                )),
                value: 1_000_000_000,
            });
            let extra = SignedExtra {
                era: Era::Immortal,
                nonce: nonces[from],
                tip: 0,
            };
            nonces[from] += 1;
            let xt = UncheckedExtrinsic::sign(call, &senders[from], extra, &additional);
            let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).map_err(|e| e.to_string())?;
            pool.submit(TransactionSource::External, opaque)
                .map_err(|e| format!("transfer refused by the pool: {e}"))?;
        }
        let block = Chain::build(&mut chain, height).ok_or("no block built")?;
        // The timestamp inherent, then the transfers.
        if block.extrinsics.len() != transfers as usize + 1 {
            return Err(format!(
                "block #{height} holds {} extrinsics, {} expected",
                block.extrinsics.len(),
                transfers + 1
            ));
        }
        let hash = block.hash();
        let vote = Vote {
            kind: VoteKind::Commit,
            height,
            round: 0,
            hash,
        };
        let certificate = Certificate {
            kind: VoteKind::Commit,
            height,
            round: 0,
            hash,
            signatures: vec![(0, SignedVote::sign(vote, 0, &validator, &genesis).signature)],
        };
        let extrinsics = block.extrinsics.clone();
        chain.finalize(block, certificate)?;
        pool.maintain(hash, height, &extrinsics, true);
        if height % 1_000 == 0 {
            eprintln!(
                "  built and finalized #{height} in {:.0?}",
                started.elapsed()
            );
        }
    }
    client.db().flush().map_err(|e| e.to_string())
}

/// Starts `cpchain` on `base` (chain `spec`), listening on `port`, its RPC on `rpc`.
fn start(
    args: &Args,
    spec: &Path,
    base: &Path,
    port: u16,
    rpc: u16,
    bootnode: Option<&str>,
) -> Result<(std::process::Child, String), String> {
    std::fs::create_dir_all(base).map_err(|e| e.to_string())?;
    let key = base.join("node-key");
    let peer = generate_node_key(&args.cpchain, &key)?;
    let log = std::fs::File::create(base.join("node.log")).map_err(|e| e.to_string())?;
    let mut command = Command::new(&args.cpchain);
    command
        .arg("--chain")
        .arg(spec)
        .arg("--base-path")
        .arg(base)
        .args(["--no-mdns", "--no-prometheus"])
        .args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{port}")])
        .arg("--node-key-file")
        .arg(&key)
        .args(["--rpc-port", &rpc.to_string()]);
    if let Some(boot) = bootnode {
        command.args(["--bootnodes", boot]);
    }
    let child = command
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", args.cpchain.display()))?;
    Ok((child, format!("/ip4/127.0.0.1/tcp/{port}/p2p/{peer}")))
}

/// Waits until the node on `rpc` has finalized `height`, at most `limit`; calls `sample` on
/// every poll with the height seen.
fn wait_for(
    rpc: u16,
    height: u32,
    limit: Duration,
    mut sample: impl FnMut(u32),
) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let seen = finalized(rpc).map(|(n, _)| n).unwrap_or(0);
        sample(seen);
        if seen >= height {
            return Ok(());
        }
        if started.elapsed() > limit {
            return Err(format!(
                "the node on RPC port {rpc} finalized #{seen} of #{height} in {limit:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(args: &Args, transfers: u32, port_base: u16) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let spec_path = dir.path().join("spec.json");
    let spec_json = chain_spec(1, PERIOD_MS).to_string();
    std::fs::write(&spec_path, &spec_json).map_err(|e| e.to_string())?;
    let spec = ChainSpec::from_json(spec_json.as_bytes()).map_err(|e| e.to_string())?;
    let serving = dir.path().join("serving");
    eprintln!("building {} blocks of {transfers} transfers", args.blocks);
    let generating = Instant::now();
    generate(&spec, &serving, args.blocks, transfers)?;
    let generated = generating.elapsed();

    let mut nodes = Nodes::default();
    let (rpc_a, rpc_b) = (port_base + 1000, port_base + 1001);
    let (child, boot) = start(args, &spec_path, &serving, port_base, rpc_a, None)?;
    nodes.0.push(child);
    wait_for(rpc_a, args.blocks, Duration::from_secs(60), |_| {})
        .map_err(|e| format!("the serving node: {e}"))?;

    let syncing_path = dir.path().join("syncing");
    let started = Instant::now();
    let (child, _) = start(
        args,
        &spec_path,
        &syncing_path,
        port_base + 1,
        rpc_b,
        Some(&boot),
    )?;
    let pid = child.id();
    nodes.0.push(child);
    let mut first: Option<(Instant, u32)> = None;
    let mut rss_max = 0u64;
    let mut last_rss = Instant::now();
    let limit = Duration::from_secs(60 + u64::from(args.blocks) / 10);
    let waited = wait_for(rpc_b, args.blocks, limit, |seen| {
        if seen > 0 && first.is_none() {
            first = Some((Instant::now(), seen));
        }
        if last_rss.elapsed() > Duration::from_millis(500) {
            last_rss = Instant::now();
            rss_max = rss_max.max(resident_kib(pid).unwrap_or(0));
        }
    });
    let total = started.elapsed();
    let cpu = cpu_time(pid).unwrap_or_default();
    if let Err(e) = waited {
        let logs = dir.keep();
        return Err(format!("{e}; logs in {}", logs.display()));
    }
    let (first_at, first_height) = first.unwrap_or((started, 0));
    let syncing = Instant::now().duration_since(first_at);
    let synced = args.blocks - first_height;
    println!(
        "blocks={} transfers_per_block={} built_in_s={} first_block_after_ms={} sync_blocks_per_s={} sync_transfers_per_s={} total_s={} syncing_node_cpu_pct={} syncing_node_rss_max_mib={}",
        args.blocks,
        transfers,
        generated.as_secs(),
        first_at.duration_since(started).as_millis(),
        u128::from(synced) * 1_000 / syncing.as_millis().max(1),
        u128::from(synced) * u128::from(transfers) * 1_000 / syncing.as_millis().max(1),
        total.as_secs(),
        percent(cpu, total),
        rss_max / 1024,
    );
    Ok(())
}

fn main() {
    let args = args_or_exit(parse_args());
    for (i, &transfers) in args.transfers.iter().enumerate() {
        if let Err(e) = run(&args, transfers, args.port_base + 10 * i as u16) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
