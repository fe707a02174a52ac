//! Lanes of work that must not interleave: a handler takes its lane's turn, and the next one
//! waits until the turn is dropped. JavaScript is single-threaded, but every `await` lets
//! another handler run: two handlers that read, change and write the same state across awaits
//! would lose each other's writes, or (the call desk) both send the same call log.

use std::cell::RefCell;

use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// The call desk: its snapshot, its logs, its effects. One writer.
    Desk,
    /// The orgs' records.
    Orgs,
    /// The pages seen (diagnostics).
    Pages,
}

const LANES: usize = 3;

thread_local! {
    /// Per lane, the promise the last turn taken resolves when it ends.
    static TAILS: RefCell<[Option<Promise>; LANES]> = const { RefCell::new([None, None, None]) };
}

/// A turn of a lane: held until dropped.
pub struct Turn {
    done: Option<js_sys::Function>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.call0(&JsValue::NULL);
        }
    }
}

/// Waits for the lane's turns taken before this one, in order, and returns this one's.
pub async fn turn(lane: Lane) -> Turn {
    let mut done = None;
    let mine = Promise::new(&mut |resolve, _| done = Some(resolve));
    let before = TAILS.with(|t| t.borrow_mut()[lane as usize].replace(mine));
    if let Some(before) = before {
        let _ = JsFuture::from(before).await;
    }
    Turn { done }
}
