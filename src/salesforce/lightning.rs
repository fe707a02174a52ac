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

#[cfg(test)]
mod tests {
    use super::record_in_view;

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
