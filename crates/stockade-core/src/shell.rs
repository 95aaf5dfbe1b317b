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
    ///
    /// `keyword` is `if`, `while`, `until`, `for`, `select`, `case`, `[[`
    /// or `((`. Per keyword:
    /// - `if`: `bodies` = condition, then-part, (elif condition, elif
    ///   part)…, else-part if any; no words.
    /// - `while`/`until`: `bodies` = condition, loop body.
    /// - `for`/`select`: `words` = the `in` list (empty without `in`), or
    ///   one word holding a [`WordPart::Arith`] for `for ((…))`;
    ///   `bodies` = the loop body.
    /// - `case`: `words` = the subject, then every arm's patterns in
    ///   order; `bodies` = one per arm.
    /// - `[[`: `words` = operands and operators (`&&`, `!`, `(`, `<` …
    ///   as literal words).
    /// - `((`: `words` = one word holding a [`WordPart::Arith`].
    Compound {
        keyword: String,
        /// The loop variable of `for`/`select` (`None` for other keywords
        /// and for `for ((…))`).
        name: Option<String>,
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
    /// The value. For an array (`a=(x y)`) this is one word spanning the
    /// parentheses whose parts are the elements' parts with `(`, `)` and
    /// single spaces as literals, so expansions inside stay visible.
    pub value: Word,
    /// The elements of an array assignment `a=(x y)`.
    pub array: Option<Vec<Word>>,
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
    /// (`:-`, `-`, `:=`, `=`, `:?`, `?`, `:+`, `+`, `#`, `##`, `%`, `%%`,
    /// `/`, `//`, `/#`, `/%`, `^`, `^^`, `,`, `,,`, `@`, and `:` for
    /// substrings, whose `arg` is the text after the colon).
    ///
    /// `name` is the identifier, a positional number or a special
    /// parameter (`@`, `*`, `#`, `?`, `-`, `$`, `!`, `0`), with an array
    /// subscript kept in it (`a[0]`, `a[@]`). The prefix forms use
    /// [`PARAM_LENGTH`] (`${#name}`), [`PARAM_INDIRECT`] (`${!name}`) and
    /// [`PARAM_NAMES`] (`${!prefix*}`, `${!prefix@}`) as `op`.
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
    /// Unquoted glob characters or `~` kept literally (`*`, `?`, `[`, `~`,
    /// and bash extended globs such as `@(a|b)`).
    Glob(String),
}

/// `op` of `${#name}` (length).
pub const PARAM_LENGTH: &str = "length";
/// `op` of `${!name}` (indirection) and `${!arr[@]}` (keys).
pub const PARAM_INDIRECT: &str = "indirect";
/// `op` of `${!prefix*}` / `${!prefix@}` (matching variable names).
pub const PARAM_NAMES: &str = "names";

// ───────────────────────────── words ─────────────────────────────

impl Word {
    /// The word's value when it has no expansion, quotes removed. Glob
    /// characters and `~` count as literal text (`/tmp/*` → `/tmp/*`).
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        if literal_into(&self.parts, &mut out) {
            Some(out)
        } else {
            None
        }
    }

    /// Whether the word has no expansion (see [`Word::literal`]).
    pub fn is_literal(&self) -> bool {
        parts_are_literal(&self.parts)
    }

    /// The value with quotes removed and expansions rendered as written
    /// (`$V`, `${V:-x}`, `$(…)`, `` `…` `` as `$(…)`, `$((…))`), for pattern
    /// matching. Command substitutions are re-rendered from the tree, so
    /// their inner quoting is dropped.
    pub fn lossy(&self) -> String {
        let mut out = String::new();
        lossy_parts(&self.parts, &mut out);
        out
    }

    /// Whether the word is exactly `s` after quote removal (no expansion).
    pub fn is(&self, s: &str) -> bool {
        self.literal().is_some_and(|l| l == s)
    }

    /// Whether any part (at any quoting level) is an expansion: a
    /// parameter, a command or process substitution, arithmetic.
    pub fn has_expansion(&self) -> bool {
        !self.is_literal()
    }

    /// Whether the word contains a command or process substitution.
    pub fn has_substitution(&self) -> bool {
        fn any(parts: &[WordPart]) -> bool {
            parts.iter().any(|p| match p {
                WordPart::CommandSubst { .. } | WordPart::ProcessSubst { .. } => true,
                WordPart::DoubleQuoted(inner) => any(inner),
                WordPart::Param { arg: Some(a), .. } => any(&a.parts),
                _ => false,
            })
        }
        any(&self.parts)
    }

    /// Whether the word has an unquoted glob character (`*`, `?`, `[`, extglob).
    pub fn has_glob(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, WordPart::Glob(g) if g != "~"))
    }

    /// Expands simple parameters: `$V`, `${V}`, `${V:-d}`, `${V-d}`,
    /// `${V:+a}`, `${V+a}`. `lookup` returns a variable's value, `None`
    /// when it is not set (or not known).
    ///
    /// A bare `$V` whose lookup is `None` makes the whole result `None`
    /// (unresolved). With an operator, `None` from `lookup` counts as
    /// unset: `${V:-d}` gives `d`, `${V:+a}` gives the empty string. Any
    /// other operator, command substitution or arithmetic gives `None`.
    pub fn expand(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        let mut out = String::new();
        if expand_into(&self.parts, lookup, &mut out, 0) {
            Some(out)
        } else {
            None
        }
    }

    /// Names of the parameters the word refers to (outside command
    /// substitutions), in order, without duplicates.
    pub fn params(&self) -> Vec<String> {
        fn collect(parts: &[WordPart], out: &mut Vec<String>) {
            for p in parts {
                match p {
                    WordPart::Param { name, arg, .. } => {
                        if !out.iter().any(|n| n == name) {
                            out.push(name.clone());
                        }
                        if let Some(a) = arg {
                            collect(&a.parts, out);
                        }
                    }
                    WordPart::DoubleQuoted(inner) => collect(inner, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        collect(&self.parts, &mut out);
        out
    }
}

fn literal_into(parts: &[WordPart], out: &mut String) -> bool {
    for p in parts {
        match p {
            WordPart::Literal(s) | WordPart::SingleQuoted(s) | WordPart::Glob(s) => out.push_str(s),
            WordPart::DoubleQuoted(inner) => {
                if !literal_into(inner, out) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

fn parts_are_literal(parts: &[WordPart]) -> bool {
    parts.iter().all(|p| match p {
        WordPart::Literal(_) | WordPart::SingleQuoted(_) | WordPart::Glob(_) => true,
        WordPart::DoubleQuoted(inner) => parts_are_literal(inner),
        _ => false,
    })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn lossy_parts(parts: &[WordPart], out: &mut String) {
    for (i, p) in parts.iter().enumerate() {
        match p {
            WordPart::Literal(s) | WordPart::SingleQuoted(s) | WordPart::Glob(s) => out.push_str(s),
            WordPart::DoubleQuoted(inner) => lossy_parts(inner, out),
            WordPart::Param { name, op, arg, .. } => {
                let next_is_name = parts.get(i + 1).is_some_and(|n| match n {
                    WordPart::Literal(s) | WordPart::SingleQuoted(s) | WordPart::Glob(s) => {
                        s.bytes().next().is_some_and(is_name_byte)
                    }
                    _ => false,
                });
                lossy_param(name, op.as_deref(), arg.as_deref(), next_is_name, out);
            }
            WordPart::CommandSubst { script, .. } => {
                out.push_str("$(");
                render_script(script, out);
                out.push(')');
            }
            WordPart::ProcessSubst { input, script, .. } => {
                out.push_str(if *input { "<(" } else { ">(" });
                render_script(script, out);
                out.push(')');
            }
            WordPart::Arith { text, .. } => {
                out.push_str("$((");
                out.push_str(text);
                out.push_str("))");
            }
        }
    }
}

fn lossy_param(
    name: &str,
    op: Option<&str>,
    arg: Option<&Word>,
    next_is_name: bool,
    out: &mut String,
) {
    let ident =
        !name.is_empty() && !name.as_bytes()[0].is_ascii_digit() && name.bytes().all(is_name_byte);
    let special = name.len() == 1 && !name.as_bytes()[0].is_ascii_alphabetic() && name != "_";
    let bare = (ident && !next_is_name) || special;
    match op {
        None if bare => {
            out.push('$');
            out.push_str(name);
        }
        None => {
            out.push_str("${");
            out.push_str(name);
            out.push('}');
        }
        Some(PARAM_LENGTH) => {
            out.push_str("${#");
            out.push_str(name);
            out.push('}');
        }
        Some(PARAM_INDIRECT) => {
            out.push_str("${!");
            out.push_str(name);
            out.push('}');
        }
        Some(PARAM_NAMES) => {
            out.push_str("${!");
            out.push_str(name);
            out.push('}');
        }
        Some(op) => {
            out.push_str("${");
            out.push_str(name);
            out.push_str(op);
            if let Some(a) = arg {
                lossy_parts(&a.parts, out);
            }
            out.push('}');
        }
    }
}

const MAX_EXPAND_DEPTH: usize = 64;

fn expand_into(
    parts: &[WordPart],
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    depth: usize,
) -> bool {
    if depth > MAX_EXPAND_DEPTH {
        return false;
    }
    for p in parts {
        match p {
            WordPart::Literal(s) | WordPart::SingleQuoted(s) | WordPart::Glob(s) => out.push_str(s),
            WordPart::DoubleQuoted(inner) => {
                if !expand_into(inner, lookup, out, depth + 1) {
                    return false;
                }
            }
            WordPart::Param { name, op, arg, .. } => {
                let value = lookup(name);
                let expand_arg = |out: &mut String| match arg {
                    Some(a) => expand_into(&a.parts, lookup, out, depth + 1),
                    None => true,
                };
                match op.as_deref() {
                    None => match value {
                        Some(v) => out.push_str(&v),
                        None => return false,
                    },
                    Some(":-") => match value {
                        Some(v) if !v.is_empty() => out.push_str(&v),
                        _ => {
                            if !expand_arg(out) {
                                return false;
                            }
                        }
                    },
                    Some("-") => match value {
                        Some(v) => out.push_str(&v),
                        None => {
                            if !expand_arg(out) {
                                return false;
                            }
                        }
                    },
                    Some(":+") => {
                        if value.is_some_and(|v| !v.is_empty()) && !expand_arg(out) {
                            return false;
                        }
                    }
                    Some("+") => {
                        if value.is_some() && !expand_arg(out) {
                            return false;
                        }
                    }
                    Some(_) => return false,
                }
            }
            WordPart::CommandSubst { .. }
            | WordPart::ProcessSubst { .. }
            | WordPart::Arith { .. } => {
                return false;
            }
        }
    }
    true
}

// ───────────────────────── rendering ─────────────────────────

impl std::fmt::Display for Word {
    /// The lossy rendering (see [`Word::lossy`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.lossy())
    }
}

impl std::fmt::Display for Script {
    /// A one-line rendering of the script with lossy words (no quoting,
    /// no here-document bodies): for messages and pattern matching.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        render_script(self, &mut s);
        f.write_str(&s)
    }
}

fn render_script(script: &Script, out: &mut String) {
    for (i, item) in script.items.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        render_pipeline(&item.first, out);
        for (c, p) in &item.rest {
            out.push_str(match c {
                Connector::And => " && ",
                Connector::Or => " || ",
            });
            render_pipeline(p, out);
        }
        if item.background {
            out.push_str(" &");
        }
    }
}

fn render_pipeline(p: &Pipeline, out: &mut String) {
    if p.bang {
        out.push_str("! ");
    }
    for (i, c) in p.commands.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        render_command(c, out);
    }
}

fn render_words(words: &[Word], out: &mut String) {
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        lossy_parts(&w.parts, out);
    }
}

fn render_redirects(redirects: &[Redirect], out: &mut String) {
    for r in redirects {
        out.push(' ');
        if let Some(fd) = r.fd {
            out.push_str(&fd.to_string());
        }
        out.push_str(&r.op);
        lossy_parts(&r.target.parts, out);
    }
}

fn render_body(s: &Script, out: &mut String) {
    render_script(s, out);
    out.push_str("; ");
}

fn render_command(c: &Command, out: &mut String) {
    match c {
        Command::Simple(sc) => {
            let mut first = true;
            for a in &sc.assignments {
                if !first {
                    out.push(' ');
                }
                first = false;
                out.push_str(&a.name);
                out.push_str(if a.append { "+=" } else { "=" });
                lossy_parts(&a.value.parts, out);
            }
            if !sc.words.is_empty() {
                if !first {
                    out.push(' ');
                }
                render_words(&sc.words, out);
            }
            render_redirects(&sc.redirects, out);
        }
        Command::Subshell {
            body, redirects, ..
        } => {
            out.push('(');
            render_script(body, out);
            out.push(')');
            render_redirects(redirects, out);
        }
        Command::Group {
            body, redirects, ..
        } => {
            out.push_str("{ ");
            render_body(body, out);
            out.push('}');
            render_redirects(redirects, out);
        }
        Command::Compound {
            keyword,
            name,
            words,
            bodies,
            redirects,
            ..
        } => {
            match keyword.as_str() {
                "if" => {
                    for (i, b) in bodies.iter().enumerate() {
                        let kw = if i == 0 {
                            "if "
                        } else if i % 2 == 1 {
                            "then "
                        } else if i + 1 == bodies.len() {
                            "else "
                        } else {
                            "elif "
                        };
                        out.push_str(kw);
                        render_body(b, out);
                    }
                    out.push_str("fi");
                }
                "while" | "until" => {
                    out.push_str(keyword);
                    out.push(' ');
                    if let Some(b) = bodies.first() {
                        render_body(b, out);
                    }
                    out.push_str("do ");
                    if let Some(b) = bodies.get(1) {
                        render_body(b, out);
                    }
                    out.push_str("done");
                }
                "for" | "select" => {
                    out.push_str(keyword);
                    out.push(' ');
                    out.push_str(name.as_deref().unwrap_or("_"));
                    out.push_str(" in ");
                    render_words(words, out);
                    out.push_str("; do ");
                    for b in bodies {
                        render_body(b, out);
                    }
                    out.push_str("done");
                }
                "case" => {
                    out.push_str("case ");
                    render_words(&words[..words.len().min(1)], out);
                    out.push_str(" in ");
                    for b in bodies {
                        out.push_str("_) ");
                        render_script(b, out);
                        out.push_str(";; ");
                    }
                    out.push_str("esac");
                }
                "[[" => {
                    out.push_str("[[ ");
                    render_words(words, out);
                    out.push_str(" ]]");
                }
                _ => {
                    render_words(words, out);
                }
            }
            render_redirects(redirects, out);
        }
        Command::Function { name, body, .. } => {
            out.push_str(name);
            out.push_str("() ");
            render_command(body, out);
        }
    }
}

// ───────────────────────── commands ─────────────────────────

/// The last path component of a command name (`/usr/bin/curl` → `curl`).
pub fn command_basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

impl SimpleCommand {
    /// The command name: the first word's literal value, as a basename
    /// (`/usr/bin/curl` → `curl`). `None` without words or when the
    /// first word has an expansion.
    pub fn name(&self) -> Option<String> {
        let w = self.words.first()?.literal()?;
        Some(command_basename(&w).to_string())
    }

    /// The arguments after the command name.
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// The command that really runs, looking through wrappers (`sudo`,
    /// `env`, `exec`, `command`, `builtin`, `nohup`, `time`, `nice`,
    /// `timeout`, `stdbuf`, `xargs`, `doas`, `gosu`, `su-exec`, `tini`,
    /// `dumb-init`) and their options: the real command's name (basename)
    /// and its arguments. A wrapper with nothing left to run is itself
    /// the command (`sudo -l` → `("sudo", ["-l"])`). `su -c` is not a
    /// wrapper: its `-c` string is a script (see [`SimpleCommand::inline_script`]).
    /// `None` when the effective name is not a literal.
    pub fn effective(&self) -> Option<(String, &[Word])> {
        let words = &self.words[..];
        let mut i = 0usize;
        // Bounded: every round consumes at least one word.
        while i < words.len() {
            let name_lit = words[i].literal()?;
            let name = command_basename(&name_lit);
            // `None`: not a wrapper. `Some(None)`: a wrapper whose command
            // cannot be known. `Some(Some(j))`: the command starts at `j`.
            let next: Option<Option<usize>> = Some(match name {
                "sudo" => skip_opts(words, i + 1, &SUDO, true),
                "doas" => skip_opts(words, i + 1, &DOAS, false),
                "env" => skip_env(words, i + 1),
                "exec" => skip_opts(words, i + 1, &EXEC, false),
                "command" => {
                    // `command -v x` looks a command up; it does not run it.
                    if words[i + 1..]
                        .iter()
                        .take_while(|w| {
                            w.literal().is_some_and(|l| l.starts_with('-') && l != "--")
                        })
                        .any(|w| {
                            w.literal()
                                .is_some_and(|l| l.contains('v') || l.contains('V'))
                        })
                    {
                        return Some((name.to_string(), &words[i + 1..]));
                    }
                    skip_opts(words, i + 1, &COMMAND, false)
                }
                "builtin" | "nohup" | "dumb-init" => skip_opts(words, i + 1, &NOARG, false),
                "time" => skip_opts(words, i + 1, &TIME, false),
                "nice" => skip_nice(words, i + 1),
                "timeout" => skip_opts(words, i + 1, &TIMEOUT, false).map(|j| j + 1),
                "stdbuf" => skip_opts(words, i + 1, &STDBUF, false),
                "xargs" => skip_opts(words, i + 1, &XARGS, false),
                "gosu" | "su-exec" => Some(i + 2),
                "tini" => skip_opts(words, i + 1, &TINI, false),
                _ => return Some((name.to_string(), &words[i + 1..])),
            });
            match next {
                Some(Some(j)) if j < words.len() => i = j,
                Some(None) => return None,
                _ => return Some((name.to_string(), &words[i + 1..])),
            }
        }
        None
    }

    /// The script argument when this command runs an inline script:
    /// `sh -c '…'`, `bash -ec "…"`, `bash -o pipefail -c …`, `su [user] -c
    /// "…"`, also behind wrappers (`sudo sh -c …`). Returns the word after
    /// `-c` (or the option cluster ending in `c`).
    pub fn inline_script(&self) -> Option<&Word> {
        let (name, args) = self.effective()?;
        let is_shell = matches!(
            name.as_str(),
            "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh" | "busybox"
        );
        let args = if name == "busybox" {
            if !args
                .first()?
                .literal()
                .is_some_and(|l| l == "sh" || l == "ash")
            {
                return None;
            }
            &args[1..]
        } else {
            args
        };
        if is_shell {
            let mut i = 0;
            while i < args.len() {
                let l = args[i].literal()?;
                if l == "--" || !(l.starts_with('-') || l.starts_with('+')) {
                    return None;
                }
                if l == "-o"
                    || l == "+o"
                    || l == "-O"
                    || l == "+O"
                    || l == "--rcfile"
                    || l == "--init-file"
                {
                    i += 2;
                    continue;
                }
                if !l.starts_with("--") && l[1..].contains('c') {
                    return args.get(i + 1);
                }
                i += 1;
            }
            None
        } else if name == "su" || name == "runuser" {
            let mut i = 0;
            while i < args.len() {
                let l = args[i].literal();
                match l.as_deref() {
                    Some("-c") | Some("--command") => return args.get(i + 1),
                    Some(s) if s.starts_with("--command=") => return None,
                    Some("-s") | Some("--shell") | Some("-g") | Some("-G") | Some("--group")
                    | Some("--supp-group") | Some("-u") | Some("--user") => i += 2,
                    _ => i += 1,
                }
            }
            None
        } else {
            None
        }
    }
}

/// Option table of a wrapper: short options taking a value, long options
/// taking a value (when written without `=`), and whether `-N` numbers
/// are allowed.
struct WrapperOpts {
    short_with_arg: &'static [u8],
    long_with_arg: &'static [&'static str],
}

const SUDO: WrapperOpts = WrapperOpts {
    short_with_arg: b"ugpCDrtTURh",
    long_with_arg: &[
        "--user",
        "--group",
        "--prompt",
        "--close-from",
        "--chdir",
        "--role",
        "--type",
        "--command-timeout",
        "--other-user",
        "--chroot",
        "--host",
    ],
};
const DOAS: WrapperOpts = WrapperOpts {
    short_with_arg: b"uC",
    long_with_arg: &[],
};
const EXEC: WrapperOpts = WrapperOpts {
    short_with_arg: b"a",
    long_with_arg: &[],
};
const COMMAND: WrapperOpts = WrapperOpts {
    short_with_arg: b"",
    long_with_arg: &[],
};
const NOARG: WrapperOpts = WrapperOpts {
    short_with_arg: b"",
    long_with_arg: &[],
};
const TIME: WrapperOpts = WrapperOpts {
    short_with_arg: b"fo",
    long_with_arg: &["--format", "--output"],
};
const TIMEOUT: WrapperOpts = WrapperOpts {
    short_with_arg: b"sk",
    long_with_arg: &["--signal", "--kill-after"],
};
const STDBUF: WrapperOpts = WrapperOpts {
    short_with_arg: b"ioe",
    long_with_arg: &["--input", "--output", "--error"],
};
const XARGS: WrapperOpts = WrapperOpts {
    short_with_arg: b"adEILnPs",
    long_with_arg: &[
        "--arg-file",
        "--delimiter",
        "--max-lines",
        "--max-args",
        "--max-procs",
        "--max-chars",
        "--process-slot-var",
    ],
};
const TINI: WrapperOpts = WrapperOpts {
    short_with_arg: b"pe",
    long_with_arg: &[],
};

/// Skips a wrapper's options starting at `i`; returns the index of the
/// wrapped command's first word. `assignments`: also skip `A=b` words.
fn skip_opts(words: &[Word], mut i: usize, opts: &WrapperOpts, assignments: bool) -> Option<usize> {
    while i < words.len() {
        let Some(l) = words[i].literal() else {
            return Some(i);
        };
        if l == "--" {
            return Some(i + 1);
        }
        if let Some(long) = l.strip_prefix("--") {
            if long.contains('=') {
                i += 1;
            } else if opts.long_with_arg.contains(&l.as_str()) {
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if l.len() > 1 && l.starts_with('-') {
            let bytes = &l.as_bytes()[1..];
            let mut takes_next = false;
            for (k, b) in bytes.iter().enumerate() {
                if opts.short_with_arg.contains(b) {
                    // The value is the rest of the cluster, or the next word.
                    takes_next = k + 1 == bytes.len();
                    break;
                }
            }
            i += if takes_next { 2 } else { 1 };
            continue;
        }
        if assignments && is_assignment_word(&l) {
            i += 1;
            continue;
        }
        return Some(i);
    }
    Some(i)
}

fn is_assignment_word(l: &str) -> bool {
    match l.split_once('=') {
        Some((n, _)) => {
            !n.is_empty() && !n.as_bytes()[0].is_ascii_digit() && n.bytes().all(is_name_byte)
        }
        None => false,
    }
}

fn skip_env(words: &[Word], mut i: usize) -> Option<usize> {
    while i < words.len() {
        let Some(l) = words[i].literal() else {
            return Some(i);
        };
        match l.as_str() {
            "--" => return Some(i + 1),
            "-" | "-i" | "-0" | "-v" | "--ignore-environment" | "--null" | "--debug" => i += 1,
            "-u" | "--unset" | "-C" | "--chdir" => i += 2,
            // `env -S 'cmd args'` splits a string: the command is inside it.
            "-S" | "--split-string" => return None,
            s if s.starts_with("--") => i += 1,
            s if s.starts_with("-u") || s.starts_with("-C") => i += 1,
            s if s.starts_with("-S") => return None,
            s if s.starts_with('-') && s.len() > 1 => i += 1,
            s if is_assignment_word(s) => i += 1,
            _ => return Some(i),
        }
    }
    Some(i)
}

fn skip_nice(words: &[Word], mut i: usize) -> Option<usize> {
    while i < words.len() {
        let Some(l) = words[i].literal() else {
            return Some(i);
        };
        match l.as_str() {
            "--" => return Some(i + 1),
            "-n" | "--adjustment" => i += 2,
            s if s.starts_with('-') && s.len() > 1 => i += 1,
            _ => return Some(i),
        }
    }
    Some(i)
}

// ───────────────────────── walking ─────────────────────────

/// Which kind of substitution a command runs inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubstKind {
    /// `$(…)` or `` `…` ``.
    Command,
    /// `<(…)` or `>(…)`.
    Process,
}

/// The innermost substitution a visited command runs inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubstCtx {
    pub kind: SubstKind,
    pub span: Span,
}

/// What [`Script::walk`] tells about one simple command.
#[derive(Debug, Clone, Copy)]
pub struct CommandCtx<'a> {
    pub cmd: &'a SimpleCommand,
    /// The pipeline the command is an element of.
    pub pipeline: &'a Pipeline,
    /// The command's index in `pipeline.commands`.
    pub index: usize,
    /// The `&&`/`||` list holding that pipeline.
    pub and_or: &'a AndOrList,
    /// The innermost `$(…)`/`` `…` ``/`<(…)`/`>(…)` around the command.
    pub subst: Option<SubstCtx>,
    /// The innermost function definition around the command.
    pub function: Option<&'a str>,
    /// Nesting depth (compound bodies, groups, substitutions), 0 at top.
    pub depth: usize,
}

impl CommandCtx<'_> {
    pub fn in_command_subst(&self) -> bool {
        matches!(
            self.subst,
            Some(SubstCtx {
                kind: SubstKind::Command,
                ..
            })
        )
    }
    pub fn in_process_subst(&self) -> bool {
        matches!(
            self.subst,
            Some(SubstCtx {
                kind: SubstKind::Process,
                ..
            })
        )
    }
    /// The command after this one in its pipeline (`curl … | sh`).
    pub fn next_in_pipeline(&self) -> Option<&Command> {
        self.pipeline.commands.get(self.index + 1)
    }
}

#[derive(Clone, Copy)]
struct WalkState<'a> {
    subst: Option<SubstCtx>,
    function: Option<&'a str>,
    depth: usize,
}

impl Script {
    /// Visits every simple command anywhere in the script: in pipelines,
    /// subshells, groups, compound bodies, function bodies, and inside
    /// command and process substitutions in any word (arguments,
    /// assignment values, redirect targets, unquoted here-document bodies,
    /// `[[ ]]` operands, `for`/`case` words, parameter defaults). A command
    /// is visited before the substitutions in its own words.
    pub fn walk(&self, f: &mut dyn FnMut(&CommandCtx)) {
        walk_script(
            self,
            f,
            WalkState {
                subst: None,
                function: None,
                depth: 0,
            },
        );
    }

    /// Every simple command, in walk order (see [`Script::walk`]).
    pub fn simple_commands(&self) -> Vec<&SimpleCommand> {
        let mut out: Vec<&SimpleCommand> = Vec::new();
        // The walker hands out references with the script's lifetime.
        walk_collect(self, &mut out);
        out
    }

    /// Whether the script has no statements.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

fn walk_collect<'a>(s: &'a Script, out: &mut Vec<&'a SimpleCommand>) {
    fn cmd<'a>(c: &'a Command, out: &mut Vec<&'a SimpleCommand>) {
        match c {
            Command::Simple(sc) => {
                out.push(sc);
                for a in &sc.assignments {
                    word(&a.value, out);
                }
                for w in &sc.words {
                    word(w, out);
                }
                redirects(&sc.redirects, out);
            }
            Command::Subshell {
                body, redirects: r, ..
            }
            | Command::Group {
                body, redirects: r, ..
            } => {
                walk_collect(body, out);
                redirects(r, out);
            }
            Command::Compound {
                words,
                bodies,
                redirects: r,
                ..
            } => {
                for w in words {
                    word(w, out);
                }
                for b in bodies {
                    walk_collect(b, out);
                }
                redirects(r, out);
            }
            Command::Function { body, .. } => cmd(body, out),
        }
    }
    fn redirects<'a>(rs: &'a [Redirect], out: &mut Vec<&'a SimpleCommand>) {
        for r in rs {
            word(&r.target, out);
            if let Some(h) = &r.heredoc {
                word(h, out);
            }
        }
    }
    fn word<'a>(w: &'a Word, out: &mut Vec<&'a SimpleCommand>) {
        parts(&w.parts, out);
    }
    fn parts<'a>(ps: &'a [WordPart], out: &mut Vec<&'a SimpleCommand>) {
        for p in ps {
            match p {
                WordPart::DoubleQuoted(inner) => parts(inner, out),
                WordPart::Param { arg: Some(a), .. } => parts(&a.parts, out),
                WordPart::CommandSubst { script, .. } | WordPart::ProcessSubst { script, .. } => {
                    walk_collect(script, out)
                }
                _ => {}
            }
        }
    }
    for item in &s.items {
        for p in std::iter::once(&item.first).chain(item.rest.iter().map(|(_, p)| p)) {
            for c in &p.commands {
                cmd(c, out);
            }
        }
    }
}

fn walk_script<'a>(s: &'a Script, f: &mut dyn FnMut(&CommandCtx), st: WalkState<'a>) {
    for item in &s.items {
        for p in std::iter::once(&item.first).chain(item.rest.iter().map(|(_, p)| p)) {
            for (index, c) in p.commands.iter().enumerate() {
                walk_command(c, item, p, index, f, st);
            }
        }
    }
}

fn walk_command<'a>(
    c: &'a Command,
    and_or: &'a AndOrList,
    pipeline: &'a Pipeline,
    index: usize,
    f: &mut dyn FnMut(&CommandCtx),
    st: WalkState<'a>,
) {
    let inner = WalkState {
        depth: st.depth + 1,
        ..st
    };
    match c {
        Command::Simple(sc) => {
            f(&CommandCtx {
                cmd: sc,
                pipeline,
                index,
                and_or,
                subst: st.subst,
                function: st.function,
                depth: st.depth,
            });
            for a in &sc.assignments {
                walk_parts(&a.value.parts, f, st);
            }
            for w in &sc.words {
                walk_parts(&w.parts, f, st);
            }
            walk_redirects(&sc.redirects, f, st);
        }
        Command::Subshell {
            body, redirects, ..
        }
        | Command::Group {
            body, redirects, ..
        } => {
            walk_script(body, f, inner);
            walk_redirects(redirects, f, st);
        }
        Command::Compound {
            words,
            bodies,
            redirects,
            ..
        } => {
            for w in words {
                walk_parts(&w.parts, f, st);
            }
            for b in bodies {
                walk_script(b, f, inner);
            }
            walk_redirects(redirects, f, st);
        }
        Command::Function { name, body, .. } => {
            let st = WalkState {
                function: Some(name.as_str()),
                ..inner
            };
            walk_command(body, and_or, pipeline, index, f, st);
        }
    }
}

fn walk_redirects<'a>(rs: &'a [Redirect], f: &mut dyn FnMut(&CommandCtx), st: WalkState<'a>) {
    for r in rs {
        walk_parts(&r.target.parts, f, st);
        if let Some(h) = &r.heredoc {
            walk_parts(&h.parts, f, st);
        }
    }
}

fn walk_parts<'a>(parts: &'a [WordPart], f: &mut dyn FnMut(&CommandCtx), st: WalkState<'a>) {
    for p in parts {
        match p {
            WordPart::DoubleQuoted(inner) => walk_parts(inner, f, st),
            WordPart::Param { arg: Some(a), .. } => walk_parts(&a.parts, f, st),
            WordPart::CommandSubst { script, span, .. } => walk_script(
                script,
                f,
                WalkState {
                    subst: Some(SubstCtx {
                        kind: SubstKind::Command,
                        span: *span,
                    }),
                    function: st.function,
                    depth: st.depth + 1,
                },
            ),
            WordPart::ProcessSubst { script, span, .. } => walk_script(
                script,
                f,
                WalkState {
                    subst: Some(SubstCtx {
                        kind: SubstKind::Process,
                        span: *span,
                    }),
                    function: st.function,
                    depth: st.depth + 1,
                },
            ),
            _ => {}
        }
    }
}

// ───────────────────────── span rewriting ─────────────────────────

impl Script {
    /// Calls `f` on every span in the tree (nodes, words, parts), for
    /// re-anchoring a nested script.
    pub fn for_each_span_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        spans_script(self, f);
    }
}

fn spans_script(s: &mut Script, f: &mut dyn FnMut(&mut Span)) {
    f(&mut s.span);
    for item in &mut s.items {
        f(&mut item.span);
        spans_pipeline(&mut item.first, f);
        for (_, p) in &mut item.rest {
            spans_pipeline(p, f);
        }
    }
}

fn spans_pipeline(p: &mut Pipeline, f: &mut dyn FnMut(&mut Span)) {
    f(&mut p.span);
    for c in &mut p.commands {
        spans_command(c, f);
    }
}

fn spans_command(c: &mut Command, f: &mut dyn FnMut(&mut Span)) {
    match c {
        Command::Simple(sc) => {
            f(&mut sc.span);
            for a in &mut sc.assignments {
                f(&mut a.span);
                spans_word(&mut a.value, f);
                for w in a.array.iter_mut().flatten() {
                    spans_word(w, f);
                }
            }
            for w in &mut sc.words {
                spans_word(w, f);
            }
            spans_redirects(&mut sc.redirects, f);
        }
        Command::Subshell {
            body,
            redirects,
            span,
        }
        | Command::Group {
            body,
            redirects,
            span,
        } => {
            f(span);
            spans_script(body, f);
            spans_redirects(redirects, f);
        }
        Command::Compound {
            words,
            bodies,
            redirects,
            span,
            ..
        } => {
            f(span);
            for w in words {
                spans_word(w, f);
            }
            for b in bodies {
                spans_script(b, f);
            }
            spans_redirects(redirects, f);
        }
        Command::Function { body, span, .. } => {
            f(span);
            spans_command(body, f);
        }
    }
}

fn spans_redirects(rs: &mut [Redirect], f: &mut dyn FnMut(&mut Span)) {
    for r in rs {
        f(&mut r.span);
        spans_word(&mut r.target, f);
        if let Some(h) = &mut r.heredoc {
            spans_word(h, f);
        }
    }
}

fn spans_word(w: &mut Word, f: &mut dyn FnMut(&mut Span)) {
    f(&mut w.span);
    spans_parts(&mut w.parts, f);
}

fn spans_parts(parts: &mut [WordPart], f: &mut dyn FnMut(&mut Span)) {
    for p in parts {
        match p {
            WordPart::DoubleQuoted(inner) => spans_parts(inner, f),
            WordPart::Param { arg, span, .. } => {
                f(span);
                if let Some(a) = arg {
                    spans_word(a, f);
                }
            }
            WordPart::CommandSubst { script, span, .. }
            | WordPart::ProcessSubst { script, span, .. } => {
                f(span);
                spans_script(script, f);
            }
            WordPart::Arith { span, .. } => f(span),
            WordPart::Literal(_) | WordPart::SingleQuoted(_) | WordPart::Glob(_) => {}
        }
    }
}
