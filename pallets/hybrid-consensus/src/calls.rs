//! The pallet's calls: the `Call` enum clients encode, its dispatch, one function per call,
//! and the candidate checks those functions share.

use crate::{
    Candidate, CandidateCount, Candidates, CommitteeHistory, Config, CurrentTerm, DefaultProposers,
    Error, Event, ImpeachReason, Impeachments, MAX_CANDIDATES, Pallet, Params, PendingParams,
    PendingValidators, Proposers, RecentImpeachments, SessionKeys, SignedVote, Stats, Validators,
    WindowStats,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use cpc_primitives::{
    AccountId, Balance, BlockNumber,
    dispatch::{DispatchError, DispatchResult, DispatchResultWithPostInfo},
    sr25519::{Public, Signature},
};
use cpc_support::{
    BoundedVec, RawOrigin, ensure, ensure_root, ensure_signed, traits::ReservableCurrency,
};
use scale_info::TypeInfo;

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
    /// Reports two conflicting votes of one validator; its bond is slashed. Signed, or unsigned
    /// (no fee: the evidence authenticates itself; the first valid report of an offence wins).
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

pub use cpc_consensus_primitives::session_key_proof_payload;

impl<T: Config> Pallet<T> {
    pub(crate) fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::register {
                session_key,
                proof,
                bond,
            } => Self::do_register(origin, session_key, proof, bond),
            Call::bond_more { amount } => Self::do_bond_more(origin, amount),
            Call::set_session_key { session_key, proof } => {
                Self::do_set_session_key(origin, session_key, proof)
            }
            Call::unbond => Self::do_unbond(origin),
            Call::withdraw_unbonded => Self::do_withdraw_unbonded(origin),
            Call::set_validators { validators } => Self::do_set_validators(origin, validators),
            Call::set_params { params } => Self::do_set_params(origin, params),
            Call::report_equivocation { first, second } => {
                Self::do_report_equivocation(origin, first, second)
            }
            Call::note_impeachment_reason { block, reason } => {
                Self::do_note_impeachment_reason(origin, block, reason)
            }
        }?;
        Ok(Default::default())
    }

    pub(crate) fn ensure_candidate(who: &AccountId) -> Result<Candidate, Error> {
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

    pub(crate) fn add_candidate(
        account: AccountId,
        session_key: Public,
        bond: Balance,
    ) -> DispatchResult {
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
        Stats::insert(&account, &WindowStats::default());
        Self::deposit_event(Event::Registered {
            account,
            session_key,
            bond,
        });
        Ok(())
    }

    fn do_register(
        origin: RawOrigin,
        session_key: Public,
        proof: Signature,
        bond: Balance,
    ) -> DispatchResult {
        let who = ensure_signed(origin)?;
        Self::check_proof(&who, &session_key, &proof)?;
        ensure!(!Candidates::contains_key(&who), Error::AlreadyCandidate);
        if CandidateCount::get_or_default() >= MAX_CANDIDATES {
            // Full: slots go to stake, not to whoever came first. The lowest-bonded candidate
            // that could leave (no seat, no committee whose votes can still be reported: its
            // bond secures nothing) makes room for a strictly higher bond.
            let (victim, candidate) = Self::lowest_evictable()
                .filter(|(_, c)| bond > c.bond)
                .ok_or(Error::TooManyCandidates)?;
            Self::remove_candidate(&victim, &candidate);
            Self::deposit_event(Event::Evicted {
                account: victim,
                bond: candidate.bond,
                by: who,
            });
        }
        Self::add_candidate(who, session_key, bond)
    }

    /// The candidate with the lowest bond (then the highest account id) that could leave
    /// now: not in the committee, a scheduled or a recent one, holding no seat, and not a
    /// default proposer.
    fn lowest_evictable() -> Option<(AccountId, Candidate)> {
        let mut protected = alloc::collections::BTreeSet::new();
        let term = CurrentTerm::get_or_default();
        for seats in [term, term + 1].iter().filter_map(Proposers::get) {
            protected.extend(seats.iter().map(|m| m.account));
        }
        for record in CommitteeHistory::get_or_default().iter() {
            protected.extend(record.members.iter().map(|m| m.account));
        }
        protected.extend(Validators::get_or_default().iter().map(|m| m.account));
        // A default proposer's session key was reserved at genesis, whose seats it fills.
        protected.extend(DefaultProposers::get_or_default().iter().map(|m| m.account));
        protected.extend(PendingValidators::get().unwrap_or_default().iter().copied());
        Candidates::iter()
            .filter(|(account, _)| !protected.contains(account))
            .min_by(|(a, x), (b, y)| x.bond.cmp(&y.bond).then(b.cmp(a)))
    }

    /// Removes `who`'s candidacy and releases its bond; its impeachments in the window stay
    /// (leaving and registering again must not wipe a failing proposer's record). Returns
    /// what could not be released.
    fn remove_candidate(who: &AccountId, candidate: &Candidate) -> Balance {
        let left = T::Currency::unreserve(who, candidate.bond);
        Candidates::remove(who);
        SessionKeys::remove(&candidate.session_key);
        Stats::remove(who);
        let oldest =
            CurrentTerm::get_or_default().saturating_sub(Self::params().impeachment_window_terms);
        let mut recent = RecentImpeachments::get_or_default(who);
        recent.retain(|t| *t >= oldest);
        if recent.is_empty() {
            RecentImpeachments::remove(who);
        } else {
            RecentImpeachments::insert(who, &recent);
        }
        CandidateCount::mutate_or_default(|n| *n = n.saturating_sub(1));
        left
    }

    fn do_bond_more(origin: RawOrigin, amount: Balance) -> DispatchResult {
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
        Ok(())
    }

    fn do_set_session_key(
        origin: RawOrigin,
        session_key: Public,
        proof: Signature,
    ) -> DispatchResult {
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
        Ok(())
    }

    fn do_unbond(origin: RawOrigin) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let mut candidate = Self::ensure_candidate(&who)?;
        ensure!(candidate.unbonding_at.is_none(), Error::Unbonding);
        ensure!(
            !Self::is_validator(&who) && !Self::in_recent_committee(&who),
            Error::StillValidator
        );
        ensure!(!Self::holds_seat(&who), Error::StillProposer);
        let at = CurrentTerm::get_or_default().saturating_add(Self::params().unbonding_terms);
        candidate.unbonding_at = Some(at);
        Candidates::insert(&who, &candidate);
        Self::deposit_event(Event::Unbonding {
            account: who,
            withdrawable_at: at,
        });
        Ok(())
    }

    fn do_withdraw_unbonded(origin: RawOrigin) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let candidate = Self::ensure_candidate(&who)?;
        ensure!(
            candidate
                .unbonding_at
                .is_some_and(|at| CurrentTerm::get_or_default() >= at),
            Error::NotWithdrawable
        );
        let left = Self::remove_candidate(&who, &candidate);
        Self::deposit_event(Event::Withdrawn {
            account: who,
            amount: candidate.bond - left,
        });
        Ok(())
    }

    fn do_set_validators(origin: RawOrigin, validators: Vec<AccountId>) -> DispatchResult {
        ensure_root(origin)?;
        Self::members_of(&validators)?;
        PendingValidators::put(&BoundedVec::truncate_from(validators.clone()));
        Self::deposit_event(Event::ValidatorsScheduled { validators });
        Ok(())
    }

    fn do_set_params(origin: RawOrigin, params: Params) -> DispatchResult {
        ensure_root(origin)?;
        params.validate()?;
        PendingParams::put(&params);
        Self::deposit_event(Event::ParamsChanged { params });
        Ok(())
    }

    fn do_report_equivocation(
        origin: RawOrigin,
        first: SignedVote,
        second: SignedVote,
    ) -> DispatchResult {
        // Signed by anyone, or unsigned (validated by `validate_unsigned`): the votes'
        // signatures are the proof, so a reporter needs no funds.
        let reporter = match origin {
            RawOrigin::Signed(who) => Some(who),
            RawOrigin::None => None,
            RawOrigin::Root => return Err(DispatchError::BadOrigin),
        };
        Self::slash_equivocation(reporter, first, second)
    }

    fn do_note_impeachment_reason(
        origin: RawOrigin,
        block: BlockNumber,
        reason: ImpeachReason,
    ) -> DispatchResult {
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
        Ok(())
    }
}
