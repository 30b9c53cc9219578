//! Shared by the gateway tests: chain state held in memory (what the node reads from its
//! finalized state), accounts and a running gateway.

#![allow(dead_code)]

use cpc_crypto::sr25519::Pair;
use cpc_data_market_primitives::{
    Order, OrderId, OrderStatus, Product, ProductId, ProductInfo, Ruling, StorageLocation,
};
use cpc_market::{
    gateway::{self, GatewayConfig, GatewayHandle, MarketView},
    store::BlobStore,
};
use cpc_primitives::{AccountId, H256};
use cpc_support::BoundedVec;
use parking_lot::Mutex;
use std::{collections::BTreeMap, sync::Arc, time::Duration};

/// Products and orders, as a chain's state would hold them.
#[derive(Default)]
pub struct MemoryView {
    pub products: Mutex<BTreeMap<ProductId, Product>>,
    pub orders: Mutex<BTreeMap<OrderId, Order>>,
    pub rulings: Mutex<BTreeMap<OrderId, Ruling>>,
}

impl MarketView for MemoryView {
    fn genesis_hash(&self) -> H256 {
        H256([7; 32])
    }
    fn product(&self, id: ProductId) -> Result<Option<Product>, String> {
        Ok(self.products.lock().get(&id).cloned())
    }
    fn order(&self, id: OrderId) -> Result<Option<Order>, String> {
        Ok(self.orders.lock().get(&id).cloned())
    }
    fn ruling(&self, id: OrderId) -> Result<Option<Ruling>, String> {
        Ok(self.rulings.lock().get(&id).copied())
    }
}

impl MemoryView {
    pub fn set_order(&self, id: OrderId, product: ProductId, buyer: &Pair, status: OrderStatus) {
        let seller = self.products.lock()[&product].seller;
        self.orders.lock().insert(
            id,
            Order {
                product,
                buyer: AccountId::from(buyer.public()),
                seller,
                proxy: AccountId::new([9; 32]),
                price: 100,
                proxy_fee_per_mille: 0,
                protocol_fee_per_mille: 0,
                buyer_key: [0; 32],
                status,
                created_at: 1,
                delivery_deadline: 10,
                confirmation_deadline: None,
                dispute_deadline: None,
                sealed_key: None,
                buyer_rated: false,
                seller_rated: false,
            },
        );
    }
}

pub fn pair(name: &str) -> Pair {
    Pair::from_suri(&format!("//{name}")).unwrap().0
}

pub fn account(pair: &Pair) -> AccountId {
    AccountId::from(pair.public())
}

pub fn product(seller: &Pair) -> Product {
    Product {
        seller: account(seller),
        info: ProductInfo {
            title: BoundedVec::try_from_vec(b"t".to_vec()).unwrap(),
            description: BoundedVec::new(),
            tags: BoundedVec::new(),
            category: BoundedVec::new(),
            price: 100,
            content_hash: [0; 32],
            size: 1,
            location: StorageLocation::Node(
                BoundedVec::try_from_vec(b"http://gw".to_vec()).unwrap(),
            ),
            license: BoundedVec::new(),
            proxies: BoundedVec::try_from_vec(vec![AccountId::new([9; 32])]).unwrap(),
        },
        listed: true,
        deposit: 1,
        open_orders: 0,
        sales: 0,
        rating_sum: 0,
        ratings: 0,
    }
}

/// The tests' gateway settings: 127.0.0.1 on a port the system picks, data in `dir`, the
/// products' location `http://gw` as its public address, default bounds.
pub fn config(dir: &std::path::Path, token_ttl: Duration, max_blob_bytes: u64) -> GatewayConfig {
    GatewayConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_path_buf(),
        token_ttl,
        max_blob_bytes,
        audiences: vec!["http://gw".into()],
        loopback_audiences: true,
        connections: Default::default(),
        disk: Default::default(),
        cors_origins: Vec::new(),
    }
}

/// A gateway on 127.0.0.1 over `store`, with `view`.
pub async fn start(
    dir: &std::path::Path,
    view: Arc<MemoryView>,
    store: Box<dyn BlobStore>,
    token_ttl: Duration,
    max_blob_bytes: u64,
) -> GatewayHandle {
    gateway::serve(config(dir, token_ttl, max_blob_bytes), view, store)
        .await
        .unwrap()
}

/// A gateway over `store` (data in `dir/gw`): Bob uploads the blob at `blob_path` for his
/// product 0, and Dave, holding a delivered order of it, downloads the same bytes.
pub async fn a_buyer_downloads_through_a_gateway_over(
    store: Box<dyn BlobStore>,
    dir: &std::path::Path,
    blob_path: &std::path::Path,
) {
    let blob = std::fs::read(blob_path).unwrap();
    let view = Arc::new(MemoryView::default());
    view.products.lock().insert(0, product(&pair("Bob")));
    let handle = start(
        &dir.join("gw"),
        view.clone(),
        store,
        Duration::from_secs(600),
        1 << 30,
    )
    .await;
    let url = format!("http://{}", handle.addr);
    let genesis = H256([7; 32]);
    let mut seller = cpc_market::client::GatewayClient::new(&url).unwrap();
    seller.login(&pair("Bob"), &genesis).await.unwrap();
    seller.upload(0, blob_path, None).await.unwrap();
    view.set_order(0, 0, &pair("Dave"), OrderStatus::Delivered);
    let mut buyer = cpc_market::client::GatewayClient::new(&url).unwrap();
    buyer.login(&pair("Dave"), &genesis).await.unwrap();
    let out = dir.join("out");
    let (len, got) = buyer.download(0, Some(0), &out, None, None).await.unwrap();
    assert_eq!(
        (len, got),
        (blob.len() as u64, cpc_market::crypto::sha256(&blob))
    );
    assert_eq!(std::fs::read(&out).unwrap(), blob);
}
