//! The scanner: finds phone fields in the document and in every shadow root (open, or closed
//! through `chrome.dom`), keeps one MutationObserver per root in a registry, batches mutations
//! per animation frame, and works in time slices. Found fields wait, in groups, to come near the
//! viewport; only then are they taken (marked) and given a dial button, so a 5,000-row list view
//! costs little more than one `querySelectorAll`: no call crosses into JS per field found.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Document, Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit,
    MutationObserver, MutationObserverInit, MutationRecord, Node, NodeList,
};

use super::affordance::{self, AFFORDANCE_ATTRIBUTE};
use super::dom::{self, query_all, shadow_root_of};
use crate::clicktocall::batch::{Batch, Pending, RootBatch, Slice};
use crate::clicktocall::field::dial_targets;
use crate::clicktocall::field::{
    is_editable_context, FieldKind, FIELD_ATTRIBUTE, FIELD_SELECTOR, NOT_DIALABLE, OPAQUE_HOSTS,
};
use crate::clicktocall::hosts::{is_custom_element, EMPTY_HOSTS, SLOTTED_HOSTS};
use crate::glue::js::JsResultExt;

/// Fields are decorated a little before they scroll into view.
const VIEWPORT_MARGIN: &str = "300px 0px";
/// Fields found together (consecutive in document order) are watched for visibility as one
/// group through its first and last field: observing, or even touching, every field of a list
/// view from wasm costs several times what finding them does. A group is far shorter than the
/// viewport plus its margins, so whenever any of its fields is near the viewport, one of its two
/// ends is too.
const GROUP: u32 = 16;

/// A root we watch: the document or a shadow root, with its observer.
struct ObservedRoot {
    node: Node,
    observer: MutationObserver,
    _callback: Closure<dyn FnMut(js_sys::Array)>,
}

impl Drop for ObservedRoot {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// The dial buttons we placed for a field, one per number it holds, in order.
struct Decoration {
    field: Element,
    hosts: Vec<Element>,
}

impl Decoration {
    fn remove_buttons(&self) {
        for host in &self.hosts {
            host.remove();
        }
    }
}

/// Consecutive fields of one `querySelectorAll` answer (a static list).
struct Group {
    list: NodeList,
    start: u32,
    end: u32,
}

enum Job {
    /// Everything under `node` (a root, or a subtree added to one) that is not taken yet.
    Scan(Node),
    /// Found fields to group, from `next` on.
    Fields(NodeList, u32),
    /// Possible shadow hosts to look into, from `next` on.
    Hosts(NodeList, u32),
    /// Elements with light children, of which custom elements are asked for an open root,
    /// from `next` on.
    Slotted(NodeList, u32),
}

pub struct Scanner {
    document: Document,
    /// The region national numbers are read in (the user's dial plan).
    region: &'static str,
    /// Groups waiting to come near the viewport; a group's two ends map to its index.
    groups: Vec<Option<Group>>,
    group_of_end: js_sys::Map,
    roots: Vec<Option<ObservedRoot>>,
    known_roots: js_sys::WeakSet,
    batch: Batch<Node>,
    queue: VecDeque<Job>,
    decorations: Vec<Decoration>,
    visibility: Option<IntersectionObserver>,
    sheet: Option<web_sys::CssStyleSheet>,
    frame_pending: bool,
    slice_pending: bool,
    /// Fields found since the start (a field found again by a rescan counts again).
    pub found: u32,
    /// Called once, when the first full scan is done, with the number of fields found.
    on_first_idle: Option<Box<dyn FnOnce(u32)>>,
    this: Weak<RefCell<Scanner>>,
    // The closures below are owned here and live as long as the scanner, which lives as long as
    // the page (the content script has no other end). Elements hold the dial listener until
    // they die with the page's content.
    frame_callback: Closure<dyn FnMut()>,
    slice_callback: Closure<dyn FnMut()>,
    visibility_callback: Closure<dyn FnMut(js_sys::Array)>,
    dial_listener: Closure<dyn Fn(web_sys::Event)>,
}

/// The scanner shared with its callbacks.
pub type SharedScanner = Rc<RefCell<Scanner>>;

fn with(this: &Weak<RefCell<Scanner>>, f: impl FnOnce(&mut Scanner)) {
    if let Some(scanner) = this.upgrade() {
        // Callbacks arrive as separate tasks or microtasks, never inside another borrow; if one
        // ever did, skipping it is safe (the next batch or rescan takes what it missed).
        if let Ok(mut scanner) = scanner.try_borrow_mut() {
            f(&mut scanner);
        }
    }
}

impl Scanner {
    /// Starts watching `document` (and every shadow root found in it).
    pub fn start(
        document: &Document,
        region: &'static str,
        on_first_idle: Option<Box<dyn FnOnce(u32)>>,
    ) -> SharedScanner {
        let scanner = Rc::new_cyclic(|this: &Weak<RefCell<Scanner>>| {
            let frame = this.clone();
            let slice = this.clone();
            let visible = this.clone();
            RefCell::new(Scanner {
                document: document.clone(),
                region,
                groups: Vec::new(),
                group_of_end: js_sys::Map::new(),
                roots: Vec::new(),
                known_roots: js_sys::WeakSet::new(),
                batch: Batch::default(),
                queue: VecDeque::new(),
                decorations: Vec::new(),
                visibility: None,
                sheet: style_sheet(),
                frame_pending: false,
                slice_pending: false,
                found: 0,
                on_first_idle,
                this: this.clone(),
                frame_callback: Closure::new(move || with(&frame, Scanner::on_frame)),
                slice_callback: Closure::new(move || {
                    with(&slice, |s| {
                        s.slice_pending = false;
                        s.run_queue();
                    })
                }),
                visibility_callback: Closure::new(move |entries: js_sys::Array| {
                    with(&visible, |s| s.on_visible(entries))
                }),
                dial_listener: Closure::new(affordance::on_dial_click),
            })
        });
        {
            let mut s = scanner.borrow_mut();
            let init = IntersectionObserverInit::new();
            init.set_root_margin(VIEWPORT_MARGIN);
            s.visibility = IntersectionObserver::new_with_options(
                s.visibility_callback.as_ref().unchecked_ref(),
                &init,
            )
            .log_and_continue("observing visibility");
            let root: Node = document.clone().into();
            s.watch(root);
        }
        scanner
    }

    /// Watches a shadow root the scanner cannot find itself (tests create closed roots without
    /// `chrome.dom`; the page never hands us its own).
    pub fn watch_root(&mut self, root: &web_sys::ShadowRoot) {
        self.watch(root.clone().into());
    }

    /// Whether nothing is left to do (for tests: frames and slices have all run).
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.batch.is_empty() && !self.frame_pending && !self.slice_pending
    }

    /// Registers a root: one observer, then a scan of everything already in it.
    fn watch(&mut self, node: Node) {
        if self.known_roots.has(&node) {
            return;
        }
        self.known_roots.add(&node);
        let index = self.roots.len();
        let this = self.this.clone();
        let callback = Closure::new(move |records: js_sys::Array| {
            with(&this, |s| s.on_mutations(index, records))
        });
        let Some(observer) =
            MutationObserver::new(callback.as_ref().unchecked_ref()).log_and_continue("observing")
        else {
            return;
        };
        let init = MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        // A re-render may keep the node and change its number.
        init.set_attribute_filter(&js_sys::Array::of2(&"href".into(), &"value".into()));
        observer
            .observe_with_options(&node, &init)
            .log_and_continue("observing a root");
        self.roots.push(Some(ObservedRoot {
            node: node.clone(),
            observer,
            _callback: callback,
        }));
        self.queue.push_back(Job::Scan(node));
        self.schedule_slice();
    }

    fn on_mutations(&mut self, root: usize, records: js_sys::Array) {
        for record in records.iter() {
            let record: MutationRecord = record.unchecked_into();
            if record.type_() == "attributes" {
                if let Some(field) = record.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                    // Our own mark is not in the filter: this is the page changing a number.
                    if field.has_attribute(FIELD_ATTRIBUTE) {
                        self.forget_field(&field);
                        self.batch.record(root, [field.into()], false);
                    }
                }
                continue;
            }
            let removed = record.removed_nodes().length() > 0;
            if !self.batch.wants_nodes(root) {
                self.batch.record(root, std::iter::empty(), removed);
                continue;
            }
            let added = record.added_nodes();
            let nodes: Vec<Node> = (0..added.length())
                .filter_map(|i| added.item(i))
                .filter(|n| !is_ours(n))
                .collect();
            self.batch.record(root, nodes, removed);
        }
        self.schedule_frame();
    }

    fn schedule_frame(&mut self) {
        if self.frame_pending || self.batch.is_empty() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        self.frame_pending = window
            .request_animation_frame(self.frame_callback.as_ref().unchecked_ref())
            .log_and_continue("waiting for a frame")
            .is_some();
    }

    fn schedule_slice(&mut self) {
        if self.slice_pending {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        self.slice_pending = window
            .set_timeout_with_callback(self.slice_callback.as_ref().unchecked_ref())
            .log_and_continue("scheduling scan work")
            .is_some();
    }

    fn on_frame(&mut self) {
        self.frame_pending = false;
        let mut swept = false;
        for RootBatch {
            root,
            work,
            removed,
        } in self.batch.take()
        {
            if removed && !swept {
                self.sweep();
                swept = true;
            }
            match work {
                Pending::Rescan => {
                    if let Some(Some(observed)) = self.roots.get(root) {
                        self.queue.push_back(Job::Scan(observed.node.clone()));
                    }
                    // Big changes (navigation) leave shadow roots behind: stop watching them.
                    self.prune_roots();
                }
                Pending::Nodes(nodes) => self.queue.extend(nodes.into_iter().map(Job::Scan)),
            }
        }
        self.run_queue();
    }

    /// Works through the queue for one slice; schedules the rest as a new task.
    fn run_queue(&mut self) {
        let started = dom::now();
        let mut slice = Slice::start(started);
        while let Some(job) = self.queue.pop_front() {
            match job {
                Job::Scan(node) => self.scan(&node),
                Job::Fields(list, next) => {
                    if let Some(next) = self.take_fields(&list, next, &mut slice) {
                        self.queue.push_front(Job::Fields(list, next));
                        break;
                    }
                }
                Job::Hosts(list, next) => {
                    if let Some(next) = self.look_into_hosts(&list, next, &mut slice) {
                        self.queue.push_front(Job::Hosts(list, next));
                        break;
                    }
                }
                Job::Slotted(list, next) => {
                    if let Some(next) = self.look_into_slotted(&list, next, &mut slice) {
                        self.queue.push_front(Job::Slotted(list, next));
                        break;
                    }
                }
            }
            if slice.spent(dom::now) {
                break;
            }
        }
        dom::measure("sfphone:scan", started);
        if !self.queue.is_empty() {
            self.schedule_slice();
        } else if let Some(report) = self.on_first_idle.take() {
            report(self.found);
        }
    }

    /// Queues the fields and possible shadow hosts under `node`.
    fn scan(&mut self, node: &Node) {
        if let Some(element) = node.dyn_ref::<Element>() {
            if element.matches(FIELD_SELECTOR).unwrap_or(false) {
                self.take(element);
            }
            if element.matches(EMPTY_HOSTS).unwrap_or(false) {
                self.look_into(element);
            } else if is_custom_element(&element.local_name()) {
                if let Some(root) = element.shadow_root() {
                    self.look_into_root(element, root);
                }
            }
        } else if node.node_type() != Node::DOCUMENT_NODE
            && node.node_type() != Node::DOCUMENT_FRAGMENT_NODE
        {
            return; // text and comments hold no fields: only markup makes a field
        }
        if let Some(fields) = query_all(node, FIELD_SELECTOR) {
            self.queue.push_front(Job::Fields(fields, 0));
        }
        if let Some(hosts) = query_all(node, EMPTY_HOSTS) {
            self.queue.push_back(Job::Hosts(hosts, 0));
        }
        if let Some(hosts) = query_all(node, SLOTTED_HOSTS) {
            self.queue.push_back(Job::Slotted(hosts, 0));
        }
    }

    /// Takes fields from `next` on; returns where to resume when the slice ran out.
    /// Cuts found fields into groups watched through their two ends; returns where to resume
    /// when the slice ran out.
    fn take_fields(&mut self, list: &NodeList, next: u32, slice: &mut Slice) -> Option<u32> {
        let length = list.length();
        let mut start = next;
        while start < length {
            let end = (start + GROUP).min(length);
            self.found += end - start;
            let group = Group {
                list: list.clone(),
                start,
                end,
            };
            self.watch_group(group);
            start = end;
            if slice.spent(dom::now) {
                return (start < length).then_some(start);
            }
        }
        None
    }

    fn watch_group(&mut self, group: Group) {
        let Some(visibility) = &self.visibility else {
            self.decorate_group(&group);
            return;
        };
        let index = JsValue::from(self.groups.len() as u32);
        for end in group_ends(&group) {
            self.group_of_end.set(&end, &index);
            visibility.observe(&end);
        }
        self.groups.push(Some(group));
    }

    fn decorate_group(&mut self, group: &Group) {
        for index in group.start..group.end {
            if let Some(node) = group.list.item(index) {
                // The field selector matches elements only.
                self.decorate(node.unchecked_ref());
            }
        }
    }

    fn look_into_hosts(&mut self, list: &NodeList, next: u32, slice: &mut Slice) -> Option<u32> {
        for index in next..list.length() {
            if let Some(node) = list.item(index) {
                // The selector matches elements only.
                self.look_into(node.unchecked_ref());
            }
            if slice.spent(dom::now) {
                return Some(index + 1);
            }
        }
        None
    }

    /// Asks the custom elements among `list` for open roots, a batch at a time (one call
    /// across the boundary a batch; only the roots found cross back).
    fn look_into_slotted(&mut self, list: &NodeList, next: u32, slice: &mut Slice) -> Option<u32> {
        const BATCH: u32 = 2048;
        let length = list.length();
        let mut start = next;
        while start < length {
            let end = (start + BATCH).min(length);
            for root in dom::open_shadow_roots(list, start, end) {
                self.look_into_root(&root.host(), root);
            }
            start = end;
            if slice.spent(dom::now) {
                return (start < length).then_some(start);
            }
        }
        None
    }

    /// A field added on its own (not inside an added subtree): rare and single, so it is
    /// decided at once rather than watched.
    fn take(&mut self, field: &Element) {
        self.found += 1;
        self.decorate(field);
    }

    fn look_into(&mut self, element: &Element) {
        if let Some(root) = shadow_root_of(element) {
            self.look_into_root(element, root);
        }
    }

    fn look_into_root(&mut self, element: &Element, root: web_sys::ShadowRoot) {
        if self.known_roots.has(&root) || element.has_attribute(AFFORDANCE_ATTRIBUTE) {
            return;
        }
        let tag = element.local_name();
        if OPAQUE_HOSTS.contains(&tag.as_str()) {
            return;
        }
        self.watch(root.into());
    }

    fn on_visible(&mut self, entries: js_sys::Array) {
        let started = dom::now();
        for entry in entries.iter() {
            let entry: IntersectionObserverEntry = entry.unchecked_into();
            if !entry.is_intersecting() {
                continue;
            }
            let end = entry.target();
            let Some(index) = self.group_of_end.get(&end).as_f64() else {
                continue;
            };
            let Some(group) = self.groups.get_mut(index as usize).and_then(Option::take) else {
                continue;
            };
            for end in group_ends(&group) {
                self.group_of_end.delete(&end);
                if let Some(visibility) = &self.visibility {
                    visibility.unobserve(&end);
                }
            }
            self.decorate_group(&group);
        }
        dom::measure("sfphone:decorate", started);
    }

    /// Takes a field near the viewport: the number engine decides and, when it is dialable, the
    /// field gets its button. The mark makes this happen once per field, however often the
    /// field was found.
    fn decorate(&mut self, field: &Element) {
        if !field.is_connected() || field.has_attribute(FIELD_ATTRIBUTE) {
            return;
        }
        let kind = FieldKind::of_tag(&field.local_name());
        let editable = field
            .closest("[contenteditable]")
            .ok()
            .flatten()
            .and_then(|e| e.get_attribute("contenteditable"));
        let inside_opaque = kind == FieldKind::TelLink
            && OPAQUE_HOSTS
                .iter()
                .any(|tag| field.closest(tag).ok().flatten().is_some());
        // A field may hold several numbers (`03-1234-5678 / 090-1111-2222`): each gets its own
        // button, in order; the field itself (a `tel:` link) dials the first.
        let targets = field
            .get_attribute(kind.value_attribute())
            .filter(|_| !is_editable_context(editable.as_deref()) && !inside_opaque)
            .map(|raw| dial_targets(&raw, self.region))
            .unwrap_or_default();
        let Some(first) = targets.first() else {
            let _ = field.set_attribute(FIELD_ATTRIBUTE, NOT_DIALABLE);
            return;
        };
        let listener: &js_sys::Function = self.dial_listener.as_ref().unchecked_ref();
        let mut hosts: Vec<Element> = Vec::with_capacity(targets.len());
        for target in &targets {
            let Some(host) =
                affordance::create(&self.document, self.sheet.as_ref(), target, listener)
            else {
                break;
            };
            let placed = match hosts.last() {
                Some(previous) => previous.after_with_node_1(&host),
                None => field.after_with_node_1(&host),
            };
            if placed.log_and_continue("placing a dial button").is_none() {
                break;
            }
            hosts.push(host);
        }
        if hosts.is_empty() {
            return;
        }
        let _ = field.set_attribute(FIELD_ATTRIBUTE, &first.e164);
        affordance::remember_number(field, &first.dial_key());
        if kind == FieldKind::TelLink {
            // The link itself dials too, instead of handing `tel:` to the OS.
            field
                .add_event_listener_with_callback("click", listener)
                .log_and_continue("listening on a phone link");
        }
        self.decorations.push(Decoration {
            field: field.clone(),
            hosts,
        });
    }

    /// Takes a field back (its number changed): its button goes, the field is found afresh.
    fn forget_field(&mut self, field: &Element) {
        self.decorations.retain(|d| {
            let same = d.field == *field;
            if same {
                d.remove_buttons();
            }
            !same
        });
        if let Some(visibility) = &self.visibility {
            visibility.unobserve(field);
        }
        affordance::forget_number(field);
        let _ = field.remove_attribute(FIELD_ATTRIBUTE);
    }

    /// After removals: a button whose field went away goes too; a field whose button was
    /// removed by a re-render is found afresh.
    fn sweep(&mut self) {
        let mut retake = Vec::new();
        self.decorations.retain(|d| {
            if !d.field.is_connected() {
                d.remove_buttons();
                return false;
            }
            if d.hosts.iter().any(|host| !host.is_connected()) {
                // A re-render took a button: the field is taken afresh, all its buttons anew.
                d.remove_buttons();
                retake.push(d.field.clone());
                return false;
            }
            true
        });
        for field in retake {
            let _ = field.remove_attribute(FIELD_ATTRIBUTE);
            self.decorate(&field);
        }
        // Groups whose fields all went away wait for nothing.
        for slot in self.groups.iter_mut() {
            let gone = slot
                .as_ref()
                .is_some_and(|g| group_ends(g).iter().all(|end| !end.is_connected()));
            if gone {
                if let Some(group) = slot.take() {
                    for end in group_ends(&group) {
                        self.group_of_end.delete(&end);
                        if let Some(visibility) = &self.visibility {
                            visibility.unobserve(&end);
                        }
                    }
                }
            }
        }
    }

    /// Stops watching shadow roots whose host left the document.
    fn prune_roots(&mut self) {
        for slot in self.roots.iter_mut().skip(1) {
            let gone = slot
                .as_ref()
                .and_then(|r| r.node.dyn_ref::<web_sys::ShadowRoot>())
                .is_some_and(|root| !root.host().is_connected());
            if gone {
                if let Some(observed) = slot.take() {
                    self.known_roots.delete(&observed.node);
                }
            }
        }
    }
}

/// The first and last field of a group (one element when the group has one field).
fn group_ends(group: &Group) -> Vec<Element> {
    let mut ends: Vec<Element> = [group.start, group.end - 1]
        .iter()
        .filter_map(|&i| group.list.item(i))
        .map(|n| n.unchecked_into())
        .collect();
    ends.dedup();
    ends
}

impl Drop for Scanner {
    fn drop(&mut self) {
        // Mutation observers go with the registry (`ObservedRoot`); this one is ours alone.
        if let Some(visibility) = &self.visibility {
            visibility.disconnect();
        }
    }
}

/// Our own buttons, which the observers see being added.
fn is_ours(node: &Node) -> bool {
    node.dyn_ref::<Element>()
        .is_some_and(|e| e.has_attribute(AFFORDANCE_ATTRIBUTE))
}

fn style_sheet() -> Option<web_sys::CssStyleSheet> {
    let sheet = web_sys::CssStyleSheet::new().log_and_continue("creating the dial style")?;
    sheet
        .replace_sync(affordance::STYLE)
        .log_and_continue("styling the dial buttons");
    Some(sheet)
}
