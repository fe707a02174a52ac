//! A record's calls, as the panel's "This record" tab lists them (the analogue of the seed
//! vendor's package, which shows a record's calls inside Salesforce): its Tasks with
//! `TaskSubtype = 'Call'`, newest first, and the record's own number for "Call again", in one
//! `/composite` request of two queries (one API call per record view).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::composite::query_subrequest;
use super::requests::{ApiRequest, HttpMethod};
use crate::salesforce::id::RecordId;

/// The objects whose record pages have the tab.
pub const HISTORY_OBJECTS: [&str; 5] = ["Contact", "Lead", "Account", "Opportunity", "Case"];
/// Calls listed (the newest).
pub const HISTORY_LIMIT: usize = 20;
/// The notes excerpt's length, in characters.
const EXCERPT_CHARS: usize = 120;

/// One logged call of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryCall {
    pub task_id: RecordId,
    /// `CreatedDate` as Salesforce gives it (UTC).
    pub created: String,
    /// `Inbound`, `Outbound`, `Internal`, or none.
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub duration_seconds: u32,
    #[serde(default)]
    pub memo: Vec<String>,
    /// The first line(s) of `Description`, cut.
    #[serde(default)]
    pub notes: String,
    pub subject: String,
    /// Who took it: the Task's owner.
    #[serde(default)]
    pub who: String,
}

/// The tab's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordHistory {
    pub calls: Vec<HistoryCall>,
    /// The record's own number (its `Phone`, an Opportunity's account's, a Case's contact's).
    #[serde(default)]
    pub phone: Option<String>,
    /// What people call the record (a Case's number), for the call again's Task.
    #[serde(default)]
    pub name: Option<String>,
}

/// The record's phone field, as SOQL on its object reads it.
fn phone_field(object: &str) -> &'static str {
    match object {
        "Opportunity" => "Account.Phone",
        "Case" => "ContactPhone",
        _ => "Phone",
    }
}

/// The one request for a record's tab (`None` for an object that has no tab).
pub fn history_request(
    object: &str,
    id: &RecordId,
    memo_field: Option<&str>,
) -> Option<ApiRequest> {
    if !HISTORY_OBJECTS.contains(&object) {
        return None;
    }
    // Only a field name the mapping check accepted is ever put in the query.
    let memo = memo_field
        .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(|f| format!(", {f}"))
        .unwrap_or_default();
    let id = id.as_str();
    let calls = format!(
        "SELECT Id, Subject, CallType, CallDurationInSeconds, CreatedDate, Description, \
         Owner.Name{memo} FROM Task WHERE TaskSubtype = 'Call' AND (WhoId = '{id}' OR WhatId = \
         '{id}') ORDER BY CreatedDate DESC LIMIT {HISTORY_LIMIT}"
    );
    let name = if object == "Case" {
        "CaseNumber"
    } else {
        "Name"
    };
    let record = format!(
        "SELECT Id, {name}, {} FROM {object} WHERE Id = '{id}'",
        phone_field(object)
    );
    Some(ApiRequest {
        method: HttpMethod::Post,
        path: "/composite".into(),
        body: Some(json!({
            "allOrNone": false,
            "compositeRequest": [query_subrequest("calls", &calls), query_subrequest("record", &record)],
        })),
    })
}

/// A multi-select picklist's value as its values (`a;b` → `a`, `b`).
fn split_memo(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

fn part<'a>(body: &'a Value, reference: &str) -> Option<&'a Value> {
    body["compositeResponse"]
        .as_array()?
        .iter()
        .find(|r| r["referenceId"] == reference)
}

fn excerpt(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{cut}…")
}

/// Reads the composite's answer. The calls' query failing is an error (its Salesforce error
/// code, `BAD_RESPONSE` for an answer of another shape); the record's failing only leaves
/// "Call again" out.
pub fn parse_history(
    body: &Value,
    object: &str,
    memo_field: Option<&str>,
) -> Result<RecordHistory, String> {
    let bad = || "BAD_RESPONSE".to_string();
    let calls = part(body, "calls").ok_or_else(bad)?;
    let status = calls["httpStatusCode"].as_u64().unwrap_or(0);
    if !(200..300).contains(&status) {
        let code = calls["body"][0]["errorCode"]
            .as_str()
            .unwrap_or("LOOKUP_FAILED");
        return Err(code.to_string());
    }
    let records = calls["body"]["records"].as_array().ok_or_else(bad)?;
    let text = |r: &Value, f: &str| r[f].as_str().unwrap_or_default().to_string();
    let calls = records
        .iter()
        .filter_map(|r| {
            Some(HistoryCall {
                task_id: RecordId::parse(r["Id"].as_str()?).ok()?,
                created: text(r, "CreatedDate"),
                direction: r["CallType"].as_str().map(str::to_string),
                duration_seconds: r["CallDurationInSeconds"]
                    .as_u64()
                    .map_or(0, |d| d.min(u64::from(u32::MAX)) as u32),
                memo: memo_field
                    .and_then(|f| r[f].as_str())
                    .map(split_memo)
                    .unwrap_or_default(),
                notes: excerpt(&text(r, "Description")),
                subject: text(r, "Subject"),
                who: r["Owner"]["Name"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect();
    let record = part(body, "record")
        .filter(|r| r["httpStatusCode"].as_u64().is_some_and(|s| s < 300))
        .map(|r| r["body"]["records"][0].clone())
        .unwrap_or_default();
    let phone = match phone_field(object) {
        "Account.Phone" => &record["Account"]["Phone"],
        field => &record[field],
    }
    .as_str()
    .map(str::to_string)
    .filter(|p| !p.trim().is_empty());
    let name = record["Name"]
        .as_str()
        .or(record["CaseNumber"].as_str())
        .map(str::to_string);
    Ok(RecordHistory { calls, phone, name })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> RecordId {
        RecordId::parse("0035g00000Yam4dAAB").unwrap()
    }

    #[test]
    fn one_composite_of_two_queries_and_only_a_safe_memo_field() {
        let request = history_request("Contact", &id(), Some("CallMemo__c")).unwrap();
        assert_eq!(request.path, "/composite");
        let body = request.body.unwrap();
        let subs = body["compositeRequest"].as_array().unwrap();
        assert_eq!(subs.len(), 2);
        let calls = subs[0]["url"].as_str().unwrap();
        assert!(calls.contains("CallMemo__c"), "{calls}");
        assert!(calls.contains("TaskSubtype"), "{calls}");
        let hostile = history_request("Contact", &id(), Some("X__c FROM User --")).unwrap();
        assert!(!hostile.body.unwrap().to_string().contains("User"));
        assert!(history_request("User", &id(), None).is_none());
        let case = history_request("Case", &id(), None).unwrap();
        assert!(case.body.unwrap().to_string().contains("ContactPhone"));
    }

    #[test]
    fn the_answer_reads_into_calls_newest_first_with_an_excerpt_and_the_number() {
        let long = "長い".repeat(100);
        let body = json!({"compositeResponse": [
            {"referenceId": "calls", "httpStatusCode": 200, "body": {"records": [
                {"Id": "00T000000000002", "Subject": "着信 山田 太郎", "CallType": "Inbound",
                 "CallDurationInSeconds": 192, "CreatedDate": "2026-12-03T01:02:03.000+0000",
                 "Description": format!("折り返し\n希望 {long}"), "Owner": {"Name": "佐藤 花子"},
                 "CallMemo__c": "見積依頼;資料送付"},
                {"Id": "00T000000000001", "Subject": "発信", "CallType": "Outbound",
                 "CreatedDate": "2026-12-02T01:02:03.000+0000", "Description": null, "Owner": null},
            ]}},
            {"referenceId": "record", "httpStatusCode": 200, "body": {"records": [
                {"Id": "0035g00000Yam4dAAB", "Name": "山田 太郎", "Phone": "03-1234-5678"}]}},
        ]});
        let history = parse_history(&body, "Contact", Some("CallMemo__c")).unwrap();
        assert_eq!(history.phone.as_deref(), Some("03-1234-5678"));
        assert_eq!(history.name.as_deref(), Some("山田 太郎"));
        assert_eq!(history.calls.len(), 2);
        let first = &history.calls[0];
        assert_eq!(first.memo, ["見積依頼", "資料送付"]);
        assert_eq!(first.duration_seconds, 192);
        assert_eq!(first.who, "佐藤 花子");
        assert!(first.notes.starts_with("折り返し 希望"), "{}", first.notes);
        assert_eq!(first.notes.chars().count(), EXCERPT_CHARS);
        assert_eq!(history.calls[1].notes, "");
    }

    #[test]
    fn a_refused_query_is_its_error_and_a_missing_record_only_loses_the_number() {
        let refused = json!({"compositeResponse": [
            {"referenceId": "calls", "httpStatusCode": 400, "body": [
                {"errorCode": "INVALID_FIELD", "message": "No such column 'CallMemo__c'"}]},
        ]});
        assert_eq!(
            parse_history(&refused, "Lead", None),
            Err("INVALID_FIELD".to_string())
        );
        let no_record = json!({"compositeResponse": [
            {"referenceId": "calls", "httpStatusCode": 200, "body": {"records": []}},
            {"referenceId": "record", "httpStatusCode": 404, "body": []},
        ]});
        assert_eq!(
            parse_history(&no_record, "Lead", None).unwrap(),
            RecordHistory::default()
        );
        assert!(parse_history(&json!({}), "Lead", None).is_err());
    }
}
