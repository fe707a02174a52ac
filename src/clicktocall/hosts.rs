//! Which elements may be shadow hosts worth looking into: the one selector both scanners use
//! (the wasm scanner, and the degraded walker in `extension/content.js`).

/// Shadow hosts worth asking `chrome.dom` about. Asking costs ~15 µs an element in a content
/// script, far too much for every element of a list view, so the selector (matched natively)
/// keeps to the elements that can be hosts: those with no light children (a host whose content
/// is all in its shadow root), and custom elements with light children, which are slotted into
/// a shadow root in native shadow (a card's title, any component with a `<slot>`). A built-in
/// element (`div`, `span`, …) with both light children and a shadow root is not asked about:
/// Lightning's components are custom elements. `extension/content.js` walks with the same
/// selector (the test below holds them equal).
pub const HOST_SELECTOR: &str = concat!(
    ":empty,:not(:empty):not(",
    "a,abbr,address,area,article,aside,audio,b,bdi,bdo,blockquote,body,br,button,canvas,",
    "caption,cite,code,col,colgroup,data,datalist,dd,del,details,dfn,dialog,div,dl,dt,em,",
    "embed,fieldset,figcaption,figure,footer,form,h1,h2,h3,h4,h5,h6,head,header,hgroup,hr,",
    "html,i,iframe,img,input,ins,kbd,label,legend,li,link,main,map,mark,menu,meta,meter,nav,",
    "noscript,object,ol,optgroup,option,output,p,picture,pre,progress,q,rp,rt,ruby,s,samp,",
    "script,search,section,select,slot,small,source,span,strong,style,sub,summary,sup,svg,",
    "table,tbody,td,template,textarea,tfoot,th,thead,time,title,tr,track,u,ul,var,video,",
    "wbr,math,sfphone-dial,lightning-click-to-dial,svg *,math *)"
);

#[cfg(test)]
mod tests {
    use super::HOST_SELECTOR;

    #[test]
    fn the_degraded_walker_uses_the_same_selector() {
        let loader = include_str!("../../extension/content.js");
        assert!(
            loader.contains(&format!("'{HOST_SELECTOR}'")),
            "extension/content.js must walk with HOST_SELECTOR: {HOST_SELECTOR}"
        );
    }

    #[test]
    fn custom_elements_and_empty_elements_only() {
        // Built-in names are listed whole, so no custom element (its name has a hyphen) is
        // excluded by accident, and our own two opaque tags are.
        let excluded: Vec<&str> = HOST_SELECTOR
            .trim_start_matches(":empty,:not(:empty):not(")
            .trim_end_matches(')')
            .split(',')
            .collect();
        for tag in &excluded {
            assert!(
                !tag.contains('-') || ["sfphone-dial", "lightning-click-to-dial"].contains(tag),
                "{tag}"
            );
        }
        for tag in ["div", "span", "td", "th", "a", "svg *"] {
            assert!(excluded.contains(&tag), "{tag}");
        }
    }
}
