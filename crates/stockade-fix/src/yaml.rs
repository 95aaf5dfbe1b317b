//! The layout of a YAML file as written: mappings and sequences with
//! their style (block or flow), keys and values with byte offsets,
//! anchors and aliases left unresolved and merge keys (`<<`) kept as
//! entries. The Compose loader gives values; this gives places to edit.

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::{HashMap, HashSet};

/// Deepest nesting read (Compose files nest a handful of levels).
const MAX_DEPTH: usize = 96;

#[derive(Debug, Clone)]
pub(crate) struct YNode {
    /// Where the content starts (after an anchor or tag).
    pub start: usize,
    /// Where the content ends: after a closing quote or bracket, after the
    /// last character of a block scalar, after the last child of a block
    /// collection.
    pub end: usize,
    /// Where the node's properties (`&anchor`, `!tag`) start, or `start`.
    pub prop_start: usize,
    /// Anchor id (0: none).
    pub anchor: usize,
    pub kind: YKind,
}

#[derive(Debug, Clone)]
pub(crate) enum YKind {
    Scalar { text: String, style: ScalarStyle },
    Alias(usize),
    Map { flow: bool, entries: Vec<YEntry> },
    Seq { flow: bool, items: Vec<YNode> },
}

#[derive(Debug, Clone)]
pub(crate) struct YEntry {
    pub key: String,
    pub key_start: usize,
    pub value: YNode,
}

impl YNode {
    pub fn entries(&self) -> Option<&[YEntry]> {
        match &self.kind {
            YKind::Map { entries, .. } => Some(entries),
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&[YNode]> {
        match &self.kind {
            YKind::Seq { items, .. } => Some(items),
            _ => None,
        }
    }

    pub fn entry(&self, key: &str) -> Option<&YEntry> {
        self.entries()?.iter().find(|e| e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&YNode> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn is_flow(&self) -> bool {
        matches!(
            self.kind,
            YKind::Map { flow: true, .. } | YKind::Seq { flow: true, .. }
        )
    }

    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            YKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn style(&self) -> Option<ScalarStyle> {
        match &self.kind {
            YKind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    /// A plain scalar with no text (`key:` with nothing after it).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, YKind::Scalar { text, style: ScalarStyle::Plain }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

/// The first document of a file.
#[derive(Debug)]
pub(crate) struct YDoc {
    pub root: YNode,
    /// Anchor id -> path of child indexes from the root.
    anchors: HashMap<usize, Vec<usize>>,
    /// Anchor ids some alias refers to.
    aliased: HashSet<usize>,
}

impl YDoc {
    /// The node an alias refers to.
    pub fn resolve(&self, id: usize) -> Option<&YNode> {
        let path = self.anchors.get(&id)?;
        let mut n = &self.root;
        for &i in path {
            n = match &n.kind {
                YKind::Map { entries, .. } => &entries.get(i)?.value,
                YKind::Seq { items, .. } => items.get(i)?,
                _ => return None,
            };
        }
        Some(n)
    }

    /// Whether the node carries an anchor that an alias uses.
    pub fn is_shared(&self, n: &YNode) -> bool {
        n.anchor != 0 && self.aliased.contains(&n.anchor)
    }

    /// Follows an alias (once); other nodes are returned as they are.
    pub fn deref<'a>(&'a self, n: &'a YNode) -> Option<&'a YNode> {
        match n.kind {
            YKind::Alias(id) => self.resolve(id),
            _ => Some(n),
        }
    }

    /// Whether any node in `n` (itself included) is an anchor used by an alias.
    pub fn contains_shared(&self, n: &YNode) -> bool {
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            if self.is_shared(x) {
                return true;
            }
            match &x.kind {
                YKind::Map { entries, .. } => stack.extend(entries.iter().map(|e| &e.value)),
                YKind::Seq { items, .. } => stack.extend(items.iter()),
                _ => {}
            }
        }
        false
    }

    /// The mappings a merge key (`<<`) of `map` brings in, nearest first.
    pub fn merge_sources<'a>(&'a self, map: &'a YNode) -> Vec<&'a YNode> {
        let mut out = Vec::new();
        let mut todo = vec![(map, 0usize)];
        while let Some((m, depth)) = todo.pop() {
            if depth > 16 {
                continue;
            }
            let Some(e) = m.entry("<<") else { continue };
            let mut srcs: Vec<&YNode> = Vec::new();
            match &e.value.kind {
                YKind::Seq { items, .. } => {
                    for it in items {
                        if let Some(n) = self.deref(it) {
                            srcs.push(n);
                        }
                    }
                }
                _ => {
                    if let Some(n) = self.deref(&e.value) {
                        srcs.push(n);
                    }
                }
            }
            for s in srcs {
                if s.entries().is_some() {
                    out.push(s);
                    todo.push((s, depth + 1));
                }
            }
        }
        out
    }

    /// The value `key` would have in `map` through merge keys only (not
    /// written in `map` itself).
    pub fn merged_value<'a>(&'a self, map: &'a YNode, key: &str) -> Option<&'a YNode> {
        if map.entry(key).is_some() {
            return None;
        }
        self.merge_sources(map)
            .into_iter()
            .find_map(|m| m.get(key))
            .and_then(|v| self.deref(v))
    }
}

/// Character index -> byte offset.
struct Offsets {
    table: Vec<u32>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            let mut t: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
            t.push(text.len() as u32);
            t
        };
        Offsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, ci: usize) -> usize {
        if self.table.is_empty() {
            ci.min(self.len)
        } else {
            self.table.get(ci).map(|&b| b as usize).unwrap_or(self.len)
        }
    }
}

enum Frame {
    Map {
        node: YNode,
        entries: Vec<YEntry>,
        key: Option<(String, usize)>,
        /// A key that is not a scalar: its value is read and dropped.
        skip_value: bool,
    },
    Seq {
        node: YNode,
        items: Vec<YNode>,
    },
}

/// Skips `&anchor` / `!tag` properties, spaces, line breaks and comments
/// from `pos`; returns where the content starts.
fn skip_properties(text: &str, mut pos: usize) -> usize {
    let b = text.as_bytes();
    loop {
        while pos < b.len() && matches!(b[pos], b' ' | b'\t' | b'\r' | b'\n') {
            pos += 1;
        }
        if pos < b.len() && (b[pos] == b'&' || b[pos] == b'!') {
            while pos < b.len() && !matches!(b[pos], b' ' | b'\t' | b'\r' | b'\n') {
                pos += 1;
            }
            continue;
        }
        if pos < b.len() && b[pos] == b'#' {
            while pos < b.len() && b[pos] != b'\n' {
                pos += 1;
            }
            continue;
        }
        return pos;
    }
}

/// The end of a scalar written from `start` (where the parser's end marker
/// is not exact: quoted scalars, whose marker runs past comments, and
/// block scalars, whose marker includes the trailing blank lines).
fn scalar_end(text: &str, start: usize, marker_end: usize, style: ScalarStyle) -> usize {
    let b = text.as_bytes();
    let quote = match style {
        ScalarStyle::SingleQuoted => b'\'',
        ScalarStyle::DoubleQuoted => b'"',
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let mut e = marker_end.min(b.len());
            while e > start && matches!(b[e - 1], b' ' | b'\t' | b'\r' | b'\n') {
                e -= 1;
            }
            return e;
        }
        _ => return marker_end.min(b.len()).max(start),
    };
    if b.get(start) != Some(&quote) {
        return marker_end.min(b.len()).max(start);
    }
    let mut j = start + 1;
    while j < b.len() {
        if quote == b'"' && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == quote {
            if quote == b'\'' && b.get(j + 1) == Some(&b'\'') {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    marker_end.min(b.len()).max(start)
}

/// Parses the first document of `text`. `None` when the YAML is invalid,
/// empty, or nested deeper than the limit.
pub(crate) fn parse(text: &str) -> Option<YDoc> {
    let off = Offsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<YNode> = None;
    let mut anchors: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut aliased = HashSet::new();
    // Anchors whose path is known only once the node is placed.
    while let Some(item) = parser.next_event() {
        let (ev, sp) = item.ok()?;
        let ms = off.byte(sp.start.index());
        let me = off.byte(sp.end.index());
        let done: Option<YNode> = match ev {
            Event::DocumentEnd => {
                if root.is_some() {
                    break;
                }
                None
            }
            Event::StreamEnd => break,
            Event::Scalar(v, style, anchor, _) => {
                let start = skip_properties(text, ms).min(me.max(ms));
                // A block scalar's marker is at its first content line: its
                // `|`/`>` indicator comes before.
                let start = if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    text[..ms.min(text.len())].rfind(['|', '>']).unwrap_or(ms)
                } else {
                    start
                };
                Some(YNode {
                    start,
                    end: scalar_end(text, start, me, style),
                    prop_start: ms,
                    anchor,
                    kind: YKind::Scalar {
                        text: v.into_owned(),
                        style,
                    },
                })
            }
            Event::Alias(id) => {
                aliased.insert(id);
                Some(YNode {
                    start: ms,
                    end: me.max(ms),
                    prop_start: ms,
                    anchor: 0,
                    kind: YKind::Alias(id),
                })
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                let is_map = matches!(ev, Event::MappingStart(..));
                let start = skip_properties(text, ms);
                let open = if is_map { b'{' } else { b'[' };
                let flow = text.as_bytes().get(start) == Some(&open);
                // An indentless block sequence's marker is at its first
                // item's content: step back to the dash.
                let mut start = start;
                if !is_map && !flow && text.as_bytes().get(start) != Some(&b'-') {
                    let b = text.as_bytes();
                    let mut j = start.min(b.len());
                    while j > 0 && b[j - 1] == b' ' {
                        j -= 1;
                    }
                    if j > 0 && b[j - 1] == b'-' {
                        start = j - 1;
                    }
                }
                let node = YNode {
                    start,
                    end: start,
                    prop_start: ms,
                    anchor,
                    kind: if is_map {
                        YKind::Map {
                            flow,
                            entries: Vec::new(),
                        }
                    } else {
                        YKind::Seq {
                            flow,
                            items: Vec::new(),
                        }
                    },
                };
                stack.push(if is_map {
                    Frame::Map {
                        node,
                        entries: Vec::new(),
                        key: None,
                        skip_value: false,
                    }
                } else {
                    Frame::Seq {
                        node,
                        items: Vec::new(),
                    }
                });
                None
            }
            Event::MappingEnd | Event::SequenceEnd => match stack.pop()? {
                Frame::Map {
                    mut node, entries, ..
                } => {
                    let flow = node.is_flow();
                    node.end = if flow {
                        me.max(node.start)
                    } else {
                        entries.last().map(|e| e.value.end).unwrap_or(node.start)
                    };
                    node.kind = YKind::Map { flow, entries };
                    Some(node)
                }
                Frame::Seq { mut node, items } => {
                    let flow = node.is_flow();
                    node.end = if flow {
                        me.max(node.start)
                    } else {
                        items.last().map(|e| e.end).unwrap_or(node.start)
                    };
                    node.kind = YKind::Seq { flow, items };
                    Some(node)
                }
            },
            _ => None,
        };
        let Some(node) = done else { continue };
        // Place the finished node in its parent, recording anchor paths.
        let anchor = node.anchor;
        let mut path: Vec<usize> = Vec::new();
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                if anchor != 0 {
                    path.push(items.len() - 1);
                }
            }
            Some(Frame::Map {
                entries,
                key,
                skip_value,
                ..
            }) => match key.take() {
                Some((k, key_start)) => {
                    entries.push(YEntry {
                        key: k,
                        key_start,
                        value: node,
                    });
                    if anchor != 0 {
                        path.push(entries.len() - 1);
                    }
                }
                None if *skip_value => *skip_value = false,
                None => match node.kind {
                    YKind::Scalar { text, .. } => *key = Some((text, node.start)),
                    _ => *skip_value = true,
                },
            },
        }
        if anchor != 0 && (!path.is_empty() || stack.is_empty()) {
            // The path of the parent frames: each frame's index in its parent.
            let mut full = parent_path(&stack);
            full.extend(path);
            anchors.insert(anchor, full);
        }
    }
    Some(YDoc {
        root: root?,
        anchors,
        aliased,
    })
}

/// The child indexes leading to the innermost open frame.
fn parent_path(stack: &[Frame]) -> Vec<usize> {
    let mut out = Vec::with_capacity(stack.len());
    for w in stack.windows(2) {
        let idx = match &w[0] {
            Frame::Map { entries, .. } => entries.len(),
            Frame::Seq { items, .. } => items.len(),
        };
        let _ = &w[1];
        out.push(idx);
    }
    out
}

/// How the file lays out nested block collections: how far a block
/// sequence's `-` sits right of its key (0 or 2 in practice), and the
/// indentation step of nested mappings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub seq_offset: usize,
    pub indent: usize,
}

pub(crate) fn layout(doc: &YDoc, text: &str) -> Layout {
    // Votes per offset, in document order; the most common wins, the
    // first seen on a tie.
    let mut seq: Vec<(usize, usize)> = Vec::new();
    let mut ind: Vec<(usize, usize)> = Vec::new();
    fn vote(v: &mut Vec<(usize, usize)>, x: usize) {
        match v.iter_mut().find(|(k, _)| *k == x) {
            Some((_, n)) => *n += 1,
            None => v.push((x, 1)),
        }
    }
    let mut stack = vec![&doc.root];
    let mut seen = 0usize;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > 100_000 {
            break;
        }
        match &n.kind {
            YKind::Map {
                flow: false,
                entries,
            } => {
                for e in entries {
                    let key_col = crate::text::column(text, e.key_start);
                    match &e.value.kind {
                        YKind::Seq { flow: false, items } if !items.is_empty() => {
                            let dash_col = crate::text::column(text, e.value.start);
                            if dash_col >= key_col {
                                vote(&mut seq, dash_col - key_col);
                            }
                        }
                        YKind::Map {
                            flow: false,
                            entries: inner,
                        } => {
                            if let Some(f) = inner.first() {
                                let c = crate::text::column(text, f.key_start);
                                if c > key_col {
                                    vote(&mut ind, c - key_col);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                stack.extend(entries.iter().rev().map(|e| &e.value));
            }
            YKind::Seq { items, .. } => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    let best = |v: &[(usize, usize)], d: usize| {
        let mut best: Option<(usize, usize)> = None;
        for &(k, n) in v {
            if best.is_none_or(|(_, m)| n > m) {
                best = Some((k, n));
            }
        }
        best.map(|b| b.0).unwrap_or(d)
    };
    Layout {
        seq_offset: best(&seq, 2).min(8),
        indent: best(&ind, 2).clamp(1, 8),
    }
}

/// A scalar written so that YAML reads it back as `s` (a string, or the
/// boolean/number it spells): plain when that is unambiguous, else double-quoted.
pub(crate) fn render_scalar(s: &str, flow: bool) -> String {
    let plain_ok = !s.is_empty()
        && !s.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`', ' ',
        ])
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains(['\n', '\r', '\t'])
        && !(flow && s.contains([',', '[', ']', '{', '}', ':']));
    if plain_ok {
        s.to_string()
    } else {
        quote(s, ScalarStyle::DoubleQuoted)
    }
}

/// `s` quoted in `style` (plain stays plain).
pub(crate) fn quote(s: &str, style: ScalarStyle) -> String {
    match style {
        ScalarStyle::SingleQuoted => format!("'{}'", s.replace('\'', "''")),
        ScalarStyle::DoubleQuoted => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "x-common: &common\n  cap_drop: [NET_RAW]\n  security_opt:\n    - seccomp=unconfined\nservices:\n  web:\n    <<: *common\n    image: \"nginx:1\" # pinned\n    ports:\n    - 80:80\n    dns:\n    - 1.1.1.1\n    command: |\n      a\n\n  db: {image: x, ports: ['1:2']}\n";

    #[test]
    fn reads_layout_and_spans() {
        let doc = parse(TEXT).unwrap();
        let web = doc.root.get("services").unwrap().get("web").unwrap();
        let image = web.get("image").unwrap();
        assert_eq!(&TEXT[image.start..image.end], "\"nginx:1\"");
        let cmd = web.get("command").unwrap();
        assert_eq!(&TEXT[cmd.start..cmd.end], "|\n      a");
        assert_eq!(
            &TEXT[web.start..web.end],
            &TEXT[TEXT.find("<<").unwrap()..TEXT.find("      a").unwrap() + 7]
        );
        let db = doc.root.get("services").unwrap().get("db").unwrap();
        assert!(db.is_flow());
        assert_eq!(&TEXT[db.start..db.end], "{image: x, ports: ['1:2']}");
        let p = db.get("ports").unwrap();
        assert!(p.is_flow());
        assert_eq!(
            &TEXT[p.items().unwrap()[0].start..p.items().unwrap()[0].end],
            "'1:2'"
        );
    }

    #[test]
    fn resolves_merge_keys_and_anchors() {
        let doc = parse(TEXT).unwrap();
        let common = doc.root.get("x-common").unwrap();
        assert!(doc.is_shared(common));
        let web = doc.root.get("services").unwrap().get("web").unwrap();
        assert!(!doc.is_shared(web));
        let caps = doc.merged_value(web, "cap_drop").unwrap();
        assert_eq!(caps.items().unwrap()[0].scalar(), Some("NET_RAW"));
        assert!(doc.merged_value(web, "image").is_none());
        assert!(doc.merged_value(web, "read_only").is_none());
        assert_eq!(
            layout(&doc, TEXT),
            Layout {
                seq_offset: 0,
                indent: 2
            }
        );
    }

    #[test]
    fn anchors_inside_sequences_and_nested_maps() {
        let t = "a:\n  - &x {k: 1}\n  - b:\n      &y [1]\nc: *x\nd: *y\n";
        let doc = parse(t).unwrap();
        assert_eq!(
            doc.resolve(1).unwrap().get("k").unwrap().scalar(),
            Some("1")
        );
        assert_eq!(doc.resolve(2).unwrap().items().unwrap().len(), 1);
    }

    #[test]
    fn bad_and_deep_input_is_none() {
        assert!(parse("a: [").is_none());
        assert!(parse("").is_none());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).is_none());
    }

    #[test]
    fn renders_scalars() {
        assert_eq!(
            render_scalar("no-new-privileges:true", false),
            "no-new-privileges:true"
        );
        assert_eq!(
            render_scalar("no-new-privileges:true", true),
            "\"no-new-privileges:true\""
        );
        assert_eq!(render_scalar("/tmp", true), "/tmp");
        assert_eq!(render_scalar("a: b", false), "\"a: b\"");
        assert_eq!(quote("it's", ScalarStyle::SingleQuoted), "'it''s'");
    }
}
