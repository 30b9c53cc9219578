//! Weights of the crosschain-transfer calls.
//!
//! `measured native time x WASM_FACTOR + reads x READ + writes x WRITE` (see
//! `cpc_pallet_system::weights`). A proof is checked by hashing each node twice (into the
//! proof's node set, and when the trie walk has to know which nodes it used) and decoding the
//! nodes on the key's path: natively 10 µs for a proof of 1,810 bytes (a state of 1,000
//! entries), 15 µs for 2,838 bytes (100,000) and 14 µs for 3,203 bytes (1,000,000), from
//! `cargo bench -p cpc-benches --bench crosschain` (docs/benchmarks.md); charged as
//! `PROOF_NS + PROOF_NS_PER_BYTE` per byte of nodes, above every figure measured. Storage
//! accesses are counted from the code, the other chain's root and status included.

use cpc_pallet_system::weights::weight;
use cpc_primitives::weight::Weight;

/// Native time to check a storage proof, per byte of its nodes, in nanoseconds.
pub const PROOF_NS_PER_BYTE: u64 = 4;
/// Native time to check a storage proof, fixed part, in nanoseconds.
pub const PROOF_NS: u64 = 5_000;

/// Weight functions of the crosschain-transfer pallet.
pub trait WeightInfo {
    /// `transfer_out`, its in-flight window moved past `advanced` settled messages: the
    /// channel, the counterpart's status and height, the sender's and escrow's accounts (or the
    /// wrapped balance and supply) read and written, the record and the channel written.
    fn transfer_out(advanced: u32) -> Weight;
    /// `receive` with a proof of `proof_bytes`: the channel, the counterpart's status and root,
    /// the receipt read; escrow and two accounts (or two wrapped balances and the supply), the
    /// receipt and the channel written.
    fn receive(proof_bytes: u32) -> Weight;
    /// `timeout` with a proof of `proof_bytes`, the window moved past `advanced` messages.
    fn timeout(proof_bytes: u32, advanced: u32) -> Weight;
    /// `acknowledge` with a proof of `proof_bytes`, the window moved past `advanced` messages.
    fn acknowledge(proof_bytes: u32, advanced: u32) -> Weight;
    /// `transfer_wrapped`: two balances read and written.
    fn transfer_wrapped() -> Weight;
    /// `open_channel`.
    fn open_channel() -> Weight;
    /// `set_mint_cap`.
    fn set_mint_cap() -> Weight;
}

fn proof(bytes: u32) -> u64 {
    PROOF_NS + PROOF_NS_PER_BYTE * u64::from(bytes)
}

/// The weights of the CPChain runtimes.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn transfer_out(advanced: u32) -> Weight {
        weight(6_000, 5 + u64::from(advanced), 4)
    }
    fn receive(bytes: u32) -> Weight {
        weight(8_000 + proof(bytes), 6, 6)
    }
    fn timeout(bytes: u32, advanced: u32) -> Weight {
        weight(8_000 + proof(bytes), 5 + u64::from(advanced), 4)
    }
    fn acknowledge(bytes: u32, advanced: u32) -> Weight {
        weight(6_000 + proof(bytes), 4 + u64::from(advanced), 2)
    }
    fn transfer_wrapped() -> Weight {
        weight(3_000, 2, 2)
    }
    fn open_channel() -> Weight {
        weight(2_000, 3, 2)
    }
    fn set_mint_cap() -> Weight {
        weight(2_000, 1, 1)
    }
}

/// For tests: everything weighs nothing.
impl WeightInfo for () {
    fn transfer_out(_: u32) -> Weight {
        Weight::ZERO
    }
    fn receive(_: u32) -> Weight {
        Weight::ZERO
    }
    fn timeout(_: u32, _: u32) -> Weight {
        Weight::ZERO
    }
    fn acknowledge(_: u32, _: u32) -> Weight {
        Weight::ZERO
    }
    fn transfer_wrapped() -> Weight {
        Weight::ZERO
    }
    fn open_channel() -> Weight {
        Weight::ZERO
    }
    fn set_mint_cap() -> Weight {
        Weight::ZERO
    }
}
