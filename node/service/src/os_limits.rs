//! What the operating system allows the process, for sizing the node's own limits.

/// The process's open-file limit (the soft `RLIMIT_NOFILE`); 1024, the common default, where
/// it cannot be read.
pub fn open_file_limit() -> u64 {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `getrlimit` only writes the struct it is given, which lives for the call.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            return limit.rlim_cur;
        }
    }
    1024
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_open_file_limit_is_the_one_proc_reports() {
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap();
        let soft: u64 = line.split_whitespace().nth(3).unwrap().parse().unwrap();
        assert_eq!(super::open_file_limit(), soft);
    }
}
