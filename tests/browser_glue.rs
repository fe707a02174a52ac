//! The content script's glue against a real DOM, in headless Chromium (wasm-bindgen-test).
#![cfg(all(target_arch = "wasm32", feature = "content"))]

use sfphone::glue::content::{scan, BUTTON_ATTRIBUTE, DIAL_ATTRIBUTE};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fixture in its own container: the test runner reports through the page's body.
struct Fixture {
    document: web_sys::Document,
    root: web_sys::Element,
}

impl Fixture {
    fn new(html: &str) -> Fixture {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        root.set_inner_html(html);
        document.body().unwrap().append_child(&root).unwrap();
        Fixture { document, root }
    }

    fn scan(&self) -> u32 {
        scan(&self.document, &self.root)
    }

    fn count(&self, selector: &str) -> u32 {
        self.root.query_selector_all(selector).unwrap().length()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.root.remove();
    }
}

#[wasm_bindgen_test]
fn marks_each_phone_link_once_with_its_dial_string() {
    let page = Fixture::new(
        r#"<lightning-formatted-phone><a href="tel:03-1234-5678">03-1234-5678</a></lightning-formatted-phone>
           <a href="tel:+81%2090-1234-5678">+81 90-1234-5678</a>
           <a href="tel:">empty</a>
           <a href="https://example.com/0312345678">not a phone link</a>"#,
    );
    assert_eq!(page.scan(), 2);
    assert_eq!(page.count(&format!("[{DIAL_ATTRIBUTE}=\"0312345678\"]")), 1);
    assert_eq!(
        page.count(&format!("[{DIAL_ATTRIBUTE}=\"+819012345678\"]")),
        1
    );
    assert_eq!(page.count(&format!("button[{BUTTON_ATTRIBUTE}]")), 2);

    // A second scan (re-render, navigation) never decorates twice.
    assert_eq!(page.scan(), 2);
    assert_eq!(page.count(&format!("button[{BUTTON_ATTRIBUTE}]")), 2);
}

#[wasm_bindgen_test]
fn the_button_follows_its_link_and_is_a_real_button() {
    let page =
        Fixture::new(r#"<span id="cell"><a href="tel:0120-123-456">0120-123-456</a></span>"#);
    page.scan();
    let button = page
        .root
        .query_selector("#cell a + button")
        .unwrap()
        .expect("a button right after the link");
    assert_eq!(button.get_attribute("type").as_deref(), Some("button"));
    assert_eq!(
        button.get_attribute(BUTTON_ATTRIBUTE).as_deref(),
        Some("0120123456")
    );
    assert!(button
        .get_attribute("aria-label")
        .unwrap()
        .contains("0120123456"));
}

#[wasm_bindgen_test]
fn hostile_link_text_stays_text() {
    let page = Fixture::new(
        r#"<a href="tel:03-1234-5678&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">x</a>"#,
    );
    assert_eq!(page.scan(), 1);
    assert_eq!(page.count("img"), 0);
    let button = page.root.query_selector("button").unwrap().unwrap();
    assert_eq!(
        button.get_attribute(BUTTON_ATTRIBUTE).as_deref(),
        Some("0312345678")
    );
}
