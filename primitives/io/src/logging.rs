//! Logging from the runtime into the node's log.
//!
//! Runtime code uses the `log` macros as usual; [`RuntimeLogger`] forwards records to the
//! host (natively, to the `log` facade directly). The host says the maximum level it wants, so
//! the runtime skips formatting messages nobody will read.

/// Writes a log record through the host.
pub fn log(level: log::Level, target: &str, message: &[u8]) {
    #[cfg(feature = "std")]
    {
        if log::log_enabled!(target: "runtime", level) {
            log::log!(target: "runtime", level, "[{target}] {}", String::from_utf8_lossy(message));
        }
    }
    #[cfg(not(feature = "std"))]
    unsafe {
        crate::wasm::ext_logging_log_version_1(
            level as u32,
            target.as_ptr(),
            target.len() as u32,
            message.as_ptr(),
            message.len() as u32,
        )
    }
}

/// The most verbose level the host records.
pub fn max_level() -> log::LevelFilter {
    #[cfg(feature = "std")]
    return log::max_level();
    #[cfg(not(feature = "std"))]
    match unsafe { crate::wasm::ext_logging_max_level_version_1() } {
        0 => log::LevelFilter::Off,
        1 => log::LevelFilter::Error,
        2 => log::LevelFilter::Warn,
        3 => log::LevelFilter::Info,
        4 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    }
}

/// A `log::Log` that forwards to the host; installed by the runtime's entry points.
pub struct RuntimeLogger;

impl RuntimeLogger {
    /// Installs the logger for this call (wasm only; natively the node's logger is in place).
    pub fn init() {
        #[cfg(not(feature = "std"))]
        {
            static LOGGER: RuntimeLogger = RuntimeLogger;
            // Single-threaded wasm: the racy setter is sound here.
            let _ = unsafe { log::set_logger_racy(&LOGGER) };
            unsafe { log::set_max_level_racy(max_level()) };
        }
    }
}

impl log::Log for RuntimeLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        use core::fmt::Write;
        let mut message = alloc::string::String::new();
        let _ = write!(message, "{}", record.args());
        log(record.level(), record.target(), message.as_bytes());
    }

    fn flush(&self) {}
}
