//! The shell syntax tree for `RUN` bodies and scripts, produced by
//! `stockade-shell` and read by rules. Every node carries a file span.
//!
//! The tree is tolerant: what the parser cannot make sense of is kept as
//! words, so rules still see commands around a syntax error.

use crate::span::Span;

/// A list of statements (separated by `;`, `&` or newlines).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub items: Vec<AndOrList>,
    pub span: Span,
}

/// `a && b || c`, optionally run in the background (`&`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOrList {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
    pub background: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    And,
    Or,
}

/// `[!] a | b | c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub bang: bool,
    pub commands: Vec<Command>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Simple(SimpleCommand),
    /// `( … )`
    Subshell {
        body: Script,
        redirects: Vec<Redirect>,
        span: Span,
    },
    /// `{ …; }`
    Group {
        body: Script,
        redirects: Vec<Redirect>,
        span: Span,
    },
    /// `if`/`while`/`until`/`for`/`case`/`select` and `[[ … ]]`/`(( … ))`:
    /// `words` are header words (the `for` list, the `case` subject, the
    /// `[[` operands), `bodies` every nested statement list in order.
    Compound {
        keyword: String,
        words: Vec<Word>,
        bodies: Vec<Script>,
        redirects: Vec<Redirect>,
        span: Span,
    },
    /// `name() { … }` or `function name { … }`.
    Function {
        name: String,
        body: Box<Command>,
        span: Span,
    },
}

/// `VAR=x cmd arg… >redir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    pub assignments: Vec<Assignment>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    /// `+=` rather than `=`.
    pub append: bool,
    pub value: Word,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub fd: Option<u32>,
    /// `>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `>&`, `<&`, `&>`, `&>>`, `<>`, `>|`.
    pub op: String,
    /// The file, fd, here-string or here-document delimiter.
    pub target: Word,
    /// The body of a here-document, when the script carried one.
    pub heredoc: Option<Word>,
    pub span: Span,
}

/// A shell word: concatenated parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    pub parts: Vec<WordPart>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordPart {
    /// Unquoted text, backslash escapes removed.
    Literal(String),
    /// `'…'` (and `$'…'` with escapes decoded).
    SingleQuoted(String),
    /// `"…"`.
    DoubleQuoted(Vec<WordPart>),
    /// `$name`, `${name}`, `${name:-word}` …; `op` is the operator text
    /// (`:-`, `-`, `:=`, `=`, `:?`, `?`, `:+`, `+`, `#`, `##`, `%`, `%%`, `/`, …).
    Param {
        name: String,
        op: Option<String>,
        arg: Option<Box<Word>>,
        span: Span,
    },
    /// `$(…)` or `` `…` ``.
    CommandSubst {
        script: Script,
        backtick: bool,
        span: Span,
    },
    /// `<(…)` (input = true) or `>(…)`.
    ProcessSubst {
        input: bool,
        script: Script,
        span: Span,
    },
    /// `$((…))`, kept as text.
    Arith { text: String, span: Span },
    /// Unquoted glob characters or `~` kept literally (`*`, `?`, `[`, `~`).
    Glob(String),
}
