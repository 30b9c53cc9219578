//! `market_*`: the data market's products and orders as JSON, read through the runtime's
//! `DataMarketApi` at the best block (or a given one).

use crate::{
    context::RpcContext,
    errors::{client as client_error, invalid_params},
};
use cpc_client::{Client, ClientError};
use cpc_data_market_primitives::{
    MAX_ORDERS_QUERY, Order, OrderId, OrderStatus, OrdersPage, Product, Ruling, StorageLocation,
    content_cid, data_market_api,
};
use cpc_primitives::{AccountId, H256};
use jsonrpsee::{
    RpcModule,
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
};
use serde_json::{Value, json};
use std::sync::Arc;

/// Most products one `market_products` call returns.
pub const MAX_PRODUCTS_PER_CALL: u32 = 1000;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Orders a page holds when the caller names no limit.
const DEFAULT_PAGE: u32 = 100;

/// Whether the runtime at `at` answers `DataMarketApi` version 2 (paged orders, rulings): a
/// node may be newer than the runtime its chain still runs.
fn market_api_v2(client: &Client, at: &H256) -> Result<bool, ClientError> {
    Ok(client.runtime_version(at)?.has_api(&data_market_api::ID, 2))
}

fn location_json(location: &StorageLocation) -> Value {
    match location {
        StorageLocation::Node(url) => json!({ "node": text(url) }),
        StorageLocation::S3(uri) => json!({ "s3": text(uri) }),
        StorageLocation::Ipfs(cid) => json!({ "ipfs": text(cid) }),
        StorageLocation::Sidechain { sidechain, stream } => {
            json!({ "sidechain": { "id": sidechain, "stream": text(stream) } })
        }
        StorageLocation::SidechainStream {
            sidechain,
            devices,
            from,
            to,
        } => json!({ "sidechainStream": {
            "id": sidechain,
            "devices": devices.to_vec(),
            "fromMs": from,
            "toMs": to,
        } }),
    }
}

/// A product as JSON (balances as decimal strings: they exceed JSON's safe integers).
pub fn product_json(id: u64, product: &Product) -> Value {
    let info = &product.info;
    json!({
        "id": id,
        "seller": product.seller.to_string(),
        "title": text(&info.title),
        "description": text(&info.description),
        "tags": info.tags.iter().map(|t| text(t)).collect::<Vec<_>>(),
        "category": text(&info.category),
        "price": info.price.to_string(),
        "contentHash": format!("0x{}", hex::encode(info.content_hash)),
        "cid": content_cid(&info.content_hash),
        "size": info.size,
        "location": location_json(&info.location),
        "license": text(&info.license),
        "proxies": info.proxies.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "listed": product.listed,
        "deposit": product.deposit.to_string(),
        "openOrders": product.open_orders,
        "sales": product.sales,
        "ratingSum": product.rating_sum,
        "ratings": product.ratings,
    })
}

fn status_name(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Created => "created",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Completed => "completed",
        OrderStatus::Refunded => "refunded",
        OrderStatus::Disputed => "disputed",
        OrderStatus::Resolved => "resolved",
    }
}

/// An order as JSON.
pub fn order_json(id: u64, order: &Order) -> Value {
    json!({
        "id": id,
        "product": order.product,
        "buyer": order.buyer.to_string(),
        "seller": order.seller.to_string(),
        "proxy": order.proxy.to_string(),
        "price": order.price.to_string(),
        "proxyFeePerMille": order.proxy_fee_per_mille,
        "protocolFeePerMille": order.protocol_fee_per_mille,
        "buyerKey": format!("0x{}", hex::encode(order.buyer_key)),
        "status": status_name(order.status),
        "createdAt": order.created_at,
        "deliveryDeadline": order.delivery_deadline,
        "confirmationDeadline": order.confirmation_deadline,
        "disputeDeadline": order.dispute_deadline,
        "sealedKey": order.sealed_key.as_ref().map(|k| format!("0x{}", hex::encode(&k[..]))),
        "buyerRated": order.buyer_rated,
        "sellerRated": order.seller_rated,
    })
}

/// A ruling's name, for clients that print events.
pub fn ruling_name(ruling: &Ruling) -> String {
    match ruling {
        Ruling::RefundBuyer => "refundBuyer".into(),
        Ruling::PaySeller => "paySeller".into(),
        Ruling::Split { buyer_per_mille } => format!("split({buyer_per_mille}‰ to the buyer)"),
    }
}

type RpcResult<T> = Result<T, ErrorObjectOwned>;

fn at(ctx: &RpcContext, at: Option<H256>) -> H256 {
    at.unwrap_or_else(|| ctx.client.info().best_hash)
}

/// Registers the methods.
pub fn register(module: &mut RpcModule<RpcContext>) -> Result<(), RegisterMethodError> {
    module.register_blocking_method(
        "market_products",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let start: Option<u64> = p.optional_next()?;
            let limit: Option<u32> = p.optional_next()?;
            let block: Option<H256> = p.optional_next()?;
            let limit = limit.unwrap_or(100);
            if limit > MAX_PRODUCTS_PER_CALL {
                return Err(invalid_params(format!(
                    "at most {MAX_PRODUCTS_PER_CALL} products per call"
                )));
            }
            let products = ctx
                .client
                .call_api::<data_market_api::products>(
                    &at(&ctx, block),
                    (start.unwrap_or(0), limit),
                )
                .map_err(client_error)?;
            Ok(Value::Array(
                products
                    .iter()
                    .map(|(id, p)| product_json(*id, p))
                    .collect(),
            ))
        },
    )?;
    module.register_blocking_method(
        "market_product",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let id: u64 = p.next()?;
            let block: Option<H256> = p.optional_next()?;
            let product = ctx
                .client
                .call_api::<data_market_api::product>(&at(&ctx, block), (id,))
                .map_err(client_error)?;
            Ok(product.map_or(Value::Null, |p| product_json(id, &p)))
        },
    )?;
    // An account's orders: all (the latest 1,000) or the open ones.
    type OrdersQuery = fn(&Client, &H256, AccountId) -> Result<Vec<(OrderId, Order)>, ClientError>;
    let all: OrdersQuery = |client, at, who| client.call_api::<data_market_api::orders>(at, (who,));
    let open: OrdersQuery =
        |client, at, who| client.call_api::<data_market_api::open_orders>(at, (who,));
    for (method, query) in [("market_orders", all), ("market_openOrders", open)] {
        module.register_blocking_method(
            method,
            move |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
                ctx.count();
                let mut p = params.sequence();
                let account: String = p.next()?;
                let block: Option<H256> = p.optional_next()?;
                let who: AccountId = crate::errors::account(&account)?;
                let orders = query(&ctx.client, &at(&ctx, block), who).map_err(client_error)?;
                Ok(Value::Array(
                    orders.iter().map(|(id, o)| order_json(*id, o)).collect(),
                ))
            },
        )?;
    }
    // The same in bounded pages: `(account, after?, limit?, at?)` -> `{orders, next}`, `next`
    // the cursor of the following page or null after the last.
    type PageQuery =
        fn(&Client, &H256, (AccountId, Option<OrderId>, u32)) -> Result<OrdersPage, ClientError>;
    // Before version 2 the runtime has no pages: its one bounded answer is the only page.
    let all: PageQuery = |client, at, args| {
        if market_api_v2(client, at)? {
            return client.call_api::<data_market_api::orders_page>(at, args);
        }
        let orders = client.call_api::<data_market_api::orders>(at, (args.0,))?;
        Ok((orders.into_iter().take(args.2 as usize).collect(), None))
    };
    let open: PageQuery = |client, at, args| {
        if market_api_v2(client, at)? {
            return client.call_api::<data_market_api::open_orders_page>(at, args);
        }
        let orders = client.call_api::<data_market_api::open_orders>(at, (args.0,))?;
        Ok((orders.into_iter().take(args.2 as usize).collect(), None))
    };
    for (method, query) in [("market_ordersPage", all), ("market_openOrdersPage", open)] {
        module.register_blocking_method(
            method,
            move |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
                ctx.count();
                let mut p = params.sequence();
                let account: String = p.next()?;
                let after: Option<OrderId> = p.optional_next()?;
                let limit: Option<u32> = p.optional_next()?;
                let block: Option<H256> = p.optional_next()?;
                let who: AccountId = crate::errors::account(&account)?;
                let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_ORDERS_QUERY);
                let (orders, next) = query(&ctx.client, &at(&ctx, block), (who, after, limit))
                    .map_err(client_error)?;
                Ok(json!({
                    "orders": orders.iter().map(|(id, o)| order_json(*id, o)).collect::<Vec<_>>(),
                    "next": next,
                }))
            },
        )?;
    }
    module.register_blocking_method(
        "market_order",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let id: u64 = p.next()?;
            let block: Option<H256> = p.optional_next()?;
            let at = at(&ctx, block);
            let Some(order) = ctx
                .client
                .call_api::<data_market_api::order>(&at, (id,))
                .map_err(client_error)?
            else {
                return Ok(Value::Null);
            };
            let mut json = order_json(id, &order);
            if order.status == OrderStatus::Resolved
                && market_api_v2(&ctx.client, &at).map_err(client_error)?
            {
                let ruling = ctx
                    .client
                    .call_api::<data_market_api::order_ruling>(&at, (id,))
                    .map_err(client_error)?;
                json["ruling"] = ruling
                    .as_ref()
                    .map_or(Value::Null, |r| json!(ruling_name(r)));
            }
            Ok(json)
        },
    )?;
    module.register_blocking_method(
        "market_encryptionKey",
        |params: Params<'_>, ctx: Arc<RpcContext>, _| -> RpcResult<Value> {
            ctx.count();
            let mut p = params.sequence();
            let account: String = p.next()?;
            let who: AccountId = crate::errors::account(&account)?;
            let best = ctx.client.info().best_hash;
            let key = ctx
                .client
                .call_api::<data_market_api::encryption_key>(&best, (who,))
                .map_err(client_error)?;
            Ok(key.map_or(Value::Null, |k| json!(format!("0x{}", hex::encode(k)))))
        },
    )?;
    Ok(())
}
