//! The DOM calls the scanner needs beyond web-sys: closed shadow roots, queries on any root,
//! user-timing measures and constructable style sheets.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Node, NodeList, ShadowRoot};

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
