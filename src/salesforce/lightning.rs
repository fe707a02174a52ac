//! What a Lightning Experience URL says about the record in view.

use super::id::RecordId;

/// The record a `/lightning/r/{Object}/{id}/...` page shows.
pub fn record_in_view(path: &str) -> Option<(String, RecordId)> {
    let mut parts = path.trim_start_matches('/').split('/');
    if parts.next()? != "lightning" || parts.next()? != "r" {
        return None;
    }
    let object = parts.next()?;
    let valid_object = !object.is_empty()
        && object.len() <= 80
        && object
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let id = RecordId::parse(parts.next()?).ok()?;
    valid_object.then(|| (object.to_string(), id))
}

/// The Lightning page of a record on `ui_host` (`acme.lightning.force.com`): what
/// `record_in_view` reads back.
pub fn record_url(ui_host: &str, object: &str, id: &RecordId) -> String {
    format!(
        "https://{ui_host}/lightning/r/{object}/{}/view",
        id.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::{record_in_view, record_url};
    use crate::salesforce::id::RecordId;

    #[test]
    fn a_record_url_reads_back_as_its_record() {
        let id = RecordId::parse("0035g00000Yam4d").unwrap();
        let url = record_url("acme.lightning.force.com", "Contact", &id);
        assert_eq!(
            url,
            "https://acme.lightning.force.com/lightning/r/Contact/0035g00000Yam4dAAB/view"
        );
        let path = url
            .strip_prefix("https://acme.lightning.force.com")
            .unwrap();
        assert_eq!(record_in_view(path), Some(("Contact".into(), id)));
    }

    #[test]
    fn reads_object_and_id_from_a_record_page() {
        let (object, id) = record_in_view("/lightning/r/Contact/0035g00000Yam4d/view").unwrap();
        assert_eq!(object, "Contact");
        assert_eq!(id.as_str(), "0035g00000Yam4dAAB");
        assert!(
            record_in_view("/lightning/r/Account/001000000000001AAA/related/Contacts/view")
                .is_some()
        );
    }

    #[test]
    fn other_pages_have_no_record() {
        for path in [
            "/lightning/page/home",
            "/lightning/o/Contact/list",
            "/lightning/r/Contact/notanid/view",
            "/lightning/r/Con<tact/0035g00000Yam4d/view",
            "/",
        ] {
            assert!(record_in_view(path).is_none(), "{path}");
        }
    }
}
