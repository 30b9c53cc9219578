//! Dev block authoring: one authority, a block every period, final at once. Blocks go through
//! the client's import path like any other.

use crate::{
    metrics::Metrics,
    pool::{PoolApi, inherent_data, now_millis},
};
use cpc_client::{BlockOrigin, BuildParams, Client, ImportParams};
use cpc_primitives::Digest;
use cpc_txpool::Pool;
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// Authors a block at every multiple of `period` of the wall clock.
pub async fn run(
    client: Arc<Client>,
    pool: Arc<Pool<PoolApi>>,
    period: Duration,
    metrics: Arc<Metrics>,
) {
    let period_ms = period.as_millis().max(1) as u64;
    loop {
        let now = now_millis();
        let slot_start = (now / period_ms + 1) * period_ms;
        tokio::time::sleep(Duration::from_millis(slot_start - now)).await;

        let client = client.clone();
        let pool = pool.clone();
        let metrics = metrics.clone();
        let result = tokio::task::spawn_blocking(move || {
            author(&client, &pool, slot_start, period, &metrics)
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(why)) => log::warn!(target: "authoring", "could not author a block: {why}"),
            Err(e) => log::error!(target: "authoring", "the authoring task failed: {e}"),
        }
    }
}

fn author(
    client: &Client,
    pool: &Pool<PoolApi>,
    slot_start: u64,
    period: Duration,
    metrics: &Metrics,
) -> Result<(), String> {
    let started = Instant::now();
    let parent = client.info().best_hash;
    let candidates = pool.ready();
    let params = BuildParams {
        parent,
        inherent_data: inherent_data(slot_start),
        digest: Digest::default(),
        // Half the period for building leaves the rest for import and propagation.
        deadline: started + period / 2,
    };
    let built = client
        .build_block(params, candidates)
        .map_err(|e| e.to_string())?;
    pool.reject(&built.rejected);
    pool.on_chain(&built.stale);
    let number = built.block.header.number;
    let count = built.included.len();
    let imported = client
        .import_block(ImportParams {
            block: built.block,
            justification: None,
            origin: BlockOrigin::Own,
            finalized: true,
            precomputed: Some(built.changes),
        })
        .map_err(|e| e.to_string())?;
    metrics.observe_authored();
    log::info!(
        target: "authoring",
        "Authored block #{number} ({}) with {count} transactions in {:?}{}",
        imported.hash,
        started.elapsed(),
        if built.full { ", block full" } else { "" }
    );
    Ok(())
}
