//! Terms and elections: at each term boundary the scheduled parameters and committee take
//! over, and the candidates are scored on the window that ended to elect the proposers of the
//! term after, seeded by the randomness of the term that ended; reputation reports from other pallets feed that window.

use crate::{
    CandidateCount, Candidates, Config, CurrentTerm, DefaultProposers, Event, Impeachments,
    ImpeachmentsByTerm, LastScores, MAX_TERM_PROPOSERS, Member, Members, Pallet, ParamsOf,
    PendingParams, PendingValidators, Proposers, RecentImpeachments, ReputationReporter, Score,
    Stats, TermStart, WeightInfo, WindowStats,
    reputation::{Dimensions, SeededRng, reputations, unassigned_blocks_score, weighted_sample},
};
use alloc::vec::Vec;
use cpc_primitives::{AccountId, Balance, BlockNumber, H256, weight::Weight};
use cpc_support::{BoundedVec, traits::Currency};

impl<T: Config> Pallet<T> {
    /// Scores the candidates over the window so far; with `restart`, the window ended: it
    /// starts a new one (and prunes the impeachments that left the recent window).
    pub(crate) fn score_candidates(term: u32, restart: bool) -> Vec<Score> {
        let params = Self::params();
        let oldest = term.saturating_sub(params.impeachment_window_terms);
        let mut records = Vec::new();
        let mut accounts = Vec::new();
        let mut never_assigned = Vec::new();
        for (account, candidate) in Candidates::iter() {
            // Leaving, or slashed below the bond a registration needs: not electable.
            if candidate.unbonding_at.is_some() || candidate.bond < params.min_bond {
                continue;
            }
            let stats = Stats::get_or_default(&account);
            let dimensions = Dimensions {
                balance: T::Currency::free_balance(&account).saturating_add(candidate.bond),
                transactions: stats.fees_paid,
                proxy_rating: stats.rated_service,
                data_contribution: stats.data_contribution,
                blocks_per_mille: if stats.assigned == 0 {
                    never_assigned.push(records.len());
                    0
                } else {
                    u64::from(stats.proposed) * 1000 / u64::from(stats.assigned)
                },
            };
            let mut recent = RecentImpeachments::get_or_default(&account);
            recent.retain(|t| *t >= oldest);
            let impeachments = recent.len() as u32;
            if restart {
                RecentImpeachments::insert(&account, &recent);
                Stats::insert(&account, &WindowStats::default());
            }
            records.push((dimensions, impeachments));
            accounts.push(account);
        }
        let neutral = unassigned_blocks_score(
            records
                .iter()
                .enumerate()
                .filter(|(i, _)| !never_assigned.contains(i))
                .map(|(_, (d, _))| d.blocks_per_mille)
                .collect(),
        );
        for i in never_assigned {
            records[i].0.blocks_per_mille = neutral;
        }
        let scores = reputations(&records, &params.weights);
        accounts
            .into_iter()
            .zip(records)
            .zip(scores)
            .map(
                |((account, (dimensions, impeachments)), reputation)| Score {
                    account,
                    dimensions,
                    impeachments,
                    reputation,
                },
            )
            .collect()
    }

    /// Elects the proposers of `term`, seeded by `seed`, from `scores`: the scores of the
    /// boundary before, frozen before `seed` existed. Scored at the draw instead, they would
    /// depend on the transactions of the block before it, whose proposer already knows the
    /// seed (its own VRF output is the last in it) and could try transaction sets until the
    /// draw suits it. A pick that can no longer serve (it left, was evicted, or was slashed
    /// below the minimum bond since) leaves its seat to the default proposers rather than
    /// being drawn again, so no change of state can move a seat to another candidate.
    fn elect(term: u32, seed: H256, scores: &[Score]) {
        let params = Self::params();
        let weights: Vec<u64> = scores.iter().map(|s| s.reputation).collect();
        let seats = params.term_proposers as usize;
        let picked = weighted_sample(&weights, seats, &mut SeededRng::new(seed));
        let defaults = DefaultProposers::get_or_default();
        let mut next_default = defaults.iter().cycle();
        let mut proposers: Vec<Member> = Vec::with_capacity(seats);
        let mut elected = 0;
        for i in &picked {
            let account = scores[*i].account;
            let member = Candidates::get(&account)
                .filter(|c| c.unbonding_at.is_none() && c.bond >= params.min_bond)
                .map(|c| Member {
                    account,
                    session_key: c.session_key,
                });
            // A dropped pick's seat goes to a default in the same place: the other picks
            // keep their seats, so dropping one cannot move another (to the term's last
            // seat, say).
            match member {
                Some(member) => {
                    elected += 1;
                    proposers.push(member);
                }
                None => proposers.extend(next_default.next().cloned()),
            }
        }
        while proposers.len() < seats {
            match next_default.next() {
                Some(member) => proposers.push(member.clone()),
                None => break,
            }
        }
        Self::deposit_event(Event::Elected {
            term,
            seed,
            proposers: proposers.iter().map(|m| m.account).collect(),
            defaults: (proposers.len() - elected) as u32,
        });
        Proposers::insert(&term, &BoundedVec::truncate_from(proposers));
    }

    /// Starts term `term` at block `n`: installs a scheduled committee and elects the
    /// proposers of the term after.
    pub(crate) fn start_term(term: u32, n: BlockNumber) -> Weight {
        if let Some(params) = PendingParams::take() {
            ParamsOf::put(&params);
        }
        CurrentTerm::put(&term);
        TermStart::put(&n);
        let window = Self::params().impeachment_window_terms;
        if let Some(old) = term.checked_sub(window + 1) {
            for block in ImpeachmentsByTerm::take(&old).unwrap_or_default().iter() {
                Impeachments::remove(block);
            }
        }
        if let Some(previous) = term.checked_sub(1) {
            Proposers::remove(&previous);
        }
        if let Some(pending) = PendingValidators::take() {
            // Members may have unbonded since, which `unbond` forbids: still re-check.
            if let Ok(members) = Self::members_of(&pending) {
                Self::install_validators(members);
            }
        }
        if !Proposers::contains_key(&term) {
            // Terms 0 and 1, or a term whose election did not happen: the defaults.
            Proposers::insert(&term, &Self::default_term());
        }
        // Every boundary ends a term's accumulation, so each term's outputs seed exactly one
        // election.
        let seed = Self::rotate_randomness(term);
        if CandidateCount::get_or_default() == 0 && DefaultProposers::get_or_default().is_empty() {
            // A chain without hybrid consensus.
            return <T as Config>::WeightInfo::start_term(0);
        }
        // Term 1's proposers are the defaults, like term 0's: no finalized term precedes it.
        if term >= 1 {
            Self::elect(term + 1, seed, &LastScores::get_or_default());
        }
        // Scored now, drawn from at the next boundary with randomness nobody knows yet.
        LastScores::put(&BoundedVec::truncate_from(Self::score_candidates(
            term, true,
        )));
        <T as Config>::WeightInfo::start_term(CandidateCount::get_or_default())
    }

    pub(crate) fn default_term() -> Members<MAX_TERM_PROPOSERS> {
        let seats = Self::params().term_proposers as usize;
        let defaults = DefaultProposers::get_or_default();
        BoundedVec::truncate_from(defaults.iter().cycle().take(seats).cloned().collect())
    }
}

impl<T: Config> ReputationReporter for Pallet<T> {
    /// Called for every fee paid: one read for most payers (every candidate has a window
    /// record, nobody else does), and its write for candidates; the runtime's per-extrinsic
    /// weight counts both.
    fn note_fee_paid(who: &AccountId, fee: Balance) {
        if let Some(mut stats) = Stats::get(who) {
            stats.fees_paid = stats.fees_paid.saturating_add(fee);
            Stats::insert(who, &stats);
        }
    }

    fn note_data_contribution(who: &AccountId, value: Balance) {
        if Candidates::contains_key(who) {
            Stats::mutate_or_default(who, |s| {
                s.data_contribution = s.data_contribution.saturating_add(value);
            });
        }
    }

    fn note_proxy_rating(who: &AccountId, rating: u8, value: Balance) {
        if Candidates::contains_key(who) && (1..=5).contains(&rating) {
            Stats::mutate_or_default(who, |s| {
                s.rated_service = s
                    .rated_service
                    .saturating_add(value.saturating_mul(Balance::from(rating)) / 5);
                s.ratings = s.ratings.saturating_add(1);
            });
        }
    }
}
