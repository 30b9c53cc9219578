//! The block hooks: block 1 records the genesis hash, a term boundary starts the next term,
//! every block is counted for or against its proposer, and `try_state` checks that bonds and
//! session keys agree with the candidates.

use crate::{
    CandidateCount, Candidates, Config, DefaultProposers, GenesisHash, Pallet, REPORT_WINDOW,
    Randomness, SessionKeys, Slashed, TermStart, Validators,
};
use cpc_primitives::{BlockNumber, weight::Weight};
use cpc_support::{Hooks, traits::ReservableCurrency};

impl<T: Config> Hooks for Pallet<T> {
    fn on_initialize(n: BlockNumber) -> Weight {
        let mut weight = Weight::ZERO;
        let digest = Pallet::<T>::block_digest();
        // Checked against the parent's randomness and proposers, before a term boundary
        // replaces them.
        let vrf_output = Pallet::<T>::block_randomness(n, digest.as_ref());
        if n == 1 {
            let genesis = cpc_pallet_system::ParentHash::get_or_default();
            GenesisHash::put(&genesis);
            TermStart::put(&1);
            // Chains sharing keys (dev chains) still draw different seeds.
            Randomness::put(&genesis);
        }
        let (term, start) = Pallet::<T>::term();
        let length = Pallet::<T>::params().term_length();
        if n == 1 {
            weight = weight.saturating_add(Pallet::<T>::start_term(0, 1));
        } else if n >= start.saturating_add(length) {
            weight = weight.saturating_add(Pallet::<T>::start_term(term + 1, n));
        }
        // After the boundary: the first block of a term counts towards that term's seed.
        if let Some(output) = vrf_output {
            Pallet::<T>::accumulate_randomness(output);
        }
        if let Some(old) = n.checked_sub(REPORT_WINDOW + 1) {
            Slashed::remove(&old);
        }
        weight.saturating_add(Pallet::<T>::account_block(n, digest))
    }

    fn on_runtime_upgrade() -> Weight {
        crate::migrations::migrate::<T>()
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
