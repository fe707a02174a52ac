//! Recording one answered call: the microphone and the far end mixed in an AudioContext into
//! one MediaRecorder (WebM/Opus), until the call's media goes. A muted or held microphone is
//! silence in the recording too.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AudioContext, Blob, BlobEvent, BlobPropertyBag, MediaRecorder, MediaRecorderOptions,
    RecordingState,
};

use super::media::CallMedia;
use crate::glue::js::{GlueError, JsResultExt};
use crate::glue::listener::{sleep, Listener};

pub const MIME: &str = "audio/webm;codecs=opus";

const BITS_PER_SECOND: u32 = 32_000;

/// How long to wait for the far end's audio after the answer (its `track` event).
const REMOTE_WAIT_MS: u32 = 5000;

pub struct Recorder {
    context: AudioContext,
    recorder: MediaRecorder,
    chunks: Rc<RefCell<Vec<Blob>>>,
    pub call_id: String,
    pub started_ms: u64,
    _on_data: Option<Listener>,
}

/// Our side and the far end's into one mono destination, and its recorder: speech at 32 kbit/s
/// (an hour is about 14 MB, under the 25 MB a transcription service takes).
async fn mix(
    context: &AudioContext,
    media: &CallMedia,
    remote: Option<&web_sys::MediaStream>,
) -> Result<MediaRecorder, GlueError> {
    let destination = context
        .create_media_stream_destination()
        .or_glue("RECORDING")?;
    destination.set_channel_count(1);
    media
        .microphone_into(context, &destination)
        .or_glue("RECORDING")?;
    if let Some(remote) = remote {
        context
            .create_media_stream_source(remote)
            .and_then(|source| source.connect_with_audio_node(&destination).map(|_| ()))
            .or_glue("RECORDING")?;
    }
    if let Ok(resumed) = context.resume() {
        let _ = JsFuture::from(resumed).await;
    }
    let options = MediaRecorderOptions::new();
    options.set_mime_type(MIME);
    options.set_audio_bits_per_second(BITS_PER_SECOND);
    MediaRecorder::new_with_media_stream_and_media_recorder_options(&destination.stream(), &options)
        .or_glue("RECORDING")
}

impl Recorder {
    pub async fn start(media: &CallMedia, call_id: String) -> Result<Recorder, GlueError> {
        let mut remote = media.remote_stream();
        let mut waited = 0;
        while remote.is_none() && waited < REMOTE_WAIT_MS {
            sleep(50).await;
            waited += 50;
            remote = media.remote_stream();
        }
        let context = AudioContext::new().or_glue("RECORDING")?;
        let recorder = match mix(&context, media, remote.as_ref()).await {
            Ok(recorder) => recorder,
            Err(e) => {
                // Not left running in a document that lives for days.
                let _ = context.close();
                return Err(e);
            }
        };
        let chunks = Rc::new(RefCell::new(Vec::new()));
        let sink = chunks.clone();
        let on_data = Listener::new(&recorder, "dataavailable", move |event| {
            if let Some(data) = event.dyn_ref::<BlobEvent>().and_then(BlobEvent::data) {
                if data.size() > 0.0 {
                    sink.borrow_mut().push(data);
                }
            }
        });
        // A chunk a second: what was recorded is in hand however the call ends.
        if let Err(e) = recorder.start_with_time_slice(1000).or_glue("RECORDING") {
            let _ = context.close();
            return Err(e);
        }
        Ok(Recorder {
            context,
            recorder,
            chunks,
            call_id,
            started_ms: js_sys::Date::now() as u64,
            _on_data: on_data,
        })
    }

    /// Stops, and the whole recording as one Blob (the audio graph is closed either way).
    pub async fn finish(self) -> Result<Blob, GlueError> {
        if self.recorder.state() != RecordingState::Inactive {
            let recorder = self.recorder.clone();
            let stopped = js_sys::Promise::new(&mut |resolve, _| {
                let once = Closure::once_into_js(move || {
                    let _ = resolve.call0(&JsValue::NULL);
                });
                recorder.set_onstop(Some(once.unchecked_ref()));
            });
            let stop = self.recorder.stop().or_glue("RECORDING");
            if stop.is_ok() {
                let _ = JsFuture::from(stopped).await;
            }
            if let Err(e) = stop {
                let _ = self.context.close();
                return Err(e);
            }
        }
        if let Ok(closed) = self.context.close() {
            let _ = JsFuture::from(closed).await;
        }
        let parts = Array::new();
        for chunk in self.chunks.borrow().iter() {
            parts.push(chunk);
        }
        let kind = BlobPropertyBag::new();
        kind.set_type(MIME);
        Blob::new_with_blob_sequence_and_options(&parts, &kind).or_glue("RECORDING")
    }
}
