//! Lightning's markup for the parts the extension reads: components rendered under synthetic
//! shadow (light DOM, LWC's default in Lightning Experience) or native shadow roots, open or
//! closed (Lightning Web Security), as declarative shadow DOM so no script is needed.

use serde::Deserialize;

use crate::page::escape_html;

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ShadowMode {
    #[default]
    Synthetic,
    Open,
    Closed,
    /// The LWC pages' native-shadow bundle (`?ui=lwc&shadow=native`); devorg's own markup
    /// renders it as open roots, which is what native-shadow LWC makes.
    Native,
}

impl ShadowMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ShadowMode::Synthetic => "synthetic",
            ShadowMode::Open => "open",
            ShadowMode::Closed => "closed",
            ShadowMode::Native => "native",
        }
    }
}

/// A custom element whose template renders `inner`.
pub fn component(tag: &str, shadow: ShadowMode, attributes: &str, inner: &str) -> String {
    match shadow {
        ShadowMode::Synthetic => format!("<{tag}{attributes}>{inner}</{tag}>"),
        ShadowMode::Open | ShadowMode::Closed | ShadowMode::Native => format!(
            r#"<{tag}{attributes}><template shadowrootmode="{}">{inner}</template></{tag}>"#,
            if shadow == ShadowMode::Closed {
                "closed"
            } else {
                "open"
            }
        ),
    }
}

/// `lightning-formatted-phone`: an anchor with the raw value in `href` and the value as text.
pub fn formatted_phone(shadow: ShadowMode, value: &str) -> String {
    let anchor = format!(
        r#"<a href="tel:{}">{}</a>"#,
        escape_html(value),
        escape_html(value)
    );
    component("lightning-formatted-phone", shadow, "", &anchor)
}

/// `lightning-click-to-dial` as it renders before a softphone enables it: text, no `tel:` link.
pub fn click_to_dial(shadow: ShadowMode, value: &str) -> String {
    let inner = format!(
        r#"<span class="slds-truncate">{}</span>"#,
        escape_html(value)
    );
    component(
        "lightning-click-to-dial",
        shadow,
        &format!(r#" value="{}""#, escape_html(value)),
        &inner,
    )
}

/// A labelled field of a record layout, the value already rendered.
pub fn layout_item(shadow: ShadowMode, label: &str, value_html: &str) -> String {
    let inner = format!(
        r#"<div class="slds-form-element slds-form-element_readonly"><span class="slds-form-element__label test-id__field-label">{}</span><div class="slds-form-element__control"><span class="test-id__field-value">{value_html}</span></div></div>"#,
        escape_html(label)
    );
    component(
        "records-record-layout-item",
        shadow,
        &format!(r#" field-label="{}""#, escape_html(label)),
        &inner,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadow_modes_wrap_the_same_content() {
        let light = formatted_phone(ShadowMode::Synthetic, "03-1234-5678");
        assert_eq!(
            light,
            r#"<lightning-formatted-phone><a href="tel:03-1234-5678">03-1234-5678</a></lightning-formatted-phone>"#
        );
        let closed = formatted_phone(ShadowMode::Closed, "03-1234-5678");
        assert!(closed.contains(r#"<template shadowrootmode="closed"><a href="tel:03-1234-5678">"#));
    }

    #[test]
    fn values_are_escaped() {
        let html = formatted_phone(ShadowMode::Synthetic, "\"><img src=x>");
        assert!(!html.contains("<img"));
    }
}
