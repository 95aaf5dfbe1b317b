//! `docker run`/`create` (and `podman`, `nerdctl`) command lines in shell
//! scripts, Makefile recipes and Dockerfile `RUN` lines, parsed into
//! [`ContainerSpec`]s.
//!
//! Invocations are found with the shell parser's walker, so they count
//! wherever they run: after `&&`/`;`/`|`, behind `sudo`/`exec`/`command`
//! and other wrappers, inside `$(…)`, functions, `if` bodies, and in
//! `sh -c '…'` / `eval '…'` strings. Text that is not executed (`echo
//! "docker run …"`, comments, here-document bodies) is not an invocation.
//!
//! Flags are read with their real arity (see `flags.rs`, after `docker run
//! --help` of Docker 28). Values may use variables: those assigned earlier
//! in the same script with a known value resolve; anything else stays
//! [`Expanded::unknown`], never guessed.

mod args;
mod discover;
mod flags;
mod make;
mod values;

pub use discover::specs_in_script;

use stockade_core::shell::Word;
use stockade_core::span::{OffsetMap, SourceFile, Span};
use stockade_core::{ContainerSpec, InputError, PragmaKind, Suppression, Suppressions};

/// What kind of file a script is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptKind {
    /// A shell script (`*.sh`, `*.bash`, a file with a shell shebang).
    Shell,
    /// A Makefile: its recipe lines are shell commands.
    Makefile,
    /// A Dockerfile: its shell-form `RUN` lines (without heredocs). The
    /// Dockerfile parser, which knows ARG/ENV values and heredoc scripts,
    /// should prefer [`specs_in_script`] on each parsed `RUN` script.
    DockerfileRun,
}

/// Finds the container-creating invocations in a script file.
///
/// Returns the specs, and input errors: shell syntax errors in a file that
/// mentions docker/podman, and invocations that could not be read (no
/// image).
pub fn specs_from_script(
    file: &SourceFile,
    kind: ScriptKind,
) -> (Vec<ContainerSpec>, Vec<InputError>) {
    let text = file.text.as_str();
    if !(text.contains("docker") || text.contains("podman") || text.contains("nerdctl")) {
        return (Vec::new(), Vec::new());
    }
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    let none = |_: &str| -> Option<String> { None };
    let mut run = |t: &str, map: &OffsetMap| {
        let parsed = stockade_shell::parse(t, map);
        for e in parsed.errors {
            errors.push(InputError::new(
                file.path.clone(),
                Some(e.span),
                format!("shell syntax: {}", e.message),
            ));
        }
        let (s, errs) = specs_in_script(&parsed.script, &none);
        specs.extend(s);
        for (span, msg) in errs {
            errors.push(InputError::new(file.path.clone(), Some(span), msg));
        }
    };
    match kind {
        ScriptKind::Shell => run(text, &OffsetMap::contiguous(file.id, 0)),
        ScriptKind::Makefile => {
            for r in make::recipes(file) {
                if r.text.contains("docker")
                    || r.text.contains("podman")
                    || r.text.contains("nerdctl")
                {
                    run(&r.text, &r.map);
                }
            }
        }
        ScriptKind::DockerfileRun => {
            for (t, map) in dockerfile_runs(file) {
                run(&t, &map);
            }
        }
    }
    let sup = suppressions(file);
    if !sup.is_empty() {
        for s in &mut specs {
            s.suppressions.extend(sup.clone());
        }
    }
    (specs, errors)
}

/// Parses one invocation: `words` start at the `docker`/`podman` word
/// (`docker [global options] [container] run|create [flags] IMAGE [CMD…]`).
/// `anchor` is the span findings about missing settings point at (the
/// `docker run` words); `vars` gives known variable values (`None` =
/// unknown). Fails when the words are not a run/create invocation or name
/// no image.
pub fn spec_from_args(
    words: &[Word],
    anchor: Span,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<ContainerSpec, String> {
    let inv = flags::parse_invocation(words, vars)?;
    flags::build_spec(inv, anchor)
}

/// Whether `words` (from the program word on) create a container.
pub fn is_run_invocation(words: &[Word]) -> bool {
    let none = |_: &str| -> Option<String> { None };
    flags::parse_invocation(words, &none).is_ok()
}

/// Shell-form `RUN` bodies of a Dockerfile with their offset maps: `\`
/// continuations joined, comment lines inside them dropped, flags such as
/// `--mount=…` skipped. Exec form and heredoc `RUN`s are left out.
fn dockerfile_runs(file: &SourceFile) -> Vec<(String, OffsetMap)> {
    let text = file.text.as_str();
    let escape = if text
        .lines()
        .take_while(|l| l.trim_start().starts_with('#'))
        .any(|l| {
            l.replace(' ', "")
                .to_ascii_lowercase()
                .starts_with("#escape=`")
        }) {
        '`'
    } else {
        '\\'
    };
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut off = 0;
    for l in text.split_inclusive('\n') {
        let body = l.strip_suffix('\n').unwrap_or(l);
        let body = body.strip_suffix('\r').unwrap_or(body);
        lines.push((off, body));
        off += l.len();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        let is_run = trimmed.len() > 3
            && trimmed[..3].eq_ignore_ascii_case("RUN")
            && trimmed[3..].starts_with([' ', '\t']);
        if !is_run {
            i += 1;
            continue;
        }
        // Skip `--flag=…` words.
        let mut body_off = start + lead + 3;
        let mut rest = &text[body_off..start + line.len()];
        loop {
            let t = rest.trim_start_matches([' ', '\t']);
            body_off += rest.len() - t.len();
            rest = t;
            if rest.starts_with("--") {
                let n = rest.find([' ', '\t']).unwrap_or(rest.len());
                body_off += n;
                rest = &rest[n..];
            } else {
                break;
            }
        }
        let mut joined = String::new();
        let mut map = OffsetMap::contiguous(file.id, body_off);
        let mut seg = (body_off, rest);
        loop {
            map.push(joined.len(), seg.0);
            let cont = seg.1.trim_end().ends_with(escape);
            if cont {
                let t = seg.1.trim_end();
                joined.push_str(&t[..t.len() - escape.len_utf8()]);
            } else {
                joined.push_str(seg.1);
            }
            i += 1;
            if !cont {
                break;
            }
            while i < lines.len() && lines[i].1.trim_start().starts_with('#') {
                i += 1;
            }
            if i >= lines.len() {
                break;
            }
            seg = lines[i];
        }
        let t = joined.trim_start();
        if t.starts_with('[') || joined.contains("<<") {
            continue;
        }
        out.push((joined, map));
    }
    out
}

/// `# stockade: ignore=ID[,ID] [-- reason]` comments: a comment on its own
/// line covers the next line (with its `\` continuations); a trailing
/// comment covers its own line. `ignore-file=` covers the whole file.
fn suppressions(file: &SourceFile) -> Suppressions {
    let mut out = Suppressions::default();
    let text = file.text.as_str();
    if !text.contains("stockade:") {
        return out;
    }
    let n = file.line_count();
    for idx in 0..n {
        let range = file.line_range(idx);
        let line = &text[range.clone()];
        let Some(hash) = line.find("# stockade:").or_else(|| line.find("#stockade:")) else {
            continue;
        };
        let comment = &line[hash..];
        let Some((directive, ids, reason)) = stockade_core::parse_stockade_pragma(comment) else {
            continue;
        };
        let comment_span = Span::new(file.id, range.start + hash, range.end);
        let own_line = line[..hash].trim().is_empty();
        let scope = match directive.as_str() {
            "ignore-file" => None,
            "ignore" => {
                let (first, mut last) = if own_line {
                    let mut j = idx + 1;
                    while j < n && file.line_text(j).trim_start().starts_with('#') {
                        j += 1;
                    }
                    (j, j)
                } else {
                    (idx, idx)
                };
                if first >= n {
                    continue;
                }
                while last + 1 < n && file.line_text(last).trim_end().ends_with('\\') {
                    last += 1;
                }
                let s = file.line_range(first).start;
                let e = file.line_range(last).end;
                Some(Span::new(file.id, s, e))
            }
            _ => continue,
        };
        out.push(Suppression {
            ids,
            reason,
            kind: PragmaKind::Stockade,
            comment: comment_span,
            scope,
        });
    }
    out
}
