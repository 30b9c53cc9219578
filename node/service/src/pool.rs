//! The transaction pool's view of the chain, and this node's inherent data.
//!
//! Authoring, LBFT, the network glue and metrics all hold the pool and build blocks with the
//! node's clock; they share these definitions from here rather than from the service that wires
//! them, so no module depends on the service.

use cpc_api::tagged_transaction_queue;
use cpc_client::{CallClass, Client};
use cpc_primitives::{
    H256, OpaqueExtrinsic,
    inherent::InherentData,
    transaction_validity::{TransactionSource, TransactionValidity},
};
use cpc_txpool::ChainApi;
use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

/// The pool's view of the chain: validation through the runtime at the best block.
pub struct PoolApi {
    client: Arc<Client>,
}

impl PoolApi {
    /// Validation over `client`.
    pub fn new(client: Arc<Client>) -> Self {
        Self { client }
    }
}

impl ChainApi for PoolApi {
    fn best(&self) -> (H256, u32) {
        let info = self.client.info();
        (info.best_hash, info.best_number)
    }

    fn validate(
        &self,
        at: H256,
        source: TransactionSource,
        xt: &OpaqueExtrinsic,
    ) -> Result<TransactionValidity, String> {
        self.client
            .call_api_as::<tagged_transaction_queue::validate_transaction>(
                CallClass::Pool,
                &at,
                (source, xt, at),
            )
            .map_err(|e| e.to_string())
    }

    fn claimed_priority(&self, xt: &OpaqueExtrinsic) -> Option<u64> {
        claimed_tip(xt)
    }
}

/// The tip of a signed extrinsic, which the runtime makes its priority
/// (`pallets/system/src/executive.rs`): read from the extension data after the signer and the
/// signature, nothing verified (a forged tip fails validation like any forgery).
fn claimed_tip(xt: &OpaqueExtrinsic) -> Option<u64> {
    use codec::Decode;
    use cpc_primitives::extrinsic::{MultiAddress, MultiSignature, SignedExtra};
    let mut input = &xt.0[..];
    let version = u8::decode(&mut input).ok()?;
    if version & 0x80 == 0 {
        return None;
    }
    MultiAddress::decode(&mut input).ok()?;
    MultiSignature::decode(&mut input).ok()?;
    let extra = SignedExtra::decode(&mut input).ok()?;
    Some(u64::try_from(extra.tip).unwrap_or(u64::MAX))
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Inherent data of this node: its clock.
pub fn inherent_data(now: u64) -> InherentData {
    let mut data = InherentData::new();
    data.put(cpc_pallet_timestamp::INHERENT_IDENTIFIER, &now);
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Encode;
    use cpc_primitives::{
        era::Era,
        extrinsic::{AdditionalSigned, RawCall, SignedExtra, UncheckedExtrinsic},
    };

    fn opaque(xt: &UncheckedExtrinsic<RawCall>) -> OpaqueExtrinsic {
        OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap()
    }

    #[test]
    fn the_claimed_priority_is_a_signed_extrinsics_tip() {
        let (pair, _) = cpc_crypto::sr25519::Pair::from_suri("//Alice").unwrap();
        let additional = AdditionalSigned::immortal(&cpc_runtime::VERSION, H256::zero());
        for tip in [0u128, 7, u128::from(u64::MAX) + 1] {
            let extra = SignedExtra {
                era: Era::Immortal,
                nonce: 3,
                tip,
            };
            let xt = UncheckedExtrinsic::sign(RawCall(vec![0, 1, 2]), &pair, extra, &additional);
            let expected = u64::try_from(tip).unwrap_or(u64::MAX);
            assert_eq!(claimed_tip(&opaque(&xt)), Some(expected));
        }
        let unsigned = UncheckedExtrinsic::new_unsigned(RawCall(vec![3, 0]));
        assert_eq!(claimed_tip(&opaque(&unsigned)), None);
        assert_eq!(claimed_tip(&OpaqueExtrinsic(vec![0x84, 0xff])), None);
        assert_eq!(claimed_tip(&OpaqueExtrinsic(Vec::new())), None);
    }
}
