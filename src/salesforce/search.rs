//! The wrap-up's record search: the user types a name or a number and puts the call's Task on
//! a record the caller card did not show. One SOSL request over the objects a Task can be on.
//!
//! A number is searched as the lookup searches it (every spelling, phone fields only); any
//! other text is one quoted phrase searched in all fields, every SOSL reserved character
//! escaped, so what the user types is always the words searched for, never operators (`OR`,
//! `AND NOT`), wildcards or a part of the query.

use serde_json::Value;

use super::id::RecordId;
use super::lightning::record_url;
use super::rest::RestError;
use crate::calllog::CallerMatch;
use crate::number::PhoneNumber;

/// What the search returns, in this order (people first, as the card ranks them).
pub const SEARCH_OBJECTS: [&str; 5] = ["Contact", "Lead", "Account", "Opportunity", "Case"];
/// Records shown for one search.
pub const SEARCH_LIMIT: usize = 20;
/// SOSL refuses a term of fewer characters (`INVALID_SEARCH`: "search term must be longer
/// than one character").
const MIN_TERM_CHARS: usize = 2;
/// SOSL's reserved characters: literal only when escaped with `\`.
const RESERVED: &str = "?&|!{}[]()^~*:\\\"'+-";

fn returning(object: &str) -> Option<&'static str> {
    Some(match object {
        "Contact" => "Contact(Id, Name, AccountId, Account.Name, OwnerId)",
        "Lead" => "Lead(Id, Name, Company, OwnerId)",
        "Account" => "Account(Id, Name, OwnerId)",
        "Opportunity" => "Opportunity(Id, Name, AccountId, Account.Name, OwnerId)",
        "Case" => "Case(Id, CaseNumber, Subject, OwnerId)",
        _ => return None,
    })
}

/// Why a search was not sent (codes the panel explains).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchRefused {
    /// Fewer than two characters to search for.
    TooShort,
    /// The user can read none of the objects.
    NothingReadable,
}

impl SearchRefused {
    pub fn code(self) -> &'static str {
        match self {
            SearchRefused::TooShort => "SEARCH_TOO_SHORT",
            SearchRefused::NothingReadable => "NO_READABLE_OBJECTS",
        }
    }
}

/// `text` as one SOSL term: each reserved character escaped, whitespace runs made one space.
pub fn escape_term(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut space = false;
    for c in text.trim().chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        if RESERVED.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The SOSL for what the user typed, over `readable` (of [`SEARCH_OBJECTS`]); a national number
/// is read as one of `region`.
pub fn search_sosl(
    query: &str,
    readable: &[String],
    region: &str,
) -> Result<String, SearchRefused> {
    let parts: Vec<&str> = SEARCH_OBJECTS
        .iter()
        .filter(|o| readable.iter().any(|r| r == *o))
        .filter_map(|o| returning(o))
        .collect();
    if parts.is_empty() {
        return Err(SearchRefused::NothingReadable);
    }
    let returning = parts.join(", ");
    // Mostly digits: a phone number, searched in every spelling the org may hold.
    let digits = query.chars().filter(char::is_ascii_digit).count();
    let others = query
        .chars()
        .filter(|c| !c.is_ascii_digit() && !" -+()".contains(*c))
        .count();
    if digits >= 6 && others == 0 {
        if let Ok(number) = PhoneNumber::parse(query, region) {
            return Ok(format!(
                "FIND {{{}}} IN PHONE FIELDS RETURNING {returning} LIMIT {SEARCH_LIMIT}",
                number.sosl_term()
            ));
        }
    }
    let term = escape_term(query);
    let meaningful = term.chars().filter(|c| *c != '\\' && *c != ' ').count();
    if meaningful < MIN_TERM_CHARS {
        return Err(SearchRefused::TooShort);
    }
    Ok(format!(
        "FIND {{\"{term}\"}} IN ALL FIELDS RETURNING {returning} LIMIT {SEARCH_LIMIT}"
    ))
}

fn text(record: &Value, field: &str) -> Option<String> {
    record[field]
        .as_str()
        .map(str::to_string)
        .filter(|s| !s.trim().is_empty())
}

/// Reads `{"searchRecords": [...]}` into the records the panel lists; records of other
/// objects, or without a readable id, are skipped.
pub fn parse_found(body: &Value, ui_host: &str) -> Result<Vec<CallerMatch>, RestError> {
    let records = body["searchRecords"]
        .as_array()
        .ok_or_else(|| RestError::BadResponse {
            status: 200,
            detail: "the search answer has no searchRecords".into(),
        })?;
    let mut found: Vec<CallerMatch> = records
        .iter()
        .filter_map(|record| {
            let object = record["attributes"]["type"].as_str()?;
            returning(object)?;
            let id = RecordId::parse(&text(record, "Id")?).ok()?;
            let name = match object {
                "Case" => [text(record, "CaseNumber"), text(record, "Subject")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => text(record, "Name").unwrap_or_default(),
            };
            Some(CallerMatch {
                object: object.to_string(),
                url: record_url(ui_host, object, &id),
                id,
                name,
                account_id: text(record, "AccountId").and_then(|a| RecordId::parse(&a).ok()),
                detail: record["Account"]["Name"]
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| text(record, "Company")),
                owner_id: text(record, "OwnerId").and_then(|o| RecordId::user(&o)),
            })
        })
        .collect();
    let rank = |m: &CallerMatch| SEARCH_OBJECTS.iter().position(|o| *o == m.object);
    found.sort_by_key(rank);
    found.truncate(SEARCH_LIMIT);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn all() -> Vec<String> {
        SEARCH_OBJECTS.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_name_is_one_escaped_term_over_all_fields() {
        let q = search_sosl("高橋 美咲", &all(), "JP").unwrap();
        assert_eq!(
            q,
            "FIND {\"高橋 美咲\"} IN ALL FIELDS RETURNING Contact(Id, Name, AccountId, Account.Name, \
             OwnerId), Lead(Id, Name, Company, OwnerId), Account(Id, Name, OwnerId), \
             Opportunity(Id, Name, AccountId, Account.Name, OwnerId), Case(Id, CaseNumber, \
             Subject, OwnerId) LIMIT 20"
        );
    }

    #[test]
    fn every_reserved_character_is_escaped_so_the_text_stays_a_term() {
        let hostile = "O'Brien} RETURNING User(Id) {x* AND (a|b) \\ \"q\" ~2 ^3 [k]: &!?+-";
        let q = search_sosl(hostile, &all(), "JP").unwrap();
        let term = q
            .strip_prefix("FIND {\"")
            .and_then(|r| r.split_once("\"} IN ALL FIELDS"))
            .map(|(t, _)| t)
            .expect("one term, then the scope");
        // Every reserved character in the term is preceded by a backslash.
        let chars: Vec<char> = term.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '\\' {
                assert!(RESERVED.contains(chars[i + 1]), "{term}");
                i += 2;
                continue;
            }
            assert!(
                !RESERVED.contains(chars[i]),
                "unescaped {:?} in {term}",
                chars[i]
            );
            i += 1;
        }
        assert!(
            !q.contains("User(Id)"),
            "the text cannot add an object to RETURNING"
        );
    }

    #[test]
    fn a_number_is_searched_in_phone_fields_in_every_spelling() {
        let q = search_sosl("052-123-4567", &all(), "JP").unwrap();
        assert!(q.starts_with("FIND {"), "{q}");
        assert!(q.contains("IN PHONE FIELDS"), "{q}");
        assert!(q.contains("0521234567"), "{q}");
        assert!(q.contains("\\+81521234567"), "{q}");
    }

    #[test]
    fn too_little_to_search_and_nothing_readable_are_said() {
        assert_eq!(
            search_sosl(" 高 ", &all(), "JP"),
            Err(SearchRefused::TooShort)
        );
        assert_eq!(search_sosl("*", &all(), "JP"), Err(SearchRefused::TooShort));
        assert_eq!(
            search_sosl("Acme", &[], "JP"),
            Err(SearchRefused::NothingReadable)
        );
        let only = vec!["Account".to_string()];
        assert_eq!(
            search_sosl("Acme", &only, "JP").unwrap(),
            "FIND {\"Acme\"} IN ALL FIELDS RETURNING Account(Id, Name, OwnerId) LIMIT 20"
        );
    }

    #[test]
    fn found_records_are_links_people_first_cases_by_number_and_subject() {
        let body = json!({"searchRecords": [
            {"attributes": {"type": "Case"}, "Id": "5005g00000CaSeAAAV", "CaseNumber": "00001001", "Subject": "請求書の再発行"},
            {"attributes": {"type": "Account"}, "Id": "0015g00000AcMeAAAV", "Name": "アクメ"},
            {"attributes": {"type": "Contact"}, "Id": "0035g00000Yam4dAAB", "Name": "山田 太郎",
             "AccountId": "0015g00000AcMeAAAV", "Account": {"Name": "アクメ"}},
            {"attributes": {"type": "User"}, "Id": "0055g00000UsErAAAV", "Name": "Not a target"},
            {"attributes": {"type": "Lead"}, "Id": "not an id", "Name": "Broken"},
        ]});
        let found = parse_found(&body, "acme.lightning.force.com").unwrap();
        let names: Vec<&str> = found.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["山田 太郎", "アクメ", "00001001 請求書の再発行"]);
        assert_eq!(found[0].detail.as_deref(), Some("アクメ"));
        assert_eq!(
            found[0].url,
            "https://acme.lightning.force.com/lightning/r/Contact/0035g00000Yam4dAAB/view"
        );
        assert!(parse_found(&json!({"records": []}), "x").is_err());
    }
}
