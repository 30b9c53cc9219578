//! The validator committee: checking a proposed one, installing it at a term boundary, and
//! remembering past committees for as long as their votes can be reported.

use crate::{
    Candidates, CommitteeHistory, CommitteeRecord, Config, Error, Event, MAX_COMMITTEE_HISTORY,
    MAX_VALIDATORS, Member, Members, Pallet, REPORT_WINDOW, ValidatorSetId, Validators,
};
use alloc::vec::Vec;
use codec::Encode;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, BlockNumber,
    header::DigestItem,
    lbft::{ENGINE_ID, ValidatorSetChange},
};
use cpc_support::{BoundedVec, ensure};

impl<T: Config> Pallet<T> {
    /// The committee of `accounts`: each a bonded candidate that is not unbonding.
    pub(crate) fn members_of(accounts: &[AccountId]) -> Result<Members<MAX_VALIDATORS>, Error> {
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

    pub(crate) fn install_validators(members: Members<MAX_VALIDATORS>) {
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
        // This block is still certified by the outgoing committee (the one in its parent's
        // state); the new one certifies the blocks after it.
        Self::record_committee(
            set_id,
            System::<T>::block_number().saturating_add(1),
            &members,
        );
        Validators::put(&members);
    }

    /// Remembers a committee from block `from` on, forgetting those whose votes can no longer
    /// be reported.
    pub(crate) fn record_committee(
        set_id: u64,
        from: BlockNumber,
        members: &Members<MAX_VALIDATORS>,
    ) {
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
    pub(crate) fn committee_at(height: BlockNumber) -> Option<Members<MAX_VALIDATORS>> {
        CommitteeHistory::get_or_default()
            .iter()
            .rev()
            .find(|record| record.from <= height)
            .map(|record| record.members.clone())
    }
}
