//! End-to-end SOQL tests: parse, check against the test schema, run over the test records.

use serde_json::{json, Value};

use super::fixture::{records, TestSchema, ACME, GLOBEX, OBRIEN, SUZUKI, TANAKA, USER, YAMADA};
use super::*;

fn run(q: &str) -> Result<QueryResult, ApiError> {
    query(q, &TestSchema::default(), &records())
}

fn ok(q: &str) -> Vec<Value> {
    run(q).unwrap_or_else(|e| panic!("{q}: {e}")).records
}

fn err(q: &str) -> ApiError {
    run(q).expect_err(q)
}

fn ids(rows: &[Value]) -> Vec<&str> {
    rows.iter().map(|r| r["Id"].as_str().unwrap()).collect()
}

#[test]
fn parses_every_clause() {
    let q = parse("select Id, Account.Name from Contact where (Name like 'a%' or not Phone = null) and Id not in ('a', 'b') order by Name desc nulls first, Id limit 5 offset 2").unwrap();
    assert_eq!(q.from, "Contact");
    assert_eq!(q.select.len(), 2);
    assert_eq!(
        q.select[1],
        SelectItem::Field(FieldRef {
            path: vec!["Account".into(), "Name".into()],
            at: 11
        })
    );
    assert!(matches!(&q.filter, Some(Condition::And(parts)) if parts.len() == 2));
    assert_eq!(q.order_by.len(), 2);
    assert!(q.order_by[0].descending && q.order_by[0].nulls_first);
    assert!(!q.order_by[1].descending && q.order_by[1].nulls_first);
    assert_eq!((q.limit, q.offset), (Some(5), Some(2)));
    assert!(parse("SELECT COUNT() FROM Lead").unwrap().is_count());
}

#[test]
fn parses_literals() {
    let q = parse("SELECT Id FROM Task WHERE ActivityDate = 2026-11-26 OR CreatedDate > 2026-11-26T00:00:00Z OR X = -2.5 OR Y = TRUE OR Z = null OR W = 'it\\'s \\\\ \\n\\r\\t\\b\\f\\\"'").unwrap();
    let Some(Condition::Or(parts)) = q.filter else {
        panic!()
    };
    let lits: Vec<Literal> = parts
        .into_iter()
        .map(|p| match p {
            Condition::Compare { value, .. } => value.literal,
            _ => panic!(),
        })
        .collect();
    assert_eq!(lits[0], Literal::Date("2026-11-26".into()));
    assert_eq!(lits[1], Literal::DateTime("2026-11-26T00:00:00Z".into()));
    assert_eq!(lits[2], Literal::Number(-2.5));
    assert_eq!(lits[3], Literal::Bool(true));
    assert_eq!(lits[4], Literal::Null);
    let Literal::Str(raw) = &lits[5] else {
        panic!()
    };
    assert_eq!(parser::unescape(raw), "it's \\ \n\r\t\u{8}\u{c}\"");
}

#[test]
fn syntax_errors_are_malformed_query() {
    let e = err("invalid");
    assert_eq!(
        (e.error_code, e.message.as_str()),
        (MALFORMED_QUERY, "unexpected token: 'invalid'")
    );
    let e = err("SELECT Id, Name, From Account");
    assert_eq!(e.message, "\nSELECT Id, Name, From Account\n                ^\nERROR at Row:1:Column:17\nunexpected token: 'From'");
    assert!(err("SELECT Id FROM")
        .message
        .ends_with("unexpected token: <EOF>"));
    assert!(err("SELECT Id FROM Account WHERE")
        .message
        .ends_with("unexpected token: <EOF>"));
    assert!(err("SELECT Id FROM Account WHERE Name = 'x' AND")
        .message
        .ends_with("unexpected token: <EOF>"));
    assert!(err("SELECT Id FROM Account WHERE (Name = 'x'")
        .message
        .ends_with("unexpected token: <EOF>"));
    assert!(err("SELECT Id FROM Account LIMIT x")
        .message
        .ends_with("unexpected token: 'x'"));
    assert!(err("SELECT Id FROM Account ORDER Name")
        .message
        .ends_with("unexpected token: 'Name'"));
    assert!(
        err("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)")
            .message
            .ends_with("unexpected token: 'SELECT'")
    );
    assert!(err("SELECT Id, COUNT() FROM Account")
        .message
        .contains("unexpected token"));
    assert!(err("SELECT Id FROM Account WHERE Name = 'x' junk")
        .message
        .ends_with("unexpected token: 'junk'"));
    assert!(err("SELECT Id FROM Account WHERE Name ~ 'x'")
        .message
        .ends_with("unexpected token: '~'"));
    for q in ["", "   "] {
        let e = err(q);
        assert_eq!(
            (e.error_code, e.message.as_str()),
            (MALFORMED_QUERY, "SOQL statements cannot be empty or null")
        );
    }
}

#[test]
fn string_escapes_outside_the_list_are_errors() {
    let e = err("SELECT Id FROM Contact WHERE Name = 'a\\x'");
    assert_eq!(e.error_code, MALFORMED_QUERY);
    assert!(
        e.message.contains("Illegal character sequence '\\x'"),
        "{}",
        e.message
    );
    // `\_` and `\%` belong to LIKE patterns only.
    let e = err("SELECT Id FROM Contact WHERE Name = 'a\\_b'");
    assert!(
        e.message.contains("Illegal character sequence '\\_'"),
        "{}",
        e.message
    );
    assert!(ok("SELECT Id FROM Contact WHERE Name LIKE 'John O\\'Brien\\%'").is_empty());
    assert_eq!(
        ids(&ok("SELECT Id FROM Contact WHERE Name = 'john o\\'brien'")),
        vec![OBRIEN]
    );
    assert!(err("SELECT Id FROM Contact WHERE Name = 'open")
        .message
        .contains("no closing quote"));
}

#[test]
fn keywords_are_case_insensitive_and_fields_come_back_canonical() {
    let rows = ok("sElEcT name, ID, phone FrOm account wHeRe name = 'INITECH'");
    assert_eq!(
        rows,
        vec![json!({
            "attributes": {"type": "Account", "url": "/services/data/v51.0/sobjects/Account/0015g00000Init1AAA"},
            "Id": "0015g00000Init1AAA", "Name": "Initech", "Phone": null,
        })]
    );
}

#[test]
fn unknown_or_inaccessible_objects_are_invalid_type() {
    let e = err("SELECT Id FROM Accountz LIMIT 2");
    assert_eq!(e.error_code, INVALID_TYPE);
    assert_eq!(e.message, "\nSELECT Id FROM Accountz LIMIT 2\n               ^\nERROR at Row:1:Column:16\nsObject type 'Accountz' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.");
    let schema = TestSchema {
        no_access: vec!["Lead"],
        ..Default::default()
    };
    let e = query("SELECT Id FROM Lead", &schema, &records()).unwrap_err();
    assert_eq!(e.error_code, INVALID_TYPE);
    assert!(e.message.ends_with("sObject type 'Lead' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."));
}

#[test]
fn unknown_and_unreadable_fields_are_invalid_field() {
    let e = err("select Id, Company,Email,LastName,SF_date__c, ConvertedContactId from Lead");
    assert_eq!(e.error_code, INVALID_FIELD);
    assert_eq!(e.message, "\nselect Id, Company,Email,LastName,SF_date__c, ConvertedContactId from\n                                  ^\nERROR at Row:1:Column:35\nNo such column 'SF_date__c' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.");
    // FLS: a field the user cannot read does not exist for them, in SELECT and in WHERE alike.
    let schema = TestSchema {
        hidden: vec!["Contact.Secret__c", "Account.Industry"],
        ..Default::default()
    };
    let data = records();
    for q in [
        "SELECT Secret__c FROM Contact",
        "SELECT Id FROM Contact WHERE Secret__c = 'x'",
        "SELECT Id FROM Contact ORDER BY Secret__c",
    ] {
        let e = query(q, &schema, &data).unwrap_err();
        assert_eq!(e.error_code, INVALID_FIELD);
        assert!(
            e.message
                .contains("No such column 'Secret__c' on entity 'Contact'"),
            "{}",
            e.message
        );
    }
    let e = query("SELECT Account.Industry FROM Contact", &schema, &data).unwrap_err();
    assert!(
        e.message
            .contains("No such column 'Industry' on entity 'Account'"),
        "{}",
        e.message
    );
    assert_eq!(
        query(
            "SELECT Secret__c FROM Contact LIMIT 1",
            &TestSchema::default(),
            &data
        )
        .unwrap()
        .records[0]["Secret__c"],
        "hidden"
    );
}

#[test]
fn bad_relationships_are_invalid_field() {
    let e = err("SELECT Owner__r.Name FROM Contact");
    assert_eq!(e.error_code, INVALID_FIELD);
    assert!(e.message.ends_with("Didn't understand relationship 'Owner__r' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."));
    let schema = TestSchema {
        no_access: vec!["Account"],
        ..Default::default()
    };
    let e = query("SELECT Account.Name FROM Contact", &schema, &records()).unwrap_err();
    assert!(e
        .message
        .contains("Didn't understand relationship 'Account'"));
}

#[test]
fn textarea_cannot_be_filtered_or_sorted() {
    let e = err("SELECT Id FROM Task WHERE Description = 'memo'");
    assert_eq!(e.error_code, INVALID_FIELD);
    assert!(
        e.message
            .ends_with("field 'Description' can not be filtered in query call"),
        "{}",
        e.message
    );
    assert!(e.message.contains("ERROR at Row:1:Column:27"));
    let e = err("SELECT Id FROM Task ORDER BY description");
    assert!(e
        .message
        .ends_with("field 'Description' can not be sorted in a query call"));
    assert_eq!(
        ok("SELECT Description FROM Task WHERE Subject = 'Call'")[0]["Description"],
        "memo"
    );
}

#[test]
fn literals_must_fit_the_field_type() {
    let cases = [
        ("SELECT Id FROM Account WHERE Name = 5", "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes"),
        ("SELECT Id FROM Account WHERE NumberOfEmployees = '5'", "value of filter criterion for field 'NumberOfEmployees' must be of type integer and should not be enclosed in quotes"),
        ("SELECT Id FROM Contact WHERE DoNotCall = 'true'", "value of filter criterion for field 'DoNotCall' must be of type boolean and should not be enclosed in quotes"),
        ("SELECT Id FROM Account WHERE CreatedDate > 2026-11-26", "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes"),
        ("SELECT Id FROM Contact WHERE Birthdate IN ('1980-05-01')", "value of filter criterion for field 'Birthdate' must be of type date and should not be enclosed in quotes"),
    ];
    for (q, detail) in cases {
        let e = err(q);
        assert_eq!(e.error_code, INVALID_FIELD, "{q}");
        assert!(e.message.ends_with(detail), "{q}: {}", e.message);
    }
    let e = err("SELECT Id FROM Contact WHERE AccountId = 'abc'");
    assert_eq!(e.error_code, INVALID_QUERY_FILTER_OPERATOR);
    assert!(e.message.ends_with("invalid ID field: abc"));
}

#[test]
fn where_operators_filter_records() {
    assert_eq!(
        ids(&ok("SELECT Id FROM Account WHERE NumberOfEmployees > 10")),
        vec![ACME]
    );
    assert_eq!(
        ids(&ok(
            "SELECT Id FROM Account WHERE NumberOfEmployees >= 10 AND NumberOfEmployees <= 10"
        )),
        vec![GLOBEX]
    );
    assert_eq!(
        ids(&ok("SELECT Id FROM Account WHERE NumberOfEmployees < 50")),
        vec![GLOBEX]
    );
    assert_eq!(
        ids(&ok("SELECT Id FROM Account WHERE NumberOfEmployees = null")).len(),
        1
    );
    assert_eq!(
        ok("SELECT Id FROM Account WHERE NumberOfEmployees != null").len(),
        2
    );
    assert_eq!(
        ok("SELECT Id FROM Account WHERE Name <> 'Initech'").len(),
        2
    );
    assert_eq!(
        ids(&ok("SELECT Id FROM Contact WHERE Name LIKE '山田%'")),
        vec![YAMADA]
    );
    assert_eq!(
        ids(&ok(
            "SELECT Id FROM Contact WHERE Id IN ('0035g00000Yama1', '0035g00000Suzk1AAA')"
        )),
        vec![YAMADA, SUZUKI]
    );
    assert_eq!(
        ok("SELECT Id FROM Contact WHERE Id NOT IN ('0035g00000Yama1')").len(),
        4
    );
    assert_eq!(
        ok("SELECT Id FROM Contact WHERE NOT (DoNotCall = false)").len(),
        1
    );
    assert_eq!(ids(&ok("SELECT Id FROM Contact WHERE DoNotCall = false AND (AccountId = null OR Account.Name = 'Globex Corporation')")).len(), 2);
    assert_eq!(
        ids(&ok(
            "SELECT Id FROM Contact WHERE Account.Name = 'globex corporation'"
        )),
        vec![SUZUKI]
    );
    assert_eq!(
        ids(&ok("SELECT Id FROM Contact WHERE Birthdate < 2000-01-01")),
        vec![YAMADA]
    );
    // 2026-11-26T09:00:00+09:00 is midnight UTC: only Initech (noon UTC) is strictly later.
    assert_eq!(
        ids(&ok(
            "SELECT Id FROM Account WHERE CreatedDate > 2026-11-26T09:00:00+09:00"
        ))
        .len(),
        1
    );
    assert_eq!(
        ok("SELECT Id FROM Account WHERE CreatedDate >= 2026-11-26T00:00:00Z").len(),
        2
    );
    assert_eq!(
        ok("SELECT Id FROM Account WHERE AnnualRevenue > 999999.5").len(),
        1
    );
}

#[test]
fn order_by_limit_offset() {
    let names = |rows: Vec<Value>| {
        rows.iter()
            .map(|r| r["Name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(ok("SELECT Name FROM Account ORDER BY Name")),
        vec!["Globex Corporation", "Initech", "株式会社アクメ"]
    );
    assert_eq!(
        names(ok("SELECT Name FROM Account ORDER BY Name DESC LIMIT 1")),
        vec!["株式会社アクメ"]
    );
    assert_eq!(
        names(ok("SELECT Name FROM Account ORDER BY NumberOfEmployees")),
        vec!["Initech", "Globex Corporation", "株式会社アクメ"]
    );
    assert_eq!(
        names(ok(
            "SELECT Name FROM Account ORDER BY NumberOfEmployees NULLS LAST"
        )),
        vec!["Globex Corporation", "株式会社アクメ", "Initech"]
    );
    assert_eq!(
        names(ok(
            "SELECT Name FROM Account ORDER BY NumberOfEmployees DESC"
        )),
        vec!["株式会社アクメ", "Globex Corporation", "Initech"]
    );
    assert_eq!(
        names(ok(
            "SELECT Name FROM Account ORDER BY NumberOfEmployees DESC NULLS FIRST LIMIT 2 OFFSET 1"
        )),
        vec!["株式会社アクメ", "Globex Corporation"]
    );
    assert_eq!(
        ok("SELECT Id FROM Contact ORDER BY DoNotCall DESC, Name ASC")[0]["Id"],
        SUZUKI
    );
    let e = err("SELECT Id FROM Account OFFSET 2001");
    assert_eq!(e.error_code, NUMBER_OUTSIDE_VALID_RANGE);
    assert!(e.message.ends_with("Maximum SOQL offset allowed is 2000"));
}

#[test]
fn count_returns_only_the_size() {
    let r = run("SELECT COUNT() FROM Contact WHERE AccountId != null").unwrap();
    assert_eq!((r.total_size, r.records.len()), (3, 0));
    let (page, _) = first_batch(r, DEFAULT_BATCH_SIZE, 1);
    assert_eq!(
        page.to_json(),
        json!({"totalSize": 3, "done": true, "records": []})
    );
}

#[test]
fn parent_fields_are_nested_or_null() {
    let rows = ok("SELECT Id, Name, Account.Name, Account.Phone, Account.Owner.Name FROM Contact WHERE Id IN ('0035g00000Yama1AAA', '0035g00000Obrn1AAA') ORDER BY Name");
    assert_eq!(rows[0]["Account"], Value::Null);
    assert_eq!(
        rows[1]["Account"],
        json!({
            "attributes": {"type": "Account", "url": format!("/services/data/v51.0/sobjects/Account/{ACME}")},
            "Name": "株式会社アクメ", "Phone": "03-1234-5678",
            "Owner": {"attributes": {"type": "User", "url": format!("/services/data/v51.0/sobjects/User/{USER}")}, "Name": "佐藤 花子"},
        })
    );
}

#[test]
fn polymorphic_parents_report_type_name() {
    let rows = ok("SELECT Subject, Who.Name, Who.Phone FROM Task ORDER BY Subject");
    assert_eq!(
        rows[0]["Who"]["attributes"],
        json!({"type": "Name", "url": format!("/services/data/v51.0/sobjects/Contact/{YAMADA}")})
    );
    assert_eq!(rows[0]["Who"]["Name"], "山田 太郎");
    assert_eq!(
        rows[1]["Who"]["attributes"]["url"],
        format!("/services/data/v51.0/sobjects/Lead/{TANAKA}")
    );
    assert_eq!(rows[2]["Who"], Value::Null);
    assert_eq!(
        ids(&ok("SELECT Id FROM Task WHERE Who.Name = '田中 三郎'")).len(),
        1
    );
    assert_eq!(
        ok("SELECT Owner.Name FROM Lead WHERE Owner.Name != null")[0]["Owner"]["Name"],
        "佐藤 花子"
    );
}

#[test]
fn duplicate_fields_are_rejected() {
    let e = err("SELECT Id, name, Name FROM Account");
    assert_eq!(e.error_code, MALFORMED_QUERY);
    assert!(e.message.ends_with("duplicate field selected: Name"));
}

#[test]
fn paging_spans_batches_of_a_large_result() {
    let many: Vec<Value> = (0..4500)
        .map(|i| json!({"attributes": {"type": "Lead"}, "Id": format!("00Q5g{i:010}AAA"), "Name": format!("Lead {i:04}")}))
        .collect();
    let result = query(
        "SELECT Id, Name FROM Lead ORDER BY Name",
        &TestSchema::default(),
        &many,
    )
    .unwrap();
    let (page, cursor) = first_batch(result, batch_size_from_header(Some("batchSize=1000")), 42);
    assert_eq!(
        (page.total_size, page.records.len(), page.done),
        (4500, 1000, false)
    );
    let mut cursor = cursor.unwrap();
    assert!(page
        .next_records_url
        .unwrap()
        .ends_with(&format!("{}-1000", locator_id(42))));
    let mut seen = page.records.len();
    loop {
        let (page, next) = cursor.next_batch();
        assert_eq!(page.records[0]["Name"], format!("Lead {seen:04}"));
        seen += page.records.len();
        match next {
            Some(c) => cursor = c,
            None => {
                assert!(page.done);
                break;
            }
        }
    }
    assert_eq!(seen, 4500);
}
