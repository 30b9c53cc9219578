//! Test helpers for pallets: assertions in the style of FRAME's.

/// Asserts that a dispatch result is `Ok`.
#[macro_export]
macro_rules! assert_ok {
    ($x:expr $(,)?) => {
        let result = $x;
        assert!(result.is_ok(), "expected Ok, got {:?}", result);
    };
}

/// Asserts that `$x` fails with `$err` and leaves storage exactly as it was (compared by state
/// root, so every key counts).
#[macro_export]
macro_rules! assert_noop {
    ($x:expr, $err:expr $(,)?) => {
        let root_before = $crate::testing::state_root();
        let result = $x;
        assert_eq!(
            result
                .map(|_| ())
                .map_err(|e| $crate::testing::into_dispatch_error(e)),
            Err($err.into()),
        );
        assert_eq!(
            root_before,
            $crate::testing::state_root(),
            "storage changed"
        );
    };
}

/// Asserts that `$x` fails with `$err` (storage may have changed).
#[macro_export]
macro_rules! assert_err {
    ($x:expr, $err:expr $(,)?) => {
        assert_eq!(
            $x.map(|_| ())
                .map_err(|e| $crate::testing::into_dispatch_error(e)),
            Err($err.into())
        );
    };
}

#[doc(hidden)]
pub fn state_root() -> cpc_primitives::H256 {
    cpc_io::storage::root()
}

#[doc(hidden)]
pub fn into_dispatch_error(
    e: impl Into<cpc_primitives::dispatch::DispatchErrorWithPostInfo>,
) -> cpc_primitives::dispatch::DispatchError {
    e.into().error
}
