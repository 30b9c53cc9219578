//! # Data-market pallet
//!
//! The on-chain half of CPChain's IoT data market (ARCHITECTURE.md §8): sellers list data,
//! buyers pay into escrow, proxies deliver the content key sealed to the buyer, and nobody is
//! paid for data that was not delivered.
//!
//! - **Encryption keys**: every buyer registers an X25519 public key
//!   (`set_encryption_key`); an order snapshots it, so the key a seller seals to cannot change
//!   under it.
//! - **Proxies** bond stake and set a fee in per mille of the price (`register_proxy`,
//!   `set_proxy_fee`); they leave with `deregister_proxy` once none of their orders is open.
//!   Buyers and sellers rate them; ratings feed the proxy-rating dimension of reputation.
//! - **Products**: bounded metadata (title, description, tags, category, license), a price,
//!   the content's sha2-256 digest (the digest of its CIDv1) and size, and where the encrypted
//!   blob is stored. Listing reserves a storage deposit (`product_deposit_base` plus
//!   `product_deposit_per_byte` of metadata), released by `remove_product` once the product
//!   is delisted and has no open order.
//! - **Orders** (`buy`) reserve the price on the buyer: the escrow is reserved balance that
//!   only this pallet releases. Lifecycle:
//!
//!   ```text
//!   buy ──> Created ──deliver──> Delivered ──confirm──────────> Completed
//!              │                   │  └─confirmation deadline─> Completed
//!              └─delivery deadline─┼─────────────────────────-> Refunded
//!                                  └─dispute─> Disputed ──resolve (proxy or root)──> Resolved
//!                                                 └──dispute deadline (refund)────> Resolved
//!   ```
//!
//!   Each deadline is settled once by `on_initialize`: at its block, or in the next blocks
//!   when more than `MAX_SETTLEMENTS_PER_BLOCK` fall due (never early). A dispute nobody rules
//!   by its deadline refunds the buyer. The split of a price is
//!   fixed when the order is made: `protocol = price * protocol‰`, `proxy = price * proxy‰`
//!   (both rounded down), the seller gets the rest, so the three sum to the price exactly.
//! - **Ratings** 1 to 5, once per side per order after it is settled: the buyer rates the
//!   seller's product, the seller rates the buyer, and either may rate the proxy (unless it
//!   is the proxy). Sellers approve the proxies of each product; buyers pick one of them.
//! - **Reputation**: a completed sale counts one unit of the seller's data contribution, and
//!   every proxy rating is reported, through `ReputationReporter`.
//!
//! Invariant (checked by `try_state` and a property test): `TotalEscrowed` equals the sum of
//! the prices of open orders (Created, Delivered, Disputed), and each buyer's reserved balance
//! covers its open orders.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use cpc_pallet_hybrid_consensus::ReputationReporter;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, Balance, BlockNumber,
    dispatch::{DispatchClass, DispatchInfo, DispatchResult, DispatchResultWithPostInfo, Pays},
    weight::Weight,
};
use cpc_support::{
    BoundedVec, ConstU32, Hooks, PalletDef, RawOrigin, ensure, ensure_root, ensure_signed,
    metadata::{StorageEntry, constant},
    traits::{Currency, ReservableCurrency},
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "DataMarket";
/// Longest title, in bytes.
pub const MAX_TITLE_LEN: u32 = 128;
/// Longest description, in bytes.
pub const MAX_DESCRIPTION_LEN: u32 = 2048;
/// Most tags of a product.
pub const MAX_TAGS: u32 = 8;
/// Longest tag or category, in bytes.
pub const MAX_TAG_LEN: u32 = 32;
/// Longest license text, in bytes.
pub const MAX_LICENSE_LEN: u32 = 512;
/// Longest storage URI (an S3 URI, an IPFS CID, a sidechain stream name), in bytes.
pub const MAX_LOCATION_LEN: u32 = 256;
/// Longest sealed content key (ephemeral key, nonce, ciphertext and tag fit in 128).
pub const MAX_SEALED_KEY_LEN: u32 = 256;
/// Longest dispute reason, in bytes.
pub const MAX_REASON_LEN: u32 = 256;
/// Most deadlines settled in one block; the rest wait for the next blocks (a deadline is
/// never refused). Settling one weighs as much as a confirmation (about 1.5 ms), so a block
/// spends at most 98 ms of its 500 ms of compute on them.
pub const MAX_SETTLEMENTS_PER_BLOCK: u32 = 64;
/// Most deadline blocks the settlement cursor moves over in one block.
pub const MAX_CURSOR_STEPS: u32 = 64;
/// Most proxies a seller approves for a product.
pub const MAX_PRODUCT_PROXIES: u32 = 8;
/// Most orders one account's index returns through the runtime API.
pub const MAX_ORDERS_QUERY: u32 = 1000;

/// A product's id.
pub type ProductId = u64;
/// An order's id.
pub type OrderId = u64;
/// Bounded text.
pub type Text<const N: u32> = BoundedVec<u8, ConstU32<N>>;

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {
    /// Where escrow, bonds and deposits are reserved.
    type Currency: ReservableCurrency;
    /// Where completed sales and proxy ratings are reported.
    type Reputation: ReputationReporter;
    /// Weights.
    type WeightInfo: WeightInfo;
}

/// Parameters, set at genesis and by root; open orders keep the fees they were made with.
#[derive(
    Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo, Serialize, Deserialize,
)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Params {
    /// Least bond of a proxy (at least the existential deposit: a bonded proxy's account
    /// always exists).
    pub proxy_min_bond: Balance,
    /// Highest fee a proxy may ask, per mille of the price.
    pub max_proxy_fee_per_mille: u32,
    /// The protocol's share of every sale, per mille.
    pub protocol_fee_per_mille: u32,
    /// Where the protocol's share goes.
    pub protocol_account: AccountId,
    /// Deposit of a product (at least the existential deposit: a listing seller's account
    /// always exists).
    pub product_deposit_base: Balance,
    /// Deposit per byte of a product's encoded metadata.
    pub product_deposit_per_byte: Balance,
    /// Blocks a proxy or seller has to deliver the key after a purchase.
    pub delivery_period: BlockNumber,
    /// Blocks a buyer has to confirm or dispute after delivery.
    pub confirmation_period: BlockNumber,
    /// Blocks the proxy (or root) has to rule a dispute; an unruled dispute then refunds the
    /// buyer, so a proxy the seller chose cannot freeze an honest buyer's escrow.
    pub dispute_period: BlockNumber,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            proxy_min_bond: 1,
            max_proxy_fee_per_mille: 200,
            protocol_fee_per_mille: 10,
            protocol_account: AccountId::new([0; 32]),
            product_deposit_base: 1,
            product_deposit_per_byte: 0,
            delivery_period: 600,
            confirmation_period: 1200,
            dispute_period: 14_400,
        }
    }
}

impl Params {
    /// Checks ranges; bonds and deposits must reach the existential deposit `min_balance`, so
    /// a bonded proxy's and a listing seller's accounts exist whenever they are paid.
    fn validate(&self, min_balance: Balance) -> Result<(), Error> {
        let ok = self.proxy_min_bond >= min_balance.max(1)
            && self.product_deposit_base >= min_balance.max(1)
            && self.max_proxy_fee_per_mille <= 1000
            && self.protocol_fee_per_mille <= 1000
            && self.max_proxy_fee_per_mille + self.protocol_fee_per_mille <= 1000
            && (1..=1_000_000).contains(&self.delivery_period)
            && (1..=1_000_000).contains(&self.confirmation_period)
            && (1..=1_000_000).contains(&self.dispute_period);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidParams)
        }
    }
}

/// A registered proxy.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Proxy {
    /// Reserved stake.
    pub bond: Balance,
    /// Its fee, per mille of a price.
    pub fee_per_mille: u32,
    /// Orders through it that are not settled.
    pub open_orders: u32,
    /// Sum of its ratings.
    pub rating_sum: u64,
    /// Number of its ratings.
    pub ratings: u32,
}

/// Where a product's encrypted blob is stored.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum StorageLocation {
    /// The storage gateway at this URL (the seller's or a proxy's node), by product id.
    Node(Text<MAX_LOCATION_LEN>),
    /// An S3 object (`s3://bucket/key`).
    S3(Text<MAX_LOCATION_LEN>),
    /// An IPFS object, by CID.
    Ipfs(Text<MAX_LOCATION_LEN>),
    /// A data stream of an IoT sidechain.
    Sidechain {
        /// The sidechain's id in the registry.
        sidechain: u32,
        /// The stream's name.
        stream: Text<MAX_LOCATION_LEN>,
    },
}

/// What a seller describes when listing a product.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ProductInfo {
    /// Title (UTF-8, not empty).
    pub title: Text<MAX_TITLE_LEN>,
    /// Description (UTF-8).
    pub description: Text<MAX_DESCRIPTION_LEN>,
    /// Tags (UTF-8, not empty).
    pub tags: BoundedVec<Text<MAX_TAG_LEN>, ConstU32<MAX_TAGS>>,
    /// Category (UTF-8).
    pub category: Text<MAX_TAG_LEN>,
    /// Price.
    pub price: Balance,
    /// sha2-256 of the plaintext content: the digest of its CIDv1 (raw, sha2-256).
    pub content_hash: [u8; 32],
    /// Size of the plaintext content, in bytes.
    pub size: u64,
    /// Where the encrypted content is.
    pub location: StorageLocation,
    /// License terms (UTF-8).
    pub license: Text<MAX_LICENSE_LEN>,
    /// The proxies the seller approves to deliver and to rule disputes (at least one); a
    /// buyer picks one of them. The seller may list itself if it is a registered proxy.
    pub proxies: BoundedVec<AccountId, ConstU32<MAX_PRODUCT_PROXIES>>,
}

/// A listed (or delisted) product.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Product {
    /// The seller.
    pub seller: AccountId,
    /// What the seller described.
    pub info: ProductInfo,
    /// Whether it can be bought.
    pub listed: bool,
    /// The storage deposit reserved on the seller.
    pub deposit: Balance,
    /// Orders of it that are not settled.
    pub open_orders: u32,
    /// Completed sales.
    pub sales: u32,
    /// Sum of buyers' ratings.
    pub rating_sum: u64,
    /// Number of buyers' ratings.
    pub ratings: u32,
}

/// Where an order is in its lifecycle.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum OrderStatus {
    /// Paid into escrow, waiting for the key.
    Created,
    /// The key was delivered, waiting for the buyer.
    Delivered,
    /// The seller, the proxy and the protocol were paid.
    Completed,
    /// The buyer got the price back (no delivery in time).
    Refunded,
    /// The buyer disputed the delivery.
    Disputed,
    /// A dispute was ruled and paid out.
    Resolved,
}

impl OrderStatus {
    /// Whether the price is still in escrow.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Created | Self::Delivered | Self::Disputed)
    }
}

/// How a dispute is settled.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Ruling {
    /// The buyer gets the whole price back; nobody else is paid.
    RefundBuyer,
    /// As if the buyer had confirmed.
    PaySeller,
    /// The buyer gets `buyer_per_mille` of the price back; the rest is split as a sale.
    Split {
        /// The buyer's share, per mille.
        buyer_per_mille: u32,
    },
}

/// An order.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Order {
    /// The product.
    pub product: ProductId,
    /// The buyer.
    pub buyer: AccountId,
    /// The seller.
    pub seller: AccountId,
    /// The proxy the buyer chose.
    pub proxy: AccountId,
    /// The price in escrow.
    pub price: Balance,
    /// The proxy's fee, per mille, when the order was made.
    pub proxy_fee_per_mille: u32,
    /// The protocol's fee, per mille, when the order was made.
    pub protocol_fee_per_mille: u32,
    /// The buyer's X25519 key when the order was made: the key is sealed to it.
    pub buyer_key: [u8; 32],
    /// Where it is.
    pub status: OrderStatus,
    /// The block it was made in.
    pub created_at: BlockNumber,
    /// Refunded at this block unless delivered before.
    pub delivery_deadline: BlockNumber,
    /// Completed at this block unless confirmed or disputed before (once delivered).
    pub confirmation_deadline: Option<BlockNumber>,
    /// Refunded at this block unless ruled before (once disputed).
    pub dispute_deadline: Option<BlockNumber>,
    /// The content key sealed to `buyer_key`, once delivered.
    pub sealed_key: Option<Text<MAX_SEALED_KEY_LEN>>,
    /// Whether the buyer rated.
    pub buyer_rated: bool,
    /// Whether the seller rated.
    pub seller_rated: bool,
}

/// How a price is paid out.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct Split {
    /// To the seller.
    pub seller: Balance,
    /// To the proxy.
    pub proxy: Balance,
    /// To the protocol account.
    pub protocol: Balance,
}

/// The CIDv1 (raw codec, sha2-256 multihash, base32 multibase) of content whose sha2-256 is
/// `digest`: what IPFS calls a file added with raw leaves in one block, and how wallets show
/// a product's content hash.
pub fn content_cid(digest: &[u8; 32]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = Vec::with_capacity(36);
    // CIDv1, raw (0x55), sha2-256 (0x12) of 32 bytes (0x20).
    bytes.extend_from_slice(&[0x01, 0x55, 0x12, 0x20]);
    bytes.extend_from_slice(digest);
    let mut out = String::from("b");
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// `amount * per_mille / 1000` rounded down, without overflow for any `amount`.
pub fn per_mille_of(amount: Balance, per_mille: u32) -> Balance {
    let per_mille = Balance::from(per_mille.min(1000));
    amount / 1000 * per_mille + amount % 1000 * per_mille / 1000
}

/// The split of `amount`: protocol and proxy shares rounded down, the seller the rest, so the
/// parts always sum to `amount`.
pub fn split(amount: Balance, proxy_fee_per_mille: u32, protocol_fee_per_mille: u32) -> Split {
    let protocol = per_mille_of(amount, protocol_fee_per_mille);
    // Fees above 1000 per mille together cannot take more than the amount.
    let proxy = per_mille_of(amount, proxy_fee_per_mille).min(amount - protocol);
    Split {
        seller: amount - protocol - proxy,
        proxy,
        protocol,
    }
}

cpc_support::storage! {
    pallet "DataMarket";
    /// Parameters.
    pub ParamsOf: value Params = default;
    /// Each account's X25519 public key, to seal content keys to.
    pub EncryptionKeys: map Blake2_128Concat AccountId => [u8; 32];
    /// Registered proxies.
    pub Proxies: map Blake2_128Concat AccountId => Proxy;
    /// Products by id.
    pub Products: map Twox64Concat ProductId => Product;
    /// The next product id.
    pub NextProductId: value ProductId = default;
    /// Orders by id.
    pub Orders: map Twox64Concat OrderId => Order;
    /// The next order id.
    pub NextOrderId: value OrderId = default;
    /// Orders by party (buyer, seller and proxy each index theirs), for history.
    pub OrdersOf: double_map Blake2_128Concat AccountId, Twox64Concat OrderId => ();
    /// Open orders by party: what a delivery daemon or a gateway looks up.
    pub OpenOrdersOf: double_map Blake2_128Concat AccountId, Twox64Concat OrderId => ();
    /// Orders with a deadline due at a block.
    pub DeadlineQueue: double_map Twox64Concat BlockNumber, Twox64Concat OrderId => ();
    /// The first block whose deadlines may not all be settled yet.
    pub SettleCursor: value BlockNumber;
    /// Sum of the prices of open orders.
    pub TotalEscrowed: value Balance = default;
}

/// The pallet's calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Registers (or replaces) the caller's X25519 public key.
    #[codec(index = 0)]
    set_encryption_key {
        /// The key.
        key: [u8; 32],
    },
    /// Becomes a proxy, reserving `bond`.
    #[codec(index = 1)]
    register_proxy {
        /// Its fee, per mille of a price.
        fee_per_mille: u32,
        /// The stake to reserve.
        #[codec(compact)]
        bond: Balance,
    },
    /// Changes the proxy's fee for later orders.
    #[codec(index = 2)]
    set_proxy_fee {
        /// The new fee, per mille.
        fee_per_mille: u32,
    },
    /// Stops being a proxy and releases the bond; none of its orders may be open.
    #[codec(index = 3)]
    deregister_proxy,
    /// Lists a product, reserving its storage deposit.
    #[codec(index = 4)]
    publish {
        /// What is sold.
        info: ProductInfo,
    },
    /// Changes a product's price for later orders (its seller).
    #[codec(index = 5)]
    set_price {
        /// The product.
        #[codec(compact)]
        product: ProductId,
        /// The new price.
        #[codec(compact)]
        price: Balance,
    },
    /// Lists or delists a product (its seller).
    #[codec(index = 6)]
    set_listed {
        /// The product.
        #[codec(compact)]
        product: ProductId,
        /// Whether it can be bought.
        listed: bool,
    },
    /// Removes a delisted product with no open order and releases its deposit (its seller).
    #[codec(index = 7)]
    remove_product {
        /// The product.
        #[codec(compact)]
        product: ProductId,
    },
    /// Buys a product through `proxy`, reserving its price; fails if the price is above
    /// `max_price` (the seller may have raised it).
    #[codec(index = 8)]
    buy {
        /// The product.
        #[codec(compact)]
        product: ProductId,
        /// The proxy that delivers (and rules disputes).
        proxy: AccountId,
        /// The most the buyer pays.
        #[codec(compact)]
        max_price: Balance,
    },
    /// Delivers the content key sealed to the buyer's key (the order's proxy or seller).
    #[codec(index = 9)]
    deliver {
        /// The order.
        #[codec(compact)]
        order: OrderId,
        /// The sealed key.
        sealed_key: Text<MAX_SEALED_KEY_LEN>,
    },
    /// Confirms a delivery: the seller, proxy and protocol are paid (the buyer).
    #[codec(index = 10)]
    confirm {
        /// The order.
        #[codec(compact)]
        order: OrderId,
    },
    /// Disputes a delivery before its confirmation deadline (the buyer).
    #[codec(index = 11)]
    dispute {
        /// The order.
        #[codec(compact)]
        order: OrderId,
        /// What is wrong (UTF-8).
        reason: Text<MAX_REASON_LEN>,
    },
    /// Rules a dispute (the order's proxy, or root).
    #[codec(index = 12)]
    resolve {
        /// The order.
        #[codec(compact)]
        order: OrderId,
        /// The ruling.
        ruling: Ruling,
    },
    /// Rates the other side of a settled order, and optionally its proxy, 1 to 5 (the buyer
    /// rates the product, the seller the buyer; once each).
    #[codec(index = 13)]
    rate {
        /// The order.
        #[codec(compact)]
        order: OrderId,
        /// The other side's rating.
        rating: u8,
        /// The proxy's rating.
        proxy_rating: Option<u8>,
    },
    /// Sets the parameters (root); open orders keep their fees and deadlines.
    #[codec(index = 14)]
    set_params {
        /// The parameters.
        params: Params,
    },
    /// Changes the proxies approved for a product (its seller); open orders keep theirs.
    #[codec(index = 15)]
    set_proxies {
        /// The product.
        #[codec(compact)]
        product: ProductId,
        /// The approved proxies (at least one).
        proxies: BoundedVec<AccountId, ConstU32<MAX_PRODUCT_PROXIES>>,
    },
}

/// The pallet's events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// An account registered its encryption key.
    EncryptionKeySet {
        /// The account.
        account: AccountId,
        /// Its X25519 public key.
        key: [u8; 32],
    },
    /// A proxy registered.
    ProxyRegistered {
        /// The proxy.
        proxy: AccountId,
        /// Its fee, per mille.
        fee_per_mille: u32,
        /// Its bond.
        bond: Balance,
    },
    /// A proxy changed its fee.
    ProxyFeeChanged {
        /// The proxy.
        proxy: AccountId,
        /// The new fee, per mille.
        fee_per_mille: u32,
    },
    /// A proxy left; its bond was released.
    ProxyDeregistered {
        /// The proxy.
        proxy: AccountId,
        /// The released bond.
        bond: Balance,
    },
    /// A product was listed.
    Published {
        /// The product.
        product: ProductId,
        /// The seller.
        seller: AccountId,
        /// Its price.
        price: Balance,
        /// The deposit reserved.
        deposit: Balance,
    },
    /// A product's price changed.
    PriceChanged {
        /// The product.
        product: ProductId,
        /// The new price.
        price: Balance,
    },
    /// A product was listed or delisted.
    ListingChanged {
        /// The product.
        product: ProductId,
        /// Whether it can be bought.
        listed: bool,
    },
    /// A product was removed; its deposit was released.
    ProductRemoved {
        /// The product.
        product: ProductId,
        /// The released deposit.
        deposit: Balance,
    },
    /// A buyer paid into escrow.
    OrderCreated {
        /// The order.
        order: OrderId,
        /// The product.
        product: ProductId,
        /// The buyer.
        buyer: AccountId,
        /// The proxy.
        proxy: AccountId,
        /// The price in escrow.
        price: Balance,
        /// Refunded at this block unless delivered.
        delivery_deadline: BlockNumber,
    },
    /// The content key was delivered.
    Delivered {
        /// The order.
        order: OrderId,
        /// Who delivered it (the proxy or the seller).
        by: AccountId,
        /// Completed at this block unless confirmed or disputed.
        confirmation_deadline: BlockNumber,
    },
    /// An order was completed and paid out.
    Completed {
        /// The order.
        order: OrderId,
        /// The payout.
        split: Split,
        /// Whether the confirmation deadline completed it (rather than the buyer).
        by_deadline: bool,
    },
    /// An order was refunded: nothing was delivered by the deadline.
    Refunded {
        /// The order.
        order: OrderId,
        /// The amount returned to the buyer.
        amount: Balance,
    },
    /// The buyer disputed a delivery.
    Disputed {
        /// The order.
        order: OrderId,
        /// The buyer's reason.
        reason: Text<MAX_REASON_LEN>,
        /// Refunded at this block unless ruled before.
        dispute_deadline: BlockNumber,
    },
    /// A dispute was ruled and paid out.
    Resolved {
        /// The order.
        order: OrderId,
        /// The ruling.
        ruling: Ruling,
        /// Who ruled: the proxy, or `None` for root or the dispute deadline.
        by: Option<AccountId>,
        /// Whether the dispute deadline ruled (a full refund).
        by_deadline: bool,
        /// Returned to the buyer.
        refund: Balance,
        /// Paid out of the rest.
        split: Split,
    },
    /// A party rated an order.
    Rated {
        /// The order.
        order: OrderId,
        /// Who rated.
        by: AccountId,
        /// The other side's rating.
        rating: u8,
        /// The proxy's rating, if given.
        proxy_rating: Option<u8>,
    },
    /// A product's approved proxies changed.
    ProxiesChanged {
        /// The product.
        product: ProductId,
        /// The approved proxies.
        proxies: Vec<AccountId>,
    },
    /// New parameters were set.
    ParamsChanged {
        /// The parameters.
        params: Params,
    },
}

/// The pallet's errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// Parameters out of range.
    InvalidParams,
    /// The account is already a proxy.
    AlreadyProxy,
    /// The account is not a proxy.
    NotProxy,
    /// The bond is below `proxy_min_bond`.
    BondTooLow,
    /// The fee is above `max_proxy_fee_per_mille`.
    FeeTooHigh,
    /// The free balance cannot cover the bond, deposit or price.
    InsufficientBalance,
    /// The proxy still has open orders.
    OpenOrders,
    /// A text field is empty where it must not be, or not UTF-8.
    InvalidText,
    /// The price must reach the existential deposit (a refund must be able to keep an
    /// emptied buyer's account).
    PriceTooLow,
    /// The size must be above zero.
    ZeroSize,
    /// No such product.
    UnknownProduct,
    /// Only the product's seller may do this.
    NotSeller,
    /// The product is not listed.
    NotListed,
    /// Only delisted products can be removed.
    StillListed,
    /// Sellers cannot buy their own products.
    SelfPurchase,
    /// The buyer cannot be the order's proxy.
    BuyerIsProxy,
    /// The price is above the buyer's `max_price`.
    PriceAboveMax,
    /// The buyer has no encryption key to seal the content key to.
    NoEncryptionKey,
    /// No such order.
    UnknownOrder,
    /// The order is not in a state that allows this.
    WrongStatus,
    /// Only the order's buyer may do this.
    NotBuyer,
    /// Only the order's proxy or seller may deliver.
    NotDeliverer,
    /// Only the order's proxy (or root) may rule its dispute.
    NotArbiter,
    /// Only the order's buyer or seller may rate it.
    NotParty,
    /// The deadline has passed.
    DeadlinePassed,
    /// Ratings are 1 to 5.
    InvalidRating,
    /// This side already rated this order.
    AlreadyRated,
    /// The split ruling's share is above 1000 per mille.
    InvalidRuling,
    /// The sealed key is empty.
    EmptyKey,
    /// The proxy is not one the seller approved for this product.
    ProxyNotApproved,
    /// A product needs at least one approved proxy, each listed once.
    InvalidProxies,
    /// A proxy cannot rate itself.
    SelfRating,
    /// An id counter is exhausted.
    Overflow,
}

cpc_support::pallet_error!(Error, PALLET);

/// Genesis configuration.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// Parameters (defaults where left out).
    #[serde(default)]
    pub params: Option<Params>,
}

/// The data-market pallet.
pub struct Pallet<T>(PhantomData<T>);

fn is_text(bytes: &[u8], may_be_empty: bool) -> bool {
    (may_be_empty || !bytes.is_empty()) && core::str::from_utf8(bytes).is_ok()
}

impl ProductInfo {
    fn validate(&self) -> Result<(), Error> {
        let texts_ok = is_text(&self.title, false)
            && is_text(&self.description, true)
            && is_text(&self.category, true)
            && is_text(&self.license, true)
            && self.tags.iter().all(|tag| is_text(tag, false));
        ensure!(texts_ok, Error::InvalidText);
        let location_ok = match &self.location {
            StorageLocation::Node(uri) | StorageLocation::S3(uri) | StorageLocation::Ipfs(uri) => {
                is_text(uri, false)
            }
            StorageLocation::Sidechain { stream, .. } => is_text(stream, false),
        };
        ensure!(location_ok, Error::InvalidText);
        ensure!(self.size > 0, Error::ZeroSize);
        ensure!(valid_proxies(&self.proxies), Error::InvalidProxies);
        Ok(())
    }
}

fn valid_proxies(proxies: &[AccountId]) -> bool {
    let mut sorted = proxies.to_vec();
    sorted.sort();
    sorted.dedup();
    !proxies.is_empty() && sorted.len() == proxies.len()
}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }

    /// The parameters.
    pub fn params() -> Params {
        ParamsOf::get_or_default()
    }

    /// The lowest price: the existential deposit (at least 1).
    pub fn min_price() -> Balance {
        T::Currency::minimum_balance().max(1)
    }

    /// The storage deposit of a product described by `info`.
    pub fn deposit_of(info: &ProductInfo) -> Balance {
        let params = Self::params();
        params.product_deposit_base.saturating_add(
            params
                .product_deposit_per_byte
                .saturating_mul(info.encoded_size() as Balance),
        )
    }

    /// Products from id `start` on, at most `limit` (listed or not).
    pub fn products(start: ProductId, limit: u32) -> Vec<(ProductId, Product)> {
        let end = NextProductId::get_or_default();
        let mut out = Vec::new();
        let mut id = start;
        while id < end && out.len() < limit.min(MAX_ORDERS_QUERY) as usize {
            if let Some(product) = Products::get(&id) {
                out.push((id, product));
            }
            id += 1;
        }
        out
    }

    /// The most recent `MAX_ORDERS_QUERY` orders `who` is buyer, seller or proxy of, by id
    /// (for queries outside blocks: it reads the account's whole index).
    pub fn orders_of(who: &AccountId) -> Vec<(OrderId, Order)> {
        let mut ids: Vec<OrderId> = OrdersOf::iter_prefix(who).map(|(id, ())| id).collect();
        ids.sort_unstable();
        let skip = ids.len().saturating_sub(MAX_ORDERS_QUERY as usize);
        ids.into_iter()
            .skip(skip)
            .filter_map(|id| Orders::get(&id).map(|order| (id, order)))
            .collect()
    }

    /// The open orders `who` is buyer, seller or proxy of, by id.
    pub fn open_orders_of(who: &AccountId) -> Vec<(OrderId, Order)> {
        let mut ids: Vec<OrderId> = OpenOrdersOf::iter_prefix(who).map(|(id, ())| id).collect();
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|id| Orders::get(&id).map(|order| (id, order)))
            .collect()
    }

    fn product_of_seller(id: ProductId, who: &AccountId) -> Result<Product, Error> {
        let product = Products::get(&id).ok_or(Error::UnknownProduct)?;
        ensure!(product.seller == *who, Error::NotSeller);
        Ok(product)
    }

    /// Queues `order`'s deadline at block `due`.
    fn schedule(due: BlockNumber, order: OrderId) {
        DeadlineQueue::insert(&due, &order, &());
    }

    /// Releases an order's escrow: `refund` back to the buyer, `split` of the rest paid out.
    /// Cannot fail: the seller's deposit and the proxy's bond keep their accounts alive, and a
    /// protocol share the protocol account cannot receive (it does not exist and the share is
    /// below the existential deposit) goes to the seller.
    fn release(order: &Order, refund: Balance, mut split: Split) -> Split {
        let buyer = &order.buyer;
        if T::Currency::unreserve(buyer, refund) > 0 {
            log::error!(target: "data-market", "could not release the full refund of an order");
        }
        let protocol_account = Self::params().protocol_account;
        if split.protocol > 0
            && T::Currency::repatriate_reserved(buyer, &protocol_account, split.protocol).is_err()
        {
            split.seller += split.protocol;
            split.protocol = 0;
        }
        for (to, amount) in [(&order.proxy, split.proxy), (&order.seller, split.seller)] {
            if amount > 0 && T::Currency::repatriate_reserved(buyer, to, amount).is_err() {
                // Unreachable while the invariants above hold; the buyer keeps what could not
                // be paid rather than it staying reserved forever.
                T::Currency::unreserve(buyer, amount);
            }
        }
        split
    }

    /// Marks `order` settled with `status`: the escrow total, the open-order counters and
    /// indexes; `sold` counts a sale.
    fn close(id: OrderId, order: &mut Order, status: OrderStatus, sold: bool) {
        // The deadline this order waited for, if it settles early; a settling deadline
        // removed its own entry already.
        let waiting = match order.status {
            OrderStatus::Created => Some(order.delivery_deadline),
            OrderStatus::Delivered => order.confirmation_deadline,
            OrderStatus::Disputed => order.dispute_deadline,
            _ => None,
        };
        if let Some(due) = waiting {
            DeadlineQueue::remove(&due, &id);
        }
        order.status = status;
        TotalEscrowed::mutate_or_default(|total| *total = total.saturating_sub(order.price));
        for party in [order.buyer, order.seller, order.proxy] {
            OpenOrdersOf::remove(&party, &id);
        }
        Products::mutate(&order.product, |product| {
            if let Some(product) = product {
                product.open_orders = product.open_orders.saturating_sub(1);
                if sold {
                    product.sales = product.sales.saturating_add(1);
                }
            }
        });
        Proxies::mutate(&order.proxy, |proxy| {
            if let Some(proxy) = proxy {
                proxy.open_orders = proxy.open_orders.saturating_sub(1);
            }
        });
        Orders::insert(&id, order);
    }

    fn complete(id: OrderId, mut order: Order, by_deadline: bool) {
        let split = Self::release(
            &order,
            0,
            split(
                order.price,
                order.proxy_fee_per_mille,
                order.protocol_fee_per_mille,
            ),
        );
        Self::close(id, &mut order, OrderStatus::Completed, true);
        T::Reputation::note_data_contribution(&order.seller, 1);
        Self::deposit_event(Event::Completed {
            order: id,
            split,
            by_deadline,
        });
    }

    fn refund(id: OrderId, mut order: Order) {
        Self::release(&order, order.price, Split::default());
        Self::close(id, &mut order, OrderStatus::Refunded, false);
        Self::deposit_event(Event::Refunded {
            order: id,
            amount: order.price,
        });
    }

    /// Settles a dispute: `by` ruled (`None`: root, or the deadline when `by_deadline`).
    fn rule(
        id: OrderId,
        mut order: Order,
        ruling: Ruling,
        by: Option<AccountId>,
        by_deadline: bool,
    ) -> Result<(), Error> {
        let refund = match ruling {
            Ruling::RefundBuyer => order.price,
            Ruling::PaySeller => 0,
            Ruling::Split { buyer_per_mille } => {
                ensure!(buyer_per_mille <= 1000, Error::InvalidRuling);
                per_mille_of(order.price, buyer_per_mille)
            }
        };
        let sold = refund < order.price;
        let rest = if sold {
            split(
                order.price - refund,
                order.proxy_fee_per_mille,
                order.protocol_fee_per_mille,
            )
        } else {
            Split::default()
        };
        let split = Self::release(&order, refund, rest);
        Self::close(id, &mut order, OrderStatus::Resolved, sold);
        if sold {
            T::Reputation::note_data_contribution(&order.seller, 1);
        }
        Self::deposit_event(Event::Resolved {
            order: id,
            ruling,
            by,
            by_deadline,
            refund,
            split,
        });
        Ok(())
    }

    /// Settles due deadlines, oldest block first, at most `MAX_SETTLEMENTS_PER_BLOCK`; the
    /// rest wait for the next blocks. Returns (orders settled, deadline blocks read).
    fn settle_deadlines(n: BlockNumber) -> (u32, u32) {
        let mut cursor = SettleCursor::get().unwrap_or(n);
        let (mut settled, mut steps) = (0u32, 0u32);
        while cursor <= n && steps < MAX_CURSOR_STEPS {
            steps += 1;
            let room = (MAX_SETTLEMENTS_PER_BLOCK - settled) as usize;
            let due: Vec<OrderId> = DeadlineQueue::iter_prefix(&cursor)
                .map(|(id, ())| id)
                .take(room + 1)
                .collect();
            for id in due.iter().take(room) {
                DeadlineQueue::remove(&cursor, id);
                Self::settle(*id, cursor);
                settled += 1;
            }
            if due.len() > room {
                // More are due at this block than fit: the next block goes on here.
                break;
            }
            cursor += 1;
            if settled == MAX_SETTLEMENTS_PER_BLOCK {
                break;
            }
        }
        SettleCursor::put(&cursor);
        (settled, steps)
    }

    /// Settles order `id` for its deadline at block `due`, if it still waits for it: an order
    /// that moved on (delivered, confirmed, disputed, ruled) has a later deadline or none.
    fn settle(id: OrderId, due: BlockNumber) {
        let Some(order) = Orders::get(&id) else {
            return;
        };
        match order.status {
            OrderStatus::Created if order.delivery_deadline == due => Self::refund(id, order),
            OrderStatus::Delivered if order.confirmation_deadline == Some(due) => {
                Self::complete(id, order, true)
            }
            OrderStatus::Disputed if order.dispute_deadline == Some(due) => {
                // A refund cannot fail: the ruling is valid.
                let _ = Self::rule(id, order, Ruling::RefundBuyer, None, true);
            }
            _ => {}
        }
    }

    fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::set_encryption_key { key } => {
                let who = ensure_signed(origin)?;
                EncryptionKeys::insert(&who, &key);
                Self::deposit_event(Event::EncryptionKeySet { account: who, key });
            }
            Call::register_proxy {
                fee_per_mille,
                bond,
            } => {
                let who = ensure_signed(origin)?;
                let params = Self::params();
                ensure!(!Proxies::contains_key(&who), Error::AlreadyProxy);
                ensure!(bond >= params.proxy_min_bond, Error::BondTooLow);
                ensure!(
                    fee_per_mille <= params.max_proxy_fee_per_mille,
                    Error::FeeTooHigh
                );
                T::Currency::reserve(&who, bond).map_err(|_| Error::InsufficientBalance)?;
                Proxies::insert(
                    &who,
                    &Proxy {
                        bond,
                        fee_per_mille,
                        open_orders: 0,
                        rating_sum: 0,
                        ratings: 0,
                    },
                );
                Self::deposit_event(Event::ProxyRegistered {
                    proxy: who,
                    fee_per_mille,
                    bond,
                });
            }
            Call::set_proxy_fee { fee_per_mille } => {
                let who = ensure_signed(origin)?;
                let mut proxy = Proxies::get(&who).ok_or(Error::NotProxy)?;
                ensure!(
                    fee_per_mille <= Self::params().max_proxy_fee_per_mille,
                    Error::FeeTooHigh
                );
                proxy.fee_per_mille = fee_per_mille;
                Proxies::insert(&who, &proxy);
                Self::deposit_event(Event::ProxyFeeChanged {
                    proxy: who,
                    fee_per_mille,
                });
            }
            Call::deregister_proxy => {
                let who = ensure_signed(origin)?;
                let proxy = Proxies::get(&who).ok_or(Error::NotProxy)?;
                ensure!(proxy.open_orders == 0, Error::OpenOrders);
                T::Currency::unreserve(&who, proxy.bond);
                Proxies::remove(&who);
                Self::deposit_event(Event::ProxyDeregistered {
                    proxy: who,
                    bond: proxy.bond,
                });
            }
            Call::publish { info } => {
                let who = ensure_signed(origin)?;
                info.validate()?;
                ensure!(info.price >= Self::min_price(), Error::PriceTooLow);
                let deposit = Self::deposit_of(&info);
                let id = NextProductId::get_or_default();
                let next = id.checked_add(1).ok_or(Error::Overflow)?;
                T::Currency::reserve(&who, deposit).map_err(|_| Error::InsufficientBalance)?;
                let price = info.price;
                Products::insert(
                    &id,
                    &Product {
                        seller: who,
                        info,
                        listed: true,
                        deposit,
                        open_orders: 0,
                        sales: 0,
                        rating_sum: 0,
                        ratings: 0,
                    },
                );
                NextProductId::put(&next);
                Self::deposit_event(Event::Published {
                    product: id,
                    seller: who,
                    price,
                    deposit,
                });
            }
            Call::set_price { product, price } => {
                let who = ensure_signed(origin)?;
                let mut record = Self::product_of_seller(product, &who)?;
                ensure!(price >= Self::min_price(), Error::PriceTooLow);
                record.info.price = price;
                Products::insert(&product, &record);
                Self::deposit_event(Event::PriceChanged { product, price });
            }
            Call::set_listed { product, listed } => {
                let who = ensure_signed(origin)?;
                let mut record = Self::product_of_seller(product, &who)?;
                record.listed = listed;
                Products::insert(&product, &record);
                Self::deposit_event(Event::ListingChanged { product, listed });
            }
            Call::remove_product { product } => {
                let who = ensure_signed(origin)?;
                let record = Self::product_of_seller(product, &who)?;
                ensure!(!record.listed, Error::StillListed);
                ensure!(record.open_orders == 0, Error::OpenOrders);
                T::Currency::unreserve(&who, record.deposit);
                Products::remove(&product);
                Self::deposit_event(Event::ProductRemoved {
                    product,
                    deposit: record.deposit,
                });
            }
            Call::buy {
                product,
                proxy,
                max_price,
            } => {
                let who = ensure_signed(origin)?;
                Self::buy(who, product, proxy, max_price)?;
            }
            Call::deliver { order, sealed_key } => {
                let who = ensure_signed(origin)?;
                let mut record = Orders::get(&order).ok_or(Error::UnknownOrder)?;
                ensure!(
                    who == record.proxy || who == record.seller,
                    Error::NotDeliverer
                );
                ensure!(record.status == OrderStatus::Created, Error::WrongStatus);
                let now = System::<T>::block_number();
                ensure!(now < record.delivery_deadline, Error::DeadlinePassed);
                ensure!(!sealed_key.is_empty(), Error::EmptyKey);
                let deadline = now.saturating_add(Self::params().confirmation_period);
                DeadlineQueue::remove(&record.delivery_deadline, &order);
                Self::schedule(deadline, order);
                record.status = OrderStatus::Delivered;
                record.sealed_key = Some(sealed_key);
                record.confirmation_deadline = Some(deadline);
                Orders::insert(&order, &record);
                Self::deposit_event(Event::Delivered {
                    order,
                    by: who,
                    confirmation_deadline: deadline,
                });
            }
            Call::confirm { order } => {
                let who = ensure_signed(origin)?;
                let record = Orders::get(&order).ok_or(Error::UnknownOrder)?;
                ensure!(record.buyer == who, Error::NotBuyer);
                ensure!(record.status == OrderStatus::Delivered, Error::WrongStatus);
                Self::complete(order, record, false);
            }
            Call::dispute { order, reason } => {
                let who = ensure_signed(origin)?;
                let mut record = Orders::get(&order).ok_or(Error::UnknownOrder)?;
                ensure!(record.buyer == who, Error::NotBuyer);
                ensure!(record.status == OrderStatus::Delivered, Error::WrongStatus);
                let now = System::<T>::block_number();
                ensure!(
                    record.confirmation_deadline.is_some_and(|d| now < d),
                    Error::DeadlinePassed
                );
                ensure!(is_text(&reason, true), Error::InvalidText);
                let deadline = now.saturating_add(Self::params().dispute_period);
                if let Some(due) = record.confirmation_deadline {
                    DeadlineQueue::remove(&due, &order);
                }
                Self::schedule(deadline, order);
                record.status = OrderStatus::Disputed;
                record.dispute_deadline = Some(deadline);
                Orders::insert(&order, &record);
                Self::deposit_event(Event::Disputed {
                    order,
                    reason,
                    dispute_deadline: deadline,
                });
            }
            Call::resolve { order, ruling } => {
                let by = match origin {
                    RawOrigin::Root => None,
                    origin => Some(ensure_signed(origin)?),
                };
                let record = Orders::get(&order).ok_or(Error::UnknownOrder)?;
                if let Some(who) = &by {
                    ensure!(*who == record.proxy, Error::NotArbiter);
                }
                ensure!(record.status == OrderStatus::Disputed, Error::WrongStatus);
                // Past the deadline the dispute is the deadline's (a refund) unless root rules
                // first while the queue catches up.
                let now = System::<T>::block_number();
                ensure!(
                    by.is_none() || record.dispute_deadline.is_some_and(|d| now < d),
                    Error::DeadlinePassed
                );
                if let Ruling::Split { buyer_per_mille } = ruling {
                    ensure!(buyer_per_mille <= 1000, Error::InvalidRuling);
                }
                Self::rule(order, record, ruling, by, false)?;
            }
            Call::rate {
                order,
                rating,
                proxy_rating,
            } => {
                let who = ensure_signed(origin)?;
                Self::rate(who, order, rating, proxy_rating)?;
            }
            Call::set_params { params } => {
                ensure_root(origin)?;
                params.validate(T::Currency::minimum_balance())?;
                ParamsOf::put(&params);
                Self::deposit_event(Event::ParamsChanged { params });
            }
            Call::set_proxies { product, proxies } => {
                let who = ensure_signed(origin)?;
                let mut record = Self::product_of_seller(product, &who)?;
                ensure!(valid_proxies(&proxies), Error::InvalidProxies);
                record.info.proxies = proxies;
                Products::insert(&product, &record);
                Self::deposit_event(Event::ProxiesChanged {
                    product,
                    proxies: record.info.proxies.into_inner(),
                });
            }
        }
        Ok(Default::default())
    }

    fn buy(
        who: AccountId,
        product_id: ProductId,
        proxy_account: AccountId,
        max_price: Balance,
    ) -> DispatchResult {
        let mut product = Products::get(&product_id).ok_or(Error::UnknownProduct)?;
        ensure!(product.listed, Error::NotListed);
        ensure!(product.seller != who, Error::SelfPurchase);
        ensure!(proxy_account != who, Error::BuyerIsProxy);
        ensure!(
            product.info.proxies.contains(&proxy_account),
            Error::ProxyNotApproved
        );
        let mut proxy = Proxies::get(&proxy_account).ok_or(Error::NotProxy)?;
        let price = product.info.price;
        ensure!(price <= max_price, Error::PriceAboveMax);
        let buyer_key = EncryptionKeys::get(&who).ok_or(Error::NoEncryptionKey)?;
        let id = NextOrderId::get_or_default();
        let next = id.checked_add(1).ok_or(Error::Overflow)?;
        let params = Self::params();
        let now = System::<T>::block_number();
        let deadline = now.saturating_add(params.delivery_period);
        T::Currency::reserve(&who, price).map_err(|_| Error::InsufficientBalance)?;
        Self::schedule(deadline, id);
        let order = Order {
            product: product_id,
            buyer: who,
            seller: product.seller,
            proxy: proxy_account,
            price,
            // A proxy registered under a higher cap keeps its fee, but orders get the cap.
            proxy_fee_per_mille: proxy.fee_per_mille.min(params.max_proxy_fee_per_mille),
            protocol_fee_per_mille: params.protocol_fee_per_mille,
            buyer_key,
            status: OrderStatus::Created,
            created_at: now,
            delivery_deadline: deadline,
            confirmation_deadline: None,
            dispute_deadline: None,
            sealed_key: None,
            buyer_rated: false,
            seller_rated: false,
        };
        Orders::insert(&id, &order);
        NextOrderId::put(&next);
        for party in [who, product.seller, proxy_account] {
            OrdersOf::insert(&party, &id, &());
            OpenOrdersOf::insert(&party, &id, &());
        }
        product.open_orders += 1;
        Products::insert(&product_id, &product);
        proxy.open_orders += 1;
        Proxies::insert(&proxy_account, &proxy);
        TotalEscrowed::mutate_or_default(|total| *total = total.saturating_add(price));
        Self::deposit_event(Event::OrderCreated {
            order: id,
            product: product_id,
            buyer: who,
            proxy: proxy_account,
            price,
            delivery_deadline: deadline,
        });
        Ok(())
    }

    fn rate(who: AccountId, id: OrderId, rating: u8, proxy_rating: Option<u8>) -> DispatchResult {
        let mut order = Orders::get(&id).ok_or(Error::UnknownOrder)?;
        ensure!(
            matches!(order.status, OrderStatus::Completed | OrderStatus::Resolved),
            Error::WrongStatus
        );
        let valid = |r: u8| (1..=5).contains(&r);
        ensure!(
            valid(rating) && proxy_rating.is_none_or(valid),
            Error::InvalidRating
        );
        ensure!(
            proxy_rating.is_none() || who != order.proxy,
            Error::SelfRating
        );
        if who == order.buyer {
            ensure!(!order.buyer_rated, Error::AlreadyRated);
            order.buyer_rated = true;
            Products::mutate(&order.product, |product| {
                if let Some(product) = product {
                    product.rating_sum += u64::from(rating);
                    product.ratings += 1;
                }
            });
        } else if who == order.seller {
            ensure!(!order.seller_rated, Error::AlreadyRated);
            order.seller_rated = true;
        } else {
            return Err(Error::NotParty.into());
        }
        if let Some(r) = proxy_rating {
            Proxies::mutate(&order.proxy, |proxy| {
                if let Some(proxy) = proxy {
                    proxy.rating_sum += u64::from(r);
                    proxy.ratings += 1;
                }
            });
            T::Reputation::note_proxy_rating(&order.proxy, r);
        }
        Orders::insert(&id, &order);
        Self::deposit_event(Event::Rated {
            order: id,
            by: who,
            rating,
            proxy_rating,
        });
        Ok(())
    }

    /// Checks the pallet's invariants: the escrow total is the sum of open orders' prices, each
    /// buyer's reserve covers its open orders, and the open-order counters count them.
    pub fn check_invariants() -> Result<(), &'static str> {
        let mut escrowed: Balance = 0;
        let mut by_buyer: alloc::collections::BTreeMap<AccountId, Balance> = Default::default();
        let mut by_product: alloc::collections::BTreeMap<ProductId, u32> = Default::default();
        let mut by_proxy: alloc::collections::BTreeMap<AccountId, u32> = Default::default();
        for (id, order) in Orders::iter() {
            let indexed = [order.buyer, order.seller, order.proxy]
                .iter()
                .filter(|party| OpenOrdersOf::contains_key(party, &id))
                .count();
            if indexed != if order.status.is_open() { 3 } else { 0 } {
                return Err("the open-order index disagrees with an order's status");
            }
            if order.status.is_open() {
                escrowed += order.price;
                *by_buyer.entry(order.buyer).or_default() += order.price;
                *by_product.entry(order.product).or_default() += 1;
                *by_proxy.entry(order.proxy).or_default() += 1;
            }
        }
        if escrowed != TotalEscrowed::get_or_default() {
            return Err("TotalEscrowed is not the sum of open orders' prices");
        }
        for (buyer, amount) in by_buyer {
            if T::Currency::reserved_balance(&buyer) < amount {
                return Err("a buyer's reserve does not cover its open orders");
            }
        }
        for (id, product) in Products::iter() {
            if product.open_orders != by_product.get(&id).copied().unwrap_or(0) {
                return Err("a product's open_orders does not count its open orders");
            }
        }
        for (account, proxy) in Proxies::iter() {
            if proxy.open_orders != by_proxy.get(&account).copied().unwrap_or(0) {
                return Err("a proxy's open_orders does not count its open orders");
            }
        }
        Ok(())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn on_initialize(n: BlockNumber) -> Weight {
        let (settled, steps) = Self::settle_deadlines(n);
        <T as Config>::WeightInfo::settle_deadlines(settled, steps)
    }

    fn try_state(_n: BlockNumber) -> Result<(), &'static str> {
        Self::check_invariants()
    }
}

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        Self::dispatch_call(call, origin)
    }

    fn call_info(call: &Call) -> DispatchInfo {
        let weight = match call {
            Call::set_encryption_key { .. } => <T as Config>::WeightInfo::set_encryption_key(),
            Call::register_proxy { .. } => <T as Config>::WeightInfo::register_proxy(),
            Call::set_proxy_fee { .. } => <T as Config>::WeightInfo::set_proxy_fee(),
            Call::deregister_proxy => <T as Config>::WeightInfo::deregister_proxy(),
            Call::publish { info } => {
                <T as Config>::WeightInfo::publish(info.encoded_size() as u32)
            }
            Call::set_price { .. } | Call::set_listed { .. } => {
                <T as Config>::WeightInfo::set_price()
            }
            Call::remove_product { .. } => <T as Config>::WeightInfo::remove_product(),
            Call::buy { .. } => <T as Config>::WeightInfo::buy(),
            Call::deliver { .. } => <T as Config>::WeightInfo::deliver(),
            Call::confirm { .. } => <T as Config>::WeightInfo::confirm(),
            Call::dispute { .. } => <T as Config>::WeightInfo::dispute(),
            Call::resolve { .. } => <T as Config>::WeightInfo::resolve(),
            Call::rate { .. } => <T as Config>::WeightInfo::rate(),
            Call::set_params { .. } => <T as Config>::WeightInfo::set_params(),
            Call::set_proxies { .. } => <T as Config>::WeightInfo::set_price(),
        };
        DispatchInfo {
            weight,
            class: match call {
                Call::set_params { .. } => DispatchClass::Operational,
                _ => DispatchClass::Normal,
            },
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(config: &GenesisConfig) -> Result<(), String> {
        // Without parameters, the defaults with bonds and deposits at the existential deposit.
        let params = config.params.clone().unwrap_or_else(|| {
            let ed = T::Currency::minimum_balance().max(1);
            Params {
                proxy_min_bond: ed,
                product_deposit_base: ed,
                ..Default::default()
            }
        });
        params
            .validate(T::Currency::minimum_balance())
            .map_err(|_| {
                String::from(
                    "data market: parameters out of range (bonds and deposits must reach the existential deposit)",
                )
            })?;
        ParamsOf::put(&params);
        // Deadlines are settled from block 1 on.
        SettleCursor::put(&1);
        Ok(())
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        alloc::vec![
            ParamsOf::entry_metadata(),
            EncryptionKeys::entry_metadata(),
            Proxies::entry_metadata(),
            Products::entry_metadata(),
            NextProductId::entry_metadata(),
            Orders::entry_metadata(),
            NextOrderId::entry_metadata(),
            OrdersOf::entry_metadata(),
            OpenOrdersOf::entry_metadata(),
            DeadlineQueue::entry_metadata(),
            SettleCursor::entry_metadata(),
            TotalEscrowed::entry_metadata(),
        ]
    }

    fn constants_metadata() -> Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![
            constant("MaxTitleLen", &MAX_TITLE_LEN, &["Longest title, in bytes."]),
            constant(
                "MaxDescriptionLen",
                &MAX_DESCRIPTION_LEN,
                &["Longest description, in bytes."]
            ),
            constant("MaxTags", &MAX_TAGS, &["Most tags of a product."]),
            constant(
                "MaxSettlementsPerBlock",
                &MAX_SETTLEMENTS_PER_BLOCK,
                &["Most order deadlines settled in one block."]
            ),
        ]
    }
}
