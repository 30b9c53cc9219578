//! IoT devices and their readings: what a device signs, what a gateway submits, how each
//! block commits to its readings, and how anyone checks a reading against a sidechain state
//! root with a proof.
//!
//! Each block's readings are committed as the ordered trie (the extrinsics root's layout) of
//! their leaves, `blake2_256(SCALE(SignedReading))`, in submission order; the root and the
//! count are stored under `IotDevices.ReadingRoots[block]`, which stays in state when the node
//! prunes the readings themselves. A [`ReadingProof`] is therefore two trie proofs: the
//! storage proof of that entry against a sidechain state root (any later block's: roots are
//! never removed), and the proof of the reading's leaf at its index against the readings root.

use alloc::vec::Vec;
use codec::{Compact, Decode, Encode, MaxEncodedLen};
use cpc_primitives::{
    AccountId, Balance, BlockNumber, H256, Moment,
    hashing::blake2_256,
    sr25519::{Public, Signature},
};
use cpc_support::{BoundedVec, ConstU32};
use cpc_trie::{ProofError, StorageProof, verify_read_proof};
use scale_info::TypeInfo;

/// A device's number on its sidechain, given at registration.
pub type DeviceId = u32;

/// Longest reading payload, in bytes.
pub const MAX_PAYLOAD: u32 = 256;
/// Longest device metadata, in bytes.
pub const MAX_DEVICE_METADATA: u32 = 128;
/// Most readings one `submit_readings` carries.
pub const MAX_BATCH: u32 = 512;
/// Most devices one `devices` query returns.
pub const MAX_DEVICES_QUERY: u32 = 100;

/// A registered device.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Device {
    /// Who registered it (and may revoke it); its deposit is reserved from this account.
    pub owner: AccountId,
    /// The device's own key: it signs every reading.
    pub key: Public,
    /// Free-form metadata (model, location), UTF-8 by convention.
    pub metadata: BoundedVec<u8, ConstU32<MAX_DEVICE_METADATA>>,
    /// The deposit reserved from the owner.
    pub deposit: Balance,
    /// The block it was registered in.
    pub registered_at: BlockNumber,
}

/// One measurement, as the device signs it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Reading {
    /// The device.
    pub device: DeviceId,
    /// Its sequence number: strictly increasing per device, so a reading is accepted once.
    pub seq: u64,
    /// When it was measured, in milliseconds since the Unix epoch (the device's clock).
    pub timestamp: Moment,
    /// The measurement.
    pub payload: BoundedVec<u8, ConstU32<MAX_PAYLOAD>>,
}

impl Reading {
    /// The bytes the device signs on chain `chain` (its genesis hash): bound to the chain, so a
    /// reading never counts on another sidechain the device is registered on.
    pub fn signing_payload(&self, chain: &H256) -> Vec<u8> {
        (b"cpc/iot/reading", chain, self).encode()
    }
}

/// A reading with its device's signature: what gateways submit and blocks commit to.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct SignedReading {
    /// The reading.
    pub reading: Reading,
    /// The device key's signature on [`Reading::signing_payload`].
    pub signature: Signature,
}

impl SignedReading {
    /// The leaf a block's readings root commits to.
    pub fn leaf(&self) -> H256 {
        H256(blake2_256(&self.encode()))
    }
}

/// What a device key signs to prove its holder registers it for `owner`.
pub fn registration_payload(chain: &H256, owner: &AccountId) -> Vec<u8> {
    (b"cpc/iot/register", chain, owner).encode()
}

/// A block's commitment to its readings.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ReadingsRoot {
    /// The ordered trie root of the block's reading leaves.
    pub root: H256,
    /// How many readings the block holds.
    pub count: u32,
}

/// The storage key of block `block`'s [`ReadingsRoot`] (`IotDevices.ReadingRoots`, a
/// `Twox64Concat` map).
pub fn readings_root_key(block: BlockNumber) -> Vec<u8> {
    let mut key = cpc_primitives::storage::storage_prefix("IotDevices", "ReadingRoots").to_vec();
    let encoded = block.encode();
    key.extend_from_slice(&cpc_primitives::hashing::twox_64(&encoded));
    key.extend_from_slice(&encoded);
    key
}

/// A reading with what proves it against a sidechain state root.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ReadingProof {
    /// The reading.
    pub reading: SignedReading,
    /// The block that holds it.
    pub block: BlockNumber,
    /// Its position among the block's readings.
    pub index: u32,
    /// The block whose state root `state_proof` is against (the block itself or a later one,
    /// such as the last anchored on the main chain).
    pub at: BlockNumber,
    /// Storage proof of `IotDevices.ReadingRoots[block]` against the state root of `at`.
    pub state_proof: StorageProof,
    /// Proof of the reading's leaf at `index` in the block's readings trie.
    pub readings_proof: StorageProof,
}

/// Why a reading proof is refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ReadingProofError {
    /// The state proof does not hold the block's readings root (incomplete, altered, or the
    /// entry is proven absent).
    NoRoot,
    /// The index is past the block's reading count.
    OutOfRange,
    /// The readings proof does not prove this reading's leaf at its index.
    NotInBlock,
    /// A proof is malformed or too large.
    Proof(ProofError),
}

impl core::fmt::Display for ReadingProofError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoRoot => f.write_str("the state proof does not hold the block's readings root"),
            Self::OutOfRange => f.write_str("the index is past the block's readings"),
            Self::NotInBlock => f.write_str("the reading is not at its index in the block"),
            Self::Proof(e) => write!(f, "a malformed proof: {e:?}"),
        }
    }
}

/// Checks `proof` against the sidechain state root `state_root` (of block `proof.at`): the
/// readings root of `proof.block` is in that state, and the reading is at `proof.index` under
/// it. Signatures are not checked here: the chain checked them when it accepted the reading.
pub fn verify_reading_proof(
    state_root: &H256,
    proof: &ReadingProof,
) -> Result<ReadingsRoot, ReadingProofError> {
    let key = readings_root_key(proof.block);
    let values = verify_read_proof(state_root, &proof.state_proof, [key.as_slice()])
        .map_err(|_| ReadingProofError::NoRoot)?;
    let root = values
        .get(&key)
        .cloned()
        .flatten()
        .and_then(|raw| ReadingsRoot::decode(&mut &raw[..]).ok())
        .ok_or(ReadingProofError::NoRoot)?;
    if proof.index >= root.count {
        return Err(ReadingProofError::OutOfRange);
    }
    let index = Compact(proof.index).encode();
    let leaves = verify_read_proof(&root.root, &proof.readings_proof, [index.as_slice()])
        .map_err(ReadingProofError::Proof)?;
    match leaves.get(&index) {
        Some(Some(leaf)) if leaf[..] == proof.reading.leaf().0[..] => Ok(root),
        _ => Err(ReadingProofError::NotInBlock),
    }
}

/// The proof of leaf `index` in the readings trie of `leaves` (a block's reading leaves in
/// order): what a node serving `iot_readingProof` builds from the block body. `None` when
/// `index` is out of range.
pub fn readings_trie_proof(leaves: &[H256], index: u32) -> Option<StorageProof> {
    if index as usize >= leaves.len() {
        return None;
    }
    let mut db = cpc_trie::MemoryDB::default();
    let root = cpc_trie::build_trie(
        &mut db,
        leaves
            .iter()
            .enumerate()
            .map(|(i, leaf)| (Compact(i as u32).encode(), leaf.0.to_vec())),
    );
    let key = Compact(index).encode();
    cpc_trie::generate_read_proof(&db, &root, [key.as_slice()]).ok()
}

cpc_api::decl_runtime_api! {
    /// `IotDevicesApi` (sidechain): devices, the readings an extrinsic carries, and each
    /// block's readings root (CPChain's own).
    pub trait IotDevicesApi in iot_devices_api, version 1 {
        /// Device `id`.
        fn device(id: DeviceId) -> Option<Device>;
        /// Devices from id `start` on, at most `limit` (at most [`MAX_DEVICES_QUERY`]).
        fn devices(start: DeviceId, limit: u32) -> Vec<(DeviceId, Device)>;
        /// The readings root of block `block`, if it held readings.
        fn readings_root(block: BlockNumber) -> Option<ReadingsRoot>;
        /// The readings a block committed, in commitment order (their leaves make its readings
        /// root), given its body: called on the block's own state, whose events say which
        /// `submit_readings` were accepted. The node indexes readings through this.
        fn block_readings(extrinsics: Vec<cpc_primitives::OpaqueExtrinsic>) -> Vec<SignedReading>;
    }
}
