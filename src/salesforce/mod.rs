//! Everything about talking to a Salesforce org that needs no I/O: hosts, sessions, record ids.

pub mod host;
pub mod id;
pub mod lightning;
pub mod rest;
pub mod session;

/// The one REST API version the product speaks (the seed's requirement).
pub const API_VERSION: &str = "51.0";
