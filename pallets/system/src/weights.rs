//! Weights of the system pallet's calls, and the storage costs every pallet's weights use.
//!
//! A weight is `compute + reads * READ + writes * WRITE`, in picoseconds. `compute` is the
//! call's time measured natively over in-memory state (`cargo bench -p cpc-benches --bench
//! pallets`, figures in `docs/benchmarks.md`) times [`WASM_FACTOR`], the margin for running in
//! wasm. `READ` and `WRITE` are the storage costs per distinct key, measured by the node's
//! storage benchmark on a state of a million accounts in RocksDB (`cargo bench -p cpc-benches
//! --bench node -- storage`): a read walks the trie from the root; a write pays its share of
//! the block's new state root and RocksDB commit, for a key the block read first (its path
//! is then in the node cache). A key the block already read or wrote is in the overlay and
//! costs nothing more. A call that writes a key it did not read (a new entry inserted without
//! looking) should count a read for it too, since the root computation fetches the path then;
//! the pallets' weights are not all audited for this yet (`register_device` counts 2 reads for
//! its 4 writes, 2 of them to keys it did not read).
//!
//! `cargo bench -p cpc-benches --bench block_budget` checks the result where it matters: a
//! block filled to its weight limit with each call kind must import within the block's
//! execution budget.

use cpc_primitives::weight::{WEIGHT_REF_TIME_PER_NANOS, Weight};

/// Execution in wasm is assumed this many times slower than the native measurement.
pub const WASM_FACTOR: u64 = 3;
/// One storage read, in picoseconds: 19.7 to 28.8 µs measured for a random key among a
/// million accounts (the machine's speed varies between runs), rounded up from the slower.
pub const READ: u64 = 30_000 * WEIGHT_REF_TIME_PER_NANOS;
/// One storage write, in picoseconds: 38 to 62 µs per key measured for blocks writing 2,000
/// random keys among a million accounts that they read first (root, nodes and reference-count
/// merge operands committed), rounded up from the slower. It was 100 µs before trie reference
/// counts became RocksDB merge operands, when every write read the counts first.
pub const WRITE: u64 = 65_000 * WEIGHT_REF_TIME_PER_NANOS;

/// `measured_ns` of native compute plus `reads` and `writes`.
pub const fn weight(measured_ns: u64, reads: u64, writes: u64) -> Weight {
    Weight::from_ref_time(
        measured_ns * WEIGHT_REF_TIME_PER_NANOS * WASM_FACTOR + reads * READ + writes * WRITE,
    )
}

/// Weight functions of the system pallet.
pub trait WeightInfo {
    /// `remark` of `len` bytes.
    fn remark(len: u32) -> Weight;
    /// `remark_with_event` of `len` bytes.
    fn remark_with_event(len: u32) -> Weight;
    /// `set_storage` of `n` items.
    fn set_storage(n: u32) -> Weight;
    /// `kill_storage` of `n` keys.
    fn kill_storage(n: u32) -> Weight;
    /// `kill_prefix` removing up to `n` keys.
    fn kill_prefix(n: u32) -> Weight;
    /// `set_code` with code of `len` bytes: compiling it to read its version dominates.
    fn set_code(len: u32) -> Weight;
}

/// Weights from the benchmarks.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    // remark (1 KiB): 50 ns.
    fn remark(len: u32) -> Weight {
        weight(50, 0, 0).saturating_add(Weight::from_ref_time(u64::from(len) * 150))
    }

    // remark_with_event (1 KiB): 1.33 µs, mostly hashing; one event written.
    fn remark_with_event(len: u32) -> Weight {
        weight(100, 0, 1).saturating_add(Weight::from_ref_time(u64::from(len) * 4_000))
    }

    // set_storage (10 items): 1.39 µs.
    fn set_storage(n: u32) -> Weight {
        weight(140, 0, 1).saturating_mul(u64::from(n).max(1))
    }

    fn kill_storage(n: u32) -> Weight {
        weight(140, 0, 1).saturating_mul(u64::from(n).max(1))
    }

    fn kill_prefix(n: u32) -> Weight {
        weight(300, 1, 1).saturating_mul(u64::from(n).max(1))
    }

    // Compiling a new runtime to read its version, in the executor (native, so no
    // WASM_FACTOR); the compiled module stays cached for the blocks that run the new code.
    fn set_code(len: u32) -> Weight {
        Weight::from_ref_time(
            u64::from(len) * SET_CODE_NS_PER_BYTE * WEIGHT_REF_TIME_PER_NANOS
                + 2 * READ
                + 2 * WRITE,
        )
    }
}

/// Nanoseconds per byte of code to compile a runtime and read its version with a cold cache:
/// 261 ms for the 502 KiB main runtime, 508 ns per byte (`cargo bench -p cpc-benches --bench
/// node -- set_code`, two cores compiling in parallel), rounded up.
pub const SET_CODE_NS_PER_BYTE: u64 = 520;

/// No weight, for tests.
impl WeightInfo for () {
    fn remark(_: u32) -> Weight {
        Weight::ZERO
    }
    fn remark_with_event(_: u32) -> Weight {
        Weight::ZERO
    }
    fn set_storage(_: u32) -> Weight {
        Weight::ZERO
    }
    fn kill_storage(_: u32) -> Weight {
        Weight::ZERO
    }
    fn kill_prefix(_: u32) -> Weight {
        Weight::ZERO
    }
    fn set_code(_: u32) -> Weight {
        Weight::ZERO
    }
}
