//! Unit tests of the data-market pallet, one module per role; the accounts, the product and
//! the call helpers they share are here.

mod deadlines;
mod disputes;
mod expiry;
mod orders;
mod params;
mod products;
mod properties;
mod proxies;
mod ratings;

use crate::{mock::*, *};
use cpc_support::{BoundedVec, assert_noop, assert_ok};

type Market = Pallet<Test>;
type Balances = cpc_pallet_balances::Pallet<Test>;

const SELLER: u8 = 1;
const BUYER: u8 = 2;
const PROXY: u8 = 3;
const PRICE: Balance = 10_000;
const PROXY_FEE: u32 = 100;

fn call(c: Call, who: u8) -> DispatchResultWithPostInfo {
    Market::dispatch_call(c, RawOrigin::Signed(account(who)))
}

fn text<const N: u32>(s: &str) -> Text<N> {
    BoundedVec::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn info(price: Balance) -> ProductInfo {
    ProductInfo {
        title: text("Air quality, Berlin, 2026"),
        description: text("PM2.5 and PM10 every minute from 40 sensors."),
        tags: BoundedVec::try_from_vec(vec![text("air"), text("berlin")]).unwrap(),
        category: text("environment"),
        price,
        content_hash: [7; 32],
        size: 1 << 20,
        location: StorageLocation::Node(text("http://127.0.0.1:8090")),
        license: text("CC-BY-4.0"),
        proxies: BoundedVec::try_from_vec(vec![account(PROXY), account(9)]).unwrap(),
    }
}

fn free(n: u8) -> Balance {
    Balances::free_balance(&account(n))
}

fn reserved(n: u8) -> Balance {
    Balances::reserved_balance(&account(n))
}

fn check() {
    Market::check_invariants().unwrap();
}

/// A seller with product 0, a proxy with a 10% fee that serves every product listing it, a
/// buyer with a key.
fn setup() {
    assert_ok!(call(Call::publish { info: info(PRICE) }, SELLER));
    assert_ok!(call(
        Call::register_proxy {
            fee_per_mille: PROXY_FEE,
            bond: 500
        },
        PROXY
    ));
    assert_ok!(call(Call::set_accepts_all { accepts_all: true }, PROXY));
    assert_ok!(call(Call::set_encryption_key { key: [2; 32] }, BUYER));
}

/// A sealed key of the right length.
fn sealed(byte: u8) -> Text<MAX_SEALED_KEY_LEN> {
    BoundedVec::try_from_vec(vec![byte; SEALED_KEY_LEN as usize]).unwrap()
}

fn buy(product: ProductId) -> DispatchResultWithPostInfo {
    call(
        Call::buy {
            product,
            proxy: account(PROXY),
            max_price: PRICE,
        },
        BUYER,
    )
}

fn deliver(order: OrderId, by: u8) -> DispatchResultWithPostInfo {
    call(
        Call::deliver {
            order,
            sealed_key: sealed(0x5e),
        },
        by,
    )
}

fn status(order: OrderId) -> OrderStatus {
    Orders::get(&order).unwrap().status
}
