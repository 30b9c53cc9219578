//! The data market's shared types: what the data-market pallet stores and returns, and what
//! the node's RPC, the storage gateway and wallets read, plus the runtime API they are read
//! through ([`DataMarketApi`]).
//!
//! A crate of its own so the node links these types without the pallet's logic; the pallet
//! re-exports them, so `cpc_pallet_data_market::Product` and this crate's `Product` are one
//! type.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use cpc_primitives::{AccountId, Balance, BlockNumber};
use cpc_support::{BoundedVec, ConstU32};
use scale_info::TypeInfo;

/// Longest product title, in bytes.
pub const MAX_TITLE_LEN: u32 = 128;
/// Longest product description, in bytes.
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
/// Most proxies a seller approves for a product.
pub const MAX_PRODUCT_PROXIES: u32 = 8;
/// Most products or orders one runtime API query returns.
pub const MAX_ORDERS_QUERY: u32 = 1000;

/// A page of an account's orders and the cursor of the next page (`None`: this was the last).
pub type OrdersPage = (Vec<(OrderId, Order)>, Option<OrderId>);

/// A product's id.
pub type ProductId = u64;
/// An order's id.
pub type OrderId = u64;
/// Bounded text.
pub type Text<const N: u32> = BoundedVec<u8, ConstU32<N>>;

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
    /// A data stream of an IoT sidechain, by name: the first, unstructured form, still read
    /// for products listed with it; new products use [`StorageLocation::SidechainStream`].
    Sidechain {
        /// The sidechain's id in the registry.
        sidechain: u32,
        /// The stream's name.
        stream: Text<MAX_LOCATION_LEN>,
    },
    /// The readings of some devices of an IoT sidechain over a time range. They are in the
    /// sidechain's blocks; a buyer fetches them from a sidechain node with their proofs and
    /// checks each against the sidechain state roots anchored on the main chain.
    SidechainStream {
        /// The sidechain's id in the registry.
        sidechain: u32,
        /// The devices (their ids on the sidechain), 1 to [`MAX_STREAM_DEVICES`], distinct.
        devices: BoundedVec<u32, ConstU32<MAX_STREAM_DEVICES>>,
        /// From this time (device clock, ms since the Unix epoch), inclusive.
        from: u64,
        /// To this time, inclusive.
        to: u64,
    },
}

/// Most devices one sidechain stream product names.
pub const MAX_STREAM_DEVICES: u32 = 16;

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

/// Whether `text` is a CIDv1 in its canonical string form (multibase base32, lowercase,
/// unpadded: `b...`, what Kubo prints for CIDv1 and `ipfs cid base32` gives), with a sha2-256
/// multihash of 32 bytes and a content codec IPFS files use (raw `0x55` for one block,
/// dag-pb `0x70` for a file of many): an IPFS product location. Checked in the runtime, so a
/// product cannot name a malformed or foreign-hash CID; `cpc-market` parses the same with the
/// `cid` crate.
pub fn is_ipfs_cid(text: &[u8]) -> bool {
    let Some(encoded) = text.strip_prefix(b"b") else {
        return false;
    };
    // 36 bytes of CID: 58 base32 characters (the last carries 2 padding bits).
    if encoded.len() != 58 {
        return false;
    }
    let mut bytes = Vec::with_capacity(37);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &c in encoded {
        let value = match c {
            b'a'..=b'z' => c - b'a',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return false,
        };
        buffer = (buffer << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // The padding bits of the last character must be zero (one string per CID).
    if buffer != 0 {
        return false;
    }
    matches!(
        bytes.as_slice(),
        [0x01, 0x55 | 0x70, 0x12, 0x20, digest @ ..] if digest.len() == 32
    )
}

/// Whether `bytes` is UTF-8 text, and not empty unless `may_be_empty`.
pub fn is_text(bytes: &[u8], may_be_empty: bool) -> bool {
    (may_be_empty || !bytes.is_empty()) && core::str::from_utf8(bytes).is_ok()
}

/// The length of a content key sealed to a buyer: an ephemeral X25519 public key, the 32-byte
/// key encrypted, and a 16-byte tag (`cpc_market::crypto::seal`).
pub const SEALED_KEY_LEN: u32 = 32 + 32 + 16;

/// The X25519 public keys of small order, as libsodium lists them, with the top bit (which
/// X25519 ignores) cleared: a key agreement with any of them gives a secret every observer
/// knows, so such a key must never be a buyer's.
const LOW_ORDER_X25519: [[u8; 32]; 7] = [
    [0; 32],
    {
        let mut one = [0; 32];
        one[0] = 1;
        one
    },
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
    // p - 1, p and p + 1 (p = 2^255 - 19): -1, and non-canonical 0 and 1.
    {
        let mut key = [0xff; 32];
        key[0] = 0xec;
        key[31] = 0x7f;
        key
    },
    {
        let mut key = [0xff; 32];
        key[0] = 0xed;
        key[31] = 0x7f;
        key
    },
    {
        let mut key = [0xff; 32];
        key[0] = 0xee;
        key[31] = 0x7f;
        key
    },
];

/// Whether `key` is an X25519 public key of small order (see [`LOW_ORDER_X25519`]).
pub fn is_low_order_x25519(key: &[u8; 32]) -> bool {
    let mut masked = *key;
    masked[31] &= 0x7f;
    LOW_ORDER_X25519.contains(&masked)
}

/// Whether a product's proxy list is usable: at least one proxy, none twice.
pub fn valid_proxies(proxies: &[AccountId]) -> bool {
    let mut sorted = proxies.to_vec();
    sorted.sort();
    sorted.dedup();
    !proxies.is_empty() && sorted.len() == proxies.len()
}

cpc_api::decl_runtime_api! {
    /// `DataMarketApi`: products, orders, encryption keys and proxies (CPChain's own).
    pub trait DataMarketApi in data_market_api, version 2 {
        /// Products from id `start` on, at most `limit` (at most [`MAX_ORDERS_QUERY`]).
        fn products(start: ProductId, limit: u32) -> Vec<(ProductId, Product)>;
        /// Product `id`.
        fn product(id: ProductId) -> Option<Product>;
        /// Order `id`.
        fn order(id: OrderId) -> Option<Order>;
        /// The first page of `orders_page` (at most [`MAX_ORDERS_QUERY`] orders), by id.
        /// Version 1 read the account's whole index to return the latest ones.
        fn orders(who: AccountId) -> Vec<(OrderId, Order)>;
        /// The first page of `open_orders_page`, by id. Version 1 was unbounded.
        fn open_orders(who: AccountId) -> Vec<(OrderId, Order)>;
        /// Orders `who` buys, sells or proxies, at most `limit` (at most
        /// [`MAX_ORDERS_QUERY`]) in the index's order, from the one after `after` (the
        /// cursor a previous page returned; `None`: from the start). Since version 2.
        fn orders_page(who: AccountId, after: Option<OrderId>, limit: u32) -> OrdersPage;
        /// The same for the open orders only. Since version 2.
        fn open_orders_page(who: AccountId, after: Option<OrderId>, limit: u32) -> OrdersPage;
        /// How order `id`'s dispute was ruled, if it was. Since version 2.
        fn order_ruling(id: OrderId) -> Option<Ruling>;
        /// The X25519 key `who` registered.
        fn encryption_key(who: AccountId) -> Option<[u8; 32]>;
        /// A registered proxy.
        fn proxy(who: AccountId) -> Option<Proxy>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cid_of_the_empty_content_is_ipfs_s() {
        // sha2-256 of nothing; `ipfs add --cid-version 1 --raw-leaves` of an empty file.
        let digest: [u8; 32] = [
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
            0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
            0x78, 0x52, 0xb8, 0x55,
        ];
        assert_eq!(
            content_cid(&digest),
            "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
        );
    }

    #[test]
    fn ipfs_locations_are_canonical_cidv1_strings_of_sha2_256_files() {
        use cid::{Cid, multihash::Multihash};
        for seed in 0u8..20 {
            let digest = [seed.wrapping_mul(37); 32];
            let raw = content_cid(&digest);
            assert!(is_ipfs_cid(raw.as_bytes()), "{raw}");
            // What the `cid` crate makes of the same: equal strings, both codecs.
            let hash = Multihash::<64>::wrap(0x12, &digest).unwrap();
            assert_eq!(Cid::new_v1(0x55, hash).to_string(), raw);
            let dag = Cid::new_v1(0x70, hash).to_string();
            assert!(is_ipfs_cid(dag.as_bytes()), "{dag}");
            // Another hash function, another codec, CIDv0 or another base: refused.
            let blake = Multihash::<64>::wrap(0xb220, &digest).unwrap();
            assert!(!is_ipfs_cid(
                Cid::new_v1(0x55, blake).to_string().as_bytes()
            ));
            assert!(!is_ipfs_cid(Cid::new_v1(0x71, hash).to_string().as_bytes()));
            let v0 = Cid::new_v0(hash).unwrap().to_string();
            assert!(!is_ipfs_cid(v0.as_bytes()), "{v0}");
            let base58 = Cid::new_v1(0x55, hash)
                .to_string_of_base(cid::multibase::Base::Base58Btc)
                .unwrap();
            assert!(!is_ipfs_cid(base58.as_bytes()), "{base58}");
            assert!(!is_ipfs_cid(raw.to_uppercase().as_bytes()));
            assert!(!is_ipfs_cid(&raw.as_bytes()[..raw.len() - 1]));
            assert!(!is_ipfs_cid(format!("{raw}a").as_bytes()));
        }
        // A last character with padding bits set is another string for the same CID.
        let raw = content_cid(&[0; 32]);
        let last = raw.as_bytes()[raw.len() - 1];
        let mut odd = raw.clone().into_bytes();
        *odd.last_mut().unwrap() = if last == b'a' { b'b' } else { last + 1 };
        assert!(!is_ipfs_cid(&odd));
        assert!(!is_ipfs_cid(b""));
        assert!(!is_ipfs_cid(b"https://gw.example/x"));
    }

    #[test]
    fn low_order_keys_give_a_zero_secret_and_are_refused() {
        use x25519_dalek::{PublicKey, StaticSecret};
        let secret = StaticSecret::from([0x42; 32]);
        for key in LOW_ORDER_X25519 {
            for top in [0, 0x80] {
                let mut key = key;
                key[31] |= top;
                assert!(is_low_order_x25519(&key));
                let shared = secret.diffie_hellman(&PublicKey::from(key));
                assert_eq!(shared.as_bytes(), &[0; 32], "{key:02x?} is of small order");
            }
        }
        let honest = PublicKey::from(&StaticSecret::from([7; 32]));
        assert!(!is_low_order_x25519(honest.as_bytes()));
        assert_ne!(secret.diffie_hellman(&honest).as_bytes(), &[0; 32]);
    }

    #[test]
    fn proxy_lists_need_one_and_no_duplicates() {
        let a = AccountId::new([1; 32]);
        let b = AccountId::new([2; 32]);
        assert!(valid_proxies(&[a, b]));
        assert!(!valid_proxies(&[]));
        assert!(!valid_proxies(&[a, b, a]));
    }

    #[test]
    fn text_is_utf8_and_maybe_not_empty() {
        assert!(is_text(b"ok", false));
        assert!(!is_text(b"", false));
        assert!(is_text(b"", true));
        assert!(!is_text(&[0xff], true));
    }
}
