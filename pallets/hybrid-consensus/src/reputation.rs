//! Reputation and election arithmetic (layer 1 of "Hybrid consensus" in `docs/architecture.md`),
//! as pure functions.
//!
//! Everything is integer arithmetic over values read from chain state, so every node computes
//! the same scores and the same committee.

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use cpc_primitives::{H256, hashing::blake2_256};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// The five dimensions of a candidate's record over the window, raw.
///
/// TX, PR and DC are values, not counts: a transaction counts for the fee it burned, a sale
/// for what it paid the protocol, a rating for its order's share of that, so what an account
/// stages with its own sybils (self-transfers, wash trades, five-star ratings) counts for
/// exactly what it spent on it, and never for the number of accounts or orders.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Dimensions {
    /// AB: bonded plus free balance.
    pub balance: u128,
    /// TX: transaction fees paid (burned).
    pub transactions: u128,
    /// PR: rated proxy service, the sum of `value x rating / 5` over its proxy ratings.
    pub proxy_rating: u128,
    /// DC: data contribution, what its sales paid the protocol and its anchors cost.
    pub data_contribution: u128,
    /// BM: blocks proposed per thousand assigned.
    pub blocks_per_mille: u64,
}

/// How much each dimension's score counts; a genesis and governance parameter.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Encode,
    Decode,
    MaxEncodedLen,
    TypeInfo,
    Serialize,
    Deserialize,
)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Weights {
    /// AB.
    pub balance: u32,
    /// TX.
    pub transactions: u32,
    /// PR.
    pub proxy_rating: u32,
    /// DC.
    pub data_contribution: u32,
    /// BM.
    pub blocks: u32,
}

impl Default for Weights {
    /// CPChain's weights: `RPT = 50 AB + 15 TX + 10 PR + 15 DC + 10 BM`.
    fn default() -> Self {
        Self {
            balance: 50,
            transactions: 15,
            proxy_rating: 10,
            data_contribution: 15,
            blocks: 10,
        }
    }
}

/// The most a weight may be, so that scores cannot overflow.
pub const MAX_WEIGHT: u32 = 1_000;

/// The blocks score (BM, per mille of assigned slots proposed) of a candidate that was never
/// assigned a slot, given the scores of those that were: their median (500 when none was).
/// Not the maximum, which let a newcomer outrank every proposer that ever missed a slot, and
/// not zero, which would shut newcomers out.
pub fn unassigned_blocks_score(mut assigned: Vec<u64>) -> u64 {
    assigned.sort_unstable();
    assigned.get(assigned.len() / 2).copied().unwrap_or(500)
}

/// Percentile rank of each value among `values`, 0..=100: the share of the others that are
/// lower, ties counting half (the mid-rank), so equal candidates score equally and a field of
/// identical candidates scores 50 each. A lone candidate ranks 100.
pub fn percentile_ranks<V: Ord>(values: &[V]) -> Vec<u64> {
    let n = values.len() as u64;
    if n <= 1 {
        return values.iter().map(|_| 100).collect();
    }
    let mut sorted: Vec<&V> = values.iter().collect();
    sorted.sort();
    values
        .iter()
        .map(|v| {
            let lower = sorted.partition_point(|x| *x < v) as u64;
            let not_higher = sorted.partition_point(|x| *x <= v) as u64;
            let equal_others = not_higher - lower - 1;
            (2 * lower + equal_others) * 100 / (2 * (n - 1))
        })
        .collect()
}

/// Reputation of every candidate: the weighted sum of its percentile ranks, reduced by
/// `impeachments` (`k` in the window) as `RPT * max(0, 9 - k) / 9`. Nine impeachments zero it;
/// there is no floor that would let a failing node back in.
pub fn reputations(records: &[(Dimensions, u32)], weights: &Weights) -> Vec<u64> {
    let column = |f: fn(&Dimensions) -> u128| -> Vec<u64> {
        percentile_ranks(&records.iter().map(|(d, _)| f(d)).collect::<Vec<_>>())
    };
    let ab = column(|d| d.balance);
    let tx = column(|d| d.transactions);
    let pr = column(|d| d.proxy_rating);
    let dc = column(|d| d.data_contribution);
    let bm = column(|d| d.blocks_per_mille.into());
    records
        .iter()
        .enumerate()
        .map(|(i, (_, impeached))| {
            let rpt = u64::from(weights.balance) * ab[i]
                + u64::from(weights.transactions) * tx[i]
                + u64::from(weights.proxy_rating) * pr[i]
                + u64::from(weights.data_contribution) * dc[i]
                + u64::from(weights.blocks) * bm[i];
            rpt * u64::from(9u32.saturating_sub(*impeached)) / 9
        })
        .collect()
}

/// A deterministic stream of random numbers from a seed: blake2-256 of the seed and a counter.
pub struct SeededRng {
    seed: H256,
    counter: u64,
}

impl SeededRng {
    /// A stream seeded by `seed` (the hash of a finalized block).
    pub fn new(seed: H256) -> Self {
        Self { seed, counter: 0 }
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let hash = blake2_256(&(self.seed, self.counter).encode());
        self.counter += 1;
        u64::from_le_bytes(hash[..8].try_into().expect("32 bytes; qed"))
    }

    /// A number in `0..bound` (`bound > 0`), without modulo bias.
    pub fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % bound;
            }
        }
    }
}

/// Picks up to `seats` distinct indices, each with probability proportional to its weight
/// among those not yet picked (sampling without replacement). Zero weights are never picked.
pub fn weighted_sample(weights: &[u64], seats: usize, rng: &mut SeededRng) -> Vec<usize> {
    let mut remaining: Vec<(usize, u64)> = weights
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, w)| *w > 0)
        .collect();
    let mut picked = Vec::new();
    while picked.len() < seats && !remaining.is_empty() {
        let total: u64 = remaining.iter().map(|(_, w)| *w).sum();
        let mut ticket = rng.below(total);
        let position = remaining
            .iter()
            .position(|(_, w)| {
                if ticket < *w {
                    true
                } else {
                    ticket -= w;
                    false
                }
            })
            .expect("the ticket is below the total; qed");
        picked.push(remaining.remove(position).0);
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ranks_are_shares_of_lower_values_with_ties_counting_half() {
        assert_eq!(percentile_ranks(&[5u64]), vec![100]);
        assert_eq!(percentile_ranks::<u64>(&[]), Vec::<u64>::new());
        assert_eq!(percentile_ranks(&[10u64, 30, 20]), vec![0, 100, 50]);
        assert_eq!(percentile_ranks(&[7u64, 7, 7]), vec![50, 50, 50]);
        assert_eq!(
            percentile_ranks(&[1u64, 2, 2, 3, 9]),
            vec![0, 37, 37, 75, 100]
        );
    }

    #[test]
    fn reputation_follows_the_formula_and_impeachment_has_no_floor() {
        let weights = Weights::default();
        let best = Dimensions {
            balance: 100,
            transactions: 100,
            proxy_rating: 100,
            data_contribution: 100,
            blocks_per_mille: 1000,
        };
        let worst = Dimensions::default();
        let rich_only = Dimensions {
            balance: 200,
            ..worst
        };
        let r = reputations(&[(best, 0), (worst, 0), (rich_only, 0)], &weights);
        // best: AB rank 50, the others 100; worst: AB 0, the others 25 (tied with rich_only);
        // rich_only: AB 100, the others 25.
        assert_eq!(r, vec![50 * 50 + 50 * 100, 50 * 25, 50 * 100 + 50 * 25]);
        for (k, expected) in [(0, 7500), (1, 6666), (3, 5000), (8, 833), (9, 0), (20, 0)] {
            let r = reputations(&[(best, k), (worst, 0), (rich_only, 0)], &weights);
            assert_eq!(r[0], expected, "k = {k}");
        }
    }

    #[test]
    fn sampling_is_deterministic_distinct_and_skips_zero_weights() {
        let weights = [5, 0, 10, 1, 0, 7];
        let a = weighted_sample(&weights, 10, &mut SeededRng::new(H256([1; 32])));
        let b = weighted_sample(&weights, 10, &mut SeededRng::new(H256([1; 32])));
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            vec![0, 2, 3, 5],
            "every positive weight once, no zero weight"
        );
        let c = weighted_sample(&weights, 10, &mut SeededRng::new(H256([2; 32])));
        assert_ne!(a, c, "another seed, another order");
        assert_eq!(
            weighted_sample(&weights, 2, &mut SeededRng::new(H256([1; 32]))).len(),
            2
        );
    }

    #[test]
    fn heavier_candidates_are_picked_first_more_often() {
        let weights = [1, 9];
        let mut heavy_first = 0;
        for seed in 0..1000u32 {
            let mut hash = [0u8; 32];
            hash[..4].copy_from_slice(&seed.to_le_bytes());
            if weighted_sample(&weights, 1, &mut SeededRng::new(H256(hash)))[0] == 1 {
                heavy_first += 1;
            }
        }
        // Expected 900; the bound is far outside sampling noise.
        assert!((850..=950).contains(&heavy_first), "{heavy_first}");
    }

    proptest! {
        #[test]
        fn a_sample_is_a_set_of_positive_weights(
            weights in proptest::collection::vec(0u64..1000, 0..40),
            seats in 0usize..50,
            seed in any::<[u8; 32]>(),
        ) {
            let picked = weighted_sample(&weights, seats, &mut SeededRng::new(H256(seed)));
            let positive = weights.iter().filter(|w| **w > 0).count();
            prop_assert_eq!(picked.len(), seats.min(positive));
            let mut unique = picked.clone();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(unique.len(), picked.len());
            prop_assert!(picked.iter().all(|i| weights[*i] > 0));
        }

        #[test]
        fn reputation_never_exceeds_the_weight_sum(
            records in proptest::collection::vec((any::<u64>(), any::<u64>(), 0u32..20), 0..30),
        ) {
            let records: Vec<_> = records.into_iter().map(|(b, t, k)| (Dimensions {
                balance: b.into(), transactions: t.into(), ..Default::default()
            }, k)).collect();
            for r in reputations(&records, &Weights::default()) {
                prop_assert!(r <= 100 * 100);
            }
        }
    }

    #[test]
    fn a_candidate_never_assigned_a_slot_ranks_with_the_median_not_the_top() {
        assert_eq!(unassigned_blocks_score(vec![]), 500);
        assert_eq!(unassigned_blocks_score(vec![1000, 200, 600]), 600);
        assert_eq!(unassigned_blocks_score(vec![1000, 0]), 1000);
        // Ranked among proposers of 1000, 900 and 500 per mille, a newcomer is in the middle.
        let score = unassigned_blocks_score(vec![1000, 900, 500]);
        let ranks = percentile_ranks(&[1000u64, 900, 500, score]);
        assert!(ranks[3] < ranks[0], "{ranks:?}");
    }
}
