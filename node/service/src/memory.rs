//! The node's memory allocator, jemalloc, and what it reports.
//!
//! The node allocates through jemalloc ([`Allocator`], the `cpchain` binary's global allocator)
//! rather than glibc's, and jemalloc also serves RocksDB's C++ allocations and every other
//! `malloc` in the process (the `unprefixed_malloc_on_supported_platforms` feature). Why: a
//! validator's allocations churn for as long as it runs (blocks, gossip, RocksDB's memtables
//! and block cache, the trie cache, the pool), and glibc's heaps, even held to a few arenas, a
//! fixed mmap threshold and a `malloc_trim` every 30 s, kept an ever larger share of freed
//! memory: under the soak's load the resident floor rose 1.2–1.7 MiB per 10 minutes, about
//! half of it memory freed and kept (docs/reliability.md, §4). jemalloc sorts allocations into
//! size classes inside page runs, so a freed block is reused by the next of its class instead
//! of splitting a free chunk of another size, and its background threads return pages left
//! unused for ten seconds to the system (decay) without the node asking.
//!
//! [`allocator_stats`] reads jemalloc's counters for the metrics (`cpc_allocator_bytes`): what
//! tells a leak (memory in use growing) from fragmentation (memory held but unused growing).
//! Without the `jemalloc` feature (the `cpchain` binary turns it on) or off unix, the process
//! keeps its system allocator and there are no counters.

/// The allocator the `cpchain` binary installs with `#[global_allocator]`; other binaries built
/// on this crate should do the same, since its C allocations go to jemalloc regardless.
#[cfg(all(unix, feature = "jemalloc"))]
pub use tikv_jemallocator::Jemalloc as Allocator;

/// What the allocator holds, in bytes ([`allocator_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocatorStats {
    /// Allocated and not yet freed (jemalloc's `stats.allocated`).
    pub in_use: u64,
    /// Resident but holding no allocation: pages of partly used runs, and pages freed but not
    /// yet returned (decay). jemalloc's `stats.resident` less what is in use and its metadata.
    pub free: u64,
    /// The allocator's own bookkeeping (`stats.metadata`).
    pub metadata: u64,
}

/// The allocator's counters, refreshed first (jemalloc updates them only when asked): for a
/// metrics scrape, not a hot path. `None` where jemalloc is not used or a counter cannot be read.
pub fn allocator_stats() -> Option<AllocatorStats> {
    #[cfg(all(unix, feature = "jemalloc"))]
    {
        jemalloc::refresh()?;
        let in_use = jemalloc::read_size(c"stats.allocated")?;
        let resident = jemalloc::read_size(c"stats.resident")?;
        let metadata = jemalloc::read_size(c"stats.metadata")?;
        Some(AllocatorStats {
            in_use,
            free: resident.saturating_sub(in_use + metadata),
            metadata,
        })
    }
    #[cfg(not(all(unix, feature = "jemalloc")))]
    {
        None
    }
}

/// Returns every page the allocator holds unused to the system now, instead of at the end of
/// its decay; `true` if it could. For tests and measurements: the node itself leaves this to
/// jemalloc's background threads.
pub fn purge() -> bool {
    #[cfg(all(unix, feature = "jemalloc"))]
    {
        jemalloc::purge_all()
    }
    #[cfg(not(all(unix, feature = "jemalloc")))]
    {
        false
    }
}

/// The few `mallctl` calls the node makes, each a plain value of a known type.
#[cfg(all(unix, feature = "jemalloc"))]
mod jemalloc {
    use std::ffi::CStr;
    use tikv_jemalloc_sys as ffi;

    /// `MALLCTL_ARENAS_ALL`: `arena.<i>` with this index means every arena.
    const ALL_ARENAS: u32 = 4096;

    /// Advances the statistics epoch, which makes jemalloc recompute its counters.
    pub fn refresh() -> Option<()> {
        let mut epoch: u64 = 1;
        let mut len = std::mem::size_of::<u64>();
        // SAFETY: "epoch" is a read-write `uint64_t`: `oldp` and `newp` point to one each, with
        // their size given.
        let status = unsafe {
            ffi::mallctl(
                c"epoch".as_ptr(),
                (&raw mut epoch).cast(),
                &mut len,
                (&raw mut epoch).cast(),
                std::mem::size_of::<u64>(),
            )
        };
        (status == 0).then_some(())
    }

    /// Reads a `size_t` counter such as "stats.allocated".
    pub fn read_size(name: &CStr) -> Option<u64> {
        let mut value: usize = 0;
        let mut len = std::mem::size_of::<usize>();
        // SAFETY: the names passed here are read-only `size_t` values; `oldp` points to one,
        // with its size in `oldlenp`, and nothing is written.
        let status = unsafe {
            ffi::mallctl(
                name.as_ptr(),
                (&raw mut value).cast(),
                &mut len,
                std::ptr::null_mut(),
                0,
            )
        };
        (status == 0 && len == std::mem::size_of::<usize>()).then_some(value as u64)
    }

    /// `arena.<all>.purge`: every arena returns its unused pages.
    pub fn purge_all() -> bool {
        let name = format!("arena.{ALL_ARENAS}.purge\0");
        // SAFETY: "arena.<i>.purge" takes and returns nothing: all four pointers null.
        let status = unsafe {
            ffi::mallctl(
                name.as_ptr().cast(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            )
        };
        status == 0
    }
}

#[cfg(all(test, unix, feature = "jemalloc"))]
mod tests {
    use super::{allocator_stats, purge};

    // The test binary's allocations go to jemalloc through `malloc` (the crate's C allocator),
    // as the node's do through both paths.

    /// Resident pages of this process (nextest runs each test in a process of its own).
    fn resident_pages() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        statm.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Memory allocated shows as in use, and once freed as in use no longer: held but unused
    /// until the allocator returns it.
    #[test]
    fn allocator_stats_follow_allocations_and_frees() {
        let before = allocator_stats().expect("jemalloc's counters");
        let blocks: Vec<Vec<u8>> = (0..4_096).map(|i| vec![i as u8; 1_024]).collect();
        let during = allocator_stats().unwrap();
        assert!(
            during.in_use >= before.in_use + (4 << 20),
            "4 MiB more in use: {before:?} -> {during:?}"
        );
        assert!(during.metadata > 0, "bookkeeping is counted: {during:?}");
        drop(std::hint::black_box(blocks));
        let after = allocator_stats().unwrap();
        assert!(
            after.in_use + (3 << 20) < during.in_use,
            "freed: {during:?} -> {after:?}"
        );
    }

    #[test]
    fn freed_memory_goes_back_to_the_system() {
        let blocks: Vec<Vec<u8>> = (0..16_384).map(|i| vec![i as u8; 4_096]).collect();
        let held = resident_pages();
        drop(std::hint::black_box(blocks));
        // The kernel may count the returned pages a moment later on a busy machine: bounded
        // retries, each purging again.
        let mut after = held;
        for _ in 0..20 {
            assert!(purge(), "the arenas were purged");
            after = resident_pages();
            if after + 4_096 < held {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(
            after + 4_096 < held,
            "at least 16 MiB fewer resident pages: {held} -> {after}"
        );
        let stats = allocator_stats().unwrap();
        assert!(stats.free < 16 << 20, "not held any more: {stats:?}");
    }
}
