//! The native path: the runtime compiled into the node, called through the same entry points
//! and bytes as the wasm code.

use crate::{ExecutionError, RuntimeCode, RuntimeExecutor, panic_message};
use codec::Decode;
use cpc_io::Externalities;
use cpc_version::RuntimeVersion;

/// The native runtime's API table: `cpc_runtime::api::dispatch`.
pub type DispatchFn = fn(&str, &[u8]) -> Option<Vec<u8>>;

/// Executes the runtime compiled into the node.
///
/// It only runs code of its own version: given code of another `spec_name` or `spec_version`
/// (a chain that upgraded past this node), it refuses, and callers use the wasm executor.
pub struct NativeExecutor {
    dispatch: DispatchFn,
    version: RuntimeVersion,
    wasm: Option<std::sync::Arc<dyn RuntimeExecutor>>,
}

impl NativeExecutor {
    /// An executor over `dispatch`, whose version is `version`. With `wasm`, the on-chain
    /// code's version is checked by reading it through that executor.
    pub fn new(
        dispatch: DispatchFn,
        version: RuntimeVersion,
        wasm: Option<std::sync::Arc<dyn RuntimeExecutor>>,
    ) -> Self {
        Self {
            dispatch,
            version,
            wasm,
        }
    }

    fn check_version(&self, code: &RuntimeCode<'_>) -> Result<(), ExecutionError> {
        let Some(wasm) = &self.wasm else {
            return Ok(());
        };
        let encoded = crate::read_runtime_version(wasm.as_ref(), code)?;
        let on_chain = RuntimeVersion::decode(&mut &encoded[..])
            .map_err(|e| ExecutionError::InvalidCode(format!("bad runtime version: {e}")))?;
        if on_chain.spec_name != self.version.spec_name
            || on_chain.spec_version != self.version.spec_version
        {
            return Err(ExecutionError::NativeVersionMismatch {
                native: format!("{} v{}", self.version.spec_name, self.version.spec_version),
                on_chain: format!("{} v{}", on_chain.spec_name, on_chain.spec_version),
            });
        }
        Ok(())
    }
}

impl RuntimeExecutor for NativeExecutor {
    fn call(
        &self,
        ext: &mut dyn Externalities,
        code: &RuntimeCode<'_>,
        method: &str,
        input: &[u8],
    ) -> Result<Vec<u8>, ExecutionError> {
        self.check_version(code)?;
        let dispatch = self.dispatch;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cpc_io::set_and_run_with_externalities(ext, || dispatch(method, input))
        }));
        match result {
            Ok(Some(output)) => Ok(output),
            Ok(None) => Err(ExecutionError::MissingExport(method.into())),
            Err(panic) => Err(ExecutionError::RuntimePanic(panic_message(panic))),
        }
    }
}
