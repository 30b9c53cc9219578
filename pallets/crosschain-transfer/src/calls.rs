//! The pallet's calls: the `Call` enum clients encode, its dispatch, and one function per call
//! holding that call's checks and effects. Every check comes before the first write, and the
//! dispatch runs in a storage transaction, so a refused call leaves storage as it was.

use crate::{
    ChainRef, Channel, ChannelId, Channels, Closed, Config, Counterpart, Error, Event, ExitRoot,
    Exits, MAX_PROOF_BYTES, MAX_PROOF_NODES, MAX_WINDOW_ADVANCE, Message, MintCap, Nonce, Outbound,
    OutboundRecord, OutboundStatus, Pallet, Receipt, Receipts, WeightInfo, Wrapped, WrappedSupply,
    escrow_account,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, Balance, BlockNumber, H256,
    dispatch::{DispatchResultWithPostInfo, PostDispatchInfo},
};
use cpc_sidechain_primitives::xchain::{outbound_key, receipt_key, wrapped_key};
use cpc_support::{
    RawOrigin, ensure, ensure_root, ensure_signed,
    traits::{Currency, ExistenceRequirement},
};
use cpc_trie::StorageProof;
use scale_info::TypeInfo;

/// A call's result when it used `weight` (less than it declared).
fn used(weight: cpc_primitives::weight::Weight) -> DispatchResultWithPostInfo {
    Ok(PostDispatchInfo {
        actual_weight: Some(weight),
        pays_fee: cpc_primitives::dispatch::Pays::Yes,
    })
}

/// Longest stored record or receipt decoded from a proof, in bytes.
const MAX_PROVEN_VALUE: usize = 1024;

/// The pallet's calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Sends `amount` of `asset` to `beneficiary` on the other chain of `channel`, plus
    /// `relay_fee` for whoever delivers it. A token native here is escrowed; the wrapped token
    /// of the other chain is burned.
    #[codec(index = 0)]
    transfer_out {
        /// The channel (the sidechain's id).
        channel: ChannelId,
        /// Who receives it on the other chain.
        beneficiary: AccountId,
        /// The token, by its home chain: this chain's, or the other chain's (to return it).
        asset: ChainRef,
        /// What the beneficiary receives.
        #[codec(compact)]
        amount: Balance,
        /// What the relayer that delivers it receives.
        #[codec(compact)]
        relay_fee: Balance,
        /// The other chain's last block that may accept it.
        timeout: BlockNumber,
    },
    /// Credits a message sent on the other chain, proven by `proof` against that chain's
    /// finalized state root at `at`. The caller receives the relay fee.
    #[codec(index = 1)]
    receive {
        /// The message, as committed on its source.
        message: Message,
        /// Storage proof of its record on the source.
        proof: StorageProof,
        /// The source height whose state root the proof is against.
        at: BlockNumber,
    },
    /// Refunds a message sent here that the other chain did not receive by its timeout:
    /// `proof` shows its receipt absent from that chain's state at `at`, a height at or after
    /// the timeout.
    #[codec(index = 2)]
    timeout {
        /// The message, as sent here.
        message: Message,
        /// Storage proof of the receipt's absence on the destination.
        proof: StorageProof,
        /// The destination height whose state root the proof is against.
        at: BlockNumber,
    },
    /// Marks a message sent here delivered: `proof` shows its receipt on the other chain.
    #[codec(index = 3)]
    acknowledge {
        /// The channel.
        channel: ChannelId,
        /// The message's nonce.
        nonce: Nonce,
        /// Storage proof of the receipt on the destination.
        proof: StorageProof,
        /// The destination height whose state root the proof is against.
        at: BlockNumber,
    },
    /// Moves a wrapped token to another account of this chain.
    #[codec(index = 4)]
    transfer_wrapped {
        /// The token, by its home chain.
        asset: ChainRef,
        /// The recipient.
        to: AccountId,
        /// How much.
        #[codec(compact)]
        amount: Balance,
    },
    /// Root: opens `channel` with a mint cap. On the main chain the sidechain must be
    /// registered; on a sidechain, `channel` is its own id on the main chain.
    #[codec(index = 5)]
    open_channel {
        /// The channel (the sidechain's id).
        channel: ChannelId,
        /// Its mint cap here.
        cap: MintCap,
    },
    /// Root: changes a channel's mint cap; the current window's count stays.
    #[codec(index = 6)]
    set_mint_cap {
        /// The channel.
        channel: ChannelId,
        /// The new cap.
        cap: MintCap,
    },
    /// Main chain, frozen sidechain: pays the caller its wrapped-CPC balance on the sidechain
    /// at the exit height out of the channel's escrow, once.
    #[codec(index = 7)]
    exit {
        /// The channel (the sidechain's id).
        channel: ChannelId,
        /// Storage proof of the caller's wrapped balance at the exit height.
        proof: StorageProof,
    },
    /// Main chain, frozen sidechain: refunds a message sent here that the sidechain had not
    /// received at the exit height.
    #[codec(index = 8)]
    exit_refund {
        /// The message, as sent here.
        message: Message,
        /// Storage proof of its receipt's absence at the exit height.
        proof: StorageProof,
    },
    /// Main chain, frozen sidechain: credits a message the sidechain had sent at the exit
    /// height and main had not received. The caller receives the relay fee.
    #[codec(index = 9)]
    exit_receive {
        /// The message, as committed on the sidechain.
        message: Message,
        /// Storage proof of its record at the exit height.
        proof: StorageProof,
    },
}

impl<T: Config> Pallet<T> {
    pub(crate) fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::transfer_out {
                channel,
                beneficiary,
                asset,
                amount,
                relay_fee,
                timeout,
            } => Self::do_transfer_out(
                origin,
                channel,
                beneficiary,
                asset,
                amount,
                relay_fee,
                timeout,
            ),
            Call::receive { message, proof, at } => Self::do_receive(origin, message, proof, at),
            Call::timeout { message, proof, at } => Self::do_timeout(origin, message, proof, at),
            Call::acknowledge {
                channel,
                nonce,
                proof,
                at,
            } => Self::do_acknowledge(origin, channel, nonce, proof, at),
            Call::transfer_wrapped { asset, to, amount } => {
                Self::do_transfer_wrapped(origin, asset, to, amount)
            }
            Call::open_channel { channel, cap } => {
                ensure_root(origin)?;
                if T::IS_MAIN {
                    ensure!(T::Counterpart::is_active(channel), Error::WrongChannel);
                }
                Self::do_open(channel, cap)?;
                Ok(Default::default())
            }
            Call::exit { channel, proof } => Self::do_exit(origin, channel, proof),
            Call::exit_refund { message, proof } => {
                ensure_signed(origin)?;
                let (state, exit) = Self::exiting_channel(message.channel)?;
                Self::refund(state, &message, &proof, (exit.at, exit.root), true)?;
                Self::close(message.channel, exit);
                Ok(Default::default())
            }
            Call::exit_receive { message, proof } => {
                let relayer = ensure_signed(origin)?;
                let (state, exit) = Self::exiting_channel(message.channel)?;
                let channel = message.channel;
                Self::accept(state, relayer, message, &proof, (exit.at, exit.root))?;
                Self::close(channel, exit);
                Ok(Default::default())
            }
            Call::set_mint_cap { channel, cap } => {
                ensure_root(origin)?;
                ensure!(cap.window > 0, Error::BadCap);
                let mut state = Channels::get(&channel).ok_or(Error::UnknownChannel)?;
                state.cap = cap;
                Channels::insert(&channel, &state);
                Self::deposit_event(Event::MintCapSet {
                    channel,
                    limit: cap.limit,
                    window: cap.window,
                });
                Ok(Default::default())
            }
        }
    }

    /// The open, active channel `channel`.
    fn active_channel(channel: ChannelId) -> Result<Channel, Error> {
        let state = Channels::get(&channel).ok_or(Error::UnknownChannel)?;
        ensure!(Self::passes(channel), Error::ChannelInactive);
        Ok(state)
    }

    /// The value at `key` in the other chain's state at `at`, by `proof` (`None`: proven
    /// absent).
    fn prove(
        channel: ChannelId,
        at: BlockNumber,
        proof: &StorageProof,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, Error> {
        let root = T::Counterpart::state_root(channel, at).ok_or(Error::UnknownRoot)?;
        Self::prove_against(&root, proof, key)
    }

    /// Refuses a proof larger than any real one before it is hashed (every proof is checked
    /// through [`Self::prove_against`]).
    fn check_proof_size(proof: &StorageProof) -> Result<(), Error> {
        ensure!(
            proof.encoded_size() <= MAX_PROOF_BYTES as usize
                && proof.len() <= MAX_PROOF_NODES as usize,
            Error::ProofTooLarge
        );
        Ok(())
    }

    /// The value at `key` in the state with `root`, by `proof`.
    fn prove_against(
        root: &H256,
        proof: &StorageProof,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, Error> {
        Self::check_proof_size(proof)?;
        let mut values =
            cpc_trie::verify_read_proof(root, proof, [key]).map_err(|_| Error::BadProof)?;
        Ok(values.remove(key).flatten())
    }

    fn decode_proven<V: Decode>(bytes: &[u8]) -> Result<V, Error> {
        cpc_primitives::limits::decode_bounded(bytes, MAX_PROVEN_VALUE)
            .map_err(|_| Error::NotProven)
    }

    /// Moves the channel's in-flight window past settled messages (at most
    /// `MAX_WINDOW_ADVANCE`); returns how many it looked at.
    fn advance_window(channel: ChannelId, state: &mut Channel) -> u32 {
        let mut looked = 0;
        while state.oldest_in_flight < state.next_nonce && looked < MAX_WINDOW_ADVANCE {
            looked += 1;
            match Outbound::get(&channel, &state.oldest_in_flight) {
                Some(record) if record.status == OutboundStatus::InFlight => break,
                _ => state.oldest_in_flight += 1,
            }
        }
        looked
    }

    /// Adds `amount` of the wrapped `asset` to `who`, and to its supply.
    fn mint_wrapped(asset: ChainRef, who: &AccountId, amount: Balance) -> Result<(), Error> {
        if amount == 0 {
            return Ok(());
        }
        let supply = WrappedSupply::get_or_default(&asset)
            .checked_add(amount)
            .ok_or(Error::CannotCredit)?;
        let balance = Self::wrapped_balance(asset, who)
            .checked_add(amount)
            .ok_or(Error::CannotCredit)?;
        Wrapped::insert(&asset, who, &balance);
        WrappedSupply::insert(&asset, &supply);
        Ok(())
    }

    /// Removes `amount` of the wrapped `asset` from `who` and from its supply.
    fn burn_wrapped(asset: ChainRef, who: &AccountId, amount: Balance) -> Result<(), Error> {
        let balance = Self::wrapped_balance(asset, who)
            .checked_sub(amount)
            .ok_or(Error::InsufficientBalance)?;
        if balance == 0 {
            Wrapped::remove(&asset, who);
        } else {
            Wrapped::insert(&asset, who, &balance);
        }
        WrappedSupply::mutate_or_default(&asset, |s| *s = s.saturating_sub(amount));
        Ok(())
    }

    /// Pays `amount` of the native token out of escrow.
    fn release(to: &AccountId, amount: Balance) -> Result<(), Error> {
        T::Currency::transfer(
            &escrow_account(),
            to,
            amount,
            ExistenceRequirement::KeepAlive,
        )
        .map_err(|_| Error::CannotCredit)
    }

    fn do_transfer_out(
        origin: RawOrigin,
        channel: ChannelId,
        beneficiary: AccountId,
        asset: ChainRef,
        amount: Balance,
        relay_fee: Balance,
        timeout: BlockNumber,
    ) -> DispatchResultWithPostInfo {
        let sender = ensure_signed(origin)?;
        let mut state = Self::active_channel(channel)?;
        ensure!(amount > 0, Error::ZeroAmount);
        // Released to itself, the escrow would count a payment it never made.
        ensure!(beneficiary != escrow_account(), Error::CannotCredit);
        let total = amount.checked_add(relay_fee).ok_or(Error::Overflow)?;
        let native = Some(asset) == Self::home();
        ensure!(
            native || asset == Self::counterpart(channel),
            Error::UnsupportedAsset
        );
        let known = T::Counterpart::finalized_height(channel).ok_or(Error::ChannelInactive)?;
        ensure!(
            timeout > known && timeout - known <= T::MAX_TIMEOUT_SPAN,
            Error::BadTimeout
        );
        let looked = Self::advance_window(channel, &mut state);
        ensure!(
            state.next_nonce - state.oldest_in_flight < u64::from(T::MAX_IN_FLIGHT),
            Error::TooManyInFlight
        );
        if native {
            state.escrowed = state.escrowed.checked_add(total).ok_or(Error::Overflow)?;
            T::Currency::transfer(
                &sender,
                &escrow_account(),
                total,
                ExistenceRequirement::KeepAlive,
            )
            .map_err(|_| Error::InsufficientBalance)?;
        } else {
            Self::burn_wrapped(asset, &sender, total)?;
        }
        let nonce = state.next_nonce;
        state.next_nonce += 1;
        let message = Message {
            channel,
            direction: Self::outgoing(),
            nonce,
            sender,
            beneficiary,
            asset,
            amount,
            relay_fee,
            timeout,
        };
        Outbound::insert(
            &channel,
            &nonce,
            &OutboundRecord {
                message,
                sent_at: System::<T>::block_number(),
                status: OutboundStatus::InFlight,
            },
        );
        Channels::insert(&channel, &state);
        Self::deposit_event(Event::Sent {
            channel,
            nonce,
            sender,
            beneficiary,
            asset,
            amount,
            relay_fee,
            timeout,
        });
        used(<T as Config>::WeightInfo::transfer_out(looked))
    }

    fn do_receive(
        origin: RawOrigin,
        message: Message,
        proof: StorageProof,
        at: BlockNumber,
    ) -> DispatchResultWithPostInfo {
        let relayer = ensure_signed(origin)?;
        let state = Self::active_channel(message.channel)?;
        ensure!(message.direction == Self::incoming(), Error::WrongDirection);
        let now = System::<T>::block_number();
        ensure!(now <= message.timeout, Error::TimedOut);
        let root = T::Counterpart::state_root(message.channel, at).ok_or(Error::UnknownRoot)?;
        Self::accept(state, relayer, message, &proof, (at, root))?;
        Ok(Default::default())
    }

    /// What the channel may still credit in the current window.
    fn room(state: &mut Channel) -> Balance {
        let now = System::<T>::block_number();
        if now >= state.window_start.saturating_add(state.cap.window) {
            state.window_start = now;
            state.credited = 0;
        }
        state.cap.limit.saturating_sub(state.credited)
    }

    /// Counts `total` against the channel's cap in the current window.
    fn charge_cap(state: &mut Channel, total: Balance) -> Result<(), Error> {
        ensure!(total <= Self::room(state), Error::CapExceeded);
        state.credited = state.credited.saturating_add(total);
        Ok(())
    }

    /// Credits `message` from the other chain, proven by `proof` against its state `root` at
    /// height `at`: once (its receipt), in flight on its source (never one the source
    /// refunded), within the cap, from escrow or minted.
    fn accept(
        mut state: Channel,
        relayer: AccountId,
        message: Message,
        proof: &StorageProof,
        (at, root): (BlockNumber, H256),
    ) -> Result<(), Error> {
        let channel = message.channel;
        ensure!(message.direction == Self::incoming(), Error::WrongDirection);
        ensure!(
            !Receipts::contains_key(&channel, &message.nonce),
            Error::AlreadyReceived
        );
        let total = message.total().ok_or(Error::Overflow)?;
        let released = Some(message.asset) == Self::home();
        ensure!(
            released || message.asset == Self::counterpart(channel),
            Error::UnsupportedAsset
        );
        let bytes = Self::prove_against(&root, proof, &outbound_key(channel, message.nonce))?
            .ok_or(Error::NotProven)?;
        let record: OutboundRecord = Self::decode_proven(&bytes)?;
        ensure!(
            record.message == message && record.status == OutboundStatus::InFlight,
            Error::NotProven
        );

        Self::charge_cap(&mut state, total)?;
        if released {
            state.escrowed = state
                .escrowed
                .checked_sub(total)
                .ok_or(Error::EscrowShortfall)?;
            Self::release(&message.beneficiary, message.amount)?;
            Self::release(&relayer, message.relay_fee)?;
        } else {
            Self::mint_wrapped(message.asset, &message.beneficiary, message.amount)?;
            Self::mint_wrapped(message.asset, &relayer, message.relay_fee)?;
        }
        state.received = state.received.saturating_add(1);
        state.proven_height = state.proven_height.max(at);
        let now = System::<T>::block_number();
        Receipts::insert(&channel, &message.nonce, &Receipt { received_at: now });
        Channels::insert(&channel, &state);
        Self::deposit_event(Event::Received {
            channel,
            nonce: message.nonce,
            beneficiary: message.beneficiary,
            asset: message.asset,
            amount: message.amount,
            relayer,
            relay_fee: message.relay_fee,
            released,
        });
        Ok(())
    }

    /// The in-flight record of message `nonce` sent on `channel`.
    fn in_flight(channel: ChannelId, nonce: Nonce) -> Result<OutboundRecord, Error> {
        let record = Outbound::get(&channel, &nonce).ok_or(Error::UnknownMessage)?;
        ensure!(
            record.status == OutboundStatus::InFlight,
            Error::NotInFlight
        );
        Ok(record)
    }

    fn do_timeout(
        origin: RawOrigin,
        message: Message,
        proof: StorageProof,
        at: BlockNumber,
    ) -> DispatchResultWithPostInfo {
        ensure_signed(origin)?;
        let state = Self::active_channel(message.channel)?;
        ensure!(at >= message.timeout, Error::NotTimedOut);
        let root = T::Counterpart::state_root(message.channel, at).ok_or(Error::UnknownRoot)?;
        let looked = Self::refund(state, &message, &proof, (at, root), false)?;
        used(<T as Config>::WeightInfo::timeout(
            proof.encoded_size() as u32,
            proof.len() as u32,
            looked,
        ))
    }

    /// Refunds `message`, sent here and in flight, whose receipt `proof` shows absent from the
    /// other chain's state `root` at `at` (counted against the cap when `capped`: an exit's
    /// refund trusts a frozen chain's state); returns how many messages the window looked at.
    fn refund(
        mut state: Channel,
        message: &Message,
        proof: &StorageProof,
        (at, root): (BlockNumber, H256),
        capped: bool,
    ) -> Result<u32, Error> {
        let channel = message.channel;
        let mut record = Self::in_flight(channel, message.nonce)?;
        ensure!(record.message == *message, Error::UnknownMessage);
        let receipt = Self::prove_against(&root, proof, &receipt_key(channel, message.nonce))?;
        ensure!(receipt.is_none(), Error::Delivered);

        let total = message.total().ok_or(Error::Overflow)?;
        if capped {
            Self::charge_cap(&mut state, total)?;
        }
        if Some(message.asset) == Self::home() {
            state.escrowed = state
                .escrowed
                .checked_sub(total)
                .ok_or(Error::EscrowShortfall)?;
            Self::release(&message.sender, total)?;
        } else {
            Self::mint_wrapped(message.asset, &message.sender, total)?;
        }
        let now = System::<T>::block_number();
        record.status = OutboundStatus::Refunded { at: now };
        Outbound::insert(&channel, &message.nonce, &record);
        state.proven_height = state.proven_height.max(at);
        let looked = Self::advance_window(channel, &mut state);
        Channels::insert(&channel, &state);
        Self::deposit_event(Event::Refunded {
            channel,
            nonce: message.nonce,
            sender: message.sender,
            amount: total,
        });
        Ok(looked)
    }

    /// The channel of a frozen (or retiring) sidechain and where its exits are proven: fixed
    /// at the first exit; before it, the registry's exit height, or a later height this chain
    /// already acted on (exits must see what main credited and acknowledged), with its root.
    fn exiting_channel(channel: ChannelId) -> Result<(Channel, ExitRoot), Error> {
        let state = Channels::get(&channel).ok_or(Error::UnknownChannel)?;
        if let Some(exit) = Closed::get(&channel) {
            return Ok((state, exit));
        }
        let at = T::Counterpart::exit_height(channel)
            .ok_or(Error::NotFrozen)?
            .max(state.proven_height);
        let root = T::Counterpart::state_root(channel, at).ok_or(Error::UnknownRoot)?;
        let exit = ExitRoot {
            closed_at: System::<T>::block_number(),
            at,
            root,
        };
        Ok((state, exit))
    }

    /// Closes `channel` for good at its first exit, fixing where exits are proven.
    fn close(channel: ChannelId, exit: ExitRoot) {
        if !Closed::contains_key(&channel) {
            Closed::insert(&channel, &exit);
        }
    }

    fn do_exit(
        origin: RawOrigin,
        channel: ChannelId,
        proof: StorageProof,
    ) -> DispatchResultWithPostInfo {
        let holder = ensure_signed(origin)?;
        let (mut state, exit) = Self::exiting_channel(channel)?;
        let home = Self::home().ok_or(Error::NotFrozen)?;
        let bytes = Self::prove_against(&exit.root, &proof, &wrapped_key(home, &holder))?;
        let balance: Balance = match bytes {
            Some(bytes) => Self::decode_proven(&bytes)?,
            None => 0,
        };
        ensure!(balance > 0, Error::NothingToExit);
        let exited = Exits::get(&channel, &holder).unwrap_or(0);
        let remaining = balance.saturating_sub(exited);
        ensure!(remaining > 0, Error::AlreadyExited);
        // A balance larger than the window's room leaves in parts, window after window.
        let amount = remaining.min(Self::room(&mut state));
        ensure!(amount > 0, Error::CapExceeded);
        Self::charge_cap(&mut state, amount)?;
        state.escrowed = state
            .escrowed
            .checked_sub(amount)
            .ok_or(Error::EscrowShortfall)?;
        Self::release(&holder, amount)?;
        Exits::insert(&channel, &holder, &(exited + amount));
        Channels::insert(&channel, &state);
        Self::close(channel, exit);
        Self::deposit_event(Event::Exited {
            channel,
            holder,
            amount,
            at: exit.at,
        });
        Ok(Default::default())
    }

    fn do_acknowledge(
        origin: RawOrigin,
        channel: ChannelId,
        nonce: Nonce,
        proof: StorageProof,
        at: BlockNumber,
    ) -> DispatchResultWithPostInfo {
        ensure_signed(origin)?;
        let mut state = Self::active_channel(channel)?;
        let mut record = Self::in_flight(channel, nonce)?;
        let bytes = Self::prove(channel, at, &proof, &receipt_key(channel, nonce))?
            .ok_or(Error::NotDelivered)?;
        let receipt: Receipt = Self::decode_proven(&bytes)?;
        state.proven_height = state.proven_height.max(at);
        record.status = OutboundStatus::Delivered {
            received_at: receipt.received_at,
            acknowledged_at: System::<T>::block_number(),
        };
        Outbound::insert(&channel, &nonce, &record);
        let looked = Self::advance_window(channel, &mut state);
        Channels::insert(&channel, &state);
        Self::deposit_event(Event::Acknowledged {
            channel,
            nonce,
            received_at: receipt.received_at,
        });
        used(<T as Config>::WeightInfo::acknowledge(
            proof.encoded_size() as u32,
            proof.len() as u32,
            looked,
        ))
    }

    fn do_transfer_wrapped(
        origin: RawOrigin,
        asset: ChainRef,
        to: AccountId,
        amount: Balance,
    ) -> DispatchResultWithPostInfo {
        let from = ensure_signed(origin)?;
        ensure!(amount > 0, Error::ZeroAmount);
        ensure!(Some(asset) != Self::home(), Error::UnsupportedAsset);
        let remaining = Self::wrapped_balance(asset, &from)
            .checked_sub(amount)
            .ok_or(Error::InsufficientBalance)?;
        if from != to {
            let credited = Self::wrapped_balance(asset, &to)
                .checked_add(amount)
                .ok_or(Error::CannotCredit)?;
            if remaining == 0 {
                Wrapped::remove(&asset, &from);
            } else {
                Wrapped::insert(&asset, &from, &remaining);
            }
            Wrapped::insert(&asset, &to, &credited);
        }
        Self::deposit_event(Event::WrappedTransferred {
            asset,
            from,
            to,
            amount,
        });
        Ok(Default::default())
    }
}
