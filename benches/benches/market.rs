//! The data market's off-chain hot path: a 100 MB file encrypted and uploaded to a storage
//! gateway, downloaded and decrypted, all on one core (one current-thread runtime runs the
//! gateway and its client; encryption runs on the same thread). The gateway stores in the
//! local store and reads chain state from a fixed in-memory view (one product, one delivered
//! order), so the figures are the gateway's and the cipher's, not the chain's.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use cpc_market::{
    client::GatewayClient,
    crypto::{self, ContentKey},
    gateway::{self, GatewayConfig, MarketView},
    store::LocalStore,
};
use cpc_pallet_data_market::{
    Order, OrderId, OrderStatus, Product, ProductId, ProductInfo, Ruling, StorageLocation,
};
use cpc_primitives::{AccountId, H256};
use cpc_support::BoundedVec;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::{sync::Arc, time::Duration};

const SIZE: usize = 100 * 1000 * 1000;

struct FixedView {
    seller: AccountId,
    buyer: AccountId,
}

impl MarketView for FixedView {
    fn genesis_hash(&self) -> H256 {
        H256([7; 32])
    }
    fn product(&self, _: ProductId) -> Result<Option<Product>, String> {
        Ok(Some(Product {
            seller: self.seller,
            info: ProductInfo {
                title: BoundedVec::new(),
                description: BoundedVec::new(),
                tags: BoundedVec::new(),
                category: BoundedVec::new(),
                price: 1,
                content_hash: [0; 32],
                size: SIZE as u64,
                location: StorageLocation::Node(
                    BoundedVec::try_from_vec(b"http://gw".to_vec()).unwrap(),
                ),
                license: BoundedVec::new(),
                proxies: BoundedVec::new(),
            },
            listed: true,
            deposit: 1,
            open_orders: 1,
            sales: 0,
            rating_sum: 0,
            ratings: 0,
        }))
    }
    fn order(&self, _: OrderId) -> Result<Option<Order>, String> {
        Ok(Some(Order {
            product: 0,
            buyer: self.buyer,
            seller: self.seller,
            proxy: self.seller,
            price: 1,
            proxy_fee_per_mille: 0,
            protocol_fee_per_mille: 0,
            buyer_key: [0; 32],
            status: OrderStatus::Delivered,
            created_at: 1,
            delivery_deadline: 2,
            confirmation_deadline: None,
            dispute_deadline: None,
            sealed_key: None,
            buyer_rated: false,
            seller_rated: false,
        }))
    }
    fn ruling(&self, _: OrderId) -> Result<Option<Ruling>, String> {
        Ok(None)
    }
}

fn gateway_round_trip(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let seller = cpc_crypto::sr25519::Pair::from_suri("//Bob").unwrap().0;
    let buyer = cpc_crypto::sr25519::Pair::from_suri("//Dave").unwrap().0;
    let view = Arc::new(FixedView {
        seller: AccountId::from(seller.public()),
        buyer: AccountId::from(buyer.public()),
    });
    let store = LocalStore::open(dir.path().join("store")).unwrap();
    let handle = runtime
        .block_on(gateway::serve(
            GatewayConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                data_dir: dir.path().join("gateway"),
                token_ttl: Duration::from_secs(3600),
                max_blob_bytes: 1 << 30,
                audiences: vec!["http://gw".into()],
                loopback_audiences: true,
                connections: Default::default(),
                disk: Default::default(),
                cors_origins: Vec::new(),
            },
            view,
            Box::new(store),
        ))
        .unwrap();
    let url = format!("http://{}", handle.addr);
    let genesis = H256([7; 32]);
    let (uploader, downloader) = runtime.block_on(async {
        let mut up = GatewayClient::new(&url).unwrap();
        up.login(&seller, &genesis).await.unwrap();
        let mut down = GatewayClient::new(&url).unwrap();
        down.login(&buyer, &genesis).await.unwrap();
        (up, down)
    });

    let plain = dir.path().join("plain");
    let data: Vec<u8> = (0..SIZE as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(&plain, &data).unwrap();
    drop(data);
    let key = ContentKey::random();
    let blob = dir.path().join("blob");
    let fetched = dir.path().join("fetched");
    let out = dir.path().join("out");

    let mut group = c.benchmark_group("market gateway, 100 MB, one core");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("encrypt and upload", |b| {
        b.iter(|| {
            crypto::encrypt_file(&key, &plain, &blob, &|_| {}).unwrap();
            runtime.block_on(uploader.upload(0, &blob, None)).unwrap()
        })
    });
    group.bench_function("download and decrypt", |b| {
        b.iter(|| {
            runtime
                .block_on(downloader.download(0, Some(0), &fetched, None, None))
                .unwrap();
            crypto::decrypt_file(&key, &fetched, &out, &|_| {}).unwrap()
        })
    });
    group.bench_function("encrypt only", |b| {
        b.iter(|| crypto::encrypt_file(&key, &plain, &blob, &|_| {}).unwrap())
    });
    group.bench_function("upload only", |b| {
        b.iter(|| runtime.block_on(uploader.upload(0, &blob, None)).unwrap())
    });
    group.finish();
    assert_eq!(std::fs::read(&out).unwrap().len(), SIZE);
    drop(handle);
}

criterion_group!(benches, gateway_round_trip);
criterion_main!(benches);
