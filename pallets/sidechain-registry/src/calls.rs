//! The pallet's calls: the `Call` enum clients encode, its dispatch, and one function per call
//! holding that call's checks and effects. Every check comes before the first write, so a
//! refused call leaves storage as it was.

use crate::{
    Anchored, ByGenesis, CommitteeKeys, CommitteeRecord, Committees, Config, Error, Event,
    FinalizedHeader, Heads, MAX_HEADERS_PER_UPDATE, MAX_PAST_COMMITTEES, MAX_SIDECHAIN_METADATA,
    NextSidechainId, Pallet, PastCommittees, Sidechain, SidechainId, Sidechains, Status,
};
use alloc::boxed::Box;
use codec::{Decode, Encode};
use cpc_consensus_primitives::{
    Certificate,
    light_client::{self, Followed},
};
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    Balance, BlockNumber, Header,
    dispatch::{DispatchResult, DispatchResultWithPostInfo},
};
use cpc_support::{
    BoundedVec, ConstU32, RawOrigin, ensure, ensure_root, ensure_signed,
    traits::{ReputationReporter, ReservableCurrency},
};
use scale_info::TypeInfo;

/// The pallet's calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Registers a sidechain, reserving `bond` from the caller.
    #[codec(index = 0)]
    register {
        /// The sidechain's genesis header: its hash binds the committee's votes.
        genesis: Header,
        /// The committee that certifies its first blocks (set id 0).
        committee: CommitteeKeys,
        /// The bond, at least `MIN_BOND`.
        #[codec(compact)]
        bond: Balance,
        /// Free-form metadata.
        metadata: BoundedVec<u8, ConstU32<MAX_SIDECHAIN_METADATA>>,
    },
    /// Anchors consecutive headers extending the last anchored one; the last carries a commit
    /// certificate of the current committee.
    #[codec(index = 1)]
    anchor {
        /// The sidechain.
        id: SidechainId,
        /// The headers, oldest first.
        headers: BoundedVec<Header, ConstU32<MAX_HEADERS_PER_UPDATE>>,
        /// The commit certificate of the last header.
        certificate: Certificate,
    },
    /// Shows two certified headers at one height: freezes the sidechain and slashes its bond.
    #[codec(index = 2)]
    report_conflict {
        /// The sidechain.
        id: SidechainId,
        /// One header with its commit certificate (boxed: encoded as the pair itself).
        first: Box<(Header, Certificate)>,
        /// Another header at the same height with its commit certificate.
        second: Box<(Header, Certificate)>,
    },
    /// Root: lets a frozen sidechain anchor again from `head` with a new committee.
    #[codec(index = 3)]
    unfreeze {
        /// The sidechain.
        id: SidechainId,
        /// The committee certifying the headers after `head`.
        committee: CommitteeKeys,
        /// Its set id on the sidechain (the next hand-off must carry this plus one).
        set_id: u64,
        /// The header anchoring resumes from.
        head: FinalizedHeader,
    },
    /// The registrant or root: stops anchoring; the bond is released after a delay.
    #[codec(index = 4)]
    deregister {
        /// The sidechain.
        id: SidechainId,
    },
    /// Returns a retired sidechain's bond to its registrant and removes its records.
    #[codec(index = 5)]
    withdraw_bond {
        /// The sidechain.
        id: SidechainId,
    },
}

impl<T: Config> Pallet<T> {
    pub(crate) fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::register {
                genesis,
                committee,
                bond,
                metadata,
            } => Self::do_register(origin, genesis, committee, bond, metadata),
            Call::anchor {
                id,
                headers,
                certificate,
            } => Self::do_anchor(origin, id, headers.into_inner(), certificate),
            Call::report_conflict { id, first, second } => {
                Self::do_report_conflict(origin, id, *first, *second)
            }
            Call::unfreeze {
                id,
                committee,
                set_id,
                head,
            } => Self::do_unfreeze(origin, id, committee, set_id, head),
            Call::deregister { id } => Self::do_deregister(origin, id),
            Call::withdraw_bond { id } => Self::do_withdraw_bond(origin, id),
        }?;
        Ok(Default::default())
    }

    fn do_register(
        origin: RawOrigin,
        genesis: Header,
        committee: CommitteeKeys,
        bond: Balance,
        metadata: BoundedVec<u8, ConstU32<MAX_SIDECHAIN_METADATA>>,
    ) -> DispatchResult {
        let who = ensure_signed(origin)?;
        ensure!(genesis.number == 0, Error::NotGenesis);
        let head = FinalizedHeader::of(&genesis);
        ensure!(
            !ByGenesis::contains_key(&head.hash),
            Error::AlreadyRegistered
        );
        ensure!(
            light_client::is_usable_committee(&committee),
            Error::BadCommittee
        );
        ensure!(bond >= T::MIN_BOND, Error::BondTooLow);
        let id = NextSidechainId::get_or_default();
        let next = id.checked_add(1).ok_or(Error::TooManySidechains)?;
        T::Currency::reserve(&who, bond).map_err(|_| Error::InsufficientBalance)?;
        NextSidechainId::put(&next);
        ByGenesis::insert(&head.hash, &id);
        Sidechains::insert(
            &id,
            &Sidechain {
                registrant: who,
                genesis: head.hash,
                bond,
                status: Status::Active,
                registered_at: System::<T>::block_number(),
                metadata,
            },
        );
        Heads::insert(&id, &head);
        Anchored::insert(&id, &0, &head);
        Committees::insert(
            &id,
            &CommitteeRecord {
                set_id: 0,
                from: 1,
                members: committee,
            },
        );
        Self::deposit_event(Event::Registered {
            id,
            registrant: who,
            genesis: head.hash,
            bond,
        });
        Ok(())
    }

    fn do_anchor(
        origin: RawOrigin,
        id: SidechainId,
        headers: alloc::vec::Vec<Header>,
        certificate: Certificate,
    ) -> DispatchResult {
        let relayer = ensure_signed(origin)?;
        let sidechain = Sidechains::get(&id).ok_or(Error::UnknownSidechain)?;
        ensure!(sidechain.status == Status::Active, Error::NotActive);
        let head = Heads::get(&id).ok_or(Error::UnknownSidechain)?;
        let committee = Committees::get(&id).ok_or(Error::UnknownSidechain)?;
        let followed = Followed {
            chain: sidechain.genesis,
            set_id: committee.set_id,
            committee: &committee.members[..],
            head,
        };
        let extension = light_client::verify_extension(
            &followed,
            &headers,
            &certificate,
            MAX_HEADERS_PER_UPDATE as usize,
        )
        .map_err(Error::from)?;
        for header in &extension.headers {
            Anchored::insert(&id, &header.number, header);
            if let Some(old) = header.number.checked_sub(T::ANCHOR_HISTORY) {
                Anchored::remove(&id, &old);
            }
        }
        let new_head = extension.head();
        Heads::insert(&id, &new_head);
        if let Some(change) = extension.hand_off {
            // `verify_extension` checked the committee is usable, so it fits.
            let members =
                BoundedVec::try_from_vec(change.validators).map_err(|_| Error::BadCommittee)?;
            Self::replace_committee(
                id,
                committee,
                CommitteeRecord {
                    set_id: change.set_id,
                    from: new_head.number.saturating_add(1),
                    members,
                },
            );
        }
        T::Reputation::note_data_contribution(
            &sidechain.registrant,
            (extension.headers.len() as Balance).saturating_mul(T::ANCHORED_HEADER_VALUE),
        );
        Self::deposit_event(Event::Anchored {
            id,
            number: new_head.number,
            hash: new_head.hash,
            state_root: new_head.state_root,
            headers: extension.headers.len() as u32,
            relayer,
        });
        Ok(())
    }

    /// Installs `next` as `id`'s committee, keeping `current` among the past ones.
    fn replace_committee(id: SidechainId, current: CommitteeRecord, next: CommitteeRecord) {
        let mut past = PastCommittees::get_or_default(&id).into_inner();
        if past.len() >= MAX_PAST_COMMITTEES as usize {
            past.remove(0);
        }
        past.push(current);
        PastCommittees::insert(&id, &BoundedVec::truncate_from(past));
        Self::deposit_event(Event::CommitteeHandedOff {
            id,
            set_id: next.set_id,
            from: next.from,
            members: next.members.len() as u32,
        });
        Committees::insert(&id, &next);
    }

    /// The committee that certified (or certifies) `id`'s height `height`, if still known.
    pub(crate) fn committee_at(id: SidechainId, height: BlockNumber) -> Option<CommitteeRecord> {
        let current = Committees::get(&id)?;
        if height >= current.from {
            return Some(current);
        }
        PastCommittees::get_or_default(&id)
            .iter()
            .rev()
            .find(|record| record.from <= height)
            .cloned()
    }

    fn do_report_conflict(
        origin: RawOrigin,
        id: SidechainId,
        first: (Header, Certificate),
        second: (Header, Certificate),
    ) -> DispatchResult {
        let reporter = ensure_signed(origin)?;
        let mut sidechain = Sidechains::get(&id).ok_or(Error::UnknownSidechain)?;
        // A retiring sidechain's bond is still at stake: deregistering does not escape a
        // report.
        ensure!(
            !matches!(sidechain.status, Status::Frozen { .. }),
            Error::AlreadyFrozen
        );
        let height = first.0.number;
        let committee = Self::committee_at(id, height).ok_or(Error::UnknownCommittee)?;
        light_client::verify_conflict(
            &sidechain.genesis,
            &committee.members[..],
            (&first.0, &first.1),
            (&second.0, &second.1),
        )
        .map_err(|e| match e {
            light_client::ExtensionError::NotExtending => Error::NotAConflict,
            other => Error::from(other),
        })?;
        let now = System::<T>::block_number();
        sidechain.status = Status::Frozen { height, at: now };
        let bond = core::mem::take(&mut sidechain.bond);
        let to_reporter = bond / 2;
        let mut slashed = 0;
        for (to, amount) in [(reporter, to_reporter), (T::treasury(), bond - to_reporter)] {
            // A recipient that cannot be created (below the existential deposit) does not save
            // the bond: that share is burned instead.
            slashed += match T::Currency::repatriate_reserved(&sidechain.registrant, &to, amount) {
                Ok(moved) => moved,
                Err(_) => T::Currency::slash_reserved(&sidechain.registrant, amount),
            };
        }
        Sidechains::insert(&id, &sidechain);
        Self::deposit_event(Event::Frozen {
            id,
            height,
            reporter,
            slashed,
        });
        Ok(())
    }

    fn do_unfreeze(
        origin: RawOrigin,
        id: SidechainId,
        committee: CommitteeKeys,
        set_id: u64,
        head: FinalizedHeader,
    ) -> DispatchResult {
        ensure_root(origin)?;
        let mut sidechain = Sidechains::get(&id).ok_or(Error::UnknownSidechain)?;
        ensure!(
            matches!(sidechain.status, Status::Frozen { .. }),
            Error::NotFrozen
        );
        ensure!(
            light_client::is_usable_committee(&committee),
            Error::BadCommittee
        );
        sidechain.status = Status::Active;
        Sidechains::insert(&id, &sidechain);
        // The kept headers and committees may be of the abandoned fork: history starts again
        // at `head`, as at registration.
        Anchored::clear_prefix(&id, Some(T::ANCHOR_HISTORY.saturating_add(1)));
        Anchored::insert(&id, &head.number, &head);
        Heads::insert(&id, &head);
        PastCommittees::remove(&id);
        Committees::insert(
            &id,
            &CommitteeRecord {
                set_id,
                from: head.number.saturating_add(1),
                members: committee,
            },
        );
        Self::deposit_event(Event::Unfrozen {
            id,
            number: head.number,
            hash: head.hash,
        });
        Ok(())
    }

    fn do_deregister(origin: RawOrigin, id: SidechainId) -> DispatchResult {
        let caller = match origin {
            RawOrigin::Root => None,
            other => Some(ensure_signed(other)?),
        };
        let mut sidechain = Sidechains::get(&id).ok_or(Error::UnknownSidechain)?;
        ensure!(
            caller.is_none_or(|who| who == sidechain.registrant),
            Error::NotRegistrant
        );
        ensure!(
            !matches!(sidechain.status, Status::Retiring { .. }),
            Error::NotActive
        );
        // A frozen sidechain's conflict height is what cross-chain exits are proven below;
        // retiring would erase it. Root unfreezes (or holders exit) first.
        ensure!(
            !matches!(sidechain.status, Status::Frozen { .. }),
            Error::FrozenCannotRetire
        );
        let release_at = System::<T>::block_number().saturating_add(T::DEREGISTRATION_DELAY);
        sidechain.status = Status::Retiring { release_at };
        Sidechains::insert(&id, &sidechain);
        Self::deposit_event(Event::Deregistered { id, release_at });
        Ok(())
    }

    fn do_withdraw_bond(origin: RawOrigin, id: SidechainId) -> DispatchResult {
        ensure_signed(origin)?;
        let sidechain = Sidechains::get(&id).ok_or(Error::UnknownSidechain)?;
        let Status::Retiring { release_at } = sidechain.status else {
            return Err(Error::NotRetiring.into());
        };
        ensure!(System::<T>::block_number() >= release_at, Error::BondLocked);
        let left = T::Currency::unreserve(&sidechain.registrant, sidechain.bond);
        Sidechains::remove(&id);
        ByGenesis::remove(&sidechain.genesis);
        Heads::remove(&id);
        Committees::remove(&id);
        PastCommittees::remove(&id);
        Anchored::clear_prefix(&id, Some(T::ANCHOR_HISTORY.saturating_add(1)));
        Self::deposit_event(Event::BondWithdrawn {
            id,
            registrant: sidechain.registrant,
            amount: sidechain.bond - left,
        });
        Ok(())
    }
}
