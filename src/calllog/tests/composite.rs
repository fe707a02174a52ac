//! The lookup-and-log composite: its shape, its SOQL, and the links it plans.

use serde_json::{json, Value};

use super::*;
use crate::calllog::composite::lookup_soql;
use crate::number::PhoneNumber;

pub(super) fn composite(
    c: &CallRecord,
    access: &TaskFieldAccess,
    readable: LookupAccess,
) -> (Value, CompositePlan) {
    let draft = TaskDraft::from_call(c, &mapping(), access, &user(Locale::Ja));
    let (request, plan) =
        lookup_and_log(c, &draft, access, readable, &id(USER)).expect("a lookup is planned");
    assert_eq!(
        (request.method, request.path.as_str()),
        (HttpMethod::Post, "/composite")
    );
    (request.body.expect("composite has a body"), plan)
}

pub(super) fn subrequests(body: &Value) -> &Vec<Value> {
    body["compositeRequest"]
        .as_array()
        .expect("compositeRequest")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

pub(super) fn soql_of(sub: &Value) -> String {
    let url = sub["url"].as_str().expect("url");
    let (_, q) = url.split_once("?q=").expect("a query url");
    percent_decode(q)
}

/// Splits SOQL into the text outside string literals and the (unescaped) literals, the way
/// the SOQL lexer does.
pub(super) fn lex(soql: &str) -> (String, Vec<String>) {
    let (mut outside, mut literals) = (String::new(), Vec::new());
    let mut chars = soql.chars();
    while let Some(c) = chars.next() {
        if c != '\'' {
            outside.push(c);
            continue;
        }
        outside.push('?');
        let mut literal = String::new();
        loop {
            match chars.next().expect("the literal is closed") {
                '\\' => literal.push(match chars.next().expect("an escape") {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    c => c,
                }),
                '\'' => break,
                c => literal.push(c),
            }
        }
        literals.push(literal);
    }
    (outside, literals)
}

#[test]
fn the_task_comes_first_without_links_then_queries_then_ordered_links() {
    let (body, plan) = composite(&call(), &full_access(), ALL_READABLE);
    assert_eq!(body["allOrNone"], json!(false));
    assert_eq!(body["collateSubrequests"], json!(false));
    let subs = subrequests(&body);
    let refs: Vec<&str> = subs
        .iter()
        .map(|s| s["referenceId"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        [
            "task",
            "lead",
            "account",
            "contact",
            "linkLead",
            "linkAccount",
            "linkContact",
            "linkContactAccount"
        ]
    );
    assert_eq!(subs[0]["method"], "POST");
    assert_eq!(subs[0]["url"], "/services/data/v51.0/sobjects/Task");
    assert!(subs[0]["body"].get("WhoId").is_none() && subs[0]["body"].get("WhatId").is_none());
    assert_eq!(subs[0]["body"]["CallObject"], "call-7f3a");
    let links: Vec<(&Value, &Value)> = subs[4..].iter().map(|s| (&s["url"], &s["body"])).collect();
    let url = json!("/services/data/v51.0/sobjects/Task/@{task.id}");
    assert_eq!(
        links,
        vec![
            (&url, &json!({"WhoId": "@{lead.records[0].Id}"})),
            (
                &url,
                &json!({"WhoId": null, "WhatId": "@{account.records[0].Id}"})
            ),
            (
                &url,
                &json!({"WhoId": "@{contact.records[0].Id}", "WhatId": null})
            ),
            (&url, &json!({"WhatId": "@{contact.records[0].AccountId}"})),
        ]
    );
    assert_eq!(plan.queries, ["lead", "account", "contact"]);
    assert_eq!(plan.links.len(), 4);
}

#[test]
fn within_the_composite_limits() {
    let (body, _) = composite(&call(), &full_access(), ALL_READABLE);
    let subs = subrequests(&body);
    assert!(subs.len() <= 25);
    let queries = subs
        .iter()
        .filter(|s| s["url"].as_str().unwrap().contains("/query/"))
        .count();
    assert!(queries <= 5);
    assert!(subs
        .iter()
        .all(|s| !s["url"].as_str().unwrap().contains("/search")));
}

#[test]
fn queries_cover_the_stored_spellings_and_pick_the_latest_record() {
    let (body, _) = composite(&call(), &full_access(), ALL_READABLE);
    let subs = subrequests(&body);
    let contact = soql_of(&subs[3]);
    assert!(contact.starts_with("SELECT Id, Name, AccountId FROM Contact WHERE Phone IN ("));
    assert!(contact.ends_with("ORDER BY LastModifiedDate DESC LIMIT 1"));
    let (outside, literals) = lex(&contact);
    assert!(outside.contains(") OR MobilePhone IN ("));
    for spelling in [
        "0312345678",
        "03-1234-5678",
        "+81 3-1234-5678",
        "+81312345678",
        "(03)1234-5678",
    ] {
        assert!(
            literals.iter().any(|l| l == spelling),
            "{spelling} in {literals:?}"
        );
    }
    let account = soql_of(&subs[2]);
    assert!(account.starts_with("SELECT Id, Name FROM Account WHERE Phone IN ("));
    assert!(
        !account.contains("MobilePhone"),
        "Account has no MobilePhone"
    );
    assert!(soql_of(&subs[1]).contains("FROM Lead WHERE IsConverted = false AND (Phone IN"));
}

#[test]
fn soql_escaping_keeps_hostile_text_inside_its_literal() {
    assert_eq!(soql_escape(r"a'b\c"), r"a\'b\\c");
    assert_eq!(soql_escape("x\ny\u{0}"), r"x\ny");
    let clean = ["+81312345678".to_string()];
    for hostile in [
        r"+81312345678' OR Name != '",
        r"+81312345678\' OR Id != '\",
        "0312345678'\n--",
        r"\\'",
    ] {
        for object in ["lead", "account", "contact"] {
            let (shape, literals) = lex(&lookup_soql(object, &[hostile.to_string()]));
            let (clean_shape, _) = lex(&lookup_soql(object, &clean));
            assert_eq!(shape, clean_shape, "the query's structure cannot change");
            assert!(literals.iter().all(|l| l == hostile), "{literals:?}");
        }
    }
    // End to end: the engine reads the number out of odd text, and the text as received is
    // one of the spellings, so it must stay inside its literal in every query.
    for raw in [r"03-1234-5678'\", "03-1234-5678' OR Name != '"] {
        let mut c = call();
        c.remote_number = raw.into();
        assert!(PhoneNumber::parse(raw, crate::number::DEFAULT_REGION).is_ok());
        let body = composite(&c, &full_access(), ALL_READABLE).0;
        let clean_body = composite(&call(), &full_access(), ALL_READABLE).0;
        for i in 1..=3 {
            let (shape, literals) = lex(&soql_of(&subrequests(&body)[i]));
            let (clean_shape, _) = lex(&soql_of(&subrequests(&clean_body)[i]));
            assert_eq!(shape.replace("?, ", ""), clean_shape.replace("?, ", ""));
            assert!(literals.iter().any(|l| l == raw), "{literals:?}");
        }
    }
}

#[test]
fn only_readable_objects_are_queried_and_only_updateable_links_written() {
    let no_lead = LookupAccess {
        lead: false,
        ..ALL_READABLE
    };
    let (body, plan) = composite(&call(), &full_access(), no_lead);
    assert_eq!(plan.queries, ["account", "contact"]);
    assert!(subrequests(&body)
        .iter()
        .all(|s| s["referenceId"] != "linkLead"));

    let mut access = full_access();
    access.updateable.remove("WhatId");
    let (body, plan) = composite(&call(), &access, ALL_READABLE);
    assert_eq!(
        plan.queries,
        ["lead", "contact"],
        "no Account link, no Account query"
    );
    let link_contact = subrequests(&body)
        .iter()
        .find(|s| s["referenceId"] == "linkContact")
        .unwrap();
    assert_eq!(
        link_contact["body"],
        json!({"WhoId": "@{contact.records[0].Id}"})
    );
}

#[test]
fn links_the_user_cannot_update_are_reported() {
    let mut access = full_access();
    access.updateable.remove("WhoId");
    let plan = plan_logging(
        &call(),
        &mapping(),
        &access,
        &user(Locale::Ja),
        ALL_READABLE,
    );
    let LoggingPlan::LookupAndLog { draft, plan, .. } = plan else {
        panic!("{plan:?}")
    };
    assert_eq!(
        draft.dropped,
        vec![DroppedField {
            field: "WhoId".into(),
            reason: DropReason::NotUpdateable
        }]
    );
    assert_eq!(plan.queries, ["account", "contact"]);

    access.updateable.remove("WhatId");
    let plan = plan_logging(
        &call(),
        &mapping(),
        &access,
        &user(Locale::Ja),
        ALL_READABLE,
    );
    let LoggingPlan::Direct { draft, .. } = plan else {
        panic!("no link possible, no lookup: {plan:?}")
    };
    assert_eq!(draft.dropped.len(), 2);
}

#[test]
fn us_style_formatting_of_ten_digit_numbers_is_a_spelling_too() {
    let (body, _) = composite(&call(), &full_access(), ALL_READABLE);
    let (_, literals) = lex(&soql_of(&subrequests(&body)[3]));
    assert!(
        literals.iter().any(|l| l == "(031) 234-5678"),
        "{literals:?}"
    );
    let mut us = call();
    us.remote_number = "+16502530000".into();
    let (body, _) = composite(&us, &full_access(), ALL_READABLE);
    let (_, literals) = lex(&soql_of(&subrequests(&body)[3]));
    for spelling in ["(650) 253-0000", "+16502530000", "+1 650-253-0000"] {
        assert!(
            literals.iter().any(|l| l == spelling),
            "{spelling} in {literals:?}"
        );
    }
}
