//! The pallet's calls: the `Call` enum clients encode, its dispatch, and one function per call
//! holding that call's checks and effects.

use crate::{
    Acceptances, AcceptsAll, Config, DeadlineQueue, EncryptionKeys, Error, Event,
    MAX_PRODUCT_PROXIES, MAX_REASON_LEN, MAX_SEALED_KEY_LEN, NextOrderId, NextProductId,
    OpenOrdersOf, Order, OrderId, OrderStatus, Orders, OrdersOf, Pallet, Params, ParamsOf, Product,
    ProductId, ProductInfo, Products, ProtocolPaid, Proxies, Proxy, Ruling, SEALED_KEY_LEN, Text,
    TotalEscrowed, types::validate_info,
};
use codec::{Decode, Encode};
use cpc_data_market_primitives::{is_low_order_x25519, is_text, valid_proxies};
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, Balance,
    dispatch::{DispatchResult, DispatchResultWithPostInfo},
};
use cpc_support::{
    BoundedVec, ConstU32, RawOrigin, ensure, ensure_root, ensure_signed,
    traits::{Currency, ReputationReporter, ReservableCurrency},
};
use scale_info::TypeInfo;

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
    /// Agrees, or stops agreeing, to serve a product's later orders (a proxy the product
    /// lists).
    #[codec(index = 16)]
    accept_product {
        /// The product.
        #[codec(compact)]
        product: ProductId,
        /// Whether the proxy serves it.
        accepted: bool,
    },
    /// Serves every product that lists the proxy, or only those it accepts one by one (a
    /// proxy).
    #[codec(index = 17)]
    set_accepts_all {
        /// Whether to serve every product listing it.
        accepts_all: bool,
    },
}

impl<T: Config> Pallet<T> {
    pub(crate) fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::set_encryption_key { key } => Self::do_set_encryption_key(origin, key),
            Call::register_proxy {
                fee_per_mille,
                bond,
            } => Self::do_register_proxy(origin, fee_per_mille, bond),
            Call::set_proxy_fee { fee_per_mille } => Self::do_set_proxy_fee(origin, fee_per_mille),
            Call::deregister_proxy => Self::do_deregister_proxy(origin),
            Call::publish { info } => Self::do_publish(origin, info),
            Call::set_price { product, price } => Self::do_set_price(origin, product, price),
            Call::set_listed { product, listed } => Self::do_set_listed(origin, product, listed),
            Call::remove_product { product } => Self::do_remove_product(origin, product),
            Call::buy {
                product,
                proxy,
                max_price,
            } => Self::do_buy(origin, product, proxy, max_price),
            Call::deliver { order, sealed_key } => Self::do_deliver(origin, order, sealed_key),
            Call::confirm { order } => Self::do_confirm(origin, order),
            Call::dispute { order, reason } => Self::do_dispute(origin, order, reason),
            Call::resolve { order, ruling } => Self::do_resolve(origin, order, ruling),
            Call::rate {
                order,
                rating,
                proxy_rating,
            } => Self::do_rate(origin, order, rating, proxy_rating),
            Call::set_params { params } => Self::do_set_params(origin, params),
            Call::set_proxies { product, proxies } => {
                Self::do_set_proxies(origin, product, proxies)
            }
            Call::accept_product { product, accepted } => {
                Self::do_accept_product(origin, product, accepted)
            }
            Call::set_accepts_all { accepts_all } => Self::do_set_accepts_all(origin, accepts_all),
        }?;
        Ok(Default::default())
    }

    fn product_of_seller(id: ProductId, who: &AccountId) -> Result<Product, Error> {
        let product = Products::get(&id).ok_or(Error::UnknownProduct)?;
        ensure!(product.seller == *who, Error::NotSeller);
        Ok(product)
    }

    fn do_set_encryption_key(origin: RawOrigin, key: [u8; 32]) -> DispatchResult {
        let who = ensure_signed(origin)?;
        ensure!(!is_low_order_x25519(&key), Error::WeakKey);
        EncryptionKeys::insert(&who, &key);
        Self::deposit_event(Event::EncryptionKeySet { account: who, key });
        Ok(())
    }

    fn do_register_proxy(origin: RawOrigin, fee_per_mille: u32, bond: Balance) -> DispatchResult {
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
        Ok(())
    }

    fn do_set_proxy_fee(origin: RawOrigin, fee_per_mille: u32) -> DispatchResult {
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
        Ok(())
    }

    fn do_deregister_proxy(origin: RawOrigin) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let proxy = Proxies::get(&who).ok_or(Error::NotProxy)?;
        ensure!(proxy.open_orders == 0, Error::OpenOrders);
        T::Currency::unreserve(&who, proxy.bond);
        Proxies::remove(&who);
        AcceptsAll::remove(&who);
        Self::deposit_event(Event::ProxyDeregistered {
            proxy: who,
            bond: proxy.bond,
        });
        Ok(())
    }

    fn do_publish(origin: RawOrigin, info: ProductInfo) -> DispatchResult {
        let who = ensure_signed(origin)?;
        validate_info(&info)?;
        ensure!(!info.proxies.contains(&who), Error::SellerIsProxy);
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
        Ok(())
    }

    fn do_set_price(origin: RawOrigin, product: ProductId, price: Balance) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let mut record = Self::product_of_seller(product, &who)?;
        ensure!(price >= Self::min_price(), Error::PriceTooLow);
        record.info.price = price;
        Products::insert(&product, &record);
        Self::deposit_event(Event::PriceChanged { product, price });
        Ok(())
    }

    fn do_set_listed(origin: RawOrigin, product: ProductId, listed: bool) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let mut record = Self::product_of_seller(product, &who)?;
        record.listed = listed;
        Products::insert(&product, &record);
        Self::deposit_event(Event::ListingChanged { product, listed });
        Ok(())
    }

    fn do_remove_product(origin: RawOrigin, product: ProductId) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let record = Self::product_of_seller(product, &who)?;
        ensure!(!record.listed, Error::StillListed);
        ensure!(record.open_orders == 0, Error::OpenOrders);
        T::Currency::unreserve(&who, record.deposit);
        Products::remove(&product);
        // Only listed proxies accept (`set_proxies` drops the others): at most this many.
        let _ = Acceptances::clear_prefix(&product, Some(MAX_PRODUCT_PROXIES));
        Self::deposit_event(Event::ProductRemoved {
            product,
            deposit: record.deposit,
        });
        Ok(())
    }

    fn do_buy(
        origin: RawOrigin,
        product_id: ProductId,
        proxy_account: AccountId,
        max_price: Balance,
    ) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let mut product = Products::get(&product_id).ok_or(Error::UnknownProduct)?;
        ensure!(product.listed, Error::NotListed);
        ensure!(product.seller != who, Error::SelfPurchase);
        ensure!(proxy_account != who, Error::BuyerIsProxy);
        ensure!(proxy_account != product.seller, Error::SellerIsProxy);
        ensure!(
            product.info.proxies.contains(&proxy_account),
            Error::ProxyNotApproved
        );
        let mut proxy = Proxies::get(&proxy_account).ok_or(Error::NotProxy)?;
        ensure!(
            AcceptsAll::contains_key(&proxy_account)
                || Acceptances::contains_key(&product_id, &proxy_account),
            Error::ProxyNotAccepted
        );
        let price = product.info.price;
        ensure!(price <= max_price, Error::PriceAboveMax);
        let buyer_key = EncryptionKeys::get(&who).ok_or(Error::NoEncryptionKey)?;
        // A key registered before small-order keys were refused cannot be sealed to.
        ensure!(!is_low_order_x25519(&buyer_key), Error::WeakKey);
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

    fn do_deliver(
        origin: RawOrigin,
        order: OrderId,
        sealed_key: Text<MAX_SEALED_KEY_LEN>,
    ) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let mut record = Orders::get(&order).ok_or(Error::UnknownOrder)?;
        ensure!(
            who == record.proxy || who == record.seller,
            Error::NotDeliverer
        );
        ensure!(record.status == OrderStatus::Created, Error::WrongStatus);
        let now = System::<T>::block_number();
        ensure!(now < record.delivery_deadline, Error::DeadlinePassed);
        ensure!(
            sealed_key.len() == SEALED_KEY_LEN as usize,
            Error::WrongKeyLength
        );
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
        Ok(())
    }

    fn do_confirm(origin: RawOrigin, order: OrderId) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let record = Orders::get(&order).ok_or(Error::UnknownOrder)?;
        ensure!(record.buyer == who, Error::NotBuyer);
        ensure!(record.status == OrderStatus::Delivered, Error::WrongStatus);
        Self::complete(order, record, false);
        Ok(())
    }

    fn do_dispute(
        origin: RawOrigin,
        order: OrderId,
        reason: Text<MAX_REASON_LEN>,
    ) -> DispatchResult {
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
        Ok(())
    }

    fn do_resolve(origin: RawOrigin, order: OrderId, ruling: Ruling) -> DispatchResult {
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
        Ok(())
    }

    fn do_rate(
        origin: RawOrigin,
        id: OrderId,
        rating: u8,
        proxy_rating: Option<u8>,
    ) -> DispatchResult {
        let who = ensure_signed(origin)?;
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
            // Each of the two parties' ratings carries half of what the sale paid the
            // protocol: what a rating bought through one's own sybils cost.
            T::Reputation::note_proxy_rating(
                &order.proxy,
                r,
                ProtocolPaid::get(&id).unwrap_or_default() / 2,
            );
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

    fn do_set_params(origin: RawOrigin, params: Params) -> DispatchResult {
        ensure_root(origin)?;
        params.validate(T::Currency::minimum_balance())?;
        ParamsOf::put(&params);
        Self::deposit_event(Event::ParamsChanged { params });
        Ok(())
    }

    fn do_set_proxies(
        origin: RawOrigin,
        product: ProductId,
        proxies: BoundedVec<AccountId, ConstU32<MAX_PRODUCT_PROXIES>>,
    ) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let mut record = Self::product_of_seller(product, &who)?;
        ensure!(valid_proxies(&proxies), Error::InvalidProxies);
        ensure!(!proxies.contains(&who), Error::SellerIsProxy);
        for dropped in record.info.proxies.iter().filter(|p| !proxies.contains(p)) {
            Acceptances::remove(&product, dropped);
        }
        record.info.proxies = proxies;
        Products::insert(&product, &record);
        Self::deposit_event(Event::ProxiesChanged {
            product,
            proxies: record.info.proxies.into_inner(),
        });
        Ok(())
    }

    fn do_accept_product(origin: RawOrigin, product: ProductId, accepted: bool) -> DispatchResult {
        let who = ensure_signed(origin)?;
        ensure!(Proxies::contains_key(&who), Error::NotProxy);
        let record = Products::get(&product).ok_or(Error::UnknownProduct)?;
        if accepted {
            ensure!(record.info.proxies.contains(&who), Error::ProxyNotApproved);
            Acceptances::insert(&product, &who, &());
        } else {
            Acceptances::remove(&product, &who);
        }
        Self::deposit_event(Event::AcceptanceChanged {
            product,
            proxy: who,
            accepted,
        });
        Ok(())
    }

    fn do_set_accepts_all(origin: RawOrigin, accepts_all: bool) -> DispatchResult {
        let who = ensure_signed(origin)?;
        ensure!(Proxies::contains_key(&who), Error::NotProxy);
        if accepts_all {
            AcceptsAll::insert(&who, &());
        } else {
            AcceptsAll::remove(&who);
        }
        Self::deposit_event(Event::AcceptsAllChanged {
            proxy: who,
            accepts_all,
        });
        Ok(())
    }
}
