//! The demo org's data: a Japanese B2B company with numbers stored the ways people really type
//! them, a few foreign customers, and records with hostile values.

use serde_json::{json, Value};

use crate::access::{Licence, Permissions};
use crate::org::User;

pub const ADMIN_ID: &str = "0055g00000AbCdEAAV";
pub const STARTER_ID: &str = "0055g00000StArTAAV";
pub const NO_API_ID: &str = "0055g00000NoApIAAV";
/// Users the product never logs in as: Tasks' assignees (one active, one inactive, one whose
/// Chatter Free licence cannot own Tasks).
pub const YAMAMOTO_ID: &str = "0055g00000YaMaMAAV";
pub const ITO_ID: &str = "0055g00000ItOrOAAV";
pub const WATANABE_ID: &str = "0055g00000WaTaNAAV";

pub fn users(domain: &str) -> Vec<User> {
    let mut starter = Permissions::full();
    starter.licence = Licence::PlatformStarter;
    let mut no_api = Permissions::full();
    no_api.api_enabled = false;
    vec![
        User {
            id: ADMIN_ID.into(),
            username: format!("sato@{domain}.example"),
            name: "佐藤 花子".into(),
            permissions: Permissions::full(),
            active: true,
            user_type: "Standard",
        },
        User {
            id: STARTER_ID.into(),
            username: format!("suzuki@{domain}.example"),
            name: "鈴木 次郎".into(),
            permissions: starter,
            active: true,
            user_type: "Standard",
        },
        User {
            id: NO_API_ID.into(),
            username: format!("tanaka@{domain}.example"),
            name: "田中 三郎".into(),
            permissions: no_api,
            active: true,
            user_type: "Standard",
        },
        User {
            id: YAMAMOTO_ID.into(),
            username: format!("yamamoto@{domain}.example"),
            name: "山本 五郎".into(),
            permissions: Permissions::full(),
            active: true,
            user_type: "Standard",
        },
        User {
            id: ITO_ID.into(),
            username: format!("ito@{domain}.example"),
            name: "伊藤 六郎".into(),
            permissions: Permissions::full(),
            active: false,
            user_type: "Standard",
        },
        User {
            id: WATANABE_ID.into(),
            username: format!("watanabe@{domain}.example"),
            name: "渡辺 七子".into(),
            permissions: Permissions::full(),
            active: true,
            user_type: "CsnOnly",
        },
    ]
}

fn account(id: &str, name: &str, phone: &str) -> Value {
    json!({"attributes": {"type": "Account"}, "Id": id, "Name": name, "Phone": phone,
           "OwnerId": ADMIN_ID})
}

fn contact(
    id: &str,
    last: &str,
    first: &str,
    phone: Option<&str>,
    mobile: Option<&str>,
    account: Option<&str>,
) -> Value {
    json!({"attributes": {"type": "Contact"}, "Id": id, "LastName": last, "FirstName": first,
           "Phone": phone, "MobilePhone": mobile, "AccountId": account, "OwnerId": ADMIN_ID})
}

fn lead(
    id: &str,
    last: &str,
    first: &str,
    company: &str,
    phone: Option<&str>,
    mobile: Option<&str>,
) -> Value {
    json!({"attributes": {"type": "Lead"}, "Id": id, "LastName": last, "FirstName": first,
           "Company": company, "Phone": phone, "MobilePhone": mobile,
           "Status": "Open - Not Contacted", "OwnerId": ADMIN_ID})
}

/// Record ids are fixed so tests and the demo can link to them.
pub fn records() -> Vec<Value> {
    const ACME: &str = "0015g00000AcMeAAAV";
    const TOKAI: &str = "0015g00000ToKaIAAV";
    const OSAKA: &str = "0015g00000OsAkAAAV";
    const GLOBEX: &str = "0015g00000GlObXAAV";
    const INITECH: &str = "0015g00000InItCAAV";
    let long_name = "長".repeat(5_000);
    vec![
        account(ACME, "株式会社アクメ", "03-1234-5000"),
        account(TOKAI, "東海精機株式会社", "(052)123-4567"),
        account(OSAKA, "大阪ロジスティクス株式会社", "06-6123-4567"),
        account(GLOBEX, "Globex Corporation", "+1 650-253-0000"),
        account(INITECH, "Initech UK Ltd", "+44 20 7946 0958"),
        json!({"attributes": {"type": "Opportunity"}, "Id": "0065g00000OpPoRAAV", "Name": "アクメ 基幹システム更新",
               "AccountId": ACME, "StageName": "Prospecting", "CloseDate": "2026-12-25", "Amount": 12_000_000,
               "OwnerId": ADMIN_ID}),
        json!({"attributes": {"type": "Case"}, "Id": "5005g00000CaSeAAAV", "CaseNumber": "00001001", "Subject": "請求書の再発行",
               "Status": "New", "ContactId": "0035g00000Yam4dAAB", "AccountId": ACME,
               "SuppliedPhone": "03-1234-5678", "OwnerId": ADMIN_ID}),
        contact(
            "0035g00000Yam4dAAB",
            "山田",
            "太郎",
            Some("03-1234-5678"),
            Some("090-1234-5678"),
            Some(ACME),
        ),
        contact(
            "0035g00000Yam4eAAB",
            "<img src=x onerror=alert(1)>",
            "",
            Some("+81 6-1234-5678"),
            None,
            Some(ACME),
        ),
        contact(
            "0035g00000SuZuKAAV",
            "鈴木",
            "一郎",
            Some("0312345679"),
            Some("(090)2345-6789"),
            Some(ACME),
        ),
        contact(
            "0035g00000TaKaHAAV",
            "高橋",
            "美咲",
            Some("052-123-4567 内線 123"),
            None,
            Some(TOKAI),
        ),
        contact(
            "0035g00000TaNaKAAV",
            "田中",
            "健",
            Some("+81 6-6123-4568"),
            Some("080-9876-5432"),
            Some(OSAKA),
        ),
        contact(
            "0035g00000ItOuSAAV",
            "伊藤",
            "さくら",
            Some("０３－９８７６－５４３２"),
            None,
            Some(TOKAI),
        ),
        contact(
            "0035g00000SmItHAAV",
            "Smith",
            "John",
            Some("(650) 253-0001 ext. 12"),
            None,
            Some(GLOBEX),
        ),
        contact(
            "0035g00000BrOwNAAV",
            "Brown",
            "Emma",
            Some("+44 20 7946 0959"),
            Some("+44 7911 123456"),
            Some(INITECH),
        ),
        contact(
            "0035g00000EmOjIAAV",
            "山本 😀",
            "",
            Some("03-5555-0101"),
            None,
            None,
        ),
        contact(
            "0035g00000CoNtRAAV",
            "渡辺\u{7}\u{1b}[31m",
            "",
            Some("03-5555-0102"),
            None,
            None,
        ),
        contact(
            "0035g00000LoNgNAAV",
            &long_name,
            "",
            Some("03-5555-0103"),
            None,
            None,
        ),
        lead(
            "00Q5g00000KoBaYEAV",
            "小林",
            "翔",
            "未来商事株式会社",
            Some("080-1111-2222"),
            None,
        ),
        lead(
            "00Q5g00000NaKaMEAV",
            "中村",
            "愛",
            "さくらソリューションズ",
            Some("050-3333-4444"),
            Some("070-5555-6666"),
        ),
        lead(
            "00Q5g00000DuPlIEAV",
            "山田",
            "花子",
            "山田商店",
            Some("03-1234-5678"),
            None,
        ),
    ]
}
