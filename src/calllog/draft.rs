//! The Task body for one call (`POST /sobjects/Task`), and every field it had to leave out.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::record::{CallRecord, KnownRecord, LinkField};
use super::settings::{FieldMapping, Locale, TaskFieldAccess};
use super::text::{self, SubjectValues};
use super::time::{civil_date, iso_utc};
use crate::number::{PhoneNumber, DEFAULT_REGION};
use crate::salesforce::id::RecordId;

/// Who is logging, and how they read dates and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserContext {
    /// The Salesforce user whose session writes the Task.
    pub user_id: RecordId,
    pub locale: Locale,
    /// The user's offset from UTC in minutes (JST is +540), for the Task's date.
    pub utc_offset_minutes: i32,
}

/// Why a field (or some of its values) did not go into the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DropReason {
    /// Field-level security: the user may not set it on insert.
    NotCreateable,
    /// Field-level security: the user may not change it afterwards.
    NotUpdateable,
    /// Describe showed no closed `Status` value, so the org's default status applies.
    NoClosedStatus,
    /// These values are not in the field's picklist (or contain `;`, which would split one
    /// multi-select value in two); the valid ones were still written.
    InvalidPicklistValues { values: Vec<String> },
    /// A Task cannot be related to this object.
    UnlinkableObject { object: String },
}

/// A field that had a value to write but was left out, and why. Shown to the user or admin:
/// nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedField {
    pub field: String,
    pub reason: DropReason,
}

/// The JSON body for `POST /sobjects/Task` and what was left out of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDraft {
    pub body: Map<String, Value>,
    pub dropped: Vec<DroppedField>,
}

/// Collects fields the user may write and reports the rest.
pub(crate) struct FieldWriter<'a> {
    allowed: &'a std::collections::BTreeSet<String>,
    on_refusal: DropReason,
    pub(crate) body: Map<String, Value>,
    pub(crate) dropped: Vec<DroppedField>,
}

impl<'a> FieldWriter<'a> {
    pub(crate) fn for_create(access: &'a TaskFieldAccess) -> Self {
        FieldWriter {
            allowed: &access.createable,
            on_refusal: DropReason::NotCreateable,
            body: Map::new(),
            dropped: Vec::new(),
        }
    }

    pub(crate) fn for_update(access: &'a TaskFieldAccess) -> Self {
        FieldWriter {
            allowed: &access.updateable,
            on_refusal: DropReason::NotUpdateable,
            body: Map::new(),
            dropped: Vec::new(),
        }
    }

    /// Writes the field when allowed; returns whether it was.
    pub(crate) fn put(&mut self, field: &str, value: Value) -> bool {
        if self.allowed.contains(field) {
            self.body.insert(field.to_string(), value);
            true
        } else {
            self.drop_field(field, self.on_refusal.clone());
            false
        }
    }

    pub(crate) fn drop_field(&mut self, field: &str, reason: DropReason) {
        self.dropped.push(DroppedField {
            field: field.to_string(),
            reason,
        });
    }

    /// Writes a multi-select picklist from tags, reporting the invalid ones.
    pub(crate) fn put_memo(&mut self, field: &str, tags: &[String], allowed: Option<&[String]>) {
        let (value, rejected) = memo_value(tags, allowed);
        // An empty set clears the field: that is how a PATCH removes the last tag.
        let wrote = self.put(field, value.map_or(Value::Null, Value::String));
        if wrote && !rejected.is_empty() {
            self.drop_field(
                field,
                DropReason::InvalidPicklistValues { values: rejected },
            );
        }
    }
}

/// Tags as one multi-select value (`A;B`), and the tags that cannot be values.
pub(crate) fn memo_value(
    tags: &[String],
    allowed: Option<&[String]>,
) -> (Option<String>, Vec<String>) {
    let mut valid: Vec<String> = Vec::new();
    let mut rejected = Vec::new();
    for tag in tags {
        let tag = text::single_line(tag);
        if tag.is_empty() || valid.contains(&tag) {
            continue;
        }
        let known = allowed.is_none_or(|values| values.contains(&tag));
        if tag.contains(';') || !known {
            rejected.push(tag);
        } else {
            valid.push(tag);
        }
    }
    ((!valid.is_empty()).then(|| valid.join(";")), rejected)
}

/// How the other party's number reads in a subject: the phone engine's display form when it
/// can place the number, otherwise the text as received, one line.
pub(crate) fn display_number(raw: &str, locale: Locale) -> String {
    // `raw` is E.164 when the phone could read it (`record_of`).
    let shown = match PhoneNumber::parse(raw, DEFAULT_REGION) {
        Ok(number) => number.display(),
        Err(_) => text::single_line(raw),
    };
    if shown.is_empty() {
        match locale {
            Locale::Ja => "番号非通知".to_string(),
            Locale::En => "Unknown number".to_string(),
        }
    } else {
        shown
    }
}

/// Comments, then the transcript under a heading; `None` when there is neither. Cut to the
/// 32,000-character limit with a visible marker.
pub(crate) fn description_text(call: &CallRecord, locale: Locale) -> Option<String> {
    let mut comments = text::multi_line(&call.comments).trim().to_string();
    if let Some(target) = &call.transferred_to {
        let line = text::transferred_to(locale, target);
        comments = if comments.is_empty() {
            line
        } else {
            format!("{line}\n{comments}")
        };
    }
    let transcript = call
        .transcript
        .as_deref()
        .map(|t| text::multi_line(t).trim().to_string())
        .filter(|t| !t.is_empty());
    let full = match (comments.is_empty(), transcript) {
        (true, None) => return None,
        (false, None) => comments,
        (true, Some(t)) => format!("{}\n{t}", text::transcript_heading(locale)),
        (false, Some(t)) => format!("{comments}\n\n{}\n{t}", text::transcript_heading(locale)),
    };
    Some(text::truncate_utf16(
        &full,
        text::DESCRIPTION_MAX,
        text::truncation_marker(locale),
    ))
}

/// `CallDurationInSeconds` is an 8-digit integer field.
const DURATION_MAX: u32 = 99_999_999;

/// `Subject` holds 255 characters.
pub(crate) const SUBJECT_MAX: usize = 255;

/// The Task subject for `call`: the user's own, or the template, with `name` in the template's `{name}`.
pub(crate) fn subject(
    call: &CallRecord,
    mapping: &FieldMapping,
    locale: Locale,
    name: &str,
) -> String {
    if let Some(own) = call.subject.as_deref().map(text::single_line) {
        if !own.trim().is_empty() {
            return text::truncate_utf16(own.trim(), SUBJECT_MAX, "…");
        }
    }
    let answered = call.answered_ms.is_some();
    let number = display_number(&call.remote_number, locale);
    let template = FieldMapping::mapped(&mapping.subject_template).unwrap_or(
        text::default_subject_template(locale, call.direction, answered),
    );
    text::render_subject(
        template,
        SubjectValues {
            direction: text::direction_word(locale, call.direction, answered),
            name,
            number: &number,
        },
    )
}

/// Whether the subject shows the record's name (so a lookup inside the logging request must
/// rewrite it once the record is known).
pub(crate) fn subject_names_record(
    call: &CallRecord,
    mapping: &FieldMapping,
    locale: Locale,
) -> bool {
    if call
        .subject
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty())
    {
        return false;
    }
    let answered = call.answered_ms.is_some();
    FieldMapping::mapped(&mapping.subject_template)
        .unwrap_or(text::default_subject_template(
            locale,
            call.direction,
            answered,
        ))
        .contains("{name}")
}

impl TaskDraft {
    /// The Task for `call`: only fields in `access.createable` are written, every other field
    /// that had a value is reported in `dropped`. Who/What come from `call.record`: Contact →
    /// `WhoId` (+ its Account as `WhatId` when known), Lead → `WhoId` only (Salesforce rejects
    /// a Lead with a `WhatId`), Account/Opportunity/Case/custom → `WhatId`.
    pub fn from_call(
        call: &CallRecord,
        mapping: &FieldMapping,
        access: &TaskFieldAccess,
        user: &UserContext,
    ) -> TaskDraft {
        let locale = user.locale;
        let mut w = FieldWriter::for_create(access);

        let name = call
            .record
            .as_ref()
            .map(|r| text::single_line(&r.name))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| display_number(&call.remote_number, locale));
        w.put(
            "Subject",
            Value::String(subject(call, mapping, locale, &name)),
        );

        match &access.closed_status {
            Some(status) => {
                w.put("Status", Value::String(status.clone()));
            }
            None => w.drop_field("Status", DropReason::NoClosedStatus),
        }
        if let Some(description) = description_text(call, locale) {
            w.put("Description", Value::String(description));
        }
        let owner = mapping.assignee.owner_for(
            call.local_extension.as_deref(),
            call.record.as_ref().and_then(|r| r.owner_id.as_ref()),
            &user.user_id,
        );
        w.put("OwnerId", Value::String(owner.to_string()));
        if let Some(record) = &call.record {
            link_known_record(&mut w, record);
        }
        w.put("TaskSubtype", Value::String("Call".to_string()));
        w.put(
            "ActivityDate",
            Value::String(civil_date(call.started_ms(), user.utc_offset_minutes)),
        );
        w.put(
            "CallDurationInSeconds",
            Value::from(call.duration_seconds().min(DURATION_MAX)),
        );
        let call_type = call.direction.call_type();
        let call_type_known = access
            .call_type_values
            .as_deref()
            .is_none_or(|values| values.iter().any(|v| v == call_type));
        if call_type_known {
            w.put("CallType", Value::String(call_type.to_string()));
        } else {
            w.drop_field(
                "CallType",
                DropReason::InvalidPicklistValues {
                    values: vec![call_type.to_string()],
                },
            );
        }
        let call_object =
            text::truncate_utf16(&text::single_line(&call.call_id), text::CALL_OBJECT_MAX, "");
        if !call_object.is_empty() {
            w.put("CallObject", Value::String(call_object));
        }

        let times = [
            (&mapping.dial_start_field, Some(call.dial_started_ms)),
            (&mapping.call_start_field, call.answered_ms),
            (&mapping.call_end_field, call.ended_ms),
        ];
        for (field, at) in times {
            if let (Some(field), Some(at)) = (FieldMapping::mapped(field), at) {
                w.put(field, Value::String(iso_utc(at)));
            }
        }
        if let Some(field) = FieldMapping::mapped(&mapping.memo_field) {
            if !call.memo_tags.is_empty() {
                w.put_memo(field, &call.memo_tags, access.memo_values.as_deref());
            }
        }
        TaskDraft {
            body: w.body,
            dropped: w.dropped,
        }
    }
}

/// The `WhoId` and `WhatId` a Task on `record` has (none for an object a Task cannot be on).
pub(crate) fn link_ids(record: &KnownRecord) -> (Option<RecordId>, Option<RecordId>) {
    match record.link_field() {
        LinkField::Who => {
            let account = record.account_id.clone().filter(|a| {
                a.object_name() == Some("Account") && record.object_name() == "Contact"
            });
            (Some(record.id.clone()), account)
        }
        LinkField::What => (None, Some(record.id.clone())),
        LinkField::None => (None, None),
    }
}

fn link_known_record(w: &mut FieldWriter<'_>, record: &KnownRecord) {
    match record.link_field() {
        LinkField::Who => {
            w.put("WhoId", Value::String(record.id.to_string()));
            let account = record
                .account_id
                .as_ref()
                .filter(|a| a.object_name() == Some("Account"));
            if let (true, Some(account)) = (record.object_name() == "Contact", account) {
                w.put("WhatId", Value::String(account.to_string()));
            }
        }
        LinkField::What => {
            w.put("WhatId", Value::String(record.id.to_string()));
        }
        LinkField::None => w.drop_field(
            "WhatId",
            DropReason::UnlinkableObject {
                object: record.object_name().to_string(),
            },
        ),
    }
}
