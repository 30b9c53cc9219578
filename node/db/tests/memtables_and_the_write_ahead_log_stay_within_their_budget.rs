//! The store's memtables and write-ahead log stay within the write buffer budget however long
//! the chain grows, including the columns a block writes only a few hundred bytes to (headers,
//! numbers, justifications), which on their own would wait hours for a flush and keep every
//! log file since alive; and what was flushed on the way reads back whole.

use cpc_db::{BlockCommit, ChainDb, DbConfig, MIN_WRITE_BUFFER_BYTES, PruningMode};
use cpc_primitives::{Digest, H256, Header, OpaqueExtrinsic};
use cpc_trie::MemoryDB;
use std::path::Path;

const MIB: u64 = 1024 * 1024;

fn open(dir: &Path, write_buffer_bytes: usize) -> ChainDb {
    ChainDb::open(
        dir,
        &DbConfig {
            cache_bytes: MIB as usize,
            pruning: Some(PruningMode::KeepLast(4)),
            trie_cache_bytes: 0,
            write_buffer_bytes,
            ..Default::default()
        },
    )
    .unwrap()
}

/// Bytes of the write-ahead log files in the store's directory.
fn log_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum()
}

fn body(number: u32) -> Vec<OpaqueExtrinsic> {
    (0..16u8)
        .map(|i| OpaqueExtrinsic(vec![i ^ number as u8; 240 + number as usize % 32]))
        .collect()
}

/// Writes `blocks` blocks of about 4 KiB each, checking the budget every 50 blocks; returns
/// the headers and the largest memtable and log sizes seen.
fn write_chain(db: &ChainDb, dir: &Path, blocks: u32) -> (Vec<Header>, u64, u64) {
    let genesis = Header {
        parent_hash: H256::zero(),
        number: 0,
        state_root: cpc_trie::EMPTY_TRIE_ROOT,
        extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
        digest: Digest::default(),
    };
    db.commit_genesis(genesis.clone(), MemoryDB::default())
        .unwrap();
    let mut headers = vec![genesis];
    let (mut memtables, mut log) = (0, 0);
    for number in 1..=blocks {
        let parent = headers.last().unwrap();
        let header = Header {
            parent_hash: parent.hash(),
            number,
            state_root: parent.state_root,
            extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
            digest: Digest::default(),
        };
        db.commit_unsynced(BlockCommit {
            header: header.clone(),
            body: body(number),
            justification: Some(vec![number as u8; 200]),
            state_changes: MemoryDB::default(),
            finalized: true,
        })
        .unwrap();
        headers.push(header);
        if number % 50 == 0 {
            memtables = memtables.max(db.memory().memtables);
            log = log.max(log_bytes(dir));
        }
    }
    db.sync_wal().unwrap();
    (headers, memtables, log)
}

#[test]
fn memtables_and_the_log_stay_within_the_budget_and_flushed_blocks_read_back() {
    // 2,500 blocks of about 4 KiB: ten times the budget through the store.
    const BLOCKS: u32 = 2_500;
    // Configured at the minimum, and at 0, which RocksDB alone would read as no budget.
    for configured in [MIN_WRITE_BUFFER_BYTES, 0] {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path(), configured);
        let (headers, memtables, log) = write_chain(&db, dir.path(), BLOCKS);
        let budget = MIN_WRITE_BUFFER_BYTES as u64;
        eprintln!(
            "budget {configured} bytes: memtables at most {memtables} bytes, the log at most \
             {log} bytes, after about {} MiB written",
            BLOCKS as u64 * 4 * 1024 / MIB
        );
        // A memtable being flushed is counted beside the one that replaced it.
        assert!(
            memtables <= 2 * budget,
            "memtables {memtables} over twice the budget {budget}"
        );
        // The log is cut at twice the budget; the file being written runs on until the
        // flushes it starts are done.
        assert!(
            log <= 4 * budget,
            "the write-ahead log {log} over four times the budget {budget}"
        );
        drop(db);

        let db = open(dir.path(), configured);
        let meta = db.meta().unwrap();
        assert_eq!(meta.best.number, BLOCKS);
        assert_eq!(meta.finalized.hash, headers.last().unwrap().hash());
        for header in &headers[1..] {
            let hash = header.hash();
            assert_eq!(db.header(&hash).unwrap().as_ref(), Some(header));
            assert_eq!(db.body(&hash).unwrap(), Some(body(header.number)));
            assert_eq!(
                db.justification(&hash).unwrap(),
                Some(vec![header.number as u8; 200])
            );
            assert_eq!(db.hash(header.number).unwrap(), Some(hash));
        }
    }
}
