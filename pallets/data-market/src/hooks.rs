//! The block hooks: deadlines are settled as blocks start, and `try_state` checks the escrow
//! invariants the crate documentation states.

use crate::{
    Config, OpenOrdersOf, Orders, Pallet, ProductId, Products, Proxies, TotalEscrowed, WeightInfo,
};
use cpc_primitives::{AccountId, Balance, BlockNumber, weight::Weight};
use cpc_support::{Hooks, traits::ReservableCurrency};

impl<T: Config> Hooks for Pallet<T> {
    fn on_initialize(n: BlockNumber) -> Weight {
        let (settled, steps) = Self::settle_deadlines(n);
        let (expired, expiry_steps) = Self::expire_orders(n);
        <T as Config>::WeightInfo::settle_deadlines(settled, steps).saturating_add(
            <T as Config>::WeightInfo::expire_orders(expired, expiry_steps),
        )
    }

    fn try_state(_n: BlockNumber) -> Result<(), &'static str> {
        Self::check_invariants()
    }
}

impl<T: Config> Pallet<T> {
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
