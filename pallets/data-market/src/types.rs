//! The types the pallet stores and takes as call arguments, the checks a call applies to them
//! before anything is written, and the CID wallets show for a product's content hash.

use crate::{
    Error, MAX_DESCRIPTION_LEN, MAX_LICENSE_LEN, MAX_LOCATION_LEN, MAX_PRODUCT_PROXIES,
    MAX_SEALED_KEY_LEN, MAX_TAG_LEN, MAX_TAGS, MAX_TITLE_LEN,
};
use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use cpc_primitives::{AccountId, Balance, BlockNumber};
use cpc_support::{BoundedVec, ConstU32, ensure};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// A product's id.
pub type ProductId = u64;
/// An order's id.
pub type OrderId = u64;
/// Bounded text.
pub type Text<const N: u32> = BoundedVec<u8, ConstU32<N>>;

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
    pub(crate) fn validate(&self, min_balance: Balance) -> Result<(), Error> {
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

pub(crate) fn is_text(bytes: &[u8], may_be_empty: bool) -> bool {
    (may_be_empty || !bytes.is_empty()) && core::str::from_utf8(bytes).is_ok()
}

impl ProductInfo {
    pub(crate) fn validate(&self) -> Result<(), Error> {
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

pub(crate) fn valid_proxies(proxies: &[AccountId]) -> bool {
    let mut sorted = proxies.to_vec();
    sorted.sort();
    sorted.dedup();
    !proxies.is_empty() && sorted.len() == proxies.len()
}
