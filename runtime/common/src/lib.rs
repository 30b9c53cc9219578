//! What CPChain's runtimes share: the token (decimals, fees, existential deposit), the
//! address format, the treasury account, the well-known dev accounts their presets endow, and
//! the bodies of the runtime APIs they implement alike ([`apis`]).
//! The main chain and its sidechains use one token, so a value moved between them means the
//! same everywhere.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod apis;

use alloc::vec::Vec;
use cpc_primitives::{AccountId, Balance};

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

/// The SS58 prefix of addresses (the generic Substrate prefix, for dev and test chains).
pub const SS58_PREFIX: u16 = 42;
/// The token symbol.
pub const TOKEN_SYMBOL: &str = "CPC";

/// The treasury: receives the share of a slashed sidechain bond the reporter does not get.
/// Substrate's module-account layout (`b"modl"` ++ an 8-byte id, zero-padded), so tools show
/// it as a pallet account.
pub const TREASURY: AccountId = {
    let mut raw = [0u8; 32];
    let tag = *b"modlcpc/trsy";
    let mut i = 0;
    while i < tag.len() {
        raw[i] = tag[i];
        i += 1;
    }
    AccountId::new(raw)
};

/// The public keys of Substrate's well-known dev accounts (`//Alice` ... `//Ferdie`); a test
/// derives them from their secret URIs.
pub const DEV_ACCOUNTS: [(&str, [u8; 32]); 6] = [
    (
        "Alice",
        hex32("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"),
    ),
    (
        "Bob",
        hex32("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"),
    ),
    (
        "Charlie",
        hex32("90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22"),
    ),
    (
        "Dave",
        hex32("306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20"),
    ),
    (
        "Eve",
        hex32("e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e"),
    ),
    (
        "Ferdie",
        hex32("1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c"),
    ),
];

const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not lowercase hex"),
        }
    }
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

/// The dev accounts.
pub fn dev_accounts() -> Vec<AccountId> {
    DEV_ACCOUNTS
        .iter()
        .map(|(_, key)| AccountId::new(*key))
        .collect()
}

/// What each dev account holds at genesis in the presets: one million CPC.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * UNITS;
/// The bond of the presets' proposer candidates (reserved from their endowment).
pub const CANDIDATE_BOND: Balance = 10_000 * UNITS;
/// The least bond of a proposer candidate in the presets.
pub const CANDIDATE_MIN_BOND: Balance = 1_000 * UNITS;
