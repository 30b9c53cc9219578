//! # IoT-devices pallet (sidechain)
//!
//! Devices measure; gateways carry their readings to the chain; the chain accepts each signed
//! reading once and commits to every block's readings so any of them can be proven later
//! against a state root anchored on the main chain ([docs/sidechains.md](../../../docs/sidechains.md)).
//!
//! - **Devices** (`register_device`, `revoke_device`): an owner registers a device's own
//!   sr25519 key (the key signs that it agrees, so nobody registers a key it does not hold)
//!   with bounded metadata, reserving `Config::DEVICE_DEPOSIT`; the owner revokes it, which
//!   removes it and returns the deposit. A key is registered once.
//! - **Readings** (`submit_readings`, paid by the gateway): a batch of at most
//!   [`MAX_BATCH`] readings, each `(device, seq, timestamp, payload)` signed by the device.
//!   All signatures are checked in one host batch verification; each device's sequence
//!   numbers must strictly increase (a replay or a reordering is refused); timestamps may not
//!   be more than `Config::MAX_FUTURE_DRIFT` ahead of the block's; a block takes at most
//!   `Config::MAX_READINGS_PER_BLOCK`. A batch is accepted or refused whole.
//! - **Commitment**: `on_finalize` stores the block's [`ReadingsRoot`] (the ordered trie root
//!   of its reading leaves, and their count) under `ReadingRoots[block]`. Readings themselves
//!   are not stored: they stay in the block body, which the node indexes and may prune after
//!   a retention period; the roots stay, so a reading remains provable
//!   ([`cpc_sidechain_primitives::iot::verify_reading_proof`]).
//!
//! State that lasts: one `(key, last seq)` entry and one record per registered device, one
//! root per block that held readings. The leaves of the current block live in the block's
//! overlay only (`PendingLeaves`, removed in `on_finalize`).
//!
//! Invariants (checked by `try_state`): every device's key maps back to it, its deposit is
//! covered by its owner's reserve, and no leaves are pending between blocks.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod calls;
mod hooks;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use core::marker::PhantomData;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, Balance, BlockNumber, H256, Moment,
    dispatch::{DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Pays},
    sr25519::Public,
};
use cpc_support::{
    PalletDef, RawOrigin,
    metadata::{StorageEntry, constant},
    traits::ReservableCurrency,
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use calls::Call;
pub use cpc_sidechain_primitives::iot::{
    Device, DeviceId, IotDevicesApi, MAX_BATCH, MAX_DEVICE_METADATA, MAX_DEVICES_QUERY,
    MAX_PAYLOAD, Reading, ReadingsRoot, SignedReading, iot_devices_api, registration_payload,
};
pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "IotDevices";

/// Configuration.
pub trait Config:
    cpc_pallet_system::Config<RuntimeEvent: From<Event>> + cpc_pallet_timestamp::Config
{
    /// Where device deposits are reserved.
    type Currency: ReservableCurrency;
    /// Weights.
    type WeightInfo: WeightInfo;
    /// The deposit a device registration reserves.
    const DEVICE_DEPOSIT: Balance;
    /// Most readings one block accepts.
    const MAX_READINGS_PER_BLOCK: u32;
    /// How far a reading's timestamp may be ahead of the block's, in milliseconds.
    const MAX_FUTURE_DRIFT: Moment;
    /// The chain's genesis hash, which device signatures are bound to.
    fn chain_id() -> H256;
}

cpc_support::storage! {
    pallet "IotDevices";
    /// Registered devices.
    pub Devices: map Twox64Concat DeviceId => Device;
    /// The id the next registration gets.
    pub NextDeviceId: value DeviceId = default;
    /// Which device a key belongs to.
    pub DeviceByKey: map Blake2_128Concat Public => DeviceId;
    /// Each device's key and the last sequence number accepted from it: what every reading
    /// reads and writes, kept apart from the device record so a batch touches 45 bytes each.
    pub Sequences: map Twox64Concat DeviceId => SequenceState;
    /// Each block's readings root and count, for blocks that held readings.
    pub ReadingRoots: map Twox64Concat BlockNumber => ReadingsRoot;
    /// The current block's reading leaves, in order (removed in `on_finalize`).
    pub PendingLeaves: value Vec<H256> = default;
    /// How many readings the current block holds so far (removed in `on_finalize`).
    pub BlockReadings: value u32 = default;
}

/// A device's replay state: its key and the last sequence number accepted from it.
///
/// `written_at` is what makes a busy device cheap: a block writes a device's entry at most
/// once to the trie however many of its readings it holds, and a batch that finds the entry
/// already written in the current block is charged no storage access for it (the read and
/// the write hit the block's overlay); see [`WeightInfo::submit_readings`].
///
/// Entries written before `written_at` existed (`(Public, Option<u64>)`, 33 or 41 bytes)
/// still decode, as written at block 0, and take the new layout the next time they are
/// written: the change needs no migration pass over every device.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, TypeInfo)]
pub struct SequenceState {
    /// The device's key, which signs its readings.
    pub key: Public,
    /// The last sequence number accepted, if any.
    pub last: Option<u64>,
    /// The block that last wrote this entry.
    pub written_at: BlockNumber,
}

impl Decode for SequenceState {
    fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
        let key = Public::decode(input)?;
        let last = Option::<u64>::decode(input)?;
        // The layout before `written_at` ends here; a stream of unknown length is read as the
        // current layout.
        let written_at = match input.remaining_len()? {
            Some(0) => 0,
            _ => BlockNumber::decode(input)?,
        };
        Ok(Self {
            key,
            last,
            written_at,
        })
    }
}

/// The pallet's events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A device was registered.
    DeviceRegistered {
        /// Its id.
        device: DeviceId,
        /// Its owner.
        owner: AccountId,
        /// Its key.
        key: Public,
    },
    /// A device was revoked by its owner; its deposit was returned.
    DeviceRevoked {
        /// The device.
        device: DeviceId,
    },
    /// A gateway's batch of readings was accepted.
    ReadingsAccepted {
        /// The gateway that submitted them.
        gateway: AccountId,
        /// The position of the batch's first reading among the block's readings.
        first: u32,
        /// How many.
        count: u32,
    },
}

/// Why a call is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// No device has this id (never registered, or revoked).
    UnknownDevice,
    /// Only the device's owner may do this.
    NotOwner,
    /// This key is registered already.
    KeyInUse,
    /// The device key's registration signature does not verify.
    BadRegistrationProof,
    /// The owner's free balance cannot cover the deposit.
    InsufficientBalance,
    /// No more device ids.
    TooManyDevices,
    /// The batch holds no reading.
    EmptyBatch,
    /// A reading's sequence number is not above the last one accepted from its device (a
    /// replay, or readings out of order).
    StaleSequence,
    /// A reading's timestamp is too far ahead of the block's.
    FutureReading,
    /// A device signature in the batch does not verify.
    BadSignature,
    /// The block holds as many readings as it may.
    BlockFull,
}

cpc_support::pallet_error!(Error, PALLET);

/// Genesis configuration: nothing; devices register on a running chain.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisConfig {}

/// The IoT-devices pallet.
pub struct Pallet<T>(PhantomData<T>);

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }

    /// Devices from id `start` on, by id, at most `limit` (capped at `MAX_DEVICES_QUERY`).
    pub fn devices(start: DeviceId, limit: u32) -> Vec<(DeviceId, Device)> {
        let end = NextDeviceId::get_or_default();
        let limit = limit.min(MAX_DEVICES_QUERY) as usize;
        // Revoked ids leave gaps; scan at most a bounded number of them.
        (start..end)
            .take(limit.saturating_mul(8))
            .filter_map(|id| Some((id, Devices::get(&id)?)))
            .take(limit)
            .collect()
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
        let weight = match call {
            Call::register_device { metadata, .. } => {
                <T as Config>::WeightInfo::register_device(metadata.len() as u32)
            }
            Call::revoke_device { .. } => <T as Config>::WeightInfo::revoke_device(),
            Call::submit_readings { readings } => {
                let bytes: usize = readings.iter().map(|r| r.reading.payload.len()).sum();
                let n = readings.len() as u32;
                <T as Config>::WeightInfo::submit_readings(n, bytes as u32, n)
            }
        };
        DispatchInfo {
            weight,
            class: DispatchClass::Normal,
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(_config: &GenesisConfig) -> Result<(), String> {
        Ok(())
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        alloc::vec![
            Devices::entry_metadata(),
            NextDeviceId::entry_metadata(),
            DeviceByKey::entry_metadata(),
            Sequences::entry_metadata(),
            ReadingRoots::entry_metadata(),
            PendingLeaves::entry_metadata(),
            BlockReadings::entry_metadata(),
        ]
    }

    fn constants_metadata() -> Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![
            constant(
                "DeviceDeposit",
                &T::DEVICE_DEPOSIT,
                &["The deposit a device registration reserves."]
            ),
            constant(
                "MaxReadingsPerBlock",
                &T::MAX_READINGS_PER_BLOCK,
                &["Most readings one block accepts."]
            ),
            constant(
                "MaxBatch",
                &MAX_BATCH,
                &["Most readings one submit_readings carries."]
            ),
            constant(
                "MaxPayload",
                &MAX_PAYLOAD,
                &["Longest reading payload, in bytes."]
            ),
        ]
    }
}
