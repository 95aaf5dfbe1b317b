//! Shell lexing and parsing for `RUN` bodies and scripts, with spans.
//!
//! [`parse`] reads POSIX sh plus the bash syntax real Dockerfiles and
//! scripts use, into the tree in [`stockade_core::shell`]. It is tolerant:
//! a syntax error is reported in [`Parsed::errors`] and parsing goes on, so
//! commands before and after it are still in the tree. It never panics,
//! bounds nesting depth, and runs in (near) linear time.
//!
//! Helpers on the tree (`Word::literal`, `Word::expand`,
//! `SimpleCommand::effective`, `Script::walk`, …) live with the types in
//! core; what needs the parser lives here: [`parse_word_as_script`] and
//! [`inline_script`] for `sh -c '…'`.

mod parser;

use stockade_core::shell::{Script, SimpleCommand, Word, WordPart};
use stockade_core::span::{FileId, OffsetMap, Span};

/// A syntax problem the parser recovered from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    pub span: Span,
    pub message: String,
}

/// The result of parsing: a tree (always) and the problems met.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub script: Script,
    pub errors: Vec<ShellError>,
}

/// Parses `text` (whose offsets map into a file through `map`) as a POSIX
/// shell / bash script. Never panics; always returns a tree.
///
/// Here-document bodies that follow in `text` are attached to their
/// redirect ([`stockade_core::shell::Redirect::heredoc`]); a here-document
/// whose body is not in `text` (a Dockerfile `RUN cat <<EOF` whose body
/// BuildKit reads) keeps `heredoc: None` and is not an error.
pub fn parse(text: &str, map: &OffsetMap) -> Parsed {
    let mut errors = Vec::new();
    let script = {
        let mut p = parser::Parser::new(text, map, &mut errors, 0);
        p.parse_all()
    };
    Parsed { script, errors }
}

/// Parses a whole file's text: offsets are file offsets of `file`.
pub fn parse_file(text: &str, file: FileId) -> Parsed {
    parse(text, &OffsetMap::contiguous(file, 0))
}

/// Parses the value of `word` as a nested script: the argument of
/// `sh -c '…'`, `bash -c "…"`, `su -c …`.
///
/// - A literal word (no expansion) is parsed as its value. When the word
///   is one plain single- or double-quoted string (or an unquoted word)
///   without escapes, spans point at the exact text inside the quotes;
///   otherwise every span of the nested tree is the whole word's span.
/// - A word with parameter expansions but no command substitution is
///   parsed as its lossy rendering (`"curl $URL | sh"` → `curl $URL | sh`,
///   with `$URL` a parameter again); spans are the whole word's span.
/// - A word with a command or process substitution (`"$(curl …)"`) gives
///   `None`: the script text is not known, and [`Script::walk`] already
///   visits the commands inside the substitution.
pub fn parse_word_as_script(word: &Word) -> Option<Parsed> {
    if word.has_substitution() {
        return None;
    }
    let file = word.span.file;
    let (text, exact_start) = match word.literal() {
        Some(text) => {
            let start = exact_content_start(word, &text);
            (text, start)
        }
        None => (word.lossy(), None),
    };
    match exact_start {
        Some(start) => Some(parse(&text, &OffsetMap::contiguous(file, start))),
        None => {
            let mut parsed = parse(
                &text,
                &OffsetMap::contiguous(file, word.span.start as usize),
            );
            let whole = word.span;
            parsed.script.for_each_span_mut(&mut |s| *s = whole);
            for e in &mut parsed.errors {
                e.span = whole;
            }
            Some(parsed)
        }
    }
}

/// Where the value of a literal word starts in the file, when the file
/// holds exactly that value (one quoted string or plain word, no escapes,
/// not split across lines).
fn exact_content_start(word: &Word, value: &str) -> Option<usize> {
    let len = word.span.len();
    let start = word.span.start as usize;
    match word.parts.as_slice() {
        [WordPart::SingleQuoted(s)] if len == s.len() + 2 => Some(start + 1),
        [WordPart::DoubleQuoted(inner)] if len == value.len() + 2 => match inner.as_slice() {
            [] | [WordPart::Literal(_)] => Some(start + 1),
            _ => None,
        },
        [WordPart::Literal(s)] if len == s.len() => Some(start),
        _ => None,
    }
}

/// The nested script of a command that runs an inline script (`sh -c '…'`,
/// `bash -ec "…"`, `sudo su -c "…"`): see
/// [`SimpleCommand::inline_script`] and [`parse_word_as_script`].
pub fn inline_script(cmd: &SimpleCommand) -> Option<Parsed> {
    parse_word_as_script(cmd.inline_script()?)
}

/// The deepest nesting the parser accepts.
pub const MAX_DEPTH: usize = parser::MAX_DEPTH;
