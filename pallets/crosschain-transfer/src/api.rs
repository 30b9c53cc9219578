//! What the runtime's `CrosschainApi` returns, read from storage.

use crate::{
    ChainRef, ChannelId, ChannelView, Channels, Closed, Config, Counterpart, MAX_CHANNELS_QUERY,
    Nonce, Outbound, OutboundRecord, Pallet, Receipt, Receipts, WrappedSupply,
};
use alloc::vec::Vec;
use cpc_primitives::{AccountId, Balance};

impl<T: Config> Pallet<T> {
    /// Channels from `start` on, by id, at most `limit` (capped at `MAX_CHANNELS_QUERY`).
    /// Channels are opened by root, one per sidechain, so they are few enough to read whole.
    pub fn channels(start: ChannelId, limit: u32) -> Vec<ChannelView> {
        let mut channels: Vec<_> = Channels::iter().filter(|(id, _)| *id >= start).collect();
        channels.sort_unstable_by_key(|(id, _)| *id);
        channels
            .into_iter()
            .take(limit.min(MAX_CHANNELS_QUERY) as usize)
            .map(|(id, channel)| ChannelView {
                id,
                channel,
                counterpart: Self::counterpart(id),
                active: Self::is_active(id),
                counterpart_height: T::Counterpart::finalized_height(id),
                exit_height: T::Counterpart::exit_height(id),
                closed: Closed::get(&id),
            })
            .collect()
    }

    /// Message `nonce` sent on `channel`.
    pub fn outbound(channel: ChannelId, nonce: Nonce) -> Option<OutboundRecord> {
        Outbound::get(&channel, &nonce)
    }

    /// The receipt of message `nonce` received on `channel`.
    pub fn receipt(channel: ChannelId, nonce: Nonce) -> Option<Receipt> {
        Receipts::get(&channel, &nonce)
    }

    /// `who`'s balance of the wrapped `asset` and its supply.
    pub fn wrapped(asset: ChainRef, who: &AccountId) -> (Balance, Balance) {
        (
            Self::wrapped_balance(asset, who),
            WrappedSupply::get_or_default(&asset),
        )
    }
}
