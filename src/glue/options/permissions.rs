//! The permissions check: per org, each access the seed's table says a feature needs, granted
//! or missing, and for a missing one what the administrator must grant. Worked out here from
//! what capability detection stored (`salesforce::permissions`): it costs no API call.

use web_sys::{Document, Element};

use super::{cell, send};
use crate::glue::chrome;
use crate::glue::js::JsResultExt;
use crate::protocol::{GetFieldMapping, OrgReport};
use crate::salesforce::permissions::{checklist_of, Check, Feature};

pub(super) async fn render(document: &Document, orgs: &[OrgReport]) {
    let Some(list) = document.get_element_by_id("permissions-list") else {
        return;
    };
    list.set_text_content(None);
    let described: Vec<&OrgReport> = orgs.iter().filter(|o| o.capabilities.is_some()).collect();
    if described.is_empty() {
        if let Ok(p) = document.create_element("p") {
            p.set_class_name("status");
            p.set_text_content(Some(&chrome::text("permissionsNone")));
            list.append_child(&p).log_and_continue("rendering");
        }
        return;
    }
    for org in described {
        let Some(caps) = org.capabilities.as_ref() else {
            continue;
        };
        let mapping = send(&GetFieldMapping {
            org_id: Some(org.org_id.clone()),
        })
        .await
        .map(|m| m.mapping)
        .unwrap_or_default();
        let checks = checklist_of(caps, &mapping, org.edition.as_deref());
        if let Some(table) = org_table(document, org, &checks) {
            list.append_child(&table).log_and_continue("rendering");
        }
    }
    if let Some(el) = document.get_element_by_id("permissions-list") {
        el.set_attribute("data-done", "true")
            .log_and_continue("rendering");
    }
}

fn org_table(document: &Document, org: &OrgReport, checks: &[Check]) -> Option<Element> {
    let wrap = document.create_element("div").ok()?;
    wrap.set_attribute("data-org", &org.org_id).ok()?;
    let title = document.create_element("h3").ok()?;
    title.set_class_name("perm-org");
    let short = org.ui_host.split('.').next().unwrap_or_default();
    title.set_text_content(Some(&format!("{short} ({})", org.org_id)));
    let scroll = document.create_element("div").ok()?;
    scroll.set_class_name("scroll");
    let table = document.create_element("table").ok()?;
    table.set_class_name("data-table");
    let head = document.create_element("thead").ok()?;
    let row = document.create_element("tr").ok()?;
    for key in ["colFeature", "colAccess", "colCheck", "colTodo"] {
        let th = document.create_element("th").ok()?;
        th.set_attribute("scope", "col").ok()?;
        th.set_text_content(Some(&chrome::text(key)));
        row.append_child(&th).ok()?;
    }
    head.append_child(&row).ok()?;
    table.append_child(&head).ok()?;
    let body = document.create_element("tbody").ok()?;
    for check in checks {
        let tr = document.create_element("tr").ok()?;
        tr.set_attribute("data-feature", feature_key(check.feature))
            .ok()?;
        tr.set_attribute("data-item", &check.item).ok()?;
        tr.set_attribute("data-ok", &check.ok.to_string()).ok()?;
        let code = check.missing_code.map(|c| c.as_str()).unwrap_or_default();
        tr.set_attribute("data-code", code).ok()?;
        cell(
            document,
            &tr,
            &chrome::text(&format!("feature_{}", feature_key(check.feature))),
            "feature",
        )?;
        cell(document, &tr, &access_text(&check.item), "access")?;
        let granted = if check.ok {
            "permGranted"
        } else {
            "permMissing"
        };
        cell(document, &tr, &chrome::text(granted), "check")?;
        let todo = if check.ok {
            String::new()
        } else {
            chrome::explain(code)
        };
        cell(document, &tr, &todo, "todo")?;
        body.append_child(&tr).ok()?;
    }
    table.append_child(&body).ok()?;
    scroll.append_child(&table).ok()?;
    wrap.append_child(&title).ok()?;
    wrap.append_child(&scroll).ok()?;
    Some(wrap)
}

fn feature_key(feature: Feature) -> &'static str {
    match feature {
        Feature::Lookup => "Lookup",
        Feature::Logging => "Logging",
        Feature::Assignee => "Assignee",
        Feature::Memo => "Memo",
    }
}

/// `Read Lead.Phone` in the user's words (API names stay: they are what Setup shows too).
fn access_text(item: &str) -> String {
    match item.split_once(' ') {
        Some(("API", _)) => chrome::text("permApi"),
        Some(("Create", "Task")) => chrome::text("permCreateTask"),
        Some(("Read", target)) if target.contains('.') => {
            chrome::text_with("permReadField", &[target])
        }
        Some(("Read", target)) => chrome::text_with(
            "permReadObject",
            &[&chrome::text(&format!("object_{target}"))],
        ),
        Some(("Edit", target)) => chrome::text_with("permEditField", &[target]),
        _ => item.to_string(),
    }
}
