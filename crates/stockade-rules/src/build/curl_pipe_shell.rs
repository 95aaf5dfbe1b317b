//! **What it finds.** A `RUN` that executes code straight from the network:
//! a download piped into an interpreter (`curl … | sh`, `wget -qO- … |
//! bash`, `curl … | sudo bash -s --`, `| python3 -`, `| perl`), or
//! substituted into one (`sh -c "$(curl …)"`, `bash <(curl …)`,
//! `source <(curl …)`, `. <(wget -O- …)`, `eval "$(curl …)"`), in any
//! position of any `RUN` (inside `&&` chains, subshells, `sh -c` strings and
//! heredoc scripts). These are high. A script downloaded to a file and run
//! in the same `RUN` with no checksum or signature check there
//! (`sha256sum -c`, `gpg --verify`, `cosign`, `minisign`…) is medium.
//! Every stage is judged: a compromised builder poisons the final image.
//!
//! **Why it matters.** The build runs whatever the server sends, as root,
//! with no record of what it was. A compromised host, a hijacked domain or
//! a hostile mirror gets code execution in your build and a foothold in
//! every image it produces; a truncated download can run half a script.
//!
//! **How to fix.** Download to a file, check it against a checksum or
//! signature you pinned in the Dockerfile, then run it. Better, install
//! from the distribution's signed packages or copy a pinned binary.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN curl -fsSL https://get.example.com/install.sh | sh
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! ARG INSTALL_SHA256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! RUN curl -fsSLo /tmp/install.sh https://get.example.com/v1.2/install.sh \
//!  && echo "${INSTALL_SHA256}  /tmp/install.sh" | sha256sum -c - \
//!  && sh /tmp/install.sh && rm /tmp/install.sh
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{effective, is_python_name, parse_download, stage_runs};
use std::collections::HashSet;
use stockade_core::shell::{Command, SimpleCommand, Word, WordPart};
use stockade_core::{BuildSpec, Category, Finding, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD113",
    title: "Remote script piped or substituted into a shell",
    category: Category::Provenance,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("curl_pipe_shell.rs"),
};

pub struct CurlPipeShell;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Interp {
    Shell,
    Python,
    Perl,
    Ruby,
    Node,
    Php,
}

fn interp(name: &str) -> Option<Interp> {
    Some(match name {
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "mksh" | "fish" | "pwsh" => Interp::Shell,
        "perl" => Interp::Perl,
        "ruby" => Interp::Ruby,
        "node" | "nodejs" | "deno" | "bun" => Interp::Node,
        "php" => Interp::Php,
        n if is_python_name(n) => Interp::Python,
        _ => return None,
    })
}

/// Options that take code as their value, per interpreter.
fn code_opts(i: Interp) -> &'static [&'static str] {
    match i {
        Interp::Shell => &["-c"],
        Interp::Python => &["-c"],
        Interp::Perl | Interp::Ruby => &["-e", "-E"],
        Interp::Node => &["-e", "--eval", "-p", "--print"],
        Interp::Php => &["-r"],
    }
}

/// Options that take a (non-code) value.
fn value_opts(i: Interp) -> &'static [&'static str] {
    match i {
        Interp::Shell => &["-o", "+o", "-O", "+O", "--rcfile", "--init-file"],
        Interp::Python => &["-W", "-X", "-m"],
        Interp::Perl => &["-I", "-M", "-m"],
        Interp::Ruby => &["-I", "-r"],
        Interp::Node => &["-r", "--require", "--import"],
        Interp::Php => &["-d", "-c"],
    }
}

/// How an interpreter invocation gets its code.
struct Invocation<'a> {
    interp: Interp,
    /// Reads the program from standard input.
    stdin: bool,
    /// Words holding code (`-c` strings, the script operand).
    code: Vec<&'a Word>,
}

fn invocation(cmd: &SimpleCommand) -> Option<Invocation<'_>> {
    let (name, _, args) = effective(cmd)?;
    let i = interp(&name)?;
    let mut code = Vec::new();
    let mut k = 0;
    let mut force_stdin = false;
    while k < args.len() {
        let w = &args[k];
        let t = w.lossy();
        if t == "-" {
            return Some(Invocation {
                interp: i,
                stdin: true,
                code,
            });
        }
        if t == "--" {
            k += 1;
            break;
        }
        if t.starts_with('-') || (i == Interp::Shell && t.starts_with('+')) {
            let short_cluster = i == Interp::Shell && !t.starts_with("--") && t.len() > 1;
            if code_opts(i).contains(&t.as_str()) || (short_cluster && t[1..].contains('c')) {
                if let Some(c) = args.get(k + 1) {
                    code.push(c);
                }
                return Some(Invocation {
                    interp: i,
                    stdin: false,
                    code,
                });
            }
            if i == Interp::Python && t == "-m" {
                return Some(Invocation {
                    interp: i,
                    stdin: false,
                    code,
                });
            }
            if short_cluster && t[1..].contains('s') {
                force_stdin = true;
            }
            k += if value_opts(i).contains(&t.as_str()) {
                2
            } else {
                1
            };
            continue;
        }
        break;
    }
    if force_stdin {
        return Some(Invocation {
            interp: i,
            stdin: true,
            code,
        });
    }
    match args.get(k) {
        // The first operand is the script; stdin is its data.
        Some(script) => {
            code.push(script);
            Some(Invocation {
                interp: i,
                stdin: false,
                code,
            })
        }
        None => Some(Invocation {
            interp: i,
            stdin: true,
            code,
        }),
    }
}

/// Whether a word substitutes the output of a download (`$(curl …)`,
/// `<(wget -O- …)`).
fn substitutes_download(w: &Word) -> bool {
    fn parts(ps: &[WordPart]) -> bool {
        ps.iter().any(|p| match p {
            WordPart::CommandSubst { script, .. } | WordPart::ProcessSubst { script, .. } => script
                .simple_commands()
                .iter()
                .any(|c| parse_download(c).is_some_and(|d| d.to_stdout)),
            WordPart::DoubleQuoted(inner) => parts(inner),
            WordPart::Param { arg: Some(a), .. } => parts(&a.parts),
            _ => false,
        })
    }
    parts(&w.parts)
}

/// The words of `cmd` that are executed as code: interpreter code words,
/// every `eval` argument, the file `source`/`.` reads.
fn code_words(cmd: &SimpleCommand) -> (Option<String>, Vec<&Word>) {
    let Some((name, _, args)) = effective(cmd) else {
        return (None, Vec::new());
    };
    match name.as_str() {
        "eval" => (Some(name), args.iter().collect()),
        "source" | "." => (Some(name), args.iter().take(1).collect()),
        _ => match invocation(cmd) {
            Some(inv) => (Some(name), inv.code),
            None => (None, Vec::new()),
        },
    }
}

/// Whether a command verifies a download (checksum or signature).
fn verifies(cmd: &SimpleCommand) -> bool {
    let Some((name, _, args)) = effective(cmd) else {
        return false;
    };
    let has = |s: &str| args.iter().any(|w| w.lossy().contains(s));
    match name.as_str() {
        "sha1sum" | "sha224sum" | "sha256sum" | "sha384sum" | "sha512sum" | "md5sum" | "b2sum"
        | "shasum" | "cksum" | "gpgv" | "gpgv2" | "cosign" | "minisign" | "signify"
        | "rekor-cli" | "slsa-verifier" => true,
        "gpg" | "gpg2" => has("verify"),
        "openssl" => has("dgst") || has("-verify"),
        "rpm" => has("-K") || has("checksig"),
        _ => false,
    }
}

fn strip_dot(p: &str) -> &str {
    p.trim_start_matches("./")
}

fn same_file(a: &str, b: &str) -> bool {
    let (a, b) = (strip_dot(a), strip_dot(b));
    if a == b {
        return true;
    }
    // One side relative: compare file names (a `cd` may sit in between).
    if !a.starts_with('/') || !b.starts_with('/') {
        let base = |s: &str| s.rsplit('/').next().unwrap_or(s).to_string();
        return !a.is_empty() && base(a) == base(b);
    }
    false
}

impl Rule for CurlPipeShell {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen: HashSet<Span> = HashSet::new();
        for stage in crate::util::stages::needed(spec) {
            let subject = stage.label();
            for rs in stage_runs(stage) {
                // Pipes and substitutions.
                rs.walk(&mut |cx, _| {
                    let cmd = cx.cmd;
                    if cx.index == 0 {
                        let cmds = &cx.pipeline.commands;
                        for (i, c) in cmds.iter().enumerate() {
                            let Command::Simple(dl) = c else { continue };
                            let Some(d) = parse_download(dl) else { continue };
                            if !d.to_stdout {
                                continue;
                            }
                            let sink = cmds[i + 1..].iter().find_map(|c| match c {
                                Command::Simple(s) => invocation(s)
                                    .filter(|inv| inv.stdin)
                                    .map(|inv| (s, inv.interp)),
                                _ => None,
                            });
                            if let Some((s, _)) = sink {
                                let span = dl.span.to(s.span);
                                let name = effective(s).map(|e| e.0).unwrap_or_default();
                                if seen.insert(span) {
                                    out.push(META.finding(
                                        span,
                                        subject.clone(),
                                        format!(
                                            "a `{}` download is piped into `{name}`: code from the network runs unverified in the build",
                                            d.tool
                                        ),
                                    ));
                                }
                                break;
                            }
                        }
                    }
                    let (name, words) = code_words(cmd);
                    if let Some(name) = name {
                        for w in words {
                            if substitutes_download(w) && seen.insert(w.span) {
                                out.push(META.finding(
                                    w.span,
                                    subject.clone(),
                                    format!(
                                        "a download is substituted into `{name}`: code from the network runs unverified in the build"
                                    ),
                                ));
                            }
                        }
                    }
                });
                // Downloaded to a file, then run, with no verification.
                let cmds = rs.commands();
                if cmds.iter().any(|c| verifies(c.cmd)) {
                    continue;
                }
                let mut files: Vec<(String, String)> = Vec::new();
                for rc in &cmds {
                    let cmd = rc.cmd;
                    if let Some(d) = parse_download(cmd) {
                        if let Some(o) = &d.output {
                            files.push((o.clone(), d.urls.first().cloned().unwrap_or_default()));
                        }
                        continue;
                    }
                    let Some((name, name_word, _)) = effective(cmd) else {
                        continue;
                    };
                    let mut ran: Option<String> = None;
                    let called = name_word.lossy();
                    if called.contains('/') {
                        ran = Some(called);
                    } else {
                        let (_, words) = code_words(cmd);
                        if let Some(w) = words.first() {
                            if !substitutes_download(w)
                                && (name == "source"
                                    || name == "."
                                    || invocation(cmd).is_some_and(|inv| {
                                        !inv.stdin
                                            && inv.code.len() == 1
                                            && !w.lossy().contains(' ')
                                    }))
                            {
                                ran = Some(w.lossy());
                            }
                        }
                    }
                    let Some(ran) = ran else { continue };
                    if let Some((file, url)) = files.iter().find(|(f, _)| same_file(f, &ran)) {
                        if seen.insert(cmd.span) {
                            out.push(
                                META.finding(
                                    cmd.span,
                                    subject.clone(),
                                    format!(
                                        "`{file}` is downloaded{} and run in the same RUN without a checksum or signature check",
                                        if url.is_empty() { String::new() } else { format!(" from `{url}`") }
                                    ),
                                )
                                .with_severity(Severity::Medium),
                            );
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    #[test]
    fn flags_pipes() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN curl -fsSL https://x.io/i.sh | sh\n",
                "curl -fsSL https://x.io/i.sh | sh",
            ),
            (
                "FROM debian:12\nRUN wget -qO- https://x.io/i.sh | bash\n",
                "wget -qO- https://x.io/i.sh | bash",
            ),
            (
                "FROM debian:12\nRUN wget -O - https://x.io/i.sh | sudo bash -s -- -v 1\n",
                "wget -O - https://x.io/i.sh | sudo bash -s -- -v 1",
            ),
            (
                "FROM debian:12\nRUN curl -sSL https://install.python-poetry.org | python3 -\n",
                "curl -sSL https://install.python-poetry.org | python3 -",
            ),
            (
                "FROM debian:12\nRUN apt-get update && curl -L https://x.io/i.pl | perl && true\n",
                "curl -L https://x.io/i.pl | perl",
            ),
            (
                "FROM debian:12\nRUN set -e; \\\n  curl https://x.io/i.sh \\\n  | tee /tmp/log | sh\n",
                "curl https://x.io/i.sh \\\n  | tee /tmp/log | sh",
            ),
            (
                "FROM debian:12 AS b\nRUN sh -c 'curl -fsSL https://x.io/i.sh | sh'\nFROM scratch\nCOPY --from=b /a /a\n",
                "curl -fsSL https://x.io/i.sh | sh",
            ),
            (
                "FROM rust:1.83\nRUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y\n",
                "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y",
            ),
            (
                "FROM debian:12\nRUN <<EOF\ncurl -fsSL https://x.io/i.sh | bash\nEOF\n",
                "curl -fsSL https://x.io/i.sh | bash",
            ),
        ] {
            let f = run_build(&CurlPipeShell, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn flags_substitutions() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN sh -c \"$(curl -fsSL https://x.io/i.sh)\"\n",
                "\"$(curl -fsSL https://x.io/i.sh)\"",
            ),
            (
                "FROM debian:12\nRUN bash <(curl -fsSL https://x.io/i.sh)\n",
                "<(curl -fsSL https://x.io/i.sh)",
            ),
            (
                "FROM debian:12\nRUN source <(curl -s https://x.io/env)\n",
                "<(curl -s https://x.io/env)",
            ),
            (
                "FROM debian:12\nRUN . <(wget -qO- https://x.io/env)\n",
                "<(wget -qO- https://x.io/env)",
            ),
            (
                "FROM debian:12\nRUN eval \"$(curl -s https://x.io/env)\"\n",
                "\"$(curl -s https://x.io/env)\"",
            ),
        ] {
            let f = run_build(&CurlPipeShell, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn download_then_run_is_medium() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN curl -fsSLo /tmp/i.sh https://x.io/i.sh && sh /tmp/i.sh\n",
                "sh /tmp/i.sh",
            ),
            (
                "FROM debian:12\nRUN curl -fsSLO https://x.io/install.sh && chmod +x install.sh && ./install.sh\n",
                "./install.sh",
            ),
            (
                "FROM debian:12\nRUN wget https://x.io/get.py && python3 get.py --user\n",
                "python3 get.py --user",
            ),
        ] {
            let f = run_build(&CurlPipeShell, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::Medium);
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN curl -fsSLo /tmp/i.sh https://x.io/i.sh && echo \"abc  /tmp/i.sh\" | sha256sum -c - && sh /tmp/i.sh\n",
            "FROM debian:12\nRUN curl -s https://x.io/v.json | python3 -c 'import json,sys; print(json.load(sys.stdin))'\n",
            "FROM debian:12\nRUN curl -fsSL https://x.io/a.tgz | tar xz -C /opt\n",
            "FROM debian:12\nRUN wget https://x.io/i.sh | sh\n",
            "FROM debian:12\nRUN curl -fsSL https://x.io/k.gpg | gpg --dearmor -o /usr/share/keyrings/k.gpg\n",
            "FROM debian:12\nRUN curl -fsSL https://x.io/i.sh -o i.sh | sh\n",
            "FROM debian:12\nRUN echo \"$(curl -s https://x.io/version)\" > /v\n",
            "FROM debian:12\nRUN curl -s https://x.io/data | bash /opt/process.sh\n",
        ] {
            assert!(run_build(&CurlPipeShell, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn quiet_for_stages_the_build_never_runs() {
        let text = "FROM debian:12 AS unused\nRUN curl -fsSL https://x.io/i.sh | sh\nFROM debian:12\nRUN true\n";
        assert!(run_build(&CurlPipeShell, text).is_empty());
    }
}
