//! Log lines an operator can follow: each imported block, runtime upgrades, and a status line
//! every few seconds.

use crate::{metrics::Metrics, pool::PoolApi};
use cpc_client::{BlockOrigin, Client};
use cpc_primitives::DigestItem;
use cpc_txpool::Pool;
use std::{sync::Arc, time::Duration};

/// How often the status line is printed.
pub const STATUS_EVERY: Duration = Duration::from_secs(5);

/// Starts the informant.
pub fn spawn(client: Arc<Client>, pool: Arc<Pool<PoolApi>>, metrics: Arc<Metrics>) {
    let mut imported = client.subscribe();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(STATUS_EVERY);
        ticker.tick().await;
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    let info = client.info();
                    let status = pool.status();
                    log::info!(
                        target: "informant",
                        "Idle ({} peers), best: #{} ({}), finalized #{} ({}), txpool: ready {}, future {}",
                        metrics.peers(), info.best_number, info.best_hash, info.finalized_number, info.finalized_hash,
                        status.ready, status.future
                    );
                }
                next = imported.recv() => match next {
                    Ok(block) => {
                        metrics.observe_import(block.import_micros);
                        if block.header.digest.logs.contains(&DigestItem::RuntimeEnvironmentUpdated) {
                            match client.runtime_version(&block.hash) {
                                Ok(version) => log::info!(
                                    target: "informant",
                                    "Runtime upgraded in block #{}: blocks from #{} run {} v{}",
                                    block.header.number,
                                    block.header.number + 1,
                                    version.spec_name,
                                    version.spec_version
                                ),
                                Err(e) => log::warn!(
                                    target: "informant",
                                    "Block #{} changed the runtime, whose version cannot be read: {e}",
                                    block.header.number
                                ),
                            }
                        }
                        if block.origin != BlockOrigin::Own {
                            log::info!(
                                target: "informant",
                                "Imported #{} ({}) with {} extrinsics in {} ms",
                                block.header.number,
                                block.hash,
                                block.extrinsics.len(),
                                block.import_micros / 1000
                            );
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    });
}
