//! The recursive-descent parser. It reads bytes directly (shell lexing
//! depends on context), keeps logical offsets into `text`, and turns them
//! into file spans through the [`OffsetMap`] only when a node is built.

use crate::ShellError;
use stockade_core::shell::{
    AndOrList, Assignment, Command, Connector, PARAM_INDIRECT, PARAM_LENGTH, PARAM_NAMES, Pipeline,
    Redirect, Script, SimpleCommand, Word, WordPart,
};
use stockade_core::span::{OffsetMap, Span};

/// Deepest nesting of lists, substitutions, quotes and parameter
/// expansions. Deeper input is reported once and the rest is skipped.
pub(crate) const MAX_DEPTH: usize = 100;
/// At most this many errors are kept per parse.
const MAX_ERRORS: usize = 100;

// What ends a statement list. `stop` is what the list being parsed waits
// for; `active` adds everything enclosing constructs wait for, so a
// list stops (without error) at a closer that belongs to an outer
// construct and lets that construct report the mismatch.
const S_RPAREN: u16 = 1;
const S_RBRACE: u16 = 1 << 1;
const S_THEN: u16 = 1 << 2;
const S_ELIF: u16 = 1 << 3;
const S_ELSE: u16 = 1 << 4;
const S_FI: u16 = 1 << 5;
const S_DO: u16 = 1 << 6;
const S_DONE: u16 = 1 << 7;
const S_ESAC: u16 = 1 << 8;
const S_CASE_END: u16 = 1 << 9;

/// Reserved words that close a construct, with their stop flag.
fn closer_flag(kw: &str) -> Option<u16> {
    Some(match kw {
        "then" => S_THEN,
        "elif" => S_ELIF,
        "else" => S_ELSE,
        "fi" => S_FI,
        "do" => S_DO,
        "done" => S_DONE,
        "esac" => S_ESAC,
        "}" => S_RBRACE,
        _ => return None,
    })
}

const RESERVED: &[&str] = &[
    "if", "then", "elif", "else", "fi", "while", "until", "for", "select", "do", "done", "case",
    "esac", "function", "{", "}", "!", "[[", "in",
];

#[inline]
fn is_meta(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

#[inline]
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

#[inline]
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// An ordinary word: ends at a blank or an operator character.
    Normal,
    /// The argument of `${name OP arg}`: ends at `}`; blanks are text.
    ParamArg,
    /// The right side of `=~` in `[[ ]]`: parentheses and `|` are text.
    Regex,
}

struct PendingHeredoc {
    key: usize,
    delim: String,
    quoted: bool,
    strip_tabs: bool,
}

pub(crate) struct Parser<'t, 'm, 'e> {
    src: &'t str,
    b: &'t [u8],
    end: usize,
    pos: usize,
    map: &'m OffsetMap,
    errors: &'e mut Vec<ShellError>,
    depth: usize,
    fatal: bool,
    active: u16,
    pending: Vec<PendingHeredoc>,
    bodies: Vec<(usize, Word)>,
}

impl<'t, 'm, 'e> Parser<'t, 'm, 'e> {
    pub(crate) fn new(
        src: &'t str,
        map: &'m OffsetMap,
        errors: &'e mut Vec<ShellError>,
        depth: usize,
    ) -> Self {
        Parser {
            src,
            b: src.as_bytes(),
            end: src.len(),
            pos: 0,
            map,
            errors,
            depth,
            fatal: false,
            active: 0,
            pending: Vec::new(),
            bodies: Vec::new(),
        }
    }

    /// Parses the whole text and attaches here-document bodies.
    pub(crate) fn parse_all(&mut self) -> Script {
        let mut script = self.parse_list(0);
        if self.pos < self.end && !self.fatal {
            // parse_list(0) only returns early at EOF; be safe anyway.
            self.error(self.pos, self.end, "unexpected text");
        }
        self.attach_heredocs(&mut script);
        script
    }

    pub(crate) fn is_fatal(&self) -> bool {
        self.fatal
    }

    // ───────────── low-level helpers ─────────────

    #[inline]
    fn peek(&self) -> Option<u8> {
        if self.pos < self.end {
            Some(self.b[self.pos])
        } else {
            None
        }
    }

    #[inline]
    fn peek_at(&self, k: usize) -> Option<u8> {
        let i = self.pos + k;
        if i < self.end { Some(self.b[i]) } else { None }
    }

    #[inline]
    fn byte(&self, i: usize) -> Option<u8> {
        if i < self.end { Some(self.b[i]) } else { None }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        self.map.span(start, end.max(start))
    }

    fn error(&mut self, start: usize, end: usize, msg: impl Into<String>) {
        if self.fatal || self.errors.len() >= MAX_ERRORS {
            return;
        }
        let span = self.span(start, end);
        self.errors.push(ShellError {
            span,
            message: msg.into(),
        });
    }

    /// Enters one nesting level; on overflow reports once and skips the rest.
    fn enter(&mut self) -> bool {
        if self.fatal {
            return false;
        }
        if self.depth >= MAX_DEPTH {
            self.error(
                self.pos,
                self.end,
                "nesting too deep; rest of the script skipped",
            );
            self.fatal = true;
            self.pos = self.end;
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Advances past one character (UTF-8 aware).
    fn bump_char(&mut self) {
        let mut i = self.pos + 1;
        while i < self.end && (self.b[i] & 0xC0) == 0x80 {
            i += 1;
        }
        self.pos = i.min(self.end);
    }

    fn line_end(&self, from: usize) -> usize {
        match self.b[from.min(self.end)..self.end]
            .iter()
            .position(|&c| c == b'\n')
        {
            Some(k) => from + k,
            None => self.end,
        }
    }

    /// Skips spaces, tabs, `\r` before a newline, and line continuations.
    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' => self.pos += 1,
                b'\r' if self.peek_at(1) == Some(b'\n') => self.pos += 1,
                b'\\' if self.peek_at(1) == Some(b'\n') => self.pos += 2,
                b'\\' if self.peek_at(1) == Some(b'\r') && self.peek_at(2) == Some(b'\n') => {
                    self.pos += 3
                }
                _ => break,
            }
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            self.pos = self.line_end(self.pos);
        }
    }

    /// Consumes a newline and reads pending here-document bodies.
    fn newline(&mut self) {
        self.pos += 1;
        if !self.pending.is_empty() {
            self.read_heredocs();
        }
    }

    /// Skips blanks, comments and newlines.
    fn skip_ws_nl(&mut self) {
        loop {
            self.skip_blanks();
            match self.peek() {
                Some(b'#') => self.skip_comment(),
                Some(b'\n') => self.newline(),
                _ => break,
            }
        }
    }

    /// The reserved word at `pos` (unquoted, followed by a delimiter).
    fn reserved_at(&self, pos: usize) -> Option<&'static str> {
        let mut j = pos;
        while j < self.end {
            let c = self.b[j];
            if is_meta(c) || matches!(c, b'\'' | b'"' | b'\\' | b'$' | b'`' | b'\r') {
                break;
            }
            j += 1;
            if j - pos > 8 {
                return None;
            }
        }
        if j == pos {
            return None;
        }
        let w = &self.src[pos..j];
        let kw = RESERVED.iter().copied().find(|k| *k == w)?;
        // `{` and `!` and `[[` need a blank (or end) after them.
        if matches!(kw, "{" | "!" | "[[") {
            match self.byte(j) {
                None | Some(b' ' | b'\t' | b'\n' | b'\r') => {}
                Some(b'(') if kw == "!" => {}
                _ => return None,
            }
        }
        Some(kw)
    }

    // ───────────── lists ─────────────

    fn parse_list(&mut self, stop: u16) -> Script {
        let list_start = self.pos;
        if !self.enter() {
            return Script {
                items: Vec::new(),
                span: self.span(list_start, list_start),
            };
        }
        let saved_active = self.active;
        self.active |= stop;
        let mut items = Vec::new();
        let mut first_start = None;
        let mut last_end = list_start;
        loop {
            if self.fatal {
                break;
            }
            self.skip_ws_nl();
            let Some(c) = self.peek() else { break };
            let here = self.pos;
            match c {
                b')' => {
                    if self.active & S_RPAREN != 0 {
                        break;
                    }
                    self.error(here, here + 1, "unexpected `)`");
                    self.pos += 1;
                    continue;
                }
                b';' => {
                    let len = self.case_end_len();
                    if len > 0 {
                        if self.active & S_CASE_END != 0 {
                            break;
                        }
                        self.error(
                            here,
                            here + len,
                            "unexpected case terminator outside `case`",
                        );
                        self.pos += len;
                    } else {
                        self.error(here, here + 1, "unexpected `;`");
                        self.pos += 1;
                    }
                    continue;
                }
                b'&' if self.peek_at(1) != Some(b'>') => {
                    let len = if self.peek_at(1) == Some(b'&') { 2 } else { 1 };
                    self.error(here, here + len, "unexpected `&`");
                    self.pos += len;
                    continue;
                }
                b'|' => {
                    let len = if matches!(self.peek_at(1), Some(b'|' | b'&')) {
                        2
                    } else {
                        1
                    };
                    self.error(here, here + len, "unexpected `|`");
                    self.pos += len;
                    continue;
                }
                _ => {}
            }
            if let Some(kw) = self.reserved_at(here)
                && let Some(flag) = closer_flag(kw)
            {
                if self.active & flag != 0 {
                    break;
                }
                self.error(here, here + kw.len(), format!("unexpected `{kw}`"));
                self.pos += kw.len();
                continue;
            }
            match self.parse_and_or() {
                Some(mut item) => {
                    first_start.get_or_insert(here);
                    last_end = self.pos;
                    self.skip_blanks();
                    match self.peek() {
                        Some(b';') if self.case_end_len() == 0 => self.pos += 1,
                        Some(b'&') if !matches!(self.peek_at(1), Some(b'&' | b'>')) => {
                            self.pos += 1;
                            item.background = true;
                            item.span = self.span(here, self.pos);
                            last_end = self.pos;
                        }
                        _ => {}
                    }
                    items.push(item);
                }
                None => {
                    if self.pos == here && !self.fatal {
                        // Nothing could start here: report and move on.
                        self.bump_char();
                        self.error(here, self.pos, "unexpected character");
                    }
                }
            }
            if self.pos == here && !self.fatal {
                self.bump_char();
                self.error(here, self.pos, "unexpected character");
            }
        }
        self.active = saved_active;
        self.leave();
        let start = first_start.unwrap_or(list_start);
        Script {
            items,
            span: self.span(start, last_end.max(start)),
        }
    }

    /// Length of a case terminator at `pos` (`;;&` 3, `;;`/`;&` 2), else 0.
    fn case_end_len(&self) -> usize {
        if self.peek() != Some(b';') {
            return 0;
        }
        match self.peek_at(1) {
            Some(b';') => {
                if self.peek_at(2) == Some(b'&') {
                    3
                } else {
                    2
                }
            }
            Some(b'&') => 2,
            _ => 0,
        }
    }

    fn parse_and_or(&mut self) -> Option<AndOrList> {
        let start = self.pos;
        let first = self.parse_pipeline()?;
        let mut end = self.pos;
        let mut rest = Vec::new();
        loop {
            let before = self.pos;
            self.skip_blanks();
            let conn = match (self.peek(), self.peek_at(1)) {
                (Some(b'&'), Some(b'&')) => Connector::And,
                (Some(b'|'), Some(b'|')) => Connector::Or,
                _ => {
                    self.pos = before;
                    break;
                }
            };
            let op = self.pos;
            self.pos += 2;
            self.skip_ws_nl();
            match self.parse_pipeline() {
                Some(p) => {
                    rest.push((conn, p));
                    end = self.pos;
                }
                None => {
                    self.error(op, op + 2, "expected a command after `&&`/`||`");
                    end = self.pos;
                    break;
                }
            }
        }
        Some(AndOrList {
            first,
            rest,
            background: false,
            span: self.span(start, end),
        })
    }

    fn parse_pipeline(&mut self) -> Option<Pipeline> {
        self.skip_blanks();
        let start = self.pos;
        let mut bang = false;
        if self.reserved_at(self.pos) == Some("!") {
            bang = true;
            self.pos += 1;
            self.skip_blanks();
        }
        let mut commands = Vec::new();
        match self.parse_command() {
            Some(c) => commands.push(c),
            None => {
                if bang {
                    self.error(start, start + 1, "expected a command after `!`");
                }
                return None;
            }
        }
        let mut end = self.pos;
        loop {
            let before = self.pos;
            self.skip_blanks();
            if self.peek() != Some(b'|') || self.peek_at(1) == Some(b'|') {
                self.pos = before;
                break;
            }
            let op = self.pos;
            self.pos += if self.peek_at(1) == Some(b'&') { 2 } else { 1 };
            self.skip_ws_nl();
            match self.parse_command() {
                Some(c) => {
                    commands.push(c);
                    end = self.pos;
                }
                None => {
                    self.error(op, op + 1, "expected a command after `|`");
                    break;
                }
            }
        }
        Some(Pipeline {
            bang,
            commands,
            span: self.span(start, end),
        })
    }

    // ───────────── commands ─────────────

    fn parse_command(&mut self) -> Option<Command> {
        self.skip_blanks();
        let start = self.pos;
        let c = self.peek()?;
        if let Some(kw) = self.reserved_at(start) {
            match kw {
                "if" => return Some(self.parse_if()),
                "while" | "until" => return Some(self.parse_while(kw)),
                "for" | "select" => return Some(self.parse_for(kw)),
                "case" => return Some(self.parse_case()),
                "{" => return Some(self.parse_group()),
                "[[" => return Some(self.parse_cond()),
                "function" => return Some(self.parse_function_kw()),
                k if closer_flag(k).is_some() => return None,
                _ => {}
            }
        }
        match c {
            b'(' => {
                if self.peek_at(1) == Some(b'(')
                    && let Some(e) = self.arith_end(start + 2)
                {
                    return Some(self.finish_arith_command(start, e));
                }
                Some(self.parse_subshell())
            }
            b'\n' | b';' | b'|' | b')' => None,
            b'&' if self.peek_at(1) != Some(b'>') => None,
            _ => self.parse_simple(),
        }
    }

    fn finish_arith_command(&mut self, start: usize, e: usize) -> Command {
        let text = self.src[start + 2..e].to_string();
        self.pos = e + 2;
        let span = self.span(start, self.pos);
        let word = Word {
            parts: vec![WordPart::Arith { text, span }],
            span,
        };
        let redirects = self.parse_trailing_redirects();
        Command::Compound {
            keyword: "((".to_string(),
            name: None,
            words: vec![word],
            bodies: Vec::new(),
            redirects,
            span: self.span(start, self.pos),
        }
    }

    /// Where the closing `))` of an arithmetic expression starting at
    /// `from` is (the index of its first `)`), if the text really is one.
    fn arith_end(&self, from: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = from;
        while i < self.end {
            match self.b[i] {
                b'(' => depth += 1,
                b')' => {
                    if depth == 0 {
                        return if self.byte(i + 1) == Some(b')') {
                            Some(i)
                        } else {
                            None
                        };
                    }
                    depth -= 1;
                }
                b'\\' => i += 1,
                q @ (b'\'' | b'"') => {
                    i += 1;
                    while i < self.end && self.b[i] != q {
                        if self.b[i] == b'\\' && q == b'"' {
                            i += 1;
                        }
                        i += 1;
                    }
                }
                b'\n' | b';' if depth == 0 && self.b[i] == b';' => {
                    // `;` only appears in `for ((…; …; …))`; keep going.
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    fn parse_trailing_redirects(&mut self) -> Vec<Redirect> {
        let mut out = Vec::new();
        loop {
            if self.fatal {
                break;
            }
            let before = self.pos;
            self.skip_blanks();
            let start = self.pos;
            match self.redirect_start() {
                Some((fd, op_pos)) => {
                    self.pos = op_pos;
                    out.push(self.parse_redirect(start, fd));
                }
                None => {
                    self.pos = before;
                    break;
                }
            }
        }
        out
    }

    /// If a redirection starts at `pos`: its fd and where the operator is.
    fn redirect_start(&self) -> Option<(Option<u32>, usize)> {
        let c = self.peek()?;
        match c {
            b'<' | b'>' => {
                if self.peek_at(1) == Some(b'(') {
                    None
                } else {
                    Some((None, self.pos))
                }
            }
            b'&' if self.peek_at(1) == Some(b'>') => Some((None, self.pos)),
            b'0'..=b'9' => {
                let mut j = self.pos;
                while j < self.end && self.b[j].is_ascii_digit() {
                    j += 1;
                }
                match self.byte(j) {
                    Some(b'<' | b'>') if self.byte(j + 1) != Some(b'(') => {
                        let fd = self.src[self.pos..j].parse::<u32>().ok();
                        Some((fd, j))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn parse_redirect(&mut self, start: usize, fd: Option<u32>) -> Redirect {
        let rest = &self.b[self.pos..self.end];
        const OPS: &[&str] = &[
            "<<<", "<<-", "<<", "<&", "<>", "&>>", "&>", ">>", ">&", ">|", "<", ">",
        ];
        let op = OPS
            .iter()
            .copied()
            .find(|o| rest.starts_with(o.as_bytes()))
            .unwrap_or(">");
        let op_start = self.pos;
        self.pos += op.len();
        self.skip_blanks();
        let target_start = self.pos;
        let target = match self.parse_word(Mode::Normal) {
            Some(w) => w,
            None => {
                self.error(
                    op_start,
                    op_start + op.len(),
                    format!("missing target after `{op}`"),
                );
                Word {
                    parts: Vec::new(),
                    span: self.span(self.pos, self.pos),
                }
            }
        };
        if (op == "<<" || op == "<<-") && !target.parts.is_empty() {
            let raw = &self.src[target_start..self.pos];
            let quoted = raw.bytes().any(|c| matches!(c, b'\'' | b'"' | b'\\'));
            let delim = target.literal().unwrap_or_else(|| target.lossy());
            self.pending.push(PendingHeredoc {
                key: start,
                delim,
                quoted,
                strip_tabs: op == "<<-",
            });
        }
        Redirect {
            fd,
            op: op.to_string(),
            target,
            heredoc: None,
            span: self.span(start, self.pos),
        }
    }

    fn parse_simple(&mut self) -> Option<Command> {
        let start = self.pos;
        let mut end = start;
        let mut assignments: Vec<Assignment> = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut redirects: Vec<Redirect> = Vec::new();
        loop {
            if self.fatal {
                break;
            }
            self.skip_blanks();
            let Some(c) = self.peek() else { break };
            let here = self.pos;
            match c {
                b'\n' | b';' | b'|' | b')' => break,
                b'&' if self.peek_at(1) != Some(b'>') => break,
                b'#' => {
                    self.skip_comment();
                    continue;
                }
                b'(' => {
                    if words.len() == 1 && assignments.is_empty() && redirects.is_empty() {
                        let save = self.pos;
                        self.pos += 1;
                        self.skip_blanks();
                        if self.peek() == Some(b')') {
                            self.pos += 1;
                            let name_word = words.pop().unwrap_or_default();
                            return Some(self.finish_function(start, name_word));
                        }
                        self.pos = save;
                    }
                    // Not valid here; skip the parenthesised text.
                    let close = self.skip_parens(here);
                    self.error(here, close, "unexpected `(`");
                    end = self.pos;
                    continue;
                }
                _ => {}
            }
            if let Some((fd, op_pos)) = self.redirect_start() {
                self.pos = op_pos;
                let r = self.parse_redirect(here, fd);
                redirects.push(r);
                end = self.pos;
                continue;
            }
            if words.is_empty()
                && let Some(a) = self.try_assignment()
            {
                assignments.push(a);
                end = self.pos;
                continue;
            }
            match self.parse_word(Mode::Normal) {
                Some(mut w) => {
                    if !words.is_empty() && self.peek() == Some(b'(') && is_decl(&words[0]) {
                        // `declare -a arr=(x y)`, `local a=(…)`
                        if let Some(l) = w.literal()
                            && l.ends_with('=')
                        {
                            self.extend_with_array(&mut w, here);
                        }
                    }
                    words.push(w);
                    end = self.pos;
                }
                None => {
                    if self.pos == here {
                        break;
                    }
                }
            }
        }
        if assignments.is_empty() && words.is_empty() && redirects.is_empty() {
            return None;
        }
        if !self.fatal {
            self.pos = end;
        }
        Some(Command::Simple(SimpleCommand {
            assignments,
            words,
            redirects,
            span: self.span(start, end),
        }))
    }

    /// Skips `( … )` with nesting, from the `(` at `open`; returns the end.
    fn skip_parens(&mut self, open: usize) -> usize {
        let mut depth = 0usize;
        let mut i = open;
        let limit = self.line_end(open);
        while i < limit {
            match self.b[i] {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.pos = i.min(self.end);
        self.pos
    }

    fn try_assignment(&mut self) -> Option<Assignment> {
        let start = self.pos;
        let c = self.peek()?;
        if !is_name_start(c) {
            return None;
        }
        let mut j = start;
        while j < self.end && is_name_byte(self.b[j]) {
            j += 1;
        }
        if self.byte(j) == Some(b'[') {
            let mut depth = 0usize;
            while j < self.end {
                match self.b[j] {
                    b'[' => depth += 1,
                    b']' => {
                        depth -= 1;
                        if depth == 0 {
                            j += 1;
                            break;
                        }
                    }
                    b'\n' | b' ' | b'\t' => return None,
                    _ => {}
                }
                j += 1;
            }
            if depth != 0 {
                return None;
            }
        }
        let name_end = j;
        let append = match (self.byte(j), self.byte(j + 1)) {
            (Some(b'+'), Some(b'=')) => {
                j += 2;
                true
            }
            (Some(b'='), _) => {
                j += 1;
                false
            }
            _ => return None,
        };
        let name = self.src[start..name_end].to_string();
        self.pos = j;
        let mut array = None;
        let value = if self.peek() == Some(b'(') {
            let (w, elems) = self.parse_array(Vec::new());
            array = Some(elems);
            w
        } else {
            match self.parse_word(Mode::Normal) {
                Some(w) => w,
                None => Word {
                    parts: Vec::new(),
                    span: self.span(j, j),
                },
            }
        };
        Some(Assignment {
            name,
            append,
            value,
            array,
            span: self.span(start, self.pos),
        })
    }

    /// Parses `( elem… )` at `pos`. Returns the combined word (parts
    /// `prefix`, `(`, elements separated by spaces, `)`) and the elements.
    fn parse_array(&mut self, prefix: Vec<WordPart>) -> (Word, Vec<Word>) {
        let open = self.pos;
        self.pos += 1;
        let mut elems: Vec<Word> = Vec::new();
        let mut parts = prefix;
        parts.push(WordPart::Literal("(".to_string()));
        loop {
            if self.fatal {
                break;
            }
            self.skip_ws_nl();
            match self.peek() {
                None => {
                    self.error(open, open + 1, "unterminated array `(`");
                    break;
                }
                Some(b')') => {
                    self.pos += 1;
                    break;
                }
                _ => {}
            }
            let here = self.pos;
            match self.parse_word(Mode::Normal) {
                Some(w) => elems.push(w),
                None => {
                    if self.pos == here {
                        self.bump_char();
                        self.error(here, self.pos, "unexpected character in array");
                    }
                }
            }
        }
        for (i, e) in elems.iter().enumerate() {
            if i > 0 {
                parts.push(WordPart::Literal(" ".to_string()));
            }
            parts.extend(e.parts.iter().cloned());
        }
        parts.push(WordPart::Literal(")".to_string()));
        (
            Word {
                parts,
                span: self.span(open, self.pos),
            },
            elems,
        )
    }

    fn extend_with_array(&mut self, w: &mut Word, word_start: usize) {
        let prefix = std::mem::take(&mut w.parts);
        let (arr, _) = self.parse_array(prefix);
        w.parts = arr.parts;
        w.span = self.span(word_start, self.pos);
    }

    fn finish_function(&mut self, start: usize, name_word: Word) -> Command {
        let name = name_word.literal().unwrap_or_else(|| name_word.lossy());
        self.skip_ws_nl();
        let body_start = self.pos;
        let body = match self.parse_command() {
            Some(c) => {
                if matches!(c, Command::Simple(_)) {
                    self.error(
                        body_start,
                        self.pos,
                        "function body must be a compound command",
                    );
                }
                c
            }
            None => {
                self.error(
                    start,
                    self.pos,
                    format!("missing body for function `{name}`"),
                );
                Command::Group {
                    body: Script {
                        items: Vec::new(),
                        span: self.span(self.pos, self.pos),
                    },
                    redirects: Vec::new(),
                    span: self.span(self.pos, self.pos),
                }
            }
        };
        Command::Function {
            name,
            body: Box::new(body),
            span: self.span(start, self.pos),
        }
    }

    fn parse_function_kw(&mut self) -> Command {
        let start = self.pos;
        self.pos += "function".len();
        self.skip_blanks();
        let name_word = match self.parse_word(Mode::Normal) {
            Some(w) => w,
            None => {
                self.error(start, self.pos, "missing function name");
                Word::default()
            }
        };
        self.skip_blanks();
        if self.peek() == Some(b'(') {
            let save = self.pos;
            self.pos += 1;
            self.skip_blanks();
            if self.peek() == Some(b')') {
                self.pos += 1;
            } else {
                self.pos = save;
            }
        }
        self.finish_function(start, name_word)
    }

    fn parse_subshell(&mut self) -> Command {
        let open = self.pos;
        self.pos += 1;
        let body = self.parse_list(S_RPAREN);
        if self.peek() == Some(b')') {
            self.pos += 1;
        } else {
            self.error(open, open + 1, "unterminated `(`: missing `)`");
        }
        let redirects = self.parse_trailing_redirects();
        Command::Subshell {
            body,
            redirects,
            span: self.span(open, self.pos),
        }
    }

    fn expect_kw(&mut self, kw: &str, opener: usize, opener_kw: &str) -> bool {
        self.skip_ws_nl();
        if self.reserved_at(self.pos) == Some(kw) {
            self.pos += kw.len();
            true
        } else {
            self.error(
                opener,
                opener + opener_kw.len(),
                format!("`{opener_kw}` without matching `{kw}`"),
            );
            false
        }
    }

    fn parse_group(&mut self) -> Command {
        let open = self.pos;
        self.pos += 1;
        let body = self.parse_list(S_RBRACE);
        self.expect_kw("}", open, "{");
        let redirects = self.parse_trailing_redirects();
        Command::Group {
            body,
            redirects,
            span: self.span(open, self.pos),
        }
    }

    fn compound(
        &self,
        keyword: &str,
        words: Vec<Word>,
        bodies: Vec<Script>,
        start: usize,
        redirects: Vec<Redirect>,
    ) -> Command {
        Command::Compound {
            keyword: keyword.to_string(),
            name: None,
            words,
            bodies,
            redirects,
            span: self.span(start, self.pos),
        }
    }

    fn parse_if(&mut self) -> Command {
        let start = self.pos;
        self.pos += 2;
        let mut bodies = Vec::new();
        let saved = self.active;
        self.active |= S_THEN | S_ELIF | S_ELSE | S_FI;
        let mut closed = false;
        // Condition and then-part, then each elif, then else.
        'outer: loop {
            let cond = self.parse_list(S_THEN);
            bodies.push(cond);
            self.skip_ws_nl();
            if self.reserved_at(self.pos) == Some("then") {
                self.pos += 4;
            } else {
                self.error(start, start + 2, "`if` without `then`");
                if !matches!(self.reserved_at(self.pos), Some("elif" | "else" | "fi")) {
                    break;
                }
            }
            let part = self.parse_list(S_ELIF | S_ELSE | S_FI);
            bodies.push(part);
            self.skip_ws_nl();
            match self.reserved_at(self.pos) {
                Some("elif") => {
                    self.pos += 4;
                    continue;
                }
                Some("else") => {
                    self.pos += 4;
                    let part = self.parse_list(S_FI);
                    bodies.push(part);
                    break 'outer;
                }
                Some("fi") => {
                    self.pos += 2;
                    closed = true;
                    break;
                }
                _ => break,
            }
        }
        self.active = saved;
        if !closed && !self.fatal {
            self.expect_kw("fi", start, "if");
        }
        let redirects = self.parse_trailing_redirects();
        self.compound("if", Vec::new(), bodies, start, redirects)
    }

    fn parse_while(&mut self, kw: &str) -> Command {
        let start = self.pos;
        self.pos += kw.len();
        let saved = self.active;
        self.active |= S_DO | S_DONE;
        let cond = self.parse_list(S_DO);
        let mut bodies = vec![cond];
        if self.expect_kw("do", start, kw) {
            bodies.push(self.parse_list(S_DONE));
        }
        self.active = saved;
        if !self.fatal {
            self.expect_kw("done", start, kw);
        }
        let redirects = self.parse_trailing_redirects();
        self.compound(kw, Vec::new(), bodies, start, redirects)
    }

    fn parse_for(&mut self, kw: &str) -> Command {
        let start = self.pos;
        self.pos += kw.len();
        self.skip_blanks();
        let mut words = Vec::new();
        let mut loop_name = None;
        if self.peek() == Some(b'(') && self.peek_at(1) == Some(b'(') {
            let open = self.pos;
            match self.arith_end(open + 2) {
                Some(e) => {
                    let text = self.src[open + 2..e].to_string();
                    self.pos = e + 2;
                    let span = self.span(open, self.pos);
                    words.push(Word {
                        parts: vec![WordPart::Arith { text, span }],
                        span,
                    });
                }
                None => {
                    self.error(open, open + 2, "unterminated `((`");
                    self.pos = self.line_end(open);
                }
            }
        } else {
            let name_start = self.pos;
            match self.parse_word(Mode::Normal) {
                Some(w) => {
                    loop_name = w.literal();
                    if !w.literal().is_some_and(|n| {
                        n.bytes().next().is_some_and(is_name_start) && n.bytes().all(is_name_byte)
                    }) {
                        self.error(
                            name_start,
                            self.pos,
                            format!("invalid `{kw}` variable name"),
                        );
                    }
                }
                None => self.error(start, start + kw.len(), format!("missing `{kw}` variable")),
            }
            self.skip_blanks();
            if self.peek() == Some(b';') {
                self.pos += 1;
            }
            self.skip_ws_nl();
            if self.reserved_at(self.pos) == Some("in") {
                self.pos += 2;
                loop {
                    if self.fatal {
                        break;
                    }
                    self.skip_blanks();
                    match self.peek() {
                        None => break,
                        Some(b'\n') => {
                            self.newline();
                            break;
                        }
                        Some(b';') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b'#') => {
                            self.skip_comment();
                            continue;
                        }
                        Some(c) if is_meta(c) && !matches!(c, b'<' | b'>') => break,
                        _ => {}
                    }
                    let here = self.pos;
                    match self.parse_word(Mode::Normal) {
                        Some(w) => words.push(w),
                        None => {
                            if self.pos == here {
                                break;
                            }
                        }
                    }
                }
            }
        }
        self.skip_blanks();
        if self.peek() == Some(b';') {
            self.pos += 1;
        }
        self.skip_ws_nl();
        let mut bodies = Vec::new();
        if self.reserved_at(self.pos) == Some("{") {
            // bash also accepts `for x in …; { …; }`.
            if let Command::Group { body, .. } = self.parse_group() {
                bodies.push(body);
            }
        } else {
            let saved = self.active;
            self.active |= S_DONE;
            if self.expect_kw("do", start, kw) {
                bodies.push(self.parse_list(S_DONE));
            }
            self.active = saved;
            if !self.fatal {
                self.expect_kw("done", start, kw);
            }
        }
        let redirects = self.parse_trailing_redirects();
        let mut c = self.compound(kw, words, bodies, start, redirects);
        if let Command::Compound { name, .. } = &mut c {
            *name = loop_name;
        }
        c
    }

    fn parse_case(&mut self) -> Command {
        let start = self.pos;
        self.pos += 4;
        self.skip_blanks();
        let mut words = Vec::new();
        match self.parse_word(Mode::Normal) {
            Some(w) => words.push(w),
            None => self.error(start, start + 4, "missing `case` subject"),
        }
        self.skip_ws_nl();
        let mut bodies = Vec::new();
        if self.reserved_at(self.pos) == Some("in") {
            self.pos += 2;
        } else {
            self.error(start, start + 4, "`case` without `in`");
        }
        let saved = self.active;
        let mut closed = false;
        loop {
            if self.fatal {
                break;
            }
            self.skip_ws_nl();
            if self.peek().is_none() {
                break;
            }
            match self.reserved_at(self.pos) {
                Some("esac") => {
                    self.pos += 4;
                    closed = true;
                    break;
                }
                Some(k) if closer_flag(k).is_some_and(|f| saved & f != 0) => break,
                _ => {}
            }
            if self.peek() == Some(b')') && saved & S_RPAREN != 0 {
                break;
            }
            if self.peek() == Some(b'(') {
                self.pos += 1;
                self.skip_blanks();
            }
            // Patterns: word ( `|` word )* `)`
            let arm_start = self.pos;
            loop {
                self.skip_blanks();
                let here = self.pos;
                match self.parse_word(Mode::Normal) {
                    Some(w) => words.push(w),
                    None => {
                        if self.pos == here && !matches!(self.peek(), Some(b'|' | b')')) {
                            break;
                        }
                    }
                }
                self.skip_blanks();
                if self.peek() == Some(b'|') {
                    self.pos += 1;
                    continue;
                }
                break;
            }
            if self.peek() == Some(b')') {
                self.pos += 1;
            } else {
                self.error(
                    arm_start,
                    self.pos.max(arm_start + 1).min(self.end),
                    "expected `)` after case pattern",
                );
                // Recover: skip to the end of the line.
                self.pos = self.line_end(self.pos);
            }
            self.active = saved | S_ESAC | S_CASE_END;
            let body = self.parse_list(S_CASE_END | S_ESAC);
            self.active = saved;
            bodies.push(body);
            self.skip_ws_nl();
            let len = self.case_end_len();
            if len > 0 {
                self.pos += len;
                continue;
            }
            if self.reserved_at(self.pos) == Some("esac") {
                self.pos += 4;
                closed = true;
            }
            break;
        }
        self.active = saved;
        if !closed {
            self.error(start, start + 4, "`case` without matching `esac`");
        }
        let redirects = self.parse_trailing_redirects();
        self.compound("case", words, bodies, start, redirects)
    }

    fn parse_cond(&mut self) -> Command {
        let start = self.pos;
        self.pos += 2;
        let mut words = Vec::new();
        let mut closed = false;
        let mut regex_next = false;
        loop {
            if self.fatal {
                break;
            }
            self.skip_blanks();
            let Some(c) = self.peek() else { break };
            let here = self.pos;
            if c == b'\n' {
                self.newline();
                continue;
            }
            if c == b']' && self.peek_at(1) == Some(b']') {
                let after = self.peek_at(2);
                if after.is_none_or(|a| is_meta(a) || a == b'\r') {
                    self.pos += 2;
                    closed = true;
                    break;
                }
            }
            let op_len = match (c, self.peek_at(1)) {
                (b'&', Some(b'&')) | (b'|', Some(b'|')) => 2,
                (b'(' | b')' | b'<' | b'>', _) if !regex_next => {
                    if matches!(c, b'<' | b'>') && self.peek_at(1) == Some(b'(') {
                        0
                    } else {
                        1
                    }
                }
                (b';' | b'&' | b'|', _) => {
                    // Not valid inside [[ ]]: stop here.
                    break;
                }
                _ => 0,
            };
            if op_len > 0 {
                self.pos += op_len;
                let span = self.span(here, self.pos);
                words.push(Word {
                    parts: vec![WordPart::Literal(self.src[here..self.pos].to_string())],
                    span,
                });
                continue;
            }
            let mode = if regex_next {
                Mode::Regex
            } else {
                Mode::Normal
            };
            match self.parse_word(mode) {
                Some(w) => {
                    regex_next = w.literal().is_some_and(|l| l == "=~");
                    words.push(w);
                }
                None => {
                    if self.pos == here {
                        self.bump_char();
                    }
                }
            }
        }
        if !closed {
            self.error(start, start + 2, "`[[` without matching `]]`");
        }
        let redirects = self.parse_trailing_redirects();
        self.compound("[[", words, Vec::new(), start, redirects)
    }

    // ───────────── words ─────────────

    fn flush(parts: &mut Vec<WordPart>, lit: &mut String) {
        if !lit.is_empty() {
            parts.push(WordPart::Literal(std::mem::take(lit)));
        }
    }

    fn parse_word(&mut self, mode: Mode) -> Option<Word> {
        let start = self.pos;
        let mut parts: Vec<WordPart> = Vec::new();
        let mut lit = String::new();
        let mut run = self.pos;
        let mut paren = 0usize;
        while let Some(c) = self.peek() {
            if self.fatal {
                break;
            }
            let special = match c {
                b' ' | b'\t' | b'\n' => match mode {
                    Mode::ParamArg => false,
                    Mode::Regex if paren > 0 && c != b'\n' => false,
                    _ => break,
                },
                b'\r' => mode != Mode::ParamArg && self.peek_at(1) == Some(b'\n'),
                b';' | b'&' | b'|' => match mode {
                    Mode::Normal => break,
                    Mode::ParamArg => false,
                    Mode::Regex => {
                        if paren > 0 {
                            false
                        } else {
                            break;
                        }
                    }
                },
                b'<' | b'>' => match mode {
                    Mode::Normal => {
                        if self.pos == start && self.peek_at(1) == Some(b'(') {
                            true
                        } else {
                            break;
                        }
                    }
                    Mode::ParamArg => false,
                    Mode::Regex => {
                        if paren > 0 {
                            false
                        } else {
                            break;
                        }
                    }
                },
                b'(' => match mode {
                    Mode::Normal => break,
                    Mode::ParamArg => false,
                    Mode::Regex => {
                        paren += 1;
                        false
                    }
                },
                b')' => match mode {
                    Mode::Normal => break,
                    Mode::ParamArg => false,
                    Mode::Regex => {
                        if paren == 0 {
                            break;
                        }
                        paren -= 1;
                        false
                    }
                },
                b'}' => {
                    if mode == Mode::ParamArg {
                        break;
                    }
                    false
                }
                b'\\' | b'\'' | b'"' | b'$' | b'`' => true,
                b'*' | b'?' | b'[' => mode == Mode::Normal,
                b'@' | b'!' | b'+' => mode == Mode::Normal && self.peek_at(1) == Some(b'('),
                b'~' => mode == Mode::Normal && self.pos == start,
                _ => false,
            };
            if !special {
                self.pos += 1;
                continue;
            }
            if c == b'\r' {
                break;
            }
            lit.push_str(&self.src[run..self.pos]);
            match c {
                b'\\' => match self.peek_at(1) {
                    Some(b'\n') => self.pos += 2,
                    Some(b'\r') if self.peek_at(2) == Some(b'\n') => self.pos += 3,
                    Some(n) if n < 0x80 => {
                        lit.push(n as char);
                        self.pos += 2;
                    }
                    Some(_) => self.pos += 1,
                    None => {
                        lit.push('\\');
                        self.pos += 1;
                    }
                },
                b'\'' => {
                    Self::flush(&mut parts, &mut lit);
                    let p = self.parse_squote();
                    parts.push(p);
                }
                b'"' => {
                    Self::flush(&mut parts, &mut lit);
                    let p = self.parse_dquote();
                    parts.push(p);
                }
                b'$' => self.parse_dollar(&mut parts, &mut lit, false),
                b'`' => {
                    Self::flush(&mut parts, &mut lit);
                    let p = self.parse_backtick(false);
                    parts.push(p);
                }
                b'<' | b'>' => {
                    Self::flush(&mut parts, &mut lit);
                    let p = self.parse_process_subst();
                    parts.push(p);
                }
                b'~' => {
                    Self::flush(&mut parts, &mut lit);
                    parts.push(WordPart::Glob("~".to_string()));
                    self.pos += 1;
                }
                _ => {
                    // Glob characters, possibly an extended glob `@(…)`.
                    Self::flush(&mut parts, &mut lit);
                    let g = self.pos;
                    if self.peek_at(1) == Some(b'(') && c != b'[' {
                        self.pos += 1;
                        let mut depth = 0usize;
                        while let Some(d) = self.peek() {
                            self.pos += 1;
                            match d {
                                b'(' => depth += 1,
                                b')' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        break;
                                    }
                                }
                                b'\n' => {
                                    self.pos -= 1;
                                    break;
                                }
                                _ => {}
                            }
                        }
                    } else {
                        self.pos += 1;
                    }
                    parts.push(WordPart::Glob(self.src[g..self.pos].to_string()));
                }
            }
            run = self.pos;
        }
        lit.push_str(&self.src[run..self.pos.min(self.end)]);
        Self::flush(&mut parts, &mut lit);
        if self.pos == start {
            return None;
        }
        Some(Word {
            parts,
            span: self.span(start, self.pos),
        })
    }

    fn parse_squote(&mut self) -> WordPart {
        let open = self.pos;
        let from = open + 1;
        match self.b[from.min(self.end)..self.end]
            .iter()
            .position(|&c| c == b'\'')
        {
            Some(k) => {
                self.pos = from + k + 1;
                WordPart::SingleQuoted(self.src[from..from + k].to_string())
            }
            None => {
                let le = self.line_end(from);
                self.error(open, open + 1, "unterminated single quote");
                self.pos = le;
                WordPart::SingleQuoted(self.src[from.min(le)..le].to_string())
            }
        }
    }

    fn parse_dquote(&mut self) -> WordPart {
        let open = self.pos;
        if !self.enter() {
            return WordPart::DoubleQuoted(Vec::new());
        }
        self.pos += 1;
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut run = self.pos;
        let mut closed = false;
        while let Some(c) = self.peek() {
            if self.fatal {
                break;
            }
            match c {
                b'"' => {
                    lit.push_str(&self.src[run..self.pos]);
                    self.pos += 1;
                    closed = true;
                    break;
                }
                b'\\' => match self.peek_at(1) {
                    Some(n @ (b'$' | b'`' | b'"' | b'\\')) => {
                        lit.push_str(&self.src[run..self.pos]);
                        lit.push(n as char);
                        self.pos += 2;
                        run = self.pos;
                    }
                    Some(b'\n') => {
                        lit.push_str(&self.src[run..self.pos]);
                        self.pos += 2;
                        run = self.pos;
                    }
                    _ => self.pos += 1,
                },
                b'$' => {
                    lit.push_str(&self.src[run..self.pos]);
                    self.parse_dollar(&mut parts, &mut lit, true);
                    run = self.pos;
                }
                b'`' => {
                    lit.push_str(&self.src[run..self.pos]);
                    Self::flush(&mut parts, &mut lit);
                    let p = self.parse_backtick(true);
                    parts.push(p);
                    run = self.pos;
                }
                _ => self.pos += 1,
            }
        }
        self.leave();
        if !closed {
            if self.fatal {
                return WordPart::DoubleQuoted(parts);
            }
            // Recover at the end of the line the quote opened on.
            self.error(open, open + 1, "unterminated double quote");
            let le = self.line_end(open + 1);
            self.pos = le;
            return WordPart::DoubleQuoted(vec![WordPart::Literal(
                self.src[(open + 1).min(le)..le].to_string(),
            )]);
        }
        Self::flush(&mut parts, &mut lit);
        WordPart::DoubleQuoted(parts)
    }

    /// At `$`: appends the expansion (or a literal `$`).
    fn parse_dollar(&mut self, parts: &mut Vec<WordPart>, lit: &mut String, in_dquote: bool) {
        let start = self.pos;
        match self.peek_at(1) {
            Some(b'{') => {
                Self::flush(parts, lit);
                let p = self.parse_braced_param();
                parts.push(p);
            }
            Some(b'(') => {
                Self::flush(parts, lit);
                if self.peek_at(2) == Some(b'(')
                    && let Some(e) = self.arith_end(start + 3)
                {
                    let text = self.src[start + 3..e].to_string();
                    self.pos = e + 2;
                    parts.push(WordPart::Arith {
                        text,
                        span: self.span(start, self.pos),
                    });
                    return;
                }
                self.pos += 2;
                let saved = self.active;
                self.active = S_RPAREN;
                let script = self.parse_list(S_RPAREN);
                self.active = saved;
                if self.peek() == Some(b')') {
                    self.pos += 1;
                } else if !self.fatal {
                    self.error(start, start + 2, "unterminated `$(`: missing `)`");
                }
                parts.push(WordPart::CommandSubst {
                    script,
                    backtick: false,
                    span: self.span(start, self.pos),
                });
            }
            Some(b'\'') if !in_dquote => {
                Self::flush(parts, lit);
                let p = self.parse_ansi_c();
                parts.push(p);
            }
            Some(b'"') if !in_dquote => {
                Self::flush(parts, lit);
                self.pos += 1;
                let p = self.parse_dquote();
                parts.push(p);
            }
            Some(c) if is_name_start(c) => {
                Self::flush(parts, lit);
                let mut j = start + 1;
                while j < self.end && is_name_byte(self.b[j]) {
                    j += 1;
                }
                self.pos = j;
                parts.push(WordPart::Param {
                    name: self.src[start + 1..j].to_string(),
                    op: None,
                    arg: None,
                    span: self.span(start, j),
                });
            }
            Some(c)
                if c.is_ascii_digit()
                    || matches!(c, b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!') =>
            {
                Self::flush(parts, lit);
                self.pos = start + 2;
                parts.push(WordPart::Param {
                    name: (c as char).to_string(),
                    op: None,
                    arg: None,
                    span: self.span(start, self.pos),
                });
            }
            _ => {
                lit.push('$');
                self.pos += 1;
            }
        }
    }

    fn parse_braced_param(&mut self) -> WordPart {
        let start = self.pos;
        if !self.enter() {
            return WordPart::Literal(String::new());
        }
        self.pos += 2;
        let mut prefix: Option<&'static str> = None;
        match (self.peek(), self.peek_at(1)) {
            (Some(b'#'), Some(n)) if n != b'}' && (is_name_byte(n) || b"@*!?$-".contains(&n)) => {
                // `${#-}` / `${#?}` are operators on `$#` when followed by more.
                let operator_on_hash = matches!(n, b'-' | b'?') && self.peek_at(2) != Some(b'}');
                if !operator_on_hash {
                    prefix = Some(PARAM_LENGTH);
                    self.pos += 1;
                }
            }
            (Some(b'!'), Some(n)) if n != b'}' && (is_name_byte(n) || b"@*#?$-".contains(&n)) => {
                prefix = Some(PARAM_INDIRECT);
                self.pos += 1;
            }
            _ => {}
        }
        let name_start = self.pos;
        match self.peek() {
            Some(c) if is_name_start(c) => {
                while self.peek().is_some_and(is_name_byte) {
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while self.peek().is_some_and(|d| d.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
            Some(b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!') => self.pos += 1,
            _ => {}
        }
        if self.pos > name_start && self.peek() == Some(b'[') {
            let mut depth = 0usize;
            while let Some(c) = self.peek() {
                if c == b'[' {
                    depth += 1;
                } else if c == b']' {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        break;
                    }
                } else if c == b'}' || c == b'\n' {
                    break;
                }
                self.pos += 1;
            }
        }
        let name = self.src[name_start..self.pos].to_string();
        if name.is_empty() {
            self.leave();
            return self.bad_substitution(start);
        }
        let mut op: Option<String> = prefix.map(str::to_string);
        if prefix == Some(PARAM_INDIRECT)
            && matches!(self.peek(), Some(b'*' | b'@'))
            && self.peek_at(1) == Some(b'}')
        {
            op = Some(PARAM_NAMES.to_string());
            self.pos += 1;
        }
        let mut arg = None;
        if self.peek().is_some_and(|c| c != b'}') {
            let src = self.src;
            let rest = &self.b[self.pos..self.end];
            let o: Option<&str> = match rest {
                [b':', b'-' | b'=' | b'?' | b'+', ..] => Some(&src[self.pos..self.pos + 2]),
                [b'-' | b'=' | b'?' | b'+', ..] => Some(&src[self.pos..self.pos + 1]),
                [b'#', b'#', ..]
                | [b'%', b'%', ..]
                | [b'/', b'/' | b'#' | b'%', ..]
                | [b'^', b'^', ..]
                | [b',', b',', ..] => Some(&src[self.pos..self.pos + 2]),
                [b'#' | b'%' | b'/' | b'^' | b',' | b'@' | b':', ..] => {
                    Some(&src[self.pos..self.pos + 1])
                }
                _ => None,
            };
            let Some(o) = o else {
                self.leave();
                return self.bad_substitution(start);
            };
            self.pos += o.len();
            op = Some(o.to_string());
            let arg_start = self.pos;
            if let Some(w) = self.parse_word(Mode::ParamArg) {
                arg = Some(Box::new(w));
            } else {
                let _ = arg_start;
            }
        }
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else if !self.fatal {
            self.error(start, start + 2, "unterminated `${`: missing `}`");
        }
        self.leave();
        WordPart::Param {
            name,
            op,
            arg,
            span: self.span(start, self.pos),
        }
    }

    fn bad_substitution(&mut self, start: usize) -> WordPart {
        // Skip to the matching `}` on this line.
        let le = self.line_end(start);
        let mut depth = 0usize;
        let mut i = start + 1;
        while i < le {
            match self.b[i] {
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.pos = i.min(le.max(start + 2)).min(self.end);
        self.error(start, self.pos, "bad substitution");
        WordPart::Literal(self.src[start..self.pos].to_string())
    }

    /// `$'…'` with C escapes decoded.
    fn parse_ansi_c(&mut self) -> WordPart {
        let open = self.pos;
        self.pos += 2;
        let mut out: Vec<u8> = Vec::new();
        let mut closed = false;
        while let Some(c) = self.peek() {
            match c {
                b'\'' => {
                    self.pos += 1;
                    closed = true;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    self.decode_c_escape(&mut out);
                }
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        if !closed {
            self.error(open, open + 2, "unterminated `$'`");
        }
        WordPart::SingleQuoted(String::from_utf8_lossy(&out).into_owned())
    }

    fn decode_c_escape(&mut self, out: &mut Vec<u8>) {
        let Some(c) = self.peek() else {
            out.push(b'\\');
            return;
        };
        self.pos += 1;
        let simple = match c {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'a' => Some(7),
            b'b' => Some(8),
            b'e' | b'E' => Some(27),
            b'f' => Some(12),
            b'v' => Some(11),
            b'\\' | b'\'' | b'"' | b'?' => Some(c),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            return;
        }
        let hex_digits = |p: &mut Self, max: usize| -> Option<u32> {
            let mut v: u32 = 0;
            let mut n = 0;
            while n < max {
                match p.peek().and_then(|d| (d as char).to_digit(16)) {
                    Some(d) => {
                        v = v * 16 + d;
                        p.pos += 1;
                        n += 1;
                    }
                    None => break,
                }
            }
            if n == 0 { None } else { Some(v) }
        };
        match c {
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xFF) as u8);
            }
            b'x' => match hex_digits(self, 2) {
                Some(v) => out.push(v as u8),
                None => out.extend_from_slice(b"\\x"),
            },
            b'u' | b'U' => {
                let max = if c == b'u' { 4 } else { 8 };
                match hex_digits(self, max).and_then(char::from_u32) {
                    Some(ch) => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    None => out.extend_from_slice("\u{FFFD}".as_bytes()),
                }
            }
            b'c' => match self.peek() {
                Some(d) => {
                    self.pos += 1;
                    out.push(d & 0x1F);
                }
                None => out.extend_from_slice(b"\\c"),
            },
            _ => {
                out.push(b'\\');
                // Keep the character as written (may be multi-byte).
                self.pos -= 1;
                let s = self.pos;
                self.bump_char();
                out.extend_from_slice(&self.b[s..self.pos]);
            }
        }
    }

    fn parse_process_subst(&mut self) -> WordPart {
        let start = self.pos;
        let input = self.b[start] == b'<';
        self.pos += 2;
        let saved = self.active;
        self.active = S_RPAREN;
        let script = self.parse_list(S_RPAREN);
        self.active = saved;
        if self.peek() == Some(b')') {
            self.pos += 1;
        } else if !self.fatal {
            self.error(
                start,
                start + 2,
                "unterminated process substitution: missing `)`",
            );
        }
        WordPart::ProcessSubst {
            input,
            script,
            span: self.span(start, self.pos),
        }
    }

    fn parse_backtick(&mut self, in_dquote: bool) -> WordPart {
        let open = self.pos;
        let mut i = open + 1;
        let mut escaped = false;
        while i < self.end {
            match self.b[i] {
                b'\\' if i + 1 < self.end => {
                    escaped = true;
                    i += 2;
                    continue;
                }
                b'`' => break,
                _ => {}
            }
            i += 1;
        }
        let close = i.min(self.end);
        let closed = close < self.end;
        if !closed {
            self.error(open, open + 1, "unterminated backquote");
        }
        let script = if !escaped {
            // Parse in place with the end limited to the closing backquote.
            let saved_end = self.end;
            let saved_active = self.active;
            let saved_pending = std::mem::take(&mut self.pending);
            self.end = close;
            self.pos = open + 1;
            self.active = 0;
            let s = self.parse_list(0);
            self.end = saved_end;
            self.active = saved_active;
            self.pending = saved_pending;
            s
        } else {
            // Remove the backslashes that quote `$`, `` ` ``, `\` (and `"` in
            // double quotes), and map offsets back through our own map.
            let mut text: Vec<u8> = Vec::with_capacity(close - open);
            let mut map = OffsetMap::contiguous(self.map.file_id, self.map.to_file(open + 1));
            let mut expect = self.map.to_file(open + 1);
            let mut j = open + 1;
            while j < close {
                let c = self.b[j];
                if c == b'\\'
                    && j + 1 < close
                    && (matches!(self.b[j + 1], b'$' | b'`' | b'\\')
                        || (in_dquote && self.b[j + 1] == b'"'))
                {
                    j += 1;
                }
                let f = self.map.to_file(j);
                if f != expect {
                    map.push(text.len(), f);
                }
                expect = f + 1;
                text.push(self.b[j]);
                j += 1;
            }
            let text = String::from_utf8_lossy(&text).into_owned();
            let depth = self.depth;
            let (s, fatal) = {
                let mut sub = Parser::new(&text, &map, &mut *self.errors, depth);
                let s = sub.parse_all();
                (s, sub.is_fatal())
            };
            if fatal {
                self.fatal = true;
            }
            s
        };
        self.pos = if closed { close + 1 } else { close };
        if self.fatal {
            self.pos = self.end;
        }
        WordPart::CommandSubst {
            script,
            backtick: true,
            span: self.span(open, self.pos),
        }
    }

    // ───────────── here-documents ─────────────

    fn read_heredocs(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for h in pending {
            let body_start = self.pos;
            let mut body_end = self.end;
            let mut after = self.end;
            let mut p = self.pos;
            while p < self.end {
                let le = self.line_end(p);
                let mut line = &self.src[p..le];
                if let Some(l) = line.strip_suffix('\r') {
                    line = l;
                }
                if h.strip_tabs {
                    line = line.trim_start_matches('\t');
                }
                if line == h.delim {
                    body_end = p;
                    after = (le + 1).min(self.end);
                    break;
                }
                p = le + 1;
            }
            let span = self.span(body_start, body_end);
            let parts = if h.quoted {
                let raw = &self.src[body_start..body_end];
                let text = if h.strip_tabs {
                    strip_leading_tabs(raw)
                } else {
                    raw.to_string()
                };
                vec![WordPart::SingleQuoted(text)]
            } else {
                vec![WordPart::DoubleQuoted(self.parse_heredoc_text(
                    body_start,
                    body_end,
                    h.strip_tabs,
                ))]
            };
            self.bodies.push((h.key, Word { parts, span }));
            self.pos = after;
            if self.fatal {
                self.pos = self.end;
                return;
            }
        }
    }

    fn parse_heredoc_text(&mut self, start: usize, end: usize, strip_tabs: bool) -> Vec<WordPart> {
        let saved_end = self.end;
        let saved_active = self.active;
        self.end = end;
        self.pos = start;
        self.active = 0;
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut line_start = true;
        let mut run = self.pos;
        while let Some(c) = self.peek() {
            if self.fatal {
                break;
            }
            if line_start && strip_tabs && c == b'\t' {
                lit.push_str(&self.src[run..self.pos]);
                while self.peek() == Some(b'\t') {
                    self.pos += 1;
                }
                run = self.pos;
                line_start = false;
                continue;
            }
            line_start = false;
            match c {
                b'\n' => {
                    self.pos += 1;
                    line_start = true;
                }
                b'\\' => match self.peek_at(1) {
                    Some(n @ (b'$' | b'`' | b'\\')) => {
                        lit.push_str(&self.src[run..self.pos]);
                        lit.push(n as char);
                        self.pos += 2;
                        run = self.pos;
                    }
                    Some(b'\n') => {
                        lit.push_str(&self.src[run..self.pos]);
                        self.pos += 2;
                        run = self.pos;
                    }
                    _ => self.pos += 1,
                },
                b'$' => {
                    lit.push_str(&self.src[run..self.pos]);
                    self.parse_dollar(&mut parts, &mut lit, true);
                    run = self.pos;
                }
                b'`' => {
                    lit.push_str(&self.src[run..self.pos]);
                    Self::flush(&mut parts, &mut lit);
                    let p = self.parse_backtick(true);
                    parts.push(p);
                    run = self.pos;
                }
                _ => self.pos += 1,
            }
        }
        lit.push_str(&self.src[run..self.pos.min(self.end)]);
        Self::flush(&mut parts, &mut lit);
        self.end = saved_end;
        self.active = saved_active;
        parts
    }

    fn attach_heredocs(&mut self, script: &mut Script) {
        if self.bodies.is_empty() {
            return;
        }
        let mut bodies = std::mem::take(&mut self.bodies);
        // Keys are the logical starts of the redirects; find them by span.
        let keyed: Vec<(Span, Word)> = bodies
            .drain(..)
            .map(|(k, w)| (self.span(k, k), w))
            .collect();
        let mut keyed: Vec<Option<(Span, Word)>> = keyed.into_iter().map(Some).collect();
        attach_script(script, &mut keyed);
    }
}

fn strip_leading_tabs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        out.push_str(line.trim_start_matches('\t'));
    }
    out
}

fn is_decl(w: &Word) -> bool {
    matches!(
        w.literal().as_deref(),
        Some("declare" | "typeset" | "local" | "export" | "readonly")
    )
}

// Attaching here-document bodies to their redirects after parsing.

fn attach_script(s: &mut Script, bodies: &mut [Option<(Span, Word)>]) {
    for item in &mut s.items {
        attach_pipeline(&mut item.first, bodies);
        for (_, p) in &mut item.rest {
            attach_pipeline(p, bodies);
        }
    }
}

fn attach_pipeline(p: &mut Pipeline, bodies: &mut [Option<(Span, Word)>]) {
    for c in &mut p.commands {
        attach_command(c, bodies);
    }
}

fn attach_command(c: &mut Command, bodies: &mut [Option<(Span, Word)>]) {
    match c {
        Command::Simple(sc) => {
            attach_redirects(&mut sc.redirects, bodies);
            for a in &mut sc.assignments {
                attach_word(&mut a.value, bodies);
            }
            for w in &mut sc.words {
                attach_word(w, bodies);
            }
        }
        Command::Subshell {
            body, redirects, ..
        }
        | Command::Group {
            body, redirects, ..
        } => {
            attach_script(body, bodies);
            attach_redirects(redirects, bodies);
        }
        Command::Compound {
            words,
            bodies: bs,
            redirects,
            ..
        } => {
            for w in words {
                attach_word(w, bodies);
            }
            for b in bs {
                attach_script(b, bodies);
            }
            attach_redirects(redirects, bodies);
        }
        Command::Function { body, .. } => attach_command(body, bodies),
    }
}

fn attach_redirects(rs: &mut [Redirect], bodies: &mut [Option<(Span, Word)>]) {
    for r in rs {
        if r.op == "<<" || r.op == "<<-" {
            for slot in bodies.iter_mut() {
                if slot.as_ref().is_some_and(|(k, _)| k.start == r.span.start) {
                    if let Some((_, w)) = slot.take() {
                        r.heredoc = Some(w);
                    }
                    break;
                }
            }
        }
        attach_word(&mut r.target, bodies);
    }
}

fn attach_word(w: &mut Word, bodies: &mut [Option<(Span, Word)>]) {
    attach_parts(&mut w.parts, bodies);
}

fn attach_parts(parts: &mut [WordPart], bodies: &mut [Option<(Span, Word)>]) {
    for p in parts {
        match p {
            WordPart::DoubleQuoted(inner) => attach_parts(inner, bodies),
            WordPart::Param { arg: Some(a), .. } => attach_word(a, bodies),
            WordPart::CommandSubst { script, .. } | WordPart::ProcessSubst { script, .. } => {
                attach_script(script, bodies)
            }
            _ => {}
        }
    }
}
