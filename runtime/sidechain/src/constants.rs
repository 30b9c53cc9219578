//! The sidechain runtime's constants: the token's, shared with every CPChain runtime
//! (`cpc-runtime-common`), and the sidechain's own timing and IoT bounds.

use cpc_primitives::Balance;
pub use cpc_runtime_common::{
    DECIMALS, EXISTENTIAL_DEPOSIT, MICRO_UNITS, MILLI_UNITS, SS58_PREFIX, TOKEN_SYMBOL,
    TRANSACTION_BASE_FEE, TRANSACTION_BYTE_FEE, UNITS, WEIGHT_FEE_DENOMINATOR,
    WEIGHT_FEE_NUMERATOR,
};

/// The block period the weight limits are sized for, in milliseconds: IoT data wants fast
/// finality.
pub const BLOCK_PERIOD_MS: u64 = 500;
/// The most bytes of extrinsics in a block.
pub const MAX_BLOCK_LENGTH: u32 = 4 * 1024 * 1024;
/// The deposit a device registration reserves.
pub const DEVICE_DEPOSIT: Balance = UNITS / 10;
/// Most readings one block accepts: 20,000 readings/s at the 500 ms period, above the goal
/// the benchmark measures against; the block's weight is the tighter bound.
pub const MAX_READINGS_PER_BLOCK: u32 = 10_000;
/// Tracked main-chain headers kept for proofs: about 2.3 hours of 1 s main-chain blocks.
pub const MAIN_HEADER_HISTORY: u32 = 8192;
/// Most messages a cross-chain channel has between its oldest in flight and its next.
pub const XCHAIN_MAX_IN_FLIGHT: u32 = 1024;
/// Furthest a cross-chain message's timeout may lie past the main chain's last tracked height:
/// 12 hours of 1 s main-chain blocks.
pub const XCHAIN_MAX_TIMEOUT_SPAN: u32 = 43_200;
