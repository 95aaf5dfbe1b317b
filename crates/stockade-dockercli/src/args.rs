//! Command-line words after shell expansion: known variables are
//! substituted, unknown expansions are kept as parts, and unquoted known
//! expansions are split into several arguments like the shell would.

use stockade_core::Expanded;
use stockade_core::shell::{Word, WordPart};
use stockade_core::span::Span;

/// Looks a variable up: `None` means *unknown* (not "unset").
pub type Vars<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One argument as the program will see it.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    /// `Literal` text and the expansions that could not be resolved
    /// (`Param`, `CommandSubst`, `ProcessSubst`, `Arith`); no quoting parts.
    pub parts: Vec<WordPart>,
    pub span: Span,
    /// The word has an unquoted expansion that could not be resolved: it
    /// may become several arguments (or none).
    pub may_split: bool,
}

impl Arg {
    /// The text when fully known.
    pub fn text(&self) -> Option<String> {
        known_text(&self.parts)
    }

    /// The leading literal text (before any unknown expansion).
    pub fn literal_prefix(&self) -> &str {
        match self.parts.first() {
            Some(WordPart::Literal(s)) => s,
            _ => "",
        }
    }

    /// An unquoted unknown expansion standing alone that, by its name,
    /// holds options (`$OPTS`, `$DOCKER_ARGS`, `"$@"`).
    pub fn is_option_bag(&self) -> bool {
        match self.parts.as_slice() {
            [WordPart::Param { name, .. }] => {
                if name == "@" || name == "*" {
                    return true;
                }
                if !self.may_split {
                    return false;
                }
                let up = name.to_ascii_uppercase();
                ["OPT", "ARG", "FLAG", "PARAM", "EXTRA"]
                    .iter()
                    .any(|k| up.contains(k))
            }
            _ => false,
        }
    }
}

pub(crate) fn known_text(parts: &[WordPart]) -> Option<String> {
    let mut out = String::new();
    for p in parts {
        match p {
            WordPart::Literal(s) => out.push_str(s),
            _ => return None,
        }
    }
    Some(out)
}

/// The parts rendered for messages (`$V`, `$(…)` as written).
pub(crate) fn render(parts: &[WordPart]) -> String {
    Word {
        parts: parts.to_vec(),
        span: Span::default(),
    }
    .lossy()
}

/// An [`Expanded`] for a piece of an argument.
pub(crate) fn expanded(parts: &[WordPart]) -> Expanded {
    match known_text(parts) {
        Some(t) => Expanded::literal(t),
        None => {
            let mut unresolved = Vec::new();
            for p in parts {
                match p {
                    WordPart::Param { name, .. } => {
                        if !unresolved.contains(name) {
                            unresolved.push(name.clone());
                        }
                    }
                    WordPart::Literal(_) => {}
                    other => unresolved.push(render(std::slice::from_ref(other))),
                }
            }
            Expanded::unknown(render(parts), unresolved)
        }
    }
}

/// Expands `words` into arguments.
pub(crate) fn expand_words(words: &[Word], vars: Vars<'_>) -> Vec<Arg> {
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        let mut st = Norm {
            parts: Vec::new(),
            unquoted_known: false,
            unquoted_unknown: false,
        };
        st.walk(&w.parts, false, vars, 0);
        if st.unquoted_known && !st.unquoted_unknown {
            // Field splitting of the expanded text (IFS = blanks).
            let text = known_text(&st.parts).unwrap_or_default();
            for piece in text.split_ascii_whitespace() {
                out.push(Arg {
                    parts: vec![WordPart::Literal(piece.to_string())],
                    span: w.span,
                    may_split: false,
                });
            }
            continue;
        }
        out.push(Arg {
            parts: st.parts,
            span: w.span,
            may_split: st.unquoted_unknown,
        });
    }
    out
}

struct Norm {
    parts: Vec<WordPart>,
    unquoted_known: bool,
    unquoted_unknown: bool,
}

impl Norm {
    fn push_lit(&mut self, s: &str) {
        if let Some(WordPart::Literal(last)) = self.parts.last_mut() {
            last.push_str(s);
        } else if !s.is_empty() {
            self.parts.push(WordPart::Literal(s.to_string()));
        }
    }

    fn walk(&mut self, parts: &[WordPart], quoted: bool, vars: Vars<'_>, depth: usize) {
        for p in parts {
            match p {
                WordPart::Literal(s) | WordPart::SingleQuoted(s) | WordPart::Glob(s) => {
                    self.push_lit(s)
                }
                WordPart::DoubleQuoted(inner) => {
                    if self.parts.is_empty() && inner.is_empty() {
                        // `""` is an (empty) argument: keep it present.
                        self.parts.push(WordPart::Literal(String::new()));
                    }
                    self.walk(inner, true, vars, depth + 1)
                }
                WordPart::Param { name, op, arg, .. } => {
                    match resolve_param(name, op.as_deref(), arg.as_deref(), vars, depth) {
                        Some(v) => {
                            if !quoted {
                                self.unquoted_known = true;
                            }
                            self.push_lit(&v);
                        }
                        None => {
                            if !quoted {
                                self.unquoted_unknown = true;
                            }
                            self.parts.push(p.clone());
                        }
                    }
                }
                other => {
                    if !quoted {
                        self.unquoted_unknown = true;
                    }
                    self.parts.push(other.clone());
                }
            }
        }
    }
}

/// Strict parameter expansion: an unknown variable is never taken as
/// unset, so `${X:-d}` with `X` unknown stays unknown.
fn resolve_param(
    name: &str,
    op: Option<&str>,
    arg: Option<&Word>,
    vars: Vars<'_>,
    depth: usize,
) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let value = vars(name);
    let arg_text = || -> Option<String> {
        match arg {
            None => Some(String::new()),
            Some(w) => {
                let mut st = Norm {
                    parts: Vec::new(),
                    unquoted_known: false,
                    unquoted_unknown: false,
                };
                st.walk(&w.parts, true, vars, depth + 1);
                known_text(&st.parts)
            }
        }
    };
    match op {
        None => value,
        Some(":-") => match value {
            Some(v) if !v.is_empty() => Some(v),
            Some(_) => arg_text(),
            None => None,
        },
        Some("-") => value,
        Some(":+") => match value {
            Some(v) if !v.is_empty() => arg_text(),
            Some(_) => Some(String::new()),
            None => None,
        },
        Some("+") => match value {
            Some(_) => arg_text(),
            None => None,
        },
        _ => None,
    }
}

/// Splits parts at `sep` found in literal text, at most `limit` times
/// (`usize::MAX` for all). Expansions are never split.
pub(crate) fn split_parts(parts: &[WordPart], sep: char, limit: usize) -> Vec<Vec<WordPart>> {
    let mut out: Vec<Vec<WordPart>> = vec![Vec::new()];
    let mut splits = 0usize;
    for p in parts {
        match p {
            WordPart::Literal(s) => {
                let mut rest = s.as_str();
                while splits < limit {
                    match rest.find(sep) {
                        Some(i) => {
                            push_lit(out.last_mut().expect("non-empty"), &rest[..i]);
                            out.push(Vec::new());
                            splits += 1;
                            rest = &rest[i + sep.len_utf8()..];
                        }
                        None => break,
                    }
                }
                push_lit(out.last_mut().expect("non-empty"), rest);
            }
            other => out.last_mut().expect("non-empty").push(other.clone()),
        }
    }
    out
}

fn push_lit(v: &mut Vec<WordPart>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(WordPart::Literal(last)) = v.last_mut() {
        last.push_str(s);
    } else {
        v.push(WordPart::Literal(s.to_string()));
    }
}

/// Strips a literal prefix from parts.
pub(crate) fn strip_prefix(parts: &[WordPart], prefix: &str) -> Option<Vec<WordPart>> {
    match parts.first() {
        Some(WordPart::Literal(s)) if s.starts_with(prefix) => {
            let mut out = Vec::with_capacity(parts.len());
            push_lit(&mut out, &s[prefix.len()..]);
            out.extend(parts[1..].iter().cloned());
            Some(out)
        }
        _ => None,
    }
}

/// Whether the parts are empty (an empty argument).
pub(crate) fn is_empty(parts: &[WordPart]) -> bool {
    parts
        .iter()
        .all(|p| matches!(p, WordPart::Literal(s) if s.is_empty()))
}
