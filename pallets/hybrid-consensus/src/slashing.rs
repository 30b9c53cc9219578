//! Slashing: two conflicting signed votes of one validator, judged against the committee that
//! finalized their height, cost it `slash_per_mille` of its bond, once per height.

use crate::{
    Candidates, Config, Error, Event, GenesisHash, Member, Pallet, REPORT_WINDOW, SignedVote,
    Slashed,
};
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{AccountId, Balance, dispatch::DispatchResult};
use cpc_support::{ensure, traits::ReservableCurrency};

impl<T: Config> Pallet<T> {
    /// The validator two votes convict, if they are a slashable equivocation now: conflicting,
    /// within the report window, both signed by the member of the committee that finalized
    /// their height, and not slashed for that height yet. Changes nothing: the pool asks this
    /// of unsigned reports before it takes them.
    pub(crate) fn check_equivocation(
        first: &SignedVote,
        second: &SignedVote,
    ) -> Result<Member, Error> {
        ensure!(first.conflicts_with(second), Error::NotEquivocation);
        let a = &first.vote;
        let now = System::<T>::block_number();
        ensure!(
            a.height <= now && now - a.height <= REPORT_WINDOW,
            Error::OutsideReportWindow
        );
        let validator = Self::committee_at(a.height)
            .and_then(|members| members.get(usize::from(first.validator)).cloned())
            .ok_or(Error::UnknownValidator)?;
        let chain = GenesisHash::get_or_default();
        for vote in [first, second] {
            ensure!(
                cpc_io::crypto::sr25519_verify(
                    &vote.signature,
                    &vote.vote.signing_payload(&chain),
                    &validator.session_key
                ),
                Error::BadSignature
            );
        }
        ensure!(
            !Slashed::get_or_default(&a.height).contains(&validator.account),
            Error::AlreadySlashed
        );
        Ok(validator)
    }

    /// Slashes the validator two votes convict; `reporter` is who signed the report (none for
    /// an unsigned one, which the evidence itself authenticates).
    pub(crate) fn slash_equivocation(
        reporter: Option<AccountId>,
        first: SignedVote,
        second: SignedVote,
    ) -> DispatchResult {
        let validator = Self::check_equivocation(&first, &second)?;
        let a = &first.vote;
        let mut slashed = Slashed::get_or_default(&a.height);
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
}
