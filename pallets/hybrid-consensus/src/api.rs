//! Read-only queries behind the runtime's `HybridConsensusApi` (the term, its proposers, the
//! committee), and the parameters in force.

use crate::{
    Config, CurrentTerm, Member, Pallet, Params, ParamsOf, Proposers, TermStart, Validators,
};
use alloc::vec::Vec;
use cpc_primitives::BlockNumber;

impl<T: Config> Pallet<T> {
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
}
