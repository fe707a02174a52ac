//! A `chrome.runtime.Port`, the few things done with one: post a message, listen to its
//! messages and its end. The listeners live as long as the `Port` value.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::glue::listener::sleep;

pub struct Port {
    port: JsValue,
    inbox: Rc<RefCell<VecDeque<JsValue>>>,
    closed: Rc<Cell<bool>>,
    _listeners: Vec<Closure<dyn FnMut(JsValue)>>,
}

/// Calls `target.a.b(argument)` for `path` `["a", "b"]`, with `this` the object it is on.
fn call(target: &JsValue, path: &[&str], argument: &JsValue) -> Result<JsValue, JsValue> {
    let (method, on) = path.split_last().ok_or(JsValue::NULL)?;
    let this = on.iter().try_fold(target.clone(), |object, name| {
        Reflect::get(&object, &(*name).into())
    })?;
    Reflect::get(&this, &(*method).into())?
        .dyn_into::<Function>()
        .map_err(|_| JsValue::from_str("not a function"))?
        .call1(&this, argument)
}

impl Port {
    /// Wraps `port`; what arrives on it is kept for [`Port::next`], unless `on_message` takes
    /// it (the phone engine's side answers as messages come).
    pub fn new(port: JsValue, on_message: Option<Box<dyn FnMut(JsValue)>>) -> Port {
        let inbox = Rc::new(RefCell::new(VecDeque::new()));
        let closed = Rc::new(Cell::new(false));
        let kept = inbox.clone();
        let mut on_message = on_message;
        let message =
            Closure::<dyn FnMut(JsValue)>::new(move |m: JsValue| match on_message.as_mut() {
                Some(f) => f(m),
                None => kept.borrow_mut().push_back(m),
            });
        let ended = closed.clone();
        let disconnect = Closure::<dyn FnMut(JsValue)>::new(move |_| ended.set(true));
        let _ = call(&port, &["onMessage", "addListener"], message.as_ref());
        let _ = call(&port, &["onDisconnect", "addListener"], disconnect.as_ref());
        Port {
            port,
            inbox,
            closed,
            _listeners: vec![message, disconnect],
        }
    }

    pub fn closed(&self) -> bool {
        self.closed.get()
    }

    pub fn post(&self, message: &JsValue) -> bool {
        !self.closed.get() && post(&self.port, message)
    }

    /// The next message, waiting up to `limit_ms`; `None` when the port closed or none came.
    pub async fn next(&self, limit_ms: u32) -> Option<JsValue> {
        let mut waited = 0;
        loop {
            if let Some(m) = self.inbox.borrow_mut().pop_front() {
                return Some(m);
            }
            if self.closed.get() || waited >= limit_ms {
                return None;
            }
            sleep(25).await;
            waited += 25;
        }
    }
}

/// Posts on a raw port; `false` when it is gone.
pub fn post(port: &JsValue, message: &JsValue) -> bool {
    call(port, &["postMessage"], message).is_ok()
}

/// Ends a raw port (the other side's `onDisconnect` fires).
pub fn disconnect(port: &JsValue) {
    let _ = call(port, &["disconnect"], &JsValue::UNDEFINED);
}
