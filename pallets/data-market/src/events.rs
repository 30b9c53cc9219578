//! What the pallet reports: the events its calls and deadlines deposit, and the errors that
//! refuse a call.

use crate::{MAX_REASON_LEN, OrderId, PALLET, Params, ProductId, Ruling, Split, Text};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use cpc_primitives::{AccountId, Balance, BlockNumber};
use scale_info::TypeInfo;

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
    /// A proxy agreed, or stopped agreeing, to serve a product's later orders.
    AcceptanceChanged {
        /// The product.
        product: ProductId,
        /// The proxy.
        proxy: AccountId,
        /// Whether it serves the product.
        accepted: bool,
    },
    /// A proxy now serves every product listing it, or only those it accepted.
    AcceptsAllChanged {
        /// The proxy.
        proxy: AccountId,
        /// Whether it serves every product listing it.
        accepts_all: bool,
    },
    /// A closed order was removed with its index entries, `Config::ORDER_RETENTION` blocks
    /// after it closed.
    OrderExpired {
        /// The order.
        order: OrderId,
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
    /// The sealed key is empty (refused as `WrongKeyLength` since spec 104; kept so later
    /// errors keep their indexes).
    EmptyKey,
    /// The proxy is not one the seller approved for this product.
    ProxyNotApproved,
    /// A product needs at least one approved proxy, each listed once.
    InvalidProxies,
    /// A proxy cannot rate itself.
    SelfRating,
    /// An id counter is exhausted.
    Overflow,
    /// The proxy has not agreed to serve this product.
    ProxyNotAccepted,
    /// A seller cannot be a proxy of its own product.
    SellerIsProxy,
    /// A sealed key has exactly `SEALED_KEY_LEN` bytes.
    WrongKeyLength,
    /// The X25519 key is of small order: anyone could read what is sealed to it.
    WeakKey,
}

cpc_support::pallet_error!(Error, PALLET);
