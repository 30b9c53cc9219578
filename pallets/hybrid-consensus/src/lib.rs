//! # Hybrid-consensus pallet
//!
//! The on-chain half of CPChain's two-layer consensus (ARCHITECTURE.md §7):
//!
//! - **Candidates** bond stake and register an sr25519 session key (`register`, `bond_more`,
//!   `set_session_key`); `unbond` retires a candidate, whose bond is released by
//!   `withdraw_unbonded` after `unbonding_terms` terms.
//! - **Reputation** per candidate, scored over the last term: balance, extrinsics sent, proxy
//!   rating and data contribution (reported by other pallets through [`ReputationReporter`]),
//!   and blocks proposed per block assigned; each dimension is a percentile rank among the
//!   candidates, weighted by `Params::weights`, and cut by `(9 - k) / 9` for `k` impeachments
//!   in the recent window (see [`reputation`]).
//! - **Elections**: a term is `K x V` blocks (`term_proposers x views`). The proposers of
//!   term `t` are decided by the state at the end of term `t - 2`: they are drawn at the first
//!   block of term `t - 1`, seeded by its parent's hash (the last block of term `t - 2`, final),
//!   from the scores of term `t - 2`, by reputation-weighted sampling without replacement;
//!   empty seats go to the genesis default proposers. So every proposer is known a full term
//!   ahead. Block `n` of a term belongs to seat `(n - term_start) mod K`, which is ARCHITECTURE's
//!   `(n - 1) mod K` as long as `K` and `V` keep their genesis values. Terms 0 and 1 are the
//!   default proposers'. Parameter changes take effect at the next term boundary.
//! - **The validator committee** of LBFT: root schedules a new one (`set_validators`, bonded
//!   candidates only); it takes over at the next term boundary, announced by a
//!   `Consensus(LBFT, ValidatorSetChange)` header digest.
//! - **Impeachments**: an impeach block (its `PreRuntime(LBFT, BlockDigest)` says so) records
//!   an impeachment of the seat's proposer; a validator may attach the reason it saw
//!   (`note_impeachment_reason`).
//! - **Equivocation**: anyone may report two conflicting signed votes of one validator
//!   (`report_equivocation`), judged against the committee that finalized that height; the
//!   validator's bond is slashed by `slash_per_mille`, once per height. Members of any committee
//!   of the last `REPORT_WINDOW` blocks, and holders of a proposer seat, cannot unbond.
//! - **Session keys** are registered with a proof of possession (the key signs the account),
//!   so nobody can claim another's key.
//!
//! Everything that decides an election is in storage: the candidates, their window stats,
//! the last election's scores (`LastScores`) and the impeachment records.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod mock;
pub mod reputation;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, Balance, BlockNumber, H256,
    dispatch::{DispatchClass, DispatchInfo, DispatchResult, DispatchResultWithPostInfo, Pays},
    header::DigestItem,
    lbft::{BlockDigest, ENGINE_ID, ValidatorSetChange, Vote},
    sr25519::{Public, Signature},
    weight::Weight,
};
use cpc_support::{
    BoundedVec, ConstU32, Hooks, PalletDef, RawOrigin, ensure, ensure_root, ensure_signed,
    metadata::{StorageEntry, constant},
    traits::{Currency, ReservableCurrency},
};
use reputation::{Dimensions, SeededRng, Weights, reputations, weighted_sample};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "HybridConsensus";
/// The most proposer candidates.
pub const MAX_CANDIDATES: u32 = 128;
/// The most proposers in a term (`K`).
pub const MAX_TERM_PROPOSERS: u32 = 64;
/// The most validators in the committee.
pub const MAX_VALIDATORS: u32 = 100;
/// The most impeachments a candidate's recent window keeps.
pub const MAX_RECENT_IMPEACHMENTS: u32 = 32;
/// Longest reason text a validator may attach to an impeachment.
pub const MAX_REASON_LEN: u32 = 128;
/// Equivocations can be reported for this many blocks.
pub const REPORT_WINDOW: BlockNumber = 1024;
/// The most committees remembered for judging evidence.
pub const MAX_COMMITTEE_HISTORY: u32 = 32;
/// The longest term, in blocks (`K x V`).
pub const MAX_TERM_LENGTH: u32 = MAX_TERM_PROPOSERS * 64;

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {
    /// Where bonds are reserved and slashed.
    type Currency: ReservableCurrency;
    /// Weights.
    type WeightInfo: WeightInfo;
}

/// How other pallets feed reputation (the data market: completed sales, proxy ratings).
pub trait ReputationReporter {
    /// `who` contributed `amount` units of data (a completed sale, anchored sidechain data).
    fn note_data_contribution(who: &AccountId, amount: u64);
    /// `who` was rated `rating` out of 5 as a proxy.
    fn note_proxy_rating(who: &AccountId, rating: u8);
}

impl ReputationReporter for () {
    fn note_data_contribution(_: &AccountId, _: u64) {}
    fn note_proxy_rating(_: &AccountId, _: u8) {}
}

/// Parameters, set at genesis and by root.
#[derive(
    Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo, Serialize, Deserialize,
)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Params {
    /// Weights of the reputation dimensions.
    pub weights: Weights,
    /// Proposers per term (`K`).
    pub term_proposers: u32,
    /// Slots of each proposer per term (`V`).
    pub views: u32,
    /// Least bond of a candidate.
    pub min_bond: Balance,
    /// Terms between `unbond` and `withdraw_unbonded`.
    pub unbonding_terms: u32,
    /// Terms an impeachment counts against a candidate.
    pub impeachment_window_terms: u32,
    /// Share of the bond an equivocation costs, in per mille.
    pub slash_per_mille: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            weights: Weights::default(),
            term_proposers: 12,
            views: 3,
            min_bond: 0,
            unbonding_terms: 2,
            impeachment_window_terms: 4,
            slash_per_mille: 100,
        }
    }
}

impl Params {
    /// Blocks per term.
    pub fn term_length(&self) -> BlockNumber {
        self.term_proposers.saturating_mul(self.views)
    }

    fn validate(&self) -> Result<(), Error> {
        let w = &self.weights;
        let ok = (1..=MAX_TERM_PROPOSERS).contains(&self.term_proposers)
            && (1..=64).contains(&self.views)
            && (1..=MAX_RECENT_IMPEACHMENTS).contains(&self.impeachment_window_terms)
            && self.slash_per_mille <= 1000
            && (1..=1000).contains(&self.unbonding_terms)
            && w.balance + w.transactions + w.proxy_rating + w.data_contribution + w.blocks > 0
            && [
                w.balance,
                w.transactions,
                w.proxy_rating,
                w.data_contribution,
                w.blocks,
            ]
            .iter()
            .all(|x| *x <= reputation::MAX_WEIGHT);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidParams)
        }
    }
}

/// A proposer candidate.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Candidate {
    /// The key it signs proposals and votes with.
    pub session_key: Public,
    /// Reserved stake.
    pub bond: Balance,
    /// The term from which its bond can be withdrawn, once it unbonded.
    pub unbonding_at: Option<u32>,
}

/// A candidate's record since the last election.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct WindowStats {
    /// Its account nonce when the window started.
    pub nonce_at_start: u32,
    /// Blocks it was assigned.
    pub assigned: u32,
    /// Blocks it proposed (not impeached).
    pub proposed: u32,
    /// Data contribution reported.
    pub data_contribution: u64,
    /// Sum of proxy ratings (1..=5 each).
    pub rating_sum: u64,
    /// Number of proxy ratings.
    pub ratings: u32,
}

/// A seat holder: an account and its session key.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Member {
    /// The account (bond, rewards, slashing).
    pub account: AccountId,
    /// The session key (signatures).
    pub session_key: Public,
}

/// What a validator saw when it impeached a proposer.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum ImpeachReason {
    /// No proposal arrived in time.
    MissingProposal,
    /// The proposed block `hash` is invalid, for this reason.
    InvalidBlock {
        /// The invalid block.
        hash: H256,
        /// Why it failed.
        why: BoundedVec<u8, ConstU32<MAX_REASON_LEN>>,
    },
    /// The proposal arrived after the round had ended.
    Late,
}

/// An impeachment: an impeach block replaced a proposer's slot.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Impeachment {
    /// The proposer that missed its slot.
    pub proposer: AccountId,
    /// The term of the slot.
    pub term: u32,
    /// The round that finalized the impeach block.
    pub round: u32,
    /// The reason a validator reported, and who.
    pub reason: Option<(ImpeachReason, AccountId)>,
}

/// A signed LBFT vote, as evidence.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct SignedVote {
    /// The vote.
    pub vote: Vote,
    /// The validator's index in the committee.
    pub validator: u16,
    /// Its signature on the vote's signing payload.
    pub signature: Signature,
}

/// A candidate's scores at the last election.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Score {
    /// The candidate.
    pub account: AccountId,
    /// Its raw dimensions.
    pub dimensions: Dimensions,
    /// Impeachments in the window.
    pub impeachments: u32,
    /// Its reputation (the sampling weight).
    pub reputation: u64,
}

type Members<const N: u32> = BoundedVec<Member, ConstU32<N>>;

cpc_support::storage! {
    pallet "HybridConsensus";
    /// Parameters.
    pub ParamsOf: value Params = default;
    /// The chain's genesis hash (votes are signed over it), recorded in block 1.
    pub GenesisHash: value H256 = default;
    /// The current term.
    pub CurrentTerm: value u32 = default;
    /// The first block of the current term.
    pub TermStart: value BlockNumber = default;
    /// Proposer candidates.
    pub Candidates: map Blake2_128Concat AccountId => Candidate;
    /// Number of candidates.
    pub CandidateCount: value u32 = default;
    /// Which candidate a session key belongs to.
    pub SessionKeys: map Blake2_128Concat Public => AccountId;
    /// Each candidate's record since the last election.
    pub Stats: map Blake2_128Concat AccountId => WindowStats = default;
    /// The proposers of the current and the next term, by term.
    pub Proposers: map Twox64Concat u32 => Members<MAX_TERM_PROPOSERS>;
    /// Seats no candidate could fill go to these, in order.
    pub DefaultProposers: value Members<MAX_TERM_PROPOSERS> = default;
    /// The LBFT validator committee.
    pub Validators: value Members<MAX_VALIDATORS> = default;
    /// Increases with every committee change.
    pub ValidatorSetId: value u64 = default;
    /// The committee taking over at the next term boundary.
    pub PendingValidators: value BoundedVec<AccountId, ConstU32<MAX_VALIDATORS>>;
    /// Impeachments, by the impeach block's number.
    pub Impeachments: map Twox64Concat BlockNumber => Impeachment;
    /// Terms of each candidate's recent impeachments.
    pub RecentImpeachments: map Blake2_128Concat AccountId => BoundedVec<u32, ConstU32<MAX_RECENT_IMPEACHMENTS>> = default;
    /// Validators slashed for equivocating at a height, to slash once per height.
    pub Slashed: map Twox64Concat BlockNumber => BoundedVec<AccountId, ConstU32<MAX_VALIDATORS>> = default;
    /// The scores of the last election.
    pub LastScores: value BoundedVec<Score, ConstU32<MAX_CANDIDATES>> = default;
    /// Parameters set by root, taking effect at the next term boundary.
    pub PendingParams: value Params;
    /// The committees of the last `REPORT_WINDOW` blocks: set id, first block, members.
    /// Equivocation evidence is judged against the committee that signed it, and its members
    /// cannot unbond while it may still be reported.
    pub CommitteeHistory: value BoundedVec<CommitteeRecord, ConstU32<MAX_COMMITTEE_HISTORY>> = default;
    /// The impeach blocks of each term, to forget their records when the window passes.
    pub ImpeachmentsByTerm: map Twox64Concat u32 => BoundedVec<BlockNumber, ConstU32<MAX_TERM_LENGTH>> = default;
}

/// A committee and the first block it finalized.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct CommitteeRecord {
    /// Its set id.
    pub set_id: u64,
    /// The first block it finalized.
    pub from: BlockNumber,
    /// Its members.
    pub members: Members<MAX_VALIDATORS>,
}

/// The pallet's calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Becomes a proposer candidate with `session_key`, reserving `bond`.
    #[codec(index = 0)]
    register {
        /// The key to sign proposals and votes with.
        session_key: Public,
        /// The session key's signature on [`session_key_proof_payload`] of the caller: only
        /// the key's holder can register it.
        proof: Signature,
        /// The stake to reserve.
        #[codec(compact)]
        bond: Balance,
    },
    /// Reserves `amount` more.
    #[codec(index = 1)]
    bond_more {
        /// The extra stake.
        #[codec(compact)]
        amount: Balance,
    },
    /// Changes the session key; later elections and committees use it.
    #[codec(index = 2)]
    set_session_key {
        /// The new key.
        session_key: Public,
        /// The new key's signature on [`session_key_proof_payload`] of the caller.
        proof: Signature,
    },
    /// Stops being a candidate; the bond is released `unbonding_terms` terms later.
    #[codec(index = 3)]
    unbond,
    /// Releases the bond of a candidate whose unbonding period is over.
    #[codec(index = 4)]
    withdraw_unbonded,
    /// Schedules a new validator committee for the next term (root).
    #[codec(index = 5)]
    set_validators {
        /// Bonded candidates, in committee order.
        validators: Vec<AccountId>,
    },
    /// Sets the parameters (root), from the next term boundary on: a term's length and seats
    /// never change while it runs.
    #[codec(index = 6)]
    set_params {
        /// The parameters.
        params: Params,
    },
    /// Reports two conflicting votes of one validator; its bond is slashed.
    #[codec(index = 7)]
    report_equivocation {
        /// One vote.
        first: SignedVote,
        /// A vote for another block in the same height, round and kind.
        second: SignedVote,
    },
    /// Attaches the reason of the impeachment at block `block` (a current validator, by its
    /// account or its session key's account; once).
    #[codec(index = 8)]
    note_impeachment_reason {
        /// The impeach block.
        #[codec(compact)]
        block: BlockNumber,
        /// What the validator saw.
        reason: ImpeachReason,
    },
}

/// The pallet's events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A candidate registered.
    Registered {
        /// The candidate.
        account: AccountId,
        /// Its session key.
        session_key: Public,
        /// Its bond.
        bond: Balance,
    },
    /// A candidate bonded more.
    Bonded {
        /// The candidate.
        account: AccountId,
        /// Its bond now.
        bond: Balance,
    },
    /// A candidate changed its session key.
    SessionKeyChanged {
        /// The candidate.
        account: AccountId,
        /// The new key.
        session_key: Public,
    },
    /// A candidate unbonded.
    Unbonding {
        /// The candidate.
        account: AccountId,
        /// The term its bond can be withdrawn from.
        withdrawable_at: u32,
    },
    /// A former candidate's bond was released.
    Withdrawn {
        /// The former candidate.
        account: AccountId,
        /// The amount released.
        amount: Balance,
    },
    /// The proposers of a term were elected.
    Elected {
        /// The term.
        term: u32,
        /// The seed (hash of the last block of the previous term).
        seed: H256,
        /// The proposers, by seat.
        proposers: Vec<AccountId>,
        /// Seats filled from the default proposers.
        defaults: u32,
    },
    /// A proposer was impeached: an impeach block replaced its slot.
    Impeached {
        /// The impeach block.
        block: BlockNumber,
        /// The proposer.
        proposer: AccountId,
        /// The round that finalized the impeach block.
        round: u32,
    },
    /// A validator attached the reason of an impeachment.
    ImpeachmentReason {
        /// The impeach block.
        block: BlockNumber,
        /// The reason.
        reason: ImpeachReason,
        /// The validator.
        reporter: AccountId,
    },
    /// A new committee was scheduled.
    ValidatorsScheduled {
        /// Its members.
        validators: Vec<AccountId>,
    },
    /// The committee changed at a term boundary.
    ValidatorsChanged {
        /// The new set id.
        set_id: u64,
        /// Its members.
        validators: Vec<AccountId>,
    },
    /// A validator was slashed for equivocating.
    Slashed {
        /// The validator.
        validator: AccountId,
        /// The amount burned.
        amount: Balance,
        /// The height of the conflicting votes.
        height: BlockNumber,
        /// Who reported it.
        reporter: AccountId,
    },
    /// New parameters were set; they apply from the next term.
    ParamsChanged {
        /// The new parameters.
        params: Params,
    },
}

/// The pallet's errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The account is already a candidate.
    AlreadyCandidate,
    /// The account is not a candidate.
    NotCandidate,
    /// The bond is below `min_bond`.
    BondTooLow,
    /// The free balance cannot cover the bond.
    InsufficientBalance,
    /// There are `MAX_CANDIDATES` candidates already.
    TooManyCandidates,
    /// Another candidate uses this session key.
    SessionKeyInUse,
    /// The proof does not show the caller holds the session key.
    BadSessionKeyProof,
    /// The candidate holds a proposer seat in the current or the next term.
    StillProposer,
    /// The candidate is unbonding.
    Unbonding,
    /// The candidate has not unbonded, or its unbonding period is not over.
    NotWithdrawable,
    /// Validators in the committee (or the scheduled one) cannot unbond.
    StillValidator,
    /// A committee needs between 1 and `MAX_VALIDATORS` distinct bonded candidates.
    InvalidValidators,
    /// Parameters out of range.
    InvalidParams,
    /// The two votes are not conflicting votes of one validator.
    NotEquivocation,
    /// A vote's signature does not verify against the validator's session key.
    BadSignature,
    /// The validator index is outside the committee.
    UnknownValidator,
    /// The votes are older than `REPORT_WINDOW` blocks, or from the future.
    OutsideReportWindow,
    /// The validator was already slashed for this height.
    AlreadySlashed,
    /// No impeachment at this block.
    NoImpeachment,
    /// The impeachment already has a reason.
    ReasonAlreadyNoted,
    /// Only a current validator may do this.
    NotValidator,
}

cpc_support::pallet_error!(Error, PALLET);

/// Genesis configuration.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// Parameters (defaults where left out).
    #[serde(default)]
    pub params: Option<Params>,
    /// Candidates: account, session key (as an address), bond.
    #[serde(default)]
    pub candidates: Vec<(AccountId, AccountId, Balance)>,
    /// Default proposers: account and session key (as an address).
    #[serde(default)]
    pub default_proposers: Vec<(AccountId, AccountId)>,
    /// The first validator committee: accounts of candidates, in order.
    #[serde(default)]
    pub validators: Vec<AccountId>,
}

/// What a session key signs to prove its holder registers it for `account`.
pub fn session_key_proof_payload(account: &AccountId) -> Vec<u8> {
    (b"cpc/session-key", account).encode()
}

/// The hybrid-consensus pallet.
pub struct Pallet<T>(PhantomData<T>);

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }

    /// The parameters.
    pub fn params() -> Params {
        ParamsOf::get_or_default()
    }

    /// The current term and its first block.
    pub fn term() -> (u32, BlockNumber) {
        (CurrentTerm::get_or_default(), TermStart::get_or_default())
    }

    /// The proposer of block `n` of the current or the next term, with its session key.
    pub fn proposer_of(n: BlockNumber) -> Option<Member> {
        let (term, start) = Self::term();
        let length = Self::params().term_length();
        let (term, start) = if n >= start.saturating_add(length) {
            (term + 1, start.saturating_add(length))
        } else {
            (term, start)
        };
        if n < start || n >= start.saturating_add(length) {
            return None;
        }
        let proposers = Proposers::get(&term)?;
        let slot = (n - start) as usize % proposers.len().max(1);
        proposers.get(slot).cloned()
    }

    /// The validator committee.
    pub fn validators() -> Vec<Member> {
        Validators::get_or_default().into_inner()
    }

    fn ensure_candidate(who: &AccountId) -> Result<Candidate, Error> {
        Candidates::get(who).ok_or(Error::NotCandidate)
    }

    fn is_validator(who: &AccountId) -> bool {
        Validators::get_or_default()
            .iter()
            .any(|m| m.account == *who)
            || PendingValidators::get().is_some_and(|p| p.contains(who))
    }

    fn check_proof(who: &AccountId, key: &Public, proof: &Signature) -> Result<(), Error> {
        ensure!(
            cpc_io::crypto::sr25519_verify(proof, &session_key_proof_payload(who), key),
            Error::BadSessionKeyProof
        );
        Ok(())
    }

    /// Whether `who` holds a proposer seat in the current or the next term.
    fn holds_seat(who: &AccountId) -> bool {
        let term = CurrentTerm::get_or_default();
        [term, term + 1]
            .iter()
            .any(|t| Proposers::get(t).is_some_and(|seats| seats.iter().any(|m| m.account == *who)))
    }

    /// Whether `who` was in a committee whose votes can still be reported.
    fn in_recent_committee(who: &AccountId) -> bool {
        CommitteeHistory::get_or_default()
            .iter()
            .any(|record| record.members.iter().any(|m| m.account == *who))
    }

    fn add_candidate(account: AccountId, session_key: Public, bond: Balance) -> DispatchResult {
        ensure!(!Candidates::contains_key(&account), Error::AlreadyCandidate);
        ensure!(bond >= Self::params().min_bond, Error::BondTooLow);
        ensure!(
            CandidateCount::get_or_default() < MAX_CANDIDATES,
            Error::TooManyCandidates
        );
        ensure!(
            SessionKeys::get(&session_key).is_none_or(|owner| owner == account),
            Error::SessionKeyInUse
        );
        T::Currency::reserve(&account, bond).map_err(|_| Error::InsufficientBalance)?;
        Candidates::insert(
            &account,
            &Candidate {
                session_key,
                bond,
                unbonding_at: None,
            },
        );
        SessionKeys::insert(&session_key, &account);
        CandidateCount::mutate_or_default(|n| *n += 1);
        Stats::insert(
            &account,
            &WindowStats {
                nonce_at_start: System::<T>::account_nonce(&account),
                ..Default::default()
            },
        );
        Self::deposit_event(Event::Registered {
            account,
            session_key,
            bond,
        });
        Ok(())
    }

    /// The committee of `accounts`: each a bonded candidate that is not unbonding.
    fn members_of(accounts: &[AccountId]) -> Result<Members<MAX_VALIDATORS>, Error> {
        let mut sorted = accounts.to_vec();
        sorted.sort();
        sorted.dedup();
        ensure!(
            !accounts.is_empty() && sorted.len() == accounts.len(),
            Error::InvalidValidators
        );
        let members = accounts
            .iter()
            .map(|account| match Candidates::get(account) {
                Some(c) if c.unbonding_at.is_none() => Ok(Member {
                    account: *account,
                    session_key: c.session_key,
                }),
                _ => Err(Error::InvalidValidators),
            })
            .collect::<Result<Vec<_>, _>>()?;
        BoundedVec::try_from_vec(members).map_err(|_| Error::InvalidValidators)
    }

    fn install_validators(members: Members<MAX_VALIDATORS>) {
        let set_id = ValidatorSetId::get_or_default() + 1;
        ValidatorSetId::put(&set_id);
        let change = ValidatorSetChange {
            set_id,
            validators: members.iter().map(|m| m.session_key).collect(),
        };
        System::<T>::deposit_log(DigestItem::Consensus(ENGINE_ID, change.encode()));
        Self::deposit_event(Event::ValidatorsChanged {
            set_id,
            validators: members.iter().map(|m| m.account).collect(),
        });
        Self::record_committee(set_id, System::<T>::block_number(), &members);
        Validators::put(&members);
    }

    /// Remembers a committee from block `from` on, forgetting those whose votes can no longer
    /// be reported.
    fn record_committee(set_id: u64, from: BlockNumber, members: &Members<MAX_VALIDATORS>) {
        let mut history = CommitteeHistory::get_or_default().into_inner();
        let horizon = from.saturating_sub(REPORT_WINDOW);
        // A committee is over once its successor starts; drop those over before the horizon.
        while history.len() >= 2 && history[1].from < horizon {
            history.remove(0);
        }
        if history.len() >= MAX_COMMITTEE_HISTORY as usize {
            history.remove(0);
        }
        history.push(CommitteeRecord {
            set_id,
            from,
            members: members.clone(),
        });
        CommitteeHistory::put(&BoundedVec::truncate_from(history));
    }

    /// The committee that finalized block `height`, if still remembered.
    fn committee_at(height: BlockNumber) -> Option<Members<MAX_VALIDATORS>> {
        CommitteeHistory::get_or_default()
            .iter()
            .rev()
            .find(|record| record.from <= height)
            .map(|record| record.members.clone())
    }

    fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::register {
                session_key,
                proof,
                bond,
            } => {
                let who = ensure_signed(origin)?;
                Self::check_proof(&who, &session_key, &proof)?;
                Self::add_candidate(who, session_key, bond)?;
            }
            Call::bond_more { amount } => {
                let who = ensure_signed(origin)?;
                let mut candidate = Self::ensure_candidate(&who)?;
                ensure!(candidate.unbonding_at.is_none(), Error::Unbonding);
                T::Currency::reserve(&who, amount).map_err(|_| Error::InsufficientBalance)?;
                candidate.bond = candidate.bond.saturating_add(amount);
                Candidates::insert(&who, &candidate);
                Self::deposit_event(Event::Bonded {
                    account: who,
                    bond: candidate.bond,
                });
            }
            Call::set_session_key { session_key, proof } => {
                let who = ensure_signed(origin)?;
                let mut candidate = Self::ensure_candidate(&who)?;
                Self::check_proof(&who, &session_key, &proof)?;
                ensure!(
                    SessionKeys::get(&session_key).is_none_or(|owner| owner == who),
                    Error::SessionKeyInUse
                );
                SessionKeys::remove(&candidate.session_key);
                SessionKeys::insert(&session_key, &who);
                candidate.session_key = session_key;
                Candidates::insert(&who, &candidate);
                Self::deposit_event(Event::SessionKeyChanged {
                    account: who,
                    session_key,
                });
            }
            Call::unbond => {
                let who = ensure_signed(origin)?;
                let mut candidate = Self::ensure_candidate(&who)?;
                ensure!(candidate.unbonding_at.is_none(), Error::Unbonding);
                ensure!(
                    !Self::is_validator(&who) && !Self::in_recent_committee(&who),
                    Error::StillValidator
                );
                ensure!(!Self::holds_seat(&who), Error::StillProposer);
                let at =
                    CurrentTerm::get_or_default().saturating_add(Self::params().unbonding_terms);
                candidate.unbonding_at = Some(at);
                Candidates::insert(&who, &candidate);
                Self::deposit_event(Event::Unbonding {
                    account: who,
                    withdrawable_at: at,
                });
            }
            Call::withdraw_unbonded => {
                let who = ensure_signed(origin)?;
                let candidate = Self::ensure_candidate(&who)?;
                ensure!(
                    candidate
                        .unbonding_at
                        .is_some_and(|at| CurrentTerm::get_or_default() >= at),
                    Error::NotWithdrawable
                );
                let left = T::Currency::unreserve(&who, candidate.bond);
                Candidates::remove(&who);
                SessionKeys::remove(&candidate.session_key);
                Stats::remove(&who);
                RecentImpeachments::remove(&who);
                CandidateCount::mutate_or_default(|n| *n = n.saturating_sub(1));
                Self::deposit_event(Event::Withdrawn {
                    account: who,
                    amount: candidate.bond - left,
                });
            }
            Call::set_validators { validators } => {
                ensure_root(origin)?;
                Self::members_of(&validators)?;
                PendingValidators::put(&BoundedVec::truncate_from(validators.clone()));
                Self::deposit_event(Event::ValidatorsScheduled { validators });
            }
            Call::set_params { params } => {
                ensure_root(origin)?;
                params.validate()?;
                PendingParams::put(&params);
                Self::deposit_event(Event::ParamsChanged { params });
            }
            Call::report_equivocation { first, second } => {
                let reporter = ensure_signed(origin)?;
                Self::slash_equivocation(reporter, first, second)?;
            }
            Call::note_impeachment_reason { block, reason } => {
                let who = ensure_signed(origin)?;
                // A validator's node holds only its session key: it may sign as that key's
                // account.
                ensure!(
                    Validators::get_or_default()
                        .iter()
                        .any(|m| m.account == who || m.session_key.0 == who.0),
                    Error::NotValidator
                );
                let mut record = Impeachments::get(&block).ok_or(Error::NoImpeachment)?;
                ensure!(record.reason.is_none(), Error::ReasonAlreadyNoted);
                record.reason = Some((reason.clone(), who));
                Impeachments::insert(&block, &record);
                Self::deposit_event(Event::ImpeachmentReason {
                    block,
                    reason,
                    reporter: who,
                });
            }
        }
        Ok(Default::default())
    }

    fn slash_equivocation(
        reporter: AccountId,
        first: SignedVote,
        second: SignedVote,
    ) -> DispatchResult {
        let (a, b) = (&first.vote, &second.vote);
        ensure!(
            first.validator == second.validator
                && a.kind == b.kind
                && a.height == b.height
                && a.round == b.round
                && a.hash != b.hash,
            Error::NotEquivocation
        );
        let now = System::<T>::block_number();
        ensure!(
            a.height <= now && now - a.height <= REPORT_WINDOW,
            Error::OutsideReportWindow
        );
        let validator = Self::committee_at(a.height)
            .and_then(|members| members.get(usize::from(first.validator)).cloned())
            .ok_or(Error::UnknownValidator)?;
        let chain = GenesisHash::get_or_default();
        for vote in [&first, &second] {
            ensure!(
                cpc_io::crypto::sr25519_verify(
                    &vote.signature,
                    &vote.vote.signing_payload(&chain),
                    &validator.session_key
                ),
                Error::BadSignature
            );
        }
        let mut slashed = Slashed::get_or_default(&a.height);
        ensure!(!slashed.contains(&validator.account), Error::AlreadySlashed);
        slashed
            .try_push(validator.account)
            .map_err(|_| Error::AlreadySlashed)?;
        Slashed::insert(&a.height, &slashed);
        let mut amount = 0;
        if let Some(mut candidate) = Candidates::get(&validator.account) {
            let due = candidate.bond * Balance::from(Self::params().slash_per_mille) / 1000;
            amount = T::Currency::slash_reserved(&validator.account, due);
            candidate.bond -= amount;
            Candidates::insert(&validator.account, &candidate);
        }
        Self::deposit_event(Event::Slashed {
            validator: validator.account,
            amount,
            height: a.height,
            reporter,
        });
        Ok(())
    }

    /// The LBFT digest of the block being built or executed, if it has one.
    fn block_digest() -> Option<BlockDigest> {
        cpc_pallet_system::Digest::get_or_default()
            .logs()
            .find_map(|item| match item {
                DigestItem::PreRuntime(id, data) if *id == ENGINE_ID => {
                    BlockDigest::decode(&mut &data[..]).ok()
                }
                _ => None,
            })
    }

    /// Counts block `n` for or against its proposer.
    fn account_block(n: BlockNumber) -> Weight {
        let Some(proposer) = Self::proposer_of(n) else {
            return Weight::ZERO;
        };
        let digest = Self::block_digest();
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

    /// Scores the candidates over the window that just ended and starts a new window.
    fn score_candidates(term: u32) -> Vec<Score> {
        let params = Self::params();
        let oldest = term.saturating_sub(params.impeachment_window_terms);
        let mut records = Vec::new();
        let mut accounts = Vec::new();
        for (account, candidate) in Candidates::iter() {
            if candidate.unbonding_at.is_some() {
                continue;
            }
            let stats = Stats::get_or_default(&account);
            let nonce = System::<T>::account_nonce(&account);
            let dimensions = Dimensions {
                balance: T::Currency::free_balance(&account).saturating_add(candidate.bond),
                transactions: u64::from(nonce.saturating_sub(stats.nonce_at_start)),
                proxy_rating: if stats.ratings == 0 {
                    0
                } else {
                    stats.rating_sum * 200 / u64::from(stats.ratings)
                },
                data_contribution: stats.data_contribution,
                blocks_per_mille: if stats.assigned == 0 {
                    1000
                } else {
                    u64::from(stats.proposed) * 1000 / u64::from(stats.assigned)
                },
            };
            let mut recent = RecentImpeachments::get_or_default(&account);
            recent.retain(|t| *t >= oldest);
            let impeachments = recent.len() as u32;
            RecentImpeachments::insert(&account, &recent);
            Stats::insert(
                &account,
                &WindowStats {
                    nonce_at_start: nonce,
                    ..Default::default()
                },
            );
            records.push((dimensions, impeachments));
            accounts.push(account);
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

    /// Elects the proposers of `term`, seeded by `seed`.
    fn elect(term: u32, seed: H256) {
        if CandidateCount::get_or_default() == 0 && DefaultProposers::get_or_default().is_empty() {
            return;
        }
        let params = Self::params();
        let scores = Self::score_candidates(term);
        let weights: Vec<u64> = scores.iter().map(|s| s.reputation).collect();
        let seats = params.term_proposers as usize;
        let picked = weighted_sample(&weights, seats, &mut SeededRng::new(seed));
        let mut proposers: Vec<Member> = picked
            .iter()
            .filter_map(|i| {
                let account = scores[*i].account;
                Candidates::get(&account).map(|c| Member {
                    account,
                    session_key: c.session_key,
                })
            })
            .collect();
        let elected = proposers.len();
        let defaults = DefaultProposers::get_or_default();
        for member in defaults.iter().cycle().take(seats.saturating_sub(elected)) {
            proposers.push(member.clone());
        }
        Self::deposit_event(Event::Elected {
            term,
            seed,
            proposers: proposers.iter().map(|m| m.account).collect(),
            defaults: (proposers.len() - elected) as u32,
        });
        Proposers::insert(&term, &BoundedVec::truncate_from(proposers));
        LastScores::put(&BoundedVec::truncate_from(scores));
    }

    /// Starts term `term` at block `n`: installs a scheduled committee and elects the
    /// proposers of the term after.
    fn start_term(term: u32, n: BlockNumber) -> Weight {
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
        // Term 1's proposers are the defaults, like term 0's: no finalized term precedes it.
        if term >= 1 {
            Self::elect(term + 1, cpc_pallet_system::ParentHash::get_or_default());
        }
        <T as Config>::WeightInfo::start_term(CandidateCount::get_or_default())
    }

    fn default_term() -> Members<MAX_TERM_PROPOSERS> {
        let seats = Self::params().term_proposers as usize;
        let defaults = DefaultProposers::get_or_default();
        BoundedVec::truncate_from(defaults.iter().cycle().take(seats).cloned().collect())
    }
}

impl<T: Config> ReputationReporter for Pallet<T> {
    fn note_data_contribution(who: &AccountId, amount: u64) {
        if Candidates::contains_key(who) {
            Stats::mutate_or_default(who, |s| {
                s.data_contribution = s.data_contribution.saturating_add(amount);
            });
        }
    }

    fn note_proxy_rating(who: &AccountId, rating: u8) {
        if Candidates::contains_key(who) && (1..=5).contains(&rating) {
            Stats::mutate_or_default(who, |s| {
                s.rating_sum += u64::from(rating);
                s.ratings += 1;
            });
        }
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn on_initialize(n: BlockNumber) -> Weight {
        let mut weight = Weight::ZERO;
        if n == 1 {
            GenesisHash::put(&cpc_pallet_system::ParentHash::get_or_default());
            TermStart::put(&1);
        }
        let (term, start) = Pallet::<T>::term();
        let length = Pallet::<T>::params().term_length();
        if n == 1 {
            weight = weight.saturating_add(Pallet::<T>::start_term(0, 1));
        } else if n >= start.saturating_add(length) {
            weight = weight.saturating_add(Pallet::<T>::start_term(term + 1, n));
        }
        if let Some(old) = n.checked_sub(REPORT_WINDOW + 1) {
            Slashed::remove(&old);
        }
        weight.saturating_add(Pallet::<T>::account_block(n))
    }

    fn try_state(_n: BlockNumber) -> Result<(), &'static str> {
        let mut count = 0u32;
        for (account, candidate) in Candidates::iter() {
            count += 1;
            if SessionKeys::get(&candidate.session_key) != Some(account) {
                return Err("a candidate's session key does not map back to it");
            }
            if T::Currency::reserved_balance(&account) < candidate.bond {
                return Err("a candidate's bond is not reserved");
            }
        }
        if count != CandidateCount::get_or_default() {
            return Err("CandidateCount does not count the candidates");
        }
        if !DefaultProposers::get_or_default().is_empty() && Validators::get_or_default().is_empty()
        {
            return Err("the validator committee is empty");
        }
        Ok(())
    }
}

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        Self::dispatch_call(call, origin)
    }

    fn call_info(call: &Call) -> DispatchInfo {
        let (weight, class) = match call {
            Call::register { .. } => (<T as Config>::WeightInfo::register(), DispatchClass::Normal),
            Call::bond_more { .. } | Call::set_session_key { .. } | Call::unbond => (
                <T as Config>::WeightInfo::bond_more(),
                DispatchClass::Normal,
            ),
            Call::withdraw_unbonded => (
                <T as Config>::WeightInfo::withdraw_unbonded(),
                DispatchClass::Normal,
            ),
            Call::set_validators { validators } => (
                <T as Config>::WeightInfo::set_validators(validators.len() as u32),
                DispatchClass::Operational,
            ),
            Call::set_params { .. } => (
                <T as Config>::WeightInfo::set_params(),
                DispatchClass::Operational,
            ),
            Call::report_equivocation { .. } => (
                <T as Config>::WeightInfo::report_equivocation(),
                DispatchClass::Operational,
            ),
            Call::note_impeachment_reason { .. } => (
                <T as Config>::WeightInfo::note_impeachment_reason(),
                DispatchClass::Operational,
            ),
        };
        DispatchInfo {
            weight,
            class,
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(config: &GenesisConfig) -> Result<(), String> {
        let params = config.params.clone().unwrap_or_default();
        params
            .validate()
            .map_err(|_| String::from("hybrid consensus: parameters out of range"))?;
        ParamsOf::put(&params);
        if config.candidates.is_empty()
            && config.default_proposers.is_empty()
            && config.validators.is_empty()
        {
            // A chain that does not use hybrid consensus (a dev engine): the pallet is inert.
            return Ok(());
        }
        for (account, session, bond) in &config.candidates {
            Self::add_candidate(*account, Public(session.0), *bond)
                .map_err(|e| alloc::format!("hybrid consensus: candidate {account}: {e}"))?;
        }
        let defaults: Vec<Member> = config
            .default_proposers
            .iter()
            .map(|(account, session)| Member {
                account: *account,
                session_key: Public(session.0),
            })
            .collect();
        if defaults.is_empty() {
            return Err("hybrid consensus: at least one default proposer is needed".into());
        }
        DefaultProposers::put(
            &BoundedVec::try_from_vec(defaults)
                .map_err(|_| String::from("hybrid consensus: too many default proposers"))?,
        );
        let members = Self::members_of(&config.validators).map_err(|_| {
            String::from(
                "hybrid consensus: validators must be 1 to 100 distinct candidates from the genesis",
            )
        })?;
        ValidatorSetId::put(&0);
        Self::record_committee(0, 0, &members);
        Validators::put(&members);
        // Block 1 opens term 0: the node reads proposers from the genesis state already.
        TermStart::put(&1);
        for member in DefaultProposers::get_or_default().iter() {
            if !SessionKeys::contains_key(&member.session_key) {
                SessionKeys::insert(&member.session_key, &member.account);
            }
        }
        Proposers::insert(&0, &Self::default_term());
        Proposers::insert(&1, &Self::default_term());
        Ok(())
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        alloc::vec![
            ParamsOf::entry_metadata(),
            GenesisHash::entry_metadata(),
            CurrentTerm::entry_metadata(),
            TermStart::entry_metadata(),
            Candidates::entry_metadata(),
            CandidateCount::entry_metadata(),
            SessionKeys::entry_metadata(),
            Stats::entry_metadata(),
            Proposers::entry_metadata(),
            DefaultProposers::entry_metadata(),
            Validators::entry_metadata(),
            ValidatorSetId::entry_metadata(),
            PendingValidators::entry_metadata(),
            Impeachments::entry_metadata(),
            RecentImpeachments::entry_metadata(),
            Slashed::entry_metadata(),
            LastScores::entry_metadata(),
            PendingParams::entry_metadata(),
            CommitteeHistory::entry_metadata(),
            ImpeachmentsByTerm::entry_metadata(),
        ]
    }

    fn constants_metadata() -> Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![
            constant("MaxCandidates", &MAX_CANDIDATES, &["The most candidates."]),
            constant(
                "MaxValidators",
                &MAX_VALIDATORS,
                &["The most validators in the committee."]
            ),
            constant(
                "ReportWindow",
                &REPORT_WINDOW,
                &["Blocks during which an equivocation can be reported."]
            ),
        ]
    }
}
