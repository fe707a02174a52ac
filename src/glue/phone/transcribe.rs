//! Sends a recording to the transcription service the user set (OpenAI-compatible
//! `/v1/audio/transcriptions`, multipart) and reads its text. The request carries the key and
//! the audio only: no cookies, no Salesforce data.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Blob, FormData, Headers, RequestCredentials, RequestInit, RequestMode,
    Response,
};

use crate::call::recording::{transcript_of, Transcription, TranscriptionError, MAX_UPLOAD_BYTES};

/// A long call takes the service a while; past this, the upload is given up (and said).
const TIMEOUT_MS: u64 = 180_000;

pub async fn transcribe(
    service: &Transcription,
    audio: &Blob,
) -> Result<String, TranscriptionError> {
    let endpoint = service
        .endpoint()
        .ok_or(TranscriptionError::TranscribeFailed)?;
    if audio.size() as u64 > MAX_UPLOAD_BYTES {
        return Err(TranscriptionError::TranscribeTooLarge);
    }
    let failed = |_| TranscriptionError::TranscribeFailed;
    let form = FormData::new().map_err(failed)?;
    form.append_with_blob_and_filename("file", audio, "call.webm")
        .map_err(failed)?;
    for (name, value) in service.fields() {
        form.append_with_str(name, &value).map_err(failed)?;
    }
    let headers = Headers::new().map_err(failed)?;
    if !service.key.is_empty() {
        headers
            .set("Authorization", &format!("Bearer {}", service.key))
            .map_err(failed)?;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&form);
    init.set_headers(&headers);
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    let abort = AbortController::new().ok();
    if let Some(abort) = &abort {
        init.set_signal(Some(&abort.signal()));
    }
    let _timeout =
        abort.map(|abort| crate::glue::listener::Timer::once(TIMEOUT_MS, move || abort.abort()));
    let window = web_sys::window().ok_or(TranscriptionError::TranscribeUnreachable)?;
    let response = JsFuture::from(window.fetch_with_str_and_init(&endpoint, &init))
        .await
        .map_err(|_| TranscriptionError::TranscribeUnreachable)?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| TranscriptionError::TranscribeFailed)?;
    let body = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    transcript_of(response.status(), &body)
}
