//! Checks a parsed query against the schema (what the user may see) and runs it over the
//! records: filter, order, offset/limit, and the REST record shape.

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use super::ast::{Condition, FieldRef, Literal, OrderItem, Query, SelectItem};
use super::compare::{matches, order};
use super::error::{
    ApiError, INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, INVALID_TYPE, MALFORMED_QUERY,
};
use super::parser::unescape;
use super::schema::{field_value, FieldType, ObjectInfo, RecordStore, RelationshipInfo, Schema};

pub const API_VERSION: &str = "v51.0";

/// The whole result of a query, before paging.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub total_size: usize,
    /// REST-shaped records; empty for `COUNT()`.
    pub records: Vec<Value>,
}

/// A field path checked against the schema: the relationships to follow, then the field.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedField {
    pub steps: Vec<RelationshipInfo>,
    /// Canonical field name.
    pub name: String,
    pub kind: FieldType,
}

impl ResolvedField {
    /// The value on `record`, following lookups; null when a lookup is empty or dangling.
    pub fn value<'v>(
        &self,
        record: &'v Value,
        store: &'v (impl RecordStore + ?Sized),
    ) -> &'v Value {
        static NULL: Value = Value::Null;
        let mut current = record;
        for step in &self.steps {
            match parent(current, step, store) {
                Some(p) => current = p,
                None => return &NULL,
            }
        }
        field_value(current, &self.name)
    }
}

fn parent<'v>(
    record: &Value,
    step: &RelationshipInfo,
    store: &'v (impl RecordStore + ?Sized),
) -> Option<&'v Value> {
    let id = field_value(record, &step.id_field).as_str()?;
    let found = store.record_by_id(id)?;
    let kind = found["attributes"]["type"].as_str()?;
    step.targets
        .iter()
        .any(|t| t.eq_ignore_ascii_case(kind))
        .then_some(found)
}

/// `INVALID_TYPE`, also for an object the user cannot access.
pub fn invalid_type(text: &str, name: &str, at: usize) -> ApiError {
    let detail = format!(
        "sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
    );
    ApiError::at(INVALID_TYPE, text, at, &detail)
}

/// `INVALID_FIELD … No such column`, also for a field the user cannot read.
pub fn no_such_column(text: &str, field: &str, entity: &str, at: usize) -> ApiError {
    let detail = format!(
        "No such column '{field}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
    );
    ApiError::at(INVALID_FIELD, text, at, &detail)
}

/// Resolves `field` on `object`. A polymorphic relationship offers the fields of any of its
/// targets the user can see (Salesforce offers those of its `Name` entity).
pub fn resolve(
    schema: &(impl Schema + ?Sized),
    object: &ObjectInfo,
    field: &FieldRef,
    text: &str,
) -> Result<ResolvedField, ApiError> {
    let mut current = object.clone();
    let mut steps = Vec::new();
    let Some((last, relationships)) = field.path.split_last() else {
        return Err(no_such_column(text, "", &object.name, field.at));
    };
    for rel_name in relationships {
        let rel = current.relationship(rel_name).cloned();
        let next = rel.as_ref().and_then(|r| merged_targets(schema, r));
        let (Some(rel), Some(next)) = (rel, next) else {
            let detail = format!(
                "Didn't understand relationship '{rel_name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
            );
            return Err(ApiError::at(INVALID_FIELD, text, field.at, &detail));
        };
        steps.push(rel);
        current = next;
    }
    let Some(info) = current.field(last) else {
        return Err(no_such_column(text, last, &current.name, field.at));
    };
    Ok(ResolvedField {
        steps,
        name: info.name.clone(),
        kind: info.kind,
    })
}

fn merged_targets(schema: &(impl Schema + ?Sized), rel: &RelationshipInfo) -> Option<ObjectInfo> {
    let mut seen: Vec<ObjectInfo> = rel
        .targets
        .iter()
        .filter_map(|t| schema.object(t))
        .collect();
    if seen.len() <= 1 {
        return seen.pop();
    }
    let mut merged = seen.remove(0);
    merged.name = "Name".into();
    for other in seen {
        for f in other.fields {
            if merged.field(&f.name).is_none() {
                merged.fields.push(f);
            }
        }
    }
    Some(merged)
}

/// The SELECT list resolved, rejecting duplicates.
pub fn resolve_select(
    schema: &(impl Schema + ?Sized),
    object: &ObjectInfo,
    items: &[FieldRef],
    text: &str,
) -> Result<Vec<ResolvedField>, ApiError> {
    let mut out: Vec<ResolvedField> = Vec::new();
    for item in items {
        let resolved = resolve(schema, object, item, text)?;
        if out
            .iter()
            .any(|r| r.steps == resolved.steps && r.name == resolved.name)
        {
            let detail = format!("duplicate field selected: {}", item.text());
            return Err(ApiError::at(MALFORMED_QUERY, text, item.at, &detail));
        }
        out.push(resolved);
    }
    Ok(out)
}

/// A WHERE clause with its fields resolved and literals type-checked.
#[derive(Debug, Clone)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare(ResolvedField, super::ast::CompareOp, Literal),
    In(ResolvedField, bool, Vec<Literal>),
}

pub fn resolve_filter(
    schema: &(impl Schema + ?Sized),
    object: &ObjectInfo,
    cond: &Condition,
    text: &str,
) -> Result<Filter, ApiError> {
    let all = |parts: &[Condition]| -> Result<Vec<Filter>, ApiError> {
        parts
            .iter()
            .map(|c| resolve_filter(schema, object, c, text))
            .collect()
    };
    Ok(match cond {
        Condition::And(parts) => Filter::And(all(parts)?),
        Condition::Or(parts) => Filter::Or(all(parts)?),
        Condition::Not(inner) => {
            Filter::Not(Box::new(resolve_filter(schema, object, inner, text)?))
        }
        Condition::Compare { field, op, value } => {
            let resolved = filterable(schema, object, field, text)?;
            check_literal(&resolved, &value.literal, value.at, text)?;
            Filter::Compare(resolved, *op, value.literal.clone())
        }
        Condition::In {
            field,
            negated,
            values,
        } => {
            let resolved = filterable(schema, object, field, text)?;
            for v in values {
                check_literal(&resolved, &v.literal, v.at, text)?;
            }
            Filter::In(
                resolved,
                *negated,
                values.iter().map(|v| v.literal.clone()).collect(),
            )
        }
    })
}

/// Long text cannot be filtered (Object Reference, "Textarea").
fn filterable(
    schema: &(impl Schema + ?Sized),
    object: &ObjectInfo,
    field: &FieldRef,
    text: &str,
) -> Result<ResolvedField, ApiError> {
    let resolved = resolve(schema, object, field, text)?;
    if resolved.kind == FieldType::TextArea {
        let detail = format!(
            "field '{}' can not be filtered in query call",
            resolved.name
        );
        return Err(ApiError::at(INVALID_FIELD, text, field.at, &detail));
    }
    Ok(resolved)
}

/// Salesforce refuses a literal of the wrong type for the field, before running anything.
fn check_literal(
    field: &ResolvedField,
    literal: &Literal,
    at: usize,
    text: &str,
) -> Result<(), ApiError> {
    let kind = field.kind;
    let (wanted, ok) = match literal {
        Literal::Null => return Ok(()),
        _ if kind.is_text() => ("string", matches!(literal, Literal::Str(_))),
        _ if kind == FieldType::Int => ("integer", matches!(literal, Literal::Number(_))),
        _ if kind.is_number() => ("double", matches!(literal, Literal::Number(_))),
        _ if kind == FieldType::Boolean => ("boolean", matches!(literal, Literal::Bool(_))),
        _ if kind == FieldType::Date => ("date", matches!(literal, Literal::Date(_))),
        _ => ("dateTime", matches!(literal, Literal::DateTime(_))),
    };
    if !ok {
        let quoting = if wanted == "string" {
            "should be enclosed in quotes"
        } else {
            "should not be enclosed in quotes"
        };
        let detail = format!(
            "value of filter criterion for field '{}' must be of type {wanted} and {quoting}",
            field.name
        );
        return Err(ApiError::at(INVALID_FIELD, text, at, &detail));
    }
    if let (FieldType::Id | FieldType::Reference, Literal::Str(raw)) = (kind, literal) {
        let id = unescape(raw);
        if !(id.len() == 15 || id.len() == 18) || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            let detail = format!("invalid ID field: {id}");
            return Err(ApiError::at(
                INVALID_QUERY_FILTER_OPERATOR,
                text,
                at,
                &detail,
            ));
        }
    }
    Ok(())
}

pub fn test(filter: &Filter, record: &Value, store: &(impl RecordStore + ?Sized)) -> bool {
    match filter {
        Filter::And(parts) => parts.iter().all(|f| test(f, record, store)),
        Filter::Or(parts) => parts.iter().any(|f| test(f, record, store)),
        Filter::Not(inner) => !test(inner, record, store),
        Filter::Compare(field, op, literal) => {
            matches(field.value(record, store), field.kind, *op, literal)
        }
        Filter::In(field, negated, literals) => {
            let value = field.value(record, store);
            let hit = literals
                .iter()
                .any(|l| matches(value, field.kind, super::ast::CompareOp::Eq, l));
            hit != *negated
        }
    }
}

/// ORDER BY items resolved; long text cannot be sorted either.
pub fn resolve_order(
    schema: &(impl Schema + ?Sized),
    object: &ObjectInfo,
    items: &[OrderItem],
    text: &str,
) -> Result<Vec<(ResolvedField, OrderItem)>, ApiError> {
    items
        .iter()
        .map(|item| {
            let resolved = resolve(schema, object, &item.field, text)?;
            if resolved.kind == FieldType::TextArea {
                let detail = format!(
                    "field '{}' can not be sorted in a query call",
                    resolved.name
                );
                return Err(ApiError::at(INVALID_FIELD, text, item.field.at, &detail));
            }
            Ok((resolved, item.clone()))
        })
        .collect()
}

pub fn sort(
    records: &mut [&Value],
    keys: &[(ResolvedField, OrderItem)],
    store: &(impl RecordStore + ?Sized),
) {
    records.sort_by(|a, b| {
        for (field, item) in keys {
            let (x, y) = (field.value(a, store), field.value(b, store));
            let ord = match (x.is_null(), y.is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) if item.nulls_first => Ordering::Less,
                (true, false) => Ordering::Greater,
                (false, true) if item.nulls_first => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) if item.descending => order(y, x, field.kind),
                (false, false) => order(x, y, field.kind),
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
}

fn attributes(object: &str, record: &Value) -> Value {
    let id = record["Id"].as_str().unwrap_or_default();
    json!({ "type": object, "url": format!("/services/data/{API_VERSION}/sobjects/{object}/{id}") })
}

/// A record in the REST shape: `attributes`, the selected fields in canonical casing, parent
/// fields as nested records (or null when the lookup is empty).
pub fn project(
    record: &Value,
    fields: &[ResolvedField],
    store: &(impl RecordStore + ?Sized),
) -> Value {
    let kind = record["attributes"]["type"].as_str().unwrap_or_default();
    let mut out = Map::new();
    out.insert("attributes".into(), attributes(kind, record));
    for field in fields {
        place(&mut out, record, &field.steps, &field.name, store);
    }
    Value::Object(out)
}

fn place(
    out: &mut Map<String, Value>,
    record: &Value,
    steps: &[RelationshipInfo],
    name: &str,
    store: &(impl RecordStore + ?Sized),
) {
    let Some((step, rest)) = steps.split_first() else {
        out.insert(name.to_string(), field_value(record, name).clone());
        return;
    };
    let Some(parent_record) = parent(record, step, store) else {
        out.entry(step.name.clone()).or_insert(Value::Null);
        return;
    };
    let entry = out.entry(step.name.clone()).or_insert_with(|| {
        let actual = parent_record["attributes"]["type"]
            .as_str()
            .unwrap_or_default();
        let mut nested = Map::new();
        let mut attrs = attributes(actual, parent_record);
        // Polymorphic lookups (Who, What, Owner of a Lead) report their parent as type `Name`.
        if step.targets.len() > 1 {
            attrs["type"] = json!("Name");
        }
        nested.insert("attributes".into(), attrs);
        Value::Object(nested)
    });
    if let Value::Object(nested) = entry {
        place(nested, parent_record, rest, name, store);
    }
}

/// Runs a parsed query for the user `schema` describes.
pub fn execute(
    query: &Query,
    schema: &(impl Schema + ?Sized),
    store: &(impl RecordStore + ?Sized),
) -> Result<QueryResult, ApiError> {
    let text = &query.text;
    let Some(object) = schema.object(&query.from) else {
        return Err(invalid_type(text, &query.from, query.from_at));
    };
    let selected: Vec<FieldRef> = query
        .select
        .iter()
        .filter_map(|s| match s {
            SelectItem::Field(f) => Some(f.clone()),
            SelectItem::Count => None,
        })
        .collect();
    let fields = resolve_select(schema, &object, &selected, text)?;
    let filter = match &query.filter {
        Some(cond) => Some(resolve_filter(schema, &object, cond, text)?),
        None => None,
    };
    let keys = resolve_order(schema, &object, &query.order_by, text)?;
    let mut rows: Vec<&Value> = store
        .records_of(&object.name)
        .into_iter()
        .filter(|r| filter.as_ref().is_none_or(|f| test(f, r, store)))
        .collect();
    sort(&mut rows, &keys, store);
    let rows: Vec<&Value> = rows
        .into_iter()
        .skip(query.offset.unwrap_or(0))
        .take(query.limit.unwrap_or(usize::MAX))
        .collect();
    if query.is_count() {
        return Ok(QueryResult {
            total_size: rows.len(),
            records: Vec::new(),
        });
    }
    let records: Vec<Value> = rows.iter().map(|r| project(r, &fields, store)).collect();
    Ok(QueryResult {
        total_size: records.len(),
        records,
    })
}
