//! Record lookup by phone number: one SOSL request over every spelling of the number, limited to
//! the objects this user can read, then exact re-ranking here by the normalised number.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::id::RecordId;
use super::rest::RestError;
use crate::number::PhoneNumber;

/// The seed's fields per object (plus `LastModifiedDate` for recency).
fn returning(object: &str) -> Option<&'static str> {
    Some(match object {
        "Contact" => {
            "Contact(Id, Name, Phone, MobilePhone, AccountId, Account.Name, OwnerId, LastModifiedDate)"
        }
        "Account" => "Account(Id, Name, Phone, OwnerId, LastModifiedDate)",
        "Lead" => "Lead(Id, Name, Company, Phone, MobilePhone, OwnerId, LastModifiedDate)",
        _ => return None,
    })
}

/// Percent-encoding for a query-string value (RFC 3986 unreserved characters kept).
pub fn encode_query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The SOSL text for a lookup, or `None` when the user can read none of the objects. The term
/// holds only digits, `OR` and escaped `+` (built from the parsed number, never from raw input),
/// so nothing the caller typed can change the query.
pub fn sosl(number: &PhoneNumber, readable: &[String]) -> Option<String> {
    let parts: Vec<&str> = readable.iter().filter_map(|o| returning(o)).collect();
    if parts.is_empty() {
        return None;
    }
    Some(format!(
        "FIND {{{}}} IN PHONE FIELDS RETURNING {}",
        number.sosl_term(),
        parts.join(", ")
    ))
}

/// The request path, relative to `/services/data/v51.0`.
pub fn search_path(number: &PhoneNumber, readable: &[String]) -> Option<String> {
    sosl(number, readable).map(|q| format!("/search/?q={}", encode_query_value(&q)))
}

/// A record that may be the caller, as the popup and the logging need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    pub object: String,
    pub id: RecordId,
    pub name: String,
    /// The phone fields that hold the number (or all phone fields, for inexact hits).
    pub phones: Vec<String>,
    #[serde(default)]
    pub account_id: Option<RecordId>,
    #[serde(default)]
    pub account_name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub last_modified: String,
    /// The record's owner (for the "record owner" assignee).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<RecordId>,
    /// A phone field of the record is the same number, not only a SOSL token match.
    pub exact: bool,
}

fn text(record: &Value, field: &str) -> Option<String> {
    record[field]
        .as_str()
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

/// A record's phone numbers, each on its own (a field may hold several: `03-1234-5678 /
/// 090-1111-2222` is two), as written, the caller's number first; and whether one of them is
/// the caller's number. A field holding no number we can read is kept as it is.
fn phones_of(record: &Value, region: &str, wanted: &str) -> (Vec<String>, bool) {
    let (mut matching, mut others) = (Vec::new(), Vec::new());
    for value in ["Phone", "MobilePhone"]
        .iter()
        .filter_map(|f| text(record, f))
    {
        let found = PhoneNumber::find_all(&value, region);
        if found.is_empty() {
            others.push(value);
            continue;
        }
        for number in found {
            let written = value[number.span].to_string();
            if number.number.e164() == wanted {
                matching.push(written);
            } else {
                others.push(written);
            }
        }
    }
    let exact = !matching.is_empty();
    matching.extend(others);
    (matching, exact)
}

/// Reads `{"searchRecords": [...]}`. Records of unexpected types are skipped.
pub fn parse_search(
    body: &str,
    number: &PhoneNumber,
    region: &str,
) -> Result<Vec<Candidate>, RestError> {
    let bad = |detail: &str| RestError::BadResponse {
        status: 200,
        detail: detail.into(),
    };
    let value: Value =
        serde_json::from_str(body).map_err(|_| bad("the search answer is not JSON"))?;
    let records = value["searchRecords"]
        .as_array()
        .ok_or_else(|| bad("the search answer has no searchRecords"))?;
    let wanted = number.e164();
    let mut out = vec![];
    for record in records {
        let Some(object) = record["attributes"]["type"].as_str() else {
            continue;
        };
        if returning(object).is_none() {
            continue;
        }
        let Some(id) = text(record, "Id").and_then(|id| RecordId::parse(&id).ok()) else {
            continue;
        };
        let (phones, exact) = phones_of(record, region, &wanted);
        out.push(Candidate {
            object: object.to_string(),
            id,
            name: text(record, "Name").unwrap_or_default(),
            phones,
            account_id: text(record, "AccountId").and_then(|id| RecordId::parse(&id).ok()),
            account_name: record["Account"]["Name"].as_str().map(str::to_string),
            company: text(record, "Company"),
            last_modified: text(record, "LastModifiedDate").unwrap_or_default(),
            owner_id: text(record, "OwnerId").and_then(|id| RecordId::user(&id)),
            exact,
        });
    }
    Ok(out)
}

/// Exact matches first, then by object priority, then most recently modified first.
pub fn rank(mut candidates: Vec<Candidate>, priority: &[String]) -> Vec<Candidate> {
    let position = |object: &str| {
        priority
            .iter()
            .position(|p| p == object)
            .unwrap_or(priority.len())
    };
    candidates.sort_by(|a, b| {
        b.exact
            .cmp(&a.exact)
            .then(position(&a.object).cmp(&position(&b.object)))
            .then(b.last_modified.cmp(&a.last_modified))
    });
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn number() -> PhoneNumber {
        PhoneNumber::parse("03-1234-5678", "JP").unwrap()
    }

    #[test]
    fn the_sosl_asks_only_readable_objects_for_every_spelling() {
        let q = sosl(&number(), &["Contact".into(), "Account".into()]).unwrap();
        assert!(q.starts_with(
            "FIND {0312345678 OR \\+81312345678 OR 81312345678 OR 312345678} IN PHONE FIELDS"
        ));
        assert!(q.contains(
            "Contact(Id, Name, Phone, MobilePhone, AccountId, Account.Name, OwnerId, \
             LastModifiedDate)"
        ));
        assert!(!q.contains("Lead("));
        assert_eq!(sosl(&number(), &[]), None);
    }

    #[test]
    fn the_path_is_percent_encoded() {
        let path = search_path(&number(), &["Lead".into()]).unwrap();
        assert!(path.starts_with("/search/?q=FIND%20%7B0312345678%20OR%20%5C%2B81312345678"));
        assert!(!path.contains(' '));
    }

    fn record(object: &str, id: &str, name: &str, phone: &str, modified: &str) -> Value {
        json!({"attributes": {"type": object}, "Id": id, "Name": name, "Phone": phone, "LastModifiedDate": modified})
    }

    #[test]
    fn exact_numbers_first_then_priority_then_recency() {
        let body = json!({"searchRecords": [
            record("Contact", "0035g00000Yam4dAAB", "山田 太郎", "03-1234-5678", "2026-01-01T00:00:00.000+0000"),
            record("Lead", "00Q5g00000DuPlIEAV", "山田 花子", "+81 3-1234-5678", "2026-11-01T00:00:00.000+0000"),
            record("Contact", "0035g00000SuZuKAAV", "鈴木 一郎", "03-1234-5678 内線 9", "2026-11-20T00:00:00.000+0000"),
            record("Account", "0015g00000AcMeAAAV", "株式会社アクメ", "03-1234-5000", "2026-11-25T00:00:00.000+0000"),
            {"attributes": {"type": "Opportunity"}, "Id": "0065g00000OpPoRAAV"},
        ]})
        .to_string();
        let found = parse_search(&body, &number(), "JP").unwrap();
        assert_eq!(found.len(), 4, "unexpected types are skipped");
        let priority: Vec<String> = ["Contact", "Account", "Lead"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let ranked = rank(found, &priority);
        let names: Vec<&str> = ranked.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["鈴木 一郎", "山田 太郎", "山田 花子", "株式会社アクメ"]
        );
        assert!(!ranked[3].exact);
    }

    #[test]
    fn each_number_of_a_phone_field_is_its_own_candidate_number() {
        let mut both = record(
            "Contact",
            "0035g00000Yam4dAAB",
            "山田 太郎",
            "090-1111-2222 / 03-1234-5678",
            "",
        );
        both["MobilePhone"] = json!("080-3333-4444");
        let body = json!({"searchRecords": [both]}).to_string();
        let found = parse_search(&body, &number(), "JP").unwrap();
        assert!(
            found[0].exact,
            "the second number of the field is the caller's"
        );
        assert_eq!(
            found[0].phones,
            ["03-1234-5678", "090-1111-2222", "080-3333-4444"]
        );
        let other = PhoneNumber::parse("090-1111-2222", "JP").unwrap();
        assert!(parse_search(&body, &other, "JP").unwrap()[0].exact);
    }

    #[test]
    fn broken_answers_are_clear_errors() {
        for body in ["", "{\"searchRecords\":", "[]", "<html>"] {
            assert_eq!(
                parse_search(body, &number(), "JP").unwrap_err().code(),
                "BAD_RESPONSE"
            );
        }
    }

    #[test]
    fn hostile_names_stay_data() {
        let body = json!({"searchRecords": [record("Contact", "0035g00000Yam4eAAB", "<img src=x onerror=alert(1)>", "+81 3-1234-5678", "")]}).to_string();
        let found = parse_search(&body, &number(), "JP").unwrap();
        assert_eq!(found[0].name, "<img src=x onerror=alert(1)>");
    }
}
