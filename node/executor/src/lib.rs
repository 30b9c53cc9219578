//! Runs the runtime.
//!
//! [`WasmExecutor`] executes the runtime's wasm code with wasmtime:
//! - compiled modules are cached by code hash (old versions stay cached, for blocks of the old
//!   runtime), and instantiated per call from a pooling allocator with copy-on-write memory, so a
//!   call starts from a clean instance in microseconds;
//! - the configuration is deterministic: no threads, no SIMD, NaNs canonicalized;
//! - every call is bounded: consensus calls (blocks, transaction validation) by fuel, which
//!   counts executed operators and host work deterministically ([`fuel`]), so a block's
//!   validity never depends on the node's speed or load; offchain calls by wall-clock time
//!   through epoch interruption; native stack through wasmtime's stack limit, memory through a
//!   store limiter. A runaway call ends with an [`ExecutionError`], never a hang or a crash of
//!   the node;
//! - calls are admitted by [`CallClass`] ([`slots`]): RPC queries and transaction validation
//!   have ceilings and shorter limits, and a reserve of instance slots is kept for block
//!   execution, so no flood of queries can keep a block from running; the modules block
//!   execution uses cannot be evicted by queries, and each code is compiled once however many
//!   calls race for it;
//! - host functions implement the ABI of `docs/runtime-abi.md` over the thread's
//!   [`cpc_io::Externalities`], exactly the functions `cpc-io` calls natively; signature
//!   checks remember what they verified ([`signatures`]), so the pool's check is not repeated
//!   when the block executes.
//!
//! [`NativeExecutor`] calls the same runtime compiled into the node, through the same API
//! entry points, for cross-checks and benchmarks. Both implement [`RuntimeExecutor`].

pub mod fuel;
mod host;
mod native;
pub mod signatures;
pub mod slots;
mod wasm;

pub use native::NativeExecutor;
pub use slots::CallClass;
pub use wasm::{
    BlockMeter, ClassExecutor, DEFAULT_PERIOD_MS, IdleInstances, WasmExecutor, WasmExecutorConfig,
};

use codec::{Decode, EncodeLike};
use cpc_api::{Method, core};
use cpc_io::Externalities;
use cpc_primitives::{H256, hashing::blake2_256};
use std::{borrow::Cow, sync::Arc};

/// Runtime code, identified by its hash, fetched only when it is not cached.
#[derive(Clone)]
pub struct RuntimeCode<'a> {
    /// blake2-256 of the code.
    pub hash: H256,
    fetch: CodeSource<'a>,
}

#[derive(Clone)]
enum CodeSource<'a> {
    Bytes(Cow<'a, [u8]>),
    Fetch(Arc<dyn Fn() -> Option<Vec<u8>> + Send + Sync + 'a>),
}

impl<'a> RuntimeCode<'a> {
    /// Code given as bytes (its hash is computed).
    pub fn from_bytes(code: impl Into<Cow<'a, [u8]>>) -> Self {
        let code = code.into();
        Self {
            hash: H256(blake2_256(&code)),
            fetch: CodeSource::Bytes(code),
        }
    }

    /// Code known by hash, loaded by `fetch` when needed (typically from state).
    pub fn lazy(hash: H256, fetch: impl Fn() -> Option<Vec<u8>> + Send + Sync + 'a) -> Self {
        Self {
            hash,
            fetch: CodeSource::Fetch(Arc::new(fetch)),
        }
    }

    /// The code's bytes.
    pub fn fetch(&self) -> Option<Cow<'_, [u8]>> {
        match &self.fetch {
            CodeSource::Bytes(bytes) => Some(Cow::Borrowed(bytes)),
            CodeSource::Fetch(f) => f().map(Cow::Owned),
        }
    }
}

/// Why a runtime call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecutionError {
    /// The code is not usable: not wasm, invalid, or importing functions the host lacks.
    #[error("invalid runtime code: {0}")]
    InvalidCode(String),
    /// The code could not be found (for example `:code` is missing from state).
    #[error("runtime code not found")]
    CodeNotFound,
    /// The code lacks an export the call needs.
    #[error("the runtime does not export `{0}`")]
    MissingExport(String),
    /// The runtime panicked (its message), for example a block that does not match its header.
    #[error("runtime panicked: {0}")]
    RuntimePanic(String),
    /// An offchain call ran longer than the configured limit.
    #[error("runtime call `{method}` exceeded its time limit of {limit_ms} ms")]
    Timeout {
        /// The API method.
        method: String,
        /// The limit.
        limit_ms: u64,
    },
    /// A consensus call used all its fuel ([`fuel`]): deterministic, so the same call runs out
    /// at the same point on every node.
    #[error("runtime call `{method}` ran out of fuel ({limit} units)")]
    OutOfFuel {
        /// The API method.
        method: String,
        /// The fuel it had.
        limit: u64,
    },
    /// The call recursed beyond the stack limit.
    #[error("runtime call `{0}` exhausted its stack")]
    StackOverflow(String),
    /// The call tried to use more memory than allowed.
    #[error("runtime call `{0}` ran out of memory")]
    OutOfMemory(String),
    /// Any other trap (unreachable, out-of-bounds access, bad host call arguments...).
    #[error("runtime call `{method}` trapped: {message}")]
    Trap {
        /// The API method.
        method: String,
        /// What happened.
        message: String,
    },
    /// A host function failed in a way the runtime cannot handle (a storage backend error).
    #[error("host function failed: {0}")]
    Host(String),
    /// The native runtime cannot run this code (another version).
    #[error("the native runtime ({native}) differs from the on-chain code ({on_chain})")]
    NativeVersionMismatch {
        /// The native runtime's version.
        native: String,
        /// The on-chain code's version.
        on_chain: String,
    },
    /// Every slot this class of call may use stayed taken for as long as it may wait.
    #[error("the node is busy: every runtime slot for {0:?} calls is in use; retry later")]
    Busy(CallClass),
    /// The runtime returned bytes that do not decode as the method's declared result.
    #[error("runtime call `{0}` returned a result that does not decode")]
    BadOutput(&'static str),
}

/// Calls runtime API functions.
pub trait RuntimeExecutor: Send + Sync {
    /// Calls `method` of `code` with SCALE-encoded `input`, over `ext`, and returns the
    /// SCALE-encoded result.
    fn call(
        &self,
        ext: &mut dyn Externalities,
        code: &RuntimeCode<'_>,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutionError>;
}

/// Typed calls of the runtime APIs declared in `cpc-api`: the method's marker names the export,
/// the argument tuple (anything that encodes like it, e.g. references) and the result type, so a
/// call with the wrong arguments does not compile.
pub trait CallApi {
    /// Calls method `M` of `code` over `ext` with `args`, and decodes its result.
    fn call_api<M: Method>(
        &self,
        ext: &mut dyn Externalities,
        code: &RuntimeCode<'_>,
        args: impl EncodeLike<M::Args>,
    ) -> Result<M::Output, ExecutionError>;
}

impl<E: RuntimeExecutor + ?Sized> CallApi for E {
    fn call_api<M: Method>(
        &self,
        ext: &mut dyn Externalities,
        code: &RuntimeCode<'_>,
        args: impl EncodeLike<M::Args>,
    ) -> Result<M::Output, ExecutionError> {
        let output = self.call(ext, code, M::NAME, &args.encode())?;
        M::Output::decode(&mut &output[..]).map_err(|_| ExecutionError::BadOutput(M::NAME))
    }
}

/// The encoded `RuntimeVersion` of `code`, read by calling `Core_version` over empty state.
pub fn read_runtime_version(
    executor: &dyn RuntimeExecutor,
    code: &RuntimeCode<'_>,
) -> Result<Vec<u8>, ExecutionError> {
    let backend = cpc_state_machine::InMemoryBackend::default();
    let mut overlay = cpc_state_machine::OverlayedChanges::new();
    let mut ext = cpc_state_machine::Ext::new(&mut overlay, &backend, None);
    executor.call(&mut ext, code, <core::version as Method>::NAME, &[])
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}
