//! Data-market products whose data is an IoT sidechain's readings
//! (`StorageLocation::SidechainStream`): `cpchain market publish-stream` lists one, and
//! `cpchain market fetch --sidechain-rpc` gets a buyer the readings with their proofs from a
//! sidechain node and checks every one against the sidechain state root anchored on the main
//! chain, refusing the whole fetch at the first reading that fails.
//!
//! The readings themselves are public in the sidechain's blocks; what the chain of trust adds
//! is that each delivered reading is the one the sidechain's committee finalized: its leaf is
//! under its block's readings root, which is in the sidechain state whose root main anchored.

use crate::{Error, wallet::Wallet};
use codec::{Decode, Encode};
use cpc_pallet_data_market::StorageLocation;
use cpc_primitives::{BlockNumber, H256};
use cpc_sidechain_primitives::{
    iot::{ReadingProof, verify_reading_proof},
    sidechain_registry_api,
};
use jsonrpsee::{core::client::ClientT, rpc_params};
use serde_json::{Value, json};

/// Most readings one `iot_readings` call returns.
const PAGE: u32 = 1_000;

/// What a stream product sells: its sidechain, devices and time range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stream {
    /// The sidechain's id on main.
    pub sidechain: u32,
    /// The devices.
    pub devices: Vec<u32>,
    /// From this time, inclusive (ms).
    pub from: u64,
    /// To this time, inclusive (ms).
    pub to: u64,
}

impl Stream {
    /// The stream of a product's location, if it is one.
    pub fn of(location: &StorageLocation) -> Option<Self> {
        match location {
            StorageLocation::SidechainStream {
                sidechain,
                devices,
                from,
                to,
            } => Some(Self {
                sidechain: *sidechain,
                devices: devices.to_vec(),
                from: *from,
                to: *to,
            }),
            _ => None,
        }
    }
}

impl Stream {
    /// The stream of a product as the `market_product` RPC shows it, if it is one.
    pub fn from_json(product: &Value) -> Option<Self> {
        let s = product["location"].get("sidechainStream")?;
        Some(Self {
            sidechain: u32::try_from(s["id"].as_u64()?).ok()?,
            devices: s["devices"]
                .as_array()?
                .iter()
                .map(|d| d.as_u64().and_then(|d| u32::try_from(d).ok()))
                .collect::<Option<Vec<_>>>()?,
            from: s["fromMs"].as_u64()?,
            to: s["toMs"].as_u64()?,
        })
    }
}

/// Why a delivered reading is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Its proof is not against the anchored height asked for.
    WrongHeight(BlockNumber),
    /// Its device is not one the product sells.
    OtherDevice(u32),
    /// Its time is outside the product's range.
    OutOfRange(u64),
    /// Its proof does not verify against the anchored state root.
    BadProof(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::WrongHeight(at) => write!(f, "proven at height {at}, not the anchored one"),
            Self::OtherDevice(d) => write!(f, "of device {d}, which the product does not sell"),
            Self::OutOfRange(t) => write!(f, "at time {t}, outside the product's range"),
            Self::BadProof(e) => write!(f, "its proof fails: {e}"),
        }
    }
}

/// Checks one delivered reading: of the stream's devices and range, proven at `at` against
/// `anchored_root` (the sidechain state root main anchored at `at`).
pub fn check(
    stream: &Stream,
    at: BlockNumber,
    anchored_root: &H256,
    proof: &ReadingProof,
) -> Result<(), Refused> {
    let reading = &proof.reading.reading;
    if proof.at != at {
        return Err(Refused::WrongHeight(proof.at));
    }
    if !stream.devices.contains(&reading.device) {
        return Err(Refused::OtherDevice(reading.device));
    }
    if reading.timestamp < stream.from || reading.timestamp > stream.to {
        return Err(Refused::OutOfRange(reading.timestamp));
    }
    verify_reading_proof(anchored_root, proof).map_err(|e| Refused::BadProof(e.to_string()))?;
    Ok(())
}

/// The stream's readings from the sidechain node at `side`, each with its proof at main's
/// anchored head of the sidechain and checked against its root; readings in blocks not yet
/// anchored are left for a later fetch. Fails at the first reading that does not check.
pub async fn fetch(main: &Wallet, side: &Wallet, stream: &Stream) -> Result<Vec<Value>, Error> {
    let state = main
        .runtime_call::<sidechain_registry_api::sidechain>((stream.sidechain,), None)
        .await?
        .ok_or_else(|| Error::Node(format!("sidechain {} is not registered", stream.sidechain)))?;
    if state.sidechain.genesis != side.genesis {
        return Err(Error::Input(format!(
            "sidechain {} has genesis {:#}, the sidechain RPC serves {:#}",
            stream.sidechain, state.sidechain.genesis, side.genesis
        )));
    }
    let (at, root) = (state.head.number, state.head.state_root);
    let mut out = Vec::new();
    for device in &stream.devices {
        let mut from = stream.from;
        let mut seen = std::collections::BTreeSet::new();
        loop {
            let page: Vec<Value> = side
                .rpc
                .request("iot_readings", rpc_params![device, from, stream.to, PAGE])
                .await
                .map_err(crate::wallet::rpc_error)?;
            let full = page.len() as u32 >= PAGE;
            let mut last = from;
            for reading in page {
                let block = reading["block"].as_u64().unwrap_or(u64::MAX);
                let index = reading["index"].as_u64().unwrap_or_default();
                last = last.max(reading["timestamp"].as_u64().unwrap_or(last));
                if block > u64::from(at) || !seen.insert((block, index)) {
                    continue;
                }
                let answer: Value = side
                    .rpc
                    .request("iot_readingProof", rpc_params![block, index, at])
                    .await
                    .map_err(crate::wallet::rpc_error)?;
                let bytes = answer["proof"]
                    .as_str()
                    .and_then(|h| hex::decode(h.trim_start_matches("0x")).ok())
                    .ok_or_else(|| Error::Node(format!("no proof of reading {block}/{index}")))?;
                let proof = ReadingProof::decode(&mut &bytes[..]).map_err(|e| {
                    Error::Node(format!("the proof of reading {block}/{index}: {e}"))
                })?;
                check(stream, at, &root, &proof).map_err(|why| {
                    Error::Node(format!(
                        "refused reading {block}/{index} of device {device}: {why}"
                    ))
                })?;
                let r = &proof.reading.reading;
                out.push(json!({
                    "device": r.device,
                    "seq": r.seq,
                    "timestamp": r.timestamp,
                    "payload": format!("0x{}", hex::encode(&r.payload[..])),
                    "signature": format!("0x{}", hex::encode(proof.reading.signature.0)),
                    "block": block,
                    "index": index,
                    "provenAt": at,
                    "proof": format!("0x{}", hex::encode(proof.encode())),
                }));
            }
            if !full || last == from {
                break;
            }
            from = last;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Compact;
    use cpc_primitives::sr25519::Signature;
    use cpc_sidechain_primitives::iot::readings_trie_proof;
    use cpc_sidechain_primitives::iot::{Reading, ReadingsRoot, SignedReading, readings_root_key};
    use cpc_support::BoundedVec;
    use cpc_trie::{MemoryDB, build_trie, generate_read_proof};

    const BLOCK: BlockNumber = 7;
    const AT: BlockNumber = 9;

    fn reading(device: u32, timestamp: u64) -> SignedReading {
        SignedReading {
            reading: Reading {
                device,
                seq: u64::from(device) + timestamp,
                timestamp,
                payload: BoundedVec::try_from_vec(b"{\"t\":21.5}".to_vec()).unwrap(),
            },
            signature: Signature([0; 64]),
        }
    }

    /// A sidechain state at `AT` whose block `BLOCK` committed `readings`; the proof of
    /// reading `index` against it, and its root.
    fn proven(readings: &[SignedReading], index: u32) -> (H256, ReadingProof) {
        let leaves: Vec<H256> = readings.iter().map(SignedReading::leaf).collect();
        let mut leaf_db = MemoryDB::default();
        let root = build_trie(
            &mut leaf_db,
            leaves
                .iter()
                .enumerate()
                .map(|(i, l)| (Compact(i as u32).encode(), l.0.to_vec())),
        );
        let key = readings_root_key(BLOCK);
        let entries = vec![
            (
                key.clone(),
                ReadingsRoot {
                    root,
                    count: leaves.len() as u32,
                }
                .encode(),
            ),
            (b"other entry".to_vec(), vec![1; 40]),
        ];
        let mut db = MemoryDB::default();
        let state_root = build_trie(&mut db, entries);
        let proof = ReadingProof {
            reading: readings[index as usize].clone(),
            block: BLOCK,
            index,
            at: AT,
            state_proof: generate_read_proof(&db, &state_root, [key.as_slice()]).unwrap(),
            readings_proof: readings_trie_proof(&leaves, index).unwrap(),
        };
        (state_root, proof)
    }

    #[test]
    fn a_delivered_reading_must_be_of_the_stream_and_proven_against_the_anchored_root() {
        let stream = Stream {
            sidechain: 0,
            devices: vec![1, 2],
            from: 1_000,
            to: 2_000,
        };
        let readings = [
            reading(1, 1_500),
            reading(2, 1_600),
            reading(3, 1_700),
            reading(1, 2_500),
        ];
        let (root, good) = proven(&readings, 1);
        assert_eq!(check(&stream, AT, &root, &good), Ok(()));
        // Another height, another device, outside the range.
        assert_eq!(
            check(&stream, AT + 1, &root, &good),
            Err(Refused::WrongHeight(AT))
        );
        let (root3, other) = proven(&readings, 2);
        assert_eq!(
            check(&stream, AT, &root3, &other),
            Err(Refused::OtherDevice(3))
        );
        let (root4, late) = proven(&readings, 3);
        assert_eq!(
            check(&stream, AT, &root4, &late),
            Err(Refused::OutOfRange(2_500))
        );
        // A tampered payload, a moved index, a root that was not anchored.
        let mut tampered = good.clone();
        tampered.reading.reading.payload =
            BoundedVec::try_from_vec(b"{\"t\":99.9}".to_vec()).unwrap();
        assert!(matches!(
            check(&stream, AT, &root, &tampered),
            Err(Refused::BadProof(_))
        ));
        let mut moved = good.clone();
        moved.index = 0;
        assert!(matches!(
            check(&stream, AT, &root, &moved),
            Err(Refused::BadProof(_))
        ));
        assert!(matches!(
            check(&stream, AT, &H256([9; 32]), &good),
            Err(Refused::BadProof(_))
        ));
    }
}
