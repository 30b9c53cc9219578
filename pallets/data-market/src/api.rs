//! Read-only queries: the product and order listings behind the runtime's `DataMarketApi`,
//! and the parameters, lowest price and deposits the calls start from.

use crate::{
    Config, MAX_ORDERS_QUERY, NextProductId, OpenOrdersOf, Order, OrderId, Orders, OrdersOf,
    Pallet, Params, ParamsOf, Product, ProductId, ProductInfo, Products,
};
use alloc::vec::Vec;
use codec::Encode;
use cpc_primitives::{AccountId, Balance};
use cpc_support::traits::Currency;

impl<T: Config> Pallet<T> {
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
}
