//! The transaction pool's view of the chain, and this node's inherent data.
//!
//! Authoring, LBFT, the network glue and metrics all hold the pool and build blocks with the
//! node's clock; they share these definitions from here rather than from the service that wires
//! them, so no module depends on the service.

use cpc_api::tagged_transaction_queue;
use cpc_client::Client;
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
            .call_api::<tagged_transaction_queue::validate_transaction>(&at, (source, xt, at))
            .map_err(|e| e.to_string())
    }
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
