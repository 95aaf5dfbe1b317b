//! The merged filesystem view, built from tar headers only.
//!
//! Nodes live in one arena of fixed-size records; names are interned into
//! one string buffer; children are found through one hash table of node
//! ids keyed by (parent, name). Removing a path marks its node dead and
//! unlinks it from the table: its descendants become unreachable without
//! being visited. A node is live when it and all its ancestors are.
//! Symlink targets and hardlink sources, which few nodes have, are kept in
//! side maps.

use crate::layer::{Anomaly, ChangeView, Kind, LayerScan};
use hashbrown::HashTable;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use stockade_core::AnomalyKind;

const NONE: u32 = u32::MAX;
const MAX_SYMLINK_HOPS: u32 = 40;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: u32,
    pub parent: u32,
    first_child: u32,
    next_sibling: u32,
    pub layer: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub kind: Kind,
    pub dead: bool,
}

pub(crate) struct Content {
    pub bytes: Arc<[u8]>,
    pub truncated: bool,
}

pub(crate) struct Tree {
    pub nodes: Vec<Node>,
    name_buf: String,
    /// (offset, length) into `name_buf`.
    name_spans: Vec<(u32, u32)>,
    name_ix: HashTable<u32>,
    children: HashTable<u32>,
    hasher: RandomState,
    links: HashMap<u32, Box<str>>,
    /// Hardlinks: node -> the node whose tar entry holds the data.
    data: HashMap<u32, u32>,
    pub content: HashMap<u32, Content>,
    max_nodes: usize,
}

/// The tree is full (node cap or name buffer).
#[derive(Debug)]
pub(crate) struct Full;

impl Tree {
    pub fn new(max_nodes: u64) -> Self {
        let mut t = Tree {
            nodes: Vec::new(),
            name_buf: String::new(),
            name_spans: Vec::new(),
            name_ix: HashTable::new(),
            children: HashTable::new(),
            hasher: RandomState::new(),
            links: HashMap::new(),
            data: HashMap::new(),
            content: HashMap::new(),
            max_nodes: usize::try_from(max_nodes)
                .unwrap_or(usize::MAX)
                .clamp(16, u32::MAX as usize - 1),
        };
        let root_name = t.intern("").unwrap_or(0);
        t.nodes.push(Node {
            name: root_name,
            parent: NONE,
            first_child: NONE,
            next_sibling: NONE,
            layer: 0,
            mode: 0o755,
            uid: 0,
            gid: 0,
            size: 0,
            kind: Kind::Dir,
            dead: false,
        });
        t
    }

    fn name_str(&self, id: u32) -> &str {
        self.name_spans
            .get(id as usize)
            .and_then(|&(o, l)| self.name_buf.get(o as usize..o as usize + l as usize))
            .unwrap_or("")
    }

    fn find_name(&self, s: &str) -> Option<u32> {
        let h = self.hasher.hash_one(s);
        self.name_ix.find(h, |&id| self.name_str(id) == s).copied()
    }

    fn intern(&mut self, s: &str) -> Result<u32, Full> {
        if let Some(id) = self.find_name(s) {
            return Ok(id);
        }
        let off = u32::try_from(self.name_buf.len()).map_err(|_| Full)?;
        let len = u32::try_from(s.len()).map_err(|_| Full)?;
        off.checked_add(len).ok_or(Full)?;
        let id = u32::try_from(self.name_spans.len()).map_err(|_| Full)?;
        self.name_buf.push_str(s);
        self.name_spans.push((off, len));
        let h = self.hasher.hash_one(s);
        let Tree {
            name_ix,
            name_spans,
            name_buf,
            hasher,
            ..
        } = self;
        name_ix.insert_unique(h, id, |&other| {
            let s = name_spans
                .get(other as usize)
                .and_then(|&(o, l)| name_buf.get(o as usize..o as usize + l as usize))
                .unwrap_or("");
            hasher.hash_one(s)
        });
        Ok(id)
    }

    fn child_hash(&self, parent: u32, name: u32) -> u64 {
        self.hasher.hash_one((parent, name))
    }

    fn child_by_id(&self, parent: u32, name: u32) -> Option<u32> {
        let h = self.child_hash(parent, name);
        self.children
            .find(h, |&id| {
                let n = &self.nodes[id as usize];
                n.parent == parent && n.name == name
            })
            .copied()
    }

    fn child(&self, parent: u32, name: &str) -> Option<u32> {
        self.child_by_id(parent, self.find_name(name)?)
    }

    pub fn name(&self, n: u32) -> &str {
        self.nodes
            .get(n as usize)
            .map(|node| self.name_str(node.name))
            .unwrap_or("")
    }

    pub fn link_target(&self, n: u32) -> Option<&str> {
        self.links.get(&n).map(|s| &**s)
    }

    /// The node whose tar entry holds `n`'s data (itself unless a hardlink).
    pub fn data_of(&self, n: u32) -> u32 {
        self.data.get(&n).copied().unwrap_or(n)
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
                let target = self.link_target(next)?;
                cur = self.resolve_from(cur, target, true, hops)?;
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
        let h = self.child_hash(parent, name);
        if let Ok(e) = self.children.find_entry(h, |&id| id == n) {
            e.remove();
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

    fn add_node(&mut self, parent: u32, name: &str, kind: Kind, layer: u32) -> Result<u32, Full> {
        if self.nodes.len() >= self.max_nodes {
            return Err(Full);
        }
        let name_id = self.intern(name)?;
        let id = self.nodes.len() as u32;
        let first = self.nodes[parent as usize].first_child;
        self.nodes.push(Node {
            name: name_id,
            parent,
            first_child: NONE,
            next_sibling: first,
            layer,
            mode: if kind == Kind::Dir { 0o755 } else { 0o644 },
            uid: 0,
            gid: 0,
            size: 0,
            kind,
            dead: false,
        });
        self.nodes[parent as usize].first_child = id;
        let h = self.child_hash(parent, name_id);
        let Tree {
            children,
            nodes,
            hasher,
            ..
        } = self;
        children.insert_unique(h, id, |&other| {
            let key = nodes
                .get(other as usize)
                .map_or((NONE, NONE), |n| (n.parent, n.name));
            hasher.hash_one(key)
        });
        Ok(id)
    }

    /// The directory node for `dir`, creating missing directories (a
    /// non-directory in the way is replaced, as unpacking would).
    fn ensure_dir(&mut self, dir: &str, layer: u32) -> Result<u32, Full> {
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
    /// Anomalies found on the way (hardlinks to nothing) go to `anomalies`.
    ///
    /// `captured` replays the image's captured-content budget (used, cap)
    /// over a layer scanned outside it (a stream's layers are scanned before
    /// it is known which images use them): a capture is kept only when the
    /// budget, charged in layer and tar order, still holds it, as when the
    /// image's layers are scanned one after the other.
    pub fn apply(
        &mut self,
        layer: u32,
        scan: &LayerScan,
        captured: Option<(&AtomicU64, u64)>,
        anomalies: &mut Vec<Anomaly>,
    ) -> Result<(), Full> {
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
        scan.changes.each(|mut ch| {
            if let (Some((used, cap)), Some(charge)) = (captured, ch.capture) {
                let before = used.fetch_add(charge, Ordering::Relaxed);
                if before.saturating_add(charge) > cap {
                    ch.content = None;
                }
            }
            self.apply_change(layer, ch, anomalies)
        })
    }

    fn apply_change(
        &mut self,
        layer: u32,
        ch: ChangeView<'_>,
        anomalies: &mut Vec<Anomaly>,
    ) -> Result<(), Full> {
        let (dir, base) = match ch.path.rsplit_once('/') {
            Some((d, b)) => (d, b),
            None => ("", ch.path),
        };
        // Hardlinks take the target's metadata, link and content.
        let mut kind = ch.kind;
        let (mut mode, mut uid, mut gid, mut size) = (ch.mode, ch.uid, ch.gid, ch.size);
        let mut data_from = None;
        let mut link = None;
        if kind == Kind::Hardlink {
            let target = ch.link.unwrap_or("");
            let t = self
                .resolve(target, false)
                .filter(|&t| !matches!(self.nodes[t as usize].kind, Kind::Dir));
            match t {
                Some(t) => {
                    let tn = &self.nodes[t as usize];
                    kind = tn.kind;
                    (mode, uid, gid, size) = (tn.mode, tn.uid, tn.gid, tn.size);
                    data_from = Some(self.data_of(t));
                    link = self.links.get(&t).cloned();
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
        } else if kind == Kind::Symlink {
            link = ch.link.map(Box::from);
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
        {
            let node = &mut self.nodes[id as usize];
            node.layer = layer;
            node.mode = mode;
            node.uid = uid;
            node.gid = gid;
            node.size = size;
            node.kind = kind;
        }
        match link {
            Some(l) => {
                self.links.insert(id, l);
            }
            None => {
                self.links.remove(&id);
            }
        }
        match data_from {
            Some(src) => {
                self.data.insert(id, src);
            }
            None => {
                self.data.remove(&id);
            }
        }
        if let Some((bytes, truncated)) = ch.content {
            self.content.insert(
                id,
                Content {
                    bytes: bytes.clone(),
                    truncated: *truncated,
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
        } else {
            self.content.remove(&id);
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
            if !node.dead && self.child_by_id(d, node.name) == Some(c) {
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
    use crate::layer::{Changes, EntryExtra};

    enum C {
        F(&'static str),
        D(&'static str),
        S(&'static str, &'static str),
    }

    fn apply(t: &mut Tree, layer: u32, changes: Vec<C>, wh: &[&str], opq: &[&str]) {
        let mut ch = Changes::default();
        for c in changes {
            let (p, k, l) = match c {
                C::F(p) => (p, Kind::File, None),
                C::D(p) => (p, Kind::Dir, None),
                C::S(p, to) => (p, Kind::Symlink, Some(to.to_string())),
            };
            let x = EntryExtra {
                link: l,
                ..EntryExtra::default()
            };
            ch.push(p, k, 0o644, 0, 0, 1, x).unwrap();
        }
        let s = LayerScan {
            changes: ch,
            whiteouts: wh.iter().map(|w| (*w).into()).collect(),
            opaques: opq.iter().map(|w| (*w).into()).collect(),
            ..LayerScan::default()
        };
        t.apply(layer, &s, None, &mut Vec::new()).unwrap();
    }

    #[test]
    fn whiteouts_hide_lower_only() {
        let mut t = Tree::new(1000);
        apply(
            &mut t,
            0,
            vec![C::D("a"), C::F("a/x"), C::F("a/y"), C::F("b")],
            &[],
            &[],
        );
        // Layer 1 whites out a/x and re-adds b in the same layer as a whiteout of b.
        apply(&mut t, 1, vec![C::F("b")], &["a/x", "b"], &[]);
        assert!(t.lookup_literal("a/x").is_none());
        assert!(t.lookup_literal("a/y").is_some());
        assert_eq!(t.nodes[t.lookup_literal("b").unwrap() as usize].layer, 1);
        // Opaque dir: lower children gone, this layer's kept.
        apply(&mut t, 2, vec![C::F("a/z")], &[], &["a"]);
        assert_eq!(t.list_dir("a"), vec!["z".to_string()]);
    }

    #[test]
    fn file_over_dir_replaces_subtree() {
        let mut t = Tree::new(1000);
        apply(&mut t, 0, vec![C::D("d"), C::F("d/secret")], &[], &[]);
        apply(&mut t, 1, vec![C::F("d")], &[], &[]);
        assert!(t.lookup_literal("d/secret").is_none());
        apply(&mut t, 2, vec![C::F("d/again")], &[], &[]);
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
                C::D("etc"),
                C::F("etc/passwd"),
                C::S("lnk", "/etc/passwd"),
                C::S("up", "../../../../etc/passwd"),
                C::S("loop1", "loop2"),
                C::S("loop2", "loop1"),
                C::D("x"),
                C::S("x/rel", "../etc"),
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

    #[test]
    fn node_cap() {
        let mut t = Tree::new(16);
        let mut ch = Changes::default();
        for i in 0..40 {
            ch.push(
                &format!("f{i}"),
                Kind::File,
                0o644,
                0,
                0,
                0,
                EntryExtra::default(),
            )
            .unwrap();
        }
        let s = LayerScan {
            changes: ch,
            ..LayerScan::default()
        };
        assert!(t.apply(0, &s, None, &mut Vec::new()).is_err());
    }
}
