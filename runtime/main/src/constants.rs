//! The runtime's economic and timing constants: the token's, shared with every CPChain
//! runtime (`cpc-runtime-common`), and the main chain's own.

use cpc_primitives::Balance;
pub use cpc_runtime_common::{
    DECIMALS, EXISTENTIAL_DEPOSIT, MICRO_UNITS, MILLI_UNITS, SS58_PREFIX, TOKEN_SYMBOL,
    TRANSACTION_BASE_FEE, TRANSACTION_BYTE_FEE, TREASURY, UNITS, WEIGHT_FEE_DENOMINATOR,
    WEIGHT_FEE_NUMERATOR,
};

/// The block period the weight limits are sized for, in milliseconds.
pub const BLOCK_PERIOD_MS: u64 = 1_000;
/// The most bytes of extrinsics in a block.
pub const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

/// The bond a sidechain registration reserves at least.
pub const SIDECHAIN_MIN_BOND: Balance = 1_000 * UNITS;
/// Anchored sidechain headers kept for proofs, per sidechain: 68 minutes of a sidechain with
/// 500 ms blocks, longer than any cross-chain message may wait.
pub const SIDECHAIN_ANCHOR_HISTORY: u32 = 8192;
/// Blocks from a sidechain's deregistration to its bond's release (one day), so a conflict of
/// its last days can still be reported.
pub const SIDECHAIN_DEREGISTRATION_DELAY: u32 = 86_400;

/// Most messages a cross-chain channel has between its oldest in flight and its next.
pub const XCHAIN_MAX_IN_FLIGHT: u32 = 1024;
/// Furthest a cross-chain message's timeout may lie past the sidechain's last anchored height:
/// 12 hours of 500 ms sidechain blocks.
pub const XCHAIN_MAX_TIMEOUT_SPAN: u32 = 86_400;
