//! `market ...`: the data market from the command line.
//!
//! Sellers `publish` (encrypt the file under a fresh content key, list the product, upload the
//! blob to a storage gateway, keep the key, optionally share it sealed with proxies); buyers
//! `buy`, `fetch` (download, decrypt, check the content hash), `confirm`, `rate`, `dispute`;
//! sellers and proxies `serve` (seal the content key of each new order to its buyer and submit
//! the delivery). Chain reads go through the node's `market_*` RPC methods.

use crate::{
    Error,
    args::{MarketCommand, MarketSigner, WalletArgs},
    wallet::{Included, Wallet, rpc_error, signer},
};
use codec::Encode;
use cpc_crypto::sr25519::Pair;
use cpc_keystore::default_base_path;
use cpc_market::{
    client::GatewayClient,
    crypto::{self, ContentKey, EncryptionKeypair},
    http::Progress,
};
use cpc_pallet_data_market::{
    Call as MarketCall, Event as MarketEvent, MAX_SEALED_KEY_LEN, ProductInfo, StorageLocation,
    Text,
};
use cpc_primitives::{AccountId, H256};
use cpc_runtime::{RuntimeCall, RuntimeEvent};
use cpc_support::BoundedVec;
use indicatif::{ProgressBar, ProgressStyle};
use jsonrpsee::{core::client::ClientT, rpc_params};
use serde_json::{Value, json};
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

/// Runs a market command.
pub async fn market(command: MarketCommand) -> Result<(), Error> {
    match command {
        MarketCommand::Publish {
            file,
            title,
            price,
            gateway,
            ipfs_api,
            description,
            tags,
            category,
            license,
            proxies,
            signer: who,
            wallet,
        } => {
            let store = match (gateway, ipfs_api) {
                (Some(gateway), _) => ContentStore::Gateway(gateway),
                (None, Some(api)) => ContentStore::Ipfs(api),
                (None, None) => {
                    return Err(Error::Input("name --gateway or --ipfs-api".into()));
                }
            };
            let info = Listing {
                title,
                price,
                store,
                description,
                tags,
                category,
                license,
            };
            publish(&file, info, &proxies, &who, &wallet).await
        }
        MarketCommand::PublishStream {
            sidechain,
            devices,
            from_ms,
            to_ms,
            title,
            price,
            description,
            license,
            proxies,
            signer: who,
            wallet,
        } => {
            let pair = signer(&who.suri, wallet.keystore_path.clone())?;
            let approved = proxies
                .iter()
                .map(|a| parse_account(a))
                .collect::<Result<Vec<_>, _>>()?;
            let location = StorageLocation::SidechainStream {
                sidechain,
                devices: BoundedVec::try_from_vec(devices.clone())
                    .map_err(|_| Error::Input("at most 16 devices".into()))?,
                from: from_ms,
                to: to_ms,
            };
            // What is sold is the stream itself: its hash commits to the location, and its
            // size counts its devices.
            let info = ProductInfo {
                title: bounded(&title, "title")?,
                description: bounded(&description, "description")?,
                tags: BoundedVec::new(),
                category: bounded("iot", "category")?,
                price,
                content_hash: cpc_primitives::hashing::blake2_256(&location.encode()),
                size: devices.len() as u64,
                location,
                license: bounded(&license, "license")?,
                proxies: BoundedVec::try_from_vec(approved)
                    .map_err(|_| Error::Input("too many proxies".into()))?,
            };
            let rpc = Wallet::connect(&wallet.rpc_url).await?;
            let included = submit(&rpc, &pair, MarketCall::publish { info }, wallet.json).await?;
            let product = market_events(&included)
                .find_map(|e| match e {
                    MarketEvent::Published { product, .. } => Some(*product),
                    _ => None,
                })
                .ok_or_else(|| Error::Node("no Published event".into()))?;
            // The stream's key, which the seller delivers (as its own proxy, `market serve`)
            // sealed to each buyer, like a file's content key.
            let keys = key_dir(&who, &rpc.genesis);
            std::fs::create_dir_all(&keys)?;
            save_key(&keys, product, &ContentKey::random())?;
            report(
                &included,
                json!({ "productId": product, "keyFile": key_file(&keys, product) }),
                wallet.json,
            )
        }
        MarketCommand::List { all, wallet } => {
            let products = products(&wallet).await?;
            let shown: Vec<&Value> = products
                .iter()
                .filter(|p| all || p["listed"] == json!(true))
                .collect();
            print_products(&shown, wallet.json);
            Ok(())
        }
        MarketCommand::Search { query, wallet } => {
            let words: Vec<String> = query.iter().map(|w| w.to_lowercase()).collect();
            let products = products(&wallet).await?;
            let shown: Vec<&Value> = products
                .iter()
                .filter(|p| p["listed"] == json!(true) && matches(p, &words))
                .collect();
            print_products(&shown, wallet.json);
            Ok(())
        }
        MarketCommand::Show { product, wallet } => {
            let rpc = Wallet::connect(&wallet.rpc_url).await?;
            let value = product_of(&rpc, product).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&value).expect("JSON; qed")
            );
            Ok(())
        }
        MarketCommand::Orders { account, wallet } => {
            let rpc = Wallet::connect(&wallet.rpc_url).await?;
            let mut orders = all_pages(&rpc, "market_ordersPage", &account)
                .await
                .map_err(rpc_error)?;
            orders.sort_by_key(|order| order["id"].as_u64());
            if wallet.json {
                println!("{}", Value::Array(orders));
            } else {
                for order in &orders {
                    println!(
                        "order {:>5}  product {:>5}  {:<10} price {}  buyer {}",
                        order["id"],
                        order["product"],
                        str_of(&order["status"]),
                        str_of(&order["price"]),
                        str_of(&order["buyer"])
                    );
                }
            }
            Ok(())
        }
        MarketCommand::SetKey {
            signer: who,
            wallet,
        } => {
            let pair = signer(&who.suri, wallet.keystore_path.clone())?;
            let rpc = Wallet::connect(&wallet.rpc_url).await?;
            let key = EncryptionKeypair::from_account(&pair).public();
            let included = submit(
                &rpc,
                &pair,
                MarketCall::set_encryption_key { key },
                wallet.json,
            )
            .await?;
            report(
                &included,
                json!({ "encryptionKey": format!("0x{}", hex::encode(key)) }),
                wallet.json,
            )
        }
        MarketCommand::RegisterProxy {
            fee_per_mille,
            bond,
            signer: who,
            wallet,
        } => {
            let pair = signer(&who.suri, wallet.keystore_path.clone())?;
            let rpc = Wallet::connect(&wallet.rpc_url).await?;
            ensure_encryption_key(&rpc, &pair, wallet.json).await?;
            let included = submit(
                &rpc,
                &pair,
                MarketCall::register_proxy {
                    fee_per_mille,
                    bond,
                },
                wallet.json,
            )
            .await?;
            report(&included, json!({}), wallet.json)
        }
        MarketCommand::Buy {
            product,
            proxy,
            max_price,
            signer: who,
            wallet,
        } => buy(product, &proxy, max_price, &who, &wallet).await,
        MarketCommand::Accept {
            product,
            all,
            withdraw,
            signer: who,
            wallet,
        } => {
            let call = match product {
                Some(product) if !all => MarketCall::accept_product {
                    product,
                    accepted: !withdraw,
                },
                _ => MarketCall::set_accepts_all {
                    accepts_all: !withdraw,
                },
            };
            simple(call, &who, &wallet).await
        }
        MarketCommand::Serve {
            poll_ms,
            delivery_timeout_secs,
            max_deliveries,
            allow_private_gateways,
            signer: who,
            wallet,
        } => {
            let limits = ServeLimits {
                poll: Duration::from_millis(poll_ms.max(100)),
                delivery_timeout: Duration::from_secs(delivery_timeout_secs.max(1)),
                max_deliveries: max_deliveries.max(1),
                allow_private_gateways,
            };
            serve(limits, &who, &wallet).await
        }
        MarketCommand::Fetch {
            order,
            out,
            gateway,
            ipfs_api,
            sidechain_rpc,
            signer: who,
            wallet,
        } => {
            let sources = Sources {
                gateway,
                ipfs_api,
                sidechain_rpc,
            };
            fetch(order, &out, sources, &who, &wallet).await
        }
        MarketCommand::Confirm {
            order,
            signer: who,
            wallet,
        } => simple(MarketCall::confirm { order }, &who, &wallet).await,
        MarketCommand::Rate {
            order,
            rating,
            proxy_rating,
            signer: who,
            wallet,
        } => {
            simple(
                MarketCall::rate {
                    order,
                    rating,
                    proxy_rating,
                },
                &who,
                &wallet,
            )
            .await
        }
        MarketCommand::Dispute {
            order,
            reason,
            signer: who,
            wallet,
        } => {
            let reason = bounded(&reason, "reason")?;
            simple(MarketCall::dispute { order, reason }, &who, &wallet).await
        }
    }
}

/// What a seller lists.
/// Where a product's content goes.
enum ContentStore {
    /// A storage gateway: listed first, then uploaded; the URL is the location.
    Gateway(String),
    /// An IPFS daemon's HTTP RPC: added first, then listed under its CID (content-addressed
    /// stores know the location only once the content is there).
    Ipfs(String),
}

struct Listing {
    title: String,
    price: u128,
    store: ContentStore,
    description: String,
    tags: Vec<String>,
    category: String,
    license: String,
}

fn bounded<const N: u32>(
    s: &str,
    what: &str,
) -> Result<BoundedVec<u8, cpc_support::ConstU32<N>>, Error> {
    BoundedVec::try_from_vec(s.as_bytes().to_vec())
        .map_err(|_| Error::Input(format!("the {what} is longer than {N} bytes")))
}

fn str_of(value: &Value) -> String {
    value
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| value.to_string())
}

fn parse_account(s: &str) -> Result<AccountId, Error> {
    s.parse()
        .map_err(|e| Error::Input(format!("invalid account `{s}`: {e}")))
}

/// Signs and submits a market call, following it to finality; a failed call is an error.
async fn submit(
    rpc: &Wallet,
    pair: &Pair,
    call: MarketCall,
    quiet: bool,
) -> Result<Included, Error> {
    let signed = rpc
        .sign(pair, RuntimeCall::DataMarket(call).encode(), 0)
        .await?;
    let included = rpc.submit_and_watch(&signed, quiet).await?;
    if let Some(error) = &included.error {
        return Err(Error::Node(format!("the market call failed: {error}")));
    }
    Ok(included)
}

fn market_events(included: &Included) -> impl Iterator<Item = &MarketEvent> {
    included.events.iter().filter_map(|e| match e {
        RuntimeEvent::DataMarket(e) => Some(e),
        _ => None,
    })
}

/// Prints the outcome of a submitted call with `extra` fields.
fn report(included: &Included, extra: Value, as_json: bool) -> Result<(), Error> {
    let mut value = json!({
        "block": included.block,
        "blockNumber": included.number,
        "fee": included.fee.to_string(),
        "success": true,
    });
    if let (Value::Object(map), Value::Object(more)) = (&mut value, extra) {
        map.extend(more);
    }
    if as_json {
        println!("{value}");
    } else {
        println!(
            "Finalized in block #{} ({:#}), fee {}",
            included.number, included.block, included.fee
        );
        for (k, v) in value.as_object().into_iter().flatten() {
            if !["block", "blockNumber", "fee", "success"].contains(&k.as_str()) {
                println!("  {k}: {}", str_of(v));
            }
        }
    }
    Ok(())
}

async fn simple(call: MarketCall, who: &MarketSigner, wallet: &WalletArgs) -> Result<(), Error> {
    let pair = signer(&who.suri, wallet.keystore_path.clone())?;
    let rpc = Wallet::connect(&wallet.rpc_url).await?;
    let included = submit(&rpc, &pair, call, wallet.json).await?;
    report(&included, json!({}), wallet.json)
}

fn key_dir(who: &MarketSigner, genesis: &H256) -> PathBuf {
    who.key_dir.clone().unwrap_or_else(|| {
        default_base_path()
            .join("market")
            .join("keys")
            .join(hex::encode(&genesis.0[..8]))
    })
}

fn key_file(dir: &Path, product: u64) -> PathBuf {
    dir.join(format!("{product}.key"))
}

fn save_key(dir: &Path, product: u64, key: &ContentKey) -> Result<(), Error> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let path = key_file(dir, product);
    // Created readable by the owner only, never briefly by everyone; a file that existed is
    // narrowed before the key is written into it.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(hex::encode(key.0).as_bytes())?;
    Ok(())
}

fn load_key(dir: &Path, product: u64) -> Option<ContentKey> {
    let text = std::fs::read_to_string(key_file(dir, product)).ok()?;
    let bytes: [u8; 32] = hex::decode(text.trim()).ok()?.try_into().ok()?;
    Some(ContentKey(bytes))
}

fn bar(total: u64, what: &str, hidden: bool) -> ProgressBar {
    let bar = if hidden {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>10} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .expect("a valid template; qed")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

fn progress_of(bar: &ProgressBar) -> Progress {
    let bar = bar.clone();
    Arc::new(move |done| bar.set_position(done))
}

async fn products(wallet: &WalletArgs) -> Result<Vec<Value>, Error> {
    let rpc = Wallet::connect(&wallet.rpc_url).await?;
    let mut all = Vec::new();
    let mut start = 0u64;
    loop {
        let page: Vec<Value> = rpc
            .rpc
            .request("market_products", rpc_params![start, 1000])
            .await
            .map_err(rpc_error)?;
        let Some(last) = page.last().and_then(|p| p["id"].as_u64()) else {
            return Ok(all);
        };
        start = last + 1;
        let done = page.len() < 1000;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

fn matches(product: &Value, words: &[String]) -> bool {
    let haystack = format!(
        "{} {} {} {}",
        str_of(&product["title"]),
        str_of(&product["description"]),
        product["tags"]
            .as_array()
            .map(|t| t.iter().map(str_of).collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
        str_of(&product["category"])
    )
    .to_lowercase();
    words.iter().all(|w| haystack.contains(w.as_str()))
}

fn print_products(products: &[&Value], as_json: bool) {
    if as_json {
        println!(
            "{}",
            Value::Array(products.iter().map(|p| (*p).clone()).collect())
        );
        return;
    }
    for p in products {
        println!(
            "{:>5}  {:<40}  price {:>20}  {:>12} bytes  {}",
            p["id"],
            str_of(&p["title"]),
            str_of(&p["price"]),
            p["size"],
            str_of(&p["cid"])
        );
    }
}

/// Product or order `id` through `market_<what>`; absent is an input error.
async fn by_id(rpc: &Wallet, what: &str, id: u64) -> Result<Value, Error> {
    let value: Value = rpc
        .rpc
        .request(&format!("market_{what}"), rpc_params![id])
        .await
        .map_err(rpc_error)?;
    if value.is_null() {
        return Err(Error::Input(format!("no {what} {id}")));
    }
    Ok(value)
}

async fn product_of(rpc: &Wallet, id: u64) -> Result<Value, Error> {
    by_id(rpc, "product", id).await
}

async fn order_of(rpc: &Wallet, id: u64) -> Result<Value, Error> {
    by_id(rpc, "order", id).await
}

fn hex32(value: &Value, what: &str) -> Result<[u8; 32], Error> {
    value
        .as_str()
        .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::Node(format!("the node returned no valid {what}")))
}

async fn encryption_key_of(rpc: &Wallet, who: &AccountId) -> Result<Option<[u8; 32]>, Error> {
    let value: Value = rpc
        .rpc
        .request("market_encryptionKey", rpc_params![who.to_string()])
        .await
        .map_err(rpc_error)?;
    if value.is_null() {
        return Ok(None);
    }
    hex32(&value, "encryption key").map(Some)
}

/// Registers the signer's encryption key unless the chain already has it.
async fn ensure_encryption_key(rpc: &Wallet, pair: &Pair, quiet: bool) -> Result<[u8; 32], Error> {
    let key = EncryptionKeypair::from_account(pair).public();
    let who = AccountId::from(pair.public());
    if encryption_key_of(rpc, &who).await? != Some(key) {
        submit(rpc, pair, MarketCall::set_encryption_key { key }, quiet).await?;
    }
    Ok(key)
}

async fn login(gateway: &str, rpc: &Wallet, pair: &Pair) -> Result<GatewayClient, Error> {
    let mut client = GatewayClient::new(gateway).map_err(|e| Error::Node(e.to_string()))?;
    client
        .login(pair, &rpc.genesis)
        .await
        .map_err(|e| Error::Node(format!("gateway login: {e}")))?;
    Ok(client)
}

/// Uploads `market publish` tries before it delists the product it listed.
const UPLOAD_ATTEMPTS: u32 = 3;

async fn publish(
    file: &Path,
    listing: Listing,
    proxies: &[String],
    who: &MarketSigner,
    wallet: &WalletArgs,
) -> Result<(), Error> {
    let pair = signer(&who.suri, wallet.keystore_path.clone())?;
    let me = AccountId::from(pair.public());
    let approved = proxies
        .iter()
        .map(|a| parse_account(a))
        .collect::<Result<Vec<_>, _>>()?;
    let rpc = Wallet::connect(&wallet.rpc_url).await?;
    let keys = key_dir(who, &rpc.genesis);
    std::fs::create_dir_all(&keys)?;

    // Encrypt into a staging blob beside the keys.
    let key = ContentKey::random();
    let size = std::fs::metadata(file)?.len();
    let blob = keys.join(format!(".publish-{}.blob", std::process::id()));
    let encrypting = bar(size, "encrypt", wallet.json);
    let encrypted = {
        let (key, file, blob, bar) = (
            key.clone(),
            file.to_path_buf(),
            blob.clone(),
            encrypting.clone(),
        );
        tokio::task::spawn_blocking(move || {
            crypto::encrypt_file(&key, &file, &blob, &|done| bar.set_position(done))
        })
        .await
        .map_err(|e| Error::Node(e.to_string()))??
    };
    encrypting.finish();

    // Content-addressed: the content goes first, and its CID is the location.
    let gateway = match &listing.store {
        ContentStore::Gateway(url) => url.clone(),
        ContentStore::Ipfs(api) => {
            let prepared = Prepared {
                key,
                blob,
                encrypted,
                approved,
            };
            return publish_on_ipfs(api, prepared, &listing, &pair, &rpc, wallet, &keys).await;
        }
    };
    let location = StorageLocation::Node(bounded(&gateway, "gateway URL")?);
    let info = product_info(&listing, &encrypted, location, &approved)?;
    let included = submit(&rpc, &pair, MarketCall::publish { info }, wallet.json).await;
    let included = match included {
        Ok(included) => included,
        Err(e) => {
            let _ = std::fs::remove_file(&blob);
            return Err(e);
        }
    };
    let product = published_product(&included)?;
    save_key(&keys, product, &key)?;

    // The product is listed from here on: its content must reach the gateway, or the listing
    // must go, so nobody buys content that is not there.
    let mut attempt = 0;
    let (client, blob_hash) = loop {
        attempt += 1;
        let uploaded = async {
            let client = login(&gateway, &rpc, &pair).await?;
            let uploading = bar(encrypted.blob_size, "upload", wallet.json);
            let hash = client
                .upload(product, &blob, Some(progress_of(&uploading)))
                .await
                .map_err(|e| Error::Node(format!("upload: {e}")));
            uploading.finish();
            hash.map(|hash| (client, hash))
        }
        .await;
        match uploaded {
            Ok(done) => break done,
            Err(e) if attempt < UPLOAD_ATTEMPTS => {
                eprintln!("Uploading product {product} failed (attempt {attempt}, retrying): {e}");
                tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
            }
            Err(e) => {
                let kept = keys.join(format!("{product}.blob"));
                let _ = std::fs::rename(&blob, &kept);
                let delisted = submit(
                    &rpc,
                    &pair,
                    MarketCall::set_listed {
                        product,
                        listed: false,
                    },
                    true,
                )
                .await;
                let status = match delisted {
                    Ok(_) => "delisted".to_string(),
                    Err(d) => format!("still listed (delisting failed: {d})"),
                };
                return Err(Error::Node(format!(
                    "{e}; product {product} is {status}; its encrypted blob is kept at {}",
                    kept.display()
                )));
            }
        }
    };
    let _ = std::fs::remove_file(&blob);

    for recipient in approved.iter().filter(|p| **p != me) {
        let their_key = encryption_key_of(&rpc, recipient)
            .await?
            .ok_or_else(|| Error::Input(format!("{recipient} has registered no encryption key")))?;
        let sealed = crypto::seal(&key, &their_key)
            .map_err(|e| Error::Input(format!("{recipient}'s key: {e}")))?;
        client
            .share_key(product, recipient, &sealed)
            .await
            .map_err(|e| Error::Node(format!("sharing the key with {recipient}: {e}")))?;
    }
    report(
        &included,
        json!({
            "productId": product,
            "contentHash": format!("0x{}", hex::encode(encrypted.content_hash)),
            "cid": cpc_pallet_data_market::content_cid(&encrypted.content_hash),
            "size": encrypted.size,
            "blobHash": format!("0x{}", hex::encode(blob_hash)),
            "keyFile": key_file(&keys, product),
        }),
        wallet.json,
    )
}

/// The id of the product a `publish` extrinsic listed, from its event.
fn published_product(included: &Included) -> Result<u64, Error> {
    market_events(included)
        .find_map(|e| match e {
            MarketEvent::Published { product, .. } => Some(*product),
            _ => None,
        })
        .ok_or_else(|| Error::Node("no Published event".into()))
}

/// The product `listing` describes, for content `encrypted` at `location`.
fn product_info(
    listing: &Listing,
    encrypted: &crypto::Encrypted,
    location: StorageLocation,
    approved: &[AccountId],
) -> Result<ProductInfo, Error> {
    Ok(ProductInfo {
        title: bounded(&listing.title, "title")?,
        description: bounded(&listing.description, "description")?,
        tags: BoundedVec::try_from_vec(
            listing
                .tags
                .iter()
                .map(|t| bounded(t, "tag"))
                .collect::<Result<Vec<_>, _>>()?,
        )
        .map_err(|_| Error::Input("too many tags".into()))?,
        category: bounded(&listing.category, "category")?,
        price: listing.price,
        content_hash: encrypted.content_hash,
        size: encrypted.size,
        location,
        license: bounded(&listing.license, "license")?,
        proxies: BoundedVec::try_from_vec(approved.to_vec())
            .map_err(|_| Error::Input("too many proxies".into()))?,
    })
}

/// What `market publish` prepared: the content key and the encrypted blob (a staging file).
struct Prepared {
    key: ContentKey,
    blob: std::path::PathBuf,
    encrypted: crypto::Encrypted,
    approved: Vec<AccountId>,
}

/// `market publish --ipfs-api`: adds the encrypted blob to the IPFS daemon (pinned), then lists
/// the product under the checked CID. A failed listing unpins what was added for it.
async fn publish_on_ipfs(
    api: &str,
    prepared: Prepared,
    listing: &Listing,
    pair: &Pair,
    rpc: &Wallet,
    wallet: &WalletArgs,
    keys: &Path,
) -> Result<(), Error> {
    let Prepared {
        key,
        blob,
        encrypted,
        approved,
    } = prepared;
    use cpc_market::store::BlobStore;
    let added = async {
        let blob_hash = encrypted.blob_hash;
        let store = cpc_market::store::IpfsStore::new(api, keys.join("ipfs-index"))
            .map_err(|e| Error::Node(format!("IPFS at {api}: {e}")))?;
        store
            .put_file(&blob_hash, &blob, encrypted.blob_size)
            .await
            .map_err(|e| Error::Node(format!("adding the content to IPFS at {api}: {e}")))?;
        let cid = store
            .cid_of(&blob_hash)
            .await
            .map_err(|e| Error::Node(e.to_string()))?
            .ok_or_else(|| Error::Node("IPFS named no CID".into()))?;
        Ok::<_, Error>((store, blob_hash, cid))
    }
    .await;
    let _ = std::fs::remove_file(&blob);
    let (store, blob_hash, cid) = added?;
    let location = StorageLocation::Ipfs(bounded(&cid.to_string(), "CID")?);
    let info = product_info(listing, &encrypted, location, &approved)?;
    let included = match submit(rpc, pair, MarketCall::publish { info }, wallet.json).await {
        Ok(included) => included,
        Err(e) => {
            let _ = store.delete(&blob_hash).await;
            return Err(e);
        }
    };
    let product = published_product(&included)?;
    save_key(keys, product, &key)?;
    if !wallet.json
        && approved
            .iter()
            .any(|p| *p != AccountId::from(pair.public()))
    {
        eprintln!(
            "Product {product} is on IPFS: deliver its keys yourself (`market serve` as the seller); its proxies arbitrate disputes"
        );
    }
    report(
        &included,
        json!({
            "productId": product,
            "contentHash": format!("0x{}", hex::encode(encrypted.content_hash)),
            "ipfsCid": cid.to_string(),
            "size": encrypted.size,
            "blobHash": format!("0x{}", hex::encode(blob_hash)),
            "keyFile": key_file(keys, product),
        }),
        wallet.json,
    )
}

async fn buy(
    product: u64,
    proxy: &str,
    max_price: Option<u128>,
    who: &MarketSigner,
    wallet: &WalletArgs,
) -> Result<(), Error> {
    let pair = signer(&who.suri, wallet.keystore_path.clone())?;
    let proxy = parse_account(proxy)?;
    let rpc = Wallet::connect(&wallet.rpc_url).await?;
    let listed = product_of(&rpc, product).await?;
    let price: u128 = str_of(&listed["price"])
        .parse()
        .map_err(|_| Error::Node("the node returned no valid price".into()))?;
    ensure_encryption_key(&rpc, &pair, wallet.json).await?;
    let included = submit(
        &rpc,
        &pair,
        MarketCall::buy {
            product,
            proxy,
            max_price: max_price.unwrap_or(price),
        },
        wallet.json,
    )
    .await?;
    let (order, deadline) = market_events(&included)
        .find_map(|e| match e {
            MarketEvent::OrderCreated {
                order,
                delivery_deadline,
                ..
            } => Some((*order, *delivery_deadline)),
            _ => None,
        })
        .ok_or_else(|| Error::Node("no OrderCreated event".into()))?;
    report(
        &included,
        json!({ "orderId": order, "price": price.to_string(), "deliveryDeadline": deadline }),
        wallet.json,
    )
}

/// The content key of `product` for a seller (its key file) or a proxy (shared through the
/// product's gateway, sealed to it).
async fn content_key_for(
    rpc: &Wallet,
    pair: &Pair,
    me: &AccountId,
    keys: &Path,
    order: &Value,
    allow_private: bool,
) -> Result<ContentKey, Error> {
    let product = order["product"].as_u64().unwrap_or_default();
    if str_of(&order["seller"]) == me.to_string()
        && let Some(key) = load_key(keys, product)
    {
        return Ok(key);
    }
    let listed = product_of(rpc, product).await?;
    let gateway = listed["location"]["node"]
        .as_str()
        .ok_or_else(|| Error::Node(format!("product {product} is not stored on a gateway")))?;
    if !allow_private {
        cpc_market::target::check_public(gateway)
            .await
            .map_err(|e| Error::Node(format!("product {product}'s gateway {gateway}: {e}")))?;
    }
    let client = login(gateway, rpc, pair).await?;
    let sealed = client
        .shared_key(product, me)
        .await
        .map_err(|e| Error::Node(format!("no key for product {product}: {e}")))?;
    EncryptionKeypair::from_account(pair)
        .open(&sealed)
        .map_err(|e| Error::Node(format!("the key shared for product {product}: {e}")))
}

/// How `market serve` bounds its work.
struct ServeLimits {
    poll: Duration,
    delivery_timeout: Duration,
    max_deliveries: usize,
    allow_private_gateways: bool,
}

/// Every order of `account` (`market_ordersPage`) or every open one
/// (`market_openOrdersPage`), read in bounded pages: however many orders name the account, no
/// answer outgrows the RPC response limit.
async fn all_pages(
    rpc: &Wallet,
    method: &str,
    account: &str,
) -> Result<Vec<Value>, jsonrpsee::core::ClientError> {
    const PAGE: u32 = 200;
    // Every page at one block: an order made between two pages cannot fall behind the cursor.
    let at: Value = rpc.rpc.request("chain_getBlockHash", rpc_params![]).await?;
    let mut orders = Vec::new();
    let mut after: Option<u64> = None;
    loop {
        let page: Value = rpc
            .rpc
            .request(method, rpc_params![account, after, PAGE, at.clone()])
            .await?;
        orders.extend(page["orders"].as_array().into_iter().flatten().cloned());
        match page["next"].as_u64() {
            Some(next) if Some(next) != after => after = Some(next),
            _ => return Ok(orders),
        }
    }
}

/// The delivery daemon. Each round reads the open orders, fetches and seals the keys of up to
/// `max_deliveries` at once, each within `delivery_timeout` (a seller's gateway that never
/// answers stalls one order, never the daemon), then submits the deliveries one by one (they
/// share the signer's nonces).
async fn serve(limits: ServeLimits, who: &MarketSigner, wallet: &WalletArgs) -> Result<(), Error> {
    use futures::StreamExt;
    let pair = signer(&who.suri, wallet.keystore_path.clone())?;
    let me = AccountId::from(pair.public());
    let rpc = Wallet::connect(&wallet.rpc_url).await?;
    let keys = key_dir(who, &rpc.genesis);
    // Orders delivered by this daemon, or moved on without it: never tried again.
    let mut done: BTreeSet<u64> = BTreeSet::new();
    let mut warned: BTreeSet<u64> = BTreeSet::new();
    // Orders that failed: how many times, and not before when to try again (doubling from
    // the poll interval to ten minutes), so orders that keep stalling cost a round rarely.
    let mut retry: BTreeMap<u64, (u32, std::time::Instant)> = BTreeMap::new();
    eprintln!("Serving deliveries as {me}");
    loop {
        let orders: Vec<Value> =
            match all_pages(&rpc, "market_openOrdersPage", &me.to_string()).await {
                Ok(orders) => orders,
                Err(e) => {
                    eprintln!("Reading open orders failed (retrying): {e}");
                    tokio::time::sleep(limits.poll).await;
                    continue;
                }
            };
        let due: Vec<Value> = orders
            .into_iter()
            .filter(|order| {
                let id = order["id"].as_u64().unwrap_or_default();
                // Its own purchases are not its to deliver.
                let mine = str_of(&order["seller"]) == me.to_string()
                    || str_of(&order["proxy"]) == me.to_string();
                let waiting = retry
                    .get(&id)
                    .is_some_and(|(_, next)| *next > std::time::Instant::now());
                mine && order["status"] == json!("created") && !done.contains(&id) && !waiting
            })
            .collect();
        // Each delivery is submitted as soon as its key is sealed, while the others' keys are
        // still being fetched: a stalled gateway delays only its own orders.
        let mut sealed = futures::stream::iter(due)
            .map(|order| {
                let (rpc, pair, me, keys) = (&rpc, &pair, &me, &keys);
                let limits = &limits;
                async move {
                    let id = order["id"].as_u64().unwrap_or_default();
                    let sealing =
                        seal_for(rpc, pair, me, keys, &order, limits.allow_private_gateways);
                    let sealed = tokio::time::timeout(limits.delivery_timeout, sealing)
                        .await
                        .unwrap_or_else(|_| {
                            Err(Error::Node(format!(
                                "getting the key took longer than {:?}",
                                limits.delivery_timeout
                            )))
                        });
                    (id, sealed)
                }
            })
            .buffer_unordered(limits.max_deliveries);
        while let Some((id, sealed)) = sealed.next().await {
            let result = match sealed {
                Ok(sealed_key) => {
                    submit(
                        &rpc,
                        &pair,
                        MarketCall::deliver {
                            order: id,
                            sealed_key,
                        },
                        true,
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(included) => {
                    done.insert(id);
                    retry.remove(&id);
                    let line = json!({
                        "delivered": id,
                        "block": included.block,
                        "fee": included.fee.to_string(),
                    });
                    if wallet.json {
                        println!("{line}");
                    } else {
                        println!("Delivered order {id} in block #{}", included.number);
                    }
                }
                // Another deliverer (the seller or the proxy) was first, or the deadline
                // passed: the order has moved on.
                Err(e)
                    if e.to_string().contains("WrongStatus")
                        || e.to_string().contains("DeadlinePassed") =>
                {
                    done.insert(id);
                    eprintln!("Order {id}: no longer deliverable: {e}");
                }
                // Anything else (no key yet, a gateway that stalls or is refused, a pool or
                // network error) is tried again next round, reported once.
                Err(e) => {
                    if warned.insert(id) {
                        eprintln!("Order {id}: cannot deliver yet (retrying): {e}");
                    }
                    let (failures, next) =
                        retry.entry(id).or_insert((0, std::time::Instant::now()));
                    *failures += 1;
                    let wait = limits
                        .poll
                        .saturating_mul(1 << (*failures).min(16))
                        .min(Duration::from_secs(600));
                    *next = std::time::Instant::now() + wait;
                }
            }
        }
        tokio::time::sleep(limits.poll).await;
    }
}

/// The content key of `order`, sealed to its buyer.
async fn seal_for(
    rpc: &Wallet,
    pair: &Pair,
    me: &AccountId,
    keys: &Path,
    order: &Value,
    allow_private: bool,
) -> Result<Text<MAX_SEALED_KEY_LEN>, Error> {
    let key = content_key_for(rpc, pair, me, keys, order, allow_private).await?;
    let buyer_key = hex32(&order["buyerKey"], "buyer key")?;
    let sealed =
        crypto::seal(&key, &buyer_key).map_err(|e| Error::Node(format!("the buyer's key: {e}")))?;
    BoundedVec::try_from_vec(sealed)
        .map_err(|_| Error::Node("a sealed key always fits; qed".into()))
}

/// Where `market fetch` may get content from, besides the product's own location.
struct Sources {
    gateway: Option<String>,
    ipfs_api: String,
    sidechain_rpc: Option<String>,
}

async fn fetch(
    id: u64,
    out: &Path,
    sources: Sources,
    who: &MarketSigner,
    wallet: &WalletArgs,
) -> Result<(), Error> {
    let pair = signer(&who.suri, wallet.keystore_path.clone())?;
    let me = AccountId::from(pair.public());
    let rpc = Wallet::connect(&wallet.rpc_url).await?;
    let order = order_of(&rpc, id).await?;
    if str_of(&order["buyer"]) != me.to_string() {
        return Err(Error::Input(format!("order {id} is not {me}'s")));
    }
    let listed = product_of(&rpc, order["product"].as_u64().unwrap_or_default()).await?;
    if let Some(stream) = crate::stream::Stream::from_json(&listed) {
        let url = sources.sidechain_rpc.ok_or_else(|| {
            Error::Input(format!(
                "order {id} is for a sidechain stream: pass --sidechain-rpc"
            ))
        })?;
        let side = Wallet::connect(&url).await?;
        let readings = crate::stream::fetch(&rpc, &side, &stream).await?;
        let lines: Vec<String> = readings.iter().map(Value::to_string).collect();
        std::fs::write(out, lines.join("\n") + "\n")?;
        if wallet.json {
            println!(
                "{}",
                json!({ "order": id, "readings": readings.len(), "out": out })
            );
        } else {
            println!(
                "Fetched {} readings of sidechain {}, each verified against its root anchored on main, into {}",
                readings.len(),
                stream.sidechain,
                out.display()
            );
        }
        return Ok(());
    }
    let sealed = order["sealedKey"]
        .as_str()
        .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
        .ok_or_else(|| {
            Error::Input(format!(
                "order {id} is {}: no key delivered yet",
                str_of(&order["status"])
            ))
        })?;
    let key = EncryptionKeypair::from_account(&pair)
        .open(&sealed)
        .map_err(|e| Error::Node(format!("order {id}'s key: {e}")))?;
    let product = order["product"].as_u64().unwrap_or_default();
    let listed = product_of(&rpc, product).await?;
    let expected = hex32(&listed["contentHash"], "content hash")?;
    let with_suffix = |suffix: &str| {
        let mut name = out.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        out.with_file_name(name)
    };
    let (blob, partial) = (with_suffix(".cpc-blob"), with_suffix(".partial"));
    let downloading = bar(
        listed["size"].as_u64().unwrap_or(0),
        "download",
        wallet.json,
    );
    let downloaded = match (&sources.gateway, listed["location"]["ipfs"].as_str()) {
        // Content-addressed: any IPFS node serves it; the hash check below is what counts.
        (None, Some(cid)) => {
            let cid = cid::Cid::try_from(cid)
                .map_err(|e| Error::Node(format!("product {product}'s CID {cid}: {e}")))?;
            cpc_market::client::fetch_from_ipfs(
                &sources.ipfs_api,
                &cid,
                &blob,
                Some(progress_of(&downloading)),
                listed["size"].as_u64(),
            )
            .await
        }
        (gateway, _) => {
            let gateway = gateway
                .clone()
                .or_else(|| listed["location"]["node"].as_str().map(String::from))
                .ok_or_else(|| {
                    Error::Input(format!(
                        "product {product} is not on a gateway; pass --gateway"
                    ))
                })?;
            let client = login(&gateway, &rpc, &pair).await?;
            client
                .download(
                    product,
                    Some(id),
                    &blob,
                    Some(progress_of(&downloading)),
                    listed["size"].as_u64(),
                )
                .await
        }
    };
    downloading.finish();
    downloaded.map_err(|e| {
        let _ = std::fs::remove_file(&blob);
        Error::Node(format!("download: {e}"))
    })?;
    let decrypting = bar(listed["size"].as_u64().unwrap_or(0), "decrypt", wallet.json);
    let result = {
        let (blob, partial, bar) = (blob.clone(), partial.clone(), decrypting.clone());
        tokio::task::spawn_blocking(move || {
            crypto::decrypt_file(&key, &blob, &partial, &|done| bar.set_position(done))
        })
        .await
        .map_err(|e| Error::Node(e.to_string()))?
    };
    decrypting.finish();
    let _ = std::fs::remove_file(&blob);
    let (hash, size) = result.map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        Error::Node(format!("decryption: {e}"))
    })?;
    if hash != expected {
        let _ = std::fs::remove_file(&partial);
        return Err(Error::Node(format!(
            "the content's hash 0x{} is not the product's 0x{}: not the data that was listed",
            hex::encode(hash),
            hex::encode(expected)
        )));
    }
    std::fs::rename(&partial, out)?;
    let value = json!({
        "orderId": id,
        "product": product,
        "size": size,
        "contentHash": format!("0x{}", hex::encode(hash)),
        "verified": true,
        "out": out,
    });
    if wallet.json {
        println!("{value}");
    } else {
        println!(
            "Fetched order {id}: {size} bytes to {}, hash verified",
            out.display()
        );
    }
    Ok(())
}
