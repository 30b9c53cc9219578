//! The operator commands that work on a node's local data, without a running node:
//! `build-spec`, `purge-chain`, `export-blocks`, `import-blocks` and `key`.

mod blocks;
mod key;
mod spec;

pub use blocks::{export_blocks, import_blocks};
pub use key::{KeyCommand, key};
pub use spec::{build_spec, purge_chain};
