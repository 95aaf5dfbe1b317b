//! An image's history read back into Dockerfile steps: what each
//! `created_by` says was run, in the forms the builders record, and which
//! steps belong to the image's base rather than to its own Dockerfile.
//!
//! Recorded forms:
//!
//! - the classic builder: `/bin/sh -c apt-get update` (shell-form RUN),
//!   `|2 A=1 B=2 /bin/sh -c …` (a RUN with build arguments in scope),
//!   `/bin/busybox chmod 4755 /x` (exec-form RUN, arguments joined by
//!   spaces), `/bin/sh -c #(nop)  CMD ["bash"]` and `/bin/sh -c #(nop) ADD
//!   file:… in /` (every other instruction);
//! - BuildKit: `RUN /bin/sh -c apt-get update # buildkit`, `RUN |1 A=1
//!   /bin/sh -c … # buildkit`, and every other instruction as written
//!   (`ADD https://… /opt/ # buildkit`, `CMD ["bash"]`, `ENV A=1`).
//!
//! Anything else (`docker commit`, Bazel, ko, Nix) is [`Step::Other`].

use crate::util::commands::RunScripts;
use stockade_core::shell::Script;
use stockade_core::{FileId, HistoryEntry, InstrKind, Instruction, RunInstr, Span, Spanned};

/// Longest `created_by` judged (longer ones are cut: the RUN rules look
/// for short patterns and the parser's work stays bounded).
pub const MAX_CREATED_BY: usize = 256 * 1024;

/// Instruction keywords BuildKit writes at the start of `created_by`.
const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// What one history step ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'a> {
    /// A `RUN`.
    Run {
        /// Build arguments recorded with it (`|2 A=1 B=2`), in order.
        build_args: Vec<(&'a str, &'a str)>,
        /// The command line: the script handed to the shell when
        /// `shell`, else the exec-form arguments joined by spaces.
        command: &'a str,
        /// Run through a shell (`/bin/sh -c`, `bash -o pipefail -c`).
        shell: bool,
    },
    /// Any other instruction: its keyword (upper case) and its arguments
    /// as recorded.
    Instr { keyword: &'a str, args: &'a str },
    /// Not a Dockerfile step the parser knows.
    Other,
}

/// Cuts `s` to at most `max` bytes at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Reads a `created_by` value.
pub fn parse_created_by(created_by: &str) -> Step<'_> {
    let mut s = cut(created_by, MAX_CREATED_BY).trim();
    if let Some(rest) = s.strip_suffix("# buildkit") {
        s = rest.trim_end();
    }
    if s.is_empty() {
        return Step::Other;
    }
    // Classic builder: every non-RUN instruction is a `#(nop)` comment
    // run by the shell (`/bin/sh -c #(nop) `, `cmd /S /C #(nop) `).
    if let Some(at) = s.find("#(nop)")
        && at <= 40
        && !s[..at].contains(['\n', ';', '&', '|'])
    {
        let rest = s[at + 6..].trim_start();
        let (kw, args) = split_word(rest);
        if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(kw)) || kw == "RUN" {
            return Step::Instr {
                keyword: kw,
                args: args.trim(),
            };
        }
        return Step::Other;
    }
    let (first, rest) = split_word(s);
    if first == "RUN" {
        return run_step(rest.trim_start());
    }
    if KEYWORDS.contains(&first) {
        return Step::Instr {
            keyword: first,
            args: rest.trim(),
        };
    }
    // The classic builder records a RUN without a keyword.
    run_step(s)
}

/// `(first word, rest)` split at the first space or tab.
fn split_word(s: &str) -> (&str, &str) {
    match s.find([' ', '\t']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

fn run_step(s: &str) -> Step<'_> {
    let mut rest = s;
    let mut build_args = Vec::new();
    // `|N K=V …`: N build arguments (values are written unquoted; one
    // with a space in it cannot be told apart, so words are taken as is).
    if let Some(n) = rest.strip_prefix('|') {
        let (count, after) = split_word(n);
        if let Ok(count) = count.parse::<usize>() {
            rest = after.trim_start();
            for _ in 0..count.min(256) {
                let (kv, after) = split_word(rest);
                match kv.split_once('=') {
                    Some((k, v)) if !k.is_empty() => build_args.push((k, v)),
                    _ => break,
                }
                rest = after.trim_start();
            }
        }
    }
    match strip_shell(rest) {
        Some(script) => Step::Run {
            build_args,
            command: script,
            shell: true,
        },
        None => Step::Run {
            build_args,
            command: rest,
            shell: false,
        },
    }
}

/// The script of `sh -c SCRIPT`-style command lines: a shell program
/// (`/bin/sh`, `bash`, `/usr/bin/env bash`), options, then `-c` (alone or
/// ending a short cluster such as `-ec`).
fn strip_shell(s: &str) -> Option<&str> {
    let (prog, mut rest) = split_word(s);
    let mut name = prog.rsplit('/').next().unwrap_or(prog);
    if name == "env" {
        let (p, r) = split_word(rest.trim_start());
        name = p.rsplit('/').next().unwrap_or(p);
        rest = r;
    }
    if !matches!(
        name,
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh" | "busybox"
    ) {
        return None;
    }
    let mut busybox_sh = name == "busybox";
    for _ in 0..16 {
        let t = rest.trim_start();
        let (w, after) = split_word(t);
        if busybox_sh {
            if !matches!(w, "sh" | "ash" | "bash") {
                return None;
            }
            busybox_sh = false;
            rest = after;
            continue;
        }
        if w == "-c" || (w.starts_with('-') && !w.starts_with("--") && w.ends_with('c')) {
            return Some(after.strip_prefix([' ', '\t']).unwrap_or(after));
        }
        if w == "-o" || w == "+o" {
            let (_, after2) = split_word(after.trim_start());
            rest = after2;
            continue;
        }
        if w.starts_with('-') || w.starts_with('+') {
            rest = after;
            continue;
        }
        return None;
    }
    None
}

/// The script a RUN step executes: the shell script, the exec-form line
/// read as one command, or the body of a `<<EOF` heredoc script.
pub fn run_script_text(command: &str) -> &str {
    let t = command.trim_start();
    if let Some(h) = t.strip_prefix("<<") {
        let first_line_end = h.find('\n').unwrap_or(h.len());
        let delim = h[..first_line_end]
            .trim()
            .trim_start_matches('-')
            .trim_matches(|c| c == '"' || c == '\'');
        let body = &h[(first_line_end + 1).min(h.len())..];
        if !delim.is_empty() {
            let trimmed = body.trim_end();
            if let Some(b) = trimmed.strip_suffix(delim)
                && (b.is_empty() || b.ends_with('\n'))
            {
                return b;
            }
        }
        return body;
    }
    command
}

/// A RUN step rebuilt as a Dockerfile `RUN`, so the Dockerfile RUN checks
/// ([`RunScripts`]) judge it. Spans are byte offsets into
/// [`HistoryRun::text`] (in [`HistoryRun::FILE`], which no source map
/// holds: image findings carry locators, not spans).
pub struct HistoryRun {
    /// The text that was parsed.
    pub text: String,
    instr: Instruction,
}

impl HistoryRun {
    /// A file id for history text, never in a source map.
    pub const FILE: FileId = FileId(u32::MAX);

    /// Parses the command of a RUN step.
    pub fn new(command: &str) -> HistoryRun {
        let text = run_script_text(command).to_string();
        let parsed = stockade_shell::parse_file(&text, Self::FILE);
        let span = Span::new(Self::FILE, 0, text.len());
        let run = RunInstr {
            exec: None,
            scripts: vec![parsed.script],
            heredocs: Vec::new(),
            text: Some(Spanned::new(text.clone(), span)),
            mounts: Vec::new(),
            network: None,
            security: None,
        };
        HistoryRun {
            instr: Instruction {
                keyword: Spanned::new("RUN".to_string(), Span::new(Self::FILE, 0, 0)),
                flags: Vec::new(),
                span,
                line_span: span,
                kind: InstrKind::Run(run),
                json_fallback: false,
            },
            text,
        }
    }

    /// The scripts the step ran, for the RUN checks.
    pub fn scripts(&self) -> Option<RunScripts<'_>> {
        match &self.instr.kind {
            InstrKind::Run(run) => Some(RunScripts::new(&self.instr, run)),
            _ => None,
        }
    }

    /// The parsed top-level script.
    pub fn script(&self) -> Option<&Script> {
        match &self.instr.kind {
            InstrKind::Run(run) => run.scripts.first(),
            _ => None,
        }
    }

    /// The text at `span`, cut to `max` bytes (`…` when cut), on one line.
    pub fn snippet(&self, span: Span, max: usize) -> String {
        let s = self
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        one_line(s, max)
    }
}

/// `s` on one line (whitespace runs folded), cut to `max` bytes with `…`.
pub fn one_line(s: &str, max: usize) -> String {
    let folded: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.len() <= max {
        folded
    } else {
        format!("{}…", cut(&folded, max))
    }
}

/// Whether a step sets the default command (`CMD`, `ENTRYPOINT`): the last
/// thing most images' Dockerfiles write.
fn is_default_command(h: &HistoryEntry) -> bool {
    matches!(
        h.created_by.as_deref().map(parse_created_by),
        Some(Step::Instr { keyword, .. })
            if keyword.eq_ignore_ascii_case("CMD") || keyword.eq_ignore_ascii_case("ENTRYPOINT")
    )
}

/// Whether a step changes the filesystem the way a Dockerfile's own
/// instructions do (`RUN`, `COPY`, `ADD`).
fn changes_files(h: &HistoryEntry) -> bool {
    match h.created_by.as_deref().map(parse_created_by) {
        Some(Step::Run { .. }) => true,
        Some(Step::Instr { keyword, .. }) => {
            keyword.eq_ignore_ascii_case("COPY") || keyword.eq_ignore_ascii_case("ADD")
        }
        _ => false,
    }
}

/// Index of the first history step made by the image's own Dockerfile;
/// the steps before it are taken to be its base image's.
///
/// An image's history does not record where its base ends. The heuristic:
/// base images end with `CMD` or `ENTRYPOINT` (Debian's `CMD ["bash"]`,
/// Alpine's `CMD ["/bin/sh"]`, every official language image), so the base
/// ends at the last such step that is followed by a `RUN`, `COPY` or `ADD`.
/// When only metadata (`USER`, `ENV`, `EXPOSE`) follows the last
/// `CMD`/`ENTRYPOINT`, that step is the image's own unless the steps after
/// it were made at least two days later (then it is the base's, and the
/// image only added metadata). Its limits: a base without a final
/// `CMD`/`ENTRYPOINT` (Bazel and distroless images, `FROM scratch` bases)
/// counts as the image's own; a Dockerfile that sets `CMD` and then runs
/// more steps hides its earlier steps in the base; a base image rebuilt
/// the same day as an image that only adds metadata is taken as its own.
pub fn own_steps_start(history: &[HistoryEntry]) -> usize {
    let Some(last) = history.iter().rposition(is_default_command) else {
        return 0;
    };
    if history[last + 1..].iter().any(changes_files) {
        return last + 1;
    }
    let day = |h: &HistoryEntry| h.created.as_deref().and_then(stockade_core::rfc3339_days);
    if let (Some(base_day), Some(next_day)) =
        (day(&history[last]), history.get(last + 1).and_then(day))
        && next_day - base_day >= 2
    {
        return last + 1;
    }
    // The last CMD/ENTRYPOINT is the image's own: its base ends at the
    // one before, when steps that change files lie between them.
    let mut later_changes = false;
    for i in (0..last).rev() {
        if is_default_command(&history[i]) && later_changes {
            return i + 1;
        }
        if changes_files(&history[i]) {
            later_changes = true;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(created_by: &str) -> HistoryEntry {
        HistoryEntry {
            created_by: Some(created_by.to_string()),
            ..HistoryEntry::default()
        }
    }

    #[test]
    fn reads_classic_builder_steps() {
        assert_eq!(
            parse_created_by("/bin/sh -c #(nop)  CMD [\"bash\"]"),
            Step::Instr {
                keyword: "CMD",
                args: "[\"bash\"]"
            }
        );
        assert_eq!(
            parse_created_by("/bin/sh -c #(nop) ADD file:ab12 in / "),
            Step::Instr {
                keyword: "ADD",
                args: "file:ab12 in /"
            }
        );
        assert_eq!(
            parse_created_by("/bin/sh -c apt-get update && curl -k https://x | sh"),
            Step::Run {
                build_args: vec![],
                command: "apt-get update && curl -k https://x | sh",
                shell: true
            }
        );
        assert_eq!(
            parse_created_by("|2 A=1 TOKEN=abc /bin/sh -c echo $A"),
            Step::Run {
                build_args: vec![("A", "1"), ("TOKEN", "abc")],
                command: "echo $A",
                shell: true
            }
        );
        assert_eq!(
            parse_created_by("/bin/busybox chmod 4755 /usr/local/bin/tool"),
            Step::Run {
                build_args: vec![],
                command: "/bin/busybox chmod 4755 /usr/local/bin/tool",
                shell: false
            }
        );
        assert_eq!(
            parse_created_by("/bin/busybox sh -c curl x | sh"),
            Step::Run {
                build_args: vec![],
                command: "curl x | sh",
                shell: true
            }
        );
    }

    #[test]
    fn reads_buildkit_steps() {
        assert_eq!(
            parse_created_by("RUN /bin/sh -c apt-get update # buildkit"),
            Step::Run {
                build_args: vec![],
                command: "apt-get update",
                shell: true
            }
        );
        assert_eq!(
            parse_created_by(
                "RUN |1 TARGETARCH=amd64 /bin/bash -o pipefail -c curl x | bash # buildkit"
            ),
            Step::Run {
                build_args: vec![("TARGETARCH", "amd64")],
                command: "curl x | bash",
                shell: true
            }
        );
        assert_eq!(
            parse_created_by("RUN /bin/sh -ec set -x; true # buildkit"),
            Step::Run {
                build_args: vec![],
                command: "set -x; true",
                shell: true
            }
        );
        assert_eq!(
            parse_created_by("ADD https://example.com/a.tgz /opt/ # buildkit"),
            Step::Instr {
                keyword: "ADD",
                args: "https://example.com/a.tgz /opt/"
            }
        );
        assert_eq!(
            parse_created_by("CMD [\"bash\"]"),
            Step::Instr {
                keyword: "CMD",
                args: "[\"bash\"]"
            }
        );
        assert_eq!(
            parse_created_by("bazel build //x"),
            run_step("bazel build //x")
        );
        assert_eq!(parse_created_by(""), Step::Other);
        assert_eq!(parse_created_by("/bin/sh -c #(nop) FOO x"), Step::Other);
    }

    #[test]
    fn hostile_text_is_bounded() {
        let long = format!("RUN |99999999999 {} /bin/sh -c x", "A=b ".repeat(10_000));
        let _ = parse_created_by(&long);
        let _ = parse_created_by("|x");
        let _ = parse_created_by("|3 A=1");
        let _ = parse_created_by("/bin/sh -o");
        let _ = parse_created_by("é#(nop)");
        let big = "é".repeat(MAX_CREATED_BY);
        let _ = parse_created_by(&big);
        let r = HistoryRun::new(&"$(".repeat(10_000));
        assert!(r.scripts().is_some());
    }

    #[test]
    fn heredoc_scripts() {
        assert_eq!(run_script_text("<<EOF\ncurl x | sh\nEOF"), "curl x | sh\n");
        assert_eq!(run_script_text("<<-'EOT'\nls\n"), "ls\n");
        assert_eq!(run_script_text("echo hi"), "echo hi");
    }

    #[test]
    fn base_ends_at_the_last_cmd_before_own_steps() {
        let h = vec![
            entry("/bin/sh -c #(nop) ADD file:ab in / "),
            entry("/bin/sh -c #(nop)  CMD [\"bash\"]"),
            entry("RUN /bin/sh -c apt-get update # buildkit"),
            entry("COPY app /app # buildkit"),
            entry("CMD [\"/app\"]"),
            entry("USER 1000"),
        ];
        assert_eq!(own_steps_start(&h), 2);
        // Two bases deep: the later CMD wins.
        let h = vec![
            entry("/bin/sh -c #(nop) ADD file:ab in / "),
            entry("/bin/sh -c #(nop)  CMD [\"bash\"]"),
            entry("/bin/sh -c curl x | sh"),
            entry("/bin/sh -c #(nop)  CMD [\"python3\"]"),
            entry("/bin/sh -c pip install x"),
        ];
        assert_eq!(own_steps_start(&h), 4);
        // No CMD before the steps: all are the image's own.
        let h = vec![
            entry("COPY app /app # buildkit"),
            entry("RUN /bin/sh -c x # buildkit"),
        ];
        assert_eq!(own_steps_start(&h), 0);
        // A base with only metadata after: nothing of its own changes files.
        let h = vec![
            entry("/bin/sh -c #(nop) ADD file:ab in / "),
            entry("/bin/sh -c #(nop)  CMD [\"bash\"]"),
            entry("USER 1000"),
        ];
        assert_eq!(own_steps_start(&h), 0);
        assert_eq!(own_steps_start(&[]), 0);
        // Only metadata on top of a base that ends with CMD: the base's
        // own RUN is not the image's when the dates show two builds.
        let mut h = vec![
            entry("/bin/sh -c #(nop)  CMD [\"bash\"]"),
            entry("/bin/sh -c curl x | sh"),
            entry("/bin/sh -c #(nop)  CMD [\"python3\"]"),
            entry("USER 1000"),
        ];
        assert_eq!(own_steps_start(&h), 1);
        h[2].created = Some("2026-01-01T00:00:00Z".into());
        h[3].created = Some("2026-03-01T00:00:00Z".into());
        assert_eq!(own_steps_start(&h), 3);
        h[3].created = Some("2026-01-01T00:05:00Z".into());
        assert_eq!(own_steps_start(&h), 1);
    }

    #[test]
    fn snippets() {
        let r = HistoryRun::new("curl -fsSL https://x.io/i.sh |\n  sh");
        let rs = r.scripts().unwrap();
        let mut n = 0;
        rs.walk(&mut |_, _| n += 1);
        assert_eq!(n, 2);
        assert_eq!(
            r.snippet(Span::new(HistoryRun::FILE, 0, r.text.len()), 200),
            "curl -fsSL https://x.io/i.sh | sh"
        );
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
