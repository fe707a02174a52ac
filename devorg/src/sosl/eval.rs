//! Runs a parsed search: which records of each RETURNING object match the term in the chosen
//! fields, then the object's WHERE, ORDER BY and limits, in the REST record shape.

use serde_json::{json, Value};

use crate::soql::{
    field_value, invalid_type, project, resolve_filter, resolve_order, resolve_select, sort, test,
    ApiError, FieldRef, FieldType, ObjectInfo, RecordStore, Schema,
};

use super::matcher::{record_matches, Searched};
use super::parser::{Returning, Scope, Search};
use super::phone::PhoneMatching;

/// At most this many records come back from one search (reference §3.1).
pub const MAX_SEARCH_RESULTS: usize = 2000;

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// Grouped by object in RETURNING order; storage order within an object unless ORDER BY.
    pub records: Vec<Value>,
}

impl SearchResult {
    /// `{"searchRecords":[…]}`, the v37+ body.
    pub fn to_json(&self) -> Value {
        json!({ "searchRecords": self.records })
    }
}

fn searched_kinds(scope: Scope, field: &crate::soql::FieldInfo) -> bool {
    match scope {
        Scope::Name => field.name_field,
        Scope::Email => field.kind == FieldType::Email,
        Scope::Phone => field.kind == FieldType::Phone,
        Scope::All => {
            field.name_field
                || (field.kind.is_text()
                    && !matches!(field.kind, FieldType::Id | FieldType::Reference))
        }
    }
}

pub fn execute(
    search: &Search,
    schema: &(impl Schema + ?Sized),
    store: &(impl RecordStore + ?Sized),
    phone: PhoneMatching,
) -> Result<SearchResult, ApiError> {
    let items: Vec<Returning> = if search.returning.is_empty() {
        schema
            .searchable_objects()
            .into_iter()
            .map(|object| Returning {
                object,
                at: 0,
                fields: Vec::new(),
                filter: None,
                order_by: Vec::new(),
                limit: None,
                offset: None,
            })
            .collect()
    } else {
        search.returning.clone()
    };
    let text = &search.text;
    // Check every object before searching any, so an error wins over partial results.
    let mut plans = Vec::new();
    for item in &items {
        let Some(object) = schema.object(&item.object) else {
            return Err(invalid_type(text, &item.object, item.at));
        };
        let fields = if item.fields.is_empty() {
            vec![FieldRef {
                path: vec!["Id".into()],
                at: item.at,
            }]
        } else {
            item.fields.clone()
        };
        let fields = resolve_select(schema, &object, &fields, text)?;
        let filter = match &item.filter {
            Some(c) => Some(resolve_filter(schema, &object, c, text)?),
            None => None,
        };
        let keys = resolve_order(schema, &object, &item.order_by, text)?;
        plans.push((item, object, fields, filter, keys));
    }
    let mut budget = search
        .limit
        .unwrap_or(MAX_SEARCH_RESULTS)
        .min(MAX_SEARCH_RESULTS);
    let mut records = Vec::new();
    for (item, object, fields, filter, keys) in plans {
        let mut rows: Vec<&Value> = store
            .records_of(&object.name)
            .into_iter()
            .filter(|r| term_matches(search, &object, r, phone))
            .filter(|r| filter.as_ref().is_none_or(|f| test(f, r, store)))
            .collect();
        sort(&mut rows, &keys, store);
        let take = item.limit.unwrap_or(usize::MAX).min(budget);
        let chosen: Vec<Value> = rows
            .into_iter()
            .skip(item.offset.unwrap_or(0))
            .take(take)
            .map(|r| project(r, &fields, store))
            .collect();
        budget -= chosen.len();
        records.extend(chosen);
    }
    Ok(SearchResult { records })
}

fn term_matches(
    search: &Search,
    object: &ObjectInfo,
    record: &Value,
    phone: PhoneMatching,
) -> bool {
    let fields: Vec<Searched> = object
        .fields
        .iter()
        .filter(|f| searched_kinds(search.scope, f))
        .filter_map(|f| {
            let text = field_value(record, &f.name).as_str()?;
            Some(Searched { kind: f.kind, text })
        })
        .collect();
    record_matches(&search.term, &fields, phone)
}
