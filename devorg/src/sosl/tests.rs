//! End-to-end SOSL tests over the shared test org (numbers stored five ways, Japanese names).

use serde_json::{json, Value};

use super::*;
use crate::soql::fixture::{
    records, TestSchema, ACME, GLOBEX, OBRIEN, SATO, SMITH, SUZUKI, TAKAHASHI, TANAKA, YAMADA,
};
use crate::soql::{INVALID_FIELD, INVALID_TYPE, MALFORMED_SEARCH};

fn run_with(q: &str, phone: PhoneMatching) -> Result<SearchResult, ApiError> {
    search(q, &TestSchema::default(), &records(), phone)
}

fn ids(q: &str) -> Vec<String> {
    ids_with(q, PhoneMatching::default())
}

fn ids_with(q: &str, phone: PhoneMatching) -> Vec<String> {
    let r = run_with(q, phone).unwrap_or_else(|e| panic!("{q}: {e}"));
    r.records
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect()
}

fn err(q: &str) -> ApiError {
    run_with(q, PhoneMatching::default()).expect_err(q)
}

const PHONE_Q: &str = "IN PHONE FIELDS RETURNING Contact(Id, Name, Phone), Lead(Id, Name, Phone), Account(Id, Name, Phone)";

#[test]
fn parses_scope_returning_and_limits() {
    let s = parse("find {Acme} in name fields returning Account(Id, Name WHERE Industry = 'Technology' ORDER BY Name DESC LIMIT 5), Contact LIMIT 20").unwrap();
    assert_eq!(s.scope, Scope::Name);
    assert_eq!(
        s.term,
        Term::Word(Word("Acme".chars().map(Piece::Char).collect()))
    );
    assert_eq!(s.returning.len(), 2);
    assert_eq!(s.returning[0].fields.len(), 2);
    assert!(s.returning[0].filter.is_some());
    assert!(s.returning[0].order_by[0].descending);
    assert_eq!(s.returning[0].limit, Some(5));
    assert!(s.returning[1].fields.is_empty());
    assert_eq!(s.limit, Some(20));
    for (q, scope) in [
        ("FIND {ab}", Scope::All),
        ("FIND {ab} IN ALL FIELDS", Scope::All),
        ("FIND {ab} IN EMAIL FIELDS", Scope::Email),
        ("FIND {ab} IN PHONE FIELDS", Scope::Phone),
        ("FIND {ab} IN SIDEBAR FIELDS", Scope::All),
    ] {
        assert_eq!(parse(q).unwrap().scope, scope, "{q}");
    }
}

#[test]
fn parses_term_operators() {
    let w = |s: &str| Term::Word(Word(s.chars().map(Piece::Char).collect()));
    assert_eq!(
        parse("FIND {a OR bc}").unwrap().term,
        Term::Or(vec![w("a"), w("bc")])
    );
    assert_eq!(
        parse("FIND {ab cd AND ef}").unwrap().term,
        Term::And(vec![w("ab"), w("cd"), w("ef")])
    );
    assert_eq!(
        parse("FIND {(ab OR cd) AND NOT ef}").unwrap().term,
        Term::AndNot(
            Box::new(Term::Or(vec![w("ab"), w("cd")])),
            Box::new(w("ef"))
        )
    );
    assert_eq!(
        parse("FIND {\"Jane Smith\"}").unwrap().term,
        Term::Phrase(vec![
            Word("Jane".chars().map(Piece::Char).collect()),
            Word("Smith".chars().map(Piece::Char).collect())
        ])
    );
    assert_eq!(
        parse("FIND {sm*t?}").unwrap().term,
        Term::Word(Word(vec![
            Piece::Char('s'),
            Piece::Char('m'),
            Piece::AnyRun,
            Piece::Char('t'),
            Piece::AnyOne
        ]))
    );
}

#[test]
fn escaped_reserved_characters_are_literal() {
    let all = RESERVED
        .chars()
        .map(|c| format!("\\{c}"))
        .collect::<String>();
    let s = parse(&format!("FIND {{x{all}}}")).unwrap();
    let Term::Word(word) = s.term else { panic!() };
    assert_eq!(word.literal(), format!("x{RESERVED}"));
    assert!(!word.has_wildcard());
    assert_eq!(
        ids("FIND {O\\'Brien} IN NAME FIELDS RETURNING Contact(Id)"),
        vec![OBRIEN]
    );
    assert_eq!(
        ids("FIND {john\\+cti@example.com} IN EMAIL FIELDS RETURNING Contact(Id)"),
        vec![OBRIEN]
    );
    assert_eq!(ids("FIND {Smith \\& Co} RETURNING Lead(Id)"), vec![SMITH]);
    assert_eq!(
        ids("FIND {\\+81 3\\-1234\\-5678} IN PHONE FIELDS RETURNING Contact(Id)"),
        vec![SATO]
    );
}

#[test]
fn unescaped_reserved_characters_are_malformed_search() {
    for c in "&|!{[]^~:'+-".chars() {
        let q = format!("FIND {{ab{c}cd}} RETURNING Contact(Id)");
        let e = err(&q);
        assert_eq!(e.error_code, MALFORMED_SEARCH, "{q}");
        assert!(
            e.message.contains("ERROR at Row:1:Column:9"),
            "{q}: {}",
            e.message
        );
    }
    let e = err("FIND {03-1234-5678} IN PHONE FIELDS RETURNING Contact(Id)");
    assert!(
        e.message.contains("reserved character '-'"),
        "{}",
        e.message
    );
    assert!(err("FIND {\"open phrase} RETURNING Contact(Id)")
        .message
        .contains("no closing"));
    assert!(err("FIND {(ab OR cd} RETURNING Contact(Id)")
        .message
        .contains("Malformed search token: <EOF>"));
    assert!(err("FIND {ab OR} RETURNING Contact(Id)")
        .message
        .contains("Malformed search token"));
}

#[test]
fn syntax_errors_use_the_reference_shape() {
    let e = err("FIND {name} IN ALL TYPE RETURNING Account(name)");
    assert_eq!(e.error_code, MALFORMED_SEARCH);
    assert_eq!(e.message, "\nFIND {name} IN ALL TYPE RETURNING Account(name)\n                  ^\nERROR at Row:1:Column:19\nMalformed search token: TYPE");
    assert_eq!(err("SEARCH {ab}").message, "unexpected token: 'SEARCH'");
    assert_eq!(err("").error_code, MALFORMED_SEARCH);
    assert!(err("FIND ab").message.contains("enclosed in braces"));
    assert!(err("FIND {ab").message.contains("no closing '}'"));
    assert!(err("FIND {ab} RETURNING")
        .message
        .ends_with("Malformed search token: <EOF>"));
    assert!(err("FIND {ab} RETURNING Contact(Id")
        .message
        .ends_with("unexpected token: <EOF>"));
    assert!(err("FIND {ab} RETURNING Contact(Id) junk")
        .message
        .ends_with("Malformed search token: junk"));
    assert!(err("FIND {ab} RETURNING Contact(Id WHERE Name = 'a\\x')")
        .message
        .contains("Illegal character sequence"));
}

#[test]
fn one_character_terms_are_rejected() {
    for q in [
        "FIND {a}",
        "FIND {a*}",
        "FIND { 5 }",
        "FIND {*}",
        "FIND {}",
        "FIND {\\-}",
        "FIND {\"a\"}",
    ] {
        let e = err(q);
        assert_eq!(
            (e.status, e.error_code, e.message.as_str()),
            (400, SEARCH_TERM_TOO_SHORT, SEARCH_TERM_TOO_SHORT_MESSAGE),
            "{q}"
        );
    }
    assert!(run_with("FIND {ab} RETURNING Contact(Id)", PhoneMatching::default()).is_ok());
}

#[test]
fn phone_search_by_digits_exact_by_default() {
    let q = format!("FIND {{0312345678}} {PHONE_Q}");
    assert_eq!(ids(&q), vec![YAMADA, SUZUKI, OBRIEN, TAKAHASHI, ACME]);
    let q = format!("FIND {{81312345678}} {PHONE_Q}");
    assert_eq!(ids(&q), vec![SATO, GLOBEX]);
    // Full-width digits in the term fold too; spaced fragments are tried as one number.
    assert_eq!(
        ids(&format!("FIND {{０３１２３４５６７８}} {PHONE_Q}")).len(),
        5
    );
    assert_eq!(ids(&format!("FIND {{03 1234 5678}} {PHONE_Q}")).len(), 5);
    assert!(ids(&format!("FIND {{12345678}} {PHONE_Q}")).is_empty());
    // Numbers never match a phone field token by token.
    assert!(ids(&format!("FIND {{5678}} {PHONE_Q}")).is_empty());
    assert!(ids(&format!("FIND {{\"03 1234\"}} {PHONE_Q}")).is_empty());
    assert_eq!(
        ids(&format!("FIND {{\"03 1234 5678\"}} {PHONE_Q}")).len(),
        5
    );
    assert_eq!(
        ids(&format!("FIND {{0901234567*}} {PHONE_Q}")),
        vec![YAMADA]
    );
    assert_eq!(
        ids("FIND {09012345678} IN PHONE FIELDS RETURNING Contact(Id)"),
        vec![YAMADA]
    );
    assert_eq!(
        ids("FIND {090*} IN PHONE FIELDS RETURNING Contact(Id)"),
        vec![YAMADA]
    );
    assert_eq!(
        ids("FIND {14155551212} IN PHONE FIELDS RETURNING Lead(Id)"),
        vec![SMITH]
    );
}

#[test]
fn phone_switches_widen_matching() {
    let cc = PhoneMatching {
        country_code_equivalence: true,
        suffix_match: None,
    };
    assert_eq!(
        ids_with(&format!("FIND {{0312345678}} {PHONE_Q}"), cc).len(),
        7
    );
    assert_eq!(
        ids_with(&format!("FIND {{81312345678}} {PHONE_Q}"), cc).len(),
        7
    );
    assert!(ids_with(&format!("FIND {{12345678}} {PHONE_Q}"), cc).is_empty());
    let suffix = PhoneMatching {
        country_code_equivalence: false,
        suffix_match: Some(8),
    };
    assert_eq!(
        ids_with(&format!("FIND {{12345678}} {PHONE_Q}"), suffix).len(),
        7
    );
    assert!(ids_with(&format!("FIND {{2345678}} {PHONE_Q}"), suffix).is_empty());
    // The client's recommended OR of variants finds every form even with both switches off.
    assert_eq!(
        ids(&format!("FIND {{0312345678 OR 81312345678}} {PHONE_Q}")).len(),
        7
    );
}

#[test]
fn name_and_all_fields_match_tokens_case_insensitively() {
    assert_eq!(
        ids("FIND {smith} IN NAME FIELDS RETURNING Contact(Id), Lead(Id)"),
        vec![SMITH]
    );
    assert!(ids("FIND {smit} IN NAME FIELDS RETURNING Lead(Id)").is_empty());
    assert_eq!(
        ids("FIND {smi*} IN NAME FIELDS RETURNING Lead(Id)"),
        vec![SMITH]
    );
    assert_eq!(ids("FIND {\"jane smith\"} RETURNING Lead(Id)"), vec![SMITH]);
    assert!(ids("FIND {\"smith jane\"} RETURNING Lead(Id)").is_empty());
    assert_eq!(
        ids("FIND {山田} IN NAME FIELDS RETURNING Contact(Id)"),
        vec![YAMADA]
    );
    assert_eq!(
        ids("FIND {テスト} IN NAME FIELDS RETURNING Lead(Id)"),
        vec![TANAKA]
    );
    assert_eq!(
        ids("FIND {acme.example} IN EMAIL FIELDS RETURNING Contact(Id)"),
        vec![YAMADA]
    );
    assert!(ids("FIND {acme.example} IN PHONE FIELDS RETURNING Contact(Id)").is_empty());
    assert_eq!(ids("FIND {Technology} RETURNING Account(Id)"), vec![ACME]);
    assert_eq!(
        ids("FIND {john AND NOT smith} RETURNING Contact(Id), Lead(Id)"),
        vec![OBRIEN]
    );
    assert_eq!(
        ids("FIND {(jane OR john) brien} RETURNING Contact(Id), Lead(Id)"),
        vec![OBRIEN]
    );
}

#[test]
fn results_are_grouped_shaped_and_limited() {
    let r = run_with(
        &format!("FIND {{0312345678}} {PHONE_Q}"),
        PhoneMatching::default(),
    )
    .unwrap();
    let body = r.to_json();
    assert_eq!(
        body["searchRecords"][4],
        json!({
            "attributes": {"type": "Account", "url": format!("/services/data/v51.0/sobjects/Account/{ACME}")},
            "Id": ACME, "Name": "株式会社アクメ", "Phone": "03-1234-5678",
        })
    );
    let r = run_with(
        "FIND {0312345678} IN PHONE FIELDS RETURNING Contact(Name, Account.Name ORDER BY Name)",
        PhoneMatching::default(),
    )
    .unwrap();
    let accounts: Vec<&Value> = r.records.iter().map(|r| &r["Account"]).collect();
    assert_eq!(r.records[0]["Name"], "John O'Brien");
    assert_eq!(*accounts[0], Value::Null);
    assert_eq!(accounts[1]["Name"], "株式会社アクメ");
    assert_eq!(accounts[1]["attributes"]["type"], "Account");
    let q = "FIND {0312345678} IN PHONE FIELDS RETURNING Contact(Id LIMIT 2), Account(Id)";
    assert_eq!(ids(q), vec![YAMADA, SUZUKI, ACME]);
    let q = "FIND {0312345678} IN PHONE FIELDS RETURNING Contact(Id), Account(Id) LIMIT 3";
    assert_eq!(ids(q), vec![YAMADA, SUZUKI, OBRIEN]);
    let q = "FIND {0312345678} IN PHONE FIELDS RETURNING Contact(Id WHERE AccountId != null)";
    assert_eq!(ids(q), vec![YAMADA, SUZUKI]);
    assert_eq!(
        run_with(
            "FIND {nobody} RETURNING Contact(Id)",
            PhoneMatching::default()
        )
        .unwrap()
        .to_json(),
        json!({"searchRecords": []})
    );
    // Without RETURNING: every searchable object, Id only.
    let r = run_with("FIND {smith}", PhoneMatching::default()).unwrap();
    assert_eq!(
        r.records,
        vec![
            json!({"attributes": {"type": "Lead", "url": format!("/services/data/v51.0/sobjects/Lead/{SMITH}")}, "Id": SMITH})
        ]
    );
}

#[test]
fn at_most_2000_records_come_back() {
    let many: Vec<Value> = (0..2500)
        .map(|i| json!({"attributes": {"type": "Lead"}, "Id": format!("00Q5g{i:010}AAA"), "Name": "Bulk Lead", "Phone": "0312345678"}))
        .collect();
    let r = search(
        "FIND {bulk} RETURNING Lead(Id)",
        &TestSchema::default(),
        &many,
        PhoneMatching::default(),
    )
    .unwrap();
    assert_eq!(r.records.len(), MAX_SEARCH_RESULTS);
    let r = search(
        "FIND {bulk} RETURNING Lead(Id) LIMIT 5000",
        &TestSchema::default(),
        &many,
        PhoneMatching::default(),
    )
    .unwrap();
    assert_eq!(r.records.len(), MAX_SEARCH_RESULTS);
}

#[test]
fn schema_errors_match_soql() {
    let e = err("FIND {ab} RETURNING Contactz(Id)");
    assert_eq!(e.error_code, INVALID_TYPE);
    assert!(
        e.message
            .contains("ERROR at Row:1:Column:21\nsObject type 'Contactz' is not supported."),
        "{}",
        e.message
    );
    let schema = TestSchema {
        hidden: vec!["Contact.Secret__c"],
        no_access: vec!["Lead"],
    };
    let e = search(
        "FIND {ab} RETURNING Contact(Id, Secret__c)",
        &schema,
        &records(),
        PhoneMatching::default(),
    )
    .unwrap_err();
    assert_eq!(e.error_code, INVALID_FIELD);
    assert!(e
        .message
        .contains("No such column 'Secret__c' on entity 'Contact'"));
    let e = search(
        "FIND {smith} RETURNING Lead(Id)",
        &schema,
        &records(),
        PhoneMatching::default(),
    )
    .unwrap_err();
    assert_eq!(e.error_code, INVALID_TYPE);
    // An unreadable field is not searched either.
    let data = records();
    assert_eq!(
        search(
            "FIND {hidden} RETURNING Contact(Id)",
            &TestSchema::default(),
            &data,
            PhoneMatching::default()
        )
        .unwrap()
        .records
        .len(),
        1
    );
    assert!(search(
        "FIND {hidden} RETURNING Contact(Id)",
        &schema,
        &data,
        PhoneMatching::default()
    )
    .unwrap()
    .records
    .is_empty());
}
