//! What a message body holds for us: its SDP, whether the body is SDP itself or one part of a
//! multipart body (RFC 5621: an INVITE may carry SDP beside other parts, binary ones included),
//! and the status line of a `message/sipfrag` (RFC 3420) that reports a transfer's progress.

use super::grammar::{param, Params, Scanner};
use super::message::Message;

/// `type/subtype;params` of a Content-Type value (RFC 3261 §20.15), lower-cased names.
fn media_type(value: &str) -> Option<(String, String, Params)> {
    let mut s = Scanner::new(value.trim_matches([' ', '\t']));
    let kind = s.token()?.to_ascii_lowercase();
    s.separator(b'/').then_some(())?;
    let subtype = s.token()?.to_ascii_lowercase();
    let params = s.params()?;
    s.finish()?;
    Some((kind, subtype, params))
}

/// The SDP a message carries: its body when that is `application/sdp`, or the first
/// `application/sdp` part of a `multipart/*` body; `None` when there is none, or it is empty
/// or not UTF-8.
pub fn sdp(message: &Message) -> Option<String> {
    sdp_in(message.header("Content-Type")?, &message.body, 0)
}

/// The SDP of a body sent as an offer or answer, as the calls hand it to WebRTC: the SDP
/// (part) if the Content-Type names one, else a text body as it is (peers that leave out the
/// Content-Type send SDP), else nothing.
pub fn offered_sdp(message: &Message) -> String {
    match message.header("Content-Type") {
        Some(kind) => sdp_in(kind, &message.body, 0),
        None => message.body_text().map(str::to_string),
    }
    .unwrap_or_default()
}

/// The most of a sipfrag's first line we look at: `SIP/2.0 NNN` and a reason phrase fit in far
/// less, and a bound keeps a hostile body (megabytes without a line break) cheap.
const MAX_STATUS_LINE: usize = 256;

/// The status code of a `message/sipfrag` body whose first line is a status line (RFC 3420 §2,
/// as RFC 3515 §2.4.5 has NOTIFYs for a REFER carry): `SIP/2.0 180 Ringing` gives 180. `None`
/// for another Content-Type, an empty or non-UTF-8 body, a request line, or anything else
/// that is not `SIP/2.0` and a three-digit code from 100 to 699.
pub fn sipfrag_status(message: &Message) -> Option<u16> {
    let (kind, subtype, _) = media_type(message.header("Content-Type")?)?;
    if (kind.as_str(), subtype.as_str()) != ("message", "sipfrag") {
        return None;
    }
    let head = &message.body[..message.body.len().min(MAX_STATUS_LINE)];
    let line_end = head
        .iter()
        .position(|b| *b == b'\r' || *b == b'\n')
        .unwrap_or(head.len());
    // A cut through a multi-byte character only spoils the reason phrase, which is not read.
    let line = match std::str::from_utf8(&head[..line_end]) {
        Ok(line) => line,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
    };
    let rest = line.strip_prefix("SIP/2.0 ")?;
    let code = rest.get(..3)?;
    let after = &rest[3..];
    let ok =
        code.bytes().all(|b| b.is_ascii_digit()) && (after.is_empty() || after.starts_with(' '));
    ok.then(|| code.parse().ok())
        .flatten()
        .filter(|status| (100..700).contains(status))
}

/// Multipart bodies may nest (multipart/alternative inside multipart/mixed); a bound keeps a
/// hostile body from recursing deep.
const MAX_NESTING: usize = 4;

fn sdp_in(content_type: &str, body: &[u8], depth: usize) -> Option<String> {
    let (kind, subtype, params) = media_type(content_type)?;
    if (kind.as_str(), subtype.as_str()) == ("application", "sdp") {
        return std::str::from_utf8(body)
            .ok()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
    }
    if kind != "multipart" || depth >= MAX_NESTING {
        return None;
    }
    let boundary = param(&params, "boundary").filter(|b| !b.is_empty())?;
    parts(body, boundary.as_bytes())
        .into_iter()
        .find_map(|(part_type, content)| sdp_in(part_type?, content, depth + 1))
}

/// The parts of a multipart body (RFC 2046 §5.1.1): each part's Content-Type (`text/plain`
/// when it has none, which is never SDP) and content. Parts are separated by lines of
/// `--boundary`; the CRLF before a delimiter belongs to the delimiter.
fn parts<'a>(body: &'a [u8], boundary: &[u8]) -> Vec<(Option<&'a str>, &'a [u8])> {
    let mut delimiter = b"--".to_vec();
    delimiter.extend_from_slice(boundary);
    let mut starts = Vec::new();
    let mut i = 0;
    while let Some(at) = find(&body[i..], &delimiter).map(|p| p + i) {
        let at_line_start = at == 0 || body[at - 1] == b'\n';
        i = at + delimiter.len();
        if at_line_start {
            starts.push(at);
        }
    }
    let mut out = Vec::new();
    for pair in starts.windows(2) {
        let (from, to) = (pair[0] + delimiter.len(), pair[1]);
        // The rest of the delimiter line (transport padding), then the part.
        let Some(line_end) = find(&body[from..to], b"\n") else {
            continue;
        };
        let part = &body[from + line_end + 1..to];
        let part = part.strip_suffix(b"\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r").unwrap_or(part);
        out.push(split_part(part));
    }
    out
}

/// A part's headers and content: the headers end at the first blank line.
fn split_part(part: &[u8]) -> (Option<&str>, &[u8]) {
    let (head, content) = if part.starts_with(b"\r\n") || part.starts_with(b"\n") {
        (&part[..0], part.strip_prefix(b"\r\n").unwrap_or(&part[1..]))
    } else if let Some(at) = find(part, b"\r\n\r\n") {
        (&part[..at], &part[at + 4..])
    } else if let Some(at) = find(part, b"\n\n") {
        (&part[..at], &part[at + 2..])
    } else {
        return (None, &part[part.len()..]);
    };
    let kind = std::str::from_utf8(head).ok().and_then(|head| {
        head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            let name = name.trim_end_matches([' ', '\t']);
            (name.eq_ignore_ascii_case("Content-Type") || name.eq_ignore_ascii_case("c"))
                .then_some(value)
        })
    });
    (kind, content)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_body(content_type: &str, body: &[u8]) -> Message {
        let mut m = Message::response(200, "OK").with_header("Content-Type", content_type);
        m.body = body.to_vec();
        m
    }

    #[test]
    fn finds_sdp_in_a_body_or_a_multipart_part() {
        assert_eq!(
            sdp(&with_body("Application/SDP ; charset = utf-8", b"v=0\r\n")).as_deref(),
            Some("v=0\r\n")
        );
        let mut mixed = b"preamble\r\n--b1 \r\nContent-Type: application/octet-stream\r\n\r\n\
            \x00\xff\xfe--b1\r\n\r\n--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\
            o=- 1 1 IN IP4 0.0.0.0\r\n\r\n--b1--\r\nepilogue"
            .to_vec();
        let m = with_body("multipart/mixed;boundary=b1", &mixed);
        assert_eq!(
            sdp(&m).as_deref(),
            Some("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n")
        );
        assert_eq!(offered_sdp(&m), "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n");
        mixed.truncate(40);
        assert_eq!(sdp(&with_body("multipart/mixed;boundary=b1", &mixed)), None);
        assert_eq!(
            sdp(&with_body("multipart/mixed; boundary=\"\"", b"--\r\n")),
            None
        );
        assert_eq!(sdp(&with_body("text/plain", b"v=0")), None);
        assert_eq!(offered_sdp(&Message::response(200, "OK")), "");
    }

    #[test]
    fn reads_the_status_of_a_sipfrag_and_nothing_else() {
        let frag = |body: &[u8]| sipfrag_status(&with_body("message/sipfrag;version=2.0", body));
        assert_eq!(frag(b"SIP/2.0 100 Trying\r\n"), Some(100));
        assert_eq!(frag(b"SIP/2.0 200 OK"), Some(200));
        assert_eq!(
            frag(b"SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n"),
            Some(486)
        );
        assert_eq!(frag(b"SIP/2.0 603"), Some(603));
        assert_eq!(
            sipfrag_status(&with_body("Message/SipFrag", b"SIP/2.0 180 Ringing")),
            Some(180)
        );
        for bad in [
            &b""[..],
            b"\r\n",
            b"garbage",
            b"SIP/2.0",
            b"SIP/2.0 ",
            b"SIP/2.0 20 OK",
            b"SIP/2.0 2000 OK",
            b"SIP/2.0 099 Low",
            b"SIP/2.0 700 High",
            b"SIP/2.0 +20 OK",
            b"SIP/1.0 200 OK",
            b"INVITE sip:bob@sip.test SIP/2.0",
            b"\xff\xfe\x00",
        ] {
            assert_eq!(frag(bad), None, "{bad:?}");
        }
        let mut huge = b"SIP/2.0 180 ".to_vec();
        huge.extend(std::iter::repeat_n(b'x', 1 << 20));
        assert_eq!(frag(&huge), Some(180), "a long reason phrase is not read");
        let mut cut = b"SIP/2.0 180 ".to_vec();
        cut.push(0xc3); // the first byte of a two-byte character, then not its second
        cut.extend(std::iter::repeat_n(b'x', 1 << 20));
        assert_eq!(frag(&cut), Some(180));
        assert_eq!(frag(&vec![b'7'; 1 << 20]), None);
        assert_eq!(
            sipfrag_status(&with_body("text/plain", b"SIP/2.0 200 OK")),
            None
        );
        assert_eq!(sipfrag_status(&Message::response(200, "OK")), None);
    }
}
