//! A test runtime with only the system pallet.

use crate as system;
use cpc_state_machine::TestExternalities;
use cpc_version::RuntimeVersion;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: system = 0,
    }
}

crate::test_config!(Test);

/// Genesis state.
pub fn new_test_ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| RuntimeGenesisConfig::default().build().unwrap());
    ext.commit_all();
    ext
}

/// Stands in for the executor when a test checks runtime code: a "code blob" is `b"version:"`
/// followed by an encoded `RuntimeVersion`, `b"no-exports"` lacks the required exports,
/// `b"trap"` traps in `Core_version`, and anything else does not compile.
pub struct FakeCodeReader;

impl cpc_state_machine::ReadRuntimeVersion for FakeCodeReader {
    fn read_runtime_version(
        &self,
        code: &[u8],
    ) -> Result<Vec<u8>, cpc_io::misc::RuntimeVersionError> {
        use cpc_io::misc::RuntimeVersionError;
        match code {
            b"no-exports" => Err(RuntimeVersionError::MissingExports),
            b"trap" => Err(RuntimeVersionError::VersionCallFailed),
            _ => code
                .strip_prefix(b"version:")
                .map(<[u8]>::to_vec)
                .ok_or(RuntimeVersionError::InvalidCode),
        }
    }
}

/// A fake code blob (see [`FakeCodeReader`]) reporting `spec_name` and `spec_version`.
pub fn fake_code(spec_name: &'static str, spec_version: u32) -> Vec<u8> {
    use codec::Encode;
    let version = RuntimeVersion {
        spec_name: alloc::borrow::Cow::Borrowed(spec_name),
        spec_version,
        ..<Test as system::Config>::VERSION
    };
    [b"version:".as_slice(), &version.encode()].concat()
}

/// Genesis state whose externalities read code versions through [`FakeCodeReader`].
pub fn new_test_ext_with_code_reader() -> TestExternalities {
    let mut ext = TestExternalities::default().with_version_reader(FakeCodeReader);
    ext.execute_with(|| RuntimeGenesisConfig::default().build().unwrap());
    ext.commit_all();
    ext
}
