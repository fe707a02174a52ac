//! Call logging on the options page: the test call log, the list of call logs with their
//! delivery state, and the Task field mapping checked against the org's describe.

use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlInputElement};

use super::{cell, field_value, name_cell, send};
use crate::calllog::{FieldMapping, TaskDescribe};
use crate::glue::chrome;
use crate::glue::chrome::explain;
use crate::glue::js::JsResultExt;
use crate::outbox::Delivery;
use crate::protocol::{
    CallLogList, CallLogged, CallLogs, FieldMappingSaved, GetFieldMapping, LogTestCall, OrgReport,
    SaveFieldMapping,
};

pub(super) async fn run_test_log() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let result = document.get_element_by_id("testlog-result");
    if let Some(el) = &result {
        el.set_text_content(None);
        el.remove_attribute("data-done")
            .log_and_continue("resetting");
        el.remove_attribute("data-code")
            .log_and_continue("resetting");
    }
    let reply = send(&LogTestCall {
        org_id: field_value(&document, "lookup-org"),
        number: field_value(&document, "lookup-number"),
    })
    .await;
    if let Some(el) = &result {
        let (code, text) = match reply {
            Ok(CallLogged { log }) => {
                let code = delivery_code(&log.delivery);
                let linked = log
                    .linked
                    .as_ref()
                    .map(|r| {
                        crate::shown::shown_name(&r.name)
                            .unwrap_or_else(|| chrome::text("nameMissing"))
                    })
                    .unwrap_or_else(|| chrome::text("notLinked"));
                let detail = delivery_detail(&log.delivery);
                (
                    code.to_string(),
                    chrome::text_with(&format!("delivery_{code}"), &[&detail, &linked]),
                )
            }
            Err(e) => {
                let text = explain(&e.code);
                (e.code, text)
            }
        };
        el.set_attribute("data-code", &code)
            .log_and_continue("rendering");
        el.set_text_content(Some(&text));
        el.set_attribute("data-done", "true")
            .log_and_continue("rendering");
    }
    render_call_logs(&document).await;
}

fn delivery_code(delivery: &Delivery) -> &'static str {
    match delivery {
        Delivery::AwaitingOrg => "AWAITING_ORG",
        Delivery::Pending => "PENDING",
        Delivery::Sent { .. } => "SENT",
        Delivery::Done { .. } => "DONE",
        Delivery::Failed { .. } => "FAILED",
    }
}

fn delivery_detail(delivery: &Delivery) -> String {
    match delivery {
        Delivery::Done { task_id } => task_id.clone(),
        Delivery::Failed { code } => explain(code),
        _ => String::new(),
    }
}

pub(super) async fn render_call_logs(document: &Document) {
    let Some(body) = document.get_element_by_id("calllogs") else {
        return;
    };
    let Ok(CallLogList { logs, unreadable }) = send(&CallLogs {}).await else {
        return;
    };
    // Kept in storage untouched, never dropped: the user (or support) is told.
    if let Some(note) = document.get_element_by_id("calllogs-unreadable") {
        let text = (!unreadable.is_empty())
            .then(|| chrome::text_with("callLogsUnreadable", &[&unreadable.len().to_string()]));
        note.set_text_content(text.as_deref());
    }
    body.set_text_content(None);
    for log in logs.iter().rev().take(20) {
        let Ok(row) = document.create_element("tr") else {
            continue;
        };
        let code = delivery_code(&log.delivery);
        row.set_attribute("data-call", &log.call_id)
            .log_and_continue("rendering");
        row.set_attribute("data-delivery", code)
            .log_and_continue("rendering");
        cell(document, &row, &log.remote_number, "number");
        let linked = log
            .linked
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        name_cell(document, &row, &linked, "linked");
        cell(
            document,
            &row,
            &chrome::text(&format!("deliveryShort_{code}")),
            "delivery",
        );
        cell(document, &row, &delivery_detail(&log.delivery), "detail");
        let dropped: Vec<&str> = log.dropped.iter().map(|d| d.field.as_str()).collect();
        cell(document, &row, &dropped.join(", "), "dropped");
        body.append_child(&row).log_and_continue("rendering");
    }
}

const MAPPING_SLOTS: [&str; 4] = [
    "dialStartField",
    "callStartField",
    "callEndField",
    "memoField",
];

/// The org whose mapping the form edits: the one chosen above it (each org has its own,
/// checked against its own describe).
fn mapping_org(document: &Document) -> String {
    field_value(document, "mapping-org")
}

/// The mapping form of the chosen org: each select offers the fields of the right type this
/// org lets the user write (from its Task describe), with the saved choice selected.
pub(super) async fn fill_mapping(document: &Document, orgs: &[OrgReport]) {
    let chosen = mapping_org(document);
    let Some(task) = orgs
        .iter()
        .filter(|o| chosen.is_empty() || o.org_id == chosen)
        .find_map(|o| o.capabilities.as_ref().and_then(|c| c.task.clone()))
    else {
        return;
    };
    let org_id = (!chosen.is_empty()).then_some(chosen);
    let describe = TaskDescribe {
        types: &task.types,
        createable: &task.createable,
    };
    let mapping = send(&GetFieldMapping { org_id })
        .await
        .map(|r| r.mapping)
        .unwrap_or_default();
    let saved = serde_json::to_value(&mapping).unwrap_or_default();
    for slot in MAPPING_SLOTS {
        let Some(select) = document.get_element_by_id(&format!("map-{slot}")) else {
            continue;
        };
        let kind = select.get_attribute("data-kind").unwrap_or_default();
        let current = saved[slot].as_str().unwrap_or_default().to_string();
        let mut choices = describe.eligible(&kind);
        if !current.is_empty() && !choices.contains(&current) {
            choices.push(current.clone());
        }
        select.set_text_content(None);
        let none = chrome::text("mapNone");
        for (value, label) in std::iter::once((String::new(), none))
            .chain(choices.into_iter().map(|c| (c.clone(), c)))
        {
            let Ok(option) = document.create_element("option") else {
                continue;
            };
            option
                .set_attribute("value", &value)
                .log_and_continue("rendering");
            if value == current {
                option
                    .set_attribute("selected", "")
                    .log_and_continue("rendering");
            }
            option.set_text_content(Some(&label));
            select.append_child(&option).log_and_continue("rendering");
        }
    }
    if let Some(input) = document
        .get_element_by_id("map-subjectTemplate")
        .and_then(|el| el.dyn_into::<HtmlInputElement>().ok())
    {
        input.set_value(mapping.subject_template.as_deref().unwrap_or_default());
    }
    super::assignee::fill(document, &mapping.assignee);
}

pub(super) async fn save_mapping() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let org_id = mapping_org(&document);
    let mut value = serde_json::to_value(
        send(&GetFieldMapping {
            org_id: Some(org_id.clone()),
        })
        .await
        .map(|r| r.mapping)
        .unwrap_or_default(),
    )
    .unwrap_or_default();
    for slot in MAPPING_SLOTS.iter().chain(["subjectTemplate"].iter()) {
        let chosen = field_value(&document, &format!("map-{slot}"));
        value[*slot] = if chosen.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::Value::String(chosen)
        };
    }
    let Ok(mut mapping) = serde_json::from_value::<FieldMapping>(value) else {
        return;
    };
    let Some(assignee) = super::assignee::chosen(&document) else {
        // "A user" with none chosen: said, nothing saved.
        if let Some(result) = document.get_element_by_id("mapping-result") {
            result.set_text_content(Some(&chrome::text("assigneeChooseUser")));
            result
                .set_attribute("data-saved", "false")
                .log_and_continue("rendering");
        }
        return;
    };
    mapping.assignee = assignee;
    let reply = send(&SaveFieldMapping { org_id, mapping }).await;
    let Some(result) = document.get_element_by_id("mapping-result") else {
        return;
    };
    result.set_text_content(None);
    let lines: Vec<String> = match reply {
        Ok(FieldMappingSaved { problems }) if problems.is_empty() => {
            result
                .set_attribute("data-saved", "true")
                .log_and_continue("rendering");
            vec![chrome::text("mappingSaved")]
        }
        Ok(FieldMappingSaved { problems }) => {
            result
                .set_attribute("data-saved", "false")
                .log_and_continue("rendering");
            problems
                .iter()
                .map(|p| chrome::text_with(&format!("mapProblem_{}", p.code), &[&p.detail]))
                .collect()
        }
        Err(e) => {
            result
                .set_attribute("data-saved", "false")
                .log_and_continue("rendering");
            result
                .set_attribute("title", &e.message)
                .log_and_continue("rendering");
            vec![explain(&e.code)]
        }
    };
    for line in lines {
        if let Ok(item) = document.create_element("li") {
            item.set_text_content(Some(&line));
            result.append_child(&item).log_and_continue("rendering");
        }
    }
}
