//! The block hooks: nothing runs per block; `on_runtime_upgrade` initialises the pallet on a
//! chain that adds it, and `try_state` checks the invariants the crate documentation states.

use crate::{
    ChainRef, Channels, Config, Outbound, OutboundStatus, Pallet, Wrapped, WrappedSupply,
    escrow_account,
};
use alloc::collections::BTreeSet;
use cpc_primitives::{Balance, BlockNumber, weight::Weight};
use cpc_support::{Hooks, traits::Currency};

impl<T: Config> Hooks for Pallet<T> {
    fn on_runtime_upgrade() -> Weight {
        crate::migrations::initialise::<T>()
    }

    fn try_state(_n: BlockNumber) -> Result<(), &'static str> {
        Self::check_invariants()
    }

    fn integrity_test() {
        assert!(
            T::MAX_IN_FLIGHT >= 1,
            "a channel lets at least one message fly"
        );
        assert!(
            T::MAX_TIMEOUT_SPAN >= 1,
            "a timeout can lie after the known height"
        );
    }
}

impl<T: Config> Pallet<T> {
    /// Checks the pallet's invariants over its whole state.
    pub fn check_invariants() -> Result<(), &'static str> {
        let home = Self::home();
        let mut escrowed: Balance = 0;
        for (id, channel) in Channels::iter() {
            if channel.oldest_in_flight > channel.next_nonce {
                return Err("a channel's oldest in flight is past its next nonce");
            }
            for (nonce, record) in Outbound::iter_prefix(&id) {
                if nonce >= channel.next_nonce || record.message.nonce != nonce {
                    return Err("a sent message is misplaced or after the next nonce");
                }
                if record.message.channel != id || record.message.direction != Self::outgoing() {
                    return Err("a sent message names another channel or direction");
                }
                if record.status == OutboundStatus::InFlight && nonce < channel.oldest_in_flight {
                    return Err("a message in flight is below the in-flight window");
                }
                if record.message.total().is_none() {
                    return Err("a sent message's total overflows");
                }
            }
            escrowed = escrowed.saturating_add(channel.escrowed);
        }
        let provision = T::Currency::minimum_balance();
        if T::Currency::free_balance(&escrow_account()) < escrowed.saturating_add(provision) {
            return Err("the escrow account holds less than the channels' escrow");
        }
        // Wrapped tokens are minted only for the channels' counterparts; a supply may outlive
        // a channel's listing, so its assets are looked at too.
        let assets: BTreeSet<ChainRef> = Channels::iter_keys()
            .map(Self::counterpart)
            .chain(WrappedSupply::iter_keys())
            .collect();
        for asset in assets {
            if Some(asset) == home {
                return Err("a wrapped token of this chain's own token");
            }
            let mut sum: Balance = 0;
            for (_, balance) in Wrapped::iter_prefix(&asset) {
                if balance == 0 {
                    return Err("a zero wrapped balance is stored");
                }
                sum = sum.saturating_add(balance);
            }
            if sum != WrappedSupply::get_or_default(&asset) {
                return Err("a wrapped supply is not the sum of its balances");
            }
        }
        Ok(())
    }
}
