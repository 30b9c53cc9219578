//! A table file damaged on disk while the store was closed makes opening fail with an error that
//! names the file; opened without the check, every read through the damaged file fails, and
//! none returns data other than what was written. A write that fails (here: the file size limit
//! of the process, the same error path as a full disk) stops the store taking writes and syncs
//! with that first error, never reaching RocksDB again.

use cpc_db::{BlockCommit, ChainDb, DbConfig, DbError, PruningMode};
use cpc_primitives::{Digest, H256, Header, OpaqueExtrinsic};
use cpc_trie::MemoryDB;
use std::path::{Path, PathBuf};

fn open(dir: &Path, verify_tables: bool) -> Result<ChainDb, DbError> {
    ChainDb::open(
        dir,
        &DbConfig {
            cache_bytes: 1024 * 1024,
            pruning: Some(PruningMode::KeepLast(4)),
            trie_cache_bytes: 0,
            verify_tables,
            ..Default::default()
        },
    )
}

/// A genesis of 2,000 keys and `blocks` blocks on it, flushed to table
/// files; returns the headers and bodies.
fn write_chain(db: &ChainDb, blocks: u32) -> Vec<(Header, Vec<OpaqueExtrinsic>)> {
    let state = (0..2_000u32)
        .map(|i| {
            (
                cpc_primitives::hashing::blake2_256(&i.to_le_bytes()).to_vec(),
                vec![i as u8; 64],
            )
        })
        .collect::<std::collections::BTreeMap<_, _>>();
    let mut nodes = MemoryDB::default();
    let root = cpc_trie::build_trie(&mut nodes, state);
    let genesis = Header {
        parent_hash: H256::zero(),
        number: 0,
        state_root: root,
        extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
        digest: Digest::default(),
    };
    db.commit_genesis(genesis.clone(), nodes).unwrap();
    let mut chain = vec![(genesis, Vec::new())];
    for number in 1..=blocks {
        let parent = chain.last().unwrap().0.clone();
        let header = Header {
            parent_hash: parent.hash(),
            number,
            state_root: parent.state_root,
            extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
            digest: Digest::default(),
        };
        let body = (0..20u8)
            .map(|i| OpaqueExtrinsic(vec![i; 100 + number as usize % 50]))
            .collect::<Vec<_>>();
        db.commit(BlockCommit {
            header: header.clone(),
            body: body.clone(),
            justification: Some(vec![7; 96]),
            state_changes: MemoryDB::default(),
            finalized: true,
        })
        .unwrap();
        chain.push((header, body));
    }
    db.flush().unwrap();
    chain
}

fn table_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .collect();
    files.sort();
    files
}

/// Inverts 16 bytes in the middle of `file`: inside a data block, away from the footer that
/// opening reads.
fn damage(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let middle = bytes.len() / 3;
    for b in &mut bytes[middle..middle + 16] {
        *b = !*b;
    }
    std::fs::write(file, bytes).unwrap();
}

#[test]
fn a_damaged_table_file_stops_the_open_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let chain = write_chain(&open(dir.path(), true).unwrap(), 200);
    let check = open(dir.path(), true).unwrap().verify_tables().unwrap();
    assert!(check.files >= 3, "{check:?}");
    assert!(check.rows > 2_000, "{check:?}");

    // The largest file holds the state; the bodies' file is the next.
    let mut files = table_files(dir.path());
    files.sort_by_key(|f| std::fs::metadata(f).unwrap().len());
    for victim in files.iter().rev().take(2) {
        let original = std::fs::read(victim).unwrap();
        damage(victim);
        let error = match open(dir.path(), true) {
            Ok(_) => panic!("{} was damaged, and the store opened", victim.display()),
            Err(e) => e.to_string(),
        };
        let name = victim.file_name().unwrap().to_str().unwrap();
        assert!(
            error.contains(name) && error.contains("Corruption"),
            "the error does not name {name}: {error}"
        );

        // Without the check the store opens, and reads through the damage fail or return
        // exactly what was written: never other data.
        let db = open(dir.path(), false).unwrap();
        let mut failed = 0;
        for (header, body) in &chain {
            let hash = header.hash();
            match db.header(&hash) {
                Ok(read) => assert_eq!(read.as_ref(), Some(header)),
                Err(_) => failed += 1,
            }
            match db.body(&hash) {
                Ok(read) => assert_eq!(read.as_ref(), Some(body)),
                Err(_) => failed += 1,
            }
        }
        if let Ok(Some(state)) = db.state_at(chain[0].0.state_root) {
            match state.pairs(&[]) {
                Ok(pairs) => assert_eq!(pairs.len(), 2_000),
                Err(_) => failed += 1,
            }
        }
        assert!(failed > 0, "no read went through the damaged {name}");
        drop(db);

        std::fs::write(victim, original).unwrap();
        open(dir.path(), true).expect("the repaired store opens");
    }
}

/// Runs `f` in a child process with a file size limit of `limit` bytes (and SIGXFSZ
/// ignored, so a write past it fails with EFBIG instead of killing the process): the same
/// failed write as a full disk, without a filesystem to fill. The test binary runs itself,
/// selecting this test, with `CPC_DB_FSIZE_DIR` naming the store.
fn in_child_with_file_size_limit(test: &str, dir: &Path, limit: u64) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .env("CPC_DB_FSIZE_DIR", dir);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().unwrap()
}

#[test]
fn after_a_failed_write_the_store_refuses_writes_and_syncs_with_the_first_error() {
    let Some(dir) = std::env::var_os("CPC_DB_FSIZE_DIR") else {
        let tmp = tempfile::tempdir().unwrap();
        {
            let db = open(tmp.path(), true).unwrap();
            write_chain(&db, 1);
        }
        // The child writes on from block #1 until the log reaches the limit.
        let output = in_child_with_file_size_limit(
            "after_a_failed_write_the_store_refuses_writes_and_syncs_with_the_first_error",
            tmp.path(),
            256 * 1024,
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "the child failed ({:?}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("write failed at block"), "{stdout}");
        // Reopened without the limit, the store holds a prefix and takes writes again.
        let db = open(tmp.path(), true).unwrap();
        let best = db.meta().unwrap().best;
        assert!(best.number > 1, "{best:?}");
        return;
    };

    // The child: commit blocks until a write fails.
    let dir = PathBuf::from(dir);
    let db = open(&dir, true).unwrap();
    let mut parent = db.header(&db.meta().unwrap().best.hash).unwrap().unwrap();
    let first = loop {
        let header = Header {
            parent_hash: parent.hash(),
            number: parent.number + 1,
            state_root: parent.state_root,
            extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
            digest: Digest::default(),
        };
        let result = db.commit_unsynced(BlockCommit {
            header: header.clone(),
            body: vec![OpaqueExtrinsic(vec![header.number as u8; 4_000])],
            justification: None,
            state_changes: MemoryDB::default(),
            finalized: true,
        });
        match result {
            Ok(()) => parent = header,
            Err(e) => break (header.number, e),
        }
        assert!(parent.number < 10_000, "no write failed under the limit");
    };
    println!("write failed at block #{}: {}", first.0, first.1);
    assert!(matches!(first.1, DbError::Rocks(_)), "{:?}", first.1);
    let failure = db.write_failure().expect("the failure is remembered");
    for refused in [
        db.sync_wal().unwrap_err(),
        db.write_aux(&[(b"k".to_vec(), b"v".to_vec())], &[])
            .unwrap_err(),
        db.finalize_best().unwrap_err(),
    ] {
        match refused {
            DbError::WritesStopped(why) => assert_eq!(why, failure),
            other => panic!("expected WritesStopped, got {other:?}"),
        }
    }
}
