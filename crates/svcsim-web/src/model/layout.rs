//! Where everything sits in the topology picture, in SVG user units.
//!
//! The picture reads top to bottom the way a request travels: Internet
//! clients, cloud load balancers, Service VIPs, then the nodes with their
//! pods. The layout is automatic but *stable*: every pod keeps the slot it
//! was given for as long as it exists, a new pod takes the first free slot
//! on its node, and node boxes only ever grow. A learner watching a rollout
//! sees new pods appear beside the old ones instead of the whole picture
//! reshuffling.
//!
//! The same positions place the SVG shapes and the canvas packets, so a
//! packet always flies between the boxes the learner sees.

use svcsim_core::order::map_of;
use svcsim_core::sim::trace::Place;
use svcsim_core::sim::ClusterView;
use svcsim_core::vecmap::VecMap;

/// Width of the picture (the SVG `viewBox` is `0 0 WIDTH height`).
pub const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 14.0;
const GAP: f64 = 12.0;
pub const POD_W: f64 = 64.0;
pub const POD_H: f64 = 34.0;
const POD_GAP: f64 = 6.0;
/// Height of a node box's header (name, IP, status, NodePorts).
pub const NODE_HEADER: f64 = 50.0;
const NODES_PER_ROW: usize = 5;

/// Row heights and the space each row takes (box plus gap below). Rows
/// with nothing in them (no external clients; no load balancers and no
/// ExternalName) are left out, so a ClusterIP-only scenario starts with
/// its Services at the top.
const TOP: f64 = 12.0;
const EXT_H: f64 = 34.0;
const EXT_ROW: f64 = 52.0;
const LB_H: f64 = 38.0;
const LB_ROW: f64 = 56.0;
const SVC_H: f64 = 40.0;
const SVC_ROW: f64 = 60.0;
/// Width kept free at the right of the Services row for the "outside" box
/// when there is no load-balancer row to hold it.
const OUTSIDE_W: f64 = 70.0;

/// An axis-aligned box.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    #[cfg(test)]
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x && x <= self.x + self.w && y >= self.y && y <= self.y + self.h
    }
}

/// The computed picture. `update` is called with each fresh view.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub height: f64,
    /// External clients by client id.
    pub externals: VecMap<u32, Rect>,
    /// Cloud load balancers by Service id.
    pub lbs: VecMap<u32, Rect>,
    /// Service VIP boxes by Service id.
    pub services: VecMap<u32, Rect>,
    /// Node boxes by node id.
    pub nodes: VecMap<u32, Rect>,
    /// Pod boxes by pod id.
    pub pods: VecMap<u32, Rect>,
    /// Where packets to an address nobody answers for go.
    pub nowhere: Rect,
    /// Per node: pod id in each slot (None = free).
    slots: VecMap<u32, Vec<Option<u32>>>,
    /// Last known box of pods that have left the view, so a packet still
    /// addressed to a just-deleted pod has somewhere to go.
    gone: VecMap<u32, Rect>,
    /// Pod rows per node box; only grows, so node boxes never shrink.
    rows: usize,
}

/// Evenly spread `n` boxes of at most `max_w` across the picture.
fn spread(n: usize, max_w: f64, y: f64, h: f64, right_reserve: f64) -> Vec<Rect> {
    if n == 0 {
        return Vec::new();
    }
    let avail = WIDTH - 2.0 * MARGIN - right_reserve;
    let w = ((avail - GAP * (n as f64 - 1.0)) / n as f64).min(max_w);
    let total = w * n as f64 + GAP * (n as f64 - 1.0);
    let x0 = MARGIN + (avail - total) / 2.0;
    (0..n)
        .map(|i| Rect {
            x: x0 + i as f64 * (w + GAP),
            y,
            w,
            h,
        })
        .collect()
}

impl Layout {
    /// Pods per row inside a node box of width `w`.
    fn cols(w: f64) -> usize {
        (((w - 2.0 * POD_GAP) + POD_GAP) / (POD_W + POD_GAP))
            .floor()
            .max(1.0) as usize
    }

    /// Recompute positions for `view`, keeping existing pods in their slots.
    pub fn update(&mut self, view: &ClusterView) {
        // Top rows.
        let has_lb_row = view
            .services
            .iter()
            .any(|s| s.type_ == "LoadBalancer" || s.type_ == "ExternalName");
        let ext: Vec<u32> = view
            .clients
            .iter()
            .filter(|c| c.external)
            .map(|c| c.id)
            .collect();
        let mut y = TOP;
        self.externals = map_of(
            ext.iter()
                .copied()
                .zip(spread(ext.len(), 170.0, y, EXT_H, 0.0)),
        );
        if !ext.is_empty() {
            y += EXT_ROW;
        }
        let lb_y = y;
        let lbs: Vec<u32> = view
            .services
            .iter()
            .filter(|s| s.type_ == "LoadBalancer")
            .map(|s| s.id)
            .collect();
        self.lbs =
            map_of(
                lbs.iter()
                    .copied()
                    .zip(spread(lbs.len(), 220.0, lb_y, LB_H, OUTSIDE_W + GAP)),
            );
        if has_lb_row {
            y += LB_ROW;
        }
        let svc_y = y;
        let svcs: Vec<u32> = view.services.iter().map(|s| s.id).collect();
        let reserve = if has_lb_row { 0.0 } else { OUTSIDE_W + GAP };
        self.services =
            map_of(
                svcs.iter()
                    .copied()
                    .zip(spread(svcs.len(), 180.0, svc_y, SVC_H, reserve)),
            );
        self.nowhere = Rect {
            x: WIDTH - MARGIN - OUTSIDE_W,
            y: if has_lb_row { lb_y + 4.0 } else { svc_y + 5.0 },
            w: OUTSIDE_W,
            h: 30.0,
        };
        let nodes_y = svc_y + SVC_ROW;

        // Slots: free the slots of pods that left, then place newcomers.
        let live: VecMap<u32, u32> = map_of(view.pods.iter().map(|p| (p.id, p.node)));
        for (node, slots) in self.slots.iter_mut() {
            for s in slots.iter_mut() {
                if let Some(pod) = *s {
                    if live.get(&pod) != Some(node) {
                        if let Some(r) = self.pods.get(&pod) {
                            self.gone.insert(pod, *r);
                        }
                        *s = None;
                    }
                }
            }
        }
        for p in &view.pods {
            let slots = self.slots.entry(p.node).or_default();
            if slots.contains(&Some(p.id)) {
                continue;
            }
            self.gone.remove(&p.id);
            match slots.iter().position(Option::is_none) {
                Some(i) => slots[i] = Some(p.id),
                None => slots.push(Some(p.id)),
            }
        }
        // Keep the ghost list short; only very recent departures matter.
        while self.gone.len() > 256 {
            self.gone.pop_first();
        }

        // Node boxes.
        let n = view.nodes.len().max(1);
        let per_row = n.min(NODES_PER_ROW);
        let avail = WIDTH - 2.0 * MARGIN;
        let node_w = (avail - GAP * (per_row as f64 - 1.0)) / per_row as f64;
        let cols = Self::cols(node_w);
        let most = self.slots.values().map(Vec::len).max().unwrap_or(0);
        self.rows = self.rows.max(most.div_ceil(cols)).max(2);
        let node_h = NODE_HEADER + self.rows as f64 * (POD_H + POD_GAP) + POD_GAP;
        self.nodes.clear();
        self.pods.clear();
        for (i, node) in view.nodes.iter().enumerate() {
            let (row, col) = (i / per_row, i % per_row);
            let r = Rect {
                x: MARGIN + col as f64 * (node_w + GAP),
                y: nodes_y + row as f64 * (node_h + GAP),
                w: node_w,
                h: node_h,
            };
            self.nodes.insert(node.id, r);
            let inner = cols as f64 * (POD_W + POD_GAP) - POD_GAP;
            let x0 = r.x + (node_w - inner) / 2.0;
            if let Some(slots) = self.slots.get(&node.id) {
                for (k, s) in slots.iter().enumerate() {
                    if let Some(pod) = s {
                        let (pr, pc) = (k / cols, k % cols);
                        self.pods.insert(
                            *pod,
                            Rect {
                                x: x0 + pc as f64 * (POD_W + POD_GAP),
                                y: r.y + NODE_HEADER + pr as f64 * (POD_H + POD_GAP),
                                w: POD_W,
                                h: POD_H,
                            },
                        );
                    }
                }
            }
        }
        let node_rows = n.div_ceil(per_row);
        self.height = nodes_y + node_rows as f64 * (node_h + GAP) + MARGIN;
    }

    /// True when `place` has a position of its own (not the fallback), so
    /// the engine knows when a brand-new pod needs a layout pass before
    /// the next snapshot.
    pub fn knows(&self, place: &Place) -> bool {
        match place {
            Place::Pod { pod, .. } => self.pods.contains_key(pod) || self.gone.contains_key(pod),
            _ => true,
        }
    }

    /// The point a packet at `place` is drawn at.
    pub fn anchor(&self, place: &Place) -> (f64, f64) {
        let r = match place {
            Place::External { client, .. } => self.externals.get(client).copied(),
            Place::LoadBalancer { service, .. } => self.lbs.get(service).copied(),
            Place::Node { node, .. } => {
                // A node's network stack: the bottom of its header, where
                // the NodePorts are drawn.
                return self
                    .nodes
                    .get(node)
                    .map(|r| (r.x + r.w / 2.0, r.y + NODE_HEADER - 10.0))
                    .unwrap_or(self.nowhere.center());
            }
            Place::Pod { pod, .. } => self.pods.get(pod).or(self.gone.get(pod)).copied(),
            Place::Nowhere { .. } => Some(self.nowhere),
        };
        r.unwrap_or(self.nowhere).center()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcsim_core::sim::{Command, Sim};
    use svcsim_core::time::SimTime;

    fn sim(name: &str) -> Sim {
        let l = svcsim_manifests::builtin::load(name)
            .expect("builtin exists")
            .expect("builtin loads");
        Sim::new(l.objects, l.scenario).expect("builtin builds")
    }

    #[test]
    fn boxes_do_not_overlap_and_fit() {
        let s = sim("mixed");
        let v = s.view();
        let mut l = Layout::default();
        l.update(&v);
        assert_eq!(l.nodes.len(), v.nodes.len());
        assert_eq!(l.pods.len(), v.pods.len());
        assert_eq!(l.lbs.len(), 1);
        let pods: Vec<Rect> = l.pods.values().copied().collect();
        for (i, a) in pods.iter().enumerate() {
            assert!(a.x >= 0.0 && a.x + a.w <= WIDTH && a.y + a.h <= l.height);
            for b in &pods[i + 1..] {
                let overlap =
                    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
                assert!(!overlap, "{a:?} overlaps {b:?}");
            }
        }
        // Every pod sits inside its node's box.
        for p in &v.pods {
            let (cx, cy) = l.pods[&p.id].center();
            assert!(
                l.nodes[&p.node].contains(cx, cy),
                "{} outside its node",
                p.name
            );
        }
    }

    #[test]
    fn pods_keep_their_slots_when_others_come_and_go() {
        let mut s = sim("clusterip");
        let mut l = Layout::default();
        l.update(&s.view());
        let before: VecMap<u32, Rect> = l.pods.clone();
        let victim = s
            .view()
            .pods
            .iter()
            .find(|p| p.owner.is_some() && !p.is_client)
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .expect("a Deployment pod");
        s.apply(Command::KillPod { pod: victim });
        s.run_until(SimTime::from_secs(60));
        let v = s.view();
        l.update(&v);
        for p in &v.pods {
            if let Some(old) = before.get(&p.id) {
                assert_eq!(l.pods[&p.id], *old, "{} moved", p.name);
            }
        }
        assert!(
            v.pods.iter().any(|p| !before.contains_key(&p.id)),
            "a replacement appeared"
        );
    }
}
