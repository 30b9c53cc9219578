//! The running node.

use crate::{
    Error,
    args::RunArgs,
    authoring, chain_paths, chain_specs, informant, metrics,
    pool::{PoolApi, inherent_data, now_millis},
};
use cpc_client::{
    AcceptAll, Client, ClientConfig, ExecutionMode, chain_spec::ChainSpec, genesis::GenesisState,
};
use cpc_crypto::sr25519::Pair;
use cpc_data_market_primitives::{Order, OrderId, Product, ProductId, data_market_api};
use cpc_db::{ChainDb, DbConfig};
use cpc_executor::{NativeExecutor, WasmExecutor, WasmExecutorConfig};
use cpc_txpool::{Pool, PoolConfig};
use std::{
    net::{Ipv4Addr, SocketAddr},
    sync::{Arc, atomic::AtomicU64},
    time::Duration,
};

fn parse_execution(s: &str) -> Result<ExecutionMode, Error> {
    match s {
        "wasm" => Ok(ExecutionMode::Wasm),
        "native" => Ok(ExecutionMode::Native),
        "both" => Ok(ExecutionMode::Both),
        other => Err(Error::Input(format!(
            "unknown execution `{other}` (wasm, native or both)"
        ))),
    }
}

/// Opens the chain of `spec` at `db_path`: genesis, store and client.
pub fn open_client(
    spec: &ChainSpec,
    db_path: &std::path::Path,
    db_config: DbConfig,
    execution: &str,
    wasm_config: WasmExecutorConfig,
) -> Result<Arc<Client>, Error> {
    let execution = parse_execution(execution)?;
    // A block's fuel is a rule of its chain (its period), never an operator's setting.
    let wasm_config = WasmExecutorConfig {
        block_fuel: cpc_executor::fuel::block_fuel(spec.block_period_ms()),
        ..wasm_config
    };
    let wasm = Arc::new(WasmExecutor::new(wasm_config).map_err(Error::node)?);
    let runtime = crate::runtimes::of(spec)?;
    let code = runtime.code()?;
    let storage = cpc_client::genesis::build_genesis_storage(spec, wasm.as_ref(), code)
        .map_err(Error::Node)?;
    // The period genesis fixes (`System.BlockPeriod`, bound by the genesis hash) sizes the
    // blocks' weights; the spec's, which sizes their fuel and slots, must be the same.
    let period_key = cpc_primitives::storage::storage_prefix("System", "BlockPeriod");
    if let Some(raw) = storage.get(&period_key[..]) {
        let period = <u64 as codec::Decode>::decode(&mut &raw[..])
            .map_err(|e| Error::Node(format!("genesis System.BlockPeriod: {e}")))?;
        if period != spec.block_period_ms() {
            return Err(Error::Input(format!(
                "the chain spec's consensus.blockPeriodMs ({} ms) differs from the {period} ms its genesis state fixes",
                spec.block_period_ms()
            )));
        }
    }
    let genesis = GenesisState::from_storage(storage);
    std::fs::create_dir_all(db_path)?;
    let db = ChainDb::open(db_path, &db_config).map_err(Error::node)?;
    let native = Arc::new(NativeExecutor::new(
        runtime.dispatch,
        runtime.version.clone(),
        Some(wasm.clone() as Arc<dyn cpc_executor::RuntimeExecutor>),
    ));
    // LBFT chains accept a block only with a commit certificate of the committee in its
    // parent's state; the dev engine's single authority needs none.
    let verifier: Arc<dyn cpc_client::BlockVerifier> = match spec.consensus.engine.as_str() {
        "lbft" => Arc::new(crate::lbft::LbftVerifier {
            checkpoints: spec.checkpoints_by_number().map_err(Error::Input)?,
        }),
        _ => Arc::new(AcceptAll),
    };
    let config = ClientConfig {
        execution,
        inherent_data: Arc::new(|| inherent_data(now_millis())),
        verifier,
        code_substitutes: spec.code_substitutes_by_number().map_err(Error::Input)?,
    };
    let client =
        Client::new(Arc::new(db), wasm, Some(native), &genesis, config).map_err(Error::node)?;
    // A database already past a checkpoint must hold the checkpoint's block.
    for (number, trusted) in spec.checkpoints_by_number().map_err(Error::Input)? {
        if let Some(hash) = client.hash(number).map_err(Error::node)?
            && hash != trusted
        {
            return Err(Error::Input(format!(
                "the database holds block {hash:?} at #{number}, not the checkpoint {trusted:?}: \
                 it followed another certified history; purge the chain and sync again"
            )));
        }
    }
    Ok(Arc::new(client))
}

/// The session key this node runs LBFT with: `//Alice` on `--dev` chains, else the first key
/// in the keystore that belongs to the committee.
fn lbft_key(
    args: &RunArgs,
    keystores: &[std::path::PathBuf],
    client: &Client,
) -> Result<Pair, Error> {
    let committee =
        crate::lbft::committee_at(client, &client.info().finalized_hash).map_err(Error::Node)?;
    if args.shared.dev {
        let (pair, _) = Pair::from_suri("//Alice").map_err(|e| Error::Node(e.to_string()))?;
        return Ok(pair);
    }
    for keystore in keystores {
        for member in committee.members() {
            if let Some(pair) = cpc_keystore::get(keystore, member).map_err(Error::Node)? {
                return Ok(pair);
            }
        }
    }
    // Not in the committee: a proposer candidate proposes in the slots it is elected to.
    for keystore in keystores {
        if let Some(public) = cpc_keystore::list(keystore).first()
            && let Some(pair) = cpc_keystore::get(keystore, public).map_err(Error::Node)?
        {
            log::info!(
                target: "cpchain",
                "Key {} is not in the validator committee: proposing only when elected",
                hex::encode(public.0)
            );
            return Ok(pair);
        }
    }
    let searched: Vec<String> = keystores.iter().map(|k| k.display().to_string()).collect();
    Err(Error::Input(format!(
        "--validator: no key of the validator committee, and no session key at all, in {} (add one with `cpchain key insert`)",
        searched.join(" or ")
    )))
}

/// Keeps the IoT readings index up with finalized blocks, on chains whose runtime has the
/// devices API (sidechains); does nothing on others.
fn spawn_readings_index(client: Arc<Client>, retention: u32) {
    use cpc_client::readings_index;
    let mut imported = client.subscribe();
    tokio::spawn(async move {
        loop {
            if readings_index::applies(&client) {
                let client = client.clone();
                // Bounded steps, so a node catching up indexes while it imports.
                let result = tokio::task::spawn_blocking(move || {
                    readings_index::catch_up(&client, retention, 256)
                })
                .await;
                match result {
                    Ok(Err(why)) => log::warn!(target: "cpchain", "IoT readings index: {why}"),
                    Err(why) => log::warn!(target: "cpchain", "IoT readings index: {why}"),
                    Ok(Ok(_)) => {}
                }
            }
            match imported.recv().await {
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// Keeps the runtime upgrade index (`cpc_client::upgrades_index`) up with finality.
fn spawn_upgrades_index(client: Arc<Client>) {
    use cpc_client::upgrades_index;
    let mut imported = client.subscribe();
    tokio::spawn(async move {
        loop {
            let step = client.clone();
            // Bounded steps (headers only, but a long chain has many), so a node indexing its
            // history keeps up with its imports.
            match tokio::task::spawn_blocking(move || upgrades_index::catch_up(&step, 4096)).await {
                Ok(Err(why)) => log::warn!(target: "cpchain", "runtime upgrade index: {why}"),
                Err(why) => log::warn!(target: "cpchain", "runtime upgrade index: {why}"),
                Ok(Ok(last)) if last < client.info().finalized_number => continue,
                Ok(Ok(_)) => {}
            }
            match imported.recv().await {
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// Runs the node until Ctrl-C or SIGTERM.
pub async fn run(args: RunArgs) -> Result<(), Error> {
    let spec = chain_specs::load(&args.shared)?;
    let paths = chain_paths(&args.shared, &spec.id)?;
    let pruning = args
        .state_pruning
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(Error::Input)?;
    let rpc_methods: cpc_rpc::RpcMethods = args.rpc_methods.parse().map_err(Error::Input)?;
    // Unsafe methods beyond loopback take the explicit flag, as in Substrate.
    if args.rpc_external && rpc_methods == cpc_rpc::RpcMethods::Unsafe && !args.unsafe_rpc_external
    {
        return Err(Error::Input(
            "`--rpc-methods unsafe` with `--rpc-external` exposes unsafe methods to the network: \
             use `--unsafe-rpc-external` if that is what you want"
                .into(),
        ));
    }
    let name = args.name.clone().unwrap_or_else(|| "cpchain-node".into());
    let validator = args.validator || args.shared.dev;

    log::info!(target: "cpchain", "CPChain node {}", env!("CARGO_PKG_VERSION"));
    log::info!(target: "cpchain", "Chain: {} ({}), node name: {name}", spec.name, spec.id);
    log::info!(target: "cpchain", "Database: {}", paths.db().display());

    let client = {
        let (mut spec, db, execution) = (spec.clone(), paths.db(), args.execution.clone());
        for checkpoint in &args.checkpoint {
            let (number, hash) = checkpoint.split_once('=').ok_or_else(|| {
                Error::Input(format!(
                    "--checkpoint {checkpoint}: expected <number>=<hash>"
                ))
            })?;
            let (number, hash) =
                cpc_client::chain_spec::parse_checkpoint(number, hash).map_err(Error::Input)?;
            spec.checkpoints
                .insert(number.to_string(), format!("{hash:?}"));
        }
        let db_config = DbConfig {
            pruning,
            cache_bytes: args.db_cache_size,
            trie_cache_bytes: args.trie_cache_size,
            verify_tables: !args.skip_table_check,
            write_buffer_bytes: args.db_write_buffer_size,
        };
        let wasm_config = WasmExecutorConfig {
            offchain_call_timeout: Duration::from_millis(args.rpc_call_timeout_ms),
            max_offchain_calls: args.rpc_max_runtime_calls.max(1),
            verified_signatures: args.signature_memory,
            verify_threads: args.verify_threads,
            ..Default::default()
        };
        tokio::task::spawn_blocking(move || {
            open_client(&spec, &db, db_config, &execution, wasm_config)
        })
        .await
        .map_err(Error::node)??
    };
    let info = client.info();
    log::info!(
        target: "cpchain",
        "Genesis {:#}; best #{} ({}), finalized #{}; state pruning: {}",
        info.genesis_hash,
        info.best_number,
        info.best_hash,
        info.finalized_number,
        client.db().pruning()
    );

    let pool = Arc::new(Pool::new(
        Arc::new(PoolApi::new(client.clone())),
        PoolConfig {
            max_ready: args.pool_limit,
            max_future: (args.pool_limit / 8).max(1),
            max_bytes: args.pool_kbytes * 1024,
            ..PoolConfig::default()
        },
    ));
    spawn_pool_maintenance(client.clone(), pool.clone());

    let network_key = crate::network::node_key(args.node_key_file.as_deref(), &paths.chain_dir)
        .map_err(Error::Input)?;
    let parse = |text: &String| {
        text.parse::<cpc_network::Address>()
            .map_err(|e| Error::Input(format!("bad multiaddress `{text}`: {e}")))
    };
    let listen = if args.listen_addr.is_empty() {
        vec![format!("/ip4/0.0.0.0/tcp/{}", args.port)]
    } else {
        args.listen_addr.clone()
    };
    let bootnodes = if args.bootnodes.is_empty() {
        &spec.boot_nodes
    } else {
        &args.bootnodes
    };
    let network_config = cpc_network::NetworkConfig {
        key: network_key,
        listen: listen.iter().map(parse).collect::<Result<_, _>>()?,
        bootnodes: bootnodes.iter().map(parse).collect::<Result<_, _>>()?,
        mdns: !args.no_mdns
            && matches!(
                spec.chain_type,
                cpc_client::chain_spec::ChainType::Development
                    | cpc_client::chain_spec::ChainType::Local
            ),
        genesis: client.info().genesis_hash,
        in_peers: args.in_peers,
        out_peers: args.out_peers,
    };
    let (network, network_events) = cpc_network::start(
        network_config,
        Arc::new(crate::network::ClientBlocks(client.clone())),
    )
    .map_err(Error::Node)?;
    log::info!(target: "cpchain", "Peer id: {}", network.local_peer_id());

    let rpc_calls = Arc::new(AtomicU64::new(0));
    let sync_status = Arc::new(crate::sync::SyncStatus::default());
    let rpc_ip = if args.rpc_external || args.unsafe_rpc_external {
        Ipv4Addr::UNSPECIFIED
    } else {
        Ipv4Addr::LOCALHOST
    };
    let rpc_addr = SocketAddr::from((rpc_ip, args.rpc_port));
    let mut rpc_config = cpc_rpc::RpcConfig::new(rpc_addr);
    rpc_config.max_connections = args.rpc_max_connections;
    rpc_config.max_request_bytes = args.rpc_max_request_size.saturating_mul(1024 * 1024);
    rpc_config.max_response_bytes = args.rpc_max_response_size.saturating_mul(1024 * 1024);
    rpc_config.max_subscriptions_per_connection = args.rpc_max_subscriptions_per_connection;
    rpc_config.max_batch_len = args.rpc_max_batch_request_len;
    rpc_config.rate_limit = args.rpc_rate_limit.map(std::num::NonZeroU32::get);
    if let Some(workers) = args.rpc_max_workers {
        rpc_config.max_workers = workers.get();
    }
    rpc_config.max_calls_per_connection = args.rpc_max_calls_per_connection.max(1);
    if let Some(cors) = &args.rpc_cors {
        rpc_config.cors = cors.parse().map_err(Error::Input)?;
    }
    // Bound before RPC starts, so that the app's origin (its port, when 0 picks one) may call
    // RPC (and the gateway) from the first request.
    let mut app_origins = Vec::new();
    let ui_listener = match ui_port(&args) {
        Some(port) => {
            let ip = if args.ui_external {
                Ipv4Addr::UNSPECIFIED
            } else {
                Ipv4Addr::LOCALHOST
            };
            let addr = SocketAddr::from((ip, port));
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| Error::Node(format!("cannot serve the web app on {addr}: {e}")))?;
            let bound = listener
                .local_addr()
                .map_err(|e| Error::Node(e.to_string()))?;
            app_origins = ui_origins(bound, &args.ui_public_url)?;
            for origin in &app_origins {
                rpc_config.cors.allow(origin.clone());
            }
            Some(listener)
        }
        None => None,
    };
    let context = cpc_rpc::RpcContext {
        client: client.clone(),
        pool: pool.clone(),
        system: cpc_rpc::SystemInfo {
            name: "cpchain".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            chain: spec.name.clone(),
            chain_type: serde_json::to_value(&spec.chain_type).unwrap_or_default(),
            properties: spec.properties.clone(),
        },
        deny_unsafe: rpc_methods.deny_unsafe(&rpc_addr, args.unsafe_rpc_external),
        network: Arc::new(crate::network::RpcNetwork {
            network: network.clone(),
            sync: sync_status.clone(),
        }),
        authority: validator,
        keystore: Some(paths.keystore()),
        starting_block: client.info().best_number,
        calls: rpc_calls.clone(),
    };
    let (rpc, rpc_bound) = cpc_rpc::start(&rpc_config, context)
        .await
        .map_err(|e| Error::Node(format!("cannot start JSON-RPC on {rpc_addr}: {e}")))?;
    log::info!(
        target: "cpchain",
        "JSON-RPC on ws://{rpc_bound} (WebSocket) and http://{rpc_bound} (HTTP)"
    );
    // Before the web app, which tells the page where the gateway is.
    let _gateway = match gateway_port(&args) {
        Some(port) => {
            Some(start_gateway(&args, port, &paths.chain_dir, client.clone(), &app_origins).await?)
        }
        None => None,
    };
    let _ui = match ui_listener {
        Some(listener) => {
            let mut config = cpc_webapp::WebConfig::new(rpc_bound.port(), spec.name.clone());
            config.gateway_port = _gateway.as_ref().map(|g| g.addr.port());
            let ui = cpc_webapp::serve(listener, config)
                .map_err(|e| Error::Node(format!("cannot serve the web app: {e}")))?;
            log::info!(target: "cpchain", "Web app on http://{}/", ui.local_addr());
            Some(ui)
        }
        None => None,
    };

    let node_metrics = Arc::new(metrics::Metrics::new(
        client.clone(),
        pool.clone(),
        rpc_calls,
        {
            let network = network.clone();
            Arc::new(move || network.peers())
        },
        metrics::NodeFacts {
            name: name.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            chain: spec.name.clone(),
            authority: validator,
        },
    ));
    // Served for as long as the node runs.
    let _metrics_server = if !args.no_prometheus {
        let ip = if args.prometheus_external {
            Ipv4Addr::UNSPECIFIED
        } else {
            Ipv4Addr::LOCALHOST
        };
        let addr = SocketAddr::from((ip, args.prometheus_port));
        let server = metrics::serve(addr, node_metrics.clone())
            .await
            .map_err(|e| Error::Node(format!("cannot serve metrics on {addr}: {e}")))?;
        log::info!(
            target: "cpchain",
            "Prometheus metrics on http://{}/metrics",
            server.local_addr()
        );
        Some(server)
    } else {
        None
    };

    informant::spawn(client.clone(), pool.clone(), node_metrics.clone());
    spawn_readings_index(client.clone(), args.iot_retention);
    spawn_upgrades_index(client.clone());

    let (sync_hints, sync_queue) = tokio::sync::mpsc::channel(256);
    let mut lbft = None;
    match spec.consensus.engine.as_str() {
        "lbft" => {
            // The chain's keystore, or the base path's (where `key insert` puts keys).
            let base_keystore = paths
                .chain_dir
                .parent()
                .and_then(|chains| chains.parent())
                .map(|base| base.join("keystore"));
            let keystores: Vec<_> = [Some(paths.keystore()), base_keystore]
                .into_iter()
                .flatten()
                .collect();
            // Validators vote; every other node runs the engine too, to follow finality.
            let key = if validator {
                Some(lbft_key(&args, &keystores, &client)?)
            } else {
                None
            };
            let period = Duration::from_millis(spec.block_period_ms().max(1));
            let mut config =
                cpc_consensus::Config::new(client.info().genesis_hash, period.as_millis() as u64);
            config.max_timeout_ms = config.base_timeout_ms * 8;
            match &key {
                Some(key) => log::info!(
                    target: "cpchain",
                    "LBFT validator with session key {}: a block every {period:?}, final on 2f+1 commits",
                    hex::encode(key.public().0)
                ),
                None => log::info!(target: "cpchain", "LBFT: following the committee's finality"),
            }
            let chain = crate::lbft::ClientChain::new(
                client.clone(),
                pool.clone(),
                period,
                config.base_timeout_ms,
            )
            .map_err(Error::Node)?
            .with_runtime(crate::runtimes::of(&spec)?)
            .with_key(key.clone());
            let outlets = crate::lbft::Outlets {
                outbound: crate::network::lbft_outbound(network.clone(), sync_hints.clone()),
                verdicts: crate::network::lbft_verdicts(network.clone()),
            };
            let state_file = paths.chain_dir.join("lbft-state");
            lbft = Some(
                crate::lbft::spawn(
                    chain,
                    key,
                    config,
                    state_file,
                    node_metrics.clone(),
                    outlets,
                )
                .map_err(Error::Node)?,
            );
        }
        "dev" if validator => {
            let period = Duration::from_millis(spec.block_period_ms().max(1));
            log::info!(target: "cpchain", "Authoring a block every {period:?} (dev consensus, instant finality)");
            tokio::spawn(authoring::run(
                client.clone(),
                pool.clone(),
                period,
                node_metrics.clone(),
            ));
        }
        "dev" => {}
        other => log::warn!(target: "cpchain", "unknown consensus engine `{other}`"),
    }
    let lbft_sender = lbft.as_ref().map(|l| l.sender());
    crate::network::spawn_gossip(
        network_events,
        network.clone(),
        pool.clone(),
        lbft_sender.clone(),
    );
    crate::sync::spawn(
        sync_queue,
        Arc::new(network.clone()),
        Arc::new(crate::network::ClientSync {
            client: client.clone(),
            lbft: lbft_sender,
        }),
        sync_status,
        crate::sync::SyncConfig::for_period(Duration::from_millis(spec.block_period_ms().max(1))),
    );

    let failure = tokio::select! {
        _ = wait_for_shutdown() => None,
        failure = database_failure(client.clone()) => Some(failure),
    };
    log::info!(target: "cpchain", "Shutting down");
    if let Some(lbft) = lbft {
        tokio::task::spawn_blocking(move || lbft.stop())
            .await
            .map_err(Error::node)?;
    }
    let _ = rpc.stop();
    if let Some(failure) = failure {
        return Err(Error::Node(format!(
            "the database stopped taking writes ({failure}); what was written before is kept: \
             restart the node once the disk has room"
        )));
    }
    client.db().flush().map_err(Error::node)?;
    drop(paths);
    Ok(())
}

/// Resolves with the error of the first failed database write. Nothing the node does after
/// it would be kept (no block imports, no vote is recorded), so it stops and says why; a
/// supervisor restarting it recovers what was written.
async fn database_failure(client: Arc<Client>) -> String {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        if let Some(failure) = client.db().write_failure() {
            log::error!(target: "cpchain", "database write failed: {failure}");
            return failure;
        }
    }
}

fn spawn_pool_maintenance(client: Arc<Client>, pool: Arc<Pool<PoolApi>>) {
    let mut imported = client.subscribe();
    tokio::spawn(async move {
        loop {
            match imported.recv().await {
                Ok(block) => {
                    let pool = pool.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        pool.maintain(
                            block.hash,
                            block.header.number,
                            &block.extrinsics,
                            block.finalized,
                        )
                    })
                    .await;
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    log::warn!(target: "txpool", "pool maintenance skipped {n} blocks");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal handlers install; qed");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// The chain as the storage gateway sees it: the finalized state, so nobody downloads on an
/// order a fork could undo.
struct ClientMarketView {
    client: Arc<Client>,
}

impl cpc_market::gateway::MarketView for ClientMarketView {
    fn genesis_hash(&self) -> cpc_primitives::H256 {
        self.client.info().genesis_hash
    }

    fn product(&self, id: ProductId) -> Result<Option<Product>, String> {
        let at = self.client.info().finalized_hash;
        self.client
            .call_api::<data_market_api::product>(&at, (id,))
            .map_err(|e| e.to_string())
    }

    fn order(&self, id: OrderId) -> Result<Option<Order>, String> {
        let at = self.client.info().finalized_hash;
        self.client
            .call_api::<data_market_api::order>(&at, (id,))
            .map_err(|e| e.to_string())
    }

    fn ruling(&self, id: OrderId) -> Result<Option<cpc_data_market_primitives::Ruling>, String> {
        let at = self.client.info().finalized_hash;
        // A runtime before `DataMarketApi` 2 keeps no rulings.
        let version = self
            .client
            .runtime_version(&at)
            .map_err(|e| e.to_string())?;
        if !version.has_api(&data_market_api::ID, 2) {
            return Ok(None);
        }
        self.client
            .call_api::<data_market_api::order_ruling>(&at, (id,))
            .map_err(|e| e.to_string())
    }
}

/// The web app's port: `--ui-port`, or 9955 on `--dev`; none with `--no-ui`.
fn ui_port(args: &RunArgs) -> Option<u16> {
    if args.no_ui {
        return None;
    }
    args.ui_port.or(args.shared.dev.then_some(DEV_UI_PORT))
}

/// Where `--dev` serves the web app.
pub const DEV_UI_PORT: u16 = 9955;

/// Where `--dev` serves the storage gateway.
pub const DEV_GATEWAY_PORT: u16 = 8090;

/// The storage gateway's port: `--gateway-port`, or 8090 on `--dev` (a dev chain is the whole
/// data market on one machine: the web app publishes through it); none with `--no-gateway`.
fn gateway_port(args: &RunArgs) -> Option<u16> {
    if args.no_gateway {
        return None;
    }
    args.gateway_port
        .or(args.shared.dev.then_some(DEV_GATEWAY_PORT))
}

/// The origins browsers load the web app from: each `--ui-public-url`, and on loopback (or all
/// interfaces) `http://127.0.0.1:PORT` and `http://localhost:PORT`.
fn ui_origins(bound: SocketAddr, public: &[String]) -> Result<Vec<String>, Error> {
    let mut origins = Vec::new();
    for url in public {
        origins.push(cpc_market::gateway::audience_of(url).ok_or_else(|| {
            Error::Input(format!(
                "--ui-public-url {url}: not an http:// or https:// URL"
            ))
        })?);
    }
    if bound.ip().is_loopback() || bound.ip().is_unspecified() {
        for local in ["127.0.0.1", "localhost"] {
            origins.push(format!("http://{local}:{}", bound.port()));
        }
    }
    Ok(origins)
}

/// The origins allowed to call the gateway from a browser: `--gateway-cors` (`all` is any)
/// and the node's own web app.
fn gateway_cors(flags: &[String], app_origins: &[String]) -> Result<Vec<String>, Error> {
    let mut origins = app_origins.to_vec();
    for flag in flags {
        if flag == "all" || flag == "*" {
            origins.push("*".into());
            continue;
        }
        let origin = cpc_market::gateway::audience_of(flag).ok_or_else(|| {
            Error::Input(format!(
                "--gateway-cors {flag}: not an http:// or https:// origin (or `all`)"
            ))
        })?;
        origins.push(origin);
    }
    Ok(origins)
}

async fn start_gateway(
    args: &RunArgs,
    port: u16,
    chain_dir: &std::path::Path,
    client: Arc<Client>,
    app_origins: &[String],
) -> Result<cpc_market::gateway::GatewayHandle, Error> {
    let data_dir = chain_dir.join("gateway");
    let store = cpc_market::store::open(&args.gateway_store, &data_dir)
        .map_err(|e| Error::Input(format!("--gateway-store: {e}")))?;
    let ip = if args.gateway_external {
        Ipv4Addr::UNSPECIFIED
    } else {
        Ipv4Addr::LOCALHOST
    };
    let audiences = args
        .gateway_public_url
        .iter()
        .map(|url| {
            cpc_market::gateway::audience_of(url)
                .ok_or_else(|| Error::Input(format!("--gateway-public-url {url}: no host")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = cpc_market::gateway::GatewayConfig {
        listen: SocketAddr::from((ip, port)),
        data_dir,
        token_ttl: Duration::from_secs(args.gateway_token_ttl),
        max_blob_bytes: args.gateway_max_blob_size,
        // A gateway with public URLs is public, even on loopback behind a reverse proxy.
        loopback_audiences: audiences.is_empty(),
        audiences,
        connections: {
            let mut limits = cpc_market::gateway::ConnectionLimits::for_fd_limit(
                crate::os_limits::open_file_limit(),
            );
            if let Some(max) = args.gateway_max_connections {
                limits.max = max.get();
            }
            if let Some(per_ip) = args.gateway_max_connections_per_ip {
                limits.per_ip = per_ip.get();
            }
            limits
        },
        disk: cpc_market::gateway::DiskLimits {
            per_seller: args.gateway_seller_quota,
            min_free: args.gateway_min_free_space,
        },
        cors_origins: gateway_cors(&args.gateway_cors, app_origins)?,
    };
    let listen = config.listen;
    cpc_market::gateway::serve(config, Arc::new(ClientMarketView { client }), store)
        .await
        .map_err(|e| Error::Node(format!("cannot start the storage gateway on {listen}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::{DEV_GATEWAY_PORT, DEV_UI_PORT, gateway_cors, gateway_port, ui_origins, ui_port};
    use crate::args::RunArgs;
    use clap::Parser;

    /// `RunArgs` as the binary parses them (its top-level command is the run command).
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        run: RunArgs,
    }

    fn args(line: &[&str]) -> RunArgs {
        Cli::parse_from(std::iter::once("cpchain").chain(line.iter().copied())).run
    }

    #[test]
    fn the_web_app_is_served_on_dev_chains_unless_told_otherwise() {
        assert_eq!(ui_port(&args(&["--dev"])), Some(DEV_UI_PORT));
        assert_eq!(ui_port(&args(&["--dev", "--ui-port", "0"])), Some(0));
        assert_eq!(ui_port(&args(&["--dev", "--no-ui"])), None);
        assert_eq!(ui_port(&args(&["--chain", "local"])), None);
        assert_eq!(
            ui_port(&args(&["--chain", "local", "--ui-port", "8000"])),
            Some(8000)
        );
        assert!(
            Cli::try_parse_from(["cpchain", "--ui-port", "1", "--no-ui"]).is_err(),
            "a port and --no-ui contradict each other"
        );
    }

    #[test]
    fn the_gateway_is_served_on_dev_chains_unless_told_otherwise() {
        assert_eq!(gateway_port(&args(&["--dev"])), Some(DEV_GATEWAY_PORT));
        assert_eq!(
            gateway_port(&args(&["--dev", "--gateway-port", "0"])),
            Some(0)
        );
        assert_eq!(gateway_port(&args(&["--dev", "--no-gateway"])), None);
        assert_eq!(gateway_port(&args(&["--chain", "local"])), None);
        assert!(
            Cli::try_parse_from(["cpchain", "--gateway-port", "1", "--no-gateway"]).is_err(),
            "a port and --no-gateway contradict each other"
        );
    }

    #[test]
    fn the_gateway_admits_the_web_app_and_the_origins_it_is_given() {
        let app = ["http://127.0.0.1:9955".to_string()];
        assert_eq!(gateway_cors(&[], &app).unwrap(), app);
        assert_eq!(
            gateway_cors(&["HTTPS://Market.Example/shop".into(), "all".into()], &app).unwrap(),
            ["http://127.0.0.1:9955", "https://market.example", "*"]
        );
        assert!(gateway_cors(&["market.example".into()], &[]).is_err());
        assert_eq!(
            args(&[
                "--gateway-cors",
                "https://a.example",
                "--gateway-cors",
                "all"
            ])
            .gateway_cors,
            ["https://a.example", "all"]
        );
    }

    #[test]
    fn the_web_apps_origins_are_its_loopback_addresses_and_public_urls() {
        let bound = "127.0.0.1:9955".parse().unwrap();
        assert_eq!(
            ui_origins(bound, &["https://Node.Example/explorer/".into()]).unwrap(),
            [
                "https://node.example",
                "http://127.0.0.1:9955",
                "http://localhost:9955"
            ]
        );
        let external = "192.0.2.7:9955".parse().unwrap();
        assert!(ui_origins(external, &[]).unwrap().is_empty());
        assert!(ui_origins(bound, &["ftp://node.example".into()]).is_err());
    }
}
