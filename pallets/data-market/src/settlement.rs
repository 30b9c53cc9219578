//! Paying out escrow: the split of a price, and the single path through which every order is
//! settled (confirmed, refunded or ruled), so the escrow total, the counters and the open-order
//! indexes cannot drift apart.

use crate::{
    Config, DeadlineQueue, Error, Event, ExpiryQueue, OpenOrdersOf, Order, OrderId, OrderStatus,
    Orders, Pallet, Products, ProtocolPaid, Proxies, Ruling, Rulings, SidechainOperators, Split,
    StorageLocation, TotalEscrowed,
};
use cpc_primitives::{AccountId, Balance};
use cpc_support::{
    ensure,
    traits::{ReputationReporter, ReservableCurrency},
};

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

impl<T: Config> Pallet<T> {
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
    /// indexes; `sold` counts a sale. The order expires `Config::ORDER_RETENTION` blocks on.
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
        // At least the next block: the expiry cursor has passed this one.
        let expires = cpc_pallet_system::Pallet::<T>::block_number()
            .saturating_add(T::ORDER_RETENTION.max(1));
        ExpiryQueue::insert(&expires, &id, &());
    }

    /// Credits sale `id` to the seller's data contribution (half to the sidechain's operator
    /// for a sidechain's data) at what it paid the protocol: the part of the price that left
    /// the parties' hands, so a sale to oneself through a sybil buyer counts for exactly what
    /// it cost, and one payment is never credited twice. Records the payment for the
    /// parties' ratings of the proxy.
    fn note_sale(id: OrderId, order: &Order, protocol_paid: Balance) {
        if protocol_paid == 0 {
            return;
        }
        ProtocolPaid::insert(&id, &protocol_paid);
        let sidechain = Products::get(&order.product).and_then(|p| match p.info.location {
            StorageLocation::Sidechain { sidechain, .. }
            | StorageLocation::SidechainStream { sidechain, .. } => Some(sidechain),
            _ => None,
        });
        match sidechain.and_then(T::SidechainOperators::operator) {
            Some(operator) => {
                let half = protocol_paid / 2;
                T::Reputation::note_data_contribution(&order.seller, protocol_paid - half);
                T::Reputation::note_data_contribution(&operator, half);
            }
            None => T::Reputation::note_data_contribution(&order.seller, protocol_paid),
        }
    }

    pub(crate) fn complete(id: OrderId, mut order: Order, by_deadline: bool) {
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
        Self::note_sale(id, &order, split.protocol);
        Self::deposit_event(Event::Completed {
            order: id,
            split,
            by_deadline,
        });
    }

    pub(crate) fn refund(id: OrderId, mut order: Order) {
        Self::release(&order, order.price, Split::default());
        Self::close(id, &mut order, OrderStatus::Refunded, false);
        Self::deposit_event(Event::Refunded {
            order: id,
            amount: order.price,
        });
    }

    /// Settles a dispute: `by` ruled (`None`: root, or the deadline when `by_deadline`).
    pub(crate) fn rule(
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
        Rulings::insert(&id, &ruling);
        if sold {
            Self::note_sale(id, &order, split.protocol);
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
}
