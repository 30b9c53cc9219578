//! Runtime upgrades: the checks new code must pass, writing it, and running every pallet's
//! upgrade hook once in the first block that executes it.

use crate::{Config, Error, Event, LastRuntimeUpgrade, LastRuntimeUpgradeInfo, Pallet};
use codec::Decode;
use cpc_primitives::{dispatch::DispatchError, header::DigestItem, storage::well_known_keys};
use cpc_support::{Hooks, storage::unhashed};
use cpc_version::RuntimeVersion;

/// Runs every pallet's `on_runtime_upgrade` once, in the first block executed with new code.
pub(crate) fn run_runtime_upgrade_if_needed<T: Config>() -> cpc_primitives::Weight {
    let current = LastRuntimeUpgradeInfo::of(&T::VERSION);
    if LastRuntimeUpgrade::get().as_ref() == Some(&current) {
        return cpc_primitives::Weight::ZERO;
    }
    LastRuntimeUpgrade::put(&current);
    log::info!(
        target: "runtime::system",
        "running runtime upgrade hooks for {} v{}",
        current.spec_name,
        current.spec_version
    );
    T::AllPallets::on_runtime_upgrade()
}

impl<T: Config> Pallet<T> {
    /// Checks that `code` may replace the current runtime: within the size limit, loadable,
    /// exporting every required function, same `spec_name`, higher `spec_version`.
    pub fn can_set_code(code: &[u8]) -> Result<RuntimeVersion, DispatchError> {
        use cpc_io::misc::RuntimeVersionError;
        cpc_support::ensure!(
            code.len() as u64 <= u64::from(T::MAX_CODE_SIZE),
            Error::CodeTooLarge
        );
        let encoded = cpc_io::misc::runtime_version(code).map_err(|e| match e {
            RuntimeVersionError::InvalidCode => Error::InvalidWasm,
            RuntimeVersionError::MissingExports => Error::MissingRuntimeExports,
            RuntimeVersionError::VersionCallFailed => Error::FailedToExtractRuntimeVersion,
        })?;
        let new = RuntimeVersion::decode(&mut &encoded[..])
            .map_err(|_| Error::FailedToExtractRuntimeVersion)?;
        let current = T::VERSION;
        cpc_support::ensure!(new.spec_name == current.spec_name, Error::InvalidSpecName);
        cpc_support::ensure!(
            new.spec_version > current.spec_version,
            Error::SpecVersionNeedsToIncrease
        );
        Ok(new)
    }

    /// Writes new runtime code, announcing it in the header and in an event.
    pub fn update_code(code: &[u8]) {
        unhashed::put_raw(well_known_keys::CODE, code);
        Self::deposit_log(DigestItem::RuntimeEnvironmentUpdated);
        Self::deposit_event(Event::CodeUpdated);
    }
}
