//! Event listeners and timers owned by a value: dropping it removes the listener or clears the
//! timer (as `gloo-events` and `gloo-timers` do), so nothing outlives what it serves.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget};

use super::js::JsResultExt;

pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    callback: Closure<dyn FnMut(Event)>,
}

impl Listener {
    pub fn new(
        target: &EventTarget,
        kind: &'static str,
        f: impl FnMut(Event) + 'static,
    ) -> Option<Listener> {
        let callback = Closure::<dyn FnMut(Event)>::new(f);
        target
            .add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref())
            .log_and_continue("adding a listener")?;
        Some(Listener {
            target: target.clone(),
            kind,
            callback,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.target
            .remove_event_listener_with_callback(self.kind, self.callback.as_ref().unchecked_ref())
            .log_and_continue("removing a listener");
    }
}

#[wasm_bindgen]
extern "C" {
    // The global scope's timers, in a window or a worker alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> i32;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: i32);
    #[wasm_bindgen(js_name = setInterval)]
    fn set_interval(callback: &js_sys::Function, ms: i32) -> i32;
    #[wasm_bindgen(js_name = clearInterval)]
    fn clear_interval(handle: i32);
}

/// A one-shot or repeating timer, cleared when dropped.
pub struct Timer {
    handle: i32,
    repeating: bool,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    pub fn once(ms: u64, f: impl FnOnce() + 'static) -> Timer {
        let mut f = Some(f);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f();
            }
        });
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let handle = set_timeout(callback.as_ref().unchecked_ref(), ms);
        Timer {
            handle,
            repeating: false,
            _callback: callback,
        }
    }

    pub fn every(ms: u32, f: impl FnMut() + 'static) -> Timer {
        let callback = Closure::<dyn FnMut()>::new(f);
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let handle = set_interval(callback.as_ref().unchecked_ref(), ms);
        Timer {
            handle,
            repeating: true,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if self.repeating {
            clear_interval(self.handle);
        } else {
            clear_timeout(self.handle);
        }
    }
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, i32::try_from(ms).unwrap_or(i32::MAX));
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
