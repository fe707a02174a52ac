//! The queries the product builds from what users type, read by the devorg's own SOSL and SOQL
//! grammars (written from Salesforce's documentation, separately from the product's builders):
//! each parses, and what the user typed comes back as the words searched for or the literal
//! compared, never as a part of the query.

use devorg::soql::{self, Condition};
use devorg::sosl::{self, Term};
use sfphone::calllog::history_request;
use sfphone::salesforce::id::RecordId;
use sfphone::salesforce::search::{search_sosl, SEARCH_OBJECTS};
use sfphone::salesforce::users::users_query;

const TYPED: [&str; 8] = [
    "高橋 美咲",
    "O'Brien & Sons",
    "Smith OR Jones AND NOT Doe",
    "x* ?y {z} [w] (v) ~u ^t :s",
    "back\\slash \"quoted\" +plus -minus !bang |pipe",
    "} RETURNING User(Id) {",
    "全角　スペース",
    "100%_done",
];

#[test]
fn every_record_search_is_one_phrase_of_exactly_the_typed_words() {
    let all: Vec<String> = SEARCH_OBJECTS.iter().map(|s| s.to_string()).collect();
    for typed in TYPED {
        let q = search_sosl(typed, &all, "JP").expect("searchable");
        let parsed = sosl::parse(&q).unwrap_or_else(|e| panic!("{typed:?}: {q}: {e:?}"));
        let objects: Vec<&str> = parsed.returning.iter().map(|r| r.object.as_str()).collect();
        assert_eq!(objects, SEARCH_OBJECTS, "{typed:?}");
        let Term::Phrase(words) = &parsed.term else {
            panic!("{typed:?} is not one phrase: {:?}", parsed.term);
        };
        let read: Vec<String> = words.iter().map(|w| w.literal()).collect();
        let expected: Vec<&str> = typed.split_whitespace().collect();
        assert_eq!(read, expected, "{typed:?} → {q}");
        assert!(words.iter().all(|w| !w.has_wildcard()), "{typed:?}");
    }
}

/// A LIKE literal as SOQL reads it: `\x` is the character x, a bare `%` any run, a bare `_`
/// any one character. `None` for a wildcard inside (`Some(text)`: the literal text between
/// the leading and trailing `%`).
fn contains_text(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix('%')?.strip_suffix('%')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '%' | '_' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

#[test]
fn a_user_search_compares_the_typed_text_and_nothing_else() {
    for typed in TYPED {
        let q = users_query(typed);
        let parsed = soql::parse(&q).unwrap_or_else(|e| panic!("{typed:?}: {q}: {e:?}"));
        assert_eq!(parsed.from, "User");
        let Some(Condition::Or(both)) = &parsed.filter else {
            panic!("{typed:?}: {:?}", parsed.filter);
        };
        assert_eq!(both.len(), 2, "{typed:?}");
        for compare in both {
            let Condition::Compare { field, op, value } = compare else {
                panic!("{typed:?}: {compare:?}");
            };
            assert!(["Name", "Username"].contains(&field.path.join(".").as_str()));
            assert_eq!(*op, soql::CompareOp::Like);
            let soql::Literal::Str(raw) = &value.literal else {
                panic!("{typed:?}: {value:?}");
            };
            // Line breaks become spaces; every other character is compared as typed.
            assert_eq!(
                contains_text(raw).as_deref(),
                Some(typed),
                "{typed:?} → {q}"
            );
        }
    }
}

#[test]
fn the_record_history_queries_parse() {
    let id = RecordId::parse("0035g00000Yam4dAAB").unwrap();
    for object in ["Contact", "Lead", "Account", "Opportunity", "Case"] {
        let request = history_request(object, &id, Some("CallMemo__c")).unwrap();
        let body = request.body.unwrap();
        for sub in body["compositeRequest"].as_array().unwrap() {
            let url = sub["url"].as_str().unwrap();
            let encoded = url.split("q=").nth(1).unwrap();
            let q = devorg::page::decode_component(encoded);
            soql::parse(&q).unwrap_or_else(|e| panic!("{object}: {q}: {e:?}"));
        }
    }
}
