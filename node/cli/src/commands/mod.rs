//! The subcommands.

mod blocks;
mod key;
mod market;
mod spec;
mod tx;
mod upgrade;
pub mod wallet;

pub use blocks::{export_blocks, import_blocks};
pub use key::key;
pub use market::market;
pub use spec::{build_spec, purge_chain};
pub use tx::tx;
pub use upgrade::upgrade;
