//! The content scanner against a real DOM, in headless Chromium (wasm-bindgen-test): every
//! markup variant and shadow kind, re-renders, removals, what must be left alone, and pages big
//! or strange enough to hang a naive walker.
#![cfg(all(target_arch = "wasm32", feature = "content"))]

use sfphone::glue::content::{
    field_facts, Scanner, SharedScanner, AFFORDANCE_ATTRIBUTE, FIELD_ATTRIBUTE, NOT_DIALABLE,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, ShadowRoot, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

/// A fixture in its own container with its own scanner (which also sees the runner's page, where
/// there are no phone fields).
struct Page {
    document: web_sys::Document,
    root: Element,
    scanner: Option<SharedScanner>,
}

impl Page {
    fn new(html: &str) -> Page {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        root.set_inner_html(html);
        // Beside the body, not in it: the test runner reads its report from the body's text.
        document
            .document_element()
            .unwrap()
            .prepend_with_node_1(&root)
            .unwrap();
        Page {
            document,
            root,
            scanner: None,
        }
    }

    fn start(&mut self) -> &SharedScanner {
        self.scanner
            .insert(Scanner::start(&self.document, "JP", None))
    }

    fn count(&self, selector: &str) -> u32 {
        self.root.query_selector_all(selector).unwrap().length()
    }

    fn buttons(&self) -> u32 {
        self.count(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.scanner.take();
        self.root.remove();
    }
}

async fn frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let window = web_sys::window().unwrap();
        window.request_animation_frame(&resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits (frames, never wall-clock asserts) until `probe` holds; panics after many frames.
async fn eventually(what: &str, probe: impl Fn() -> bool) {
    for _ in 0..600 {
        if probe() {
            return;
        }
        frame().await;
    }
    panic!("never happened: {what}");
}

/// A few more frames: whatever else was going to happen has happened.
async fn settle() {
    for _ in 0..10 {
        frame().await;
    }
}

fn attach(host: &Element, mode: ShadowRootMode, html: &str) -> ShadowRoot {
    let root = host.attach_shadow(&ShadowRootInit::new(mode)).unwrap();
    root.set_inner_html(html);
    root
}

#[wasm_bindgen_test]
async fn every_markup_variant_becomes_dialable_once_with_its_e164_number() {
    let mut page = Page::new(
        r#"<lightning-formatted-phone><a href="tel:03-1234-5678">03-1234-5678</a></lightning-formatted-phone>
           <a href="tel:+81%2090-1234-5678">+81 90-1234-5678</a>
           <lightning-click-to-dial value="0120-123-456"><span>0120-123-456</span></lightning-click-to-dial>
           <lightning-click-to-dial value="03-1111-2222"><a href="tel:03-1111-2222">03-1111-2222</a></lightning-click-to-dial>
           <a href="TEL:06-6123-4567">upper-case scheme</a>
           <a href="tel:">empty</a><a href="tel:12">too short</a>
           <a href="https://example.com/0312345678">not a phone link</a>"#,
    );
    page.start();
    eventually("five buttons", || page.buttons() == 5).await;
    for number in [
        "+81312345678",
        "+819012345678",
        "+81120123456",
        "+81311112222",
        "+81661234567",
    ] {
        assert_eq!(
            page.count(&format!("[{AFFORDANCE_ATTRIBUTE}=\"{number}\"]")),
            1,
            "{number}"
        );
    }
    // The link inside click-to-dial is the same number a second time: not decorated.
    assert_eq!(
        page.count(&format!(
            "lightning-click-to-dial a[{FIELD_ATTRIBUTE}^=\"+\"]"
        )),
        0
    );
    assert_eq!(
        page.count(&format!("[{FIELD_ATTRIBUTE}=\"{NOT_DIALABLE}\"]")),
        3
    );
    assert_eq!(page.count("a[href^=\"https\"][data-sfphone-field]"), 0);
    // Each button sits right after its field.
    let link = page
        .root
        .query_selector("a[href=\"tel:03-1234-5678\"]")
        .unwrap()
        .unwrap();
    let next = link.next_element_sibling().unwrap();
    assert_eq!(
        next.get_attribute(AFFORDANCE_ATTRIBUTE).as_deref(),
        Some("+81312345678")
    );
    settle().await;
    assert_eq!(page.buttons(), 5, "never twice");
}

#[wasm_bindgen_test]
async fn the_button_is_keyboard_focusable_and_a_scripted_click_on_the_link_dials_nothing() {
    let mut page = Page::new(r#"<a id="link" href="tel:0120-123-456">0120-123-456</a>"#);
    page.start();
    eventually("a button", || page.buttons() == 1).await;
    let host: web_sys::HtmlElement = page
        .root
        .query_selector(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
        .unwrap()
        .unwrap()
        .unchecked_into();
    host.focus().unwrap();
    assert!(
        host.matches(":focus").unwrap(),
        "focus lands on the button inside"
    );
    let link = page.root.query_selector("#link").unwrap().unwrap();
    let event = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &{
        let init = web_sys::MouseEventInit::new();
        init.set_bubbles(true);
        init.set_cancelable(true);
        init
    })
    .unwrap();
    // A dispatched event is not the user's click: nothing is dialled, nothing taken over (a
    // real click, which dials instead of following tel:, is the end-to-end tests').
    link.dispatch_event(&event).unwrap();
    assert!(!event.is_trusted());
    assert!(
        !event.default_prevented(),
        "a script's click is not taken as a dial"
    );
}

#[wasm_bindgen_test]
async fn open_shadow_roots_nested_and_added_later_are_scanned() {
    let mut page = Page::new(r#"<records-highlights></records-highlights><p>light</p>"#);
    let outer_host = page
        .root
        .query_selector("records-highlights")
        .unwrap()
        .unwrap();
    let outer = attach(
        &outer_host,
        ShadowRootMode::Open,
        "<lightning-formatted-phone></lightning-formatted-phone>",
    );
    let inner_host = outer
        .query_selector("lightning-formatted-phone")
        .unwrap()
        .unwrap();
    let inner = attach(
        &inner_host,
        ShadowRootMode::Open,
        r#"<a href="tel:03-1234-5678">03-1234-5678</a>"#,
    );
    page.start();
    eventually("a button in the inner root", || {
        inner
            .query_selector(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
            .unwrap()
            .is_some()
    })
    .await;

    // A component rendered after the scan, with its own root.
    let late = page
        .document
        .create_element("lightning-formatted-phone")
        .unwrap();
    attach(
        &late,
        ShadowRootMode::Open,
        r#"<a href="tel:090-1234-5678">090-1234-5678</a>"#,
    );
    outer.append_child(&late).unwrap();
    let late_root = late.shadow_root().unwrap();
    eventually("a button in the late root", || {
        late_root
            .query_selector(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
            .unwrap()
            .is_some()
    })
    .await;
    settle().await;
    assert_eq!(
        inner
            .query_selector_all(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
            .unwrap()
            .length(),
        1
    );
}

#[wasm_bindgen_test]
async fn closed_roots_are_scanned_once_registered() {
    // Page script cannot reach a closed root; the content script gets it from chrome.dom. Here
    // the test keeps the reference and registers it as chrome.dom would hand it over.
    let mut page = Page::new(r#"<lightning-formatted-phone></lightning-formatted-phone>"#);
    let host = page
        .root
        .query_selector("lightning-formatted-phone")
        .unwrap()
        .unwrap();
    let closed = attach(
        &host,
        ShadowRootMode::Closed,
        r#"<a href="tel:03-1234-5678">03-1234-5678</a>"#,
    );
    assert!(host.shadow_root().is_none());
    page.start().borrow_mut().watch_root(&closed);
    eventually("a button in the closed root", || {
        closed
            .query_selector(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
            .unwrap()
            .is_some()
    })
    .await;
    // Registering twice changes nothing.
    page.scanner
        .as_ref()
        .unwrap()
        .borrow_mut()
        .watch_root(&closed);
    settle().await;
    assert_eq!(
        closed
            .query_selector_all(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
            .unwrap()
            .length(),
        1
    );
    // Re-rendered inside the closed root: observed there too.
    closed.set_inner_html(r#"<a href="tel:06-6123-4567">06-6123-4567</a>"#);
    eventually("the new number", || {
        closed
            .query_selector("[data-sfphone-number=\"+81661234567\"]")
            .unwrap()
            .is_some()
    })
    .await;
    assert_eq!(
        closed
            .query_selector_all(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
            .unwrap()
            .length(),
        1
    );
}

#[wasm_bindgen_test]
async fn re_renders_and_removals_leave_exactly_one_button_per_field() {
    let mut page = Page::new(
        r#"<span id="cell"><a href="tel:03-1234-5678">03-1234-5678</a></span>
           <span id="other"><a href="tel:090-1234-5678">090</a></span>"#,
    );
    page.start();
    eventually("two buttons", || page.buttons() == 2).await;

    // The component re-renders: a fresh node for the same number.
    let cell = page.root.query_selector("#cell").unwrap().unwrap();
    cell.set_inner_html(r#"<a href="tel:03-1234-5678">03-1234-5678</a>"#);
    eventually("the cell decorated again", || {
        page.count("#cell [data-sfphone-number]") == 1
    })
    .await;

    // The number changes in place.
    let link = page.root.query_selector("#cell a").unwrap().unwrap();
    link.set_attribute("href", "tel:06-6123-4567").unwrap();
    eventually("the new number", || {
        page.count("#cell [data-sfphone-number=\"+81661234567\"]") == 1
    })
    .await;
    assert_eq!(page.count("#cell [data-sfphone-number]"), 1);

    // The field goes; its button goes with it.
    page.root
        .query_selector("#other a")
        .unwrap()
        .unwrap()
        .remove();
    eventually("the orphan button removed", || {
        page.count("#other [data-sfphone-number]") == 0
    })
    .await;

    // Our button removed by the page while the field stays: the field gets a new one.
    page.root
        .query_selector("#cell [data-sfphone-number]")
        .unwrap()
        .unwrap()
        .remove();
    eventually("the button back", || {
        page.count("#cell [data-sfphone-number]") == 1
    })
    .await;
    settle().await;
    assert_eq!(page.buttons(), 1);
}

#[wasm_bindgen_test]
async fn numbers_in_scripts_styles_text_and_edited_regions_are_left_alone() {
    let mut page = Page::new(
        r#"<script type="text/plain">location = "tel:0312345678"</script>
           <style>/* tel:0312345678 */</style>
           <p>Call 03-1234-5678 any time</p>
           <div contenteditable="true"><a href="tel:03-1234-5678">03-1234-5678</a></div>
           <div contenteditable="false"><a href="tel:090-1234-5678">090-1234-5678</a></div>"#,
    );
    page.start();
    eventually("the read-only link decorated", || page.buttons() == 1).await;
    settle().await;
    assert_eq!(page.buttons(), 1);
    assert_eq!(
        page.count("[contenteditable=\"true\"] [data-sfphone-number]"),
        0
    );
}

#[wasm_bindgen_test]
async fn deep_trees_and_huge_text_do_not_hang_the_scanner() {
    // Fields near the top: dial buttons are built as fields come near the viewport.
    let mut page = Page::new("<div id=\"deep\"></div><p id=\"text\"></p>");
    // A 2.6 MB text node full of numbers: text is never a field, and never walked.
    let text = "03-1234-5678 ".repeat(200_000);
    page.root
        .query_selector("#text")
        .unwrap()
        .unwrap()
        .set_text_content(Some(&text));
    // 10,000 nested elements (500 levels of 20; far deeper trees crash the renderer's layout,
    // not the scanner) with a phone link at the bottom.
    let mut parent = page.root.query_selector("#deep").unwrap().unwrap();
    for _ in 0..500 {
        let mut last = parent.clone();
        for _ in 0..20 {
            last = page.document.create_element("span").unwrap();
            parent.append_child(&last).unwrap();
        }
        parent = last;
    }
    parent.set_inner_html(r#"<a href="tel:03-1234-5678">03</a>"#);
    page.start();
    eventually("the deep link decorated", || page.buttons() == 1).await;
    // The same size arriving after the scan, as one mutation.
    let more = page.document.create_element("div").unwrap();
    let html = "<span><a href=\"tel:090-1234-5678\">090</a></span>".repeat(3_000);
    more.set_inner_html(&html);
    page.root.prepend_with_node_1(&more).unwrap();
    eventually("the first added link decorated", || page.buttons() >= 2).await;
}

#[wasm_bindgen_test]
fn the_row_a_field_sits_in_names_its_record_across_shadow_roots() {
    let page = Page::new(
        r#"<table><tr data-row-key-value="0035g00000Yam4dAAB"><th><a>山田 太郎</a></th><td><lightning-primitive-cell-factory></lightning-primitive-cell-factory></td></tr></table>"#,
    );
    let cell = page
        .root
        .query_selector("lightning-primitive-cell-factory")
        .unwrap()
        .unwrap();
    let root = attach(
        &cell,
        ShadowRootMode::Closed,
        r#"<a href="tel:03-1234-5678">03</a>"#,
    );
    let link = root.query_selector("a").unwrap().unwrap();
    let facts = field_facts(&link);
    assert_eq!(facts.row_key.as_deref(), Some("0035g00000Yam4dAAB"));
    assert_eq!(facts.row_name.as_deref(), Some("山田 太郎"));
    let _ = JsValue::NULL;
}

#[wasm_bindgen_test]
async fn a_custom_element_with_slotted_children_is_looked_into() {
    // A card with a slotted title (native shadow): its host has light children, so `:empty`
    // alone never found its shadow root, nor the phone field rendered there.
    let mut page = Page::new(
        r#"<c-contact-card><span slot="title">山田 太郎</span></c-contact-card><div><span>text</span></div>"#,
    );
    let card = page.root.query_selector("c-contact-card").unwrap().unwrap();
    let root = attach(
        &card,
        ShadowRootMode::Open,
        r#"<h2><slot name="title"></slot></h2><c-detail><p>Phone</p></c-detail>"#,
    );
    // And a second level: a non-empty component inside the first one's root.
    let detail = root.query_selector("c-detail").unwrap().unwrap();
    let inner = attach(
        &detail,
        ShadowRootMode::Open,
        r#"<slot></slot><a href="tel:03-1234-5678">03-1234-5678</a>"#,
    );
    page.start();
    eventually("a button in the slotted host's root", || {
        inner
            .query_selector(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
            .unwrap()
            .is_some()
    })
    .await;
    settle().await;
    assert_eq!(
        inner
            .query_selector_all(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
            .unwrap()
            .length(),
        1,
        "found once"
    );
}

#[wasm_bindgen_test]
fn a_row_name_rendered_in_native_shadow_is_read_as_shown() {
    // lightning-datatable in native shadow: the name cell's text is inside the cell
    // components' roots, and a slot shows the light child; `textContent` reads nothing.
    let page = Page::new(
        r#"<table><tr data-row-key-value="0035g00000Yam4dAAB"><th><lightning-primitive-cell-factory></lightning-primitive-cell-factory></th><td><lightning-formatted-phone></lightning-formatted-phone></td></tr></table>"#,
    );
    let name_cell = page
        .root
        .query_selector("lightning-primitive-cell-factory")
        .unwrap()
        .unwrap();
    let cell_root = attach(
        &name_cell,
        ShadowRootMode::Open,
        r#"<style>a{}</style><lightning-formatted-url><b>太郎</b></lightning-formatted-url>"#,
    );
    let url = cell_root
        .query_selector("lightning-formatted-url")
        .unwrap()
        .unwrap();
    // (Open: the test page has no `chrome.dom` to reach a closed root; the content script does.)
    attach(
        &url,
        ShadowRootMode::Open,
        r#"<a href="/lightning/r/Contact/0035g00000Yam4dAAB/view">山田 <slot></slot></a>"#,
    );
    let phone = page
        .root
        .query_selector("lightning-formatted-phone")
        .unwrap()
        .unwrap();
    let phone_root = attach(
        &phone,
        ShadowRootMode::Open,
        r#"<a href="tel:03-1234-5678">03-1234-5678</a>"#,
    );
    let link = phone_root.query_selector("a").unwrap().unwrap();
    let facts = field_facts(&link);
    assert_eq!(facts.row_key.as_deref(), Some("0035g00000Yam4dAAB"));
    assert_eq!(facts.row_name.as_deref(), Some("山田 太郎"));
}

#[wasm_bindgen_test]
async fn a_field_with_several_numbers_gets_a_button_for_each() {
    let mut page = Page::new(
        r#"<lightning-click-to-dial value="03-1234-5678 / 090-1111-2222"></lightning-click-to-dial>"#,
    );
    page.start();
    eventually("two buttons", || page.buttons() == 2).await;
    settle().await;
    assert_eq!(page.buttons(), 2);
    let numbers: Vec<String> = (0..2)
        .map(|i| {
            page.root
                .query_selector_all(&format!("[{AFFORDANCE_ATTRIBUTE}]"))
                .unwrap()
                .item(i)
                .unwrap()
                .unchecked_into::<Element>()
                .get_attribute(AFFORDANCE_ATTRIBUTE)
                .unwrap()
        })
        .collect();
    assert_eq!(
        numbers,
        ["+81312345678", "+819011112222"],
        "in the field's order"
    );
    let field = page
        .root
        .query_selector("lightning-click-to-dial")
        .unwrap()
        .unwrap();
    assert_eq!(
        field.get_attribute(FIELD_ATTRIBUTE).as_deref(),
        Some("+81312345678")
    );
}
