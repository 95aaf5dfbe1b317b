//! The lossless syntax tree of a Dockerfile.
//!
//! Every physical line of the input belongs to exactly one [`Node`]; an
//! instruction owns its continuation lines, the comment and blank lines
//! inside a continuation, and its heredoc bodies. [`Document::reconstruct`]
//! concatenates the pieces and gives the input back byte for byte.
//!
//! Offsets inside an instruction are kept against its *joined* line (the
//! logical line BuildKit sees: continuations removed, comment lines inside
//! them dropped); [`Joined`] maps those offsets back to the file.

use stockade_core::span::{FileId, OffsetMap, Span, Spanned};

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Document {
    pub file: FileId,
    /// The file starts with a UTF-8 byte-order mark (bytes `0..3`).
    pub bom: bool,
    /// The escape character in effect (`\` or `` ` ``).
    pub escape: char,
    /// Every line of the file, in order.
    pub nodes: Vec<Node>,
}

impl Document {
    /// The instructions, in order.
    pub fn instructions(&self) -> impl Iterator<Item = &InstructionNode> {
        self.nodes.iter().filter_map(|n| match n {
            Node::Instruction(i) => Some(&**i),
            _ => None,
        })
    }

    /// The parser directives at the top of the file.
    pub fn directives(&self) -> impl Iterator<Item = &DirectiveNode> {
        self.nodes.iter().filter_map(|n| match n {
            Node::Directive(d) => Some(d),
            _ => None,
        })
    }

    /// The comment lines outside instructions.
    pub fn comments(&self) -> impl Iterator<Item = &CommentNode> {
        self.nodes.iter().filter_map(|n| match n {
            Node::Comment(c) => Some(c),
            _ => None,
        })
    }

    /// The pieces of the file in order (BOM, then each node's lines), as
    /// spans. They tile the file: each starts where the previous one ended.
    pub fn pieces(&self) -> Vec<Span> {
        let mut out = Vec::with_capacity(self.nodes.len() + 1);
        if self.bom {
            out.push(Span::new(self.file, 0, 3));
        }
        for n in &self.nodes {
            match n {
                Node::Instruction(i) => out.extend(i.lines.iter().map(|l| l.span)),
                Node::Directive(d) => out.push(d.line),
                Node::Comment(c) => out.push(c.line),
                Node::Blank(s) => out.push(*s),
            }
        }
        out
    }

    /// Rebuilds the source text from the tree's pieces.
    pub fn reconstruct(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for p in self.pieces() {
            out.push_str(text.get(p.range()).unwrap_or(""));
        }
        out
    }
}

/// One top-level element: a whole line, or an instruction with all its lines.
#[derive(Debug, Clone)]
pub enum Node {
    Directive(DirectiveNode),
    Comment(CommentNode),
    /// A line with nothing but whitespace (span includes the line ending).
    Blank(Span),
    Instruction(Box<InstructionNode>),
}

/// `# name=value` at the top of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectiveNode {
    /// Lower-cased name (`syntax`, `escape`, `check`) with the span as written.
    pub name: Spanned<String>,
    pub value: Spanned<String>,
    /// The whole line, line ending included.
    pub line: Span,
}

/// A comment line outside an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentNode {
    /// From `#` to the end of the line (line ending excluded).
    pub text: Span,
    /// The whole line, leading whitespace and line ending included.
    pub line: Span,
}

/// What a physical line inside an instruction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The line the instruction starts on.
    First,
    /// A line continuing the instruction after an escape at the end of the previous one.
    Continuation,
    /// A comment line inside a continuation (dropped from the joined line).
    Comment,
    /// An empty line inside a continuation (dropped from the joined line).
    Blank,
    /// A line of the body of heredoc number `n` of the instruction.
    HeredocBody(usize),
    /// The line ending heredoc number `n`.
    HeredocEnd(usize),
}

/// One physical line of an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineNode {
    /// The whole line, leading whitespace and line ending included.
    pub span: Span,
    pub kind: LineKind,
}

/// The instructions BuildKit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    StopSignal,
    User,
    Volume,
    Workdir,
    /// Anything else (an error).
    Unknown,
}

impl Keyword {
    /// Case-insensitive lookup.
    pub fn parse(word: &str) -> Keyword {
        const ALL: [(&str, Keyword); 18] = [
            ("add", Keyword::Add),
            ("arg", Keyword::Arg),
            ("cmd", Keyword::Cmd),
            ("copy", Keyword::Copy),
            ("entrypoint", Keyword::Entrypoint),
            ("env", Keyword::Env),
            ("expose", Keyword::Expose),
            ("from", Keyword::From),
            ("healthcheck", Keyword::Healthcheck),
            ("label", Keyword::Label),
            ("maintainer", Keyword::Maintainer),
            ("onbuild", Keyword::Onbuild),
            ("run", Keyword::Run),
            ("shell", Keyword::Shell),
            ("stopsignal", Keyword::StopSignal),
            ("user", Keyword::User),
            ("volume", Keyword::Volume),
            ("workdir", Keyword::Workdir),
        ];
        ALL.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(word))
            .map(|(_, k)| *k)
            .unwrap_or(Keyword::Unknown)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::StopSignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown => "",
        }
    }

    /// Instructions whose lines may carry heredocs.
    pub fn allows_heredoc(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// An instruction's logical line: its physical lines joined the way
/// BuildKit joins them, with a map back to file offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub text: String,
    file: FileId,
    /// `(joined offset, file offset)` pairs, increasing.
    segments: Vec<(u32, u32)>,
}

impl Joined {
    pub(crate) fn new(file: FileId) -> Self {
        Joined {
            text: String::new(),
            file,
            segments: Vec::new(),
        }
    }

    /// Appends `piece`, which starts at `file_offset` in the file.
    pub(crate) fn push(&mut self, piece: &str, file_offset: usize) {
        let logical = self.text.len() as u32;
        match self.segments.last_mut() {
            Some(last) if last.0 == logical => last.1 = file_offset as u32,
            _ => self.segments.push((logical, file_offset as u32)),
        }
        self.text.push_str(piece);
    }

    /// File offset of joined offset `pos`.
    pub fn to_file(&self, pos: usize) -> usize {
        let p = pos as u32;
        let idx = match self.segments.binary_search_by(|s| s.0.cmp(&p)) {
            Ok(i) => i,
            Err(0) => return pos,
            Err(i) => i - 1,
        };
        let (l, f) = self.segments[idx];
        (f + (p - l)) as usize
    }

    /// The file span of joined range `[start, end)`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let s = self.to_file(start);
        let e = if end > start {
            self.to_file(end - 1) + 1
        } else {
            s
        };
        Span::new(self.file, s, e.max(s))
    }

    /// The text of joined range `[start, end)` with its file span.
    pub fn spanned(&self, start: usize, end: usize) -> Spanned<String> {
        Spanned::new(
            self.text.get(start..end).unwrap_or("").to_string(),
            self.span(start, end),
        )
    }

    /// An [`OffsetMap`] for the joined text from `start` on (offset 0 of
    /// the map is joined offset `start`).
    pub fn offset_map(&self, start: usize) -> OffsetMap {
        let mut m = OffsetMap::contiguous(self.file, self.to_file(start));
        for &(l, f) in &self.segments {
            let l = l as usize;
            if l > start {
                m.push(l - start, f as usize);
            }
        }
        m
    }

    /// `(joined offset, file offset)` segment starts.
    pub(crate) fn segments(&self) -> &[(u32, u32)] {
        &self.segments
    }

    /// The part `[start, end)` as a joined line of its own.
    pub fn slice(&self, start: usize, end: usize) -> Joined {
        let mut out = Joined::new(self.file);
        let end = end.min(self.text.len());
        if start > end {
            return out;
        }
        out.text = self.text.get(start..end).unwrap_or("").to_string();
        out.segments.push((0, self.to_file(start) as u32));
        for &(l, f) in &self.segments {
            let l = l as usize;
            if l > start && l < end {
                out.segments.push(((l - start) as u32, f));
            }
        }
        out
    }
}

/// `--name[=value]` before an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagNode {
    /// As written, without the leading `--`.
    pub name: String,
    /// The value with quotes and escapes removed (`None` without `=`).
    pub value: Option<String>,
    /// The whole flag.
    pub span: Span,
    pub name_span: Span,
    pub value_span: Option<Span>,
}

/// `KEY=value` (or the legacy `KEY value`) in `ENV` / `LABEL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValueNode {
    /// The key as written.
    pub key: Spanned<String>,
    /// The value as written (quotes kept; expansion removes them).
    pub value: Spanned<String>,
    pub span: Span,
}

/// An instruction's arguments, in the shape its parser gives them.
#[derive(Debug, Clone)]
pub enum Args {
    /// Nothing after the keyword (and flags).
    None,
    /// JSON array form: decoded strings, each with the span of its literal.
    Exec(Vec<Spanned<String>>),
    /// Shell form: the rest of the line (continuations joined).
    Shell(Spanned<String>),
    /// Words split on whitespace (`FROM`, `EXPOSE`, shell-form `COPY`/`ADD`/`VOLUME`),
    /// or on whitespace outside quotes (`ARG`). Quotes are kept.
    Words(Vec<Spanned<String>>),
    /// `ENV` / `LABEL` pairs. `legacy` is the `KEY value` form.
    KeyValues {
        legacy: bool,
        pairs: Vec<KeyValueNode>,
    },
    /// The whole rest as one value (`USER`, `WORKDIR`, `STOPSIGNAL`,
    /// `MAINTAINER`, and unknown instructions).
    Text(Spanned<String>),
    /// `HEALTHCHECK NONE` / `HEALTHCHECK CMD …`: the type word and the command.
    Healthcheck {
        kind: Spanned<String>,
        cmd: Box<Args>,
    },
    /// `ONBUILD <instruction>`.
    Onbuild(Box<InstructionNode>),
}

/// A heredoc attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeredocNode {
    /// The delimiter word with quotes removed.
    pub name: String,
    /// `2<<EOF` gives 2; 0 when not written.
    pub fd: u32,
    /// No part of the delimiter was quoted: BuildKit expands variables in
    /// the body of a `COPY`/`ADD` heredoc.
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from body lines and the terminator.
    pub chomp: bool,
    /// The `<<EOF` word on the instruction line.
    pub marker: Span,
    /// The body lines (from the first body line to the terminator line,
    /// line endings included).
    pub body: Span,
    /// The body exactly as in the file (tabs not stripped).
    pub content: String,
    /// The terminator line's text (line ending excluded); `None` when the
    /// file ended first.
    pub terminator: Option<Span>,
}

impl HeredocNode {
    /// The body as the build sees it: leading tabs stripped for `<<-`.
    pub fn text(&self) -> String {
        if self.chomp {
            strip_leading_tabs(&self.content)
        } else {
            self.content.clone()
        }
    }
}

/// Removes leading tabs from every line (BuildKit's `ChompHeredocContent`).
pub(crate) fn strip_leading_tabs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        out.push_str(line.trim_start_matches('\t'));
    }
    out
}

/// One instruction with everything that belongs to it.
#[derive(Debug, Clone)]
pub struct InstructionNode {
    pub keyword: Keyword,
    /// The keyword as written.
    pub name: Spanned<String>,
    /// From the keyword to the end of the instruction's last line
    /// (continuations and heredoc bodies included, final line ending excluded).
    pub span: Span,
    /// From the keyword to the end of its first line.
    pub line_span: Span,
    /// The physical lines, in order. Empty for the instruction nested in `ONBUILD`.
    pub lines: Vec<LineNode>,
    pub flags: Vec<FlagNode>,
    /// Everything after the flags, trimmed (`None` when empty).
    pub rest: Option<Spanned<String>>,
    pub args: Args,
    pub heredocs: Vec<HeredocNode>,
    /// The arguments start with `[` but are not a valid JSON array, so
    /// BuildKit reads them as shell form (`CMD ["a",]`, `CMD ['a']`).
    pub json_fallback: bool,
    /// The logical line (keyword included) and its map to the file.
    pub joined: Joined,
    /// Offset of `rest` in `joined`.
    pub rest_offset: usize,
    /// The parser reported an error for this instruction.
    pub has_error: bool,
}

impl InstructionNode {
    pub fn flag(&self, name: &str) -> Option<&FlagNode> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// The instruction inside `ONBUILD`.
    pub fn onbuild_inner(&self) -> Option<&InstructionNode> {
        match &self.args {
            Args::Onbuild(i) => Some(i),
            _ => None,
        }
    }
}
