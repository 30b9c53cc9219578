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
/// Native time to check a storage proof, per node (a hash and a copy into the node set even
/// when the walk fails), in nanoseconds.
pub const PROOF_NS_PER_NODE: u64 = 1_000;

/// Weight functions of the crosschain-transfer pallet.
pub trait WeightInfo {
    /// `transfer_out`, its in-flight window moved past `advanced` settled messages: the
    /// channel, the counterpart's status and height, the sender's and escrow's accounts (or the
    /// wrapped balance and supply) read and written, the record and the channel written.
    fn transfer_out(advanced: u32) -> Weight;
    /// `receive` with a proof of `proof_bytes` in `nodes` nodes: the channel, whether it is
    /// closed, the counterpart's status and root (three), the receipt, two balances read;
    /// escrow and two accounts (or two wrapped balances and the supply), the receipt and the
    /// channel written.
    fn receive(proof_bytes: u32, nodes: u32) -> Weight;
    /// `timeout` with a proof of `proof_bytes` in `nodes` nodes, the window moved past
    /// `advanced` messages.
    fn timeout(proof_bytes: u32, nodes: u32, advanced: u32) -> Weight;
    /// `acknowledge` with a proof of `proof_bytes` in `nodes` nodes, the window moved past
    /// `advanced` messages.
    fn acknowledge(proof_bytes: u32, nodes: u32, advanced: u32) -> Weight;
    /// `exit` or `exit_receive` with a proof of `proof_bytes` in `nodes` nodes: a `receive`,
    /// plus the registry's status and head, the exit record and the closing record.
    fn exit(proof_bytes: u32, nodes: u32) -> Weight;
    /// `transfer_wrapped`: two balances read and written.
    fn transfer_wrapped() -> Weight;
    /// `open_channel`.
    fn open_channel() -> Weight;
    /// `set_mint_cap`.
    fn set_mint_cap() -> Weight;
}

fn proof(bytes: u32, nodes: u32) -> u64 {
    PROOF_NS + PROOF_NS_PER_BYTE * u64::from(bytes) + PROOF_NS_PER_NODE * u64::from(nodes)
}

/// The weights of the CPChain runtimes.
pub struct CpcWeight;

impl WeightInfo for CpcWeight {
    fn transfer_out(advanced: u32) -> Weight {
        weight(6_000, 5 + u64::from(advanced), 4)
    }
    fn receive(bytes: u32, nodes: u32) -> Weight {
        weight(8_000 + proof(bytes, nodes), 8, 6)
    }
    fn timeout(bytes: u32, nodes: u32, advanced: u32) -> Weight {
        weight(8_000 + proof(bytes, nodes), 7 + u64::from(advanced), 4)
    }
    fn acknowledge(bytes: u32, nodes: u32, advanced: u32) -> Weight {
        weight(6_000 + proof(bytes, nodes), 6 + u64::from(advanced), 2)
    }
    fn exit(bytes: u32, nodes: u32) -> Weight {
        weight(8_000 + proof(bytes, nodes), 11, 8)
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
    fn receive(_: u32, _: u32) -> Weight {
        Weight::ZERO
    }
    fn timeout(_: u32, _: u32, _: u32) -> Weight {
        Weight::ZERO
    }
    fn acknowledge(_: u32, _: u32, _: u32) -> Weight {
        Weight::ZERO
    }
    fn exit(_: u32, _: u32) -> Weight {
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
