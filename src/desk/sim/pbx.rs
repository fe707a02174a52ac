//! The far side of the simulated line: a registrar, and the people we call and who call us,
//! speaking SIP to the real phone engine (`call::engine` with its `sip::UserAgent`). What each
//! call does (rings, is answered, who hangs up, busy, no answer, a caller who gives up) is a
//! `Plan` the simulator's seed chose; the engine has to turn it into the right call report.

use std::collections::BTreeMap;

use crate::call::{CallEnd, PhoneCommand};
use crate::sip::context::response_to;
use crate::sip::{Message, Method};

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=sendrecv\r\n";
const FAR_CONTACT: &str = "<sip:far@f4r.invalid;transport=ws>";

/// How one call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub answered: bool,
    /// How it ends: `HungUp` (the user), `RemoteHungUp`, `Missed` (the caller gives up),
    /// `Busy`, `NoAnswer`, `NotFound`, `Cancelled` (the user hangs up while it rings).
    pub end: CallEnd,
    pub ring_ms: u64,
    pub talk_ms: u64,
}

/// What happens next, after `after` ms: a SIP message to the engine, or the user's hand.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    ToEngine {
        after: u64,
        text: String,
    },
    /// Only while the engine's live call is `sip_call_id` (the user acts on that call).
    User {
        after: u64,
        sip_call_id: String,
        command: PhoneCommand,
    },
    /// The engine placed a call (its INVITE arrived): the simulator's truth begins.
    Placed {
        sip_call_id: String,
        plan: Plan,
    },
}

struct Leg {
    plan: Plan,
    /// The INVITE that began the call (the engine's, or ours for an incoming call).
    invite: Message,
    incoming: bool,
    /// The engine's dialog tag and Contact, once it sent them.
    engine_tag: Option<String>,
    engine_contact: Option<String>,
    far_tag: String,
    cseq: u32,
    /// The engine's final answer to our INVITE came (a retransmission changes nothing).
    answered: bool,
}

#[derive(Default)]
pub struct Pbx {
    legs: BTreeMap<String, Leg>,
    /// The plan for the next call the engine places.
    pub next_outgoing: Option<Plan>,
    /// How long the registrar takes to answer (a dial meanwhile waits for the line).
    pub registrar_ms: u64,
    branches: u64,
}

impl Pbx {
    pub fn new(registrar_ms: u64) -> Pbx {
        Pbx {
            registrar_ms,
            ..Pbx::default()
        }
    }

    /// A message the engine sent; what the far side does about it.
    pub fn hear(&mut self, text: &str) -> Vec<Act> {
        if text.trim().is_empty() {
            return vec![];
        }
        let message = Message::parse(text.as_bytes()).expect("the engine sends SIP");
        match message.method().cloned() {
            Some(method) => self.request(method, message),
            None => self.response(message),
        }
    }

    fn request(&mut self, method: Method, request: Message) -> Vec<Act> {
        let call_id = request.call_id().unwrap_or_default().to_string();
        let reply = |status: u16, tag: Option<&str>| {
            let mut r = response_to(&request, status, tag);
            r.push_header("Contact", FAR_CONTACT);
            r
        };
        match method {
            Method::Register => {
                let mut ok = reply(200, Some("registrar"));
                if let Some(contact) = request.header("Contact") {
                    ok.push_header("Contact", format!("{contact};expires=600"));
                }
                ok.push_header("Expires", "600");
                vec![to_engine(self.registrar_ms, &ok)]
            }
            Method::Invite if !self.legs.contains_key(&call_id) => {
                let plan = self.next_outgoing.take().unwrap_or(Plan {
                    answered: true,
                    end: CallEnd::RemoteHungUp,
                    ring_ms: 1_000,
                    talk_ms: 5_000,
                });
                let far_tag = format!("far{}", self.legs.len() + 1);
                let mut acts = vec![
                    Act::Placed {
                        sip_call_id: call_id.clone(),
                        plan: plan.clone(),
                    },
                    to_engine(1, &reply(100, None)),
                ];
                let ring = plan.ring_ms;
                if plan.end != CallEnd::NotFound {
                    acts.push(to_engine(ring / 4, &reply(180, Some(&far_tag))));
                }
                match plan.end {
                    _ if plan.answered => {
                        let mut ok = reply(200, Some(&far_tag));
                        ok.push_header("Content-Type", "application/sdp");
                        ok.body = SDP.into();
                        acts.push(to_engine(ring, &ok));
                        if plan.end == CallEnd::HungUp {
                            acts.push(user(ring + plan.talk_ms, &call_id, PhoneCommand::Hangup));
                        }
                    }
                    CallEnd::Busy => acts.push(to_engine(ring, &reply(486, Some(&far_tag)))),
                    CallEnd::NoAnswer => acts.push(to_engine(ring, &reply(408, Some(&far_tag)))),
                    CallEnd::Cancelled => acts.push(user(ring, &call_id, PhoneCommand::Hangup)),
                    _ => acts.push(to_engine(ring, &reply(404, Some(&far_tag)))),
                }
                let engine_contact = request.header("Contact").map(str::to_string);
                let engine_tag = request.from().and_then(|f| f.tag().map(str::to_string));
                let talk = plan.talk_ms;
                let remote_hangup = plan.answered && plan.end == CallEnd::RemoteHungUp;
                self.legs.insert(
                    call_id.clone(),
                    Leg {
                        plan,
                        invite: request.clone(),
                        incoming: false,
                        engine_tag,
                        engine_contact,
                        far_tag,
                        cseq: 1,
                        answered: false,
                    },
                );
                if remote_hangup {
                    acts.extend(self.far_request(&call_id, "BYE", ring + talk));
                }
                acts
            }
            Method::Ack => vec![],
            Method::Cancel => {
                let mut acts = vec![to_engine(1, &reply(200, None))];
                if let Some(leg) = self.legs.get(&call_id) {
                    let mut terminated = response_to(&leg.invite, 487, Some(&leg.far_tag));
                    terminated.push_header("Contact", FAR_CONTACT);
                    acts.push(to_engine(2, &terminated));
                }
                acts
            }
            // BYE, INFO, re-INVITE, OPTIONS: fine by us.
            _ => vec![to_engine(1, &reply(200, None))],
        }
    }

    fn response(&mut self, response: Message) -> Vec<Act> {
        let call_id = response.call_id().unwrap_or_default().to_string();
        let Some(leg) = self.legs.get_mut(&call_id).filter(|l| l.incoming) else {
            return vec![];
        };
        let is_invite = response.cseq().is_some_and(|c| c.method == Method::Invite);
        let status = response.status().unwrap_or_default();
        if !is_invite {
            return vec![];
        }
        if let Some(tag) = response.to().and_then(|t| t.tag().map(str::to_string)) {
            leg.engine_tag = Some(tag);
        }
        if let Some(contact) = response.header("Contact") {
            leg.engine_contact = Some(contact.to_string());
        }
        if status < 200 {
            return vec![];
        }
        // Every final answer to our INVITE is acknowledged (a 2xx in the dialog), its
        // retransmissions too; what follows the answer follows once.
        let first = !std::mem::replace(&mut leg.answered, true);
        let plan = leg.plan.clone();
        let mut acts = self.far_request(&call_id, "ACK", 1);
        let answered = first && (200..300).contains(&status);
        if answered && plan.end == CallEnd::RemoteHungUp {
            acts.extend(self.far_request(&call_id, "BYE", plan.talk_ms));
        }
        if answered && plan.end == CallEnd::HungUp {
            acts.push(user(plan.talk_ms, &call_id, PhoneCommand::Hangup));
        }
        acts
    }

    /// Somebody calls us: the INVITE, and what the caller and the user will do.
    pub fn call_in(&mut self, sip_call_id: &str, number: &str, plan: Plan) -> Vec<Act> {
        self.branches += 1;
        let far_tag = format!("caller{}", self.branches);
        let invite = Message::parse(
            format!(
                "INVITE sip:1001@abc.invalid;transport=ws SIP/2.0\r\n\
                 Via: SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bKsim{n}\r\n\
                 Max-Forwards: 69\r\n\
                 From: <sip:{number}@sip.test>;tag={far_tag}\r\n\
                 To: <sip:1001@sip.test>\r\n\
                 Call-ID: {sip_call_id}\r\n\
                 CSeq: 9 INVITE\r\n\
                 Contact: {FAR_CONTACT}\r\n\
                 Content-Type: application/sdp\r\n\
                 Content-Length: {len}\r\n\r\n{SDP}",
                n = self.branches,
                len = SDP.len(),
            )
            .as_bytes(),
        )
        .expect("our INVITE parses");
        let mut acts = vec![to_engine(1, &invite)];
        if plan.answered {
            acts.push(user(plan.ring_ms, sip_call_id, PhoneCommand::Answer));
        } else {
            let mut cancel = invite.clone();
            cancel.start = crate::sip::StartLine::Request {
                method: Method::Cancel,
                uri: "sip:1001@abc.invalid;transport=ws".into(),
            };
            cancel.set_header("CSeq", "9 CANCEL");
            cancel.body.clear();
            cancel.remove_header("Content-Type");
            acts.push(to_engine(plan.ring_ms, &cancel));
        }
        self.legs.insert(
            sip_call_id.to_string(),
            Leg {
                plan,
                invite,
                incoming: true,
                engine_tag: None,
                engine_contact: None,
                far_tag,
                cseq: 9,
                answered: false,
            },
        );
        acts
    }

    /// A request of the far side in the call's dialog (its ACK, its BYE).
    fn far_request(&mut self, call_id: &str, method: &str, after: u64) -> Vec<Act> {
        self.branches += 1;
        let branch = self.branches;
        let Some(leg) = self.legs.get_mut(call_id) else {
            return vec![];
        };
        let (ours, theirs) = if leg.incoming {
            (leg.invite.header("From"), leg.invite.header("To"))
        } else {
            (leg.invite.header("To"), leg.invite.header("From"))
        };
        let (Some(ours), Some(theirs)) = (ours.map(str::to_string), theirs.map(str::to_string))
        else {
            return vec![];
        };
        let ours = if leg.incoming {
            ours
        } else {
            format!("{ours};tag={}", leg.far_tag)
        };
        let theirs = match (&leg.engine_tag, leg.incoming) {
            (Some(tag), true) => format!("{theirs};tag={tag}"),
            _ => theirs,
        };
        let cseq = if method == "ACK" {
            leg.cseq
        } else {
            leg.cseq += 1;
            leg.cseq
        };
        let uri = leg
            .engine_contact
            .as_deref()
            .and_then(|c| c.split('<').nth(1))
            .and_then(|c| c.split('>').next())
            .unwrap_or("sip:1001@abc.invalid;transport=ws")
            .to_string();
        let mut m = Message::request(Method::parse(method).expect("a method"), uri);
        m.push_header(
            "Via",
            format!("SIP/2.0/WSS 127.0.0.1:8088;branch=z9hG4bKfar{branch}"),
        );
        m.push_header("Max-Forwards", "70");
        m.push_header("From", ours);
        m.push_header("To", theirs);
        m.push_header("Call-ID", call_id);
        m.push_header("CSeq", format!("{cseq} {method}"));
        vec![to_engine(after, &m)]
    }
}

fn to_engine(after: u64, message: &Message) -> Act {
    Act::ToEngine {
        after,
        text: message.to_wire(),
    }
}

fn user(after: u64, sip_call_id: &str, command: PhoneCommand) -> Act {
    Act::User {
        after,
        sip_call_id: sip_call_id.to_string(),
        command,
    }
}
