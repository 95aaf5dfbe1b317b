//! The line-level parser: directives, comments, continuations, the
//! keyword/flags/arguments split, heredoc bodies, and the per-instruction
//! checks BuildKit makes before it evaluates anything.

use crate::lex::{
    self, JsonArray, extract_flags, heredoc_words, is_space, is_token_ws, leading_ws,
    parse_heredoc_marker, parse_json_array, parse_words, split_token_ws, trim_continuation,
};
use crate::syntax::*;
use stockade_core::finding::InputError;
use stockade_core::span::{FileId, SourceFile, Span, Spanned};

/// One physical line: `[start, content_end)` is its text without the line
/// ending; `end` is past the `\n` (or the end of the file).
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

fn line_at(text: &str, start: usize) -> Line {
    let b = text.as_bytes();
    let (end, mut content_end) = match memchr_nl(&b[start..]) {
        Some(i) => (start + i + 1, start + i),
        None => (b.len(), b.len()),
    };
    // BuildKit trims every trailing '\r' and '\n'.
    while content_end > start && b[content_end - 1] == b'\r' {
        content_end -= 1;
    }
    Line {
        start,
        content_end,
        end,
    }
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// Parses a whole file. Never panics; every problem becomes an error with a span.
pub(crate) fn parse_document(file: &SourceFile) -> (Document, Vec<InputError>) {
    let text = file.text.as_str();
    let bom = text.starts_with('\u{feff}');
    let mut p = Parser {
        text,
        file: file.id,
        path: &file.path,
        escape: '\\',
        errors: Vec::new(),
    };
    let mut nodes = Vec::new();
    let mut pos = if bom { 3 } else { 0 };
    let mut directives_done = false;
    let mut seen: Vec<String> = Vec::new();
    while pos < text.len() {
        let line = line_at(text, pos);
        let content = &text[line.start..line.content_end];
        let ws = leading_ws(content);
        let t = &content[ws..];
        let full = p.span(line.start, line.end);
        if !directives_done {
            if let Some(d) = match_directive(t) {
                let name = t[d.0..d.1].to_ascii_lowercase();
                if matches!(name.as_str(), "syntax" | "escape" | "check") {
                    let base = line.start + ws;
                    let name_span = p.span(base + d.0, base + d.1);
                    let value = &t[d.2..d.3];
                    let value_span = p.span(base + d.2, base + d.3);
                    if seen.contains(&name) {
                        p.error(
                            name_span,
                            format!("only one {name} parser directive can be used"),
                        );
                    } else {
                        if name == "escape" {
                            match value {
                                "\\" => p.escape = '\\',
                                "`" => p.escape = '`',
                                _ => p.error(
                                    value_span,
                                    format!(
                                        "invalid escape token '{value}' does not match ` or \\"
                                    ),
                                ),
                            }
                        }
                        seen.push(name.clone());
                    }
                    nodes.push(Node::Directive(DirectiveNode {
                        name: Spanned::new(name, name_span),
                        value: Spanned::new(value.to_string(), value_span),
                        line: full,
                    }));
                    pos = line.end;
                    continue;
                }
            }
            directives_done = true;
        }
        if t.is_empty() {
            nodes.push(Node::Blank(full));
            pos = line.end;
            continue;
        }
        if t.starts_with('#') {
            nodes.push(Node::Comment(CommentNode {
                text: p.span(line.start + ws, line.content_end),
                line: full,
            }));
            pos = line.end;
            continue;
        }
        let (node, next) = p.instruction(line, ws);
        nodes.push(Node::Instruction(Box::new(node)));
        pos = next.max(line.end);
    }
    if !nodes.iter().any(|n| matches!(n, Node::Instruction(_))) {
        p.errors.push(InputError::new(
            &file.path,
            None,
            "file with no instructions",
        ));
    }
    let doc = Document {
        file: file.id,
        bom,
        escape: p.escape,
        nodes,
    };
    (doc, p.errors)
}

/// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` on a trimmed line; returns
/// the name and value ranges.
fn match_directive(t: &str) -> Option<(usize, usize, usize, usize)> {
    let b = t.as_bytes();
    let is_s = |c: u8| matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
    if b.first() != Some(&b'#') {
        return None;
    }
    let mut i = 1;
    while i < b.len() && is_s(b[i]) {
        i += 1;
    }
    let ns = i;
    if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let ne = i;
    while i < b.len() && is_s(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    let after_eq = i;
    while i < b.len() && is_s(b[i]) {
        i += 1;
    }
    let mut ve = b.len();
    while ve > i && is_s(b[ve - 1]) {
        ve -= 1;
    }
    if ve > i {
        return Some((ns, ne, i, ve));
    }
    // Only blanks after '=': the lazy `.+?` takes the last one.
    if b.len() > after_eq {
        return Some((ns, ne, b.len() - 1, b.len()));
    }
    None
}

struct Parser<'a> {
    text: &'a str,
    file: FileId,
    path: &'a str,
    escape: char,
    errors: Vec<InputError>,
}

/// The kinds of value a flag takes (BuildKit's `BFlags`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagType {
    Bool,
    Str,
    Strs,
}

fn flag_spec(kw: Keyword) -> &'static [(&'static str, FlagType)] {
    use FlagType::*;
    match kw {
        Keyword::From => &[("platform", Str)],
        Keyword::Run => &[
            ("mount", Strs),
            ("network", Str),
            ("security", Str),
            ("device", Strs),
        ],
        Keyword::Copy => &[
            ("from", Str),
            ("chown", Str),
            ("chmod", Str),
            ("link", Bool),
            ("parents", Bool),
            ("exclude", Strs),
        ],
        Keyword::Add => &[
            ("chown", Str),
            ("chmod", Str),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", Str),
            ("exclude", Strs),
            ("unpack", Bool),
        ],
        Keyword::Healthcheck => &[
            ("interval", Str),
            ("timeout", Str),
            ("start-period", Str),
            ("start-interval", Str),
            ("retries", Str),
        ],
        Keyword::Arg => &[("required", Bool)],
        _ => &[],
    }
}

impl Parser<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors
            .push(InputError::new(self.path, Some(span), message));
    }

    /// Parses the instruction starting on `first` (after `ws` bytes of
    /// indentation); returns it and the offset after its last line.
    fn instruction(&mut self, first: Line, ws: usize) -> (InstructionNode, usize) {
        let text = self.text;
        let esc = self.escape;
        let mut lines = vec![LineNode {
            span: self.span(first.start, first.end),
            kind: LineKind::First,
        }];
        let mut joined = Joined::new(self.file);
        let start = first.start + ws;
        let (c, mut cont) = trim_continuation(&text[start..first.content_end], esc);
        joined.push(c, start);
        let mut last_end = first.content_end;
        let mut pos = first.end;
        while cont && pos < text.len() {
            let l = line_at(text, pos);
            let raw = &text[l.start..l.content_end];
            let lw = leading_ws(raw);
            pos = l.end;
            let kind = if raw[lw..].starts_with('#') {
                LineKind::Comment
            } else if lw == raw.len() {
                LineKind::Blank
            } else {
                let (c, k) = trim_continuation(raw, esc);
                joined.push(c, l.start);
                cont = k;
                last_end = l.content_end;
                LineKind::Continuation
            };
            lines.push(LineNode {
                span: self.span(l.start, l.end),
                kind,
            });
        }

        let mut node = self.analyze(joined, 0);
        let kw_start = node.name.span.start as usize;
        node.line_span = self.span(kw_start, first.content_end.max(kw_start));

        // Heredocs.
        let target = match &node.args {
            Args::Onbuild(inner) => Some((inner.keyword, matches!(inner.args, Args::Exec(_)))),
            _ => Some((node.keyword, matches!(node.args, Args::Exec(_)))),
        };
        let can_heredoc = target.is_some_and(|(k, json)| k.allows_heredoc() && !json);
        if can_heredoc && node.joined.text.contains("<<") {
            let markers: Vec<(lex::HeredocMarker, Span)> = heredoc_words(&node.joined.text)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(a, b)| {
                    parse_heredoc_marker(&node.joined.text[a..b])
                        .map(|m| (m, node.joined.span(a, b)))
                })
                .collect();
            for (idx, (m, marker)) in markers.into_iter().enumerate() {
                let body_start = pos;
                let mut body_end = text.len();
                let mut terminator = None;
                while pos < text.len() {
                    let l = line_at(text, pos);
                    let c = &text[l.start..l.content_end];
                    let cmp = if m.chomp {
                        c.trim_start_matches('\t')
                    } else {
                        c
                    };
                    pos = l.end;
                    last_end = l.content_end;
                    if cmp == m.name {
                        terminator = Some(self.span(l.content_end - cmp.len(), l.content_end));
                        body_end = l.start;
                        lines.push(LineNode {
                            span: self.span(l.start, l.end),
                            kind: LineKind::HeredocEnd(idx),
                        });
                        break;
                    }
                    lines.push(LineNode {
                        span: self.span(l.start, l.end),
                        kind: LineKind::HeredocBody(idx),
                    });
                }
                if terminator.is_none() {
                    self.error(
                        marker,
                        format!(
                            "unterminated heredoc: no line `{}` ends the heredoc started here",
                            m.name
                        ),
                    );
                    node.has_error = true;
                }
                node.heredocs.push(HeredocNode {
                    name: m.name,
                    fd: m.fd,
                    expand: m.expand,
                    chomp: m.chomp,
                    marker,
                    body: self.span(body_start, body_end),
                    content: text[body_start..body_end].to_string(),
                    terminator,
                });
            }
            if let Args::Onbuild(inner) = &mut node.args {
                inner.heredocs = node.heredocs.clone();
            }
        }
        node.span = self.span(kw_start, last_end.max(kw_start));
        node.lines = lines;
        self.validate(&mut node);
        if let Args::Onbuild(inner) = &mut node.args {
            let mut inner_node = std::mem::replace(&mut **inner, placeholder(self.file));
            self.validate(&mut inner_node);
            if inner_node.has_error {
                node.has_error = true;
            }
            **inner = inner_node;
        }
        (node, pos)
    }

    /// Splits a joined line into keyword, flags and arguments.
    fn analyze(&mut self, joined: Joined, depth: u8) -> InstructionNode {
        let jt = joined.text.as_str();
        let lead = leading_ws(jt);
        let end = jt.trim_end_matches(is_space).len().max(lead);
        let body = &jt[lead..end];
        let cmd_end = lead + body.find(is_token_ws).unwrap_or(body.len());
        let after_cmd = cmd_end
            + (jt[cmd_end..end].len() - jt[cmd_end..end].trim_start_matches(is_token_ws).len());
        let keyword = Keyword::parse(&jt[lead..cmd_end]);
        let name = joined.spanned(lead, cmd_end);

        let rest_str = &jt[after_cmd..end];
        let (arg_off, raw_flags) = extract_flags(rest_str);
        let flags: Vec<FlagNode> = raw_flags
            .into_iter()
            .map(|f| {
                let (a, b) = (after_cmd + f.start, after_cmd + f.end);
                let raw = &jt[a..b];
                let decoded = f.decoded.strip_prefix("--").unwrap_or(&f.decoded);
                let (fname, value) = match decoded.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (decoded.to_string(), None),
                };
                let raw_name_end = a + 2 + fname.len();
                let name_span = if jt.get(a + 2..raw_name_end) == Some(fname.as_str()) {
                    joined.span(a + 2, raw_name_end)
                } else {
                    joined.span(a, b)
                };
                let value_span = value.as_ref().map(|_| match raw.find('=') {
                    Some(i) => joined.span(a + i + 1, b),
                    None => joined.span(a, b),
                });
                FlagNode {
                    name: fname,
                    value,
                    span: joined.span(a, b),
                    name_span,
                    value_span,
                }
            })
            .collect();

        let args_region = &rest_str[arg_off..];
        let a_lead = leading_ws(args_region);
        let a_start = after_cmd + arg_off + a_lead;
        let a_end = after_cmd + arg_off + args_region.trim_end_matches(is_space).len().max(a_lead);
        let rest = (a_end > a_start).then(|| joined.spanned(a_start, a_end));

        let mut node = InstructionNode {
            keyword,
            name,
            span: joined.span(lead, end),
            line_span: joined.span(lead, end),
            lines: Vec::new(),
            flags,
            rest,
            args: Args::None,
            heredocs: Vec::new(),
            json_fallback: false,
            joined,
            rest_offset: a_start,
            has_error: false,
        };
        self.parse_args(&mut node, a_start, a_end, depth);
        node
    }

    fn parse_args(&mut self, node: &mut InstructionNode, start: usize, end: usize, depth: u8) {
        let esc = self.escape;
        let j = &node.joined;
        let s = &j.text[start..end];
        let words = |ranges: Vec<(usize, usize)>| -> Vec<Spanned<String>> {
            ranges
                .into_iter()
                .map(|(a, b)| j.spanned(start + a, start + b))
                .collect()
        };
        let args = match node.keyword {
            Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell => {
                match self.maybe_json(j, start, end) {
                    Ok((a, fallback)) => {
                        node.json_fallback = fallback;
                        a
                    }
                    Err(a) => {
                        node.has_error = true;
                        a
                    }
                }
            }
            Keyword::Copy | Keyword::Add | Keyword::Volume => match parse_json_array(s) {
                JsonArray::Strings(v) => Args::Exec(
                    v.into_iter()
                        .map(|(val, a, b)| Spanned::new(val, j.span(start + a, start + b)))
                        .collect(),
                ),
                JsonArray::NotStrings => {
                    let sp = j.span(start, end);
                    self.error(sp, NOT_STRINGS);
                    node.has_error = true;
                    Args::Words(words(split_token_ws(s)))
                }
                JsonArray::Invalid => {
                    node.json_fallback = s.starts_with('[');
                    if s.is_empty() {
                        Args::None
                    } else {
                        Args::Words(words(split_token_ws(s)))
                    }
                }
            },
            Keyword::From | Keyword::Expose => {
                if s.is_empty() {
                    Args::None
                } else {
                    Args::Words(words(split_token_ws(s)))
                }
            }
            Keyword::Arg => {
                let w = parse_words(s, esc);
                if w.is_empty() {
                    Args::None
                } else {
                    Args::Words(words(w))
                }
            }
            Keyword::Env | Keyword::Label => {
                let (a, err) = key_values(j, start, end, esc, node.keyword.as_str());
                if let Some((msg, sp)) = err {
                    self.error(sp, msg);
                    node.has_error = true;
                }
                a
            }
            Keyword::Healthcheck => {
                if s.is_empty() {
                    Args::None
                } else {
                    let sep = s.find(|c: char| c.is_ascii_whitespace()).unwrap_or(s.len());
                    let next = sep + (s[sep..].len() - s[sep..].trim_start_matches(is_space).len());
                    let kind = j.spanned(start, start + sep);
                    let cmd = match self.maybe_json(j, start + next, end) {
                        Ok((a, fallback)) => {
                            node.json_fallback = fallback;
                            a
                        }
                        Err(a) => {
                            node.has_error = true;
                            a
                        }
                    };
                    Args::Healthcheck {
                        kind,
                        cmd: Box::new(cmd),
                    }
                }
            }
            Keyword::Onbuild => {
                if s.is_empty() {
                    Args::None
                } else if depth >= 1 {
                    // Nested ONBUILD is rejected in validation; do not recurse.
                    Args::Text(j.spanned(start, end))
                } else {
                    let sub = j.slice(start, end);
                    let inner = self.analyze(sub, depth + 1);
                    Args::Onbuild(Box::new(inner))
                }
            }
            Keyword::User
            | Keyword::Workdir
            | Keyword::StopSignal
            | Keyword::Maintainer
            | Keyword::Unknown => {
                if s.is_empty() {
                    Args::None
                } else {
                    Args::Text(j.spanned(start, end))
                }
            }
        };
        node.args = args;
    }

    /// BuildKit's `parseMaybeJSON`: JSON array of strings, else shell form.
    /// `Ok((args, json_fallback))`, or `Err(args)` after reporting a non-string array.
    fn maybe_json(&mut self, j: &Joined, start: usize, end: usize) -> Result<(Args, bool), Args> {
        let s = &j.text[start..end];
        if s.is_empty() {
            return Ok((Args::None, false));
        }
        match parse_json_array(s) {
            JsonArray::Strings(v) => Ok((
                Args::Exec(
                    v.into_iter()
                        .map(|(val, a, b)| Spanned::new(val, j.span(start + a, start + b)))
                        .collect(),
                ),
                false,
            )),
            JsonArray::NotStrings => {
                self.error(j.span(start, end), NOT_STRINGS);
                Err(Args::Shell(j.spanned(start, end)))
            }
            JsonArray::Invalid => Ok((Args::Shell(j.spanned(start, end)), s.starts_with('['))),
        }
    }

    /// The checks BuildKit's instruction parser makes (argument counts,
    /// flags, stage names). Marks the node and reports each problem.
    fn validate(&mut self, node: &mut InstructionNode) {
        let kw = node.keyword;
        let kw_name = kw.as_str();
        let whole = node.line_span;
        let mut errs: Vec<(Span, String)> = Vec::new();

        if kw == Keyword::Unknown {
            let msg = if node.name.value.is_empty() {
                "line continuation with no instruction".to_string()
            } else {
                format!("unknown instruction: {}", node.name.value)
            };
            errs.push((node.name.span, msg));
        }

        // Flags.
        let healthcheck_none = matches!(&node.args, Args::Healthcheck { kind, .. } if kind.value.eq_ignore_ascii_case("none"));
        if kw != Keyword::Unknown && kw != Keyword::StopSignal && !healthcheck_none {
            let spec = flag_spec(kw);
            let mut used: Vec<&str> = Vec::new();
            for f in &node.flags {
                if f.name.is_empty() {
                    errs.push((f.span, "empty flag name `--`".to_string()));
                    continue;
                }
                let Some(&(name, ty)) = spec.iter().find(|(n, _)| *n == f.name) else {
                    let hint = if spec.is_empty() {
                        format!("{kw_name} takes no flags")
                    } else {
                        let names: Vec<String> =
                            spec.iter().map(|(n, _)| format!("--{n}")).collect();
                        format!("{kw_name} accepts {}", names.join(", "))
                    };
                    errs.push((
                        f.name_span,
                        format!("unknown flag `--{}` for {kw_name} ({hint})", f.name),
                    ));
                    continue;
                };
                if ty != FlagType::Strs && used.contains(&name) {
                    errs.push((f.span, format!("duplicate flag specified: --{name}")));
                    continue;
                }
                used.push(name);
                match (ty, &f.value) {
                    (FlagType::Bool, Some(v)) => {
                        if v.is_empty() {
                            errs.push((f.span, format!("missing a value on flag: --{name}")));
                        } else if !v.eq_ignore_ascii_case("true")
                            && !v.eq_ignore_ascii_case("false")
                        {
                            errs.push((
                                f.value_span.unwrap_or(f.span),
                                format!("expecting boolean value for flag --{name}, not: {v}"),
                            ));
                        }
                    }
                    (FlagType::Str | FlagType::Strs, None) => {
                        errs.push((
                            f.span,
                            format!("missing a value on flag: --{name} (write --{name}=VALUE)"),
                        ));
                    }
                    (_, _) => {}
                }
                if kw == Keyword::Healthcheck
                    && let Some(v) = &f.value
                {
                    let ok = if name == "retries" {
                        v.is_empty() || v.parse::<i32>().is_ok_and(|n| n >= 0)
                    } else {
                        v.is_empty() || go_duration(v)
                    };
                    if !ok {
                        errs.push((
                            f.value_span.unwrap_or(f.span),
                            format!("invalid value for --{name}: `{v}`"),
                        ));
                    }
                }
            }
        }

        let n_args = match &node.args {
            Args::None => 0,
            Args::Exec(v) | Args::Words(v) => v.len(),
            Args::KeyValues { pairs, .. } => pairs.len(),
            Args::Shell(_) | Args::Text(_) | Args::Onbuild(_) | Args::Healthcheck { .. } => 1,
        };
        match kw {
            Keyword::From => {
                if let Args::Words(w) = &node.args {
                    if w.len() == 3 && w[1].value.eq_ignore_ascii_case("as") {
                        if !valid_stage_name(&w[2].value.to_ascii_lowercase()) {
                            errs.push((
                                w[2].span,
                                format!(
                                    "invalid name for build stage: \"{}\", name can't start with a number or contain symbols",
                                    w[2].value
                                ),
                            ));
                        }
                    } else if w.len() != 1 {
                        errs.push((whole, "FROM requires either one or three arguments".into()));
                    }
                } else {
                    errs.push((whole, "FROM requires either one or three arguments".into()));
                }
            }
            Keyword::Arg => {
                if let Args::Words(w) = &node.args {
                    for word in w {
                        if word.value.starts_with('=') {
                            errs.push((word.span, "ARG names can not be blank".into()));
                        }
                    }
                } else {
                    errs.push((whole, "ARG requires at least one argument".into()));
                }
            }
            Keyword::Env | Keyword::Label => match &node.args {
                Args::KeyValues { pairs, .. } if !pairs.is_empty() => {
                    for p in pairs {
                        if p.key.value.is_empty() {
                            errs.push((p.span, format!("{kw_name} names can not be blank")));
                        }
                    }
                }
                _ if node.has_error => {}
                _ => errs.push((whole, format!("{kw_name} requires at least one argument"))),
            },
            Keyword::Copy | Keyword::Add => {
                if n_args < 2 {
                    errs.push((
                        whole,
                        format!("{kw_name} requires at least two arguments, but only one was provided. Destination could not be determined"),
                    ));
                } else if let Args::Words(w) = &node.args
                    && let Some(last) = w.last()
                    && parse_heredoc_marker(&last.value).is_some()
                {
                    errs.push((
                        last.span,
                        format!("{kw_name} cannot accept a heredoc as a destination"),
                    ));
                }
            }
            Keyword::Shell => match &node.args {
                Args::Exec(v) if !v.is_empty() => {}
                Args::Exec(_) | Args::None => {
                    errs.push((whole, "SHELL requires at least one argument".into()))
                }
                _ => errs.push((
                    whole,
                    "SHELL requires the arguments to be in JSON form".into(),
                )),
            },
            Keyword::Healthcheck => match &node.args {
                Args::Healthcheck { kind, cmd } => {
                    let t = kind.value.to_ascii_uppercase();
                    if t == "NONE" {
                        if !matches!(**cmd, Args::None) {
                            errs.push((whole, "HEALTHCHECK NONE takes no arguments".into()));
                        }
                    } else if t == "CMD" {
                        let empty = match &**cmd {
                            Args::None => true,
                            Args::Exec(v) => v.is_empty(),
                            _ => false,
                        };
                        if empty {
                            errs.push((whole, "Missing command after HEALTHCHECK CMD".into()));
                        }
                    } else {
                        errs.push((
                            kind.span,
                            format!("Unknown type \"{}\" in HEALTHCHECK (try CMD)", kind.value),
                        ));
                    }
                }
                _ => errs.push((whole, "HEALTHCHECK requires at least one argument".into())),
            },
            Keyword::Expose | Keyword::Volume => {
                if n_args == 0 {
                    errs.push((whole, format!("{kw_name} requires at least one argument")));
                }
                if kw == Keyword::Volume
                    && let Args::Exec(v) = &node.args
                    && v.iter().any(|x| x.value.trim().is_empty())
                {
                    errs.push((whole, "VOLUME specified can not be an empty string".into()));
                }
            }
            Keyword::User | Keyword::Workdir | Keyword::StopSignal | Keyword::Maintainer => {
                if n_args != 1 {
                    errs.push((whole, format!("{kw_name} requires exactly one argument")));
                }
            }
            Keyword::Onbuild => match &node.args {
                Args::Onbuild(inner) => match inner.keyword {
                    Keyword::Onbuild => errs.push((
                        inner.name.span,
                        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into(),
                    )),
                    Keyword::From | Keyword::Maintainer => errs.push((
                        inner.name.span,
                        format!(
                            "{} isn't allowed as an ONBUILD trigger",
                            inner.keyword.as_str()
                        ),
                    )),
                    _ => {}
                },
                // A nested ONBUILD: the enclosing ONBUILD reports it.
                Args::Text(_) => {}
                _ => errs.push((whole, "ONBUILD requires at least one argument".into())),
            },
            Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Unknown => {}
        }
        if !errs.is_empty() {
            node.has_error = true;
        }
        for (sp, m) in errs {
            self.error(sp, m);
        }
    }
}

const NOT_STRINGS: &str = "when using JSON array syntax, arrays must be comprised of strings only";

fn placeholder(file: FileId) -> InstructionNode {
    InstructionNode {
        keyword: Keyword::Unknown,
        name: Spanned::new(String::new(), Span::point(file, 0)),
        span: Span::point(file, 0),
        line_span: Span::point(file, 0),
        lines: Vec::new(),
        flags: Vec::new(),
        rest: None,
        args: Args::None,
        heredocs: Vec::new(),
        json_fallback: false,
        joined: Joined::new(file),
        rest_offset: 0,
        has_error: false,
    }
}

/// `^[a-z][a-z0-9-_.]*$`
pub(crate) fn valid_stage_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_lowercase())
        && b.all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.')
        })
}

/// Go's `time.ParseDuration` syntax: `[-+]?(\d+(\.\d*)?|\.\d+)unit…` or `0`.
fn go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        let int = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        rest = &rest[int..];
        let mut frac = 0;
        if let Some(r) = rest.strip_prefix('.') {
            frac = r.len() - r.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            rest = &r[frac..];
        }
        if int == 0 && frac == 0 {
            return false;
        }
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .iter()
            .filter(|u| rest.starts_with(**u))
            .max_by_key(|u| u.len());
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
    }
    true
}

type KvError = Option<(String, Span)>;

/// BuildKit's `parseNameVal` for `ENV` and `LABEL`.
fn key_values(j: &Joined, start: usize, end: usize, esc: char, kw: &str) -> (Args, KvError) {
    let s = &j.text[start..end];
    let words = parse_words(s, esc);
    if words.is_empty() {
        return (
            Args::KeyValues {
                legacy: false,
                pairs: Vec::new(),
            },
            None,
        );
    }
    let (w0a, w0b) = words[0];
    if !s[w0a..w0b].contains('=') {
        // Legacy `KEY value…`: the first blank run splits key and value.
        let Some(ks) = s.find(is_token_ws) else {
            return (
                Args::KeyValues {
                    legacy: true,
                    pairs: Vec::new(),
                },
                Some((format!("{kw} must have two arguments"), j.span(start, end))),
            );
        };
        let vs = ks + (s[ks..].len() - s[ks..].trim_start_matches(is_token_ws).len());
        let pair = KeyValueNode {
            key: j.spanned(start, start + ks),
            value: j.spanned(start + vs, end),
            span: j.span(start, end),
        };
        return (
            Args::KeyValues {
                legacy: true,
                pairs: vec![pair],
            },
            None,
        );
    }
    let mut pairs = Vec::with_capacity(words.len());
    for (a, b) in words {
        let w = &s[a..b];
        let Some(eq) = w.find('=') else {
            return (
                Args::KeyValues {
                    legacy: false,
                    pairs,
                },
                Some((
                    format!(
                        "Syntax error - can't find = in \"{w}\". Must be of the form: name=value"
                    ),
                    j.span(start + a, start + b),
                )),
            );
        };
        pairs.push(KeyValueNode {
            key: j.spanned(start + a, start + a + eq),
            value: j.spanned(start + a + eq + 1, start + b),
            span: j.span(start + a, start + b),
        });
    }
    (
        Args::KeyValues {
            legacy: false,
            pairs,
        },
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_regex() {
        let t = "# syntax=docker/dockerfile:1";
        let d = match_directive(t).unwrap();
        assert_eq!(&t[d.0..d.1], "syntax");
        assert_eq!(&t[d.2..d.3], "docker/dockerfile:1");
        let t = "#Escape = `  ";
        let d = match_directive(t).unwrap();
        assert_eq!(&t[d.2..d.3], "`");
        assert!(match_directive("# escape=").is_none());
        assert!(match_directive("# hadolint ignore=DL3006").is_none());
        assert!(match_directive("# 1x=y").is_none());
        assert!(match_directive("FROM x").is_none());
    }

    #[test]
    fn durations() {
        for ok in ["30s", "1m30s", "1.5h", "0", "100ms", ".5s", "2us"] {
            assert!(go_duration(ok), "{ok}");
        }
        for bad in ["", "30", "s", "1x", "1.s5", "abc"] {
            assert!(!go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn stage_names() {
        assert!(valid_stage_name("build-env_1.x"));
        assert!(!valid_stage_name("1build"));
        assert!(!valid_stage_name("a/b"));
        assert!(!valid_stage_name(""));
    }
}
