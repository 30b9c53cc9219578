//! Block accounting: each block counts for its seat's proposer, or, when its LBFT digest marks
//! it an impeach block, as an impeachment against it.

use crate::{
    Candidates, Config, CurrentTerm, Event, Impeachment, Impeachments, ImpeachmentsByTerm, Pallet,
    RecentImpeachments, Stats, WeightInfo,
};
use codec::DecodeAll;
use cpc_primitives::{
    BlockNumber,
    header::DigestItem,
    lbft::{BlockDigest, ENGINE_ID},
    weight::Weight,
};

impl<T: Config> Pallet<T> {
    /// The LBFT digest of the block being built or executed, if it has one.
    ///
    /// # Panics
    /// On an LBFT digest that does not decode, or that breaks its rules (an impeach block of
    /// round 0, a normal block of another round): the block is invalid. A block without one
    /// was not made by LBFT (a dev engine); LBFT nodes refuse such proposals.
    pub(crate) fn block_digest() -> Option<BlockDigest> {
        let digest = cpc_pallet_system::Digest::get_or_default()
            .logs()
            .find_map(|item| match item {
                DigestItem::PreRuntime(id, data) if *id == ENGINE_ID => Some(
                    BlockDigest::decode_all(&mut &data[..])
                        .unwrap_or_else(|_| panic!("the block's LBFT digest does not decode")),
                ),
                _ => None,
            })?;
        // Round 0 is the elected proposer's block; impeach blocks come from later rounds.
        // A proposer marking its own full block `impeach` would contribute no VRF output.
        assert!(
            digest.impeach == (digest.round > 0),
            "an LBFT digest of round {} {} an impeach block",
            digest.round,
            if digest.impeach {
                "marks"
            } else {
                "does not mark"
            },
        );
        Some(digest)
    }

    /// Counts block `n` for or against its proposer.
    pub(crate) fn account_block(n: BlockNumber, digest: Option<BlockDigest>) -> Weight {
        let Some(proposer) = Self::proposer_of(n) else {
            return Weight::ZERO;
        };
        let impeached = digest.is_some_and(|d| d.impeach);
        if Candidates::contains_key(&proposer.account) {
            Stats::mutate_or_default(&proposer.account, |s| {
                s.assigned += 1;
                if !impeached {
                    s.proposed += 1;
                }
            });
        }
        if impeached {
            let term = CurrentTerm::get_or_default();
            let round = digest.map_or(0, |d| d.round);
            Impeachments::insert(
                &n,
                &Impeachment {
                    proposer: proposer.account,
                    term,
                    round,
                    reason: None,
                },
            );
            ImpeachmentsByTerm::mutate_or_default(&term, |blocks| {
                let _ = blocks.try_push(n);
            });
            if Candidates::contains_key(&proposer.account) {
                RecentImpeachments::mutate_or_default(&proposer.account, |terms| {
                    if terms.try_push(term).is_err() {
                        terms.remove(0);
                        let _ = terms.try_push(term);
                    }
                });
            }
            Self::deposit_event(Event::Impeached {
                block: n,
                proposer: proposer.account,
                round,
            });
        }
        <T as Config>::WeightInfo::account_block()
    }
}
