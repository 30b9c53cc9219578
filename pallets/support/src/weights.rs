//! Block limits and the cost of storage access.
//!
//! A block must be importable within its period: with a period `p`, at most `p / 2` of compute
//! goes into a block, and at most 75% of that to normal transactions, so operational ones
//! (governance, reports) always find room. Mandatory inherents are not limited.

use codec::{Decode, Encode, MaxEncodedLen};
use cpc_primitives::{
    dispatch::DispatchClass,
    weight::{WEIGHT_REF_TIME_PER_MILLIS, Weight},
};
use scale_info::TypeInfo;

/// The weight of one storage read and one storage write, from benchmarks of the node's
/// database.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct RuntimeDbWeight {
    /// One read.
    pub read: u64,
    /// One write.
    pub write: u64,
}

impl RuntimeDbWeight {
    /// `n` reads.
    pub const fn reads(self, n: u64) -> Weight {
        Weight::from_parts(self.read.saturating_mul(n), 0)
    }

    /// `n` writes.
    pub const fn writes(self, n: u64) -> Weight {
        Weight::from_parts(self.write.saturating_mul(n), 0)
    }

    /// `r` reads and `w` writes.
    pub const fn reads_writes(self, r: u64, w: u64) -> Weight {
        Weight::from_parts(
            self.read
                .saturating_mul(r)
                .saturating_add(self.write.saturating_mul(w)),
            0,
        )
    }
}

/// A value per dispatch class; FRAME's `PerDispatchClass` layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct PerDispatchClass<T> {
    /// Normal.
    pub normal: T,
    /// Operational.
    pub operational: T,
    /// Mandatory.
    pub mandatory: T,
}

impl<T> PerDispatchClass<T> {
    /// The value of `class`.
    pub fn get(&self, class: DispatchClass) -> &T {
        match class {
            DispatchClass::Normal => &self.normal,
            DispatchClass::Operational => &self.operational,
            DispatchClass::Mandatory => &self.mandatory,
        }
    }

    /// The value of `class`, mutably.
    pub fn get_mut(&mut self, class: DispatchClass) -> &mut T {
        match class {
            DispatchClass::Normal => &mut self.normal,
            DispatchClass::Operational => &mut self.operational,
            DispatchClass::Mandatory => &mut self.mandatory,
        }
    }
}

impl PerDispatchClass<Weight> {
    /// The sum over classes.
    pub fn total(&self) -> Weight {
        self.normal
            .saturating_add(self.operational)
            .saturating_add(self.mandatory)
    }
}

/// Weight limits of a block.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct BlockWeights {
    /// Fixed cost of executing an empty block.
    pub base_block: Weight,
    /// Most weight a block may use, all classes together.
    pub max_block: Weight,
    /// Fixed cost of every extrinsic (decoding, signature, nonce, fee), added to its call's.
    pub base_extrinsic: Weight,
    /// Share of `max_block` normal extrinsics may fill, in percent.
    pub normal_percent: u8,
}

impl BlockWeights {
    /// Limits for a block period of `period_ms`: half the period for compute, 75% of that for
    /// normal extrinsics.
    pub const fn for_period(period_ms: u64, base_block: Weight, base_extrinsic: Weight) -> Self {
        Self {
            base_block,
            max_block: Self::max_block_for_period(period_ms),
            base_extrinsic,
            normal_percent: 75,
        }
    }

    /// These limits for a block period of `period_ms`: `max_block` is half the period, the
    /// rest (base weights, the normal share) stays as the runtime set it.
    pub const fn with_period(self, period_ms: u64) -> Self {
        Self {
            max_block: Self::max_block_for_period(period_ms),
            ..self
        }
    }

    const fn max_block_for_period(period_ms: u64) -> Weight {
        Weight::from_parts(period_ms * WEIGHT_REF_TIME_PER_MILLIS / 2, u64::MAX)
    }

    /// Most weight extrinsics of `class` may use in total, if limited.
    pub fn max_total(&self, class: DispatchClass) -> Option<Weight> {
        match class {
            DispatchClass::Normal => Some(
                self.max_block
                    .mul_ratio(u64::from(self.normal_percent), 100),
            ),
            DispatchClass::Operational => Some(self.max_block),
            DispatchClass::Mandatory => None,
        }
    }

    /// Most weight one extrinsic of `class` may have and still fit in an otherwise empty block:
    /// its class's share, less the base block, less [`INITIALIZATION_RESERVE_PERCENT`] of the
    /// block kept for hooks and inherents, less the per-extrinsic base.
    pub fn max_extrinsic(&self, class: DispatchClass) -> Option<Weight> {
        self.max_total(class).map(|max| {
            max.saturating_sub(self.base_block)
                .saturating_sub(
                    self.max_block
                        .mul_ratio(INITIALIZATION_RESERVE_PERCENT, 100),
                )
                .saturating_sub(self.base_extrinsic)
        })
    }
}

/// Share of a block's weight, in percent, no single extrinsic may claim: the block's own
/// initialization (hooks, migrations) and mandatory inherents run in it.
pub const INITIALIZATION_RESERVE_PERCENT: u64 = 10;

/// Length limits of a block, in bytes of encoded extrinsics.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct BlockLength {
    /// Most bytes in a block.
    pub max: u32,
    /// Share of `max` normal extrinsics may fill, in percent.
    pub normal_percent: u8,
}

impl BlockLength {
    /// Most bytes extrinsics of `class` may use in total.
    pub fn max_total(&self, class: DispatchClass) -> u32 {
        match class {
            DispatchClass::Normal => {
                (u64::from(self.max) * u64::from(self.normal_percent) / 100) as u32
            }
            _ => self.max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_second_block_leaves_half_for_import() {
        let w = BlockWeights::for_period(1000, Weight::ZERO, Weight::ZERO);
        assert_eq!(w.max_block.ref_time, 500 * WEIGHT_REF_TIME_PER_MILLIS);
        assert_eq!(
            w.max_total(DispatchClass::Normal).unwrap().ref_time,
            375 * WEIGHT_REF_TIME_PER_MILLIS
        );
        assert_eq!(w.max_total(DispatchClass::Mandatory), None);
        assert_eq!(
            w.max_extrinsic(DispatchClass::Operational)
                .unwrap()
                .ref_time,
            450 * WEIGHT_REF_TIME_PER_MILLIS
        );
        assert_eq!(w.max_extrinsic(DispatchClass::Mandatory), None);
        let l = BlockLength {
            max: 5 * 1024 * 1024,
            normal_percent: 75,
        };
        assert_eq!(l.max_total(DispatchClass::Normal), 3_932_160);
    }
}
