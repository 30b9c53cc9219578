//! # Data-market pallet
//!
//! The on-chain half of CPChain's IoT data market (`docs/architecture.md`, "Data market"):
//! sellers list data, buyers pay into escrow, proxies deliver the content key sealed to the
//! buyer, and nobody is paid for data that was not delivered.
//!
//! - **Encryption keys**: every buyer registers an X25519 public key
//!   (`set_encryption_key`); an order snapshots it, so the key a seller seals to cannot change
//!   under it.
//! - **Proxies** bond stake and set a fee in per mille of the price (`register_proxy`,
//!   `set_proxy_fee`); they leave with `deregister_proxy` once none of their orders is open.
//!   Buyers and sellers rate them; ratings feed the proxy-rating dimension of reputation.
//!   A proxy serves only what it agreed to: each product it accepts (`accept_product`), or
//!   every product that lists it (`set_accepts_all`). A seller lists proxies, a buyer picks
//!   one of those that accepted, and a seller is never its own product's proxy.
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

mod api;
#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
mod calls;
mod deadlines;
mod events;
mod hooks;
#[cfg(test)]
mod mock;
mod settlement;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use alloc::{string::String, vec::Vec};
use codec::Encode;
use core::marker::PhantomData;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, Balance, BlockNumber,
    dispatch::{DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Pays},
};
use cpc_support::{
    PalletDef, RawOrigin,
    metadata::{StorageEntry, constant},
    traits::{Currency, ReputationReporter, ReservableCurrency},
};
use serde::{Deserialize, Serialize};

pub use calls::Call;
pub use cpc_data_market_primitives::{
    DataMarketApi, MAX_DESCRIPTION_LEN, MAX_LICENSE_LEN, MAX_LOCATION_LEN, MAX_ORDERS_QUERY,
    MAX_PRODUCT_PROXIES, MAX_SEALED_KEY_LEN, MAX_TAG_LEN, MAX_TAGS, MAX_TITLE_LEN, Order, OrderId,
    OrderStatus, OrdersPage, Product, ProductId, ProductInfo, Proxy, Ruling, SEALED_KEY_LEN,
    StorageLocation, Text, content_cid, data_market_api,
};
pub use events::{Error, Event};
pub use settlement::{per_mille_of, split};
pub use types::{Params, Split};
pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "DataMarket";
/// Longest dispute reason, in bytes.
pub const MAX_REASON_LEN: u32 = 256;
/// Most deadlines settled in one block; the rest wait for the next blocks (a deadline is
/// never refused). Settling one weighs as much as a confirmation (about 1.5 ms), so a block
/// spends at most 98 ms of its 500 ms of compute on them.
pub const MAX_SETTLEMENTS_PER_BLOCK: u32 = 64;
/// Most deadline blocks the settlement cursor moves over in one block.
pub const MAX_CURSOR_STEPS: u32 = 64;
/// Most closed orders removed in one block; the rest wait for the next blocks.
pub const MAX_EXPIRIES_PER_BLOCK: u32 = 64;

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {
    /// Where escrow, bonds and deposits are reserved.
    type Currency: ReservableCurrency;
    /// Where completed sales and proxy ratings are reported.
    type Reputation: ReputationReporter;
    /// Who operates each IoT sidechain: a completed sale of its data counts toward that
    /// account's data contribution too.
    type SidechainOperators: SidechainOperators;
    /// Weights.
    type WeightInfo: WeightInfo;
    /// Blocks a closed order (completed, refunded or resolved) is kept before it expires:
    /// removed with its index entries and its ruling, so orders do not pile up in state
    /// forever. A buyer downloads, and both sides rate, within it.
    const ORDER_RETENTION: BlockNumber;
}

/// The operators of IoT sidechains, by id (the main chain's registry knows them).
pub trait SidechainOperators {
    /// The account that registered sidechain `id`.
    fn operator(id: u32) -> Option<AccountId>;
}

/// No sidechains.
impl SidechainOperators for () {
    fn operator(_id: u32) -> Option<AccountId> {
        None
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
    /// The products each proxy agreed to serve (only proxies the product lists; at most
    /// `MAX_PRODUCT_PROXIES` per product, removed with the product or its listing).
    pub Acceptances: double_map Twox64Concat ProductId, Blake2_128Concat AccountId => ();
    /// Proxies that serve every product listing them.
    pub AcceptsAll: map Blake2_128Concat AccountId => ();
    /// How each resolved order's dispute was ruled, kept as long as the order: a buyer who
    /// paid part of the price keeps its download.
    pub Rulings: map Twox64Concat OrderId => Ruling;
    /// What each sold order actually paid the protocol (kept as long as the order): the value
    /// its parties' ratings of the proxy carry in the proxy's reputation.
    pub ProtocolPaid: map Twox64Concat OrderId => Balance;
    /// Closed orders to remove at a block (`Config::ORDER_RETENTION` after they closed).
    pub ExpiryQueue: double_map Twox64Concat BlockNumber, Twox64Concat OrderId => ();
    /// The first block whose expiries may not all be done yet.
    pub ExpiryCursor: value BlockNumber;
}

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

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
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
            Call::set_proxies { .. } => <T as Config>::WeightInfo::set_proxies(),
            Call::accept_product { .. } => <T as Config>::WeightInfo::accept_product(),
            Call::set_accepts_all { .. } => <T as Config>::WeightInfo::set_proxy_fee(),
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
            Acceptances::entry_metadata(),
            AcceptsAll::entry_metadata(),
            Rulings::entry_metadata(),
            ExpiryQueue::entry_metadata(),
            ExpiryCursor::entry_metadata(),
            ProtocolPaid::entry_metadata(),
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
