//! Slashing: two conflicting signed votes of one validator, judged against the committee that
//! finalized their height, cost it `slash_per_mille` of its bond, once per height.

use crate::{
    Candidates, Config, Error, Event, GenesisHash, Pallet, REPORT_WINDOW, SignedVote, Slashed,
};
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{AccountId, Balance, dispatch::DispatchResult};
use cpc_support::{ensure, traits::ReservableCurrency};

impl<T: Config> Pallet<T> {
    pub(crate) fn slash_equivocation(
        reporter: AccountId,
        first: SignedVote,
        second: SignedVote,
    ) -> DispatchResult {
        ensure!(first.conflicts_with(&second), Error::NotEquivocation);
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
}
