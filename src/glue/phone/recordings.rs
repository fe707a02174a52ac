//! The recordings kept in the browser: the extension origin's IndexedDB, one entry per call
//! (its SIP Call-ID), `{ callId, kept: Kept, audio: Blob }`, read and written by the offscreen
//! document alone (a Lightning page or a content script cannot reach it). The player frame the
//! panel shows asks for a recording over a port (`serve_players`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, IdbCursorWithValue, IdbDatabase, IdbObjectStore, IdbObjectStoreParameters, IdbRequest,
    IdbTransactionMode,
};

use super::port::{self, Port};
use crate::call::recording::{to_base64, Kept, Recording, TranscriptState};
use crate::glue::chrome;
use crate::glue::js::{from_js, string_prop, to_js, GlueError, JsResultExt};
use crate::protocol::{is_recording_player, RecordingAsk, RecordingIs, RECORDING_PORT};

const DATABASE: &str = "sfphone-recordings";
const STORE: &str = "recordings";
const VERSION: u32 = 1;

/// Resolves with a request's result (or rejects with its error). The two callbacks live until
/// the request is done, then go (nothing is left behind per request in a document that lives
/// for days).
async fn done(request: &IdbRequest) -> Result<JsValue, GlueError> {
    let mut callbacks = None;
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let result = event
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::NULL, &result);
        });
        let failed = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &event);
        });
        request.set_onsuccess(Some(ok.as_ref().unchecked_ref()));
        request.set_onerror(Some(failed.as_ref().unchecked_ref()));
        callbacks = Some((ok, failed));
    });
    let result = JsFuture::from(promise).await.or_glue("RECORDINGS");
    request.set_onsuccess(None);
    request.set_onerror(None);
    drop(callbacks);
    result
}

thread_local! {
    /// The one connection to the database, opened at first use.
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

async fn open() -> Result<IdbDatabase, GlueError> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let db = open_anew().await?;
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

async fn open_anew() -> Result<IdbDatabase, GlueError> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or_else(|| GlueError::new("RECORDINGS", "no IndexedDB here"))?;
    let request = factory
        .open_with_u32(DATABASE, VERSION)
        .or_glue("RECORDINGS")?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let db = event
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            let parameters = IdbObjectStoreParameters::new();
            parameters.set_key_path(&"callId".into());
            db.create_object_store_with_optional_parameters(STORE, &parameters)
                .log_and_continue("creating the recordings store");
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let db = done(&request).await;
    request.set_onupgradeneeded(None);
    db?.dyn_into::<IdbDatabase>()
        .map_err(|_| GlueError::new("RECORDINGS", "not a database"))
}

fn store(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<IdbObjectStore, GlueError> {
    let store = db
        .transaction_with_str_and_mode(STORE, mode)
        .and_then(|t| t.object_store(STORE))
        .or_glue("RECORDINGS");
    if store.is_err() {
        // A connection the browser closed: the next use opens a new one.
        DB.with(|d| *d.borrow_mut() = None);
    }
    store
}

/// Keeps a call's recording (replacing one kept under its id).
pub async fn put(kept: &Kept, audio: &Blob) -> Result<(), GlueError> {
    let db = open().await?;
    let entry = Object::new();
    Reflect::set(&entry, &"callId".into(), &kept.call_id.as_str().into()).or_glue("RECORDINGS")?;
    Reflect::set(&entry, &"kept".into(), &to_js(kept)?).or_glue("RECORDINGS")?;
    Reflect::set(&entry, &"audio".into(), audio).or_glue("RECORDINGS")?;
    let request = store(&db, IdbTransactionMode::Readwrite)?
        .put(&entry)
        .or_glue("RECORDINGS")?;
    done(&request).await.map(|_| ())
}

/// A call's recording and its audio, if one is kept.
pub async fn get(call_id: &str) -> Result<Option<(Kept, Blob)>, GlueError> {
    let db = open().await?;
    let request = store(&db, IdbTransactionMode::Readonly)?
        .get(&call_id.into())
        .or_glue("RECORDINGS")?;
    let entry = done(&request).await?;
    if entry.is_undefined() || entry.is_null() {
        return Ok(None);
    }
    let kept: Kept = from_js(Reflect::get(&entry, &"kept".into()).or_glue("RECORDINGS")?)?;
    let audio = Reflect::get(&entry, &"audio".into())
        .ok()
        .and_then(|a| a.dyn_into::<Blob>().ok())
        .ok_or_else(|| GlueError::new("RECORDINGS", "a recording without its audio"))?;
    Ok(Some((kept, audio)))
}

/// Changes what is kept of a call's recording (its transcript's state), the audio untouched.
pub async fn update(call_id: &str, change: impl FnOnce(&mut Kept)) -> Result<(), GlueError> {
    if let Some((mut kept, audio)) = get(call_id).await? {
        change(&mut kept);
        put(&kept, &audio).await?;
    }
    Ok(())
}

/// Deletes the recordings past their days (as the settings say now: shortening the days
/// shortens what is kept). Returns the calls whose transcript is pending among those kept.
pub async fn tidy(recording: &Recording, now_ms: u64) -> Result<Vec<String>, GlueError> {
    let db = open().await?;
    let request = store(&db, IdbTransactionMode::Readwrite)?
        .open_cursor()
        .or_glue("RECORDINGS")?;
    let pending = Rc::new(RefCell::new(Vec::new()));
    let recording = recording.clone();
    let found = pending.clone();
    // The cursor calls back once per entry: the callbacks live until the walk is done.
    let mut callbacks = None;
    let promise = Promise::new(&mut |resolve, reject| {
        let recording = recording.clone();
        let found = found.clone();
        let step = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let cursor = event
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .and_then(|r| r.dyn_into::<IdbCursorWithValue>().ok());
            let Some(cursor) = cursor else {
                let _ = resolve.call0(&JsValue::NULL);
                return;
            };
            let kept = cursor
                .value()
                .ok()
                .and_then(|v| Reflect::get(&v, &"kept".into()).ok())
                .and_then(|k| from_js::<Kept>(k).ok());
            match kept {
                Some(kept) if !recording.expired(kept.ended_ms, now_ms) => {
                    if kept.transcript == TranscriptState::Pending {
                        found.borrow_mut().push(kept.call_id);
                    }
                }
                // An entry that cannot be read is no recording anyone can play: it goes too.
                _ => {
                    cursor.delete().log_and_continue("deleting a recording");
                }
            }
            cursor.continue_().log_and_continue("the recordings cursor");
        });
        let failed = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &event);
        });
        request.set_onsuccess(Some(step.as_ref().unchecked_ref()));
        request.set_onerror(Some(failed.as_ref().unchecked_ref()));
        callbacks = Some((step, failed));
    });
    let walked = JsFuture::from(promise).await.or_glue("RECORDINGS");
    request.set_onsuccess(None);
    request.set_onerror(None);
    drop(callbacks);
    walked?;
    let pending = pending.take();
    Ok(pending)
}

thread_local! {
    /// The players' ports now open (each frame's, until it goes).
    static PLAYERS: RefCell<Vec<Port>> = const { RefCell::new(Vec::new()) };
}

/// Serves the recording player (`recording.html`): a frame in a Lightning page whose storage
/// is not the extension's own, so it asks the phone engine, which keeps the recordings, over a
/// port. Only that page of this extension is answered; a content script's port is not.
pub fn serve_players() {
    let listener = Closure::<dyn Fn(JsValue)>::new(|port: JsValue| {
        if string_prop(&port, "name").as_deref() != Some(RECORDING_PORT) {
            return;
        }
        let sender = Reflect::get(&port, &"sender".into()).unwrap_or(JsValue::UNDEFINED);
        let url = string_prop(&sender, "url").unwrap_or_default();
        if !is_recording_player(&url, &chrome::extension_origin()) {
            web_sys::console::warn_1(&"phone: a recording asked for from elsewhere".into());
            port::disconnect(&port);
            return;
        }
        let reply_to = port.clone();
        let player = Port::new(
            port,
            Some(Box::new(move |message: JsValue| {
                let port = reply_to.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = match from_js::<serde_json::Value>(message)
                        .ok()
                        .and_then(|v| RecordingAsk::parse(v).ok())
                    {
                        Some(ask) => answer(&ask).await,
                        None => RecordingIs::default(),
                    };
                    if let Ok(answer) = to_js(&answer) {
                        // The player may have gone meanwhile: nothing to tell then.
                        port::post(&port, &answer);
                    }
                });
            })),
        );
        PLAYERS.with(|p| {
            let mut players = p.borrow_mut();
            players.retain(|p| !p.closed());
            players.push(player);
        });
    });
    chrome::on_connect_add_listener(listener.as_ref().unchecked_ref());
    // Serves for as long as the document lives.
    listener.forget();
}

async fn answer(ask: &RecordingAsk) -> RecordingIs {
    let found = match get(&ask.call_id).await {
        Ok(found) => found,
        Err(e) => {
            web_sys::console::warn_1(&format!("phone: reading a recording: {}", e.detail).into());
            None
        }
    };
    let Some((kept, audio)) = found else {
        return RecordingIs::default();
    };
    let audio = if ask.audio {
        JsFuture::from(audio.array_buffer())
            .await
            .ok()
            .map(|buffer| to_base64(&js_sys::Uint8Array::new(&buffer).to_vec()))
    } else {
        None
    };
    RecordingIs {
        kept: Some(kept),
        audio,
    }
}
