//! What the pallet reports: the events its calls deposit, and the errors that refuse a call.

use crate::{ChainRef, ChannelId, Nonce, PALLET};
use codec::{Decode, Encode};
use cpc_primitives::{AccountId, Balance, BlockNumber};
use scale_info::TypeInfo;

/// The pallet's events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A channel was opened.
    ChannelOpened {
        /// The channel (its sidechain's id).
        channel: ChannelId,
        /// Most value it credits here per window.
        limit: Balance,
        /// The window, in blocks.
        window: BlockNumber,
    },
    /// A channel's mint cap changed.
    MintCapSet {
        /// The channel.
        channel: ChannelId,
        /// Most value it credits here per window.
        limit: Balance,
        /// The window, in blocks.
        window: BlockNumber,
    },
    /// A message was sent: its value is escrowed (a native token) or burned (a wrapped one).
    Sent {
        /// The channel.
        channel: ChannelId,
        /// Its nonce.
        nonce: Nonce,
        /// Who sent it.
        sender: AccountId,
        /// Who receives it on the other chain.
        beneficiary: AccountId,
        /// The token, by its home chain.
        asset: ChainRef,
        /// What the beneficiary receives.
        amount: Balance,
        /// What its relayer receives.
        relay_fee: Balance,
        /// The other chain's last block that may accept it.
        timeout: BlockNumber,
    },
    /// A message from the other chain was received and credited.
    Received {
        /// The channel.
        channel: ChannelId,
        /// Its nonce.
        nonce: Nonce,
        /// Who was credited `amount`.
        beneficiary: AccountId,
        /// The token, by its home chain.
        asset: ChainRef,
        /// What the beneficiary received.
        amount: Balance,
        /// Who delivered it, credited the relay fee.
        relayer: AccountId,
        /// The relay fee.
        relay_fee: Balance,
        /// Released from escrow (a token native here) rather than minted as a wrapped token.
        released: bool,
    },
    /// A message sent here timed out on the other chain: its sender was refunded.
    Refunded {
        /// The channel.
        channel: ChannelId,
        /// Its nonce.
        nonce: Nonce,
        /// Who was refunded.
        sender: AccountId,
        /// Amount plus relay fee.
        amount: Balance,
    },
    /// A message sent here was proven delivered on the other chain.
    Acknowledged {
        /// The channel.
        channel: ChannelId,
        /// Its nonce.
        nonce: Nonce,
        /// The other chain's block that received it.
        received_at: BlockNumber,
    },
    /// A holder's wrapped-CPC balance on a frozen sidechain was paid out of escrow.
    Exited {
        /// The channel.
        channel: ChannelId,
        /// The holder.
        holder: AccountId,
        /// Its balance at the exit height.
        amount: Balance,
        /// The sidechain height it was proven at.
        at: BlockNumber,
    },
    /// A wrapped token moved between two accounts of this chain.
    WrappedTransferred {
        /// The token, by its home chain.
        asset: ChainRef,
        /// From.
        from: AccountId,
        /// To.
        to: AccountId,
        /// How much.
        amount: Balance,
    },
}

/// Why a call is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// No channel with this id is open here.
    UnknownChannel,
    /// The channel is open already.
    ChannelExists,
    /// On the main chain: no registered sidechain has this id. On a sidechain: the id is not
    /// this sidechain's own.
    WrongChannel,
    /// The counterpart is frozen, retiring, or not followed: the channel passes nothing.
    ChannelInactive,
    /// A mint window must be at least one block.
    BadCap,
    /// Nothing to send: the amount is zero.
    ZeroAmount,
    /// Amount plus relay fee overflows.
    Overflow,
    /// The token cannot travel on this channel: only this chain's native token and the
    /// wrapped token of the channel's other chain can.
    UnsupportedAsset,
    /// The timeout is not after the other chain's newest known height, or too far past it.
    BadTimeout,
    /// The channel has `MAX_IN_FLIGHT` messages after its oldest in flight: wait for it to be
    /// delivered or to time out.
    TooManyInFlight,
    /// The sender's balance cannot pay.
    InsufficientBalance,
    /// The message goes the other way, or names another channel.
    WrongDirection,
    /// This chain holds no finalized state root of the other chain at that height.
    UnknownRoot,
    /// The proof carries more than `MAX_PROOF_BYTES`.
    ProofTooLarge,
    /// The proof does not verify against the root (missing, altered or extra nodes).
    BadProof,
    /// The proof shows no such message, or a different one.
    NotProven,
    /// The message was received already.
    AlreadyReceived,
    /// The message's timeout height has passed here: it can only be refunded on its source.
    TimedOut,
    /// The channel credited its cap in the current window already.
    CapExceeded,
    /// The message would release more than the channel holds in escrow.
    EscrowShortfall,
    /// The beneficiary or relayer cannot be credited (a new account below the existential
    /// deposit, or an overflow).
    CannotCredit,
    /// No message with this nonce was sent here.
    UnknownMessage,
    /// The message is delivered or refunded already.
    NotInFlight,
    /// The other chain's proven height is before the timeout: the message may still arrive.
    NotTimedOut,
    /// The proof shows the message was received on the other chain: it cannot time out.
    Delivered,
    /// The proof shows no receipt on the other chain.
    NotDelivered,
    /// The channel's sidechain is not frozen (or this is not the main chain): nothing exits.
    NotFrozen,
    /// This holder's balance exited already.
    AlreadyExited,
    /// The holder had no wrapped balance at the exit height.
    NothingToExit,
}

cpc_support::pallet_error!(Error, PALLET);
