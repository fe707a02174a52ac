//! What becomes of a call's recording once the call ends: it is kept (IndexedDB), then, when
//! the user set a transcription service, sent there once and the text handed to the worker for
//! the call's Task. A transcript the document did not finish (Chromium closed it, the browser
//! quit) is taken up again when the phone starts: nothing recorded waits for ever.

use std::cell::RefCell;

use web_sys::Blob;

use super::recorder::{self, Recorder};
use super::{recordings, transcribe};
use crate::call::recording::{Kept, Recording, TranscriptState, Transcription, TranscriptionError};
use crate::glue::js::ask_worker;
use crate::glue::listener::sleep;
use crate::protocol::{CallLogged, PhoneTranscript};

thread_local! {
    /// The calls whose transcript is on its way now: not sent twice.
    static IN_FLIGHT: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn warn(what: &str, detail: &str) {
    web_sys::console::warn_1(&format!("phone: {what}: {detail}").into());
}

/// Claims `call_id`'s transcript for this task; `false` when another has it.
fn claim(call_id: &str) -> bool {
    IN_FLIGHT.with(|f| {
        let mut f = f.borrow_mut();
        if f.iter().any(|c| c == call_id) {
            return false;
        }
        f.push(call_id.to_string());
        true
    })
}

fn release(call_id: &str) {
    IN_FLIGHT.with(|f| f.borrow_mut().retain(|c| c != call_id));
}

pub async fn keep(recorder: Recorder, recording: Recording, now_ms: u64) {
    let (call_id, started_ms) = (recorder.call_id.clone(), recorder.started_ms);
    let audio = match recorder.finish().await {
        Ok(audio) => audio,
        Err(e) => return warn("the recording is lost", &e.detail),
    };
    let transcribes = recording.transcribes();
    let kept = Kept {
        call_id: call_id.clone(),
        started_ms,
        ended_ms: now_ms,
        bytes: audio.size() as u64,
        mime: recorder::MIME.to_string(),
        transcript: if transcribes {
            TranscriptState::Pending
        } else {
            TranscriptState::Off
        },
    };
    let claimed = transcribes && claim(&call_id);
    if let Err(e) = recordings::put(&kept, &audio).await {
        release(&call_id);
        return warn("the recording is not kept", &e.detail);
    }
    tidy(recording.clone(), now_ms).await;
    if claimed {
        transcribe_once(&call_id, &audio, &recording.transcription).await;
        release(&call_id);
    }
}

/// A service that was busy or could not be reached is asked again after these pauses (a key
/// it refused, or a recording too large for it, is not).
const RETRY_AFTER_MS: [u32; 2] = [10_000, 60_000];

/// Sends the recording to the service (again, while it only failed for now), the text to the
/// worker, and keeps how it went.
async fn transcribe_once(call_id: &str, audio: &Blob, service: &Transcription) {
    let mut answer = transcribe::transcribe(service, audio).await;
    for pause in RETRY_AFTER_MS {
        let passing = matches!(
            answer,
            Err(TranscriptionError::TranscribeBusy
                | TranscriptionError::TranscribeUnreachable
                | TranscriptionError::TranscribeFailed)
        );
        if !passing {
            break;
        }
        sleep(pause).await;
        answer = transcribe::transcribe(service, audio).await;
    }
    let state = match answer {
        Ok(text) if text.is_empty() => TranscriptState::Done {
            text,
            logged: false,
        },
        Ok(text) => {
            let logged = hand_over(call_id, &text).await;
            TranscriptState::Done { text, logged }
        }
        Err(e) => {
            warn("transcription", e.code());
            TranscriptState::Failed {
                code: e.code().to_string(),
            }
        }
    };
    if let Err(e) = recordings::update(call_id, |k| k.transcript = state).await {
        warn("the transcript's state", &e.detail);
    }
}

/// Hands the transcript to the worker for the call's Task; a call whose log the desk does not
/// have yet (its report still on the way) is asked again a few times.
async fn hand_over(call_id: &str, text: &str) -> bool {
    for attempt in 0..3 {
        if attempt > 0 {
            sleep(3_000).await;
        }
        let handed = ask_worker(&PhoneTranscript {
            call_id: call_id.to_string(),
            text: text.to_string(),
        })
        .await;
        match handed {
            Ok(CallLogged { .. }) => return true,
            Err(refusal) if refusal.code == "UNKNOWN_CALL" => continue,
            Err(_) => return false,
        }
    }
    false
}

/// Deletes the recordings past their days, and takes up the transcripts left pending: sent
/// now when a service is set, or marked as not to be made when none is any more.
pub async fn tidy(recording: Recording, now_ms: u64) {
    let pending = match recordings::tidy(&recording, now_ms).await {
        Ok(pending) => pending,
        Err(e) => return warn("tidying the recordings", &e.detail),
    };
    for call_id in pending {
        if !claim(&call_id) {
            continue;
        }
        if recording.transcribes() {
            let service = recording.transcription.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(Some((_, audio))) = recordings::get(&call_id).await {
                    transcribe_once(&call_id, &audio, &service).await;
                }
                release(&call_id);
            });
        } else {
            if let Err(e) =
                recordings::update(&call_id, |k| k.transcript = TranscriptState::Off).await
            {
                warn("the transcript's state", &e.detail);
            }
            release(&call_id);
        }
    }
}
