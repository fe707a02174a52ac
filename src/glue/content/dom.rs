//! The DOM calls the scanner needs beyond web-sys: closed shadow roots, queries on any root,
//! user-timing measures and constructable style sheets.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Node, NodeList, ShadowRoot};

use crate::clicktocall::hosts::is_custom_element;

#[wasm_bindgen]
extern "C" {
    // Asking every custom element of a synthetic-shadow list view for its open root from wasm
    // costs a few µs an element in calls across the boundary; the content script's loader
    // (extension/content.js) does the same loop in JS, where it costs nothing worth measuring,
    // and only the few roots found cross. (Not a wasm-bindgen snippet: the glue's relative
    // import of it resolves to the static extension id, which `use_dynamic_url` refuses.)
    #[wasm_bindgen(catch, js_name = sfphoneOpenShadowRoots)]
    fn open_shadow_roots_in_js(
        list: &NodeList,
        start: u32,
        end: u32,
    ) -> Result<js_sys::Array, JsValue>;
}

/// The open shadow roots of the custom elements `start..end` of `list`, in order. Pages
/// without the loader (the wasm tests) ask each element from here.
pub fn open_shadow_roots(list: &NodeList, start: u32, end: u32) -> Vec<ShadowRoot> {
    match open_shadow_roots_in_js(list, start, end) {
        Ok(roots) => roots.iter().map(JsCast::unchecked_into).collect(),
        Err(_) => (start..end)
            .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
            .filter(|element| is_custom_element(&element.local_name()))
            .filter_map(|element| element.shadow_root())
            .collect(),
    }
}

#[wasm_bindgen]
extern "C" {
    // Only content scripts have it; `catch` so that pages (the wasm-bindgen tests) fall back to
    // `Element.shadowRoot`, which sees open roots only.
    #[wasm_bindgen(js_namespace = ["chrome", "dom"], js_name = openOrClosedShadowRoot, catch)]
    fn open_or_closed_shadow_root(element: &Element) -> Result<JsValue, JsValue>;

    /// A document, a shadow root or an element, called structurally.
    #[wasm_bindgen(js_name = Object)]
    pub type Queryable;
    #[wasm_bindgen(method, js_name = querySelectorAll, catch)]
    fn query_selector_all(this: &Queryable, selectors: &str) -> Result<NodeList, JsValue>;
    /// `setAttribute` with JS strings made once, so a hot loop passes no string across.
    #[wasm_bindgen(method, js_name = setAttribute, catch)]
    pub fn set_attribute_js(
        this: &Queryable,
        name: &JsValue,
        value: &JsValue,
    ) -> Result<(), JsValue>;

    // User Timing entries are shared with the page's own timeline, so benchmarks can read what
    // the scanner spent without a test hook in the product.
    #[wasm_bindgen(js_namespace = performance, js_name = measure, catch)]
    fn performance_measure(name: &str, options: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub fn now() -> f64;
}

/// The shadow root of `element`, closed ones included when the extension API is there.
pub fn shadow_root_of(element: &Element) -> Option<ShadowRoot> {
    match open_or_closed_shadow_root(element) {
        Ok(root) => root.dyn_into::<ShadowRoot>().ok(),
        Err(_) => element.shadow_root(),
    }
}

/// `querySelectorAll` on a document, shadow root or element; an empty answer on failure.
pub fn query_all(root: &Node, selectors: &str) -> Option<NodeList> {
    root.unchecked_ref::<Queryable>()
        .query_selector_all(selectors)
        .ok()
}

/// Records a span of the scanner's main-thread work on the page's performance timeline.
pub fn measure(name: &str, start_ms: f64) {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"start".into(), &start_ms.into());
    let _ = js_sys::Reflect::set(&options, &"end".into(), &now().into());
    let _ = performance_measure(name, &options);
}

/// The nearest element matching `selectors` from `start` outwards, crossing shadow roots.
pub fn closest_across_shadow(start: &Element, selectors: &str) -> Option<Element> {
    let mut element = start.clone();
    loop {
        if let Ok(Some(found)) = element.closest(selectors) {
            return Some(found);
        }
        let root = element.get_root_node().dyn_into::<ShadowRoot>().ok()?;
        element = root.host();
    }
}

/// Adopts one shared style sheet into a shadow root. Constructable sheets are not subject to
/// the page's `style-src`, unlike a `<style>` element.
pub fn adopt_sheet(root: &ShadowRoot, sheet: &web_sys::CssStyleSheet) {
    let sheets = js_sys::Array::of1(sheet);
    let _ = js_sys::Reflect::set(root, &"adoptedStyleSheets".into(), &sheets);
}

/// The most text `rendered_text` gathers: a record name is at most 255 characters, and
/// a hostile cell must not make the walk long.
const RENDERED_TEXT_NODES: u32 = 256;

/// The text an element shows, as the user sees it: through shadow roots (open, or closed
/// through `chrome.dom`) and the light children a `<slot>` renders. `textContent` stops at a
/// shadow host, so a name rendered inside a cell component's native shadow root reads as empty.
pub fn rendered_text(element: &Element) -> String {
    let mut text = String::new();
    let mut budget = RENDERED_TEXT_NODES;
    gather_text(element.as_ref(), &mut text, &mut budget);
    text
}

fn gather_text(node: &Node, text: &mut String, budget: &mut u32) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    if node.node_type() == Node::TEXT_NODE {
        text.push_str(&node.text_content().unwrap_or_default());
        return;
    }
    if let Some(element) = node.dyn_ref::<Element>() {
        // Not shown as text: styles, scripts, and our own dial button's glyph.
        if matches!(
            element.local_name().as_str(),
            "style" | "script" | super::AFFORDANCE_TAG
        ) {
            return;
        }
    }
    let children = if let Some(slot) = node.dyn_ref::<web_sys::HtmlSlotElement>() {
        let options = web_sys::AssignedNodesOptions::new();
        options.set_flatten(true);
        let assigned = slot.assigned_nodes_with_options(&options);
        if assigned.length() > 0 {
            assigned
                .iter()
                .filter_map(|n| n.dyn_into::<Node>().ok())
                .collect()
        } else {
            child_nodes(node) // the slot's fallback content
        }
    } else if let Some(root) = node.dyn_ref::<Element>().and_then(shadow_root_of) {
        child_nodes(root.as_ref())
    } else {
        child_nodes(node)
    };
    for child in children {
        gather_text(&child, text, budget);
    }
}

fn child_nodes(node: &Node) -> Vec<Node> {
    let list = node.child_nodes();
    (0..list.length()).filter_map(|i| list.item(i)).collect()
}
