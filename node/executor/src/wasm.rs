//! The wasmtime executor.

use crate::{
    ExecutionError, RuntimeCode, RuntimeExecutor, fuel,
    host::{self, HostState},
    panic_message,
    signatures::VerifiedSignatures,
    slots::{CallClass, SlotLimits, Slots},
};
use cpc_io::Externalities;
use cpc_primitives::H256;
use parking_lot::Mutex;
use std::{
    collections::HashMap,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    thread::JoinHandle,
    time::Duration,
};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module, OptLevel,
    PoolingAllocationConfig, Store, StoreLimitsBuilder, Trap,
};

/// The period [`WasmExecutorConfig::default`] computes block fuel for (the dev chain's).
pub const DEFAULT_PERIOD_MS: u64 = 1_000;
use host::EPOCH_TICK;
/// Bytes at the start of an instance's memory that stay mapped between calls (covering the
/// runtime's stack, data and initial heap); pages beyond are returned to the kernel.
const KEEP_RESIDENT: usize = 4 << 20;

/// What the instance pool keeps of slots not in use ([`WasmExecutor::idle_instances`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdleInstances {
    /// Slots a call used, free now.
    pub slots: u32,
    /// Bytes wasmtime keeps resident for them: their linear memories and tables, as far as
    /// it counts them (the pages kept, up to the bound of each).
    pub resident_bytes: u64,
}

/// Limits and sizes of the executor.
#[derive(Clone, Debug)]
pub struct WasmExecutorConfig {
    /// Fuel of a block ([`fuel::block_fuel`] of the chain's period): the most a block call
    /// ([`CallClass::Block`]) may use, and what building a block may use in total. A consensus
    /// parameter: every node of a chain must use the same.
    pub block_fuel: u64,
    /// Longest a transaction validation waits for a slot (its run is bounded by
    /// [`fuel::pool_fuel`]).
    pub pool_slot_wait: Duration,
    /// Longest an offchain call (RPC, dry runs) may run, and wait for a slot: the one
    /// wall-clock limit, as offchain results are not consensus.
    pub offchain_call_timeout: Duration,
    /// Most linear memory a runtime instance may use.
    pub max_memory_bytes: usize,
    /// Most native stack wasm code may use (bounds recursion).
    pub max_wasm_stack: usize,
    /// How many compiled code versions are kept for block execution, and as many again for
    /// offchain calls, which cannot evict the former.
    pub module_cache_size: usize,
    /// How many calls may run at once (instance slots). Every slot a call has used keeps the
    /// pages it dirtied (up to 4 MiB of its memory) until the process ends, so this also bounds
    /// that memory; and wasmtime splits a pool of 128 instances or more (twice this) into one
    /// part per core, where a call takes an unused slot of its thread's part before a used
    /// one of another, so the set of slots ever used would grow with thread churn rather than
    /// with the calls that ran at once.
    pub max_concurrent_calls: u32,
    /// Slots of `max_concurrent_calls` that only block execution may take.
    pub reserved_block_calls: u32,
    /// Most slots transaction validation may hold. Validation only computes, so more at once
    /// than the machine has cores only queues them inside the kernel instead of here, and
    /// keeps more slots resident.
    pub max_pool_calls: u32,
    /// Most slots offchain calls may hold.
    pub max_offchain_calls: u32,
    /// How many valid signatures the host remembers, so that one verified by the pool is not
    /// verified again when its block executes ([`VerifiedSignatures`]); 0 disables it.
    pub verified_signatures: usize,
    /// Threads a large signature batch is split across (0: one per core, at most 8).
    pub verify_threads: usize,
}

impl Default for WasmExecutorConfig {
    fn default() -> Self {
        Self {
            block_fuel: fuel::block_fuel(DEFAULT_PERIOD_MS),
            pool_slot_wait: Duration::from_secs(10),
            offchain_call_timeout: Duration::from_secs(4),
            max_memory_bytes: 512 * 1024 * 1024,
            max_wasm_stack: 1024 * 1024,
            module_cache_size: 4,
            max_concurrent_calls: 32,
            reserved_block_calls: 8,
            max_pool_calls: crate::signatures::machine_cores().clamp(2, 8) as u32,
            max_offchain_calls: 8,
            verified_signatures: 32_768,
            verify_threads: 0,
        }
    }
}

struct CachedModule {
    pre: InstancePre<HostState>,
    last_used: u64,
}

type Compiled = Result<InstancePre<HostState>, ExecutionError>;

/// Compiled modules in two tiers: those block execution used, which offchain calls can read
/// but never evict, and those only offchain calls used. A code being compiled has a cell that
/// concurrent callers wait on, so each code is compiled once however many calls race for it.
#[derive(Default)]
struct ModuleCache {
    /// `[block, offchain]`.
    tiers: [HashMap<H256, CachedModule>; 2],
    clock: u64,
    compiling: HashMap<H256, Arc<OnceLock<Compiled>>>,
}

impl ModuleCache {
    fn get(
        &mut self,
        hash: &H256,
        class: CallClass,
        capacity: usize,
    ) -> Option<InstancePre<HostState>> {
        self.clock += 1;
        let clock = self.clock;
        if let Some(entry) = self.tiers[0].get_mut(hash) {
            entry.last_used = clock;
            return Some(entry.pre.clone());
        }
        let entry = self.tiers[1].get_mut(hash)?;
        entry.last_used = clock;
        let pre = entry.pre.clone();
        if class == CallClass::Block {
            // Block execution now depends on it: out of offchain calls' reach.
            self.tiers[1].remove(hash);
            self.insert(*hash, pre.clone(), class, capacity);
        }
        Some(pre)
    }

    fn insert(
        &mut self,
        hash: H256,
        pre: InstancePre<HostState>,
        class: CallClass,
        capacity: usize,
    ) {
        if self.tiers.iter().any(|tier| tier.contains_key(&hash)) {
            return;
        }
        let tier = &mut self.tiers[usize::from(class != CallClass::Block)];
        if tier.len() >= capacity.max(1)
            && let Some(oldest) = tier
                .iter()
                .min_by_key(|(_, m)| m.last_used)
                .map(|(h, _)| *h)
        {
            tier.remove(&oldest);
        }
        tier.insert(
            hash,
            CachedModule {
                pre,
                last_used: self.clock,
            },
        );
    }
}

/// Executes runtime code with wasmtime. Cheap to share (`Arc`); calls may run concurrently,
/// admitted by [`CallClass`].
pub struct WasmExecutor {
    engine: Engine,
    /// The configuration runtimes are compiled with ([`WasmExecutor::compile`]).
    compiler: Config,
    linker: Linker<HostState>,
    config: WasmExecutorConfig,
    modules: Mutex<ModuleCache>,
    compilations: AtomicU64,
    slots: Slots,
    signatures: Arc<VerifiedSignatures>,
    stop_ticker: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl WasmExecutor {
    /// An executor with `config`.
    pub fn new(config: WasmExecutorConfig) -> Result<Self, ExecutionError> {
        // Twice the admitted calls: a call may read the version of new code (`set_code`),
        // which takes a second instance outside admission, and must never fail for want of
        // one (that would make a block's validity depend on the node's load). Kept under 128
        // by the default so that wasmtime does not split the pool per core (see
        // `max_concurrent_calls`).
        let instances = config.max_concurrent_calls.saturating_mul(2);
        let mut pooling = PoolingAllocationConfig::new();
        pooling
            .total_core_instances(instances)
            .total_memories(instances)
            .total_tables(instances)
            .max_memories_per_module(1)
            .max_tables_per_module(1)
            .max_memory_size(config.max_memory_bytes)
            .table_elements(64 * 1024)
            // Between calls, reset only the pages a call dirtied (PAGEMAP_SCAN on Linux 6.7+)
            // and keep them mapped, instead of unmapping and faulting them in again: this is
            // most of a call's overhead.
            .pagemap_scan(wasmtime::Enabled::Auto)
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(64 << 10);

        let mut wasm = Config::new();
        wasm.strategy(wasmtime::Strategy::Cranelift)
            .cranelift_opt_level(OptLevel::Speed)
            // Determinism: no SIMD, canonical NaNs (threads are compiled out: the `threads`
            // feature of wasmtime is off).
            .wasm_simd(false)
            .wasm_relaxed_simd(false)
            .cranelift_nan_canonicalization(true)
            // What rustc emits for wasm32-unknown-unknown.
            .wasm_bulk_memory(true)
            .wasm_multi_value(true)
            .wasm_extended_const(true)
            // Bounds on every call: fuel (deterministic) for consensus calls, the epoch (wall
            // clock) for offchain ones.
            .consume_fuel(true)
            .epoch_interruption(true)
            .max_wasm_stack(config.max_wasm_stack)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling))
            .memory_init_cow(true)
            .parallel_compilation(true);
        let engine = Engine::new(&wasm)
            .map_err(|e| ExecutionError::Host(format!("cannot start wasmtime: {e}")))?;
        // What compiles: the same settings, so its artifacts load into `engine`, without the
        // instance pool (a compiler instantiates nothing).
        let mut compiler = wasm.clone();
        compiler.allocation_strategy(InstanceAllocationStrategy::OnDemand);
        let mut linker = Linker::new(&engine);
        let signatures = Arc::new(match config.verify_threads {
            0 => VerifiedSignatures::with_machine_threads(config.verified_signatures),
            threads => VerifiedSignatures::new(config.verified_signatures, threads),
        });
        host::define(&mut linker, signatures.clone())
            .map_err(|e| ExecutionError::Host(format!("cannot define host functions: {e}")))?;

        let stop_ticker = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engine = engine.clone();
            let stop = stop_ticker.clone();
            std::thread::Builder::new()
                .name("wasm-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| ExecutionError::Host(format!("cannot start the epoch ticker: {e}")))?
        };

        let slots = Slots::new(SlotLimits {
            total: config.max_concurrent_calls,
            reserved: config.reserved_block_calls,
            pool: config.max_pool_calls,
            offchain: config.max_offchain_calls,
        });
        Ok(Self {
            engine,
            compiler,
            linker,
            config,
            modules: Mutex::new(ModuleCache::default()),
            compilations: AtomicU64::new(0),
            slots,
            signatures,
            stop_ticker,
            ticker: Some(ticker),
        })
    }

    /// The signatures the host functions have verified and remember.
    pub fn verified_signatures(&self) -> &VerifiedSignatures {
        &self.signatures
    }

    /// The configuration.
    pub fn config(&self) -> &WasmExecutorConfig {
        &self.config
    }

    /// Compiles and links `code` ahead of its first call (a no-op if it is cached), as block
    /// execution will use it.
    pub fn prepare(&self, code: &RuntimeCode<'_>) -> Result<(), ExecutionError> {
        self.instance_pre(code, CallClass::Block).map(|_| ())
    }

    /// How many times code has been compiled.
    pub fn compilations(&self) -> u64 {
        self.compilations.load(Ordering::Relaxed)
    }

    /// Slots in use, by class: `[block, pool, offchain]`.
    pub fn slots_in_use(&self) -> [u32; 3] {
        self.slots.in_use()
    }

    /// Instance slots used before and free now. A slot keeps the pages its calls dirtied (up
    /// to `KEEP_RESIDENT` of memory, and its table) mapped for the next call, and wasmtime
    /// takes a never-used slot in the calling thread's shard of the pool before a used one
    /// elsewhere: so this grows with bursts of concurrent calls, with the threads that made
    /// calls and with new code versions, up to the pool's size.
    pub fn idle_instances(&self) -> IdleInstances {
        self.engine
            .pooling_allocator_metrics()
            .map_or_else(IdleInstances::default, |pool| IdleInstances {
                slots: pool.unused_warm_memories(),
                resident_bytes: (pool.unused_memory_bytes_resident()
                    + pool.unused_table_bytes_resident()) as u64,
            })
    }

    /// This executor making calls for `class`.
    pub fn with_class(&self, class: CallClass) -> ClassExecutor<'_> {
        ClassExecutor {
            executor: self,
            class,
        }
    }

    fn instance_pre(
        &self,
        code: &RuntimeCode<'_>,
        class: CallClass,
    ) -> Result<InstancePre<HostState>, ExecutionError> {
        let capacity = self.config.module_cache_size;
        let cell = {
            let mut cache = self.modules.lock();
            if let Some(pre) = cache.get(&code.hash, class, capacity) {
                return Ok(pre);
            }
            cache.compiling.entry(code.hash).or_default().clone()
        };
        let compiled = cell.get_or_init(|| self.compile(code)).clone();
        let mut cache = self.modules.lock();
        if cache
            .compiling
            .get(&code.hash)
            .is_some_and(|current| Arc::ptr_eq(current, &cell))
        {
            cache.compiling.remove(&code.hash);
        }
        if let Ok(pre) = &compiled {
            cache.insert(code.hash, pre.clone(), class, capacity);
        }
        compiled
    }

    /// Compiles `wasm` for this executor's engine, in an engine of its own: Cranelift keeps
    /// the scratch memory of the largest functions it compiled (about 14 MB after the main
    /// runtime, measured with heaptrack in an idle `--dev` node) for as long as its engine
    /// lives, and the executor's engine lives as long as the node.
    fn compile_module(&self, wasm: &[u8]) -> Result<Module, ExecutionError> {
        let invalid = |e: wasmtime::Error| ExecutionError::InvalidCode(format!("{e:#}"));
        let compiler = Engine::new(&self.compiler)
            .map_err(|e| ExecutionError::Host(format!("cannot start a wasmtime compiler: {e}")))?;
        let artifact = Module::new(&compiler, wasm)
            .map_err(invalid)?
            .serialize()
            .map_err(|e| {
                ExecutionError::Host(format!("cannot serialize a compiled runtime: {e}"))
            })?;
        drop(compiler);
        // SAFETY: wasmtime loads a compiled artifact without checking its code, so it must be
        // what `Module::serialize` made for an engine of this configuration: `artifact` is,
        // made just above from `self.compiler`, which differs from this engine's configuration
        // only in how instances are allocated (not part of an artifact), and never left memory.
        unsafe { Module::deserialize(&self.engine, &artifact) }.map_err(|e| {
            ExecutionError::Host(format!("cannot load a runtime compiled here: {e:#}"))
        })
    }

    fn compile(&self, code: &RuntimeCode<'_>) -> Compiled {
        let bytes = code.fetch().ok_or(ExecutionError::CodeNotFound)?;
        self.compilations.fetch_add(1, Ordering::Relaxed);
        let started = std::time::Instant::now();
        let module = self.compile_module(&bytes)?;
        let pre = self
            .linker
            .instantiate_pre(&module)
            .map_err(|e| ExecutionError::InvalidCode(format!("{e:#}")))?;
        log::debug!(
            target: "executor",
            "compiled runtime {:?} ({} bytes) in {:?}",
            code.hash,
            bytes.len(),
            started.elapsed()
        );
        Ok(pre)
    }

    /// Checks that `code` compiles and exports what every runtime must
    /// ([`cpc_api::REQUIRED_EXPORTS`]).
    pub fn check_exports(
        &self,
        code: &RuntimeCode<'_>,
    ) -> Result<(), cpc_io::misc::RuntimeVersionError> {
        use cpc_io::misc::RuntimeVersionError;
        // New code read by `set_code` or a dry run: cached for offchain calls until a block
        // runs it.
        let pre = self
            .instance_pre(code, CallClass::Offchain)
            .map_err(|_| RuntimeVersionError::InvalidCode)?;
        let module = pre.module();
        let missing = cpc_api::REQUIRED_EXPORTS
            .iter()
            .any(|name| module.get_export(name).is_none());
        if missing {
            return Err(RuntimeVersionError::MissingExports);
        }
        Ok(())
    }

    /// Whether code with this hash is compiled and cached.
    pub fn is_cached(&self, hash: &H256) -> bool {
        self.modules
            .lock()
            .tiers
            .iter()
            .any(|tier| tier.contains_key(hash))
    }

    /// Calls `method` of `code` for `class`: waits for a slot of that class (an offchain call
    /// up to its time limit, a pool call up to `pool_slot_wait`, a block call as long as it
    /// takes), then runs within the class's bound: block calls within the block's fuel, pool
    /// calls within [`fuel::pool_fuel`] of it, offchain calls within their time limit.
    pub fn call_as(
        &self,
        class: CallClass,
        ext: &mut dyn Externalities,
        code: &RuntimeCode<'_>,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutionError> {
        let (wait, bound) = match class {
            CallClass::Block => (None, Bound::Fuel(self.config.block_fuel)),
            CallClass::Pool => (
                Some(self.config.pool_slot_wait),
                Bound::Fuel(fuel::pool_fuel(self.config.block_fuel)),
            ),
            CallClass::Offchain => (
                Some(self.config.offchain_call_timeout),
                Bound::Time(self.config.offchain_call_timeout),
            ),
        };
        let _slot = self.slots.acquire(class, wait)?;
        self.call_in_slot(class, bound, ext, code, method, input).0
    }

    /// A meter of `budget` fuel that successive block calls draw from: the calls that build
    /// one block, whose sum must fit what executing the block may use.
    pub fn block_meter(&self, budget: u64) -> BlockMeter<'_> {
        BlockMeter {
            executor: self,
            remaining: AtomicU64::new(budget),
        }
    }

    /// A call by a caller that holds a slot (or by a call nested in one), with the fuel it
    /// used (0 for calls bounded by time).
    fn call_in_slot(
        &self,
        class: CallClass,
        bound: Bound,
        ext: &mut dyn Externalities,
        code: &RuntimeCode<'_>,
        method: &str,
        input: &[u8],
    ) -> (Result<Vec<u8>, ExecutionError>, u64) {
        let pre = match self.instance_pre(code, class) {
            Ok(pre) => pre,
            Err(e) => return (Err(e), 0),
        };
        // A panic in a host function (a failing storage backend) unwinds through wasm to here.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cpc_io::set_and_run_with_externalities(ext, || self.run(&pre, bound, method, input))
        }))
        .unwrap_or_else(|panic| (Err(ExecutionError::Host(panic_message(panic))), 0))
    }

    fn run(
        &self,
        pre: &InstancePre<HostState>,
        bound: Bound,
        method: &str,
        input: &[u8],
    ) -> (Result<Vec<u8>, ExecutionError>, u64) {
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.config.max_memory_bytes)
            .instances(1)
            .memories(1)
            .tables(1)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(
            &self.engine,
            HostState {
                limits,
                memory: None,
                log_level: match bound {
                    Bound::Fuel(_) => host::CONSENSUS_LOG_LEVEL,
                    Bound::Time(_) => log::max_level() as i32,
                },
                deadline: match bound {
                    Bound::Fuel(_) => None,
                    Bound::Time(timeout) => Some(std::time::Instant::now() + timeout),
                },
            },
        );
        store.limiter(|state| &mut state.limits);
        let fuel = match bound {
            Bound::Fuel(fuel) => {
                // No wall-clock limit: whether the call completes must not depend on the node.
                store.set_epoch_deadline(u64::MAX / 2);
                fuel
            }
            Bound::Time(timeout) => {
                let ticks = (timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
                store.set_epoch_deadline(ticks);
                u64::MAX
            }
        };
        store.epoch_deadline_trap();
        // Cannot fail: fuel is enabled on the engine.
        let _ = store.set_fuel(fuel);
        let result = Self::invoke(&mut store, pre, method, input)
            .map_err(|e| e.into_execution_error(|e| self.classify(method, bound, e)));
        let used = match bound {
            Bound::Fuel(fuel) => fuel.saturating_sub(store.get_fuel().unwrap_or(0)),
            Bound::Time(_) => 0,
        };
        (result, used)
    }

    fn invoke(
        store: &mut Store<HostState>,
        pre: &InstancePre<HostState>,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, CallFailure> {
        let instance = pre.instantiate(&mut *store)?;
        let memory = instance
            .get_memory(&mut *store, "memory")
            .ok_or_else(|| ExecutionError::MissingExport("memory".into()))?;
        store.data_mut().memory = Some(memory);
        let alloc = instance
            .get_typed_func::<i32, i32>(&mut *store, "cpc_alloc")
            .map_err(|_| ExecutionError::MissingExport("cpc_alloc".into()))?;
        let entry = instance
            .get_typed_func::<(i32, i32), i64>(&mut *store, method)
            .map_err(|_| ExecutionError::MissingExport(method.into()))?;

        let len = i32::try_from(input.len()).map_err(|_| {
            ExecutionError::Host(format!("input of {} bytes is too large", input.len()))
        })?;
        let ptr = alloc.call(&mut *store, len)?;
        memory
            .write(&mut *store, ptr as u32 as usize, input)
            .map_err(|_| ExecutionError::Trap {
                method: method.into(),
                message: "the input does not fit in memory".into(),
            })?;
        let packed = entry.call(&mut *store, (ptr, len))? as u64;
        let (out_ptr, out_len) = ((packed & 0xffff_ffff) as usize, (packed >> 32) as usize);
        let mut output = vec![0u8; out_len];
        memory
            .read(&*store, out_ptr, &mut output)
            .map_err(|_| ExecutionError::Trap {
                method: method.into(),
                message: "the result lies outside memory".into(),
            })?;
        Ok(output)
    }

    fn classify(&self, method: &str, bound: Bound, error: wasmtime::Error) -> ExecutionError {
        if let Some(panic) = error.downcast_ref::<host::RuntimePanic>() {
            return ExecutionError::RuntimePanic(panic.0.clone());
        }
        if let Some(host_error) = error.downcast_ref::<host::HostError>() {
            return ExecutionError::Host(host_error.0.clone());
        }
        match (error.downcast_ref::<Trap>(), bound) {
            (Some(Trap::Interrupt), Bound::Time(timeout)) => ExecutionError::Timeout {
                method: method.into(),
                limit_ms: timeout.as_millis() as u64,
            },
            (Some(Trap::OutOfFuel), Bound::Fuel(limit)) => ExecutionError::OutOfFuel {
                method: method.into(),
                limit,
            },
            (Some(Trap::StackOverflow), _) => ExecutionError::StackOverflow(method.into()),
            _ => {
                let message = format!("{error:#}");
                if message.contains("growing memory") || message.contains("memory growth") {
                    ExecutionError::OutOfMemory(method.into())
                } else {
                    ExecutionError::Trap {
                        method: method.into(),
                        message,
                    }
                }
            }
        }
    }
}

/// What bounds a call.
#[derive(Clone, Copy, Debug)]
enum Bound {
    /// Fuel: deterministic, for consensus calls.
    Fuel(u64),
    /// Wall-clock time: for offchain calls.
    Time(Duration),
}

/// Why [`WasmExecutor::invoke`] failed: wasmtime's error (classified later) or ours.
enum CallFailure {
    Wasmtime(wasmtime::Error),
    Execution(ExecutionError),
}

impl From<wasmtime::Error> for CallFailure {
    fn from(e: wasmtime::Error) -> Self {
        Self::Wasmtime(e)
    }
}

impl From<ExecutionError> for CallFailure {
    fn from(e: ExecutionError) -> Self {
        Self::Execution(e)
    }
}

impl CallFailure {
    fn into_execution_error(
        self,
        classify: impl FnOnce(wasmtime::Error) -> ExecutionError,
    ) -> ExecutionError {
        match self {
            Self::Wasmtime(e) => classify(e),
            Self::Execution(e) => e,
        }
    }
}

/// Block calls drawing on one budget of fuel ([`WasmExecutor::block_meter`]): each call may use
/// what remains, and what it used (also when it failed) is taken off.
pub struct BlockMeter<'a> {
    executor: &'a WasmExecutor,
    remaining: AtomicU64,
}

impl BlockMeter<'_> {
    /// Fuel left.
    pub fn remaining(&self) -> u64 {
        self.remaining.load(Ordering::Relaxed)
    }

    /// Takes up to `fuel` off the budget for later calls; what it took, for [`Self::release`].
    pub fn hold(&self, fuel: u64) -> u64 {
        let mut held = 0;
        let _ = self
            .remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                held = fuel.min(left);
                Some(left - held)
            });
        held
    }

    /// Sets the fuel left back to `remaining` (a measure taken before calls whose effects were
    /// rolled back: fuel they used does not count).
    pub fn restore(&self, remaining: u64) {
        self.remaining.store(remaining, Ordering::Relaxed);
    }

    /// Adds `fuel` held back to the budget.
    pub fn release(&self, fuel: u64) {
        let _ = self
            .remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_add(fuel))
            });
    }
}

impl RuntimeExecutor for BlockMeter<'_> {
    fn call(
        &self,
        ext: &mut dyn Externalities,
        code: &RuntimeCode<'_>,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutionError> {
        let _slot = self.executor.slots.acquire(CallClass::Block, None)?;
        let budget = self.remaining();
        let (result, used) = self.executor.call_in_slot(
            CallClass::Block,
            Bound::Fuel(budget),
            ext,
            code,
            method,
            input,
        );
        let _ = self
            .remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_sub(used))
            });
        result
    }
}

impl Drop for WasmExecutor {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

/// Calls as [`CallClass::Block`]: the executor as block import and authoring use it.
impl RuntimeExecutor for WasmExecutor {
    fn call(
        &self,
        ext: &mut dyn Externalities,
        code: &RuntimeCode<'_>,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutionError> {
        self.call_as(CallClass::Block, ext, code, method, input)
    }
}

/// A [`WasmExecutor`] making every call for one [`CallClass`].
#[derive(Clone, Copy)]
pub struct ClassExecutor<'a> {
    executor: &'a WasmExecutor,
    class: CallClass,
}

impl RuntimeExecutor for ClassExecutor<'_> {
    fn call(
        &self,
        ext: &mut dyn Externalities,
        code: &RuntimeCode<'_>,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutionError> {
        self.executor.call_as(self.class, ext, code, method, input)
    }
}

impl cpc_state_machine::ReadRuntimeVersion for WasmExecutor {
    fn read_runtime_version(
        &self,
        code: &[u8],
    ) -> Result<Vec<u8>, cpc_io::misc::RuntimeVersionError> {
        use cpc_io::misc::RuntimeVersionError;
        let code = RuntimeCode::from_bytes(code);
        self.check_exports(&code)?;
        // Nested in a call that holds a slot (`set_code`): runs outside admission, on the
        // pool's spare instances, so it cannot wait on slots its own caller holds.
        let backend = cpc_state_machine::InMemoryBackend::default();
        let mut overlay = cpc_state_machine::OverlayedChanges::new();
        let mut ext = cpc_state_machine::Ext::new(&mut overlay, &backend, None);
        // Bounded by fuel: a block's validity may depend on this call (`set_code`).
        let (version, _) = self.call_in_slot(
            CallClass::Offchain,
            Bound::Fuel(fuel::host::VERSION_CALL),
            &mut ext,
            &code,
            <cpc_api::core::version as cpc_api::Method>::NAME,
            &[],
        );
        let version = version.map_err(|e| match e {
            ExecutionError::InvalidCode(_) | ExecutionError::CodeNotFound => {
                RuntimeVersionError::InvalidCode
            }
            ExecutionError::MissingExport(_) => RuntimeVersionError::MissingExports,
            _ => RuntimeVersionError::VersionCallFailed,
        })?;
        <cpc_version::RuntimeVersion as codec::Decode>::decode(&mut &version[..])
            .map_err(|_| RuntimeVersionError::VersionCallFailed)?;
        Ok(version)
    }
}
