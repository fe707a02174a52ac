//! Phone for Salesforce: the extension's logic.
//!
//! The core modules are pure Rust (sans-I/O): they take inputs and return decisions, and they
//! compile and test natively. The `glue` module adapts them to the browser and exists only on
//! wasm32, one entry point per extension context.

pub mod call;
pub mod calllog;
pub mod clicktocall;
pub mod codes;
pub mod desk;
pub mod diagnostics;
pub mod number;
pub mod outbox;
pub mod policy;
pub mod protocol;
pub mod salesforce;
pub mod shown;
pub mod sip;

#[cfg(target_arch = "wasm32")]
pub mod glue;
