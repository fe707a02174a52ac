//! The options page's phone section: the SIP account (the password and TURN credentials are
//! never shown back, only whether one is stored) and the one-time microphone permission, which
//! only an extension page the user opens can ask for (the offscreen document cannot show a
//! prompt).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

use super::chrome;
use super::js::{ask_worker, call, JsResultExt};
use super::listener::Listener;
use crate::call::recording::{Recording, Transcription};
use crate::call::settings::{
    Device, Devices, DtmfMode, IceServer, IceServerView, NotifyWhen, PhoneSettings,
    PhoneSettingsView, Ringing, ScreenPop,
};
use crate::protocol::{OptionsPhoneSettings, OptionsSavePhoneSettings, PhoneAccount};

const MARKUP: &str = r#"
<div class="card__header">
  <h2 id="phone-title"></h2>
  <p class="card__desc" data-t="phoneDesc"></p>
</div>
<form id="phone-form" class="card__body" autocomplete="off">
  <fieldset class="group">
    <legend data-t="phoneAccountLegend"></legend>
    <div class="form-grid">
      <div class="form-element form-element--wide">
        <label class="form-element__label" for="phone-websocketUrl"><span data-t="phoneWebsocketUrl"></span></label>
        <div class="form-element__control"><input id="phone-websocketUrl" name="websocketUrl" type="url" placeholder="wss://pbx.example.com:7443" spellcheck="false" aria-describedby="phone-websocketUrl-help phone-websocketUrl-error"></div>
        <p id="phone-websocketUrl-help" class="help" data-t="phoneWebsocketUrlHelp"></p>
        <div class="field-error" role="alert" hidden id="phone-websocketUrl-error"></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-sipUri"><span data-t="phoneSipUri"></span></label>
        <div class="form-element__control"><input id="phone-sipUri" name="sipUri" placeholder="sip:1001@pbx.example.com" spellcheck="false" aria-describedby="phone-sipUri-help phone-sipUri-error"></div>
        <p id="phone-sipUri-help" class="help" data-t="phoneSipUriHelp"></p>
        <div class="field-error" role="alert" hidden id="phone-sipUri-error"></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-authUser"><span data-t="phoneAuthUser"></span></label>
        <div class="form-element__control"><input id="phone-authUser" name="authUser" spellcheck="false" aria-describedby="phone-authUser-error"></div>
        <div class="field-error" role="alert" hidden id="phone-authUser-error"></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-password"><span data-t="phonePassword"></span></label>
        <div class="form-element__control"><input id="phone-password" name="password" type="password" autocomplete="new-password" aria-describedby="phone-password-error"></div>
        <p id="phone-password-kept" class="help kept" hidden data-t="phonePasswordKept"></p>
        <div class="field-error" role="alert" hidden id="phone-password-error"></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-displayName"><span data-t="phoneDisplayName"></span></label>
        <div class="form-element__control"><input id="phone-displayName" name="displayName" aria-describedby="phone-displayName-help phone-displayName-error"></div>
        <p id="phone-displayName-help" class="help" data-t="phoneDisplayNameHelp"></p>
        <div class="field-error" role="alert" hidden id="phone-displayName-error"></div>
      </div>
    </div>
  </fieldset>
  <fieldset class="group">
    <legend data-t="phoneAdvancedLegend"></legend>
    <div class="form-grid">
      <div class="form-element form-element--wide">
        <label class="form-element__label" for="phone-iceServers"><span data-t="phoneIceServers"></span></label>
        <div class="form-element__control"><textarea id="phone-iceServers" name="iceServers" rows="3" spellcheck="false" aria-describedby="phone-ice-hint phone-iceServers-error"></textarea></div>
        <p id="phone-ice-hint" class="help" data-t="phoneIceServersHint"></p>
        <div class="field-error" role="alert" hidden id="phone-iceServers-error"></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-dtmf"><span data-t="phoneDtmf"></span></label>
        <div class="form-element__control"><select id="phone-dtmf" name="dtmf" aria-describedby="phone-dtmf-help">
          <option value="RFC4733" data-t="phoneDtmf_RFC4733"></option>
          <option value="INFO" data-t="phoneDtmf_INFO"></option>
        </select></div>
        <p id="phone-dtmf-help" class="help" data-t="phoneDtmfHelp"></p>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-outsidePrefix"><span data-t="phoneOutsidePrefix"></span></label>
        <div class="form-element__control"><input id="phone-outsidePrefix" class="input--short" name="outsidePrefix" inputmode="numeric" maxlength="4" spellcheck="false" aria-describedby="phone-outsidePrefix-help phone-outsidePrefix-error"></div>
        <p id="phone-outsidePrefix-help" class="help" data-t="phoneOutsidePrefixHint"></p>
        <div class="field-error" role="alert" hidden id="phone-outsidePrefix-error"></div>
      </div>
    </div>
  </fieldset>
  <fieldset class="group">
    <legend data-t="phoneRinging"></legend>
    <div class="form-grid">
      <div class="form-element checkbox form-element--wide">
        <input id="phone-ringtone" name="ringtone" type="checkbox">
        <label for="phone-ringtone"><span data-t="phoneRingtone"></span></label>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-ringVolume"><span data-t="phoneRingVolume"></span></label>
        <div class="form-element__control"><input id="phone-ringVolume" name="ringVolume" type="range" min="0" max="100" step="5"></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-notify"><span data-t="phoneNotify"></span></label>
        <div class="form-element__control"><select id="phone-notify" name="notify">
          <option value="UNFOCUSED" data-t="phoneNotify_UNFOCUSED"></option>
          <option value="ALWAYS" data-t="phoneNotify_ALWAYS"></option>
          <option value="NEVER" data-t="phoneNotify_NEVER"></option>
        </select></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-screenPop"><span data-t="phoneScreenPop"></span></label>
        <div class="form-element__control"><select id="phone-screenPop" name="screenPop">
          <option value="ANSWER" data-t="phoneScreenPop_ANSWER"></option>
          <option value="RING" data-t="phoneScreenPop_RING"></option>
          <option value="OFF" data-t="phoneScreenPop_OFF"></option>
        </select></div>
      </div>
      <div class="form-element checkbox form-element--wide">
        <input id="phone-callWaiting" name="callWaiting" type="checkbox">
        <label for="phone-callWaiting"><span data-t="phoneCallWaiting"></span></label>
      </div>
    </div>
  </fieldset>
  <fieldset class="group">
    <legend data-t="phoneDevices"></legend>
    <p id="phone-devices-help" class="help" data-t="phoneDevicesHelp"></p>
    <div class="form-grid">
      <div class="form-element">
        <label class="form-element__label" for="phone-microphoneDevice"><span data-t="phoneDeviceMicrophone"></span></label>
        <div class="form-element__control"><select id="phone-microphoneDevice" name="microphoneDevice" aria-describedby="phone-devices-help"></select></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-speakerDevice"><span data-t="phoneDeviceSpeaker"></span></label>
        <div class="form-element__control"><select id="phone-speakerDevice" name="speakerDevice" aria-describedby="phone-devices-help"></select></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-ringerDevice"><span data-t="phoneDeviceRinger"></span></label>
        <div class="form-element__control"><select id="phone-ringerDevice" name="ringerDevice" aria-describedby="phone-devices-help"></select></div>
      </div>
    </div>
  </fieldset>
  <fieldset class="group">
    <legend data-t="phoneRecording"></legend>
    <div class="form-grid">
      <div class="form-element checkbox form-element--wide">
        <input id="phone-recordingOn" name="recordingOn" type="checkbox" aria-describedby="phone-recording-consent">
        <label for="phone-recordingOn"><span data-t="phoneRecordingOn"></span></label>
        <p id="phone-recording-consent" class="help" data-t="phoneRecordingConsent"></p>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-keepDays"><span data-t="phoneKeepDays"></span></label>
        <div class="form-element__control"><input id="phone-keepDays" class="input--short" name="keepDays" type="number" inputmode="numeric" aria-describedby="phone-keepDays-help phone-keepDays-error"></div>
        <p id="phone-keepDays-help" class="help" data-t="phoneKeepDaysHelp"></p>
        <div class="field-error" role="alert" hidden id="phone-keepDays-error"></div>
      </div>
      <div class="form-element form-element--wide">
        <label class="form-element__label" for="phone-transcriptionUrl"><span data-t="phoneTranscriptionUrl"></span></label>
        <div class="form-element__control"><input id="phone-transcriptionUrl" name="transcriptionUrl" type="url" placeholder="https://api.openai.com/v1" spellcheck="false" aria-describedby="phone-transcription-hint phone-transcriptionUrl-error"></div>
        <p id="phone-transcription-hint" class="help" data-t="phoneTranscriptionUrlHint"></p>
        <div class="field-error" role="alert" hidden id="phone-transcriptionUrl-error"></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-transcriptionModel"><span data-t="phoneTranscriptionModel"></span></label>
        <div class="form-element__control"><input id="phone-transcriptionModel" name="transcriptionModel" placeholder="whisper-1" spellcheck="false" aria-describedby="phone-transcriptionModel-help phone-transcriptionModel-error"></div>
        <p id="phone-transcriptionModel-help" class="help" data-t="phoneTranscriptionModelHelp"></p>
        <div class="field-error" role="alert" hidden id="phone-transcriptionModel-error"></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-transcriptionKey"><span data-t="phoneTranscriptionKey"></span></label>
        <div class="form-element__control"><input id="phone-transcriptionKey" name="transcriptionKey" type="password" autocomplete="new-password" aria-describedby="phone-transcriptionKey-help phone-transcriptionKey-error"></div>
        <p id="phone-transcriptionKey-help" class="help" data-t="phoneTranscriptionKeyHelp"></p>
        <p id="phone-transcription-key-kept" class="help kept" hidden data-t="phoneTranscriptionKeyKept"></p>
        <div class="field-error" role="alert" hidden id="phone-transcriptionKey-error"></div>
      </div>
      <div class="form-element">
        <label class="form-element__label" for="phone-transcriptionLanguage"><span data-t="phoneTranscriptionLanguage"></span></label>
        <div class="form-element__control"><select id="phone-transcriptionLanguage" name="transcriptionLanguage">
          <option value="" data-t="phoneLanguageAuto"></option>
          <option value="ja" data-t="phoneLanguage_ja"></option>
          <option value="en" data-t="phoneLanguage_en"></option>
        </select></div>
      </div>
    </div>
  </fieldset>
  <div class="actions actions--footer">
    <button id="phone-save" type="submit" class="button button--brand" data-t="phoneSave"></button>
    <button id="phone-microphone" type="button" class="button button--neutral" data-t="phoneMicrophone"></button>
  </div>
  <p id="phone-result" class="status" role="status" hidden></p>
</form>
"#;

/// Adds the section to the options page. Started by one line of `options_main`.
pub fn start(document: &Document) -> Option<()> {
    let body = document.body()?;
    let section = document.create_element("section").ok()?;
    section.set_id("phone");
    section
        .set_attribute("aria-labelledby", "phone-title")
        .ok()?;
    section.set_inner_html(MARKUP);
    let header = document.query_selector("header").ok().flatten();
    match header {
        Some(h) => h.after_with_node_1(&section).ok()?,
        None => body.prepend_with_node_1(&section).ok()?,
    }
    if let Some(title) = document.get_element_by_id("phone-title") {
        title.set_text_content(Some(&chrome::text("phoneTitle")));
    }
    let texts = section.query_selector_all("[data-t]").ok()?;
    for i in 0..texts.length() {
        if let Some(el) = texts.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
            let key = el.get_attribute("data-t").unwrap_or_default();
            el.set_text_content(Some(&chrome::text(&key)));
        }
    }
    let form = document.get_element_by_id("phone-form")?;
    let on_submit = Listener::new(&form, "submit", |event| {
        event.prevent_default();
        wasm_bindgen_futures::spawn_local(save());
    });
    let microphone = document.get_element_by_id("phone-microphone")?;
    let on_microphone = Listener::new(&microphone, "click", |_| {
        wasm_bindgen_futures::spawn_local(ask_microphone());
    });
    // The options page's listeners live as long as the page.
    std::mem::forget((on_submit, on_microphone));
    wasm_bindgen_futures::spawn_local(async {
        if let Ok(PhoneAccount { settings }) = ask_worker(&OptionsPhoneSettings {}).await {
            fill(&settings);
        }
    });
    Some(())
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn field(name: &str) -> Option<Element> {
    document()?
        .query_selector(&format!("#phone-form [name={name}]"))
        .ok()
        .flatten()
}

fn value(name: &str) -> String {
    let Some(el) = field(name) else {
        return String::new();
    };
    if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
        return i.value();
    }
    if let Some(t) = el.dyn_ref::<HtmlTextAreaElement>() {
        return t.value();
    }
    el.dyn_ref::<HtmlSelectElement>()
        .map(HtmlSelectElement::value)
        .unwrap_or_default()
}

fn checked(name: &str) -> bool {
    field(name)
        .and_then(|el| el.dyn_into::<HtmlInputElement>().ok())
        .is_some_and(|i| i.checked())
}

fn set_checked(name: &str, on: bool) {
    if let Some(i) = field(name).and_then(|el| el.dyn_into::<HtmlInputElement>().ok()) {
        i.set_checked(on);
    }
}

fn set_value(name: &str, text: &str) {
    let Some(el) = field(name) else { return };
    if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
        i.set_value(text);
    } else if let Some(t) = el.dyn_ref::<HtmlTextAreaElement>() {
        t.set_value(text);
    } else if let Some(s) = el.dyn_ref::<HtmlSelectElement>() {
        s.set_value(text);
    }
}

fn fill(settings: &PhoneSettingsView) {
    set_value("websocketUrl", &settings.websocket_url);
    set_value("sipUri", &settings.sip_uri);
    set_value("authUser", &settings.auth_user);
    set_value("password", "");
    set_value("displayName", &settings.display_name);
    set_value("outsidePrefix", &settings.outside_prefix);
    let ice: Vec<String> = settings
        .ice_servers
        .iter()
        .map(IceServerView::line)
        .collect();
    set_value("iceServers", &ice.join("\n"));
    set_value(
        "dtmf",
        match settings.dtmf {
            DtmfMode::Rfc4733 => "RFC4733",
            DtmfMode::Info => "INFO",
        },
    );
    STORED_DEVICES.with(|d| *d.borrow_mut() = settings.devices.clone());
    wasm_bindgen_futures::spawn_local(list_devices());
    set_checked("ringtone", settings.ringing.ringtone);
    set_checked("callWaiting", settings.ringing.call_waiting);
    set_value("ringVolume", &settings.ringing.volume.to_string());
    set_value(
        "notify",
        match settings.ringing.notify {
            NotifyWhen::Always => "ALWAYS",
            NotifyWhen::Unfocused => "UNFOCUSED",
            NotifyWhen::Never => "NEVER",
        },
    );
    set_value(
        "screenPop",
        match settings.ringing.screen_pop {
            ScreenPop::Answer => "ANSWER",
            ScreenPop::Ring => "RING",
            ScreenPop::Off => "OFF",
        },
    );
    let recording = &settings.recording;
    set_checked("recordingOn", recording.on);
    set_value("keepDays", &recording.keep_days.to_string());
    set_value("transcriptionUrl", &recording.url);
    set_value("transcriptionModel", &recording.model);
    set_value("transcriptionKey", "");
    set_value("transcriptionLanguage", &recording.language);
    for (id, stored) in [
        ("phone-password-kept", settings.has_password),
        ("phone-transcription-key-kept", recording.has_key),
    ] {
        if let Some(kept) = document().and_then(|d| d.get_element_by_id(id)) {
            if stored {
                kept.remove_attribute("hidden").log_and_continue("options");
            } else {
                kept.set_attribute("hidden", "").log_and_continue("options");
            }
        }
    }
}

fn show(state: &str, text: &str) {
    if let Some(result) = document().and_then(|d| d.get_element_by_id("phone-result")) {
        result.set_text_content(Some(text));
        result
            .set_attribute("data-state", state)
            .log_and_continue("options");
        result
            .remove_attribute("hidden")
            .log_and_continue("options");
    }
}

async fn save() {
    let ice_servers = match IceServer::parse_lines(&value("iceServers")) {
        Ok(servers) => servers,
        Err(e) => {
            show(e.code(), &chrome::text(&format!("state_{}", e.code())));
            return;
        }
    };
    let settings = PhoneSettings {
        websocket_url: value("websocketUrl").trim().to_string(),
        sip_uri: value("sipUri").trim().to_string(),
        auth_user: value("authUser").trim().to_string(),
        password: value("password"),
        display_name: value("displayName").trim().to_string(),
        ice_servers,
        dtmf: if value("dtmf") == "INFO" {
            DtmfMode::Info
        } else {
            DtmfMode::Rfc4733
        },
        outside_prefix: value("outsidePrefix").trim().to_string(),
        ringing: Ringing {
            ringtone: checked("ringtone"),
            call_waiting: checked("callWaiting"),
            // A range input gives 0-100; anything else is refused by the worker.
            volume: value("ringVolume").parse().unwrap_or(u8::MAX),
            notify: match value("notify").as_str() {
                "ALWAYS" => NotifyWhen::Always,
                "NEVER" => NotifyWhen::Never,
                _ => NotifyWhen::Unfocused,
            },
            screen_pop: match value("screenPop").as_str() {
                "RING" => ScreenPop::Ring,
                "OFF" => ScreenPop::Off,
                _ => ScreenPop::Answer,
            },
        },
        devices: Box::new(Devices {
            microphone: chosen_device("microphoneDevice"),
            speaker: chosen_device("speakerDevice"),
            ringer: chosen_device("ringerDevice"),
        }),
        recording: Box::new(Recording {
            on: checked("recordingOn"),
            // A number input gives digits; anything else is refused (BAD_KEEP_DAYS).
            keep_days: value("keepDays").trim().parse().unwrap_or(0),
            transcription: Transcription {
                url: value("transcriptionUrl").trim().to_string(),
                model: value("transcriptionModel").trim().to_string(),
                key: value("transcriptionKey").trim().to_string(),
                language: value("transcriptionLanguage"),
            },
        }),
    };
    if settings.is_configured() {
        if let Err(e) = settings.validate() {
            show(e.code(), &chrome::text(&format!("state_{}", e.code())));
            return;
        }
    }
    match ask_worker(&OptionsSavePhoneSettings { settings }).await {
        Ok(PhoneAccount { settings }) => {
            fill(&settings);
            show("SAVED", &chrome::text("phoneSaved"));
        }
        Err(e) => show(&e.code, &chrome::text(&format!("state_{}", e.code))),
    }
}

/// Asks for the microphone once, so the extension's origin keeps the permission; the stream
/// is stopped at once.
async fn ask_microphone() {
    use web_sys::{MediaStream, MediaStreamTrack};
    let granted = match call(microphone_promise(), "MICROPHONE_DENIED").await {
        Ok(stream) => {
            if let Ok(stream) = stream.dyn_into::<MediaStream>() {
                for track in stream.get_tracks().iter() {
                    if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                        track.stop();
                    }
                }
            }
            true
        }
        Err(_) => false,
    };
    if granted {
        // Only now does the browser name the devices (their labels are empty before).
        list_devices().await;
        show(
            "MICROPHONE_GRANTED",
            &chrome::text("phoneMicrophoneGranted"),
        );
    } else {
        show("MICROPHONE_DENIED", &chrome::text("phoneMicrophoneDenied"));
    }
}

fn microphone_promise() -> Result<js_sys::Promise, JsValue> {
    let devices = web_sys::window()
        .ok_or(JsValue::NULL)?
        .navigator()
        .media_devices()?;
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::TRUE);
    devices.get_user_media_with_constraints(&constraints)
}

thread_local! {
    /// The devices as stored, to name a chosen one that is not connected now.
    static STORED_DEVICES: std::cell::RefCell<Devices> = std::cell::RefCell::new(Devices::default());
}

/// The device selects: their field name, the kind of device they list, and the stored choice.
fn device_selects(stored: &Devices) -> [(&'static str, web_sys::MediaDeviceKind, Device); 3] {
    use web_sys::MediaDeviceKind::{Audioinput, Audiooutput};
    [
        ("microphoneDevice", Audioinput, stored.microphone.clone()),
        ("speakerDevice", Audiooutput, stored.speaker.clone()),
        ("ringerDevice", Audiooutput, stored.ringer.clone()),
    ]
}

/// The browser's audio devices, `(kind, id, label)`. Without the microphone permission the
/// ids and labels are empty.
async fn audio_devices() -> Vec<(web_sys::MediaDeviceKind, String, String)> {
    let promise = web_sys::window()
        .ok_or(JsValue::NULL)
        .and_then(|w| w.navigator().media_devices())
        .and_then(|m| m.enumerate_devices());
    let Ok(list) = call(promise, "DEVICES").await else {
        return vec![];
    };
    js_sys::Array::from(&list)
        .iter()
        .filter_map(|d| d.dyn_into::<web_sys::MediaDeviceInfo>().ok())
        .map(|d| (d.kind(), d.device_id(), d.label()))
        .collect()
}

/// Fills the three device selects from what is connected: "System default" first, then the
/// devices as the browser names them ("default" is the system default again, left out), and a
/// chosen device that is not connected as an extra option, selected, so the user sees it.
async fn list_devices() {
    let devices = audio_devices().await;
    let stored = STORED_DEVICES.with(|d| d.borrow().clone());
    let Some(document) = document() else { return };
    for (name, kind, stored) in device_selects(&stored) {
        let Some(select) = field(name).and_then(|el| el.dyn_into::<HtmlSelectElement>().ok())
        else {
            continue;
        };
        // What the user picked and has not saved yet stays picked.
        let picked = if select.length() > 0 {
            chosen_device(name)
        } else {
            stored
        };
        let of_kind: Vec<(&str, &str)> = devices
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, id, label)| (id.as_str(), label.as_str()))
            .collect();
        // Before the permission the browser hides the ids: nothing tells whether it is there.
        let named = of_kind.iter().any(|(id, _)| !id.is_empty());
        select.set_inner_html("");
        let add = |value: &str, label: &str, text: &str| {
            if let Ok(option) = document.create_element("option") {
                let _ = option.set_attribute("value", value);
                let _ = option.set_attribute("data-label", label);
                option.set_text_content(Some(text));
                let _ = select.append_child(&option);
            }
        };
        add("", "", &chrome::text("phoneDeviceDefault"));
        for (n, (id, label)) in of_kind.iter().enumerate() {
            if id.is_empty() || *id == "default" {
                continue;
            }
            let text = if label.is_empty() {
                format!("{} {}", chrome::text(name_key(name)), n + 1)
            } else {
                label.to_string()
            };
            add(id, label, &text);
        }
        if !picked.id.is_empty() && !of_kind.iter().any(|(id, _)| *id == picked.id) {
            let label = if picked.label.is_empty() {
                picked.id.chars().take(8).collect()
            } else {
                picked.label.clone()
            };
            let text = if named {
                chrome::text_with("phoneDeviceMissing", &[&label])
            } else {
                label.clone()
            };
            add(&picked.id, &picked.label, &text);
        }
        select.set_value(&picked.id);
    }
}

fn name_key(name: &str) -> &'static str {
    match name {
        "microphoneDevice" => "phoneDeviceMicrophone",
        "speakerDevice" => "phoneDeviceSpeaker",
        _ => "phoneDeviceRinger",
    }
}

/// The device a select has chosen: its id and the label it was listed by.
fn chosen_device(name: &str) -> Device {
    let Some(select) = field(name).and_then(|el| el.dyn_into::<HtmlSelectElement>().ok()) else {
        return Device::default();
    };
    let id = select.value();
    if id.is_empty() {
        return Device::default();
    }
    let label = select
        .query_selector("option:checked")
        .ok()
        .flatten()
        .and_then(|o| o.get_attribute("data-label"))
        .unwrap_or_default();
    // The settings keep 256 bytes of a label: a longer one is cut, not refused.
    let mut end = label.len().min(256);
    while !label.is_char_boundary(end) {
        end -= 1;
    }
    Device {
        id,
        label: label[..end].to_string(),
    }
}
