//! The command-line arguments of the RPC-client commands (`cpchain tx|upgrade|market|sidechain|
//! relay`), as clap
//! types a binary embeds with `#[command(subcommand)]`.

use clap::{Args, Subcommand};
use std::path::PathBuf;

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
        /// The storage gateway to upload to (its URL is the product's location); the product is
        /// listed first, then uploaded (and delisted if the upload fails).
        #[arg(
            long,
            required_unless_present = "ipfs_api",
            conflicts_with = "ipfs_api"
        )]
        gateway: Option<String>,
        /// Instead of a gateway, an IPFS daemon's HTTP RPC (e.g. `http://127.0.0.1:5001`):
        /// the encrypted content is added (and pinned) there *first*, and the product is
        /// listed with its CID as the location, so nothing is listed before its content
        /// exists. The seller delivers keys of IPFS products itself (`market serve`); its
        /// proxies arbitrate.
        #[arg(long, value_name = "URL")]
        ipfs_api: Option<String>,
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
    /// Lists a sidechain's data as a product: the readings of some of its devices over a time
    /// range. Buyers fetch them from a sidechain node and check each against the roots
    /// anchored on main (`fetch --sidechain-rpc`).
    PublishStream {
        /// The sidechain's id on main.
        #[arg(long)]
        sidechain: u32,
        /// A device sold (repeat for several, at most 16).
        #[arg(long = "device", required = true)]
        devices: Vec<u32>,
        /// From this time, in milliseconds since the Unix epoch.
        #[arg(long, default_value_t = 0)]
        from_ms: u64,
        /// To this time, in milliseconds since the Unix epoch.
        #[arg(long, default_value_t = u64::MAX)]
        to_ms: u64,
        /// Title.
        #[arg(long)]
        title: String,
        /// Price, in the smallest unit.
        #[arg(long)]
        price: u128,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
        /// License terms.
        #[arg(long, default_value = "")]
        license: String,
        /// Proxies approved to deliver and to rule disputes (repeat for several, at least one).
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
    /// Agrees, as a proxy, to serve a product's orders (or every product that lists the proxy,
    /// with `--all`); buyers can pick a proxy only for what it accepted. `--withdraw` stops,
    /// for later orders.
    Accept {
        /// The product.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        product: Option<u64>,
        /// Every product that lists this proxy.
        #[arg(long)]
        all: bool,
        /// Stop serving instead.
        #[arg(long)]
        withdraw: bool,
        /// The signer (a proxy).
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
        /// Longest one delivery may take to get its key (from the seller's gateway) and seal
        /// it, in seconds: a gateway that stalls costs this, not the daemon.
        #[arg(long, value_name = "SECS", default_value_t = 60)]
        delivery_timeout_secs: u64,
        /// Orders whose keys are fetched at once.
        #[arg(long, value_name = "COUNT", default_value_t = 8)]
        max_deliveries: usize,
        /// Also fetch keys from gateways at private, loopback or link-local addresses (local
        /// testnets). By default a seller cannot make the daemon call into its own network.
        #[arg(long)]
        allow_private_gateways: bool,
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
        /// For a product stored on IPFS: the HTTP RPC of an IPFS daemon to fetch it through
        /// (the blob is checked against the product's hash after decryption).
        #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:5001")]
        ipfs_api: String,
        /// For a sidechain stream product: a node of the sidechain to fetch the readings and
        /// their proofs from (each is checked against the root anchored on main).
        #[arg(long)]
        sidechain_rpc: Option<String>,
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

/// Sidechain commands (the main chain's registry, seen by a sidechain operator).
#[derive(Debug, Subcommand)]
pub enum SidechainCommand {
    /// Registers a running sidechain on the main chain: its genesis header and genesis
    /// committee (read from the sidechain's node) and a bond.
    Register {
        /// The sidechain node's WebSocket RPC address.
        #[arg(long)]
        sidechain_rpc: String,
        /// The bond, in the smallest unit (at least the registry's `MinBond`).
        #[arg(long)]
        bond: u128,
        /// Free-form metadata (a name, an operator's URL), at most 256 bytes.
        #[arg(long)]
        metadata: Option<String>,
        /// The registrant: a secret URI, or an address whose key is in the keystore.
        #[arg(long)]
        from: String,
        /// The main chain's connection, keystore and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Shows what the main chain has anchored for each sidechain (or one).
    Status {
        /// Only this sidechain.
        #[arg(long)]
        id: Option<u32>,
        /// A sidechain node's RPC address, to show how far behind the anchors are.
        #[arg(long)]
        sidechain_rpc: Option<String>,
        /// The main chain's connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Prints the main chain's finalized header and committee as the `mainchainTracker`
    /// genesis patch from which a sidechain follows it.
    Checkpoint {
        /// The main chain's connection.
        #[command(flatten)]
        wallet: WalletArgs,
    },
}

/// `cpchain relay`: carries finalized headers with their certificates between the main chain
/// and a sidechain, both ways.
#[derive(Debug, Args)]
pub struct RelayArgs {
    /// The main chain's WebSocket RPC address.
    #[arg(long, default_value = "ws://127.0.0.1:9944")]
    pub main_rpc: String,
    /// The sidechain's WebSocket RPC address.
    #[arg(long)]
    pub side_rpc: String,
    /// The sidechain's id on the main chain.
    #[arg(long)]
    pub sidechain_id: u32,
    /// Signs and pays on the main chain (and on the sidechain unless `--side-from`): a secret
    /// URI, or an address whose key is in the keystore.
    #[arg(long)]
    pub from: String,
    /// Signs and pays on the sidechain.
    #[arg(long)]
    pub side_from: Option<String>,
    /// The keystore directory, for addresses.
    #[arg(long, value_name = "PATH")]
    pub keystore_path: Option<PathBuf>,
    /// Serve Prometheus metrics on 127.0.0.1 at this port (0 picks one and logs it).
    #[arg(long)]
    pub prometheus_port: Option<u16>,
    /// Exit once both directions are caught up.
    #[arg(long)]
    pub until_caught_up: bool,
}

/// IoT device commands (a sidechain's devices and readings).
#[derive(Debug, Subcommand)]
pub enum IotCommand {
    /// Registers a device's key for its owner (the key proves it agrees).
    RegisterDevice {
        /// The device's secret URI (its key signs readings).
        #[arg(long)]
        device: String,
        /// Free-form metadata, at most 128 bytes.
        #[arg(long)]
        metadata: Option<String>,
        /// The owner: a secret URI, or an address whose key is in the keystore.
        #[arg(long)]
        from: String,
        /// The sidechain's connection, keystore and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Lists a device's indexed readings in a time range.
    Readings {
        /// The device's id.
        #[arg(long)]
        device: u32,
        /// From this time, in milliseconds since the Unix epoch.
        #[arg(long, default_value_t = 0)]
        from_ms: u64,
        /// Up to this time, in milliseconds since the Unix epoch.
        #[arg(long, default_value_t = u64::MAX)]
        to_ms: u64,
        /// At most this many (at most 1,000).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// The sidechain's connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Checks a reading proof (from `iot_readingProof`) against the sidechain state root
    /// anchored on the main chain, with the main chain's RPC only.
    Verify {
        /// The proof, hex, or `@file` holding it.
        #[arg(long)]
        proof: String,
        /// The sidechain's id on the main chain.
        #[arg(long)]
        sidechain_id: u32,
        /// The main chain's connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Simulates devices: keys derived from a seed, registered by an owner, readings signed
    /// ahead and submitted by a gateway in batches at a rate.
    Simulate(SimulateArgs),
}

/// `cpchain iot simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The sidechain's WebSocket RPC address.
    #[arg(long, default_value = "ws://127.0.0.1:9944")]
    pub rpc_url: String,
    /// Number of devices.
    #[arg(long, default_value_t = 100)]
    pub devices: u32,
    /// Readings per second, in all.
    #[arg(long, default_value_t = 200)]
    pub rate: u64,
    /// Readings per batch (one extrinsic), from distinct devices.
    #[arg(long, default_value_t = 100)]
    pub batch: u32,
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// The secret the device keys derive from (`<seed>//device//<n>`).
    #[arg(long, default_value = "//iot-simulator")]
    pub seed: String,
    /// Registers the devices and pays their deposits.
    #[arg(long, default_value = "//Bob")]
    pub owner: String,
    /// Submits the readings and pays for them.
    #[arg(long, default_value = "//Charlie")]
    pub gateway: String,
    /// The keystore directory, for addresses.
    #[arg(long, value_name = "PATH")]
    pub keystore_path: Option<PathBuf>,
}

/// `cpchain xchain`: cross-chain transfers between the main chain and a sidechain.
#[derive(Debug, Subcommand)]
pub enum XchainCommand {
    /// Sends tokens to the other chain of a channel: this chain's native token (escrowed), or
    /// with `--wrapped` the destination's own token held here in wrapped form (burned).
    Transfer {
        /// The destination: `main` (from a sidechain), or a sidechain's id (from main).
        #[arg(long)]
        to_chain: String,
        /// Who receives it there (SS58).
        #[arg(long)]
        beneficiary: String,
        /// What the beneficiary receives, in the smallest unit.
        #[arg(long)]
        amount: u128,
        /// What the relayer that delivers it receives, in the same token.
        #[arg(long, default_value_t = 0)]
        relay_fee: u128,
        /// The destination's last block that may accept it (default: the destination's
        /// height this chain knows plus 1,200 blocks).
        #[arg(long)]
        timeout: Option<u32>,
        /// Return the destination's token (held here wrapped) instead of sending this
        /// chain's own.
        #[arg(long)]
        wrapped: bool,
        /// The sender: a secret URI, or an address whose key is in the keystore.
        #[arg(long)]
        from: String,
        /// The source chain's connection, keystore and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Where a message stands on both chains: sent, delivered, timed out or refunded, with
    /// the blocks.
    Status {
        /// The channel (the sidechain's id).
        channel: u32,
        /// The message's nonce.
        nonce: u64,
        /// The chain that sent it: `main` or `side`.
        #[arg(long, default_value = "main")]
        source: String,
        /// The main chain's WebSocket RPC address.
        #[arg(long, default_value = "ws://127.0.0.1:9944")]
        main_rpc: String,
        /// The sidechain's WebSocket RPC address.
        #[arg(long)]
        side_rpc: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lists a chain's channels.
    Channels {
        /// The chain's connection and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
    /// Exits a frozen sidechain: proves the holder's wrapped-CPC balance at the exit height
    /// the main chain names (read from the sidechain's node) and is paid it from escrow on
    /// main, once.
    Exit {
        /// The channel (the sidechain's id).
        #[arg(long)]
        channel: u32,
        /// The holder: a secret URI, or an address whose key is in the keystore.
        #[arg(long)]
        from: String,
        /// The main chain's WebSocket RPC address.
        #[arg(long, default_value = "ws://127.0.0.1:9944")]
        main_rpc: String,
        /// A node of the sidechain that still serves its state at the exit height.
        #[arg(long)]
        side_rpc: String,
        /// The keystore directory, for addresses.
        #[arg(long, value_name = "PATH")]
        keystore_path: Option<std::path::PathBuf>,
    },
    /// Opens a channel through the sudo key: on main, to a registered sidechain; on a
    /// sidechain, its own id on main.
    OpenChannel {
        /// The channel (the sidechain's id).
        #[arg(long)]
        channel: u32,
        /// Most value the channel credits on this chain per window, in the smallest unit.
        #[arg(long)]
        mint_cap: u128,
        /// The window, in blocks of this chain.
        #[arg(long)]
        mint_window: u32,
        /// The sudo key: a secret URI, or an address whose key is in the keystore.
        #[arg(long)]
        from: String,
        /// The chain's connection, keystore and output.
        #[command(flatten)]
        wallet: WalletArgs,
    },
}
