//! Weights of the data-market calls and of settling deadlines.
//!
//! `measured native time x WASM_FACTOR + reads x READ + writes x WRITE` (see
//! `cpc_pallet_system::weights`); the times are from `cargo bench -p cpc-benches --bench
//! pallets -- data_market` (`docs/benchmarks.md`), the storage accesses counted from the code
//! (distinct keys, the signer's account excluded: the fee payment touched it).

use cpc_pallet_system::weights::weight;
use cpc_primitives::weight::Weight;

/// Weight functions of the data-market pallet.
pub trait WeightInfo {
    /// `set_encryption_key`: the key.
    fn set_encryption_key() -> Weight;
    /// `register_proxy`: params, proxy.
    fn register_proxy() -> Weight;
    /// `set_proxy_fee`: params, proxy.
    fn set_proxy_fee() -> Weight;
    /// `deregister_proxy`: proxy.
    fn deregister_proxy() -> Weight;
    /// `publish` of `len` bytes of metadata: params, id counter, product.
    fn publish(len: u32) -> Weight;
    /// `set_price`, `set_listed`: the product.
    fn set_price() -> Weight;
    /// `set_proxies` with up to `MAX_PRODUCT_PROXIES` proxies: the product.
    fn set_proxies() -> Weight;
    /// `accept_product`: proxy, product, the acceptance.
    fn accept_product() -> Weight;
    /// `remove_product`: the product, and up to `MAX_PRODUCT_PROXIES` acceptances.
    fn remove_product() -> Weight;
    /// `buy`: product, proxy, key, params, id counter, deadline bucket, order, three indexes,
    /// escrow total.
    fn buy() -> Weight;
    /// `deliver`: order, params, deadline bucket.
    fn deliver() -> Weight;
    /// `confirm`: order, product, proxy, params, escrow total, three accounts paid.
    fn confirm() -> Weight;
    /// `dispute`: order.
    fn dispute() -> Weight;
    /// `resolve`: as `confirm`.
    fn resolve() -> Weight;
    /// `rate`: order, product, proxy, reputation stats.
    fn rate() -> Weight;
    /// `set_params`.
    fn set_params() -> Weight;
    /// `on_initialize` settling `n` deadlines (each as a `confirm`) over `steps` deadline
    /// blocks.
    fn settle_deadlines(n: u32, steps: u32) -> Weight;
    /// `on_initialize` removing `n` expired orders over `steps` expiry blocks.
    fn expire_orders(n: u32, steps: u32) -> Weight;
}

/// The weights of the main runtime.
pub struct CpcWeight;

// Medians of `cargo bench -p cpc-benches --bench pallets -- data_market` (native, rounded
// up); reads and writes are distinct keys besides the signer's account, with the accounts a
// payout credits and the reputation stats a sale or a rating updates.
impl WeightInfo for CpcWeight {
    // 0.70 µs.
    fn set_encryption_key() -> Weight {
        weight(800, 0, 1)
    }
    // 2.36 µs.
    fn register_proxy() -> Weight {
        weight(2_600, 2, 1)
    }
    // 1.85 µs.
    fn set_proxy_fee() -> Weight {
        weight(1_900, 2, 1)
    }
    // 2.07 µs.
    fn deregister_proxy() -> Weight {
        weight(2_300, 1, 1)
    }
    // 3.47 µs with 1 KiB of metadata; encoding it for the deposit is linear.
    fn publish(len: u32) -> Weight {
        weight(3_500, 2, 2).saturating_add(weight(u64::from(len), 0, 0))
    }
    // 1.81 µs.
    fn set_price() -> Weight {
        weight(1_900, 1, 1)
    }
    // 2.43 µs with the most proxies: 4.26 µs in the dev profile, where set_price takes 3.18 µs
    // (`cargo bench --profile dev -p cpc-benches --bench pallets -- data_market/set_pr`),
    // scaled by set_price's release figure. Sorting and comparing the eight proxies and the
    // longer event are the difference.
    // Besides the product, the acceptances of proxies it no longer lists are removed.
    fn set_proxies() -> Weight {
        weight(2_500, 1, 1 + crate::MAX_PRODUCT_PROXIES as u64)
    }
    // As `set_proxy_fee` plus the product read (the `accept_product` benchmark).
    fn accept_product() -> Weight {
        weight(2_100, 2, 1)
    }
    // 3.48 µs.
    fn remove_product() -> Weight {
        weight(3_500, 1, 1 + crate::MAX_PRODUCT_PROXIES as u64)
    }
    // 6.05 µs: product, proxy, key, order id, params, escrow total; order, its three history
    // and three open-order index entries, id, product, proxy, deadline entry, escrow total.
    fn buy() -> Weight {
        weight(6_100, 8, 12)
    }
    // 1.38 µs.
    fn deliver() -> Weight {
        weight(1_500, 2, 2)
    }
    // 11.9 µs: three payouts with their events; three open-order index entries removed; what
    // the protocol was paid recorded (and reported for the seller's reputation).
    fn confirm() -> Weight {
        weight(11_900, 11, 13)
    }
    // 1.53 µs: the order, params; the order and a deadline entry.
    fn dispute() -> Weight {
        weight(1_600, 2, 2)
    }
    // 13.5 µs: a refund and three payouts; the buyer's account too (the proxy signs).
    fn resolve() -> Weight {
        weight(13_600, 12, 14)
    }
    // 3.04 µs; what the order paid the protocol read for the proxy's rating.
    fn rate() -> Weight {
        weight(3_100, 6, 4)
    }
    fn set_params() -> Weight {
        weight(1_000, 0, 1)
    }
    // Each settled order costs at most a confirmation (three payouts; a refund is cheaper).
    fn settle_deadlines(n: u32, steps: u32) -> Weight {
        weight(1_000, 1, 1)
            .saturating_add(weight(500, 1, 0).saturating_mul(u64::from(steps)))
            .saturating_add(
                weight(500, 0, 1)
                    .saturating_add(Self::confirm())
                    .saturating_mul(u64::from(n)),
            )
    }
    // Each removal reads the order and clears it, its three index entries, its ruling, what
    // it paid the protocol and its queue entry: storage, not compute (a few µs natively).
    fn expire_orders(n: u32, steps: u32) -> Weight {
        weight(1_000, 1, 1)
            .saturating_add(weight(500, 1, 0).saturating_mul(u64::from(steps)))
            .saturating_add(weight(5_000, 1, 7).saturating_mul(u64::from(n)))
    }
}

/// No weight, for tests.
impl WeightInfo for () {
    fn set_encryption_key() -> Weight {
        Weight::ZERO
    }
    fn register_proxy() -> Weight {
        Weight::ZERO
    }
    fn set_proxy_fee() -> Weight {
        Weight::ZERO
    }
    fn deregister_proxy() -> Weight {
        Weight::ZERO
    }
    fn publish(_: u32) -> Weight {
        Weight::ZERO
    }
    fn set_price() -> Weight {
        Weight::ZERO
    }
    fn set_proxies() -> Weight {
        Weight::ZERO
    }
    fn accept_product() -> Weight {
        Weight::ZERO
    }
    fn remove_product() -> Weight {
        Weight::ZERO
    }
    fn buy() -> Weight {
        Weight::ZERO
    }
    fn deliver() -> Weight {
        Weight::ZERO
    }
    fn confirm() -> Weight {
        Weight::ZERO
    }
    fn dispute() -> Weight {
        Weight::ZERO
    }
    fn resolve() -> Weight {
        Weight::ZERO
    }
    fn rate() -> Weight {
        Weight::ZERO
    }
    fn set_params() -> Weight {
        Weight::ZERO
    }
    fn settle_deadlines(_: u32, _: u32) -> Weight {
        Weight::ZERO
    }
    fn expire_orders(_: u32, _: u32) -> Weight {
        Weight::ZERO
    }
}
