//! The runtime's economic and timing constants.

use cpc_primitives::Balance;

/// Decimals of the token: one CPC is `10^12` units.
pub const DECIMALS: u8 = 12;
/// One CPC.
pub const UNITS: Balance = 1_000_000_000_000;
/// 0.001 CPC.
pub const MILLI_UNITS: Balance = UNITS / 1_000;
/// 0.000001 CPC.
pub const MICRO_UNITS: Balance = UNITS / 1_000_000;

/// The least balance an account may hold: 0.001 CPC.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNITS;

/// Fee of every transaction: 0.001 CPC.
pub const TRANSACTION_BASE_FEE: Balance = MILLI_UNITS;
/// Fee per byte: 0.000001 CPC.
pub const TRANSACTION_BYTE_FEE: Balance = MICRO_UNITS;
/// Fee per weight, with `WEIGHT_FEE_DENOMINATOR`: one unit per picosecond of execution on the
/// reference machine, so a millisecond costs 0.001 CPC.
pub const WEIGHT_FEE_NUMERATOR: Balance = 1;
/// See `WEIGHT_FEE_NUMERATOR`.
pub const WEIGHT_FEE_DENOMINATOR: Balance = 1;

/// The block period the weight limits are sized for, in milliseconds.
pub const BLOCK_PERIOD_MS: u64 = 1_000;
/// The most bytes of extrinsics in a block.
pub const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

/// The SS58 prefix of addresses (the generic Substrate prefix, for dev and test chains).
pub const SS58_PREFIX: u16 = 42;
/// The token symbol.
pub const TOKEN_SYMBOL: &str = "CPC";

/// The treasury: receives the share of a slashed sidechain bond the reporter does not get.
/// Substrate's module-account layout (`b"modl"` ++ an 8-byte id, zero-padded), so tools show
/// it as a pallet account.
pub const TREASURY: cpc_primitives::AccountId = {
    let mut raw = [0u8; 32];
    let tag = *b"modlcpc/trsy";
    let mut i = 0;
    while i < tag.len() {
        raw[i] = tag[i];
        i += 1;
    }
    cpc_primitives::AccountId::new(raw)
};
/// The bond a sidechain registration reserves at least.
pub const SIDECHAIN_MIN_BOND: Balance = 1_000 * UNITS;
/// Anchored sidechain headers kept for proofs, per sidechain: 68 minutes of a sidechain with
/// 500 ms blocks, longer than any cross-chain message may wait.
pub const SIDECHAIN_ANCHOR_HISTORY: u32 = 8192;
/// Blocks from a sidechain's deregistration to its bond's release (one day), so a conflict of
/// its last days can still be reported.
pub const SIDECHAIN_DEREGISTRATION_DELAY: u32 = 86_400;
