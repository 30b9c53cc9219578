//! Read-only queries: the product and order listings behind the runtime's `DataMarketApi`,
//! and the parameters, lowest price and deposits the calls start from.

use crate::{
    Config, MAX_ORDERS_QUERY, NextProductId, OpenOrdersOf, Order, OrderId, Orders, OrdersOf,
    OrdersPage, Pallet, Params, ParamsOf, Product, ProductId, ProductInfo, Products,
};
use alloc::{boxed::Box, vec::Vec};
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

    /// A page of the orders `who` is buyer, seller or proxy of (all, or only the open ones):
    /// at most `limit` (1 to [`MAX_ORDERS_QUERY`]) in the index's order (by the hash of
    /// the id), from the one after the cursor `after`, and the cursor of the next page (`None`
    /// when this page ends the index). Reads at most `limit + 1` index entries, however many
    /// orders the account has, so a flood of orders cannot make one answer large or slow.
    pub fn orders_page(
        who: &AccountId,
        open_only: bool,
        after: Option<OrderId>,
        limit: u32,
    ) -> OrdersPage {
        let limit = limit.clamp(1, MAX_ORDERS_QUERY) as usize;
        let ids: Box<dyn Iterator<Item = OrderId>> = match (open_only, after) {
            (false, None) => Box::new(OrdersOf::iter_prefix(who).map(|(id, ())| id)),
            (false, Some(after)) => {
                Box::new(OrdersOf::iter_prefix_from(who, &after).map(|(id, ())| id))
            }
            (true, None) => Box::new(OpenOrdersOf::iter_prefix(who).map(|(id, ())| id)),
            (true, Some(after)) => {
                Box::new(OpenOrdersOf::iter_prefix_from(who, &after).map(|(id, ())| id))
            }
        };
        let mut ids = ids.take(limit + 1);
        let mut page = Vec::new();
        let mut last = None;
        for id in ids.by_ref().take(limit) {
            last = Some(id);
            if let Some(order) = Orders::get(&id) {
                page.push((id, order));
            }
        }
        let next = if ids.next().is_some() { last } else { None };
        (page, next)
    }

    /// The first page of [`Self::orders_page`] of all of `who`'s orders, by id.
    pub fn orders_of(who: &AccountId) -> Vec<(OrderId, Order)> {
        Self::first_page(who, false)
    }

    /// The first page of [`Self::orders_page`] of `who`'s open orders, by id.
    pub fn open_orders_of(who: &AccountId) -> Vec<(OrderId, Order)> {
        Self::first_page(who, true)
    }

    fn first_page(who: &AccountId, open_only: bool) -> Vec<(OrderId, Order)> {
        let (mut page, _) = Self::orders_page(who, open_only, None, MAX_ORDERS_QUERY);
        page.sort_unstable_by_key(|(id, _)| *id);
        page
    }
}
