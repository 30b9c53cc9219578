//! Giving freed memory back to the operating system, keeping glibc's allocator from holding
//! on to it, and reporting what it holds.
//!
//! glibc's allocator keeps memory freed inside its heaps for later allocations instead of
//! returning it: after start-up (compiling the runtime, building genesis, opening the
//! database) an idle `--dev` node held about 10 MB of freed heap that it would not use again
//! (66.7 MB resident, 55.6 MB once trimmed; docs/benchmarks.md). Every [`TRIM_EVERY`] the node
//! asks the allocator to return what it can (`malloc_trim`), off the async workers since the
//! call walks the whole heap. Elsewhere (another libc or allocator) this does nothing.
//!
//! Two of glibc's defaults also let a long-running node's memory creep up under load, so
//! [`configure_allocator`] changes them before any thread starts:
//! - **the mmap threshold is fixed** ([`MMAP_THRESHOLD`]). By default glibc raises it to the
//!   size of any large block it frees (up to 32 MiB): once RocksDB has freed its first
//!   memtable blocks (4 MiB each), every later one, and every block body, RPC body and gossip
//!   batch, is carved out of the heaps instead of mapped on its own, and what is freed there
//!   is returned only if it happens to leave whole pages free, so the heaps keep what the
//!   busiest moment needed. Mapped blocks go back to the system when freed.
//! - **fewer arenas** ([`ARENAS`]). glibc gives threads up to eight heaps per core; the node's
//!   blocking threads come and go (tokio retires them after 10 s idle), new ones land on
//!   other heaps, and each heap keeps its own free memory that the others cannot use.
//!
//! Both can be overridden with glibc's own environment variables (`MALLOC_ARENA_MAX`,
//! `MALLOC_MMAP_THRESHOLD_`), which win when set. docs/reliability.md (the soak) has the
//! figures.

use std::time::Duration;

/// How often freed memory is given back.
pub const TRIM_EVERY: Duration = Duration::from_secs(30);

/// Allocations of at least this many bytes get a mapping of their own (glibc's initial
/// value, kept fixed instead of rising).
pub const MMAP_THRESHOLD: usize = 128 * 1024;

/// Most heaps (arenas) glibc's allocator keeps, the main one included.
pub const ARENAS: usize = 4;

/// Applies [`MMAP_THRESHOLD`] and [`ARENAS`], unless the environment sets them. Call before
/// starting threads. Elsewhere (another libc or allocator) this does nothing.
pub fn configure_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only changes the allocator's tuning parameters, under its own
        // lock; memory already allocated is not touched.
        unsafe {
            if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int);
            }
            if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
                libc::mallopt(libc::M_ARENA_MAX, ARENAS as libc::c_int);
            }
        }
    }
}

/// Starts the periodic trim on the current tokio runtime.
pub fn spawn_trimmer() {
    tokio::spawn(async {
        let mut ticker = tokio::time::interval(TRIM_EVERY);
        loop {
            ticker.tick().await;
            let _ = tokio::task::spawn_blocking(trim).await;
        }
    });
}

/// Returns freed heap memory to the operating system; `true` if any was returned.
pub fn trim() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `malloc_trim` only releases pages of free chunks in glibc's own arenas,
        // taking each arena's lock as an allocation would; no memory in use is touched.
        unsafe { libc::malloc_trim(0) != 0 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// What the allocator holds, in bytes ([`allocator_stats`]): what tells a leak (memory in use
/// growing) from fragmentation (free memory kept in the heaps growing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocatorStats {
    /// Allocated and not yet freed, in the heaps and in mappings of their own.
    pub in_use: u64,
    /// Freed but kept in the heaps for later allocations (what a trim may return).
    pub free: u64,
    /// Of `in_use`, blocks in mappings of their own (those of at least the mmap threshold,
    /// [`MMAP_THRESHOLD`] unless the environment sets another).
    pub mapped: u64,
}

/// The allocator's counters (glibc's `mallinfo2`, which walks every heap under its lock: for a
/// metrics scrape, not a hot path). `None` elsewhere (another libc or allocator).
pub fn allocator_stats() -> Option<AllocatorStats> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallinfo2` only reads the allocator's counters, under each heap's lock.
        let info = unsafe { libc::mallinfo2() };
        Some(AllocatorStats {
            in_use: (info.uordblks + info.hblkhd) as u64,
            free: info.fordblks as u64,
            mapped: info.hblkhd as u64,
        })
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::{allocator_stats, configure_allocator, trim};

    /// Resident pages of this process (nextest runs each test in a process of its own).
    fn resident_pages() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        statm.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn freed_heap_memory_goes_back_to_the_system() {
        // 64 MiB in blocks small enough to live in the heap rather than in their own mappings,
        // then all freed but the last, which pins the heap's top so that freeing alone cannot
        // shrink it.
        let mut blocks: Vec<Vec<u8>> = (0..16_384).map(|i| vec![i as u8; 4_096]).collect();
        let pinned = blocks.pop();
        drop(blocks);
        let before = resident_pages();
        assert!(trim(), "the freed blocks were returned");
        let after = resident_pages();
        assert!(
            after + 4_096 < before,
            "at least 16 MiB fewer resident pages: {before} -> {after}"
        );
        drop(pinned);
    }

    /// Bytes the allocator holds in mappings of their own (`hblkhd`).
    fn mapped_bytes() -> usize {
        // SAFETY: `mallinfo2` only reads the allocator's counters.
        unsafe { libc::mallinfo2().hblkhd }
    }

    #[test]
    fn large_blocks_stay_mapped_after_one_is_freed() {
        configure_allocator();
        const BLOCK: usize = 4 << 20;
        // glibc's default would raise the threshold to 4 MiB at this free, and serve the
        // second block from a heap, where freeing it returns nothing to the system.
        drop(std::hint::black_box(vec![1u8; BLOCK]));
        let before = mapped_bytes();
        let second = std::hint::black_box(vec![2u8; BLOCK]);
        assert!(
            mapped_bytes() >= before + BLOCK,
            "the second block has a mapping of its own: {before} -> {}",
            mapped_bytes()
        );
        drop(second);
        assert!(mapped_bytes() < before + BLOCK, "and freeing it unmaps it");
    }

    /// Memory allocated shows as in use, and once freed as in use no longer (small blocks
    /// become free heap memory, until a trim returns it). The counters are the process's:
    /// nextest runs each test in a process of its own, so no other test allocates meanwhile.
    #[test]
    fn allocator_stats_follow_allocations_and_frees() {
        configure_allocator();
        let before = allocator_stats().unwrap();
        let mut blocks: Vec<Vec<u8>> = (0..4_096).map(|i| vec![i as u8; 1_024]).collect();
        let during = allocator_stats().unwrap();
        assert!(
            during.in_use >= before.in_use + (4 << 20),
            "4 MiB more in use: {before:?} -> {during:?}"
        );
        // The last block pins the heap's top, which freeing alone would otherwise shrink.
        let pinned = blocks.pop();
        drop(std::hint::black_box(blocks));
        let after = allocator_stats().unwrap();
        assert!(
            after.in_use + (3 << 20) < during.in_use,
            "freed: {during:?} -> {after:?}"
        );
        assert!(after.free >= 3 << 20, "kept in the heap: {after:?}");
        drop(pinned);
    }
}
