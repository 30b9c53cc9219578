//! Benchmarks of pallet calls, declared beside each pallet as FRAME declares them.
//!
//! A pallet lists its calls' benchmarks in its `benchmarking.rs` (behind its
//! `runtime-benchmarks` feature): for each, the calls that prepare the state and the call to
//! measure. A runtime-level harness (`benches/benches/pallets.rs`) runs them in a real runtime
//! with criterion, and each pallet's `weights.rs` is derived from the medians it reports. The
//! pallet knows what its calls need; the harness knows the runtime, its genesis and the clock.

use alloc::vec::Vec;
use cpc_primitives::AccountId;

/// Who dispatches a benchmarked call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchOrigin {
    /// The `n`th funded account of the harness's genesis.
    Signed(u32),
    /// Root.
    Root,
    /// No origin (inherents).
    None,
}

/// One benchmark: the calls that prepare the state (dispatched in order and committed before
/// measuring), then the call measured from that state.
#[derive(Clone, Debug)]
pub struct Benchmark<Call> {
    /// The benchmark's name, shown as `<pallet>/<name>`.
    pub name: &'static str,
    /// The calls that prepare the state.
    pub setup: Vec<(BenchOrigin, Call)>,
    /// Who dispatches the measured call.
    pub origin: BenchOrigin,
    /// The measured call.
    pub call: Call,
}

impl<Call> Benchmark<Call> {
    /// A benchmark of `call` by `origin` from the genesis state.
    pub fn new(name: &'static str, origin: BenchOrigin, call: Call) -> Self {
        Self {
            name,
            setup: Vec::new(),
            origin,
            call,
        }
    }

    /// The same, from the state `setup` leaves.
    pub fn after(mut self, setup: Vec<(BenchOrigin, Call)>) -> Self {
        self.setup = setup;
        self
    }
}

/// The accounts of the harness's genesis, by index: what a pallet's benchmarks name in call
/// arguments (a transfer's destination, a product's proxy).
pub type Accounts<'a> = &'a dyn Fn(u32) -> AccountId;
