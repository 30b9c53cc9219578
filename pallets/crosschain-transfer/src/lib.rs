//! # Crosschain-transfer pallet (main chain and sidechains)
//!
//! Value moves between the main chain and an IoT sidechain by messages that each chain
//! commits in its state and the other chain checks with a storage proof against a finalized
//! state root it holds: on the main chain, the sidechain's roots anchored in the sidechain
//! registry; on a sidechain, the main chain's roots followed by its main-chain tracker
//! ([`Counterpart`]). Relayers carry messages and proofs; they are never trusted
//! ([docs/crosschain.md](../../../docs/crosschain.md)).
//!
//! - **Channels**: one per sidechain, with the sidechain's id. On the main chain root opens
//!   it (`open_channel`) once the sidechain is registered; on a sidechain its genesis names
//!   it, or root opens it. Each side keeps its own nonce counter for what it sends.
//! - **Send** (`transfer_out`): the token native to this chain is moved into the pallet's
//!   escrow account and counted for the channel; a wrapped token (native to the other chain)
//!   is burned. The message is committed under `Outbound[(channel, nonce)]`.
//! - **Receive** (`receive`, anyone, typically a relayer): the message is proven against a
//!   root of the source; its receipt must not exist and is written (`Receipts`), so it is
//!   credited once; the destination must not have passed the timeout. A token native here is
//!   released from the channel's escrow (never more than the channel holds), any other is
//!   minted as the wrapped token of its home chain. The channel's per-window **mint cap**
//!   bounds what a compromised committee of the other chain can credit here.
//! - **Timeout** (`timeout`): once the destination has finalized the timeout height, a proof
//!   that the receipt is absent there refunds the sender (escrow released, or the wrapped
//!   token minted back), once: the record is marked refunded.
//! - **Acknowledge** (`acknowledge`): a proof of the receipt marks the message delivered, so
//!   relayers and wallets see it settled and the channel's in-flight window moves on.
//! - A sidechain that is frozen in the registry (or a main chain the tracker stopped
//!   following) stops its channel both ways: nothing is sent, received, refunded or
//!   acknowledged on it.
//! - **Exit** (main chain, frozen sidechain): escrow is not locked for ever. Against the
//!   sidechain's last anchored state before the conflict ([`Counterpart::exit_height`]), a
//!   holder proves its wrapped-CPC balance and is paid it from escrow, once (`exit`); the
//!   sender of a message the sidechain had not received there is refunded (`exit_refund`);
//!   the beneficiary of a message the sidechain had sent there is credited (`exit_receive`).
//!   The first exit closes the channel for good: unfreezing the sidechain does not reopen it,
//!   since its state still shows the balances that left. Governance that unfreezes before any
//!   exit resumes the channel as it was.
//!
//! Invariants (checked by `try_state`): the escrow account holds at least the sum of the
//! channels' escrow (plus the existential deposit it was endowed with); each wrapped token's
//! supply is the sum of its balances; each channel's sent messages lie below its next nonce,
//! name it and this chain's direction, and those in flight lie in its in-flight window.
//! Across the two chains (the property tests check it): a channel's escrow on the token's home
//! chain equals the wrapped supply on the other chain plus the value in flight.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod api;
mod calls;
mod events;
mod hooks;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{string::String, vec::Vec};
use core::marker::PhantomData;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, Balance, BlockNumber, H256,
    dispatch::{DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Pays},
};
use cpc_support::{
    PalletDef, RawOrigin,
    metadata::{StorageEntry, constant},
    traits::Currency,
};
use serde::{Deserialize, Serialize};

pub use calls::Call;
pub use cpc_sidechain_primitives::{
    SidechainId,
    xchain::{
        ChainRef, Channel, ChannelId, ChannelView, CrosschainApi, Direction, ExitRoot,
        MAX_CHANNELS_QUERY, MAX_PROOF_BYTES, MAX_PROOF_NODES, Message, MintCap, Nonce,
        OutboundRecord, OutboundStatus, PALLET, Receipt, crosschain_api,
    },
};
pub use events::{Error, Event};
pub use weights::WeightInfo;

/// The layout version of the pallet's storage.
pub const STORAGE_VERSION: u16 = 1;
/// Most settled messages the in-flight window moves past in one call.
pub const MAX_WINDOW_ADVANCE: u32 = 16;

/// The chain at the other end of a channel, as this chain follows it.
pub trait Counterpart {
    /// A finalized state root of the chain at the other end of `channel`, at `height`, if this
    /// chain holds it.
    fn state_root(channel: ChannelId, height: BlockNumber) -> Option<H256>;
    /// The newest height of that chain this chain holds a finalized root of.
    fn finalized_height(channel: ChannelId) -> Option<BlockNumber>;
    /// Whether messages may pass: on the main chain, the sidechain is registered and active;
    /// on a sidechain, the main chain is followed and not halted.
    fn is_active(channel: ChannelId) -> bool;
    /// On the main chain, when the sidechain is frozen: the height of its last anchored state
    /// before the conflict, which exits are proven against. `None` otherwise (and always on a
    /// sidechain).
    fn exit_height(_channel: ChannelId) -> Option<BlockNumber> {
        None
    }
}

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {
    /// The native token: escrowed when sent, released when it comes back.
    type Currency: Currency;
    /// The roots and the status of the chains at the other end of the channels.
    type Counterpart: Counterpart;
    /// Weights.
    type WeightInfo: WeightInfo;
    /// Whether this is the main chain (its channels lead to sidechains) or a sidechain (its one
    /// channel leads to the main chain).
    const IS_MAIN: bool;
    /// Most messages a channel has between its oldest in flight and its next: bounds what a
    /// relayer scans and how far one stuck message lets the channel run ahead.
    const MAX_IN_FLIGHT: u32;
    /// Furthest a timeout may lie past the counterpart's newest finalized height this chain
    /// holds, in the counterpart's blocks.
    const MAX_TIMEOUT_SPAN: BlockNumber;
}

cpc_support::storage! {
    pallet "CrosschainTransfer";
    /// A sidechain's own id on the main chain (sidechains only): it is the id of its channel.
    pub OwnId: value SidechainId;
    /// The open channels.
    pub Channels: map Twox64Concat ChannelId => Channel;
    /// Messages sent, by channel and nonce; kept once settled (their status says how).
    pub Outbound: double_map Twox64Concat ChannelId, Twox64Concat Nonce => OutboundRecord;
    /// Messages received, by channel and nonce: each is credited once.
    pub Receipts: double_map Twox64Concat ChannelId, Twox64Concat Nonce => Receipt;
    /// Balances of the wrapped tokens, by home chain and holder.
    pub Wrapped: double_map Twox64Concat ChainRef, Blake2_128Concat AccountId => Balance;
    /// Supply of each wrapped token here.
    pub WrappedSupply: map Twox64Concat ChainRef => Balance = default;
    /// What exited a frozen sidechain, by channel and holder: a balance exits once (in parts
    /// when it is larger than the cap's window allows).
    pub Exits: double_map Twox64Concat ChannelId, Blake2_128Concat AccountId => Balance;
    /// Channels closed by exits, with where exits are proven (fixed at the first): they stay
    /// closed even if the sidechain is unfrozen, since its state still shows the balances that
    /// left, and exits go on against the same root whatever the registry does next.
    pub Closed: map Twox64Concat ChannelId => ExitRoot;
}

/// Genesis configuration.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// On a sidechain: its id on the main chain, which opens its channel at genesis (known
    /// when the sidechain is built after its registration, or predicted). Unset on the main
    /// chain, and on a sidechain whose channel root opens later.
    #[serde(default)]
    pub sidechain_id: Option<SidechainId>,
    /// The channel's mint cap at genesis (required with `sidechain_id`): most value credited
    /// per window.
    #[serde(default)]
    pub mint_cap: Option<Balance>,
    /// The cap's window, in blocks (required with `sidechain_id`).
    #[serde(default)]
    pub mint_window: Option<BlockNumber>,
}

/// The crosschain-transfer pallet.
pub struct Pallet<T>(PhantomData<T>);

/// The account that holds escrowed native tokens for every channel: `"modl" ++ "cpc/xchn"`
/// padded with zeros, the convention of Substrate's pallet accounts. Nobody holds its key.
pub fn escrow_account() -> AccountId {
    let mut id = [0u8; 32];
    id[..4].copy_from_slice(b"modl");
    id[4..12].copy_from_slice(b"cpc/xchn");
    AccountId::new(id)
}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }

    /// This chain, as messages name it (`None` on a sidechain not yet told its id).
    pub fn home() -> Option<ChainRef> {
        if T::IS_MAIN {
            Some(ChainRef::Main)
        } else {
            OwnId::get().map(ChainRef::Sidechain)
        }
    }

    /// The chain at the other end of `channel`.
    pub fn counterpart(channel: ChannelId) -> ChainRef {
        if T::IS_MAIN {
            ChainRef::Sidechain(channel)
        } else {
            ChainRef::Main
        }
    }

    /// The direction of the messages this chain sends.
    pub fn outgoing() -> Direction {
        if T::IS_MAIN {
            Direction::ToSidechain
        } else {
            Direction::ToMain
        }
    }

    /// The direction of the messages this chain receives.
    pub fn incoming() -> Direction {
        if T::IS_MAIN {
            Direction::ToMain
        } else {
            Direction::ToSidechain
        }
    }

    /// Whether `channel` is open here, not closed by exits, and its counterpart active.
    pub fn is_active(channel: ChannelId) -> bool {
        Channels::contains_key(&channel) && Self::passes(channel)
    }

    /// Whether an open `channel` passes messages: not closed by exits, its counterpart active.
    pub(crate) fn passes(channel: ChannelId) -> bool {
        !Closed::contains_key(&channel) && T::Counterpart::is_active(channel)
    }

    /// `who`'s balance of the wrapped token native to `asset`.
    pub fn wrapped_balance(asset: ChainRef, who: &AccountId) -> Balance {
        Wrapped::get(&asset, who).unwrap_or(0)
    }

    /// Opens `channel` with `cap` (the sidechain's own channel when `own` is set).
    fn do_open(channel: ChannelId, cap: MintCap) -> Result<(), Error> {
        if Channels::contains_key(&channel) {
            return Err(Error::ChannelExists);
        }
        if cap.window == 0 {
            return Err(Error::BadCap);
        }
        if !T::IS_MAIN {
            if OwnId::get().is_some_and(|own| own != channel) {
                return Err(Error::WrongChannel);
            }
            OwnId::put(&channel);
        }
        Channels::insert(
            &channel,
            &Channel {
                next_nonce: 0,
                oldest_in_flight: 0,
                escrowed: 0,
                cap,
                window_start: System::<T>::block_number(),
                credited: 0,
                received: 0,
                proven_height: 0,
            },
        );
        Self::deposit_event(Event::ChannelOpened {
            channel,
            limit: cap.limit,
            window: cap.window,
        });
        Ok(())
    }

    /// Endows the escrow account with the existential deposit, so that it exists whatever it
    /// holds (paying out the last escrowed token never removes it). Minted: a one-off change of
    /// the issuance when the pallet is added.
    pub(crate) fn endow_escrow() {
        let account = escrow_account();
        if T::Currency::total_balance(&account) == 0 {
            // A failure (the existential deposit overflowing the issuance) leaves the account
            // to be created by the first transfer out, which carries at least the deposit.
            let _ = T::Currency::deposit_creating(&account, T::Currency::minimum_balance());
        }
    }
}

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        Self::dispatch_call(call, origin)
    }

    fn call_info(call: &Call) -> DispatchInfo {
        let bytes = |p: &cpc_trie::StorageProof| p.encoded_size().min(u32::MAX as usize) as u32;
        let nodes = |p: &cpc_trie::StorageProof| p.len().min(u32::MAX as usize) as u32;
        let normal = |w| (w, DispatchClass::Normal);
        let (weight, class) = match call {
            Call::transfer_out { .. } => {
                normal(<T as Config>::WeightInfo::transfer_out(MAX_WINDOW_ADVANCE))
            }
            Call::receive { proof, .. } => normal(<T as Config>::WeightInfo::receive(
                bytes(proof),
                nodes(proof),
            )),
            Call::timeout { proof, .. } => normal(<T as Config>::WeightInfo::timeout(
                bytes(proof),
                nodes(proof),
                MAX_WINDOW_ADVANCE,
            )),
            Call::acknowledge { proof, .. } => normal(<T as Config>::WeightInfo::acknowledge(
                bytes(proof),
                nodes(proof),
                MAX_WINDOW_ADVANCE,
            )),
            Call::transfer_wrapped { .. } => normal(<T as Config>::WeightInfo::transfer_wrapped()),
            Call::open_channel { .. } => (
                <T as Config>::WeightInfo::open_channel(),
                DispatchClass::Operational,
            ),
            Call::set_mint_cap { .. } => (
                <T as Config>::WeightInfo::set_mint_cap(),
                DispatchClass::Operational,
            ),
            Call::exit { proof, .. } => {
                normal(<T as Config>::WeightInfo::exit(bytes(proof), nodes(proof)))
            }
            Call::exit_refund { proof, .. } => normal(<T as Config>::WeightInfo::timeout(
                bytes(proof),
                nodes(proof),
                MAX_WINDOW_ADVANCE,
            )),
            Call::exit_receive { proof, .. } => {
                normal(<T as Config>::WeightInfo::exit(bytes(proof), nodes(proof)))
            }
        };
        DispatchInfo {
            weight,
            class,
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(config: &GenesisConfig) -> Result<(), String> {
        Self::endow_escrow();
        cpc_support::storage::version::put(PALLET, STORAGE_VERSION);
        match (T::IS_MAIN, config.sidechain_id) {
            (true, Some(_)) => {
                Err("crosschain transfer: the main chain has no sidechain id".into())
            }
            (_, None) => Ok(()),
            (false, Some(id)) => {
                let (Some(limit), Some(window)) = (config.mint_cap, config.mint_window) else {
                    return Err(
                        "crosschain transfer: a sidechain's channel needs mintCap and mintWindow"
                            .into(),
                    );
                };
                Self::do_open(id, MintCap { limit, window }).map_err(|_| {
                    String::from("crosschain transfer: the mint window must be at least one block")
                })
            }
        }
    }

    fn storage_version() -> u16 {
        STORAGE_VERSION
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        alloc::vec![
            OwnId::entry_metadata(),
            Channels::entry_metadata(),
            Outbound::entry_metadata(),
            Receipts::entry_metadata(),
            Wrapped::entry_metadata(),
            WrappedSupply::entry_metadata(),
            Exits::entry_metadata(),
            Closed::entry_metadata(),
        ]
    }

    fn constants_metadata() -> Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![
            constant(
                "MaxInFlight",
                &T::MAX_IN_FLIGHT,
                &["Most messages between a channel's oldest in flight and its next."]
            ),
            constant(
                "MaxTimeoutSpan",
                &T::MAX_TIMEOUT_SPAN,
                &["Furthest a timeout may lie past the counterpart's newest known height."]
            ),
            constant(
                "MaxProofBytes",
                &MAX_PROOF_BYTES,
                &["Largest storage proof a call may carry, in bytes of nodes."]
            ),
        ]
    }
}
