//! Giving freed memory back to the operating system.
//!
//! glibc's allocator keeps memory freed inside its heaps for later allocations instead of
//! returning it: after start-up (compiling the runtime, building genesis, opening the
//! database) an idle `--dev` node held about 10 MB of freed heap that it would not use again
//! (66.7 MB resident, 55.6 MB once trimmed; docs/benchmarks.md). Every [`TRIM_EVERY`] the node
//! asks the allocator to return what it can (`malloc_trim`), off the async workers since the
//! call walks the whole heap. Elsewhere (another libc or allocator) this does nothing.

use std::time::Duration;

/// How often freed memory is given back.
pub const TRIM_EVERY: Duration = Duration::from_secs(30);

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

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::trim;

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
}
