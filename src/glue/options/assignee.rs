//! The Tasks' assignee on the options page (the seed's 活動履歴任命先設定): the current user,
//! the owner of the record the call is on, or one user found by name. The chosen user is
//! checked against the org when the mapping is saved (see the worker's `save_field_mapping`).

use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlInputElement, HtmlSelectElement};

use super::{field_value, send};
use crate::calllog::AssigneeRule;
use crate::glue::chrome;
use crate::glue::js::JsResultExt;
use crate::protocol::{SearchUsers, UsersFound};
use crate::salesforce::id::RecordId;

fn radios(document: &Document) -> Vec<HtmlInputElement> {
    let Ok(list) = document.query_selector_all("input[name=assignee]") else {
        return vec![];
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlInputElement>().ok())
        .collect()
}

fn user_select(document: &Document) -> Option<HtmlSelectElement> {
    document
        .get_element_by_id("assignee-user")
        .and_then(|e| e.dyn_into().ok())
}

fn add_option(document: &Document, select: &HtmlSelectElement, id: &str, name: &str, label: &str) {
    if let Ok(option) = document.create_element("option") {
        option
            .set_attribute("value", id)
            .log_and_continue("rendering");
        option
            .set_attribute("data-name", name)
            .log_and_continue("rendering");
        option.set_text_content(Some(label));
        select.append_child(&option).log_and_continue("rendering");
    }
}

/// Shows the stored rule.
pub(super) fn fill(document: &Document, rule: &AssigneeRule) {
    let kind = match rule {
        AssigneeRule::User { .. } => "user",
        AssigneeRule::RecordOwner => "record_owner",
        _ => "current_user",
    };
    for radio in radios(document) {
        radio.set_checked(radio.value() == kind);
    }
    if let (AssigneeRule::User { id, name }, Some(select)) = (rule, user_select(document)) {
        select.set_text_content(None);
        add_option(document, &select, id.as_str(), name, name);
        select.set_value(id.as_str());
    }
}

/// The rule the page shows (`None`: "a user" with none chosen).
pub(super) fn chosen(document: &Document) -> Option<AssigneeRule> {
    let kind = radios(document)
        .into_iter()
        .find(|r| r.checked())
        .map(|r| r.value())
        .unwrap_or_default();
    match kind.as_str() {
        "record_owner" => Some(AssigneeRule::RecordOwner),
        "user" => {
            let select = user_select(document)?;
            let id = RecordId::parse(&select.value()).ok()?;
            let name = document
                .query_selector("#assignee-user option:checked")
                .ok()
                .flatten()
                .and_then(|o| o.get_attribute("data-name"))
                .unwrap_or_default();
            Some(AssigneeRule::User { id, name })
        }
        _ => Some(AssigneeRule::CurrentUser),
    }
}

/// Searches the org's users by name or username (one SOQL) and lists them to choose from; a
/// user Tasks cannot go to is listed with why (saving then says so too).
pub(super) async fn search() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let query = field_value(&document, "assignee-query");
    let status = document.get_element_by_id("assignee-status");
    let say = |text: &str| {
        if let Some(el) = &status {
            el.set_text_content(Some(text));
        }
    };
    if query.trim().is_empty() {
        say(&chrome::text("assigneeTypeName"));
        return;
    }
    let reply = send(&SearchUsers {
        org_id: field_value(&document, "lookup-org"),
        query,
    })
    .await;
    let Some(select) = user_select(&document) else {
        return;
    };
    match reply {
        Ok(UsersFound { users }) => {
            select.set_text_content(None);
            for user in &users {
                let label = match &user.refused {
                    Some(code) => format!(
                        "{} ({}) — {}",
                        user.name,
                        user.username,
                        chrome::explain(code)
                    ),
                    None => format!("{} ({})", user.name, user.username),
                };
                add_option(&document, &select, user.id.as_str(), &user.name, &label);
            }
            say(&if users.is_empty() {
                chrome::text("assigneeNoUsers")
            } else {
                String::new()
            });
            // Searching means choosing a user.
            for radio in radios(&document) {
                radio.set_checked(radio.value() == "user");
            }
        }
        Err(refusal) => say(&chrome::explain(&refusal.code)),
    }
}
