//! The pallet's calls: the `Call` enum clients encode, its dispatch, and one function per call.
//! Every check comes before the first write, so a refused call leaves storage as it was.

use crate::{
    Checkpoint, Committee, CommitteeRecord, Config, Error, Event, Halted, Head, Headers,
    MAX_HEADERS_PER_UPDATE, MainGenesis, Pallet,
};
use alloc::{boxed::Box, vec::Vec};
use codec::{Decode, Encode};
use cpc_consensus_primitives::{
    Certificate,
    light_client::{self, ExtensionError, Followed},
};
use cpc_primitives::{
    H256, Header,
    dispatch::{DispatchResult, DispatchResultWithPostInfo},
};
use cpc_support::{BoundedVec, ConstU32, RawOrigin, ensure, ensure_root, ensure_signed};
use scale_info::TypeInfo;

/// The pallet's calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Tracks consecutive main-chain headers extending the tracked head; the last carries a
    /// commit certificate of the main chain's current committee.
    #[codec(index = 0)]
    track {
        /// The headers, oldest first.
        headers: BoundedVec<Header, ConstU32<MAX_HEADERS_PER_UPDATE>>,
        /// The commit certificate of the last header.
        certificate: Certificate,
    },
    /// Shows two certified main-chain headers at one height: halts tracking.
    #[codec(index = 1)]
    report_conflict {
        /// One header with its commit certificate (boxed: encoded as the pair itself).
        first: Box<(Header, Certificate)>,
        /// Another header at the same height with its commit certificate.
        second: Box<(Header, Certificate)>,
    },
    /// Root: tracks from `checkpoint` of the main chain `main_genesis` on (a first start, or
    /// after a halt).
    #[codec(index = 2)]
    reset {
        /// The main chain's genesis hash.
        main_genesis: H256,
        /// Where tracking goes on from.
        checkpoint: Checkpoint,
    },
}

impl<T: Config> Pallet<T> {
    pub(crate) fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::track {
                headers,
                certificate,
            } => Self::do_track(origin, headers.into_inner(), certificate),
            Call::report_conflict { first, second } => {
                Self::do_report_conflict(origin, *first, *second)
            }
            Call::reset {
                main_genesis,
                checkpoint,
            } => Self::do_reset(origin, main_genesis, checkpoint),
        }?;
        Ok(Default::default())
    }

    fn do_track(
        origin: RawOrigin,
        headers: Vec<Header>,
        certificate: Certificate,
    ) -> DispatchResult {
        ensure_signed(origin)?;
        ensure!(!Halted::exists(), Error::Halted);
        let (genesis, head, committee) = Self::tracked().ok_or(Error::NotStarted)?;
        let followed = Followed {
            chain: genesis,
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
            Headers::insert(&header.number, header);
            if let Some(old) = header.number.checked_sub(T::HEADER_HISTORY) {
                Headers::remove(&old);
            }
        }
        let new_head = extension.head();
        Head::put(&new_head);
        if let Some(change) = extension.hand_off {
            let members =
                BoundedVec::try_from_vec(change.validators).map_err(|_| Error::BadCommittee)?;
            let from = new_head.number.saturating_add(1);
            Committee::put(&CommitteeRecord {
                set_id: change.set_id,
                from,
                members,
            });
            Self::deposit_event(Event::CommitteeHandedOff {
                set_id: change.set_id,
                from,
            });
        }
        Self::deposit_event(Event::Tracked {
            number: new_head.number,
            hash: new_head.hash,
            state_root: new_head.state_root,
            headers: extension.headers.len() as u32,
        });
        Ok(())
    }

    fn do_report_conflict(
        origin: RawOrigin,
        first: (Header, Certificate),
        second: (Header, Certificate),
    ) -> DispatchResult {
        let reporter = ensure_signed(origin)?;
        ensure!(!Halted::exists(), Error::Halted);
        let genesis = MainGenesis::get().ok_or(Error::NotStarted)?;
        let committee = Committee::get().ok_or(Error::NotStarted)?;
        // Only the current committee's keys are kept: a conflict is judged at heights it
        // certifies.
        let height = first.0.number;
        ensure!(height >= committee.from, Error::NotAConflict);
        light_client::verify_conflict(
            &genesis,
            &committee.members[..],
            (&first.0, &first.1),
            (&second.0, &second.1),
        )
        .map_err(|e| match e {
            ExtensionError::NotExtending => Error::NotAConflict,
            other => Error::from(other),
        })?;
        Halted::put(&height);
        Self::deposit_event(Event::Halted { height, reporter });
        Ok(())
    }

    fn do_reset(origin: RawOrigin, genesis: H256, checkpoint: Checkpoint) -> DispatchResult {
        ensure_root(origin)?;
        Self::install(genesis, &checkpoint)?;
        Self::deposit_event(Event::Reset {
            number: checkpoint.number,
            hash: checkpoint.hash,
        });
        Ok(())
    }
}
