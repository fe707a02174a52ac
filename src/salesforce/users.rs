//! The assignee's users: a search of active users by name (one SOQL), and the check that the
//! user the admin chose can own the Tasks the product writes (active, a licence that owns
//! Tasks), made once when the setting is saved, never per call.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::id::RecordId;

/// Users shown for one search.
pub const USERS_LIMIT: usize = 20;

/// A user the options page offers as the Tasks' assignee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserChoice {
    pub id: RecordId,
    pub name: String,
    pub username: String,
    /// Why Tasks cannot be given to them (`USER_INACTIVE`, `USER_CANNOT_OWN_TASKS`), if so.
    #[serde(default)]
    pub refused: Option<String>,
}

/// A SOQL string literal's content: quotes and backslashes escaped; with `like`, the LIKE
/// wildcards too, so what the admin types is matched as it is.
pub fn soql_literal(text: &str, like: bool) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match c {
            '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '%' | '_' if like => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Users whose name or username contains `query` (at most [`USERS_LIMIT`]).
pub fn users_query(query: &str) -> String {
    let q = soql_literal(query.trim(), true);
    format!(
        "SELECT Id, Name, Username, IsActive, UserType FROM User \
         WHERE Name LIKE '%{q}%' OR Username LIKE '%{q}%' ORDER BY Name LIMIT {USERS_LIMIT}"
    )
}

/// The one user the admin chose.
pub fn user_query(id: &RecordId) -> String {
    format!(
        "SELECT Id, Name, Username, IsActive, UserType FROM User WHERE Id = '{}'",
        id.as_str()
    )
}

/// Salesforce's `UserType` of licences that own Tasks: full and Platform users (`Standard`)
/// and partner and customer-community users with activities; not Chatter Free (`CsnOnly`),
/// Chatter External, guests or automated users.
fn owns_tasks(user_type: Option<&str>) -> bool {
    matches!(
        user_type,
        None | Some("Standard" | "PowerPartner" | "PowerCustomerSuccess" | "CustomerSuccess")
    )
}

/// The users of a query's answer, each with why Tasks cannot go to them, if so.
pub fn parse_users(body: &Value) -> Option<Vec<UserChoice>> {
    let records = body["records"].as_array()?;
    Some(
        records
            .iter()
            .filter_map(|r| {
                let id = RecordId::parse(r["Id"].as_str()?).ok()?;
                let refused = if r["IsActive"] == false {
                    Some("USER_INACTIVE".to_string())
                } else if !owns_tasks(r["UserType"].as_str()) {
                    Some("USER_CANNOT_OWN_TASKS".to_string())
                } else {
                    None
                };
                Some(UserChoice {
                    id,
                    name: r["Name"].as_str().unwrap_or_default().to_string(),
                    username: r["Username"].as_str().unwrap_or_default().to_string(),
                    refused,
                })
            })
            .collect(),
    )
}

/// Why the chosen user cannot be the assignee (`None`: they can).
pub fn assignee_problem(body: &Value, id: &RecordId) -> Option<&'static str> {
    let users = parse_users(body).unwrap_or_default();
    match users.iter().find(|u| &u.id == id) {
        None => Some("USER_NOT_FOUND"),
        Some(u) => match u.refused.as_deref() {
            Some("USER_INACTIVE") => Some("USER_INACTIVE"),
            Some(_) => Some("USER_CANNOT_OWN_TASKS"),
            None => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_the_admin_types_stays_a_literal() {
        let q = users_query("o'neil\\ 100%_");
        assert!(q.contains("LIKE '%o\\'neil\\\\ 100\\%\\_%'"), "{q}");
        assert_eq!(soql_literal("a%b", false), "a%b");
        assert_eq!(soql_literal("a\nb\u{0}", true), "a b");
    }

    #[test]
    fn inactive_and_chatter_free_users_cannot_be_given_tasks() {
        let body = json!({"records": [
            {"Id": "005000000000001", "Name": "佐藤 花子", "Username": "sato@x", "IsActive": true, "UserType": "Standard"},
            {"Id": "005000000000002", "Name": "伊藤 六郎", "Username": "ito@x", "IsActive": false, "UserType": "Standard"},
            {"Id": "005000000000003", "Name": "渡辺 七子", "Username": "watanabe@x", "IsActive": true, "UserType": "CsnOnly"},
            {"Id": "bad", "Name": "x"},
        ]});
        let users = parse_users(&body).unwrap();
        let refused: Vec<Option<&str>> = users.iter().map(|u| u.refused.as_deref()).collect();
        assert_eq!(
            refused,
            [None, Some("USER_INACTIVE"), Some("USER_CANNOT_OWN_TASKS")]
        );
        let id = |s: &str| RecordId::parse(s).unwrap();
        assert_eq!(assignee_problem(&body, &id("005000000000001")), None);
        assert_eq!(
            assignee_problem(&body, &id("005000000000002")),
            Some("USER_INACTIVE")
        );
        assert_eq!(
            assignee_problem(&body, &id("005000000000003")),
            Some("USER_CANNOT_OWN_TASKS")
        );
        assert_eq!(
            assignee_problem(&json!({"records": []}), &id("005000000000009")),
            Some("USER_NOT_FOUND")
        );
    }
}
