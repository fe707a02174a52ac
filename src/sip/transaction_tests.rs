//! Scripted exchanges against the transaction state machines with a fake clock.

use super::*;

fn request(method: &str) -> Message {
    Message::parse(
        format!(
            "{method} sip:bob@sip.test SIP/2.0\r\n\
             Via: SIP/2.0/WSS a.invalid;branch=z9hG4bKabc\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:alice@sip.test>;tag=ft\r\n\
             To: <sip:bob@sip.test>\r\n\
             Call-ID: c1\r\n\
             CSeq: 1 {method}\r\n\
             Route: <sip:proxy.sip.test;lr>\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap()
}

fn response(status: u16, method: &str) -> Message {
    Message::parse(
        format!(
            "SIP/2.0 {status} X\r\n\
             Via: SIP/2.0/WSS a.invalid;branch=z9hG4bKabc\r\n\
             From: <sip:alice@sip.test>;tag=ft\r\n\
             To: <sip:bob@sip.test>;tag=tt\r\n\
             Call-ID: c1\r\n\
             CSeq: 1 {method}\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap()
}

fn transmits(out: &[TxOutput]) -> usize {
    out.iter()
        .filter(|o| matches!(o, TxOutput::Transmit(_)))
        .count()
}

const T: TimerConfig = TimerConfig {
    t1: 500,
    t2: 4_000,
    t4: 5_000,
};

#[test]
fn invite_client_retransmits_with_timer_a_and_gives_up_with_timer_b() {
    let (mut tx, out) = ClientTransaction::start(request("INVITE"), false, T, 0).unwrap();
    assert_eq!(transmits(&out), 1);
    let mut sent_at = Vec::new();
    let mut now = 0;
    while let Some(at) = tx.next_deadline() {
        now = at;
        let out = tx.on_timer(now);
        if transmits(&out) == 1 {
            sent_at.push(now);
        }
        if out.contains(&TxOutput::TimedOut) {
            break;
        }
    }
    assert_eq!(sent_at, vec![500, 1_500, 3_500, 7_500, 15_500, 31_500]);
    assert_eq!(now, 32_000);
    assert!(tx.is_terminated());
}

#[test]
fn invite_client_over_a_reliable_transport_only_times_out() {
    let (mut tx, _) = ClientTransaction::start(request("INVITE"), true, T, 1_000).unwrap();
    assert_eq!(tx.next_deadline(), Some(33_000));
    assert_eq!(tx.on_timer(33_000), vec![TxOutput::TimedOut]);
}

#[test]
fn invite_client_acks_a_failure_and_reacks_its_retransmission() {
    let (mut tx, _) = ClientTransaction::start(request("INVITE"), false, T, 0).unwrap();
    let out = tx.on_response(response(180, "INVITE"), 100);
    assert!(matches!(&out[..], [TxOutput::Response(r)] if r.status() == Some(180)));
    assert_eq!(tx.next_deadline(), None, "no Timer B once ringing");
    let out = tx.on_response(response(486, "INVITE"), 5_000);
    let TxOutput::Transmit(ack) = &out[0] else {
        panic!("ACK first: {out:?}")
    };
    assert_eq!(ack.method(), Some(&Method::Ack));
    assert_eq!(ack.to().unwrap().tag(), Some("tt"));
    assert_eq!(ack.header("CSeq"), Some("1 ACK"));
    assert_eq!(ack.top_via().unwrap().branch(), Some("z9hG4bKabc"));
    assert_eq!(ack.header("Route"), Some("<sip:proxy.sip.test;lr>"));
    assert!(matches!(&out[1], TxOutput::Response(r) if r.status() == Some(486)));
    let again = tx.on_response(response(486, "INVITE"), 6_000);
    assert_eq!(transmits(&again), 1);
    assert_eq!(again.len(), 1, "the duplicate is not passed up");
    assert_eq!(tx.next_deadline(), Some(37_000)); // Timer D
    assert!(tx.on_timer(37_000).is_empty());
    assert!(tx.is_terminated());
}

#[test]
fn invite_client_passes_every_2xx_up_while_accepted() {
    let (mut tx, _) = ClientTransaction::start(request("INVITE"), true, T, 0).unwrap();
    assert_eq!(tx.on_response(response(200, "INVITE"), 10).len(), 1);
    assert_eq!(tx.state(), TxState::Accepted);
    assert_eq!(tx.on_response(response(200, "INVITE"), 20).len(), 1);
    assert_eq!(tx.next_deadline(), Some(32_010)); // Timer M
    assert!(tx.on_timer(32_010).is_empty());
    assert!(tx.is_terminated());
}

#[test]
fn non_invite_client_caps_timer_e_at_t2_and_times_out_with_f() {
    let (mut tx, _) = ClientTransaction::start(request("REGISTER"), false, T, 0).unwrap();
    let mut sent_at = Vec::new();
    while let Some(at) = tx.next_deadline() {
        let out = tx.on_timer(at);
        if transmits(&out) == 1 {
            sent_at.push(at);
        }
        if out.contains(&TxOutput::TimedOut) {
            assert_eq!(at, 32_000);
            break;
        }
    }
    assert_eq!(
        sent_at,
        vec![500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]
    );
}

#[test]
fn non_invite_client_retransmits_at_t2_after_a_provisional() {
    let (mut tx, _) = ClientTransaction::start(request("BYE"), false, T, 0).unwrap();
    tx.on_response(response(100, "BYE"), 100);
    assert_eq!(tx.next_deadline(), Some(4_100));
    assert_eq!(transmits(&tx.on_timer(4_100)), 1);
    let out = tx.on_response(response(200, "BYE"), 5_000);
    assert!(matches!(&out[..], [TxOutput::Response(_)]));
    assert_eq!(tx.next_deadline(), Some(10_000)); // Timer K = T4
}

#[test]
fn non_invite_client_over_reliable_ends_at_once() {
    let (mut tx, _) = ClientTransaction::start(request("REGISTER"), true, T, 0).unwrap();
    assert_eq!(tx.next_deadline(), Some(32_000));
    tx.on_response(response(200, "REGISTER"), 50);
    assert_eq!(tx.next_deadline(), Some(50));
    tx.on_timer(50);
    assert!(tx.is_terminated());
}

#[test]
fn invite_server_retransmits_failure_until_ack_then_lingers_timer_i() {
    let invite = request("INVITE");
    let mut tx = ServerTransaction::new(&invite, false, T).unwrap();
    assert_eq!(transmits(&tx.respond(response(180, "INVITE"), 0)), 1);
    assert_eq!(transmits(&tx.on_request(&invite, 200)), 1, "resend 180");
    assert_eq!(transmits(&tx.respond(response(486, "INVITE"), 1_000)), 1);
    assert_eq!(tx.next_deadline(), Some(1_500)); // Timer G
    assert_eq!(transmits(&tx.on_timer(1_500)), 1);
    assert_eq!(tx.next_deadline(), Some(2_500));
    let mut ack = request("ACK");
    ack.set_header("CSeq", "1 ACK");
    assert!(tx.on_request(&ack, 2_000).is_empty());
    assert_eq!(tx.state(), TxState::Confirmed);
    assert_eq!(tx.next_deadline(), Some(7_000)); // Timer I
    tx.on_timer(7_000);
    assert!(tx.is_terminated());
}

#[test]
fn invite_server_reports_a_lost_ack_with_timer_h() {
    let mut tx = ServerTransaction::new(&request("INVITE"), true, T).unwrap();
    tx.respond(response(603, "INVITE"), 0);
    assert_eq!(tx.next_deadline(), Some(32_000));
    assert_eq!(tx.on_timer(32_000), vec![TxOutput::TimedOut]);
}

#[test]
fn invite_server_2xx_moves_to_accepted() {
    let mut tx = ServerTransaction::new(&request("INVITE"), true, T).unwrap();
    tx.respond(response(200, "INVITE"), 0);
    assert_eq!(tx.state(), TxState::Accepted);
    assert!(tx.respond(response(486, "INVITE"), 1).is_empty());
    tx.on_timer(32_000); // Timer L
    assert!(tx.is_terminated());
}

#[test]
fn non_invite_server_answers_retransmissions_until_timer_j() {
    let bye = request("BYE");
    let mut tx = ServerTransaction::new(&bye, false, T).unwrap();
    assert!(tx.on_request(&bye, 0).is_empty(), "nothing to resend yet");
    tx.respond(response(200, "BYE"), 10);
    assert_eq!(transmits(&tx.on_request(&bye, 20)), 1);
    assert_eq!(tx.next_deadline(), Some(32_010));
    let mut reliable = ServerTransaction::new(&bye, true, T).unwrap();
    reliable.respond(response(200, "BYE"), 10);
    assert_eq!(reliable.next_deadline(), Some(10));
}

#[test]
fn keys_match_ack_to_invite_and_cancel_separately() {
    let invite = TxKey::of_request(&request("INVITE")).unwrap();
    let mut ack = request("ACK");
    ack.set_header("CSeq", "1 ACK");
    assert_eq!(TxKey::of_request(&ack).unwrap(), invite);
    assert_ne!(TxKey::of_request(&request("CANCEL")).unwrap(), invite);
    assert_eq!(
        TxKey::of_response(&response(200, "INVITE")).unwrap(),
        invite
    );
}
