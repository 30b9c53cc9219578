//! Reference-counted trie node rows, updated without reading them first.
//!
//! A row of the `state` column is `count (u32 LE) ++ encoded node`. A block changes counts by
//! writing RocksDB *merge operands* (`delta (i32 LE) ++ node`, the node only when the delta
//! adds references), which RocksDB folds into the row when it is read or compacted. Committing
//! a block therefore writes its new nodes blind, instead of looking up every new node's count
//! first (almost always a miss that still costs a bloom filter probe and often a table read):
//! that lookup was most of a written key's cost on a large state (`docs/benchmarks.md`).
//!
//! Invariants, as the read-modify-write path had them:
//! - operands apply in write order, and a count never goes below zero (a decrement of a node
//!   that is not stored is ignored, not remembered against a later insert);
//! - a row whose count reaches zero keeps no node bytes and reads as absent; compaction turns
//!   it into a deletion ([`drop_dead_rows`]);
//! - the node bytes of a live row are those of its first insertion (nodes are content
//!   addressed: every insertion carries the same bytes).

use rocksdb::{MergeOperands, compaction_filter::Decision};

/// The merge operator's name, stored by RocksDB in the options file: changing it makes older
/// databases refuse to open, so it is versioned with the row format.
pub const MERGE_OPERATOR: &str = "cpc-trie-refcount-v1";

/// The compaction filter's name.
pub const COMPACTION_FILTER: &str = "cpc-trie-dead-rows-v1";

/// A live row's count and node, or `None` when the row is dead (count zero).
///
/// Returns an error for a row too short to hold a count, or a live row without a node.
pub fn decode_row(row: &[u8]) -> Result<Option<(u32, &[u8])>, String> {
    let (count, node) = split(row).ok_or("state row shorter than its count")?;
    match (u32::from_le_bytes(count), node.is_empty()) {
        (0, _) => Ok(None),
        (_, true) => Err("a referenced state row has no node".into()),
        (count, false) => Ok(Some((count, node))),
    }
}

/// The merge operand adding `delta` references, with the node when it adds any.
pub fn operand(delta: i64, node: Option<&[u8]>) -> Vec<u8> {
    let delta = delta.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    let node = if delta > 0 { node.unwrap_or(&[]) } else { &[] };
    let mut op = Vec::with_capacity(4 + node.len());
    op.extend_from_slice(&delta.to_le_bytes());
    op.extend_from_slice(node);
    op
}

fn split(bytes: &[u8]) -> Option<([u8; 4], &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<4>()?;
    Some((*head, rest))
}

/// Folds `operands` into `existing` (RocksDB's full merge). `None` reports a malformed operand
/// or row, which RocksDB surfaces as a corruption error on the read or compaction.
pub fn full_merge(
    _key: &[u8],
    existing: Option<&[u8]>,
    operands: &MergeOperands,
) -> Option<Vec<u8>> {
    let (mut count, mut node): (u32, &[u8]) = match existing {
        Some(row) => {
            let (count, node) = split(row)?;
            (u32::from_le_bytes(count), node)
        }
        None => (0, &[]),
    };
    for op in operands {
        let (delta, data) = split(op)?;
        let delta = i32::from_le_bytes(delta);
        if delta > 0 {
            if count == 0 || node.is_empty() {
                node = data;
            }
            count = count.saturating_add(delta.unsigned_abs());
        } else {
            count = count.saturating_sub(delta.unsigned_abs());
        }
    }
    if count == 0 {
        node = &[];
    }
    let mut row = Vec::with_capacity(4 + node.len());
    row.extend_from_slice(&count.to_le_bytes());
    row.extend_from_slice(node);
    Some(row)
}

/// Partial merges (operands with each other) are declined: clamping at zero makes the fold
/// order-dependent on the base row, so operands wait for it. A node gains one operand when a
/// block adds it and one when pruning drops it, so chains stay short.
pub fn partial_merge(
    _key: &[u8],
    _existing: Option<&[u8]>,
    _operands: &MergeOperands,
) -> Option<Vec<u8>> {
    None
}

/// Compaction drops rows whose count reached zero (RocksDB writes a deletion in their place,
/// so an older version in a lower level cannot resurface).
pub fn drop_dead_rows(_level: u32, _key: &[u8], value: &[u8]) -> Decision {
    match split(value) {
        Some((count, _)) if count == [0; 4] => Decision::Remove,
        _ => Decision::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocksdb::{ColumnFamilyDescriptor, DB, Options, WriteBatch};

    fn open(path: &std::path::Path) -> DB {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        let mut cf = Options::default();
        cf.set_merge_operator(MERGE_OPERATOR, full_merge, partial_merge);
        cf.set_compaction_filter(COMPACTION_FILTER, drop_dead_rows);
        DB::open_cf_descriptors(&options, path, [ColumnFamilyDescriptor::new("state", cf)]).unwrap()
    }

    fn row(db: &DB, key: &[u8]) -> Option<(u32, Vec<u8>)> {
        let cf = db.cf_handle("state").unwrap();
        let bytes = db.get_cf(cf, key).unwrap()?;
        decode_row(&bytes)
            .unwrap()
            .map(|(count, node)| (count, node.to_vec()))
    }

    fn merge(db: &DB, key: &[u8], delta: i64, node: Option<&[u8]>) {
        let cf = db.cf_handle("state").unwrap();
        let mut batch = WriteBatch::default();
        batch.merge_cf(cf, key, operand(delta, node));
        db.write(batch).unwrap();
    }

    #[test]
    fn counts_fold_in_order_and_never_go_below_zero() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path());
        merge(&db, b"a", -1, None);
        assert_eq!(row(&db, b"a"), None, "a decrement of nothing is nothing");
        merge(&db, b"a", 1, Some(b"node"));
        assert_eq!(row(&db, b"a"), Some((1, b"node".to_vec())));
        merge(&db, b"a", 2, Some(b"node"));
        merge(&db, b"a", -1, None);
        assert_eq!(row(&db, b"a"), Some((2, b"node".to_vec())));
        merge(&db, b"a", -5, None);
        assert_eq!(row(&db, b"a"), None, "dead at zero");
        merge(&db, b"a", 1, Some(b"node"));
        assert_eq!(
            row(&db, b"a"),
            Some((1, b"node".to_vec())),
            "inserted again"
        );
    }

    #[test]
    fn rows_written_before_merges_existed_keep_their_counts() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path());
        let cf = db.cf_handle("state").unwrap();
        db.put_cf(cf, b"old", [&3u32.to_le_bytes()[..], b"node"].concat())
            .unwrap();
        merge(&db, b"old", -1, None);
        assert_eq!(row(&db, b"old"), Some((2, b"node".to_vec())));
    }

    #[test]
    fn compaction_deletes_dead_rows_and_keeps_live_ones() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path());
        let cf = db.cf_handle("state").unwrap();
        for i in 0u8..50 {
            merge(&db, &[i], 1, Some(&[i; 40]));
        }
        db.flush_cf(cf).unwrap();
        for i in 0u8..25 {
            merge(&db, &[i], -1, None);
        }
        db.flush_cf(cf).unwrap();
        // The first compaction folds operands into rows; the second sees the dead rows.
        for _ in 0..2 {
            db.compact_range_cf(cf, None::<&[u8]>, None::<&[u8]>);
        }
        let raw: Vec<_> = db
            .iterator_cf(cf, rocksdb::IteratorMode::Start)
            .map(|item| item.unwrap().0.to_vec())
            .collect();
        assert_eq!(raw, (25u8..50).map(|i| vec![i]).collect::<Vec<_>>());
        assert_eq!(row(&db, &[30]), Some((1, vec![30; 40])));
    }

    #[test]
    fn malformed_rows_are_errors_not_nodes() {
        assert!(decode_row(&[1, 0]).is_err());
        assert!(decode_row(&1u32.to_le_bytes()).is_err());
        assert_eq!(decode_row(&0u32.to_le_bytes()).unwrap(), None);
    }
}
