//! Builds a runtime's wasm blob from the runtime crate's own build script.
//!
//! When the runtime crate is built natively (as a dependency of the node or of tests), its
//! build script calls [`build`], which runs a nested `cargo rustc` for `wasm32-unknown-unknown`
//! with the runtime's `std` feature off, in a separate target directory, and writes
//! `$OUT_DIR/wasm_binary.rs` defining
//!
//! ```ignore
//! pub const WASM_BINARY: Option<&[u8]> = Some(include_bytes!("…/cpc_runtime.wasm"));
//! ```
//!
//! so `cargo build` alone produces the blob. The nested build is skipped (and `WASM_BINARY` is
//! `None`) when the build script itself runs for wasm, or when `CPC_SKIP_WASM_BUILD` is set.
//! A missing wasm target is a clear error naming the command that installs it.
//!
//! The nested build uses the `runtime-wasm` profile of the workspace (fat LTO, one codegen
//! unit, `panic = "abort"`), and clears the outer build's compiler flags and wrappers (such as
//! clippy's) so that the blob is the same whichever command built the node.

use std::{
    env, fs,
    path::{Path, PathBuf},
    process::Command,
};

/// The target the runtime is compiled to.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The cargo profile of the nested build.
pub const PROFILE: &str = "runtime-wasm";
const DOC: &str = "/// The runtime's wasm blob, built by `cpc-wasm-builder` (`None` when the build was skipped).\n";

/// The runtime's initial linear memory: 1 MiB of stack (placed first), the data, and the rest
/// for the heap, enough for most runtime calls without growing memory.
pub const INITIAL_MEMORY: u32 = 2 * 1024 * 1024;

/// Set to skip the nested build (for example in `cargo doc`).
pub const SKIP_ENV: &str = "CPC_SKIP_WASM_BUILD";
/// Names a rustup toolchain to build the blob with (`rustup run <toolchain> cargo`) instead
/// of the outer build's own: a nightly build (cargo fuzz) on a machine whose nightly
/// toolchain has no wasm target builds the blob with the pinned one (scripts/fuzz.sh sets it).
pub const TOOLCHAIN_ENV: &str = "CPC_WASM_TOOLCHAIN";

/// Builds the wasm blob of the crate whose build script calls this, as `WASM_BINARY`. Panics
/// with a message (which cargo shows) when the build fails.
pub fn build() {
    let package = env::var("CARGO_PKG_NAME").expect("cargo sets CARGO_PKG_NAME");
    build_variant(&package, &[], "WASM_BINARY");
}

/// Builds the wasm blob of workspace package `package` with `features` (besides its default
/// ones being off) and defines it as `const_name` in `$OUT_DIR/<const_name in lower case>.rs`
/// (`wasm_binary.rs` for `WASM_BINARY`), so one build script may build several. A crate that
/// ships another version of a runtime (for upgrade tests) calls this from its build script.
///
/// Every variant shares one target directory, so dependencies compiled for one are reused by
/// the next; a lock file serializes the builds, which would otherwise overwrite each other's
/// artifact.
pub fn build_variant(package: &str, features: &[&str], const_name: &str) {
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let target = env::var("TARGET").unwrap_or_default();
    // One include file per constant, so one build script may build several variants.
    let include = out_dir.join(format!("{}.rs", const_name.to_lowercase()));

    println!("cargo:rerun-if-env-changed={SKIP_ENV}");
    println!("cargo:rerun-if-env-changed={TOOLCHAIN_ENV}");
    if target.starts_with("wasm32") {
        // The nested build itself: start the module with room for the heap, so the allocator
        // uses memory the instance already has before growing it (growing costs the host two
        // mprotect calls per runtime call).
        println!("cargo:rustc-link-arg=--initial-memory={INITIAL_MEMORY}");
    }
    if target.starts_with("wasm32") || env::var_os(SKIP_ENV).is_some() {
        write_if_changed(
            &include,
            &format!("{DOC}pub const {const_name}: Option<&[u8]> = None;\n"),
        );
        return;
    }

    let workspace = find_workspace_root(&manifest_dir);
    emit_rerun_triggers(&workspace, &manifest_dir);
    let toolchain = env::var(TOOLCHAIN_ENV).ok().filter(|t| !t.is_empty());
    check_target_installed(toolchain.as_deref());

    let target_dir = wasm_target_dir(&out_dir);
    fs::create_dir_all(&target_dir).expect("the target directory is writable");
    let lock = fs::File::create(target_dir.join(".cpc-wasm-builder.lock"))
        .expect("the target directory is writable");
    lock.lock().expect("cannot lock the wasm target directory");

    let mut command = match &toolchain {
        Some(toolchain) => {
            let mut command = Command::new("rustup");
            command.args(["run", toolchain, "cargo"]);
            // The outer build's compiler and tools are the other toolchain's.
            for var in ["RUSTC", "RUSTDOC", "RUSTUP_TOOLCHAIN", "CARGO"] {
                command.env_remove(var);
            }
            command
        }
        None => Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into())),
    };
    command
        .current_dir(&workspace)
        .args([
            "rustc",
            "--package",
            package,
            "--lib",
            "--crate-type",
            "cdylib",
        ])
        .args([
            "--target",
            WASM_TARGET,
            "--profile",
            PROFILE,
            "--no-default-features",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .args(["--quiet", "--locked"]);
    if !features.is_empty() {
        command.arg("--features").arg(features.join(","));
    }
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        command.env_remove(var);
    }
    // The outer build's profile settings must not leak into the blob's.
    for (key, _) in env::vars() {
        if key.starts_with("CARGO_PROFILE_") || key.starts_with("CARGO_FEATURE_") {
            command.env_remove(key);
        }
    }

    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the {package} wasm blob: {e}"));
    if !status.success() {
        panic!("building the {package} wasm blob for {WASM_TARGET} failed (see the errors above)");
    }

    let file_name = package.replace('-', "_");
    let artifact = target_dir
        .join(WASM_TARGET)
        .join(PROFILE)
        .join(format!("{file_name}.wasm"));
    let blob = fs::read(&artifact)
        .unwrap_or_else(|e| panic!("the wasm blob {} is missing: {e}", artifact.display()));
    drop(lock);
    let variant: String = features.iter().map(|f| format!("-{f}")).collect();
    let destination = out_dir.join(format!("{file_name}{variant}.wasm"));
    if fs::read(&destination).ok().as_deref() != Some(&blob[..]) {
        fs::write(&destination, &blob).expect("OUT_DIR is writable");
    }
    write_if_changed(
        &include,
        &format!(
            "{DOC}pub const {const_name}: Option<&[u8]> = Some(include_bytes!({:?}));\n",
            destination.display().to_string()
        ),
    );
}

fn write_if_changed(path: &Path, contents: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(contents) {
        fs::write(path, contents).expect("OUT_DIR is writable");
    }
}

/// The directory of the `Cargo.toml` with a `[workspace]` table above `start`.
fn find_workspace_root(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|dir| {
            fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.lines().any(|line| line.trim() == "[workspace]"))
        })
        .unwrap_or(start)
        .to_path_buf()
}

/// Rebuild the blob whenever runtime code, the lockfile or the toolchain changes. Cargo scans
/// directories recursively.
fn emit_rerun_triggers(workspace: &Path, manifest_dir: &Path) {
    for path in [
        manifest_dir.to_path_buf(),
        workspace.join("primitives"),
        workspace.join("pallets"),
        workspace.join("runtime"),
        workspace.join("Cargo.lock"),
        workspace.join("Cargo.toml"),
        workspace.join("rust-toolchain.toml"),
    ] {
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

fn check_target_installed(toolchain: Option<&str>) {
    let output = match toolchain {
        Some(toolchain) => Command::new("rustup")
            .args(["run", toolchain, "rustc", "--print", "sysroot"])
            .env_remove("RUSTC")
            .output(),
        None => Command::new(env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .args(["--print", "sysroot"])
            .output(),
    };
    let Ok(output) = output else { return };
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if !sysroot.join("lib/rustlib").join(WASM_TARGET).exists() {
        panic!(
            "the {WASM_TARGET} target is not installed for {}; run `rustup toolchain install` in \
             the repository root (rust-toolchain.toml lists it) or `rustup target add {WASM_TARGET}`",
            sysroot.display()
        );
    }
}

/// A target directory beside the outer build's, so both keep their caches.
fn wasm_target_dir(out_dir: &Path) -> PathBuf {
    // OUT_DIR is <target>/[<triple>/]<profile>/build/<crate>-<hash>/out.
    let build_dir = out_dir
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .unwrap_or(out_dir);
    let profile_dir = build_dir.parent().unwrap_or(build_dir);
    let target_root = profile_dir.parent().unwrap_or(profile_dir);
    target_root.join("wasm-runtime")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wasm_target_dir_sits_beside_the_profile_dirs() {
        let out = Path::new("/t/target/debug/build/cpc-runtime-0123/out");
        assert_eq!(wasm_target_dir(out), Path::new("/t/target/wasm-runtime"));
    }

    #[test]
    fn the_workspace_root_is_found_above_a_member() {
        // This run's manifest directory (a shared target directory may hold a build of another
        // checkout).
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
        let here = Path::new(&dir);
        let root = find_workspace_root(here);
        assert!(root.join("Cargo.toml").exists());
        assert!(here.starts_with(&root));
    }
}
