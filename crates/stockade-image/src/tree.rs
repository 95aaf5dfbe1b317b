//! The merged filesystem view, built from tar headers only.
//!
//! Nodes live in one arena; names are interned; children are found through
//! one hash map keyed by (parent, name). Removing a path marks its node dead
//! and unlinks it from the map: its descendants become unreachable without
//! being visited. A node is live when it and all its ancestors are.

use crate::layer::{Anomaly, Change, Kind, LayerScan};
use std::collections::HashMap;
use std::sync::Arc;
use stockade_core::AnomalyKind;

const NONE: u32 = u32::MAX;
const MAX_SYMLINK_HOPS: u32 = 40;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: u32,
    pub parent: u32,
    first_child: u32,
    next_sibling: u32,
    pub kind: Kind,
    pub dead: bool,
    pub layer: u32,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// Symlink target (index into `links`).
    link: u32,
    /// The node whose tar entry holds the data (itself, or a hardlink's target).
    pub data: u32,
}

pub(crate) struct Content {
    pub bytes: Arc<[u8]>,
    pub truncated: bool,
}

pub(crate) struct Tree {
    pub nodes: Vec<Node>,
    names: Vec<Arc<str>>,
    name_ix: HashMap<Arc<str>, u32>,
    children: HashMap<(u32, u32), u32>,
    links: Vec<Box<str>>,
    pub content: HashMap<u32, Content>,
    max_nodes: usize,
}

impl Tree {
    pub fn new(max_nodes: u64) -> Self {
        let mut t = Tree {
            nodes: Vec::new(),
            names: Vec::new(),
            name_ix: HashMap::new(),
            children: HashMap::new(),
            links: Vec::new(),
            content: HashMap::new(),
            max_nodes: usize::try_from(max_nodes).unwrap_or(usize::MAX).max(16),
        };
        let root_name = t.intern("");
        t.nodes.push(Node {
            name: root_name,
            parent: NONE,
            first_child: NONE,
            next_sibling: NONE,
            kind: Kind::Dir,
            dead: false,
            layer: 0,
            mode: 0o755,
            uid: 0,
            gid: 0,
            size: 0,
            link: NONE,
            data: 0,
        });
        t
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.name_ix.get(s) {
            return i;
        }
        let a: Arc<str> = Arc::from(s);
        let i = self.names.len() as u32;
        self.names.push(a.clone());
        self.name_ix.insert(a, i);
        i
    }

    pub fn name(&self, n: u32) -> &str {
        self.nodes
            .get(n as usize)
            .and_then(|node| self.names.get(node.name as usize))
            .map(|s| &**s)
            .unwrap_or("")
    }

    pub fn link_target(&self, n: u32) -> Option<&str> {
        let l = self.nodes.get(n as usize)?.link;
        self.links.get(l as usize).map(|s| &**s)
    }

    fn child(&self, parent: u32, name: &str) -> Option<u32> {
        let id = *self.name_ix.get(name)?;
        self.children.get(&(parent, id)).copied()
    }

    /// The path of a node (no leading `/`).
    pub fn path_of(&self, mut n: u32) -> String {
        let mut parts = Vec::new();
        while n != 0 && n != NONE && parts.len() < 4096 {
            parts.push(self.name(n));
            n = self.nodes[n as usize].parent;
        }
        parts.reverse();
        parts.join("/")
    }

    /// Looks a path up without following symlinks at all.
    pub fn lookup_literal(&self, path: &str) -> Option<u32> {
        let mut cur = 0u32;
        for c in path.split('/').filter(|c| !c.is_empty() && *c != ".") {
            cur = self.child(cur, c)?;
        }
        Some(cur)
    }

    /// Resolves a path inside the image: symlinks in every component are
    /// followed (the last one only when `follow_last`), absolute targets
    /// start at the image root, `..` stops at the root. Never leaves the tree.
    pub fn resolve(&self, path: &str, follow_last: bool) -> Option<u32> {
        let mut hops = 0u32;
        self.resolve_from(0, path, follow_last, &mut hops)
    }

    fn resolve_from(
        &self,
        start: u32,
        path: &str,
        follow_last: bool,
        hops: &mut u32,
    ) -> Option<u32> {
        let mut cur = if path.starts_with('/') { 0 } else { start };
        let comps: Vec<&str> = path
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        for (i, c) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            if *c == ".." {
                let p = self.nodes[cur as usize].parent;
                cur = if p == NONE { 0 } else { p };
                continue;
            }
            let next = self.child(cur, c)?;
            let node = &self.nodes[next as usize];
            if node.kind == Kind::Symlink && (!last || follow_last) {
                *hops += 1;
                if *hops > MAX_SYMLINK_HOPS {
                    return None;
                }
                let target = self.link_target(next)?.to_string();
                cur = self.resolve_from(cur, &target, true, hops)?;
            } else {
                if !last && node.kind != Kind::Dir {
                    return None;
                }
                cur = next;
            }
        }
        Some(cur)
    }

    fn kill(&mut self, n: u32) {
        if n == 0 {
            return;
        }
        let (parent, name) = {
            let node = &mut self.nodes[n as usize];
            node.dead = true;
            (node.parent, node.name)
        };
        if self.children.get(&(parent, name)) == Some(&n) {
            self.children.remove(&(parent, name));
        }
    }

    fn kill_children(&mut self, dir: u32) {
        let mut c = self.nodes[dir as usize].first_child;
        let mut guard = 0usize;
        while c != NONE && guard <= self.nodes.len() {
            let next = self.nodes[c as usize].next_sibling;
            if !self.nodes[c as usize].dead {
                self.kill(c);
            }
            c = next;
            guard += 1;
        }
    }

    fn add_node(&mut self, parent: u32, name: &str, kind: Kind, layer: u32) -> Result<u32, ()> {
        if self.nodes.len() >= self.max_nodes {
            return Err(());
        }
        let name_id = self.intern(name);
        let id = self.nodes.len() as u32;
        let first = self.nodes[parent as usize].first_child;
        self.nodes.push(Node {
            name: name_id,
            parent,
            first_child: NONE,
            next_sibling: first,
            kind,
            dead: false,
            layer,
            mode: if kind == Kind::Dir { 0o755 } else { 0o644 },
            uid: 0,
            gid: 0,
            size: 0,
            link: NONE,
            data: id,
        });
        self.nodes[parent as usize].first_child = id;
        self.children.insert((parent, name_id), id);
        Ok(id)
    }

    /// The directory node for `dir`, creating missing directories (a
    /// non-directory in the way is replaced, as unpacking would).
    fn ensure_dir(&mut self, dir: &str, layer: u32) -> Result<u32, ()> {
        let mut cur = 0u32;
        for c in dir.split('/').filter(|c| !c.is_empty()) {
            cur = match self.child(cur, c) {
                Some(n) if self.nodes[n as usize].kind == Kind::Dir => n,
                Some(n) => {
                    self.kill(n);
                    self.add_node(cur, c, Kind::Dir, layer)?
                }
                None => self.add_node(cur, c, Kind::Dir, layer)?,
            };
        }
        Ok(cur)
    }

    /// Applies one layer: whiteouts and opaque markers first (they only
    /// hide lower layers), then the layer's entries in tar order.
    /// Returns `Err` when the node cap is reached.
    pub fn apply(&mut self, layer: u32, scan: &mut LayerScan) -> Result<(), ()> {
        for d in &scan.opaques {
            if let Some(n) = self.lookup_literal(d)
                && self.nodes[n as usize].kind == Kind::Dir
            {
                self.kill_children(n);
            }
        }
        for w in &scan.whiteouts {
            if let Some(n) = self.lookup_literal(w) {
                self.kill(n);
            }
        }
        let changes = std::mem::take(&mut scan.changes);
        for ch in changes {
            self.apply_change(layer, ch, &mut scan.anomalies)?;
        }
        Ok(())
    }

    fn apply_change(
        &mut self,
        layer: u32,
        ch: Change,
        anomalies: &mut Vec<Anomaly>,
    ) -> Result<(), ()> {
        let (dir, base) = match ch.path.rsplit_once('/') {
            Some((d, b)) => (d, b),
            None => ("", &*ch.path),
        };
        // Hardlinks take the target's metadata and content.
        let mut kind = ch.kind;
        let (mut mode, mut uid, mut gid, mut size) = (ch.mode, ch.uid, ch.gid, ch.size);
        let mut data_from = None;
        let mut link_from = NONE;
        if kind == Kind::Hardlink {
            let target = ch.link.as_deref().unwrap_or("");
            let t = self
                .resolve(target, false)
                .filter(|&t| !matches!(self.nodes[t as usize].kind, Kind::Dir));
            match t {
                Some(t) => {
                    let tn = &self.nodes[t as usize];
                    kind = tn.kind;
                    (mode, uid, gid, size) = (tn.mode, tn.uid, tn.gid, tn.size);
                    data_from = Some(tn.data);
                    link_from = tn.link;
                }
                None => {
                    anomalies.push(Anomaly {
                        path: ch.path.to_string(),
                        kind: AnomalyKind::HardlinkTargetMissing,
                        detail: format!(
                            "hardlink target `{target}` is not in this or a lower layer"
                        ),
                    });
                    return Ok(());
                }
            }
        }
        let parent = self.ensure_dir(dir, layer)?;
        let existing = self.child(parent, base);
        let id = match existing {
            Some(n) if kind == Kind::Dir && self.nodes[n as usize].kind == Kind::Dir => n,
            Some(n) => {
                self.kill(n);
                self.add_node(parent, base, kind, layer)?
            }
            None => self.add_node(parent, base, kind, layer)?,
        };
        let link = match (ch.kind, ch.link) {
            (Kind::Symlink, Some(l)) => {
                self.links.push(l);
                (self.links.len() - 1) as u32
            }
            // A hardlink to a symlink shares its target.
            _ => link_from,
        };
        {
            let node = &mut self.nodes[id as usize];
            node.layer = layer;
            node.mode = mode;
            node.uid = uid;
            node.gid = gid;
            node.size = size;
            node.kind = kind;
            node.link = link;
            node.data = data_from.unwrap_or(id);
        }
        if let Some((bytes, truncated)) = ch.content {
            self.content.insert(
                id,
                Content {
                    bytes: Arc::from(bytes),
                    truncated,
                },
            );
        } else if let Some(src) = data_from
            && let Some(c) = self.content.get(&src)
        {
            let c = Content {
                bytes: c.bytes.clone(),
                truncated: c.truncated,
            };
            self.content.insert(id, c);
        }
        Ok(())
    }

    /// `live[i]` for every node: not dead and every ancestor live.
    pub fn liveness(&self) -> Vec<bool> {
        let mut live = vec![false; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            live[i] = !n.dead
                && (n.parent == NONE || live.get(n.parent as usize).copied().unwrap_or(false));
        }
        live
    }

    /// Content of a regular file at `path` in the final view (symlinks
    /// followed inside the image).
    pub fn file(&self, path: &str) -> Option<(u32, Option<&Content>)> {
        let n = self.resolve(path, true)?;
        if self.nodes[n as usize].kind != Kind::File {
            return None;
        }
        Some((n, self.content.get(&n)))
    }

    /// Live children names of a directory (symlinks followed), sorted.
    pub fn list_dir(&self, path: &str) -> Vec<String> {
        let Some(d) = self.resolve(path, true) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut c = self.nodes[d as usize].first_child;
        let mut guard = 0usize;
        while c != NONE && guard <= self.nodes.len() {
            let node = &self.nodes[c as usize];
            if !node.dead && self.children.get(&(d, node.name)) == Some(&c) {
                out.push(self.name(c).to_string());
            }
            c = node.next_sibling;
            guard += 1;
        }
        out.sort();
        out
    }

    /// Does the final view still hold the file that `layer` wrote at `path`?
    pub fn holds_from_layer(&self, path: &str, layer: u32) -> bool {
        self.lookup_literal(path).is_some_and(|n| {
            self.nodes[n as usize].layer == layer && self.nodes[n as usize].kind != Kind::Dir
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> Change {
        Change {
            path: path.into(),
            kind: Kind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: 1,
            link: None,
            content: None,
        }
    }
    fn dir(path: &str) -> Change {
        Change {
            kind: Kind::Dir,
            mode: 0o755,
            size: 0,
            ..file(path)
        }
    }
    fn sym(path: &str, to: &str) -> Change {
        Change {
            kind: Kind::Symlink,
            link: Some(to.into()),
            ..file(path)
        }
    }

    fn apply(t: &mut Tree, layer: u32, changes: Vec<Change>, wh: &[&str], opq: &[&str]) {
        let mut s = LayerScan {
            changes,
            whiteouts: wh.iter().map(|w| (*w).into()).collect(),
            opaques: opq.iter().map(|w| (*w).into()).collect(),
            ..LayerScan::default()
        };
        t.apply(layer, &mut s).unwrap();
    }

    #[test]
    fn whiteouts_hide_lower_only() {
        let mut t = Tree::new(1000);
        apply(
            &mut t,
            0,
            vec![dir("a"), file("a/x"), file("a/y"), file("b")],
            &[],
            &[],
        );
        // Layer 1 whites out a/x and re-adds b in the same layer as a whiteout of b.
        apply(&mut t, 1, vec![file("b")], &["a/x", "b"], &[]);
        assert!(t.lookup_literal("a/x").is_none());
        assert!(t.lookup_literal("a/y").is_some());
        assert_eq!(t.nodes[t.lookup_literal("b").unwrap() as usize].layer, 1);
        // Opaque dir: lower children gone, this layer's kept.
        apply(&mut t, 2, vec![file("a/z")], &[], &["a"]);
        assert_eq!(t.list_dir("a"), vec!["z".to_string()]);
    }

    #[test]
    fn file_over_dir_replaces_subtree() {
        let mut t = Tree::new(1000);
        apply(&mut t, 0, vec![dir("d"), file("d/secret")], &[], &[]);
        apply(&mut t, 1, vec![file("d")], &[], &[]);
        assert!(t.lookup_literal("d/secret").is_none());
        apply(&mut t, 2, vec![file("d/again")], &[], &[]);
        assert_eq!(
            t.nodes[t.lookup_literal("d").unwrap() as usize].kind,
            Kind::Dir
        );
        let live = t.liveness();
        let live_count = live.iter().filter(|&&l| l).count();
        assert_eq!(live_count, 3); // root, d, d/again
    }

    #[test]
    fn symlinks_stay_inside() {
        let mut t = Tree::new(1000);
        apply(
            &mut t,
            0,
            vec![
                dir("etc"),
                file("etc/passwd"),
                sym("lnk", "/etc/passwd"),
                sym("up", "../../../../etc/passwd"),
                sym("loop1", "loop2"),
                sym("loop2", "loop1"),
                dir("x"),
                sym("x/rel", "../etc"),
            ],
            &[],
            &[],
        );
        let p = t.lookup_literal("etc/passwd");
        assert_eq!(t.resolve("lnk", true), p);
        assert_eq!(t.resolve("up", true), p);
        assert_eq!(t.resolve("x/rel/passwd", true), p);
        assert_eq!(t.resolve("loop1", true), None);
        assert_eq!(t.resolve("lnk", false), t.lookup_literal("lnk"));
    }
}
