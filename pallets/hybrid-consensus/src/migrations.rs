//! Storage migrations of the hybrid-consensus pallet.
//!
//! Version 1 measures reputation by value instead of by count (fees paid, what sales paid the
//! protocol, rated service; see `ReputationReporter`): each candidate's window record
//! changes layout, and the last election's scores with it.

use crate::{
    Config, CurrentTerm, LastScores, PALLET, Pallet, STORAGE_VERSION, WeightInfo, WindowStats,
};
use codec::{Decode, DecodeAll, Encode};
use cpc_primitives::weight::Weight;
use cpc_support::BoundedVec;

/// A window record as version 0 stored it.
#[derive(Decode)]
struct WindowStatsV0 {
    _nonce_at_start: u32,
    assigned: u32,
    proposed: u32,
    _data_contribution: u64,
    _rating_sum: u64,
    ratings: u32,
}

/// The key prefix of the `Stats` map.
const STATS_PREFIX: [u8; 32] = cpc_primitives::storage::storage_prefix(PALLET, "Stats");

/// Rewrites version 0 window records in the version 1 layout: the block counts carry over;
/// the counted market and transaction figures cannot be turned into values, so the window in
/// progress starts them from zero for everyone alike. The last scores (another layout) are
/// recomputed from the records as they now stand, so the next election draws from them
/// rather than leaving every seat to the defaults; this runs before the upgrade block's
/// extrinsics, so nobody who knows the next seed moves them. Does nothing where the stored
/// version is current. Returns the weight used.
pub fn migrate<T: Config>() -> Weight {
    let stored = cpc_support::storage::version::on_chain(PALLET);
    if stored >= STORAGE_VERSION {
        return cpc_pallet_system::weights::weight(1_000, 1, 0);
    }
    let mut cursor = STATS_PREFIX.to_vec();
    let mut count = 0u64;
    while let Some(key) =
        cpc_io::storage::next_key(&cursor).filter(|k| k.starts_with(&STATS_PREFIX))
    {
        let raw = cpc_io::storage::get(&key).unwrap_or_default();
        match WindowStatsV0::decode_all(&mut &raw[..]) {
            Ok(old) => {
                let new = WindowStats {
                    assigned: old.assigned,
                    proposed: old.proposed,
                    ratings: old.ratings,
                    ..Default::default()
                };
                cpc_io::storage::set(&key, &new.encode());
            }
            // Not a version 0 record (already converted): left as it is.
            Err(_) => log::warn!(target: "hybrid-consensus", "a window record is not version 0"),
        }
        count += 1;
        cursor = key;
    }
    let scores = Pallet::<T>::score_candidates(CurrentTerm::get_or_default(), false);
    LastScores::put(&BoundedVec::truncate_from(scores));
    cpc_support::storage::version::put(PALLET, STORAGE_VERSION);
    cpc_pallet_system::weights::weight(2_000, 1, 2)
        .saturating_add(cpc_pallet_system::weights::weight(1_000, 1, 1).saturating_mul(count))
        .saturating_add(<T as Config>::WeightInfo::start_term(count as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Stats, mock::*};

    fn migrate() -> Weight {
        super::migrate::<Test>()
    }

    #[test]
    fn version_0_window_records_keep_their_block_counts() {
        new_test_ext(&[1, 2], &[1]).execute_with(|| {
            let old = (7u32, 12u32, 10u32, 3u64, 14u64, 3u32).encode();
            let key = Stats::hashed_key(&account(1));
            cpc_io::storage::set(&key, &old);
            cpc_support::storage::version::put(PALLET, 0);
            migrate();
            assert_eq!(
                Stats::get(&account(1)),
                Some(WindowStats {
                    assigned: 12,
                    proposed: 10,
                    ratings: 3,
                    ..Default::default()
                })
            );
            assert_eq!(
                cpc_support::storage::version::on_chain(PALLET),
                STORAGE_VERSION
            );
            // Scores in the new layout, from the migrated records (the window not restarted),
            // for the next election to draw from.
            let scores = LastScores::get().expect("scores for the next election");
            assert_eq!(scores.len(), 2);
            assert!(scores.iter().all(|s| s.reputation > 0));
            assert_eq!(Stats::get(&account(1)).unwrap().assigned, 12);
            // A second run finds the version current and changes nothing.
            let before = Stats::get(&account(2));
            migrate();
            assert_eq!(Stats::get(&account(2)), before);
        });
    }
}
