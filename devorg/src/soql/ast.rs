//! The parsed form of a SOQL query (and of a SOSL RETURNING item), before any schema check.

/// A field as written, with where it was written for error diagrams.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRef {
    /// `Account.Name` → `["Account", "Name"]`, casing as typed.
    pub path: Vec<String>,
    /// Char index in the query text.
    pub at: usize,
}

impl FieldRef {
    pub fn text(&self) -> String {
        self.path.join(".")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    Field(FieldRef),
    /// `COUNT()`: only the number of rows is returned.
    Count,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// The text between the quotes, escapes still in place; see [`crate::soql::parser::unescape`].
    Str(String),
    Number(f64),
    Bool(bool),
    Null,
    Date(String),
    DateTime(String),
}

#[derive(Debug, Clone, PartialEq)]
/// A literal and where it was written.
pub struct Operand {
    pub literal: Literal,
    pub at: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Like,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        field: FieldRef,
        op: CompareOp,
        value: Operand,
    },
    In {
        field: FieldRef,
        negated: bool,
        values: Vec<Operand>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub field: FieldRef,
    pub descending: bool,
    /// Salesforce's default: nulls first when ascending, last when descending.
    pub nulls_first: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The query text, kept for error diagrams raised while evaluating.
    pub text: String,
    pub select: Vec<SelectItem>,
    pub from: String,
    pub from_at: usize,
    pub filter: Option<Condition>,
    pub order_by: Vec<OrderItem>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

impl Query {
    pub fn is_count(&self) -> bool {
        self.select.iter().any(|s| matches!(s, SelectItem::Count))
    }
}
