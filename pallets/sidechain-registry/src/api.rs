//! What the runtime's `SidechainRegistryApi` returns, read from storage.

use crate::{
    Anchored, Committees, Config, FinalizedHeader, Heads, MAX_SIDECHAINS_QUERY, Pallet,
    SidechainId, SidechainState, Sidechains,
};
use alloc::vec::Vec;
use cpc_primitives::BlockNumber;

impl<T: Config> Pallet<T> {
    /// Sidechain `id` with its head and committee.
    pub fn sidechain_state(id: SidechainId) -> Option<SidechainState> {
        Some(SidechainState {
            sidechain: Sidechains::get(&id)?,
            head: Heads::get(&id)?,
            committee: Committees::get(&id)?,
        })
    }

    /// Sidechains from id `start` on, by id, at most `limit` (capped at
    /// `MAX_SIDECHAINS_QUERY`). Every registration is bonded, so the registry stays small
    /// enough to read whole.
    pub fn sidechains(start: SidechainId, limit: u32) -> Vec<(SidechainId, SidechainState)> {
        let mut ids: Vec<SidechainId> = Sidechains::iter()
            .map(|(id, _)| id)
            .filter(|id| *id >= start)
            .collect();
        ids.sort_unstable();
        ids.into_iter()
            .take(limit.min(MAX_SIDECHAINS_QUERY) as usize)
            .filter_map(|id| Some((id, Self::sidechain_state(id)?)))
            .collect()
    }

    /// The anchored header of `id` at `height`, while kept.
    pub fn anchored(id: SidechainId, height: BlockNumber) -> Option<FinalizedHeader> {
        Anchored::get(&id, &height)
    }
}
