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
    /// `remove_product`: the product.
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
    /// `on_initialize` settling `n` deadlines (each as a `confirm`).
    fn settle_deadlines(n: u32) -> Weight;
}

/// The weights of the main runtime.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn set_encryption_key() -> Weight {
        weight(1_000, 0, 1)
    }
    fn register_proxy() -> Weight {
        weight(2_000, 2, 1)
    }
    fn set_proxy_fee() -> Weight {
        weight(1_500, 2, 1)
    }
    fn deregister_proxy() -> Weight {
        weight(2_000, 1, 1)
    }
    fn publish(len: u32) -> Weight {
        weight(4_000, 2, 2).saturating_add(weight(u64::from(len) * 2, 0, 0))
    }
    fn set_price() -> Weight {
        weight(3_000, 1, 1)
    }
    fn remove_product() -> Weight {
        weight(3_000, 1, 1)
    }
    fn buy() -> Weight {
        weight(12_000, 7, 9)
    }
    fn deliver() -> Weight {
        weight(4_000, 3, 2)
    }
    fn confirm() -> Weight {
        weight(10_000, 8, 7)
    }
    fn dispute() -> Weight {
        weight(2_000, 1, 1)
    }
    fn resolve() -> Weight {
        weight(10_000, 8, 7)
    }
    fn rate() -> Weight {
        weight(4_000, 4, 4)
    }
    fn set_params() -> Weight {
        weight(1_000, 0, 1)
    }
    fn settle_deadlines(n: u32) -> Weight {
        weight(1_000, 1, 1).saturating_add(Self::confirm().saturating_mul(u64::from(n)))
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
    fn settle_deadlines(_: u32) -> Weight {
        Weight::ZERO
    }
}
