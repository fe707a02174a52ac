//! The phone's own tones, made with Web Audio (no file to ship): the ringtone of an incoming
//! call and the ring-back of ours while the far end rings. Which tone, and when, is the
//! engine's decision (`Effect::Tone`); this plays it until told otherwise.
//!
//! Chromium lets an extension's offscreen document start an `AudioContext` without a user
//! gesture (the e2e test runs without `--autoplay-policy`, and checks the context runs).

use web_sys::{AnalyserNode, AudioContext, AudioContextState, GainNode, OscillatorNode};

use crate::call::engine::Tone;
use crate::glue::js::JsResultExt;
use crate::glue::listener::Timer;

/// One ring: a second of sound, then two of silence (the cadence of Japanese ringing,
/// 1 s on / 2 s off, which is also the ring-back's).
const CADENCE_MS: u32 = 3_000;
const ON_S: f64 = 1.0;
/// The ringtone trills between two pitches, 16 times a second, like a desk phone's bell.
const TRILL_HZ: [f32; 2] = [1_000.0, 1_300.0];
const TRILL_STEP_S: f64 = 1.0 / 32.0;
/// The ring-back: 400 Hz, as Japanese networks send it.
const RINGBACK_HZ: f32 = 400.0;
/// Full volume is loud enough to hear across a room without clipping.
const MAX_GAIN: f32 = 0.5;
const RINGBACK_GAIN: f32 = 0.15;
/// The call-waiting beep: short and soft, under the conversation.
const WAITING_GAIN: f32 = 0.08;
const WAITING_ON_S: f64 = 0.25;

/// The document's one audio graph for tones, made at the first tone and kept: starting a
/// tone is then a resume and a few scheduled values, not a new `AudioContext` (whose start
/// would sit on a call's set-up: the ring-back starts at the far end's 180, a moment before
/// its 200). Silent, the context is suspended, so no audio device is held open.
pub struct TonePlayer {
    tone: Tone,
    context: AudioContext,
    oscillator: OscillatorNode,
    gain: GainNode,
    analyser: AnalyserNode,
    cadence: Option<Timer>,
}

impl TonePlayer {
    pub fn new() -> Option<TonePlayer> {
        let context = AudioContext::new().log_and_continue("the tone's audio context")?;
        let oscillator = context
            .create_oscillator()
            .log_and_continue("the tone's oscillator")?;
        let gain = context.create_gain().log_and_continue("the tone's gain")?;
        let analyser = context
            .create_analyser()
            .log_and_continue("the tone's analyser")?;
        gain.gain().set_value(0.0);
        oscillator
            .connect_with_audio_node(&gain)
            .and_then(|_| gain.connect_with_audio_node(&analyser))
            .and_then(|_| analyser.connect_with_audio_node(&context.destination()))
            .log_and_continue("connecting the tone")?;
        oscillator.start().log_and_continue("starting the tone")?;
        let _ = context.suspend();
        Some(TonePlayer {
            tone: Tone::Silent,
            context,
            oscillator,
            gain,
            analyser,
            cadence: None,
        })
    }

    /// Plays `tone` from now on (`Tone::Silent`: stops).
    pub fn play(&mut self, tone: Tone) {
        self.tone = tone;
        self.cadence = None;
        let _ = self.gain.gain().cancel_scheduled_values(0.0);
        self.gain.gain().set_value(0.0);
        if tone == Tone::Silent {
            let _ = self.context.suspend();
            return;
        }
        // The ringtone on the ringing device; the ring-back and the call-waiting beep, part of
        // our call, on its speaker.
        let devices = super::media::devices();
        let device = match tone {
            Tone::Ring { .. } => devices.ringer,
            _ => devices.speaker,
        };
        super::media::set_sink(&self.context, &device);
        let _ = self.context.resume();
        let ring = {
            let context = self.context.clone();
            let oscillator = self.oscillator.clone();
            let gain = self.gain.clone();
            move || schedule_ring(tone, &context, &oscillator, &gain)
        };
        ring();
        self.cadence = Some(Timer::every(CADENCE_MS, ring));
    }

    pub fn tone(&self) -> Tone {
        self.tone
    }

    /// `running` while a tone sounds (the browser let it start), `suspended` when silent.
    pub fn audio_state(&self) -> &'static str {
        match self.context.state() {
            AudioContextState::Running => "running",
            AudioContextState::Suspended => "suspended",
            AudioContextState::Closed => "closed",
            _ => "unknown",
        }
    }

    /// The root-mean-square level of what is playing now (0: silence, ~0.35 at full volume).
    pub fn level(&self) -> f32 {
        let mut samples = vec![0f32; self.analyser.fft_size() as usize];
        self.analyser.get_float_time_domain_data(&mut samples);
        let energy: f32 = samples.iter().map(|s| s * s).sum();
        (energy / samples.len().max(1) as f32).sqrt()
    }
}

/// One cadence from now: the sound (for `ON_S`, the call-waiting beep shorter), then silence.
fn schedule_ring(tone: Tone, context: &AudioContext, oscillator: &OscillatorNode, gain: &GainNode) {
    let t = context.current_time();
    let (level, pitches, on): (f32, &[f32], f64) = match tone {
        Tone::Ring { volume } => (
            MAX_GAIN * f32::from(volume.min(100)) / 100.0,
            &TRILL_HZ,
            ON_S,
        ),
        Tone::Ringback => (RINGBACK_GAIN, &[RINGBACK_HZ], ON_S),
        Tone::Waiting => (WAITING_GAIN, &[RINGBACK_HZ], WAITING_ON_S),
        Tone::Silent => (0.0, &[RINGBACK_HZ], ON_S),
    };
    let frequency = oscillator.frequency();
    let steps = (on / TRILL_STEP_S) as usize;
    for step in 0..steps {
        let pitch = pitches[step % pitches.len()];
        let _ = frequency.set_value_at_time(pitch, t + step as f64 * TRILL_STEP_S);
    }
    let volume = gain.gain();
    // Short ramps, so the tone starts and stops without a click.
    let _ = volume.set_value_at_time(0.0, t);
    let _ = volume.linear_ramp_to_value_at_time(level, t + 0.01);
    let _ = volume.set_value_at_time(level, t + on - 0.01);
    let _ = volume.linear_ramp_to_value_at_time(0.0, t + on);
}
