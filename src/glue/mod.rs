//! Browser glue: thin adapters between the core and the extension's contexts (wasm32 only).
//! Each context is built as its own wasm module by enabling its feature.

#[cfg(feature = "bench")]
pub mod bench;
pub mod chrome;
pub mod js;
pub mod listener;

#[cfg(feature = "content")]
pub mod content;
#[cfg(feature = "options")]
pub mod options;
#[cfg(feature = "options")]
pub mod options_phone;
#[cfg(feature = "content")]
pub mod panel;
#[cfg(feature = "phone")]
pub mod phone;
#[cfg(feature = "worker")]
pub mod worker;
