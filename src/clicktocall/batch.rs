//! How DOM changes become scanning work: mutation records are gathered per observed root and
//! handled once per animation frame; a batch too big to handle node by node becomes a rescan of
//! its root; long work is cut into slices so no task holds the main thread for long.

/// Added nodes in one root and one frame above which walking them one by one costs more than a
/// rescan (SPA navigation replaces the whole content; a datatable renders all its rows).
pub const RESCAN_AFTER_NODES: usize = 1_000;
/// Work per slice before yielding to the page. Long tasks are those over 50 ms; a slice stays far
/// below so the page's own work in the same task still fits.
pub const SLICE_BUDGET_MS: f64 = 8.0;
/// Reading the clock costs a call into JS: read it once per this many items.
pub const CLOCK_EVERY: u32 = 64;

/// What a root needs at the next frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Pending<N> {
    /// Only these added subtrees are new.
    Nodes(Vec<N>),
    /// Too much changed: scan the whole root again (fields already taken are skipped cheaply).
    Rescan,
}

/// One observed root's share of a batch.
#[derive(Debug, PartialEq, Eq)]
pub struct RootBatch<N> {
    /// The root's index in the glue's registry.
    pub root: usize,
    pub work: Pending<N>,
    /// Nodes were removed: dial buttons whose field went away must go too.
    pub removed: bool,
}

/// Mutations gathered between two frames.
#[derive(Debug)]
pub struct Batch<N> {
    roots: Vec<RootBatch<N>>,
}

impl<N> Default for Batch<N> {
    fn default() -> Self {
        Batch { roots: Vec::new() }
    }
}

impl<N: PartialEq> Batch<N> {
    /// Records one mutation record of `root`: the nodes it added and whether it removed any.
    pub fn record(&mut self, root: usize, added: impl IntoIterator<Item = N>, removed: bool) {
        let index = match self.roots.iter().position(|r| r.root == root) {
            Some(index) => index,
            None => {
                self.roots.push(RootBatch {
                    root,
                    work: Pending::Nodes(Vec::new()),
                    removed: false,
                });
                self.roots.len() - 1
            }
        };
        let entry = &mut self.roots[index];
        entry.removed |= removed;
        if let Pending::Nodes(nodes) = &mut entry.work {
            nodes.extend(added);
            if nodes.len() > RESCAN_AFTER_NODES {
                entry.work = Pending::Rescan;
            }
        }
    }

    /// Whether added nodes of `root` are still worth collecting (not once it is due a rescan).
    pub fn wants_nodes(&self, root: usize) -> bool {
        !self
            .roots
            .iter()
            .any(|r| r.root == root && r.work == Pending::Rescan)
    }

    /// Asks for a rescan of `root` whatever was recorded (a root seen for the first time).
    pub fn rescan(&mut self, root: usize) {
        self.record(root, std::iter::empty(), false);
        if let Some(entry) = self.roots.iter_mut().find(|r| r.root == root) {
            entry.work = Pending::Rescan;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The work of this frame, leaving the batch empty for the next.
    pub fn take(&mut self) -> Vec<RootBatch<N>> {
        std::mem::take(&mut self.roots)
    }
}

/// A time slice: tells a loop when to yield.
#[derive(Debug)]
pub struct Slice {
    started_ms: f64,
    items: u32,
}

impl Slice {
    pub fn start(now_ms: f64) -> Slice {
        Slice {
            started_ms: now_ms,
            items: 0,
        }
    }

    /// Counts one item; `true` when the budget is spent and the loop must yield. The clock is
    /// only read every [`CLOCK_EVERY`] items.
    pub fn spent(&mut self, now_ms: impl FnOnce() -> f64) -> bool {
        self.items += 1;
        self.items % CLOCK_EVERY == 0 && now_ms() - self.started_ms >= SLICE_BUDGET_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_gather_per_root() {
        let mut batch = Batch::default();
        batch.record(0, [1, 2], false);
        batch.record(3, [7], true);
        batch.record(0, [4], false);
        let work = batch.take();
        assert_eq!(
            work,
            vec![
                RootBatch {
                    root: 0,
                    work: Pending::Nodes(vec![1, 2, 4]),
                    removed: false
                },
                RootBatch {
                    root: 3,
                    work: Pending::Nodes(vec![7]),
                    removed: true
                },
            ]
        );
        assert!(batch.is_empty());
    }

    #[test]
    fn a_huge_batch_becomes_a_rescan_and_stops_growing() {
        let mut batch = Batch::default();
        batch.record(0, 0..RESCAN_AFTER_NODES, false);
        assert!(matches!(batch.roots[0].work, Pending::Nodes(_)));
        batch.record(0, [1], false);
        assert_eq!(batch.roots[0].work, Pending::Rescan);
        assert!(!batch.wants_nodes(0) && batch.wants_nodes(1));
        batch.record(0, 0..1_000_000, true);
        assert_eq!(batch.roots[0].work, Pending::Rescan);
        assert!(batch.roots[0].removed);
        let mut fresh: Batch<u32> = Batch::default();
        fresh.rescan(2);
        assert_eq!(fresh.take()[0].work, Pending::Rescan);
    }

    #[test]
    fn a_slice_yields_after_its_budget_reading_the_clock_rarely() {
        let mut slice = Slice::start(0.0);
        let mut reads = 0;
        let mut yielded_at = None;
        for i in 1..=10_000u32 {
            let now = f64::from(i) * 0.01; // 10 µs per item
            if slice.spent(|| {
                reads += 1;
                now
            }) {
                yielded_at = Some(i);
                break;
            }
        }
        let at = yielded_at.unwrap();
        assert!((800..=864).contains(&at), "{at}");
        assert_eq!(reads, at / CLOCK_EVERY);
    }
}
