//! The administrator's Chrome policy (`chrome.storage.managed`): read at every start of the
//! worker and whenever Chromium reports it changed, handed to the desk (which owns the
//! settings it overrides) and to the phone engine.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsValue;

use super::{phone, runner};
use crate::desk::Input;
use crate::glue::chrome;
use crate::glue::js::{call, from_js};
use crate::policy::{Policy, PolicyProblem};

thread_local! {
    /// What the last read of the policy left out, for the diagnostics.
    static PROBLEMS: RefCell<Vec<PolicyProblem>> = const { RefCell::new(Vec::new()) };
    /// The last policy read. Kept here, not only in the desk, because the phone's settings are
    /// read inside a desk turn (a notification asks whether to show itself): asking the desk
    /// from there would wait for the turn it is in.
    static CURRENT: RefCell<Option<Policy>> = const { RefCell::new(None) };
}

/// The policy this worker instance read last (read now if it has not yet).
pub async fn current() -> Policy {
    match CURRENT.with(|c| c.borrow().clone()) {
        Some(policy) => policy,
        None => read().await,
    }
}

/// The policy as Chromium has it now. Managed storage that cannot be read (no policy support
/// on this platform) is no policy, said once in the problems.
pub async fn read() -> Policy {
    let raw = call(chrome::storage_managed_get(&JsValue::NULL), "STORAGE")
        .await
        .and_then(from_js::<serde_json::Value>);
    let (policy, problems) = match raw {
        Ok(value) => Policy::parse(&value),
        Err(e) => (
            Policy::default(),
            vec![PolicyProblem {
                key: "*".into(),
                reason: format!("managed storage unreadable: {}", e.code),
            }],
        ),
    };
    PROBLEMS.with(|p| *p.borrow_mut() = problems);
    CURRENT.with(|c| *c.borrow_mut() = Some(policy.clone()));
    policy
}

pub fn problems() -> Vec<PolicyProblem> {
    PROBLEMS.with(|p| p.borrow().clone())
}

/// Entry point for `chrome.storage.onChanged` in the `managed` area.
#[wasm_bindgen]
pub async fn worker_policy_changed() {
    let policy = read().await;
    if let Err(e) = runner::submit(Input::SetPolicy { policy }).await {
        web_sys::console::warn_1(&format!("policy: {}", e.code).into());
    }
    // The engine runs with the policy's server and ringing from now on.
    if let Err(e) = phone::settings_changed().await {
        web_sys::console::warn_1(&format!("policy: the phone: {}", e.code).into());
    }
}
