//! Weights: the execution cost of a call, in Substrate's two-dimensional form.
//!
//! `ref_time` is picoseconds of execution on the reference machine; `proof_size` is the bytes of
//! state proof the call may need (kept for format compatibility; our limits use `ref_time`).

use codec::{Decode, Encode, MaxEncodedLen};
use core::ops::{Add, AddAssign, Sub};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Picoseconds of `ref_time` in one second.
pub const WEIGHT_REF_TIME_PER_SECOND: u64 = 1_000_000_000_000;
/// Picoseconds of `ref_time` in one millisecond.
pub const WEIGHT_REF_TIME_PER_MILLIS: u64 = 1_000_000_000;
/// Picoseconds of `ref_time` in one microsecond.
pub const WEIGHT_REF_TIME_PER_MICROS: u64 = 1_000_000;
/// Picoseconds of `ref_time` in one nanosecond.
pub const WEIGHT_REF_TIME_PER_NANOS: u64 = 1_000;

/// Execution time and proof size.
#[derive(
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Debug,
    Encode,
    Decode,
    MaxEncodedLen,
    TypeInfo,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Weight {
    /// Picoseconds on the reference machine.
    #[codec(compact)]
    pub ref_time: u64,
    /// Bytes of state proof.
    #[codec(compact)]
    pub proof_size: u64,
}

impl Weight {
    /// Zero.
    pub const ZERO: Self = Self {
        ref_time: 0,
        proof_size: 0,
    };
    /// The largest weight.
    pub const MAX: Self = Self {
        ref_time: u64::MAX,
        proof_size: u64::MAX,
    };

    /// A weight of both components.
    pub const fn from_parts(ref_time: u64, proof_size: u64) -> Self {
        Self {
            ref_time,
            proof_size,
        }
    }

    /// Execution time only.
    pub const fn from_ref_time(ref_time: u64) -> Self {
        Self {
            ref_time,
            proof_size: 0,
        }
    }

    /// Component-wise saturating addition.
    pub const fn saturating_add(self, other: Self) -> Self {
        Self {
            ref_time: self.ref_time.saturating_add(other.ref_time),
            proof_size: self.proof_size.saturating_add(other.proof_size),
        }
    }

    /// Component-wise saturating subtraction.
    pub const fn saturating_sub(self, other: Self) -> Self {
        Self {
            ref_time: self.ref_time.saturating_sub(other.ref_time),
            proof_size: self.proof_size.saturating_sub(other.proof_size),
        }
    }

    /// Component-wise saturating multiplication by a scalar.
    pub const fn saturating_mul(self, n: u64) -> Self {
        Self {
            ref_time: self.ref_time.saturating_mul(n),
            proof_size: self.proof_size.saturating_mul(n),
        }
    }

    /// Component-wise checked addition.
    pub const fn checked_add(self, other: Self) -> Option<Self> {
        match (
            self.ref_time.checked_add(other.ref_time),
            self.proof_size.checked_add(other.proof_size),
        ) {
            (Some(ref_time), Some(proof_size)) => Some(Self {
                ref_time,
                proof_size,
            }),
            _ => None,
        }
    }

    /// Whether any component exceeds the same component of `limit`.
    pub const fn any_gt(self, limit: Self) -> bool {
        self.ref_time > limit.ref_time || self.proof_size > limit.proof_size
    }

    /// Component-wise minimum.
    pub fn min(self, other: Self) -> Self {
        Self {
            ref_time: self.ref_time.min(other.ref_time),
            proof_size: self.proof_size.min(other.proof_size),
        }
    }

    /// `self * numerator / denominator` per component, without overflow.
    pub const fn mul_ratio(self, numerator: u64, denominator: u64) -> Self {
        const fn scale(v: u64, n: u64, d: u64) -> u64 {
            if d == 0 {
                return 0;
            }
            let r = (v as u128) * (n as u128) / (d as u128);
            if r > u64::MAX as u128 {
                u64::MAX
            } else {
                r as u64
            }
        }
        Self {
            ref_time: scale(self.ref_time, numerator, denominator),
            proof_size: scale(self.proof_size, numerator, denominator),
        }
    }
}

impl Add for Weight {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        self.saturating_add(rhs)
    }
}

impl AddAssign for Weight {
    fn add_assign(&mut self, rhs: Self) {
        *self = self.saturating_add(rhs);
    }
}

impl Sub for Weight {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        self.saturating_sub(rhs)
    }
}
