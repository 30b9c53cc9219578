//! Deterministic metering of consensus calls: wasmtime fuel.
//!
//! Whether a block is valid must not depend on the node that checks it. A wall-clock limit
//! does: the same heavy block finishes in time on an idle node and not on a loaded one, and the
//! chain splits. So calls whose result is consensus ([`CallClass::Block`]: executing and
//! building blocks, the engine's reads) and transaction validation ([`CallClass::Pool`]) are
//! bounded by *fuel* instead: wasmtime counts the wasm operators a call executes, and the host
//! functions charge fixed amounts for the work they do natively (below). The count depends
//! only on the code and its input, so a block that runs out of fuel runs out on every node, at
//! the same operator. Only offchain calls (RPC) keep a wall-clock limit, which is local policy.
//!
//! # Calibration against weights
//!
//! Weights are time on the reference machine, and a block's weight limit is half its period
//! (`BlockWeights::for_period`). Fuel is counted in units worth a thirtieth of a nanosecond
//! ([`FUEL_PER_NS`]): the densest wasm we measured (straight-line integer arithmetic) runs
//! 29 operators a nanosecond on the reference machine, the runtime's own code about 8. The host
//! charges its native work at the same rate, a fraction of the time the runtime's weights give
//! the same work. A block's fuel is worth its *whole* period ([`block_fuel`]), so a block that
//! keeps within its weight limit (half the period) uses at most half its fuel even in the
//! densest code, and typically an eighth. A block that exhausts its fuel has outrun its
//! weights by that much: its weights are wrong, and it is invalid everywhere. The stall such a
//! block can cause is bounded too: in the runtime's own code its fuel lasts about four periods.
//! `docs/benchmarks.md` has the measurements.
//!
//! The fuel count is a consensus rule of the host, like `MAX_CODE_SIZE`: every validator of a
//! chain must run the same wasmtime fuel accounting (the same major version of the node).
//!
//! [`CallClass::Block`]: crate::CallClass::Block
//! [`CallClass::Pool`]: crate::CallClass::Pool

/// Fuel per nanosecond of the reference machine.
pub const FUEL_PER_NS: u64 = 30;

/// Fuel per millisecond of block period.
pub const FUEL_PER_MS: u64 = FUEL_PER_NS * 1_000_000;

/// The fuel of one block of a chain whose period is `period_ms`: what executing it (one
/// `Core_execute_block` call) may use, and what building it may use in total.
pub const fn block_fuel(period_ms: u64) -> u64 {
    let period_ms = if period_ms < MIN_PERIOD_MS {
        MIN_PERIOD_MS
    } else {
        period_ms
    };
    period_ms.saturating_mul(FUEL_PER_MS)
}

/// The shortest period fuel is computed for (the system pallet's shortest block period).
pub const MIN_PERIOD_MS: u64 = 50;

/// The share of a block's fuel one transaction's validation may use: a transaction that
/// cannot be validated within it could never fit a block anyway.
pub const fn pool_fuel(block_fuel: u64) -> u64 {
    block_fuel / 4
}

/// What a block author keeps back from its calls for what importing the block costs beyond
/// building it (decoding the whole block, checking its roots): a twentieth of the fuel.
pub const fn import_margin(block_fuel: u64) -> u64 {
    block_fuel / 20
}

/// What a block author keeps back from transactions for `finalize_block`: a twentieth of the
/// fuel, and at least twice what computing the state root is charged.
pub const fn finalize_reserve(block_fuel: u64) -> u64 {
    let share = block_fuel / 20;
    let floor = 2 * host::STORAGE_ROOT;
    if share > floor { share } else { floor }
}

/// What `finalize_block` is charged for each extrinsic of `len` encoded bytes a block
/// includes (reading and clearing its stored bytes, hashing it into the extrinsics root, the
/// runtime's own work on it), with a twofold margin: a block author holds it back as it
/// includes each one.
pub const fn finalize_cost_of(len: u64) -> u64 {
    2 * (host::ORDERED_ROOT_ITEM
        + host::STORAGE_READ
        + host::STORAGE_WRITE
        + 4 * host::CALL
        + len * (host::HASH_PER_BYTE + 3 * host::PER_BYTE)
        + 50_000)
}

/// Fuel the host charges for native work: about its time on the reference machine, each a
/// fraction of the weight the runtime charges for the same work, so an honest block's charges
/// stay well inside its fuel. The charges are fixed by the arguments alone, never by a node's
/// caches, so every node charges the same.
pub mod host {
    use super::FUEL_PER_NS;

    const fn ns(n: u64) -> u64 {
        n * FUEL_PER_NS
    }

    /// Any host call.
    pub const CALL: u64 = ns(50);
    /// Per byte copied between the runtime's memory and the host (about 0.13 ns).
    pub const PER_BYTE: u64 = 4;
    /// Per byte hashed.
    pub const HASH_PER_BYTE: u64 = ns(2);
    /// A storage read, existence check or key iteration step (the weight of a read is 30 µs).
    pub const STORAGE_READ: u64 = ns(1_000);
    /// A storage write, clear or append (the weight of a write is 65 µs).
    pub const STORAGE_WRITE: u64 = ns(1_000);
    /// Each key `clear_prefix` removes.
    pub const STORAGE_CLEARED_KEY: u64 = ns(1_000);
    /// Computing the state root (once a block).
    pub const STORAGE_ROOT: u64 = ns(1_000_000);
    /// A storage transaction's start, commit or rollback.
    pub const STORAGE_TRANSACTION: u64 = ns(200);
    /// One sr25519 verification (48 µs), whether or not the host remembers having verified it.
    pub const SR25519_VERIFY: u64 = ns(48_000);
    /// One sr25519 VRF verification: 2.5 signatures' work (149 µs against 59 µs for one
    /// signature in the same run, docs/benchmarks.md).
    pub const SR25519_VRF_VERIFY: u64 = ns(150_000);
    /// Generating a key (a test and keystore helper).
    pub const SR25519_GENERATE: u64 = ns(50_000);
    /// Each item of an ordered trie root.
    pub const ORDERED_ROOT_ITEM: u64 = ns(1_000);
    /// Reading the version of new code (`set_code`): compiling it and calling `Core_version`.
    /// Compiling is not wasm execution; its cost is in `set_code`'s weight.
    pub const RUNTIME_VERSION: u64 = ns(10_000_000);
    /// The fuel of the nested `Core_version` call itself (not drawn from the caller's fuel).
    pub const VERSION_CALL: u64 = ns(100_000_000);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blocks_fuel_grows_with_its_period_and_has_a_floor() {
        assert_eq!(block_fuel(0), block_fuel(MIN_PERIOD_MS));
        assert_eq!(block_fuel(1_000), 30_000_000_000);
        assert!(block_fuel(6_000) > block_fuel(1_000));
        assert_eq!(block_fuel(u64::MAX), u64::MAX, "saturates, never wraps");
    }

    #[test]
    fn a_set_code_fits_the_shortest_period() {
        // A runtime upgrade must be possible on every chain: its host charges fit the fuel of a
        // block of the shortest period with room to spare.
        assert!(host::RUNTIME_VERSION * 2 < block_fuel(MIN_PERIOD_MS));
    }
}
