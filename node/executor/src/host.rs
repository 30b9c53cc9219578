//! The host functions: the `env` imports of the runtime ABI, over the thread's externalities.
//!
//! Every pointer the runtime passes is bounds-checked against its memory; a bad one traps the
//! call (it is a runtime bug, and must not crash the node). Data flows out only through
//! buffers the runtime provides.

use crate::{fuel::host as fuel, signatures::VerifiedSignatures};
use codec::Decode;
use cpc_crypto::sr25519::{Public, Signature, VrfSignature};
use cpc_io::Externalities;
use std::{fmt, sync::Arc};
use wasmtime::{Caller, Linker, StoreLimits};

/// State of one call's store: its memory limits, and the memory the host functions read and
/// write (set once the instance exists).
pub(crate) struct HostState {
    pub(crate) limits: StoreLimits,
    pub(crate) memory: Option<wasmtime::Memory>,
    /// The log level the runtime is told (`ext_logging_max_level`): fixed for consensus calls,
    /// whose work (and fuel) must not depend on a node's log settings; the node's own for
    /// offchain calls.
    pub(crate) log_level: i32,
    /// When a time-bounded (offchain) call must end; `None` for calls bounded by fuel.
    pub(crate) deadline: Option<std::time::Instant>,
}

/// How often the epoch advances; call time limits are counted in these ticks.
pub(crate) const EPOCH_TICK: std::time::Duration = std::time::Duration::from_millis(10);

/// Gives a time-bounded call back the time a host function spent compiling new code (a dry
/// run's version read): compiling is bounded by the code size limit and happens once per
/// code, and a query must not fail because the node compiled for it under load.
fn extend_deadline(caller: &mut C<'_>, spent: std::time::Duration) {
    use wasmtime::AsContextMut;
    let Some(end) = caller.data().deadline else {
        return;
    };
    let end = end + spent;
    caller.data_mut().deadline = Some(end);
    let left = end.saturating_duration_since(std::time::Instant::now());
    let ticks = (left.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
    caller.as_context_mut().set_epoch_deadline(ticks);
}

/// The runtime's log level in consensus calls: info. Every node formats and charges the same
/// messages, whatever it logs; the runtime's debug and trace messages show only in offchain
/// calls.
pub(crate) const CONSENSUS_LOG_LEVEL: i32 = log::LevelFilter::Info as i32;

/// A runtime panic: the message the runtime passed to `ext_misc_panic_version_1`.
#[derive(Debug)]
pub(crate) struct RuntimePanic(pub String);

impl fmt::Display for RuntimePanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "runtime panicked: {}", self.0)
    }
}

impl std::error::Error for RuntimePanic {}

/// A failure of the host side (no externalities installed, for example).
#[derive(Debug)]
pub(crate) struct HostError(pub String);

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostError {}

type Result<T> = wasmtime::Result<T>;
type C<'a> = Caller<'a, HostState>;

/// The most bytes a host function copies out of the runtime in one argument; the runtime's own
/// memory limit bounds this further.
const MAX_ARGUMENT: usize = 64 * 1024 * 1024;

fn memory(caller: &C<'_>) -> Result<wasmtime::Memory> {
    caller
        .data()
        .memory
        .ok_or_else(|| wasmtime::Error::msg("host function called before the memory was known"))
}

/// Charges `units` of fuel to the call (see [`crate::fuel`]); running out traps it exactly as
/// wasm code running out does.
fn charge(caller: &mut C<'_>, units: u64) -> Result<()> {
    let left = caller.get_fuel()?;
    if left < units {
        caller.set_fuel(0)?;
        return Err(wasmtime::Error::new(wasmtime::Trap::OutOfFuel));
    }
    caller.set_fuel(left - units)
}

fn bytes_charge(len: usize) -> u64 {
    fuel::CALL + len as u64 * fuel::PER_BYTE
}

/// Copies an argument out of the runtime's memory, charging for the copy.
fn read(caller: &mut C<'_>, ptr: i32, len: i32) -> Result<Vec<u8>> {
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    if len > MAX_ARGUMENT {
        return Err(wasmtime::Error::msg(format!(
            "argument of {len} bytes is too large"
        )));
    }
    charge(caller, bytes_charge(len))?;
    copy_out(caller, ptr, len)
}

/// Copies `len` bytes at `ptr` out of the runtime's memory, without charging (for callers that
/// charged already, or whose charge must not depend on whether they copy).
fn copy_out(caller: &C<'_>, ptr: usize, len: usize) -> Result<Vec<u8>> {
    let memory = memory(caller)?;
    let end = ptr
        .checked_add(len)
        .ok_or_else(|| wasmtime::Error::msg("pointer overflow"))?;
    memory
        .data(caller)
        .get(ptr..end)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| wasmtime::Error::msg(format!("out of bounds read of {len} bytes at {ptr}")))
}

/// Copies a result into the runtime's memory, charging for the copy.
fn write(caller: &mut C<'_>, ptr: i32, bytes: &[u8]) -> Result<()> {
    charge(caller, bytes_charge(bytes.len()))?;
    let memory = memory(caller)?;
    memory
        .write(caller, ptr as u32 as usize, bytes)
        .map_err(|_| {
            wasmtime::Error::msg(format!(
                "out of bounds write of {} bytes at {ptr}",
                bytes.len()
            ))
        })
}

fn with_ext<R>(f: impl FnOnce(&mut dyn Externalities) -> R) -> Result<R> {
    cpc_io::with_externalities(f)
        .ok_or_else(|| wasmtime::Error::new(HostError("no externalities are installed".into())))
}

/// Writes `data[offset..]` into the buffer `out_ptr..out_ptr+out_len` (as much as fits) and
/// returns the full length of `data`.
fn write_partial(
    caller: &mut C<'_>,
    data: &[u8],
    out_ptr: i32,
    out_len: i32,
    offset: usize,
) -> Result<i64> {
    let start = offset.min(data.len());
    let count = (out_len as u32 as usize).min(data.len() - start);
    write(caller, out_ptr, &data[start..start + count])?;
    Ok(data.len() as i64)
}

fn hash_into<const N: usize>(
    caller: &mut C<'_>,
    data_ptr: i32,
    data_len: i32,
    out_ptr: i32,
    f: fn(&[u8]) -> [u8; N],
) -> Result<()> {
    let data = read(caller, data_ptr, data_len)?;
    charge(caller, data.len() as u64 * fuel::HASH_PER_BYTE)?;
    write(caller, out_ptr, &f(&data))
}

/// Defines every host function of the ABI on `linker`.
pub(crate) fn define(
    linker: &mut Linker<HostState>,
    signatures: Arc<VerifiedSignatures>,
) -> Result<()> {
    use cpc_primitives::hashing;

    linker.func_wrap(
        "env",
        "ext_storage_read_version_1",
        |mut c: C<'_>,
         key_ptr: i32,
         key_len: i32,
         out_ptr: i32,
         out_len: i32,
         offset: i32|
         -> Result<i64> {
            let key = read(&mut c, key_ptr, key_len)?;
            charge(&mut c, fuel::STORAGE_READ)?;
            match with_ext(|e| e.storage(&key))? {
                None => Ok(-1),
                Some(value) => {
                    write_partial(&mut c, &value, out_ptr, out_len, offset as u32 as usize)
                }
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_set_version_1",
        |mut c: C<'_>, key_ptr: i32, key_len: i32, value_ptr: i32, value_len: i32| -> Result<()> {
            let key = read(&mut c, key_ptr, key_len)?;
            let value = read(&mut c, value_ptr, value_len)?;
            charge(&mut c, fuel::STORAGE_WRITE)?;
            with_ext(|e| e.set_storage(key, value))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_version_1",
        |mut c: C<'_>, key_ptr: i32, key_len: i32| -> Result<()> {
            let key = read(&mut c, key_ptr, key_len)?;
            charge(&mut c, fuel::STORAGE_WRITE)?;
            with_ext(|e| e.clear_storage(&key))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_exists_version_1",
        |mut c: C<'_>, key_ptr: i32, key_len: i32| -> Result<i32> {
            let key = read(&mut c, key_ptr, key_len)?;
            charge(&mut c, fuel::STORAGE_READ)?;
            Ok(i32::from(with_ext(|e| e.exists_storage(&key))?))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_next_key_version_1",
        |mut c: C<'_>, key_ptr: i32, key_len: i32, out_ptr: i32, out_len: i32| -> Result<i64> {
            let key = read(&mut c, key_ptr, key_len)?;
            charge(&mut c, fuel::STORAGE_READ)?;
            match with_ext(|e| e.next_storage_key(&key))? {
                None => Ok(-1),
                Some(next) => write_partial(&mut c, &next, out_ptr, out_len, 0),
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_prefix_version_1",
        |mut c: C<'_>, prefix_ptr: i32, prefix_len: i32, limit: i64| -> Result<i64> {
            let prefix = read(&mut c, prefix_ptr, prefix_len)?;
            let limit = u32::try_from(limit).ok();
            charge(&mut c, fuel::STORAGE_WRITE)?;
            let result = with_ext(|e| e.clear_prefix(&prefix, limit))?;
            // Charged after the fact: how many keys go is known only now (and is deterministic).
            charge(
                &mut c,
                u64::from(result.removed).saturating_mul(fuel::STORAGE_CLEARED_KEY),
            )?;
            Ok(i64::from(result.removed) | (i64::from(result.complete) << 32))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_append_version_1",
        |mut c: C<'_>, key_ptr: i32, key_len: i32, item_ptr: i32, item_len: i32| -> Result<()> {
            let key = read(&mut c, key_ptr, key_len)?;
            let item = read(&mut c, item_ptr, item_len)?;
            charge(&mut c, fuel::STORAGE_WRITE)?;
            with_ext(|e| e.append_storage(key, item))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_root_version_1",
        |mut c: C<'_>, out_ptr: i32| -> Result<()> {
            charge(&mut c, fuel::STORAGE_ROOT)?;
            let root = with_ext(|e| e.storage_root())?;
            write(&mut c, out_ptr, root.as_bytes())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_start_transaction_version_1",
        |mut c: C<'_>| -> Result<()> {
            charge(&mut c, fuel::STORAGE_TRANSACTION)?;
            with_ext(|e| e.storage_start_transaction())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_commit_transaction_version_1",
        |mut c: C<'_>| -> Result<i32> {
            charge(&mut c, fuel::STORAGE_TRANSACTION)?;
            Ok(i32::from(
                with_ext(|e| e.storage_commit_transaction())?.is_err(),
            ))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_rollback_transaction_version_1",
        |mut c: C<'_>| -> Result<i32> {
            charge(&mut c, fuel::STORAGE_TRANSACTION)?;
            Ok(i32::from(
                with_ext(|e| e.storage_rollback_transaction())?.is_err(),
            ))
        },
    )?;

    linker.func_wrap(
        "env",
        "ext_hashing_blake2_128_version_1",
        |mut c: C<'_>, p: i32, l: i32, out: i32| hash_into(&mut c, p, l, out, hashing::blake2_128),
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_blake2_256_version_1",
        |mut c: C<'_>, p: i32, l: i32, out: i32| hash_into(&mut c, p, l, out, hashing::blake2_256),
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_twox_64_version_1",
        |mut c: C<'_>, p: i32, l: i32, out: i32| hash_into(&mut c, p, l, out, hashing::twox_64),
    )?;
    linker.func_wrap(
        "env",
        "ext_hashing_twox_128_version_1",
        |mut c: C<'_>, p: i32, l: i32, out: i32| hash_into(&mut c, p, l, out, hashing::twox_128),
    )?;

    let verified = signatures.clone();
    linker.func_wrap(
        "env",
        "ext_crypto_sr25519_verify_version_1",
        move |mut c: C<'_>,
              sig_ptr: i32,
              msg_ptr: i32,
              msg_len: i32,
              public_ptr: i32|
              -> Result<i32> {
            let mut signature = Signature([0; 64]);
            signature.0.copy_from_slice(&read(&mut c, sig_ptr, 64)?);
            let mut public = Public([0; 32]);
            public.0.copy_from_slice(&read(&mut c, public_ptr, 32)?);
            let message = read(&mut c, msg_ptr, msg_len)?;
            charge(&mut c, fuel::SR25519_VERIFY)?;
            Ok(i32::from(verified.verify(&signature, &message, &public)))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_sr25519_batch_verify_version_1",
        move |mut c: C<'_>, items_ptr: i32, items_len: i32| -> Result<i32> {
            let bytes = read(&mut c, items_ptr, items_len)?;
            let items = Vec::<(Signature, Vec<u8>, Public)>::decode(&mut &bytes[..])
                .map_err(|e| wasmtime::Error::msg(format!("bad batch verification input: {e}")))?;
            charge(
                &mut c,
                (items.len() as u64).saturating_mul(fuel::SR25519_VERIFY),
            )?;
            Ok(i32::from(signatures.verify_batch(&items)))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_sr25519_vrf_verify_version_1",
        |mut c: C<'_>,
         public_ptr: i32,
         context_ptr: i32,
         context_len: i32,
         message_ptr: i32,
         message_len: i32,
         signature_ptr: i32,
         out_ptr: i32|
         -> Result<i32> {
            let mut public = Public([0; 32]);
            public.0.copy_from_slice(&read(&mut c, public_ptr, 32)?);
            let context = read(&mut c, context_ptr, context_len)?;
            let message = read(&mut c, message_ptr, message_len)?;
            let signature = VrfSignature::decode(&mut &read(&mut c, signature_ptr, 96)?[..])
                .map_err(|e| wasmtime::Error::msg(format!("bad VRF signature bytes: {e}")))?;
            charge(&mut c, fuel::SR25519_VRF_VERIFY)?;
            match cpc_crypto::sr25519::vrf_verify(&public, &context, &message, &signature) {
                Some(output) => {
                    write(&mut c, out_ptr, &output)?;
                    Ok(1)
                }
                None => Ok(0),
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_sr25519_generate_version_1",
        |mut c: C<'_>,
         key_type_ptr: i32,
         seed_ptr: i32,
         seed_len: i32,
         out_ptr: i32|
         -> Result<()> {
            let mut key_type = [0u8; 4];
            key_type.copy_from_slice(&read(&mut c, key_type_ptr, 4)?);
            let seed = if seed_len < 0 {
                None
            } else {
                let bytes = read(&mut c, seed_ptr, seed_len)?;
                Some(String::from_utf8(bytes).map_err(|_| {
                    wasmtime::Error::msg("the seed of a generated key is not UTF-8")
                })?)
            };
            charge(&mut c, fuel::SR25519_GENERATE)?;
            let public = with_ext(|ext| ext.sr25519_generate(key_type, seed.as_deref()))?.map_err(
                |why| wasmtime::Error::new(HostError(format!("cannot generate a key: {why}"))),
            )?;
            write(&mut c, out_ptr, &public)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_trie_blake2_256_ordered_root_version_1",
        |mut c: C<'_>, items_ptr: i32, items_len: i32, out_ptr: i32| -> Result<()> {
            let bytes = read(&mut c, items_ptr, items_len)?;
            let items = Vec::<Vec<u8>>::decode(&mut &bytes[..])
                .map_err(|e| wasmtime::Error::msg(format!("bad ordered root input: {e}")))?;
            charge(
                &mut c,
                (items.len() as u64).saturating_mul(fuel::ORDERED_ROOT_ITEM)
                    + bytes.len() as u64 * fuel::HASH_PER_BYTE,
            )?;
            write(
                &mut c,
                out_ptr,
                cpc_trie::ordered_trie_root(&items).as_bytes(),
            )
        },
    )?;

    linker.func_wrap(
        "env",
        "ext_logging_log_version_1",
        |mut c: C<'_>,
         level: i32,
         target_ptr: i32,
         target_len: i32,
         msg_ptr: i32,
         msg_len: i32|
         -> Result<()> {
            let level = match level {
                1 => log::Level::Error,
                2 => log::Level::Warn,
                3 => log::Level::Info,
                4 => log::Level::Debug,
                _ => log::Level::Trace,
            };
            // Charged and bounds-checked whether or not this node logs at that level: a bad
            // pointer traps on every node alike.
            let (target_len, msg_len) = (target_len as u32 as usize, msg_len as u32 as usize);
            charge(&mut c, bytes_charge(target_len.saturating_add(msg_len)))?;
            let target = copy_out(&c, target_ptr as u32 as usize, target_len.min(MAX_ARGUMENT))?;
            let message = copy_out(&c, msg_ptr as u32 as usize, msg_len.min(MAX_ARGUMENT))?;
            if log::log_enabled!(target: "runtime", level) {
                log::log!(
                    target: "runtime",
                    level,
                    "[{}] {}",
                    String::from_utf8_lossy(&target),
                    String::from_utf8_lossy(&message)
                );
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_logging_max_level_version_1",
        |c: C<'_>| -> i32 { c.data().log_level },
    )?;

    linker.func_wrap(
        "env",
        "ext_misc_runtime_version_version_1",
        |mut c: C<'_>, code_ptr: i32, code_len: i32, out_ptr: i32, out_len: i32| -> Result<i64> {
            let code = read(&mut c, code_ptr, code_len)?;
            charge(&mut c, fuel::RUNTIME_VERSION)?;
            let started = std::time::Instant::now();
            let version = with_ext(|e| e.runtime_version(&code))?;
            extend_deadline(&mut c, started.elapsed());
            match version {
                Ok(version) => write_partial(&mut c, &version, out_ptr, out_len, 0),
                Err(why) => {
                    log::debug!(target: "executor", "cannot read the version of new code: {why:?}");
                    Ok(why.code())
                }
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_misc_panic_version_1",
        |c: C<'_>, msg_ptr: i32, msg_len: i32| -> Result<()> {
            let message = copy_out(
                &c,
                msg_ptr as u32 as usize,
                (msg_len as u32 as usize).min(64 * 1024),
            )
            .map(|m| String::from_utf8_lossy(&m).into_owned())
            .unwrap_or_else(|_| "<unreadable panic message>".into());
            Err(wasmtime::Error::new(RuntimePanic(message)))
        },
    )?;
    Ok(())
}
