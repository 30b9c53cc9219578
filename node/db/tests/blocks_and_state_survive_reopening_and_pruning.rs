//! The store keeps blocks and state across reopening, refuses commits that do not extend the
//! chain and a change of pruning mode, and with pruning keeps exactly the states of the last
//! `N` finalized blocks readable (never dropping a node a kept state still uses).

use cpc_db::{BlockCommit, ChainDb, DbConfig, DbError, PruningMode};
use cpc_primitives::{Digest, H256, Header, OpaqueExtrinsic};
use cpc_trie::MemoryDB;
use proptest::prelude::*;
use std::collections::BTreeMap;

type State = BTreeMap<Vec<u8>, Vec<u8>>;

fn open(dir: &std::path::Path, pruning: Option<PruningMode>) -> Result<ChainDb, DbError> {
    ChainDb::open(
        dir,
        &DbConfig {
            cache_bytes: 8 * 1024 * 1024,
            pruning,
            // Small enough that the trie node cache evicts: reads go through the cache and
            // the store both.
            trie_cache_bytes: 16 * 1024,
            verify_tables: true,
            ..Default::default()
        },
    )
}

fn header(parent: &Header, state_root: H256) -> Header {
    Header {
        parent_hash: parent.hash(),
        number: parent.number + 1,
        state_root,
        extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
        digest: Digest::default(),
    }
}

/// A test chain over a store: the model of each block's state beside it.
struct TestChain {
    db: ChainDb,
    headers: Vec<Header>,
    states: Vec<State>,
}

impl TestChain {
    fn new(db: ChainDb, genesis_state: State) -> Self {
        let mut nodes = MemoryDB::default();
        let root = cpc_trie::build_trie(&mut nodes, genesis_state.clone());
        let genesis = Header {
            parent_hash: H256::zero(),
            number: 0,
            state_root: root,
            extrinsics_root: cpc_trie::EMPTY_TRIE_ROOT,
            digest: Digest::default(),
        };
        db.commit_genesis(genesis.clone(), nodes).unwrap();
        Self {
            db,
            headers: vec![genesis],
            states: vec![genesis_state],
        }
    }

    fn push(&mut self, changes: &BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
        let parent = self.headers.last().unwrap().clone();
        let backend = self
            .db
            .state_at(parent.state_root)
            .unwrap()
            .expect("parent state");
        let (root, nodes) = backend
            .apply_changes(changes.iter().map(|(k, v)| (k.as_slice(), v.as_deref())))
            .unwrap();
        let header = header(&parent, root);
        let body = vec![OpaqueExtrinsic(vec![header.number as u8])];
        self.db
            .commit(BlockCommit {
                header: header.clone(),
                body,
                justification: Some(vec![1, 2]),
                state_changes: nodes,
                finalized: true,
            })
            .unwrap();
        let mut state = self.states.last().unwrap().clone();
        for (k, v) in changes {
            match v {
                Some(v) => state.insert(k.clone(), v.clone()),
                None => state.remove(k),
            };
        }
        assert_eq!(cpc_trie::trie_root(state.clone()), root);
        self.headers.push(header);
        self.states.push(state);
    }

    /// Whether block `n`'s state reads back exactly as the model says.
    fn state_is_intact(&self, n: usize) -> bool {
        let Ok(Some(backend)) = self.db.state_at(self.headers[n].state_root) else {
            return false;
        };
        let Ok(pairs) = backend.pairs(&[]) else {
            return false;
        };
        pairs.into_iter().collect::<State>() == self.states[n]
    }
}

fn kv(i: u32, v: u8) -> (Vec<u8>, Option<Vec<u8>>) {
    (
        cpc_primitives::hashing::blake2_256(&i.to_le_bytes()).to_vec(),
        Some(vec![v; 40]),
    )
}

#[test]
fn blocks_and_pointers_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let headers = {
        let mut chain = TestChain::new(open(dir.path(), None).unwrap(), State::new());
        for b in 1..=5u8 {
            chain.push(&(0..10).map(|i| kv(i, b)).collect());
        }
        chain.db.flush().unwrap();
        chain.headers
    };
    let db = open(dir.path(), None).unwrap();
    let meta = db.meta().unwrap();
    assert_eq!(meta.best.number, 5);
    assert_eq!(meta.best.hash, headers[5].hash());
    assert_eq!(meta.finalized, meta.best);
    assert_eq!(meta.genesis.hash, headers[0].hash());
    for (n, header) in headers.iter().enumerate() {
        assert_eq!(db.hash(n as u32).unwrap(), Some(header.hash()));
        assert_eq!(db.header(&header.hash()).unwrap().as_ref(), Some(header));
    }
    assert_eq!(
        db.body(&headers[3].hash()).unwrap(),
        Some(vec![OpaqueExtrinsic(vec![3])])
    );
    assert_eq!(
        db.justification(&headers[3].hash()).unwrap(),
        Some(vec![1, 2])
    );
    assert!(db.check_genesis(headers[0].hash()).is_ok());
    assert!(matches!(
        db.check_genesis(H256([9; 32])),
        Err(DbError::GenesisMismatch { .. })
    ));
}

#[test]
fn a_block_that_does_not_extend_the_best_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = TestChain::new(open(dir.path(), None).unwrap(), State::new());
    chain.push(&[kv(1, 1)].into());
    let stale = header(&chain.headers[0], chain.headers[1].state_root);
    let result = chain.db.commit(BlockCommit {
        header: Header {
            digest: Digest {
                logs: vec![cpc_primitives::DigestItem::Other(vec![1])],
            },
            ..stale
        },
        body: vec![],
        justification: None,
        state_changes: MemoryDB::default(),
        finalized: true,
    });
    assert!(matches!(result, Err(DbError::InvalidCommit(_))));
    assert_eq!(chain.db.meta().unwrap().best.number, 1);
}

#[test]
fn the_pruning_mode_is_fixed_at_creation() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), Some(PruningMode::Archive)).unwrap());
    assert!(matches!(
        open(dir.path(), Some(PruningMode::KeepLast(10))),
        Err(DbError::PruningMismatch {
            stored: PruningMode::Archive,
            ..
        })
    ));
    assert_eq!(
        open(dir.path(), None).unwrap().pruning(),
        PruningMode::Archive
    );
    assert_eq!("archive".parse::<PruningMode>(), Ok(PruningMode::Archive));
    assert_eq!("32".parse::<PruningMode>(), Ok(PruningMode::KeepLast(32)));
    assert!("0".parse::<PruningMode>().is_err() && "lots".parse::<PruningMode>().is_err());
}

#[test]
fn pruning_keeps_the_window_and_archive_keeps_everything() {
    for mode in [PruningMode::KeepLast(3), PruningMode::Archive] {
        let dir = tempfile::tempdir().unwrap();
        let genesis: State = (0..50).map(|i| (kv(i, 0).0, vec![0; 40])).collect();
        let mut chain = TestChain::new(open(dir.path(), Some(mode)).unwrap(), genesis);
        for b in 1..=20u8 {
            // Rewrite a few values every block, so old nodes become garbage.
            chain.push(&(0..5).map(|i| kv(i + u32::from(b % 3), b)).collect());
        }
        for n in 0..=20 {
            let kept = match mode {
                PruningMode::Archive => true,
                PruningMode::KeepLast(k) => n >= 20 - k as usize,
            };
            assert_eq!(chain.state_is_intact(n), kept, "{mode}: state of block {n}");
        }
        let nodes = chain.db.state_node_count();
        eprintln!("{mode}: {nodes} trie nodes stored after 20 blocks");
    }
}

#[test]
fn a_state_that_returns_to_an_earlier_one_survives_pruning() {
    // Block 3's state equals block 1's: its nodes regain references in the same commit that
    // prunes block 1's, and must stay (found by the property test below).
    let dir = tempfile::tempdir().unwrap();
    let mut chain = TestChain::new(
        open(dir.path(), Some(PruningMode::KeepLast(1))).unwrap(),
        State::new(),
    );
    chain.push(&[(vec![0], Some(vec![]))].into());
    chain.push(&[(vec![4], Some(vec![]))].into());
    chain.push(&[(vec![4], None)].into());
    assert_eq!(chain.headers[3].state_root, chain.headers[1].state_root);
    assert!(chain.state_is_intact(3));
    chain.push(&[(vec![5], Some(vec![1; 50]))].into());
    assert!(chain.state_is_intact(3) && chain.state_is_intact(4));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Over random changes, every state in the window stays readable and exact.
    #[test]
    fn every_state_in_the_window_stays_intact(
        blocks in proptest::collection::vec(
            proptest::collection::btree_map(
                proptest::collection::vec(0u8..6, 1..3),
                proptest::option::of(proptest::collection::vec(0u8..3, 0..40)),
                0..6,
            ),
            1..14,
        ),
        keep in 1u32..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut chain = TestChain::new(open(dir.path(), Some(PruningMode::KeepLast(keep))).unwrap(), State::new());
        for changes in &blocks {
            chain.push(changes);
            let best = chain.headers.len() - 1;
            for n in best.saturating_sub(keep as usize)..=best {
                prop_assert!(chain.state_is_intact(n), "state {n} of {best} (keep {keep})");
            }
        }
    }
}
