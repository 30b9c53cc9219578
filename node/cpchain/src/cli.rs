//! Command-line interface, in Substrate's conventions.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// CPChain node.
#[derive(Debug, Parser)]
#[command(
    name = "cpchain",
    version,
    about = "CPChain node: a blockchain for the Internet of Things"
)]
pub struct Cli {
    /// A command other than running the node.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the node.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options shared by the commands that open a chain.
#[derive(Debug, Args, Clone)]
pub struct SharedArgs {
    /// A development chain: `--chain dev`, authoring blocks, in a temporary directory unless
    /// `--base-path` is given.
    #[arg(long)]
    pub dev: bool,
    /// The chain: `dev`, `local`, or a chain spec file.
    #[arg(long, value_name = "CHAIN")]
    pub chain: Option<String>,
    /// Where the node keeps its data.
    #[arg(long, short = 'd', value_name = "PATH")]
    pub base_path: Option<PathBuf>,
    /// Keep data in a temporary directory, removed when the node stops.
    #[arg(long)]
    pub tmp: bool,
    /// Log filter, like `info,runtime=debug` (also `RUST_LOG`).
    #[arg(long, short = 'l', value_name = "FILTER")]
    pub log: Option<String>,
}

/// Options of the running node.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Shared options.
    #[command(flatten)]
    pub shared: SharedArgs,
    /// The node's name, shown in logs.
    #[arg(long)]
    pub name: Option<String>,
    /// Author blocks (implied by `--dev`).
    #[arg(long)]
    pub validator: bool,
    /// The peer-to-peer port (listening on all interfaces unless `--listen-addr` is given).
    #[arg(long, default_value_t = 30333)]
    pub port: u16,
    /// Peer-to-peer addresses to listen on, instead of all interfaces at `--port`
    /// (e.g. `/ip4/127.0.0.1/tcp/30333`).
    #[arg(long = "listen-addr", value_name = "MULTIADDR")]
    pub listen_addr: Vec<String>,
    /// Peers to connect to at start: `/ip4/<ip>/tcp/<port>/p2p/<peer id>`.
    #[arg(long, value_name = "MULTIADDR", num_args = 1..)]
    pub bootnodes: Vec<String>,
    /// Do not look for peers on the local network (mDNS is on for development and local
    /// chains).
    #[arg(long)]
    pub no_mdns: bool,
    /// The file holding the node's ed25519 network key (32 bytes, hex); default
    /// `<base>/chains/<id>/network/secret_ed25519`, created on first start.
    #[arg(long, value_name = "PATH")]
    pub node_key_file: Option<PathBuf>,
    /// The JSON-RPC port (HTTP and WebSocket).
    #[arg(long, default_value_t = 9944)]
    pub rpc_port: u16,
    /// Listen for RPC on all interfaces, not only loopback.
    #[arg(long)]
    pub rpc_external: bool,
    /// Which RPC methods to offer: `auto` (unsafe ones on loopback only), `safe` or `unsafe`.
    #[arg(long, default_value = "auto")]
    pub rpc_methods: String,
    /// Most RPC connections at once.
    #[arg(long, default_value_t = 100)]
    pub rpc_max_connections: u32,
    /// The Prometheus metrics port.
    #[arg(long, default_value_t = 9615)]
    pub prometheus_port: u16,
    /// Serve metrics on all interfaces.
    #[arg(long)]
    pub prometheus_external: bool,
    /// Do not serve metrics.
    #[arg(long)]
    pub no_prometheus: bool,
    /// State pruning: `archive`, or the number of finalized states to keep. Fixed when the
    /// database is created.
    #[arg(long, value_name = "MODE")]
    pub state_pruning: Option<String>,
    /// Size of the cache of state trie nodes in front of the database, in bytes (0 disables
    /// it).
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    pub trie_cache_size: usize,
    /// Which runtime executes imported blocks: `wasm`, `native`, or `both` (compared).
    #[arg(long, default_value = "wasm")]
    pub execution: String,
    /// The longest a runtime call may run, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub execution_timeout_ms: u64,
    /// Most transactions in the pool (ready and future).
    #[arg(long, default_value_t = 8192)]
    pub pool_limit: usize,
    /// Most kilobytes of transactions in the pool.
    #[arg(long, default_value_t = 32 * 1024)]
    pub pool_kbytes: usize,
    /// Serve the data market's storage gateway (the proxy role) on this port.
    #[arg(long, value_name = "PORT")]
    pub gateway_port: Option<u16>,
    /// Serve the gateway on all interfaces, not only loopback.
    #[arg(long)]
    pub gateway_external: bool,
    /// Where the gateway keeps blobs: `local`, `s3://BUCKET@ENDPOINT` (credentials from
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`) or `ipfs://HOST:PORT`.
    #[arg(long, value_name = "STORE", default_value = "local")]
    pub gateway_store: String,
    /// A URL clients reach the gateway at, behind a proxy or a public name (repeat for
    /// several); logins signed for other addresses are refused. Loopback is always accepted.
    #[arg(long, value_name = "URL")]
    pub gateway_public_url: Vec<String>,
    /// How long a gateway login lasts, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub gateway_token_ttl: u64,
    /// Largest blob the gateway accepts, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 30)]
    pub gateway_max_blob_size: u64,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prints a chain spec as JSON.
    BuildSpec {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// Print the raw genesis storage (code included) instead of the runtime genesis.
        #[arg(long)]
        raw: bool,
    },
    /// Removes a chain's database.
    PurgeChain {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// Do not ask for confirmation.
        #[arg(short = 'y', long = "yes")]
        yes: bool,
    },
    /// Key management.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Writes blocks to a file (or standard output).
    ExportBlocks {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// First block.
        #[arg(long, default_value_t = 1)]
        from: u32,
        /// Last block (default: the best).
        #[arg(long)]
        to: Option<u32>,
        /// The file; `-` or nothing for standard output.
        output: Option<PathBuf>,
    },
    /// Imports blocks from a file written by `export-blocks` (or standard input).
    ImportBlocks {
        /// Shared options.
        #[command(flatten)]
        shared: SharedArgs,
        /// Which runtime executes the blocks.
        #[arg(long, default_value = "wasm")]
        execution: String,
        /// The file; `-` or nothing for standard input.
        input: Option<PathBuf>,
    },
    /// Wallet transactions.
    #[command(subcommand)]
    Tx(TxCommand),
    /// Runtime upgrades: check new code against the chain, propose it, vote on it.
    #[command(subcommand)]
    Upgrade(UpgradeCommand),
    /// The data market: publish, browse, buy, deliver, fetch, confirm, rate, dispute.
    #[command(subcommand)]
    Market(MarketCommand),
}

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generates a new sr25519 key with its phrase.
    Generate {
        /// Words in the phrase: 12, 15, 18, 21 or 24.
        #[arg(long, short = 'w', default_value_t = 12)]
        words: usize,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        output_type: String,
        /// SS58 prefix of the address.
        #[arg(long, short = 'n', default_value_t = 42)]
        network: u16,
    },
    /// Shows the public key and address of a secret URI or an address.
    Inspect {
        /// A secret URI (`//Alice`, a phrase, `0x` seed) or an SS58 address / public key.
        uri: String,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        output_type: String,
        /// SS58 prefix of the address.
        #[arg(long, short = 'n', default_value_t = 42)]
        network: u16,
    },
    /// Generates a network key (ed25519) and prints its peer id.
    GenerateNodeKey {
        /// Where to write the secret (hex); printed on standard output if left out.
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// Stores a secret URI in the keystore, to sign with its address later.
    Insert {
        /// The secret URI.
        #[arg(long)]
        suri: String,
        /// The keystore directory.
        #[arg(long, value_name = "PATH")]
        keystore_path: Option<PathBuf>,
        /// The node's base path (the keystore is in `<base>/keystore`).
        #[arg(long, short = 'd', value_name = "PATH")]
        base_path: Option<PathBuf>,
    },
}

/// Wallet commands.
#[derive(Debug, Subcommand)]
pub enum TxCommand {
    /// Transfers tokens, waiting for inclusion and finality.
    Transfer {
        /// The payer: a secret URI, or an address whose key is in the keystore.
        #[arg(long)]
        from: String,
        /// The recipient's SS58 address.
        #[arg(long)]
        to: String,
        /// The amount, in the smallest unit.
        #[arg(long)]
        amount: u128,
        /// A tip for priority.
        #[arg(long, default_value_t = 0)]
        tip: u128,
        /// Allow the payer's account to be removed (a plain `transfer` instead of
        /// `transfer_keep_alive`).
        #[arg(long)]
        allow_death: bool,
        /// The node's WebSocket RPC address.
        #[arg(long, default_value = "ws://127.0.0.1:9944")]
        rpc_url: String,
        /// The keystore directory, for `--from <address>`.
        #[arg(long, value_name = "PATH")]
        keystore_path: Option<PathBuf>,
        /// Return once the node accepted the transaction, without waiting.
        #[arg(long)]
        no_wait: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runtime upgrade commands.
#[derive(Debug, Subcommand)]
pub enum UpgradeCommand {
    /// Dry-runs an upgrade on the node's current state: would `set_code` accept the code, what
    /// do its migrations do, do the invariant checks pass after them. Changes nothing. Needs
    /// the node's unsafe RPC methods (local by default).
    Check {
        /// The new runtime's wasm file.
        wasm: PathBuf,
        /// The node's WebSocket RPC address.
        #[arg(long, default_value = "ws://127.0.0.1:9944")]
        rpc_url: String,
        /// The block whose state to try it on (default: the best block).
        #[arg(long)]
        at: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Checks the code, then submits it as root: through the sudo key, or (`--council`) as a
    /// council proposal that members vote on.
    Propose {
        /// The new runtime's wasm file.
        wasm: PathBuf,
        /// The sudo key or council member: a secret URI, or an address whose key is in the
        /// keystore.
        #[arg(long)]
        from: String,
        /// Propose to the council instead of using the sudo key.
        #[arg(long)]
        council: bool,
        /// Submit even if the check fails (for example without unsafe RPC access).
        #[arg(long)]
        skip_check: bool,
        /// Connection, keystore and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Votes on a council proposal.
    Vote {
        /// The proposal's index.
        index: u32,
        /// The council member: a secret URI, or an address whose key is in the keystore.
        #[arg(long)]
        from: String,
        /// Vote against (the default is for).
        #[arg(long)]
        nay: bool,
        /// Connection, keystore and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
}

/// How a wallet command reaches the node and reports.
#[derive(Debug, Args)]
pub struct WalletArgs {
    /// The node's WebSocket RPC address.
    #[arg(long, default_value = "ws://127.0.0.1:9944")]
    pub rpc_url: String,
    /// The keystore directory, for `--from <address>`.
    #[arg(long, value_name = "PATH")]
    pub keystore_path: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The signer of a market command and where its content keys are kept.
#[derive(Debug, Args)]
pub struct MarketSigner {
    /// The account: a secret URI, or an address whose key is in the keystore.
    #[arg(long)]
    pub suri: String,
    /// Where content keys of published products are kept (default
    /// `<base>/market/keys/<genesis>`).
    #[arg(long, value_name = "PATH")]
    pub key_dir: Option<PathBuf>,
}

/// Data-market commands.
#[derive(Debug, Subcommand)]
pub enum MarketCommand {
    /// Encrypts a file, lists it as a product, uploads the blob to a gateway and keeps the
    /// content key.
    Publish {
        /// The file to sell.
        file: PathBuf,
        /// Title.
        #[arg(long)]
        title: String,
        /// Price, in the smallest unit.
        #[arg(long)]
        price: u128,
        /// The storage gateway to upload to (its URL is the product's location).
        #[arg(long)]
        gateway: String,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
        /// Tags (repeat for several).
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Category.
        #[arg(long, default_value = "")]
        category: String,
        /// License terms.
        #[arg(long, default_value = "")]
        license: String,
        /// Proxies approved to deliver and to rule disputes (repeat for several, at least
        /// one; the seller's own account if it is a proxy). Each other than the seller gets
        /// the content key, sealed to it, through the gateway.
        #[arg(long = "proxy", value_name = "ACCOUNT", required = true)]
        proxies: Vec<String>,
        /// The signer (the seller).
        #[command(flatten)]
        signer: MarketSigner,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Lists products (listed ones unless `--all`).
    List {
        /// Include delisted products.
        #[arg(long)]
        all: bool,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Searches listed products' titles, descriptions, tags and categories.
    Search {
        /// Words that must all appear (case-insensitive).
        query: Vec<String>,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Shows a product.
    Show {
        /// The product id.
        product: u64,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Lists the orders of an account (as buyer, seller or proxy).
    Orders {
        /// The account.
        account: String,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Registers the signer's encryption key (derived from its account key).
    SetKey {
        /// The signer.
        #[command(flatten)]
        signer: MarketSigner,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Registers the signer as a proxy.
    RegisterProxy {
        /// Its fee, per mille of a price.
        #[arg(long)]
        fee_per_mille: u32,
        /// The bond to reserve.
        #[arg(long)]
        bond: u128,
        /// The signer.
        #[command(flatten)]
        signer: MarketSigner,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Buys a product through a proxy (registers the encryption key first if needed).
    Buy {
        /// The product id.
        product: u64,
        /// The proxy's account.
        #[arg(long)]
        proxy: String,
        /// The most to pay (default: the current price).
        #[arg(long)]
        max_price: Option<u128>,
        /// The signer (the buyer).
        #[command(flatten)]
        signer: MarketSigner,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Runs a seller's or proxy's delivery daemon: seals the content key of every new order
    /// to its buyer and submits the delivery. Runs until stopped.
    Serve {
        /// How often to look for new orders, in milliseconds.
        #[arg(long, default_value_t = 1000)]
        poll_ms: u64,
        /// The signer (a seller or a proxy).
        #[command(flatten)]
        signer: MarketSigner,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Downloads an order's content, decrypts it and checks its hash.
    Fetch {
        /// The order id.
        order: u64,
        /// Where to write the content.
        #[arg(long)]
        out: PathBuf,
        /// A gateway to use instead of the product's location.
        #[arg(long)]
        gateway: Option<String>,
        /// The signer (the buyer).
        #[command(flatten)]
        signer: MarketSigner,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Confirms a delivery: the seller, proxy and protocol are paid.
    Confirm {
        /// The order id.
        order: u64,
        /// The signer (the buyer).
        #[command(flatten)]
        signer: MarketSigner,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Rates the other side of a settled order, and optionally its proxy (1 to 5).
    Rate {
        /// The order id.
        order: u64,
        /// The rating.
        #[arg(long)]
        rating: u8,
        /// The proxy's rating.
        #[arg(long)]
        proxy_rating: Option<u8>,
        /// The signer (the buyer or the seller).
        #[command(flatten)]
        signer: MarketSigner,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Disputes a delivery before its confirmation deadline.
    Dispute {
        /// The order id.
        order: u64,
        /// What is wrong.
        #[arg(long)]
        reason: String,
        /// The signer (the buyer).
        #[command(flatten)]
        signer: MarketSigner,
        /// Node connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
}
