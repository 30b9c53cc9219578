//! The block hooks: nothing runs per block; `try_state` checks the invariants the crate
//! documentation states.

use crate::{
    Anchored, ByGenesis, Committees, Config, Heads, Pallet, PastCommittees, Sidechains, Status,
};
use alloc::collections::BTreeMap;
use cpc_consensus_primitives::light_client::is_usable_committee;
use cpc_primitives::{AccountId, Balance, BlockNumber, weight::Weight};
use cpc_support::{Hooks, traits::ReservableCurrency};

impl<T: Config> Hooks for Pallet<T> {
    fn on_runtime_upgrade() -> Weight {
        crate::migrations::initialise()
    }

    fn try_state(_n: BlockNumber) -> Result<(), &'static str> {
        Self::check_invariants()
    }

    fn integrity_test() {
        assert!(T::ANCHOR_HISTORY >= 1, "at least the head is kept");
    }
}

impl<T: Config> Pallet<T> {
    /// Checks the registry's invariants over its whole state.
    pub fn check_invariants() -> Result<(), &'static str> {
        let mut bonds: BTreeMap<AccountId, Balance> = BTreeMap::new();
        for (id, sidechain) in Sidechains::iter() {
            if ByGenesis::get(&sidechain.genesis) != Some(id) {
                return Err("a sidechain is not indexed by its genesis");
            }
            let head = Heads::get(&id).ok_or("a sidechain without a head")?;
            let committee = Committees::get(&id).ok_or("a sidechain without a committee")?;
            if !is_usable_committee(&committee.members) || committee.from > head.number + 1 {
                return Err("a sidechain's committee is unusable or starts after its head");
            }
            let past = PastCommittees::get_or_default(&id);
            let mut set_ids = past.iter().map(|c| c.set_id).chain([committee.set_id]);
            let mut last = set_ids.next();
            for next in set_ids {
                if last >= Some(next) {
                    return Err("committee set ids do not increase");
                }
                last = Some(next);
            }
            let mut kept = 0u32;
            let mut newest = None;
            for (number, header) in Anchored::iter_prefix(&id) {
                kept += 1;
                if number != header.number || number > head.number {
                    return Err("an anchored header is misplaced or above the head");
                }
                newest = newest.max(Some(number));
                if number + T::ANCHOR_HISTORY <= head.number {
                    return Err("an anchored header outside the kept window");
                }
            }
            if kept > T::ANCHOR_HISTORY || newest != Some(head.number) {
                return Err("the kept anchored headers do not end at the head");
            }
            if Anchored::get(&id, &head.number) != Some(head) {
                return Err("the head is not the newest anchored header");
            }
            if matches!(sidechain.status, Status::Frozen { .. }) && sidechain.bond != 0 {
                return Err("a frozen sidechain keeps a bond");
            }
            *bonds.entry(sidechain.registrant).or_default() += sidechain.bond;
        }
        for (registrant, bond) in bonds {
            if T::Currency::reserved_balance(&registrant) < bond {
                return Err("a registrant's reserve does not cover its bonds");
            }
        }
        Ok(())
    }
}
