//! The pallet's calls: the `Call` enum clients encode, its dispatch, and one function per call.
//! Every check comes before the first write, so a refused call leaves storage as it was.

use crate::{
    BlockReadings, Config, Device, DeviceByKey, DeviceId, Devices, Error, Event, MAX_BATCH,
    MAX_DEVICE_METADATA, NextDeviceId, Pallet, PendingLeaves, SequenceState, Sequences,
    SignedReading, WeightInfo, registration_payload,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    dispatch::{DispatchResult, DispatchResultWithPostInfo, Pays, PostDispatchInfo},
    sr25519::{Public, Signature},
};
use cpc_support::{
    BoundedVec, ConstU32, RawOrigin, ensure, ensure_signed, traits::ReservableCurrency,
};
use scale_info::TypeInfo;

/// The pallet's calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Registers a device for the caller, reserving the deposit.
    #[codec(index = 0)]
    register_device {
        /// The device's key.
        key: Public,
        /// Free-form metadata.
        metadata: BoundedVec<u8, ConstU32<MAX_DEVICE_METADATA>>,
        /// The device key's signature on `registration_payload(chain, caller)`.
        proof: Signature,
    },
    /// Revokes one of the caller's devices and returns its deposit.
    #[codec(index = 1)]
    revoke_device {
        /// The device.
        device: DeviceId,
    },
    /// Submits device-signed readings; the caller (a gateway) pays.
    #[codec(index = 2)]
    submit_readings {
        /// The readings, in the order they are committed.
        readings: BoundedVec<SignedReading, ConstU32<MAX_BATCH>>,
    },
}

impl<T: Config> Pallet<T> {
    pub(crate) fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::register_device {
                key,
                metadata,
                proof,
            } => Self::do_register_device(origin, key, metadata, proof),
            Call::revoke_device { device } => Self::do_revoke_device(origin, device),
            Call::submit_readings { readings } => {
                return Self::do_submit_readings(origin, readings.into_inner());
            }
        }?;
        Ok(Default::default())
    }

    fn do_register_device(
        origin: RawOrigin,
        key: Public,
        metadata: BoundedVec<u8, ConstU32<MAX_DEVICE_METADATA>>,
        proof: Signature,
    ) -> DispatchResult {
        let owner = ensure_signed(origin)?;
        ensure!(!DeviceByKey::contains_key(&key), Error::KeyInUse);
        ensure!(
            cpc_io::crypto::sr25519_verify(
                &proof,
                &registration_payload(&T::chain_id(), &owner),
                &key
            ),
            Error::BadRegistrationProof
        );
        let id = NextDeviceId::get_or_default();
        let next = id.checked_add(1).ok_or(Error::TooManyDevices)?;
        T::Currency::reserve(&owner, T::DEVICE_DEPOSIT).map_err(|_| Error::InsufficientBalance)?;
        NextDeviceId::put(&next);
        DeviceByKey::insert(&key, &id);
        Sequences::insert(
            &id,
            &SequenceState {
                key,
                last: None,
                written_at: System::<T>::block_number(),
            },
        );
        Devices::insert(
            &id,
            &Device {
                owner,
                key,
                metadata,
                deposit: T::DEVICE_DEPOSIT,
                registered_at: System::<T>::block_number(),
            },
        );
        Self::deposit_event(Event::DeviceRegistered {
            device: id,
            owner,
            key,
        });
        Ok(())
    }

    fn do_revoke_device(origin: RawOrigin, id: DeviceId) -> DispatchResult {
        let who = ensure_signed(origin)?;
        let device = Devices::get(&id).ok_or(Error::UnknownDevice)?;
        ensure!(device.owner == who, Error::NotOwner);
        T::Currency::unreserve(&who, device.deposit);
        Devices::remove(&id);
        DeviceByKey::remove(&device.key);
        Sequences::remove(&id);
        Self::deposit_event(Event::DeviceRevoked { device: id });
        Ok(())
    }

    /// Accepts a batch whole or not at all. The declared weight assumes every device's entry
    /// is read and written for the first time in the block; the weight reported back charges
    /// storage only for the devices this block had not written yet (the others are in the
    /// block's overlay), so a block holds readings from a busy fleet by their real cost.
    fn do_submit_readings(
        origin: RawOrigin,
        readings: Vec<SignedReading>,
    ) -> DispatchResultWithPostInfo {
        let gateway = ensure_signed(origin)?;
        ensure!(!readings.is_empty(), Error::EmptyBatch);
        let before = BlockReadings::get_or_default();
        let count = readings.len() as u32;
        let after = before
            .checked_add(count)
            .filter(|n| *n <= T::MAX_READINGS_PER_BLOCK)
            .ok_or(Error::BlockFull)?;
        let latest = cpc_pallet_timestamp::Pallet::<T>::now().saturating_add(T::MAX_FUTURE_DRIFT);
        let now = System::<T>::block_number();
        // Each device's state is read once, however many of its readings the batch holds.
        let mut states: alloc::collections::BTreeMap<DeviceId, SequenceState> = Default::default();
        // Devices whose entry this block had not written before this batch.
        let mut fresh = 0u32;
        let chain = T::chain_id();
        let mut items = Vec::with_capacity(readings.len());
        for signed in &readings {
            let reading = &signed.reading;
            ensure!(reading.timestamp <= latest, Error::FutureReading);
            let state = match states.entry(reading.device) {
                alloc::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                alloc::collections::btree_map::Entry::Vacant(e) => {
                    let state = Sequences::get(&reading.device).ok_or(Error::UnknownDevice)?;
                    if state.written_at != now {
                        fresh += 1;
                    }
                    e.insert(state)
                }
            };
            ensure!(
                state.last.is_none_or(|last| reading.seq > last),
                Error::StaleSequence
            );
            state.last = Some(reading.seq);
            state.written_at = now;
            items.push((signed.signature, reading.signing_payload(&chain), state.key));
        }
        ensure!(
            cpc_io::crypto::sr25519_batch_verify(&items),
            Error::BadSignature
        );
        for (device, state) in &states {
            Sequences::insert(device, state);
        }
        for signed in &readings {
            PendingLeaves::append(&signed.leaf());
        }
        BlockReadings::put(&after);
        Self::deposit_event(Event::ReadingsAccepted {
            gateway,
            first: before,
            count,
        });
        let bytes: usize = readings.iter().map(|r| r.reading.payload.len()).sum();
        Ok(PostDispatchInfo {
            actual_weight: Some(<T as Config>::WeightInfo::submit_readings(
                count,
                bytes as u32,
                fresh,
            )),
            pays_fee: Pays::Yes,
        })
    }
}
