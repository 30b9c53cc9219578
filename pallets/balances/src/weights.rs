//! Weights of the balances pallet's calls: measured native time (`cargo bench -p cpc-benches
//! --bench pallets`, see `docs/benchmarks.md`) times the wasm factor, plus storage accesses
//! (see `cpc_pallet_system::weights`).

use cpc_pallet_system::weights::weight;
use cpc_primitives::weight::Weight;

/// Weight functions.
pub trait WeightInfo {
    /// `transfer`.
    fn transfer() -> Weight;
    /// `transfer_keep_alive`.
    fn transfer_keep_alive() -> Weight;
    /// `transfer_all`.
    fn transfer_all() -> Weight;
    /// `force_transfer`.
    fn force_transfer() -> Weight;
    /// `force_unreserve`.
    fn force_unreserve() -> Weight;
    /// `force_set_balance`.
    fn force_set_balance() -> Weight;
}

/// Weights from the benchmarks.
pub struct CpcWeight;

// The signed sender's account is read and written by the fee payment, which the
// per-extrinsic base weight counts: the call finds it in the block's overlay. A signed call
// counts the other accounts it touches; a root call counts every account.
impl WeightInfo for CpcWeight {
    // 4.4 µs to a new account; the recipient's account read and written.
    fn transfer() -> Weight {
        weight(4_400, 1, 1)
    }
    // 2.7 µs.
    fn transfer_keep_alive() -> Weight {
        weight(2_700, 1, 1)
    }
    // 4.2 µs.
    fn transfer_all() -> Weight {
        weight(4_200, 1, 1)
    }
    // 2.3 µs; both accounts, neither is the signer.
    fn force_transfer() -> Weight {
        weight(2_300, 2, 2)
    }
    // 1.0 µs; one account.
    fn force_unreserve() -> Weight {
        weight(1_000, 1, 1)
    }
    // 2.4 µs; the account and the issuance.
    fn force_set_balance() -> Weight {
        weight(2_400, 2, 2)
    }
}

impl WeightInfo for () {
    fn transfer() -> Weight {
        Weight::ZERO
    }
    fn transfer_keep_alive() -> Weight {
        Weight::ZERO
    }
    fn transfer_all() -> Weight {
        Weight::ZERO
    }
    fn force_transfer() -> Weight {
        Weight::ZERO
    }
    fn force_unreserve() -> Weight {
        Weight::ZERO
    }
    fn force_set_balance() -> Weight {
        Weight::ZERO
    }
}
