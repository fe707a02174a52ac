//! Everything about talking to a Salesforce org that needs no I/O: hosts, sessions, record ids,
//! REST answers and what to do about them, capabilities, and the phone-number lookup.

pub mod capabilities;
pub mod host;
pub mod id;
pub mod lightning;
pub mod lookup;
pub mod new_caller;
pub mod oauth;
pub mod permissions;
pub mod rest;
pub mod retry;
pub mod search;
pub mod session;
pub mod users;

/// The one REST API version the product speaks (the seed's requirement).
pub const API_VERSION: &str = "51.0";
