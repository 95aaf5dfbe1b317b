//! YAML loading: saphyr's `MarkedYaml` tree, turned into a small owned tree
//! whose spans are byte offsets into the [`SourceFile`], with YAML merge keys
//! (`<<`) applied.
//!
//! saphyr reports positions in characters; [`Offsets`] converts them. The
//! event stream is driven here (not through `Parser::load`, which recurses
//! once per nesting level) so that nesting depth is bounded before any tree
//! is built, and saphyr's alias budget bounds what aliases may expand to.

use std::collections::{HashMap, HashSet};

use saphyr::{MarkedYaml, ScalarStyle, Tag, YamlData, YamlLoader};
use saphyr_parser::{Event, Marker, Parser, SpannedEventReceiver};
use stockade_core::{FileId, PragmaKind, SourceFile, Span, Suppression, Suppressions};

/// Deepest collection nesting accepted in a file. Compose files nest a
/// handful of levels; this only stops hostile input.
pub(crate) const MAX_NESTING: usize = 96;

/// Compose's own YAML tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeTag {
    None,
    /// `!reset`: remove what earlier files set.
    Reset,
    /// `!override`: replace what earlier files set instead of merging.
    Override,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub span: Span,
    pub tag: NodeTag,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Null,
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub(crate) struct Scalar {
    /// The scalar's text with quoting and escapes resolved.
    pub text: String,
    /// Which interpolation context (environment, directory) applies.
    pub ctx: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Entry {
    /// The whole `key: value` entry.
    pub fn span(&self) -> Span {
        if self.value.span.file == self.key_span.file && self.value.span.end >= self.key_span.start
        {
            Span {
                file: self.key_span.file,
                start: self.key_span.start,
                end: self.value.span.end.max(self.key_span.end),
            }
        } else {
            self.key_span
        }
    }
}

impl Node {
    pub fn null(span: Span) -> Node {
        Node {
            span,
            tag: NodeTag::None,
            kind: Kind::Null,
        }
    }

    pub fn map(span: Span, entries: Vec<Entry>) -> Node {
        Node {
            span,
            tag: NodeTag::None,
            kind: Kind::Map(entries),
        }
    }

    pub fn seq(span: Span, items: Vec<Node>) -> Node {
        Node {
            span,
            tag: NodeTag::None,
            kind: Kind::Seq(items),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Map(e) => Some(e),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Vec<Entry>> {
        match &mut self.kind {
            Kind::Map(e) => Some(e),
            _ => None,
        }
    }

    #[cfg(test)]
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(e) => Some(e),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The entry for `key` in a mapping (entries tagged `!reset` count as absent).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?
            .iter()
            .find(|e| e.key == key && e.value.tag != NodeTag::Reset)
    }

    /// The value for `key` in a mapping (absent, `!reset` and null are `None`).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value).filter(|n| !n.is_null())
    }

    /// Number of nodes in this subtree (for clone budgets).
    pub fn count(&self) -> usize {
        match &self.kind {
            Kind::Null | Kind::Scalar(_) => 1,
            Kind::Seq(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            Kind::Map(entries) => 1 + entries.iter().map(|e| 1 + e.value.count()).sum::<usize>(),
        }
    }

    /// Structural equality, ignoring spans and contexts.
    pub fn same(&self, other: &Node) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Null, Kind::Null) => true,
            (Kind::Scalar(a), Kind::Scalar(b)) => a.text == b.text,
            (Kind::Seq(a), Kind::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Kind::Map(a), Kind::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x.key == y.key && x.value.same(&y.value))
            }
            _ => false,
        }
    }
}

/// Converts saphyr's character positions into byte offsets.
pub(crate) struct Offsets {
    /// Byte offset of every character, plus the text length; empty for ASCII text.
    table: Vec<u32>,
    len: usize,
}

impl Offsets {
    pub fn new(text: &str) -> Offsets {
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

    pub fn byte(&self, char_index: usize) -> usize {
        if self.table.is_empty() {
            char_index.min(self.len)
        } else {
            self.table
                .get(char_index)
                .map(|&b| b as usize)
                .unwrap_or(self.len)
        }
    }

    pub fn marker(&self, m: &Marker) -> usize {
        self.byte(m.index())
    }
}

/// A parsed file: its documents and the suppressions written in it.
pub(crate) struct ParsedFile {
    pub docs: Vec<Node>,
    pub suppressions: Suppressions,
}

/// A YAML error with its position (byte span in the file).
pub(crate) struct YamlError {
    pub span: Span,
    pub message: String,
}

/// Parses one file. `ctx` is stored on every scalar for interpolation.
pub(crate) fn parse(
    file: &SourceFile,
    ctx: u32,
    max_alias_nodes: usize,
) -> Result<ParsedFile, YamlError> {
    let offsets = Offsets::new(&file.text);
    let err_at = |m: &Marker, msg: &str| YamlError {
        span: Span::point(file.id, offsets.marker(m)),
        message: msg.to_string(),
    };

    let mut loader: YamlLoader<MarkedYaml> = YamlLoader::default();
    loader.early_parse(false);
    loader.alias_limit(max_alias_nodes);
    let mut parser = Parser::new_from_str(&file.text);
    let mut depth = 0usize;
    while let Some(item) = parser.next_event() {
        let (ev, span) = item.map_err(|e| err_at(e.marker(), e.info()))?;
        match ev {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(err_at(
                        &span.start,
                        &format!("nesting deeper than {MAX_NESTING} levels"),
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        loader.on_event(ev, span);
        if let Some(e) = loader.error() {
            return Err(err_at(e.marker(), e.info()));
        }
    }

    let mut conv = Conv {
        file,
        offsets: &offsets,
        ctx,
        // Scopes are only needed for suppression comments.
        want_scopes: file.text.contains("stockade:"),
        scopes: HashMap::new(),
        error: None,
    };
    let mut docs = Vec::new();
    for doc in loader.into_documents() {
        let node = conv.node(doc, 0);
        if let Some(e) = conv.error.take() {
            return Err(e);
        }
        docs.push(node);
    }
    let suppressions = scan_suppressions(file, &conv.scopes);
    Ok(ParsedFile { docs, suppressions })
}

struct Conv<'a> {
    file: &'a SourceFile,
    offsets: &'a Offsets,
    ctx: u32,
    want_scopes: bool,
    /// Line index -> span of the outermost entry or item starting on that line.
    scopes: HashMap<u32, Span>,
    error: Option<YamlError>,
}

fn tag_of(tag: Option<&Tag>) -> NodeTag {
    match tag {
        Some(t) if t.handle == "!" && t.suffix == "reset" => NodeTag::Reset,
        Some(t) if t.handle == "!" && t.suffix == "override" => NodeTag::Override,
        _ => NodeTag::None,
    }
}

fn is_core_str(tag: Option<&Tag>) -> bool {
    tag.is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str")
}

pub(crate) fn is_yaml_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

impl Conv<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file.id, start, end.max(start))
    }

    fn fail(&mut self, at: usize, msg: &str) {
        if self.error.is_none() {
            self.error = Some(YamlError {
                span: Span::point(self.file.id, at),
                message: msg.to_string(),
            });
        }
    }

    fn record_scope(&mut self, span: Span) {
        if !self.want_scopes || span.file != self.file.id {
            return;
        }
        let line = self.file.line_index(span.start as usize) as u32;
        self.scopes.entry(line).or_insert(span);
    }

    /// The end of a quoted scalar: saphyr's end marker for quoted scalars
    /// runs to the end of the line (past trailing comments), so find the
    /// closing quote in the text.
    fn quoted_end(&self, start: usize, end: usize, style: ScalarStyle) -> usize {
        let quote = match style {
            ScalarStyle::SingleQuoted => b'\'',
            ScalarStyle::DoubleQuoted => b'"',
            _ => return end,
        };
        let bytes = self.file.text.as_bytes();
        let mut i = start;
        // Skip a tag or anchor property written before the scalar.
        while i < bytes.len() && (bytes[i] == b'!' || bytes[i] == b'&') {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
                i += 1;
            }
        }
        if bytes.get(i) != Some(&quote) {
            return end;
        }
        let mut j = i + 1;
        while j < bytes.len() {
            let b = bytes[j];
            if quote == b'"' && b == b'\\' {
                j += 2;
                continue;
            }
            if b == quote {
                if quote == b'\'' && bytes.get(j + 1) == Some(&b'\'') {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        end
    }

    fn scalar_node(
        &mut self,
        text: String,
        style: ScalarStyle,
        tag: Option<&Tag>,
        sp: &saphyr_parser::Span,
    ) -> Node {
        let start = self.offsets.marker(&sp.start);
        let end = self.offsets.marker(&sp.end);
        let end = self.quoted_end(start, end, style).max(start);
        let plain = style == ScalarStyle::Plain;
        let ntag = tag_of(tag);
        let kind = if plain && is_yaml_null(&text) && !is_core_str(tag) {
            Kind::Null
        } else {
            Kind::Scalar(Scalar {
                text,
                ctx: self.ctx,
            })
        };
        Node {
            span: self.span(start, end),
            tag: ntag,
            kind,
        }
    }

    /// The end of a collection: flow collections end after their closing
    /// bracket; block collections end where their last child ends.
    fn collection_end(&self, sp: &saphyr_parser::Span, start: usize, last: Option<u32>) -> usize {
        let end_marker = self.offsets.marker(&sp.end);
        let bytes = self.file.text.as_bytes();
        if matches!(bytes.get(end_marker), Some(b']') | Some(b'}')) && end_marker >= start {
            return end_marker + 1;
        }
        match last {
            Some(e) if e as usize >= start => e as usize,
            _ => end_marker.max(start),
        }
    }

    fn node(&mut self, y: MarkedYaml, depth: usize) -> Node {
        let sp = y.span;
        if depth > 4 * MAX_NESTING {
            // Aliases nested inside anchors can stack; stop well before the stack does.
            let at = self.offsets.marker(&sp.start);
            self.fail(at, "nesting too deep after alias expansion");
            return Node::null(Span::point(self.file.id, at));
        }
        match y.data {
            YamlData::Representation(text, style, tag) => {
                self.scalar_node(text.into_owned(), style, tag.as_deref(), &sp)
            }
            YamlData::Value(v) => {
                let text = match v {
                    saphyr::Scalar::Null => String::new(),
                    saphyr::Scalar::Boolean(b) => b.to_string(),
                    saphyr::Scalar::Integer(i) => i.to_string(),
                    saphyr::Scalar::FloatingPoint(f) => f.to_string(),
                    saphyr::Scalar::String(s) => s.into_owned(),
                };
                self.scalar_node(text, ScalarStyle::Plain, None, &sp)
            }
            YamlData::Tagged(tag, inner) => {
                let mut n = self.node(*inner, depth + 1);
                let t = tag_of(Some(&tag));
                if t != NodeTag::None {
                    n.tag = t;
                }
                n
            }
            YamlData::Sequence(items) => {
                let start = self.offsets.marker(&sp.start);
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let n = self.node(item, depth + 1);
                    self.record_scope(n.span);
                    out.push(n);
                }
                let last = out.last().map(|n| n.span.end);
                let end = self.collection_end(&sp, start, last);
                Node::seq(self.span(start, end), out)
            }
            YamlData::Mapping(map) => {
                let start = self.offsets.marker(&sp.start);
                let mut entries: Vec<Entry> = Vec::with_capacity(map.len());
                let mut merge_at: Option<usize> = None;
                let mut sources: Vec<Vec<Entry>> = Vec::new();
                for (k, v) in map {
                    let key_start = self.offsets.marker(&k.span.start);
                    let (key, key_plain, key_style) = match k.data {
                        YamlData::Representation(t, style, _) => {
                            (t.into_owned(), style == ScalarStyle::Plain, style)
                        }
                        YamlData::Value(s) => (
                            match s {
                                saphyr::Scalar::String(s) => s.into_owned(),
                                saphyr::Scalar::Integer(i) => i.to_string(),
                                saphyr::Scalar::Boolean(b) => b.to_string(),
                                saphyr::Scalar::FloatingPoint(f) => f.to_string(),
                                saphyr::Scalar::Null => String::new(),
                            },
                            true,
                            ScalarStyle::Plain,
                        ),
                        _ => {
                            // Complex keys are not Compose; skip the entry.
                            continue;
                        }
                    };
                    let key_end = self.offsets.marker(&k.span.end);
                    let key_end = self.quoted_end(key_start, key_end, key_style);
                    let key_span = self.span(key_start, key_end);
                    if key_plain && key == "<<" {
                        let value = self.node(v, depth + 1);
                        merge_at.get_or_insert(entries.len());
                        match value.kind {
                            Kind::Map(es) => sources.push(es),
                            Kind::Seq(items) => {
                                for item in items {
                                    match item.kind {
                                        Kind::Map(es) => sources.push(es),
                                        _ => self.fail(
                                            item.span.start as usize,
                                            "a merge key (<<) list may only hold mappings",
                                        ),
                                    }
                                }
                            }
                            _ => self.fail(
                                key_start,
                                "a merge key (<<) needs a mapping or a list of mappings",
                            ),
                        }
                        continue;
                    }
                    let value = self.node(v, depth + 1);
                    let entry = Entry {
                        key,
                        key_span,
                        value,
                    };
                    self.record_scope(entry.span());
                    entries.push(entry);
                }
                if let Some(at) = merge_at {
                    // Explicit keys win; among merge sources the earlier wins.
                    let mut seen: HashSet<String> = entries.iter().map(|e| e.key.clone()).collect();
                    let mut merged = Vec::new();
                    for src in sources {
                        for e in src {
                            if seen.insert(e.key.clone()) {
                                merged.push(e);
                            }
                        }
                    }
                    entries.splice(at..at, merged);
                }
                let last = entries
                    .iter()
                    .filter(|e| {
                        e.key_span.file == self.file.id && e.key_span.start as usize >= start
                    })
                    .map(|e| e.span().end)
                    .max();
                let end = self.collection_end(&sp, start, last);
                Node::map(self.span(start, end), entries)
            }
            YamlData::Alias(_) | YamlData::BadValue => {
                let at = self.offsets.marker(&sp.start);
                Node::null(self.span(at, self.offsets.marker(&sp.end)))
            }
        }
    }
}

/// Finds `# stockade: ignore=…` and `# stockade: ignore-file=…` comment lines.
/// An `ignore` comment covers the entry or list item that starts on the next
/// line that is neither blank nor a comment.
fn scan_suppressions(file: &SourceFile, scopes: &HashMap<u32, Span>) -> Suppressions {
    let mut out = Suppressions::default();
    if !file.text.contains("stockade:") {
        return out;
    }
    let lines = file.line_count();
    for idx in 0..lines {
        let text = file.line_text(idx);
        let trimmed = text.trim_start();
        if !trimmed.starts_with('#') || !trimmed.contains("stockade:") {
            continue;
        }
        let Some((directive, ids, reason)) = stockade_core::parse_stockade_pragma(trimmed) else {
            continue;
        };
        let range = file.line_range(idx);
        let comment = Span::new(
            file.id,
            range.start + (text.len() - trimmed.len()),
            range.end,
        );
        let scope = match directive.as_str() {
            "ignore-file" => None,
            "ignore" => {
                let mut next = idx + 1;
                let mut found = None;
                while next < lines {
                    let t = file.line_text(next).trim_start();
                    if !t.is_empty() && !t.starts_with('#') {
                        found = Some(next);
                        break;
                    }
                    next += 1;
                }
                let Some(line) = found else { continue };
                Some(scopes.get(&(line as u32)).copied().unwrap_or_else(|| {
                    let r = file.line_range(line);
                    Span::new(file.id, r.start, r.end)
                }))
            }
            _ => continue,
        };
        out.push(Suppression {
            ids,
            reason,
            kind: PragmaKind::Stockade,
            comment,
            scope,
        });
    }
    out
}

/// A point span for errors in a file that has no better location.
pub(crate) fn file_start(id: FileId) -> Span {
    Span::point(id, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<ParsedFile, YamlError> {
        let f = SourceFile::new(FileId(0), "t.yaml", None, text.to_string());
        parse(&f, 0, 100_000)
    }

    fn slice(text: &str, s: Span) -> &str {
        &text[s.range()]
    }

    #[test]
    fn spans_are_bytes_and_quotes_end_at_the_quote() {
        let text = "a: \"héllo\"   # comment\nb: 'x''y' # c\nc: plain\n";
        let p = parse_str(text).ok().unwrap();
        let root = &p.docs[0];
        let a = root.get("a").unwrap();
        assert_eq!(slice(text, a.span), "\"héllo\"");
        assert_eq!(a.as_scalar().unwrap().text, "héllo");
        let b = root.get("b").unwrap();
        assert_eq!(slice(text, b.span), "'x''y'");
        assert_eq!(b.as_scalar().unwrap().text, "x'y");
        let c = root.get("c").unwrap();
        assert_eq!(slice(text, c.span), "plain");
        assert_eq!(slice(text, root.entry("c").unwrap().key_span), "c");
    }

    #[test]
    fn nulls_and_quoted_nulls() {
        let p = parse_str("a:\nb: ~\nc: null\nd: 'null'\ne: !!str null\n")
            .ok()
            .unwrap();
        let root = &p.docs[0];
        assert!(root.entry("a").unwrap().value.is_null());
        assert!(root.entry("b").unwrap().value.is_null());
        assert!(root.entry("c").unwrap().value.is_null());
        assert_eq!(root.get("d").unwrap().as_scalar().unwrap().text, "null");
        assert_eq!(root.get("e").unwrap().as_scalar().unwrap().text, "null");
    }

    #[test]
    fn merge_keys_explicit_wins_and_spans_point_at_the_anchor() {
        let text = "x: &a\n  p: true\n  r: always\ny: &b\n  p: 1\n  q: from-b\nz:\n  <<: [*a, *b]\n  r: no\n";
        let p = parse_str(text).ok().unwrap();
        let z = p.docs[0].get("z").unwrap();
        let keys: Vec<&str> = z.as_map().unwrap().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["p", "q", "r"]);
        // Earlier source wins for p.
        let pv = z.get("p").unwrap();
        assert_eq!(pv.as_scalar().unwrap().text, "true");
        // The inherited value keeps the span where it was written (line 2).
        assert_eq!(slice(text, pv.span), "true");
        assert_eq!(pv.span.start as usize, text.find("true").unwrap());
        // Explicit key wins.
        assert_eq!(z.get("r").unwrap().as_scalar().unwrap().text, "no");
        assert_eq!(z.get("q").unwrap().as_scalar().unwrap().text, "from-b");
    }

    #[test]
    fn merge_key_single_alias() {
        let text = "base: &b {image: x, privileged: true}\nsvc:\n  privileged: false\n  <<: *b\n";
        let p = parse_str(text).ok().unwrap();
        let s = p.docs[0].get("svc").unwrap();
        assert_eq!(
            s.get("privileged").unwrap().as_scalar().unwrap().text,
            "false"
        );
        assert_eq!(s.get("image").unwrap().as_scalar().unwrap().text, "x");
    }

    #[test]
    fn bad_merge_value_is_an_error() {
        let e = parse_str("a:\n  <<: 3\n").err().unwrap();
        assert!(e.message.contains("merge key"), "{}", e.message);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let (prev, cur) = (w[0], w[1]);
            text.push_str(&format!(
                "{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        let e = parse_str(&text).err().unwrap();
        assert!(e.message.contains("alias"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let text = "- ".repeat(100_000) + "x\n";
        let e = parse_str(&text).err().unwrap();
        assert!(e.message.contains("nesting"), "{}", e.message);
        let flow = "[".repeat(200) + &"]".repeat(200);
        assert!(parse_str(&flow).is_err());
    }

    #[test]
    fn invalid_yaml_reports_a_position() {
        let text = "services:\n  web:\n    image: [unclosed\n  db: x\n";
        let e = parse_str(text).err().unwrap();
        assert!(e.span.start > 0);
        let dup = parse_str("a: 1\na: 2\n").err().unwrap();
        assert!(dup.message.contains("duplicated"), "{}", dup.message);
        assert_eq!(dup.span.start, 5);
    }

    #[test]
    fn block_and_flow_collection_spans() {
        let text = "s:\n  - a\n  - b\nf: [1, 2]   # c\nm:\n  k: v\nz: 1\n";
        let p = parse_str(text).ok().unwrap();
        let root = &p.docs[0];
        assert_eq!(slice(text, root.get("s").unwrap().span), "- a\n  - b");
        assert_eq!(slice(text, root.get("f").unwrap().span), "[1, 2]");
        assert_eq!(slice(text, root.get("m").unwrap().span), "k: v");
        assert_eq!(slice(text, root.entry("m").unwrap().span()), "m:\n  k: v");
    }

    #[test]
    fn tags_reset_and_override() {
        let p = parse_str("a: !reset null\nb: !override [1]\nc: !reset []\n")
            .ok()
            .unwrap();
        let root = &p.docs[0];
        assert_eq!(root.as_map().unwrap()[0].value.tag, NodeTag::Reset);
        assert!(root.entry("a").is_none());
        assert_eq!(root.get("b").unwrap().tag, NodeTag::Override);
        assert_eq!(root.as_map().unwrap()[2].value.tag, NodeTag::Reset);
    }

    #[test]
    fn suppressions_cover_the_next_entry() {
        let text = "services:\n  # stockade: ignore=SKD-PRIV-001 -- needed\n  web:\n    image: x\n    # stockade: ignore=A,B\n\n    privileged: true\n    volumes:\n      # stockade: ignore=SOCK\n      - /var/run/docker.sock:/var/run/docker.sock\n# stockade: ignore-file=all\n";
        let p = parse_str(text).ok().unwrap();
        let items = &p.suppressions.items;
        assert_eq!(items.len(), 4);
        let web = items[0].scope.unwrap();
        assert!(slice(text, web).starts_with("web:"));
        assert!(slice(text, web).ends_with("docker.sock"));
        assert_eq!(items[0].ids, vec!["SKD-PRIV-001"]);
        assert_eq!(items[0].reason.as_deref(), Some("needed"));
        assert_eq!(slice(text, items[1].scope.unwrap()), "privileged: true");
        assert_eq!(items[1].ids, vec!["A", "B"]);
        assert_eq!(
            slice(text, items[2].scope.unwrap()),
            "/var/run/docker.sock:/var/run/docker.sock"
        );
        assert!(items[3].scope.is_none());
    }

    #[test]
    fn offsets_for_multibyte_text() {
        let o = Offsets::new("aé€b");
        assert_eq!(o.byte(0), 0);
        assert_eq!(o.byte(1), 1);
        assert_eq!(o.byte(2), 3);
        assert_eq!(o.byte(3), 6);
        assert_eq!(o.byte(4), 7);
        assert_eq!(o.byte(99), 7);
        let a = Offsets::new("abc");
        assert_eq!(a.byte(2), 2);
        assert_eq!(a.byte(10), 3);
    }
}
