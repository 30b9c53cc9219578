//! Cross-chain transfer: the messages the main chain and a sidechain send each other, where
//! each chain commits them in state (so the other chain can check them with a storage proof
//! against a finalized state root it holds), the receipts that make delivery exactly once,
//! and [`CrosschainApi`], through which relayers, wallets and the CLI read them.
//!
//! A **channel** joins the main chain and one sidechain; its id is the sidechain's id on the
//! main chain. Both chains run the `CrosschainTransfer` pallet with the same storage layout:
//! a message sent on chain A for channel `c` with nonce `n` lives in A's state at
//! [`outbound_key`]`(c, n)`; when chain B accepts it, B writes a receipt at
//! [`receipt_key`]`(c, n)` in its own state. A message's direction says which way it goes,
//! so the same `(c, n)` on both chains never names one message twice.
//!
//! `docs/crosschain.md` describes the protocol and its exactly-once argument.

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use cpc_primitives::{AccountId, Balance, BlockNumber, H256, hashing::twox_64};
use scale_info::TypeInfo;

use crate::SidechainId;

/// A channel's id: the id of its sidechain on the main chain.
pub type ChannelId = SidechainId;
/// A message's number on its channel and direction, from 0.
pub type Nonce = u64;

/// The name of the pallet whose storage holds messages and receipts, on both chains.
pub const PALLET: &str = "CrosschainTransfer";
/// Largest storage proof a `receive`, `timeout` or `acknowledge` may carry, in bytes of
/// encoded nodes: a proof of one key in a state of millions of entries is about 3 KiB.
pub const MAX_PROOF_BYTES: u32 = 32 * 1024;
/// Most nodes a proof may hold: a proof of one key is one node per trie level (about 10 in a
/// state of a million entries); every node costs a hash and a copy before the walk.
pub const MAX_PROOF_NODES: u32 = 64;
/// Most channels one `channels` query returns.
pub const MAX_CHANNELS_QUERY: u32 = 100;

/// A chain, as messages name it: where a token is native (its home chain).
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
pub enum ChainRef {
    /// The main chain.
    Main,
    /// A sidechain, by its id on the main chain.
    Sidechain(SidechainId),
}

/// Which way a message goes on its channel.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Direction {
    /// From the main chain to the channel's sidechain.
    ToSidechain,
    /// From the channel's sidechain to the main chain.
    ToMain,
}

/// A transfer of value from one chain to the other.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Message {
    /// The channel.
    pub channel: ChannelId,
    /// Which way it goes.
    pub direction: Direction,
    /// Its number on the channel in this direction.
    pub nonce: Nonce,
    /// Who sent it on the source chain (refunded on timeout).
    pub sender: AccountId,
    /// Who receives `amount` on the destination chain.
    pub beneficiary: AccountId,
    /// The token: the chain it is native to. Native on the source, it was escrowed there;
    /// native on the destination, its wrapped form was burned on the source.
    pub asset: ChainRef,
    /// What the beneficiary receives.
    pub amount: Balance,
    /// What the account that delivers the message receives, in the same token.
    pub relay_fee: Balance,
    /// The destination's last block that may accept it; once the destination has finalized
    /// this height without a receipt, the sender is refunded on the source.
    pub timeout: BlockNumber,
}

impl Message {
    /// Amount plus relay fee: what the source took from the sender, and what the destination
    /// credits.
    pub fn total(&self) -> Option<Balance> {
        self.amount.checked_add(self.relay_fee)
    }
}

/// Where a sent message stands on its source chain.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum OutboundStatus {
    /// Not yet known to be delivered or refunded.
    InFlight,
    /// Its receipt on the destination was proven here.
    Delivered {
        /// The destination block that accepted it.
        received_at: BlockNumber,
        /// The source block that saw the proof.
        acknowledged_at: BlockNumber,
    },
    /// The destination passed the timeout without it; the sender was refunded.
    Refunded {
        /// The source block that refunded it.
        at: BlockNumber,
    },
}

/// A sent message as its source chain keeps it, at [`outbound_key`].
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct OutboundRecord {
    /// The message.
    pub message: Message,
    /// The source block that sent it.
    pub sent_at: BlockNumber,
    /// Where it stands.
    pub status: OutboundStatus,
}

/// A delivered message as its destination chain remembers it, at [`receipt_key`]: its
/// presence refuses a second delivery, its absence (proven) lets the source refund.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Receipt {
    /// The block that accepted the message.
    pub received_at: BlockNumber,
}

/// How much a channel may credit on this chain per window: the most a compromised committee
/// of the other chain can mint (or release from escrow) here before the window ends.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct MintCap {
    /// Most value credited (amounts plus relay fees) per window.
    pub limit: Balance,
    /// The window's length in blocks of this chain.
    pub window: BlockNumber,
}

/// A channel as one chain holds it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Channel {
    /// The nonce the next message sent on it gets.
    pub next_nonce: Nonce,
    /// The lowest nonce sent that may still be in flight: every message below it is delivered
    /// or refunded. Relayers look at `oldest_in_flight..next_nonce` only.
    pub oldest_in_flight: Nonce,
    /// Native tokens held in escrow for this channel: sent out and not come back or refunded.
    /// It backs the wrapped tokens outstanding on the other chain plus the messages in flight.
    pub escrowed: Balance,
    /// The cap on what the channel credits here per window.
    pub cap: MintCap,
    /// The block the current window started in.
    pub window_start: BlockNumber,
    /// What the channel credited in the current window.
    pub credited: Balance,
    /// Messages received on it.
    pub received: u64,
    /// The highest height of the other chain a proof on this channel was accepted against:
    /// exits are never proven against an older state than one this chain acted on.
    pub proven_height: BlockNumber,
}

/// Where a channel closed by exits proves them, fixed at its first exit.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ExitRoot {
    /// The block of the first exit.
    pub closed_at: BlockNumber,
    /// The other chain's height exits are proven at.
    pub at: BlockNumber,
    /// Its state root, kept here: the registry may forget it.
    pub root: H256,
}

fn double_map_key(item: &str, channel: ChannelId, nonce: Nonce) -> Vec<u8> {
    let mut key = cpc_primitives::storage::storage_prefix(PALLET, item).to_vec();
    let channel = channel.encode();
    key.extend_from_slice(&twox_64(&channel));
    key.extend_from_slice(&channel);
    let nonce = nonce.encode();
    key.extend_from_slice(&twox_64(&nonce));
    key.extend_from_slice(&nonce);
    key
}

/// The storage key of the [`OutboundRecord`] of message `nonce` sent on `channel`
/// (`CrosschainTransfer.Outbound`, `Twox64Concat` both ways).
pub fn outbound_key(channel: ChannelId, nonce: Nonce) -> Vec<u8> {
    double_map_key("Outbound", channel, nonce)
}

/// The storage key of the [`Receipt`] of message `nonce` received on `channel`
/// (`CrosschainTransfer.Receipts`, `Twox64Concat` both ways).
pub fn receipt_key(channel: ChannelId, nonce: Nonce) -> Vec<u8> {
    double_map_key("Receipts", channel, nonce)
}

/// The storage key of `who`'s balance of the wrapped token native to `asset`
/// (`CrosschainTransfer.Wrapped`, `Twox64Concat` then `Blake2_128Concat`): what a holder
/// proves to exit a frozen sidechain.
pub fn wrapped_key(asset: ChainRef, who: &AccountId) -> Vec<u8> {
    let mut key = cpc_primitives::storage::storage_prefix(PALLET, "Wrapped").to_vec();
    let asset = asset.encode();
    key.extend_from_slice(&twox_64(&asset));
    key.extend_from_slice(&asset);
    let who = who.encode();
    key.extend_from_slice(&cpc_primitives::hashing::blake2_128(&who));
    key.extend_from_slice(&who);
    key
}

/// What a chain says about the cross-chain state it holds.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ChannelView {
    /// The channel.
    pub id: ChannelId,
    /// Its state here.
    pub channel: Channel,
    /// The chain at its other end.
    pub counterpart: ChainRef,
    /// Whether messages may pass (open, the counterpart active and followed, not closed by
    /// exits).
    pub active: bool,
    /// On the main chain, for a frozen sidechain: the sidechain height whose anchored state
    /// exits are proven against.
    pub exit_height: Option<BlockNumber>,
    /// Set at the first exit, after which the channel stays closed: where exits are proven.
    pub closed: Option<ExitRoot>,
    /// The newest finalized height of the counterpart this chain holds a state root of.
    pub counterpart_height: Option<BlockNumber>,
}

cpc_api::decl_runtime_api! {
    /// `CrosschainApi` (both chains): channels, messages sent, receipts and wrapped balances
    /// (CPChain's own).
    pub trait CrosschainApi in crosschain_api, version 1 {
        /// This chain, as messages name it (`None` on a sidechain not yet told its id).
        fn home() -> Option<ChainRef>;
        /// Channels from `start` on, at most `limit` (at most [`MAX_CHANNELS_QUERY`]).
        fn channels(start: ChannelId, limit: u32) -> Vec<ChannelView>;
        /// Message `nonce` sent on `channel`.
        fn outbound(channel: ChannelId, nonce: Nonce) -> Option<OutboundRecord>;
        /// The receipt of message `nonce` received on `channel`.
        fn receipt(channel: ChannelId, nonce: Nonce) -> Option<Receipt>;
        /// `who`'s balance of the wrapped token native to `asset`, and its supply here.
        fn wrapped(asset: ChainRef, who: AccountId) -> (Balance, Balance);
    }
}

/// The hash a message is identified by in logs and events.
pub fn message_hash(message: &Message) -> H256 {
    H256(cpc_primitives::hashing::blake2_256(&message.encode()))
}
