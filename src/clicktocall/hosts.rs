//! Which elements may be shadow hosts worth looking into: the selectors both scanners use
//! (the wasm scanner, and the degraded walker in `extension/content.js`).

/// Shadow hosts worth asking `chrome.dom` about (open or closed roots): elements with no light
/// children, a host whose content is all in its shadow root, which `:empty` finds natively.
/// Asking costs ~15 µs an element in a content script, far too much for every element of a
/// list view.
pub const EMPTY_HOSTS: &str = ":empty";

/// Elements with light children, of which only custom elements (a hyphen in the name) are
/// asked for an open root: in native shadow their children are slotted into a shadow root (a
/// card's title, any component with a `<slot>`) whose own fields `:empty` never reached. In
/// synthetic shadow (Lightning's default) every component is such an element and has no root.
/// Asked through `Element.shadowRoot`, a plain DOM getter rather than the extension API: LWC's
/// native roots are open; what Lightning Web Security hides from other namespaces is the page's
/// world, not the content script's. The custom-element test is a loop over the answer, not a
/// selector: excluding the ~110 built-in tags in CSS costs ~150 ms on a 30,000-element list
/// view, where `:not(:empty)` costs ~7 ms. `extension/content.js` walks with the same two
/// selectors (the tests below hold them equal).
pub const SLOTTED_HOSTS: &str = ":not(:empty)";

/// Whether an element of [`SLOTTED_HOSTS`] is asked for its open root.
pub fn is_custom_element(local_name: &str) -> bool {
    local_name.contains('-')
}

#[cfg(test)]
mod tests {
    use super::{is_custom_element, EMPTY_HOSTS, SLOTTED_HOSTS};

    #[test]
    fn the_degraded_walker_uses_the_same_selectors() {
        let loader = include_str!("../../extension/content.js");
        for selector in [EMPTY_HOSTS, SLOTTED_HOSTS] {
            assert!(
                loader.contains(&format!("'{selector}'")),
                "extension/content.js must walk with {selector}"
            );
        }
    }

    #[test]
    fn only_custom_elements_are_asked_for_a_root() {
        for tag in ["lightning-card", "c-slotted-card", "force-record-layout"] {
            assert!(is_custom_element(tag), "{tag}");
        }
        for tag in ["div", "span", "td", "th", "a", "g", "svg"] {
            assert!(!is_custom_element(tag), "{tag}");
        }
    }
}
