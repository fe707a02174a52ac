//! Composite answers, replayed through a small model of v51 `/composite`: in-order
//! subrequests, `@{...}` references that fail only their own subrequest when the value is
//! missing or null, and the rule that a Task with a Lead in `WhoId` has no `WhatId`.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::composite::{composite, subrequests};
use super::*;

struct Org {
    task_fails: bool,
    contact: Option<(&'static str, &'static str, Option<&'static str>)>,
    account: Option<(&'static str, &'static str)>,
    lead: Option<(&'static str, &'static str)>,
}

const NONE: Org = Org {
    task_fails: false,
    contact: None,
    account: None,
    lead: None,
};

fn resolve(results: &HashMap<String, Value>, expr: &str) -> Option<Value> {
    let (reference, path) = expr.split_once('.')?;
    let mut value = results.get(reference)?;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, i)) => (key, Some(i.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (part, None),
        };
        value = value.get(key)?;
        if let Some(i) = index {
            value = value.get(i)?;
        }
    }
    (!value.is_null()).then(|| value.clone())
}

/// Replaces every `@{...}` in a JSON value; `None` when one cannot be resolved.
fn substitute(results: &HashMap<String, Value>, value: &Value) -> Option<Value> {
    Some(match value {
        Value::String(s) if s.contains("@{") => {
            let (before, rest) = s.split_once("@{")?;
            let (expr, after) = rest.split_once('}')?;
            match resolve(results, expr)? {
                Value::String(v) if before.is_empty() && after.is_empty() => Value::String(v),
                Value::String(v) => Value::String(format!("{before}{v}{after}")),
                other => other,
            }
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Some((k.clone(), substitute(results, v)?)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}

fn error(status: u16, code: &str, reference_id: &str) -> Value {
    json!({"body": [{"errorCode": code, "message": "…"}], "httpHeaders": {}, "httpStatusCode": status, "referenceId": reference_id})
}

/// Runs the request against the org and returns the composite answer and the Task's final
/// (WhoId, WhatId).
fn run(body: &Value, org: &Org) -> (String, (Value, Value)) {
    let mut results: HashMap<String, Value> = HashMap::new();
    let mut out = Vec::new();
    let (mut who, mut what) = (Value::Null, Value::Null);
    for sub in subrequests(body) {
        let reference = sub["referenceId"].as_str().unwrap().to_string();
        let method = sub["method"].as_str().unwrap();
        let response = match method {
            "POST" if org.task_fails => error(400, "REQUIRED_FIELD_MISSING", &reference),
            "POST" => {
                let created = json!({"id": TASK, "success": true, "errors": []});
                results.insert(reference.clone(), created.clone());
                json!({"body": created, "httpHeaders": {}, "httpStatusCode": 201, "referenceId": reference})
            }
            "GET" => {
                let records: Vec<Value> = match reference.as_str() {
                    "contact" => org.contact.iter().map(|(id, name, account)| json!({"attributes": {"type": "Contact"}, "Id": id, "Name": name, "AccountId": account})).collect(),
                    "account" => org.account.iter().map(|(id, name)| json!({"attributes": {"type": "Account"}, "Id": id, "Name": name})).collect(),
                    "lead" => org.lead.iter().map(|(id, name)| json!({"attributes": {"type": "Lead"}, "Id": id, "Name": name})).collect(),
                    other => panic!("unexpected query {other}"),
                };
                let result = json!({"totalSize": records.len(), "done": true, "records": records});
                results.insert(reference.clone(), result.clone());
                json!({"body": result, "httpHeaders": {}, "httpStatusCode": 200, "referenceId": reference})
            }
            "PATCH" => {
                let url = substitute(&results, &sub["url"]);
                let patch = substitute(&results, &sub["body"]);
                match (url, patch) {
                    (Some(_), Some(patch)) => {
                        let new_who = patch.get("WhoId").cloned().unwrap_or(who.clone());
                        let new_what = patch.get("WhatId").cloned().unwrap_or(what.clone());
                        let lead_with_what = new_who.as_str().is_some_and(|w| w.starts_with("00Q"))
                            && !new_what.is_null();
                        if lead_with_what {
                            error(400, "FIELD_INTEGRITY_EXCEPTION", &reference)
                        } else {
                            (who, what) = (new_who, new_what);
                            json!({"body": null, "httpHeaders": {}, "httpStatusCode": 204, "referenceId": reference})
                        }
                    }
                    _ => error(400, "PROCESSING_HALTED", &reference),
                }
            }
            other => panic!("unexpected method {other}"),
        };
        out.push(response);
    }
    (json!({"compositeResponse": out}).to_string(), (who, what))
}

const OTHER_ACCOUNT: &str = "001000000000002";

fn outcome(org: &Org) -> CompositeOutcome {
    let (body, plan) = composite(&call(), &full_access(), ALL_READABLE);
    let (answer, (who, what)) = run(&body, org);
    let outcome = interpret_composite(&plan, &answer).expect("a composite answer");
    // What we read from the answer is what the org holds.
    assert_eq!(
        outcome
            .who_id
            .as_ref()
            .map(|i| json!(i.as_str()))
            .unwrap_or(Value::Null),
        who.as_str()
            .map(|w| json!(id(w).as_str()))
            .unwrap_or(Value::Null)
    );
    assert_eq!(
        outcome.what_id.as_ref().map(|i| i.as_str().to_string()),
        what.as_str().map(|w| id(w).as_str().to_string())
    );
    outcome
}

#[test]
fn a_contact_match_links_the_contact_and_its_account_over_everything_else() {
    let org = Org {
        contact: Some((CONTACT, "山田 太郎", Some(ACCOUNT))),
        account: Some((OTHER_ACCOUNT, "別会社")),
        lead: Some((LEAD, "佐藤")),
        ..NONE
    };
    let o = outcome(&org);
    assert_eq!(o.task_id, Some(id(TASK)));
    assert_eq!(o.who_id, Some(id(CONTACT)));
    assert_eq!(o.what_id, Some(id(ACCOUNT)));
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    let linked = o.linked.expect("linked");
    assert_eq!(
        (linked.object.as_str(), linked.name.as_str()),
        ("Contact", "山田 太郎")
    );
    assert_eq!(linked.account_id, Some(id(ACCOUNT)));
}

#[test]
fn a_contact_without_an_account_keeps_its_who_link() {
    let org = Org {
        contact: Some((CONTACT, "山田", None)),
        account: Some((OTHER_ACCOUNT, "x")),
        ..NONE
    };
    let o = outcome(&org);
    assert_eq!((o.who_id, o.what_id), (Some(id(CONTACT)), None));
    assert!(
        o.errors.is_empty(),
        "a halted AccountId link is no error: {:?}",
        o.errors
    );
}

#[test]
fn an_account_only_match_is_what_only() {
    let o = outcome(&Org {
        account: Some((ACCOUNT, "Acme")),
        ..NONE
    });
    assert_eq!(
        (o.who_id.clone(), o.what_id.clone()),
        (None, Some(id(ACCOUNT)))
    );
    assert_eq!(
        o.linked.map(|l| (l.object, l.name)),
        Some(("Account".into(), "Acme".into()))
    );
    assert!(o.errors.is_empty());
}

#[test]
fn a_lead_only_match_is_who_only() {
    let o = outcome(&Org {
        lead: Some((LEAD, "佐藤 花子")),
        ..NONE
    });
    assert_eq!(
        (o.who_id.clone(), o.what_id.clone()),
        (Some(id(LEAD)), None)
    );
    assert_eq!(o.linked.map(|l| l.object), Some("Lead".into()));
    assert!(o.errors.is_empty());
}

#[test]
fn a_lead_and_an_account_end_on_the_account_without_breaking_the_lead_rule() {
    let o = outcome(&Org {
        lead: Some((LEAD, "佐藤")),
        account: Some((ACCOUNT, "Acme")),
        ..NONE
    });
    assert_eq!((o.who_id, o.what_id), (None, Some(id(ACCOUNT))));
    assert!(o.errors.is_empty(), "{:?}", o.errors);
}

#[test]
fn nothing_matched_still_logs_the_call() {
    let o = outcome(&NONE);
    assert!(o.logged());
    assert_eq!((o.who_id, o.what_id, o.linked), (None, None, None));
    assert!(
        o.errors.is_empty(),
        "no match is not an error: {:?}",
        o.errors
    );
}

#[test]
fn a_failed_task_post_is_the_one_real_error() {
    let o = outcome(&Org {
        task_fails: true,
        contact: Some((CONTACT, "山田", Some(ACCOUNT))),
        ..NONE
    });
    assert!(!o.logged());
    assert_eq!((o.who_id, o.what_id, o.linked), (None, None, None));
    assert_eq!(o.errors.len(), 1);
    assert_eq!(
        (
            o.errors[0].reference_id.as_str(),
            o.errors[0].error_code.as_str()
        ),
        ("task", "REQUIRED_FIELD_MISSING")
    );
}

#[test]
fn a_query_without_access_is_reported_but_the_call_is_logged() {
    let (_, plan) = composite(&call(), &full_access(), ALL_READABLE);
    let answer = json!({"compositeResponse": [
        {"body": {"id": TASK, "success": true, "errors": []}, "httpHeaders": {}, "httpStatusCode": 201, "referenceId": "task"},
        error(400, "INVALID_TYPE", "lead"),
        {"body": {"totalSize": 0, "done": true, "records": []}, "httpHeaders": {}, "httpStatusCode": 200, "referenceId": "account"},
        {"body": {"totalSize": 0, "done": true, "records": []}, "httpHeaders": {}, "httpStatusCode": 200, "referenceId": "contact"},
        error(400, "PROCESSING_HALTED", "linkLead"),
        error(400, "PROCESSING_HALTED", "linkAccount"),
        error(400, "PROCESSING_HALTED", "linkContact"),
        error(400, "PROCESSING_HALTED", "linkContactAccount"),
    ]});
    let o = interpret_composite(&plan, &answer.to_string()).unwrap();
    assert!(o.logged());
    assert_eq!(
        o.errors
            .iter()
            .map(|e| e.error_code.as_str())
            .collect::<Vec<_>>(),
        ["INVALID_TYPE"]
    );
}

#[test]
fn answers_that_are_not_composite_are_errors() {
    let (_, plan) = composite(&call(), &full_access(), ALL_READABLE);
    assert_eq!(
        interpret_composite(&plan, "[]"),
        Err(InterpretError::NotAComposite)
    );
    assert_eq!(
        interpret_composite(&plan, r#"{"compositeResponse":[]}"#),
        Err(InterpretError::NoTaskResult)
    );
}

#[test]
fn a_task_for_another_assignee_is_handed_over_last() {
    let other = id("005000000000002");
    let mut m = mapping();
    m.assignee = AssigneeRule::ByExtension {
        users: [("201".to_string(), other.clone())].into_iter().collect(),
    };
    let mut c = call();
    c.local_extension = Some("201".into());
    let plan = plan_logging(&c, &m, &full_access(), &user(Locale::Ja), ALL_READABLE);
    let LoggingPlan::LookupAndLog { request, plan, .. } = plan else {
        panic!("{plan:?}")
    };
    let body = request.body.expect("body");
    let subs = subrequests(&body);
    assert!(
        subs[0]["body"].get("OwnerId").is_none(),
        "created as the current user's"
    );
    let last = subs.last().expect("subrequests");
    assert_eq!(last["referenceId"], "assignOwner");
    assert_eq!(last["body"], json!({"OwnerId": other.as_str()}));
    assert_eq!(plan.handover, Some(other));

    let (answer, _) = run(
        &body,
        &Org {
            contact: Some((CONTACT, "山田", None)),
            ..NONE
        },
    );
    let o = interpret_composite(&plan, &answer).unwrap();
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    assert_eq!(o.who_id, Some(id(CONTACT)));

    let mut refused: Value = serde_json::from_str(&answer).unwrap();
    let last = refused["compositeResponse"]
        .as_array_mut()
        .and_then(|subs| subs.last_mut())
        .unwrap();
    *last = error(400, "INSUFFICIENT_ACCESS_OR_READONLY", "assignOwner");
    let refused = refused.to_string();
    let o = interpret_composite(&plan, &refused).unwrap();
    assert_eq!(
        o.errors
            .iter()
            .map(|e| (e.reference_id.as_str(), e.error_code.as_str()))
            .collect::<Vec<_>>(),
        [("assignOwner", "INSUFFICIENT_ACCESS_OR_READONLY")]
    );
}
