//! # Governance pallet
//!
//! Who may act as root (runtime upgrades, parameter changes, forced transfers):
//!
//! - **Sudo**, for dev and test chains: one key dispatches any call as root (`sudo`), can hand
//!   the key over (`set_sudo_key`) and can give it up for good (`remove_sudo_key`).
//! - **Council**, for production: members propose a root call (`propose`); it is approved when
//!   `threshold` members vote aye, and enacted `ENACTMENT_DELAY` blocks later in the block's
//!   `on_initialize` (so everyone sees what will happen before it does). A proposal not approved
//!   within `VOTING_PERIOD` can be closed by anyone; the proposer (while voting) or root (until
//!   enactment) can cancel it. Root sets the members and the threshold.
//!
//! Calls carry a boxed runtime call, so this pallet's `Call` is generic over the runtime
//! (composed as `Governance: cpc_pallet_governance<Runtime> = 3`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{boxed::Box, string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, BlockNumber, H256, MultiAddress,
    dispatch::{
        DispatchClass, DispatchError, DispatchInfo, DispatchResult, DispatchResultWithPostInfo,
        Pays, PostDispatchInfo,
    },
    weight::Weight,
};
use cpc_support::{
    BoundedVec, ConstU32, Dispatchable, GetDispatchInfo, Hooks, PalletDef, RawOrigin, ensure,
    ensure_root, ensure_signed,
    metadata::{StorageEntry, constant},
    with_transaction,
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "Governance";
/// The most council members.
pub const MAX_MEMBERS: u32 = 32;
/// The most proposals open or scheduled at once.
pub const MAX_PROPOSALS: u32 = 64;

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {
    /// Blocks between a proposal's approval and its enactment.
    const ENACTMENT_DELAY: BlockNumber;
    /// Blocks a proposal stays open for votes.
    const VOTING_PERIOD: BlockNumber;
    /// The largest encoded call a proposal may carry (runtime code is a few hundred KiB).
    const MAX_PROPOSAL_SIZE: u32;
    /// Weights.
    type WeightInfo: WeightInfo;
}

/// Where a proposal stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum ProposalStatus {
    /// Open for votes until `end`.
    Voting,
    /// Approved; enacted at the start of this block.
    Approved(BlockNumber),
}

/// A council proposal.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Proposal {
    /// Who proposed it.
    pub proposer: AccountId,
    /// blake2-256 of the encoded call.
    pub call_hash: H256,
    /// Members in favour.
    pub ayes: BoundedVec<AccountId, ConstU32<MAX_MEMBERS>>,
    /// Members against.
    pub nays: BoundedVec<AccountId, ConstU32<MAX_MEMBERS>>,
    /// Last block of voting.
    pub end: BlockNumber,
    /// Status.
    pub status: ProposalStatus,
}

cpc_support::storage! {
    pallet "Governance";
    /// The sudo key, if sudo is enabled.
    pub SudoKey: value AccountId;
    /// The council members.
    pub Members: value BoundedVec<AccountId, ConstU32<MAX_MEMBERS>> = default;
    /// Aye votes needed to approve a proposal.
    pub Threshold: value u32 = default;
    /// Proposals made so far (the next proposal's index).
    pub ProposalCount: value u32 = default;
    /// Open and scheduled proposals.
    pub Proposals: map Twox64Concat u32 => Proposal;
    /// The encoded call of each proposal.
    pub ProposalCalls: map Twox64Concat u32 => Vec<u8>;
    /// Proposals to enact at the start of each block.
    pub Agenda: map Twox64Concat BlockNumber => BoundedVec<u32, ConstU32<MAX_PROPOSALS>> = default;
    /// Open and scheduled proposals, counted.
    pub ActiveProposals: value u32 = default;
}

/// The pallet's calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(skip_type_params(T))]
#[allow(non_camel_case_types)]
pub enum Call<T: Config> {
    /// Dispatches `call` as root (sudo key only).
    #[codec(index = 0)]
    sudo {
        /// The call.
        call: Box<<T as cpc_pallet_system::Config>::RuntimeCall>,
    },
    /// Hands the sudo key to `new` (sudo key only).
    #[codec(index = 1)]
    set_sudo_key {
        /// The new key.
        new: MultiAddress,
    },
    /// Removes the sudo key for good (sudo key only); only the council can act as root after.
    #[codec(index = 2)]
    remove_sudo_key,
    /// Proposes `call` to be dispatched as root (council members only); counts as an aye.
    #[codec(index = 3)]
    propose {
        /// The call.
        call: Box<<T as cpc_pallet_system::Config>::RuntimeCall>,
    },
    /// Votes on proposal `index` (council members only); a second vote replaces the first.
    #[codec(index = 4)]
    vote {
        /// The proposal.
        #[codec(compact)]
        index: u32,
        /// Aye or nay.
        approve: bool,
    },
    /// Cancels proposal `index`: its proposer while voting, or root until enactment.
    #[codec(index = 5)]
    cancel {
        /// The proposal.
        #[codec(compact)]
        index: u32,
    },
    /// Removes proposal `index` whose voting period ended without approval (anyone).
    #[codec(index = 6)]
    close {
        /// The proposal.
        #[codec(compact)]
        index: u32,
    },
    /// Sets the council and its threshold (root only).
    #[codec(index = 7)]
    set_members {
        /// The members.
        members: Vec<AccountId>,
        /// Aye votes needed.
        threshold: u32,
    },
}

/// The pallet's events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A sudo call was dispatched.
    Sudid {
        /// Its result.
        result: DispatchResult,
    },
    /// The sudo key changed (`None`: removed).
    KeyChanged {
        /// The old key.
        old: Option<AccountId>,
        /// The new key.
        new: Option<AccountId>,
    },
    /// A proposal was made.
    Proposed {
        /// Its index.
        index: u32,
        /// Who proposed it.
        proposer: AccountId,
        /// Hash of its call.
        call_hash: H256,
        /// Last block of voting.
        end: BlockNumber,
    },
    /// A member voted.
    Voted {
        /// The proposal.
        index: u32,
        /// The member.
        who: AccountId,
        /// Aye or nay.
        approve: bool,
        /// Ayes so far.
        ayes: u32,
        /// Nays so far.
        nays: u32,
    },
    /// A proposal was approved and scheduled.
    Approved {
        /// The proposal.
        index: u32,
        /// The block that enacts it.
        enact_at: BlockNumber,
    },
    /// A proposal can no longer be approved and was removed.
    Rejected {
        /// The proposal.
        index: u32,
    },
    /// A proposal was cancelled.
    Cancelled {
        /// The proposal.
        index: u32,
    },
    /// A proposal's voting period ended without approval.
    Closed {
        /// The proposal.
        index: u32,
    },
    /// An approved proposal was dispatched as root.
    Executed {
        /// The proposal.
        index: u32,
        /// Its result.
        result: DispatchResult,
    },
    /// The council changed.
    MembersChanged {
        /// The members.
        members: Vec<AccountId>,
        /// Aye votes needed.
        threshold: u32,
    },
}

/// The pallet's errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// Only the sudo key may do this.
    NotSudo,
    /// Sudo is disabled.
    NoSudoKey,
    /// Only council members may do this.
    NotMember,
    /// No proposal with this index.
    ProposalMissing,
    /// The member already voted this way.
    DuplicateVote,
    /// The voting period is over.
    VotingClosed,
    /// The voting period is not over yet.
    VotingOpen,
    /// The proposal is already approved.
    AlreadyApproved,
    /// Only the proposer (or root) may cancel.
    NotProposer,
    /// The encoded call is larger than `MAX_PROPOSAL_SIZE`.
    ProposalTooLarge,
    /// Too many proposals are open or scheduled.
    TooManyProposals,
    /// Too many members.
    TooManyMembers,
    /// The threshold must be between 1 and the number of members.
    InvalidThreshold,
    /// The same account appears twice among the members.
    DuplicateMember,
    /// Too many proposals to enact in one block.
    AgendaFull,
    /// The address does not name an account.
    BadAddress,
}

cpc_support::pallet_error!(Error, PALLET);

/// Genesis configuration.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// The sudo key (dev chains).
    #[serde(default)]
    pub sudo_key: Option<AccountId>,
    /// The council members.
    #[serde(default)]
    pub members: Vec<AccountId>,
    /// Aye votes needed (0 means a simple majority of the members).
    #[serde(default)]
    pub threshold: u32,
}

/// The governance pallet.
pub struct Pallet<T>(PhantomData<T>);

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }

    fn ensure_sudo(origin: RawOrigin) -> Result<AccountId, DispatchError> {
        let who = ensure_signed(origin)?;
        let key = SudoKey::get().ok_or(Error::NoSudoKey)?;
        ensure!(who == key, Error::NotSudo);
        Ok(who)
    }

    fn ensure_member(origin: RawOrigin) -> Result<AccountId, DispatchError> {
        let who = ensure_signed(origin)?;
        ensure!(Members::get_or_default().contains(&who), Error::NotMember);
        Ok(who)
    }

    fn dispatch_as_root(call: <T as cpc_pallet_system::Config>::RuntimeCall) -> DispatchResult {
        let result = with_transaction(|| call.dispatch(RawOrigin::Root));
        result.map(|_| ()).map_err(|e| {
            <<T as cpc_pallet_system::Config>::PalletIndex as cpc_support::PalletIndex>::resolve(
                e.error,
            )
        })
    }

    /// Schedules an approved proposal.
    fn approve(index: u32, proposal: &mut Proposal) -> DispatchResult {
        let enact_at = System::<T>::block_number().saturating_add(T::ENACTMENT_DELAY.max(1));
        Agenda::try_mutate(&enact_at, |agenda| {
            agenda
                .get_or_insert_with(BoundedVec::new)
                .try_push(index)
                .map_err(|_| Error::AgendaFull)
        })?;
        proposal.status = ProposalStatus::Approved(enact_at);
        Self::deposit_event(Event::Approved { index, enact_at });
        Ok(())
    }

    fn remove_proposal(index: u32) -> Option<Proposal> {
        let proposal = Proposals::take(&index)?;
        ProposalCalls::remove(&index);
        ActiveProposals::mutate_or_default(|n| *n = n.saturating_sub(1));
        if let ProposalStatus::Approved(at) = proposal.status {
            Agenda::mutate(&at, |agenda| {
                if let Some(agenda) = agenda {
                    agenda.retain(|i| *i != index);
                }
            });
        }
        Some(proposal)
    }

    fn set_members(members: Vec<AccountId>, threshold: u32) -> DispatchResult {
        let mut sorted = members.clone();
        sorted.sort();
        sorted.dedup();
        ensure!(sorted.len() == members.len(), Error::DuplicateMember);
        let bounded =
            BoundedVec::try_from_vec(members.clone()).map_err(|_| Error::TooManyMembers)?;
        let threshold = if threshold == 0 {
            members.len() as u32 / 2 + 1
        } else {
            threshold
        };
        ensure!(
            threshold >= 1 && threshold as usize <= members.len().max(1),
            Error::InvalidThreshold
        );
        Members::put(&bounded);
        Threshold::put(&threshold);
        // A removed member's votes go with it: a compromised member removed mid-vote must not
        // still approve (at most `MAX_PROPOSALS` proposals are open).
        let open: Vec<(u32, Proposal)> = Proposals::iter()
            .filter(|(_, p)| p.status == ProposalStatus::Voting)
            .collect();
        for (index, mut proposal) in open {
            let (ayes, nays) = (proposal.ayes.len(), proposal.nays.len());
            proposal.ayes.retain(|m| members.contains(m));
            proposal.nays.retain(|m| members.contains(m));
            if (ayes, nays) != (proposal.ayes.len(), proposal.nays.len()) {
                Proposals::insert(&index, &proposal);
            }
        }
        Self::deposit_event(Event::MembersChanged { members, threshold });
        Ok(())
    }

    fn dispatch_call(call: Call<T>, origin: RawOrigin) -> DispatchResultWithPostInfo {
        // The sudo key's own calls are free: the fee charged up front is refunded once the
        // signer is shown to hold the key. Anyone else pays for the block space the call's
        // declared weight took (it is refused after inclusion, `NotSudo`).
        let free = PostDispatchInfo {
            actual_weight: None,
            pays_fee: Pays::No,
        };
        match call {
            Call::sudo { call } => return Ok(Self::do_sudo(origin, *call).map(|()| free)?),
            Call::set_sudo_key { new } => {
                return Ok(Self::do_set_sudo_key(origin, new).map(|()| free)?);
            }
            Call::remove_sudo_key => {
                return Ok(Self::do_remove_sudo_key(origin).map(|()| free)?);
            }
            Call::propose { call } => Self::do_propose(origin, call),
            Call::vote { index, approve } => Self::do_vote(origin, index, approve),
            Call::cancel { index } => Self::do_cancel(origin, index),
            Call::close { index } => Self::do_close(origin, index),
            Call::set_members { members, threshold } => {
                Self::do_set_members(origin, members, threshold)
            }
        }?;
        Ok(Default::default())
    }

    fn do_sudo(
        origin: RawOrigin,
        call: <T as cpc_pallet_system::Config>::RuntimeCall,
    ) -> DispatchResult {
        Self::ensure_sudo(origin)?;
        let result = Self::dispatch_as_root(call);
        Self::deposit_event(Event::Sudid { result });
        Ok(())
    }

    fn do_set_sudo_key(origin: RawOrigin, new: MultiAddress) -> DispatchResult {
        let old = Self::ensure_sudo(origin)?;
        let new = new.account().ok_or(Error::BadAddress)?;
        SudoKey::put(&new);
        Self::deposit_event(Event::KeyChanged {
            old: Some(old),
            new: Some(new),
        });
        Ok(())
    }

    fn do_remove_sudo_key(origin: RawOrigin) -> DispatchResult {
        let old = Self::ensure_sudo(origin)?;
        SudoKey::kill();
        Self::deposit_event(Event::KeyChanged {
            old: Some(old),
            new: None,
        });
        Ok(())
    }

    fn do_propose(
        origin: RawOrigin,
        call: Box<<T as cpc_pallet_system::Config>::RuntimeCall>,
    ) -> DispatchResult {
        let proposer = Self::ensure_member(origin)?;
        let encoded = call.encode();
        ensure!(
            encoded.len() as u64 <= u64::from(T::MAX_PROPOSAL_SIZE),
            Error::ProposalTooLarge
        );
        ensure!(
            ActiveProposals::get_or_default() < MAX_PROPOSALS,
            Error::TooManyProposals
        );
        let index = ProposalCount::get_or_default();
        let call_hash = H256(cpc_io::hashing::blake2_256(&encoded));
        let end = System::<T>::block_number().saturating_add(T::VOTING_PERIOD);
        let mut proposal = Proposal {
            proposer,
            call_hash,
            ayes: BoundedVec::truncate_from(alloc::vec![proposer]),
            nays: BoundedVec::new(),
            end,
            status: ProposalStatus::Voting,
        };
        ProposalCount::put(&(index + 1));
        ActiveProposals::mutate_or_default(|n| *n += 1);
        ProposalCalls::insert(&index, &encoded);
        Self::deposit_event(Event::Proposed {
            index,
            proposer,
            call_hash,
            end,
        });
        if proposal.ayes.len() as u32 >= Threshold::get_or_default() {
            Self::approve(index, &mut proposal)?;
        }
        Proposals::insert(&index, &proposal);
        Ok(())
    }

    fn do_vote(origin: RawOrigin, index: u32, approve: bool) -> DispatchResult {
        let who = Self::ensure_member(origin)?;
        let mut proposal = Proposals::get(&index).ok_or(Error::ProposalMissing)?;
        ensure!(
            proposal.status == ProposalStatus::Voting,
            Error::AlreadyApproved
        );
        ensure!(
            System::<T>::block_number() <= proposal.end,
            Error::VotingClosed
        );
        let (mine, other) = if approve {
            (&mut proposal.ayes, &mut proposal.nays)
        } else {
            (&mut proposal.nays, &mut proposal.ayes)
        };
        ensure!(!mine.contains(&who), Error::DuplicateVote);
        other.retain(|m| *m != who);
        mine.try_push(who).map_err(|_| Error::TooManyMembers)?;
        // Only the current members' votes count (`set_members` also drops the others).
        let current = Members::get_or_default();
        let counted = |votes: &[AccountId]| votes.iter().filter(|m| current.contains(m)).count();
        let (ayes, nays) = (
            counted(&proposal.ayes) as u32,
            counted(&proposal.nays) as u32,
        );
        Self::deposit_event(Event::Voted {
            index,
            who,
            approve,
            ayes,
            nays,
        });
        let members = current.len() as u32;
        let threshold = Threshold::get_or_default();
        if ayes >= threshold {
            Self::approve(index, &mut proposal)?;
            Proposals::insert(&index, &proposal);
        } else if nays > members.saturating_sub(threshold) {
            Self::remove_proposal(index);
            Self::deposit_event(Event::Rejected { index });
        } else {
            Proposals::insert(&index, &proposal);
        }
        Ok(())
    }

    fn do_cancel(origin: RawOrigin, index: u32) -> DispatchResult {
        let proposal = Proposals::get(&index).ok_or(Error::ProposalMissing)?;
        match origin {
            RawOrigin::Root => {}
            origin => {
                let who = ensure_signed(origin)?;
                ensure!(who == proposal.proposer, Error::NotProposer);
                ensure!(
                    proposal.status == ProposalStatus::Voting,
                    Error::AlreadyApproved
                );
            }
        }
        Self::remove_proposal(index);
        Self::deposit_event(Event::Cancelled { index });
        Ok(())
    }

    fn do_close(origin: RawOrigin, index: u32) -> DispatchResult {
        ensure_signed(origin)?;
        let proposal = Proposals::get(&index).ok_or(Error::ProposalMissing)?;
        ensure!(
            proposal.status == ProposalStatus::Voting,
            Error::AlreadyApproved
        );
        ensure!(
            System::<T>::block_number() > proposal.end,
            Error::VotingOpen
        );
        Self::remove_proposal(index);
        Self::deposit_event(Event::Closed { index });
        Ok(())
    }

    fn do_set_members(
        origin: RawOrigin,
        members: Vec<AccountId>,
        threshold: u32,
    ) -> DispatchResult {
        ensure_root(origin)?;
        Self::set_members(members, threshold)
    }

    /// Enacts the proposals scheduled for block `n`.
    fn enact(n: BlockNumber) -> Weight {
        let Some(agenda) = Agenda::take(&n) else {
            return Weight::ZERO;
        };
        let mut weight = Weight::ZERO;
        for index in agenda.iter().copied() {
            let Some(encoded) = ProposalCalls::get(&index) else {
                continue;
            };
            Self::remove_proposal(index);
            let result = match cpc_primitives::limits::decode_bounded::<
                <T as cpc_pallet_system::Config>::RuntimeCall,
            >(&encoded, usize::MAX)
            {
                Ok(call) => {
                    weight = weight.saturating_add(call.get_dispatch_info().weight);
                    Self::dispatch_as_root(call)
                }
                // The runtime changed since the proposal: its call no longer decodes.
                Err(_) => Err(DispatchError::Other(
                    "the proposal's call no longer decodes",
                )),
            };
            Self::deposit_event(Event::Executed { index, result });
        }
        weight.saturating_add(<T as Config>::WeightInfo::enact(agenda.len() as u32))
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn on_initialize(n: BlockNumber) -> Weight {
        Self::enact(n)
    }

    fn integrity_test() {
        assert!(T::VOTING_PERIOD > 0, "the voting period must be positive");
    }

    fn try_state(_n: BlockNumber) -> Result<(), &'static str> {
        let threshold = Threshold::get_or_default();
        let members = Members::get_or_default().len() as u32;
        if members > 0 && (threshold == 0 || threshold > members) {
            return Err("the council threshold is out of range");
        }
        let mut open = 0u32;
        for (index, proposal) in Proposals::iter() {
            open += 1;
            if !ProposalCalls::contains_key(&index) {
                return Err("a proposal has no call");
            }
            if let ProposalStatus::Approved(at) = proposal.status
                && !Agenda::get_or_default(&at).contains(&index)
            {
                return Err("an approved proposal is not on the agenda");
            }
        }
        if open != ActiveProposals::get_or_default() {
            return Err("ActiveProposals does not count the proposals");
        }
        Ok(())
    }
}

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call<T>;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call<T>, origin: RawOrigin) -> DispatchResultWithPostInfo {
        Self::dispatch_call(call, origin)
    }

    fn call_info(call: &Call<T>) -> DispatchInfo {
        match call {
            Call::sudo { call } => {
                let inner = call.get_dispatch_info();
                DispatchInfo {
                    weight: inner
                        .weight
                        .saturating_add(<T as Config>::WeightInfo::sudo()),
                    class: inner.class,
                    // Refunded after dispatch when the signer holds the sudo key.
                    pays_fee: Pays::Yes,
                }
            }
            Call::propose { call } => DispatchInfo {
                weight: <T as Config>::WeightInfo::propose(call.encoded_size() as u32),
                class: DispatchClass::Operational,
                pays_fee: Pays::Yes,
            },
            Call::set_sudo_key { .. } | Call::remove_sudo_key => DispatchInfo {
                weight: <T as Config>::WeightInfo::set_sudo_key(),
                class: DispatchClass::Operational,
                // Refunded after dispatch when the signer holds the sudo key.
                pays_fee: Pays::Yes,
            },
            Call::vote { .. } | Call::cancel { .. } | Call::close { .. } => DispatchInfo {
                weight: <T as Config>::WeightInfo::vote(),
                class: DispatchClass::Operational,
                pays_fee: Pays::Yes,
            },
            Call::set_members { members, .. } => DispatchInfo {
                weight: <T as Config>::WeightInfo::set_members(members.len() as u32),
                class: DispatchClass::Operational,
                pays_fee: Pays::Yes,
            },
        }
    }

    fn build_genesis(config: &GenesisConfig) -> Result<(), String> {
        if let Some(key) = config.sudo_key {
            SudoKey::put(&key);
        }
        if !config.members.is_empty() {
            Self::set_members(config.members.clone(), config.threshold)
                .map_err(|e| alloc::format!("invalid council: {e}"))?;
        }
        Ok(())
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        alloc::vec![
            SudoKey::entry_metadata(),
            Members::entry_metadata(),
            Threshold::entry_metadata(),
            ProposalCount::entry_metadata(),
            Proposals::entry_metadata(),
            ProposalCalls::entry_metadata(),
            Agenda::entry_metadata(),
            ActiveProposals::entry_metadata(),
        ]
    }

    fn constants_metadata() -> Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![
            constant(
                "EnactmentDelay",
                &T::ENACTMENT_DELAY,
                &["Blocks between approval and enactment."]
            ),
            constant(
                "VotingPeriod",
                &T::VOTING_PERIOD,
                &["Blocks a proposal stays open for votes."]
            ),
            constant(
                "MaxProposalSize",
                &T::MAX_PROPOSAL_SIZE,
                &["The largest encoded proposal."]
            ),
        ]
    }
}
