//! The subcommands.

mod blocks;
mod key;
mod spec;
mod tx;

pub use blocks::{export_blocks, import_blocks};
pub use key::key;
pub use spec::{build_spec, purge_chain};
pub use tx::tx;
