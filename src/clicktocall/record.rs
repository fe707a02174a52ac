//! Which record a phone field belongs to: the row it sits in (list views, related lists, search
//! results), the record panel around it (console sub-tabs), or the record page in view.

use serde::{Deserialize, Serialize};

use crate::protocol::RecordContext;
use crate::salesforce::id::RecordId;
use crate::salesforce::lightning::record_in_view;

/// Longest display name carried: a Salesforce Name field holds at most 255 characters.
const MAX_NAME_CHARS: usize = 255;

/// What the page says, read once per dial.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageFacts {
    /// `location.pathname`.
    pub path: String,
    /// `document.title`: Lightning titles a record page "{Name} | Salesforce".
    #[serde(default)]
    pub title: String,
    /// The label of the selected console sub-tab, which names the record it shows.
    #[serde(default)]
    pub active_tab: Option<String>,
}

/// What the markup around one field says, nearest first, across shadow roots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldFacts {
    /// `data-row-key-value` of the table row (datatables key their rows by record id).
    #[serde(default)]
    pub row_key: Option<String>,
    /// The row's header cell text: the record's name in list views and related lists.
    #[serde(default)]
    pub row_name: Option<String>,
    /// `data-record-id` of the record panel around the field (a console sub-tab).
    #[serde(default)]
    pub record_key: Option<String>,
    /// That panel's object API name, when it says.
    #[serde(default)]
    pub record_object: Option<String>,
}

fn valid_object_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 80
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The object of a `/lightning/o/{Object}/list` (or `/kanban`) page: the object of its rows.
pub fn object_of_list(path: &str) -> Option<&str> {
    let mut parts = path.trim_start_matches('/').split('/');
    if parts.next()? != "lightning" || parts.next()? != "o" {
        return None;
    }
    parts.next().filter(|o| valid_object_name(o))
}

/// Names as people read them: whitespace collapsed, bounded, never empty.
fn clean_name(text: Option<&str>) -> Option<String> {
    let words: Vec<&str> = text?.split_whitespace().collect();
    let name: String = words.join(" ").chars().take(MAX_NAME_CHARS).collect();
    (!name.is_empty()).then_some(name)
}

/// `山田 太郎 | Salesforce` → `山田 太郎`.
fn name_from_title(title: &str) -> Option<String> {
    let name = title.rsplit_once(" | ").map_or(title, |(name, _app)| name);
    clean_name(Some(name))
}

fn context(object: &str, id: RecordId, name: Option<String>) -> RecordContext {
    RecordContext {
        object_api_name: object.to_string(),
        record_id: id,
        display_name: name,
    }
}

/// The record a dial from this field is about, nearest evidence first; `None` when the page
/// shows no record (home page, a row keyed by something that is not a record id).
pub fn resolve_record(page: &PageFacts, field: &FieldFacts) -> Option<RecordContext> {
    if let Some(id) = field
        .row_key
        .as_deref()
        .and_then(|k| RecordId::parse(k).ok())
    {
        let object = id.object_name().or_else(|| object_of_list(&page.path));
        if let Some(object) = object {
            return Some(context(object, id, clean_name(field.row_name.as_deref())));
        }
    }
    let in_view = record_in_view(&page.path);
    if let Some(id) = field
        .record_key
        .as_deref()
        .and_then(|k| RecordId::parse(k).ok())
    {
        let object = field
            .record_object
            .as_deref()
            .filter(|o| valid_object_name(o))
            .or_else(|| id.object_name());
        if let Some(object) = object {
            let same_as_page = in_view.as_ref().is_some_and(|(_, page_id)| *page_id == id);
            let name = if same_as_page {
                name_from_title(&page.title)
            } else {
                clean_name(page.active_tab.as_deref())
            };
            return Some(context(object, id, name));
        }
    }
    let (object, id) = in_view?;
    Some(context(&object, id, name_from_title(&page.title)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, title: &str) -> PageFacts {
        PageFacts {
            path: path.into(),
            title: title.into(),
            active_tab: None,
        }
    }

    #[test]
    fn a_record_page_names_its_record_from_the_title() {
        let record = resolve_record(
            &page(
                "/lightning/r/Contact/0035g00000Yam4d/view",
                "山田 太郎 | Salesforce",
            ),
            &FieldFacts::default(),
        )
        .unwrap();
        assert_eq!(record.object_api_name, "Contact");
        assert_eq!(record.record_id.as_str(), "0035g00000Yam4dAAB");
        assert_eq!(record.display_name.as_deref(), Some("山田 太郎"));
    }

    #[test]
    fn a_row_wins_over_the_page_and_its_prefix_names_the_object() {
        let field = FieldFacts {
            row_key: Some("0035g00000Yam4dAAB".into()),
            row_name: Some("  山田\n 太郎 ".into()),
            ..FieldFacts::default()
        };
        // A related list on an Account page.
        let record = resolve_record(
            &page(
                "/lightning/r/Account/0015g00000AcMeAAAV/view",
                "Acme | Salesforce",
            ),
            &field,
        )
        .unwrap();
        assert_eq!(record.object_api_name, "Contact");
        assert_eq!(record.display_name.as_deref(), Some("山田 太郎"));
    }

    #[test]
    fn rows_of_custom_objects_take_the_list_view_object() {
        let field = FieldFacts {
            row_key: Some("a015g00000XyZabAAB".into()),
            ..FieldFacts::default()
        };
        let id = RecordId::parse("a015g00000XyZab").unwrap();
        let field = FieldFacts {
            row_key: Some(id.to_string()),
            ..field
        };
        let record = resolve_record(&page("/lightning/o/Store__c/list", ""), &field).unwrap();
        assert_eq!(record.object_api_name, "Store__c");
        assert_eq!(record.display_name, None);
        // Outside a list view an unknown prefix names nothing, and the page has no record.
        assert_eq!(resolve_record(&page("/lightning/search", ""), &field), None);
    }

    #[test]
    fn a_console_sub_tab_names_its_record_by_the_tab() {
        let facts = PageFacts {
            path: "/lightning/console".into(),
            title: "コンソール | Salesforce".into(),
            active_tab: Some("Acme 株式会社".into()),
        };
        let field = FieldFacts {
            record_key: Some("0015g00000AcMeAAAV".into()),
            record_object: Some("Account".into()),
            ..FieldFacts::default()
        };
        let record = resolve_record(&facts, &field).unwrap();
        assert_eq!(record.object_api_name, "Account");
        assert_eq!(record.display_name.as_deref(), Some("Acme 株式会社"));
    }

    #[test]
    fn hostile_or_missing_facts_fall_back_or_give_nothing() {
        let field = FieldFacts {
            row_key: Some("row-1".into()),
            record_key: Some("003'; DROP".into()),
            record_object: Some("Con<tact".into()),
            ..FieldFacts::default()
        };
        assert_eq!(
            resolve_record(&page("/lightning/page/home", "ホーム"), &field),
            None
        );
        let long = "x".repeat(1000);
        let record = resolve_record(
            &page("/lightning/r/Lead/00Q5g00000KoBaY/view", &long),
            &field,
        )
        .unwrap();
        assert_eq!(record.display_name.unwrap().chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn list_objects_come_from_object_pages_only() {
        assert_eq!(object_of_list("/lightning/o/Contact/list"), Some("Contact"));
        assert_eq!(object_of_list("/lightning/o/Lead/kanban"), Some("Lead"));
        assert_eq!(object_of_list("/lightning/r/Lead/x/view"), None);
        assert_eq!(object_of_list("/lightning/o/Le<ad/list"), None);
    }
}
