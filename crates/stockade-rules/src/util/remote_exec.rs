//! Code from the network run by a `RUN`: a download piped or substituted
//! into an interpreter, or downloaded to a file and run with no checksum or
//! signature check. Shared by the Dockerfile rule (SKD113) and the image
//! history rule, which judge the same scripts from different sources.

use crate::util::commands::{RunScripts, effective, is_python_name, parse_download};
use std::collections::{HashMap, HashSet};
use stockade_core::shell::{Command, SimpleCommand, Word, WordPart};
use stockade_core::{Severity, Span};

/// One place where a RUN executes remote code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteExec {
    pub span: Span,
    pub severity: Severity,
    pub message: String,
}

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

/// Variables assigned the body of a download (`script=$(curl -fsSL …)`),
/// with the download tool: running such a variable runs the download.
type Downloaded = HashMap<String, String>;

/// The one part a word is made of, inside double quotes or not (`$x`,
/// `"$x"`, `$(…)`, `"$(…)"`).
fn sole_part(w: &Word) -> Option<&WordPart> {
    match w.parts.as_slice() {
        [WordPart::DoubleQuoted(inner)] => match inner.as_slice() {
            [p] => Some(p),
            _ => None,
        },
        [p] => Some(p),
        _ => None,
    }
}

/// The download tool whose whole body a word is (`$(curl -fsSL …)`,
/// `"$(wget -qO- …)"`), not text made from it (`$(curl … | jq -r .tag)`).
fn substituted_download(w: &Word) -> Option<String> {
    let WordPart::CommandSubst { script, .. } = sole_part(w)? else {
        return None;
    };
    match script.simple_commands().as_slice() {
        [c] => parse_download(c).filter(|d| d.to_stdout).map(|d| d.tool),
        _ => None,
    }
}

/// The variable a word is, whole (`$script`, `"${script}"`).
fn sole_param(w: &Word) -> Option<&str> {
    match sole_part(w)? {
        WordPart::Param { name, op: None, .. } => Some(name),
        _ => None,
    }
}

/// Whether a command writes a downloaded variable to its output
/// (`echo "$script"`, `printf '%s' "$script"`).
fn echoes_download(cmd: &SimpleCommand, downloaded: &Downloaded) -> Option<String> {
    let (name, _, args) = effective(cmd)?;
    if !matches!(name.as_str(), "echo" | "printf") {
        return None;
    }
    args.iter().find_map(|w| uses_download(w, downloaded))
}

/// The tool of the downloaded variable a word is, whole (`"$script"`).
fn uses_download(w: &Word, downloaded: &Downloaded) -> Option<String> {
    downloaded.get(sole_param(w)?).cloned()
}

/// Whether a word substitutes the output of a download (`$(curl …)`,
/// `<(wget -O- …)`), directly or through a variable that holds one
/// (`<(echo "$script")`, `"$script"`).
fn substitutes_download(w: &Word, downloaded: &Downloaded) -> bool {
    fn parts(ps: &[WordPart], d: &Downloaded) -> bool {
        ps.iter().any(|p| match p {
            WordPart::CommandSubst { script, .. } | WordPart::ProcessSubst { script, .. } => {
                script.simple_commands().iter().any(|c| {
                    parse_download(c).is_some_and(|x| x.to_stdout)
                        || echoes_download(c, d).is_some()
                })
            }
            WordPart::DoubleQuoted(inner) => parts(inner, d),
            WordPart::Param { arg: Some(a), .. } => parts(&a.parts, d),
            _ => false,
        })
    }
    parts(&w.parts, downloaded) || uses_download(w, downloaded).is_some()
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

/// Whether PowerShell text runs a download with `Invoke-Expression`:
/// `iex ((New-Object Net.WebClient).DownloadString('https://…'))`,
/// `irm https://… | iex`, `Invoke-Expression (Invoke-WebRequest …)`.
pub fn powershell_remote_exec(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let has_word = |w: &str| {
        lower.match_indices(w).any(|(i, _)| {
            let before = lower[..i].chars().next_back();
            let after = lower[i + w.len()..].chars().next();
            let sep = |c: Option<char>| !c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
            sep(before) && sep(after)
        })
    };
    let runs = has_word("iex") || has_word("invoke-expression");
    let downloads = lower.contains("downloadstring")
        || has_word("invoke-webrequest")
        || has_word("invoke-restmethod")
        || has_word("iwr")
        || has_word("irm");
    runs && downloads
}

/// Every place in `rs` that runs code from the network. Spans already in
/// `seen` are skipped (and new ones added), so nested scripts that share a
/// span are reported once.
pub fn remote_exec(rs: &RunScripts, seen: &mut HashSet<Span>) -> Vec<RemoteExec> {
    let mut out = Vec::new();
    // Variables that hold a download's body.
    let mut downloaded = Downloaded::new();
    rs.walk(&mut |cx, _| {
        for a in &cx.cmd.assignments {
            if let Some(tool) = substituted_download(&a.value) {
                downloaded.insert(a.name.clone(), tool);
            }
        }
        // `export script=$(curl …)`, `local script="$(curl …)"`.
        if let Some((name, _, args)) = effective(cx.cmd)
            && matches!(
                name.as_str(),
                "export" | "local" | "declare" | "typeset" | "readonly"
            )
        {
            for w in args {
                if let [WordPart::Literal(lhs), rest @ ..] = w.parts.as_slice()
                    && let Some(var) = lhs.strip_suffix('=')
                    && let Some(tool) = substituted_download(&Word {
                        parts: rest.to_vec(),
                        span: w.span,
                    })
                {
                    downloaded.insert(var.to_string(), tool);
                }
            }
        }
    });
    // Pipes and substitutions.
    rs.walk(&mut |cx, _| {
        let cmd = cx.cmd;
        if cx.index == 0 {
            let cmds = &cx.pipeline.commands;
            for (i, c) in cmds.iter().enumerate() {
                let Command::Simple(dl) = c else { continue };
                let tool = match parse_download(dl) {
                    Some(d) if d.to_stdout => d.tool,
                    Some(_) => continue,
                    None => match echoes_download(dl, &downloaded) {
                        Some(tool) => tool,
                        None => continue,
                    },
                };
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
                        out.push(RemoteExec {
                            span,
                            severity: Severity::High,
                            message: format!(
                                "a `{tool}` download is piped into `{name}`: code from the network runs unverified in the build"
                            ),
                        });
                    }
                    break;
                }
            }
        }
        let (name, words) = code_words(cmd);
        if let Some(name) = name {
            for w in words {
                if substitutes_download(w, &downloaded) && seen.insert(w.span) {
                    out.push(RemoteExec {
                        span: w.span,
                        severity: Severity::High,
                        message: format!(
                            "a download is substituted into `{name}`: code from the network runs unverified in the build"
                        ),
                    });
                }
            }
        }
    });
    // Downloaded to a file, then run, with no verification.
    let cmds = rs.commands();
    if cmds.iter().any(|c| verifies(c.cmd)) {
        return out;
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
            if let Some(w) = words.first()
                && !substitutes_download(w, &downloaded)
                && (name == "source"
                    || name == "."
                    || invocation(cmd).is_some_and(|inv| {
                        !inv.stdin && inv.code.len() == 1 && !w.lossy().contains(' ')
                    }))
            {
                ran = Some(w.lossy());
            }
        }
        let Some(ran) = ran else { continue };
        if let Some((file, url)) = files.iter().find(|(f, _)| same_file(f, &ran))
            && seen.insert(cmd.span)
        {
            out.push(RemoteExec {
                span: cmd.span,
                severity: Severity::Medium,
                message: format!(
                    "`{file}` is downloaded{} and run in the same RUN without a checksum or signature check",
                    if url.is_empty() {
                        String::new()
                    } else {
                        format!(" from `{url}`")
                    }
                ),
            });
        }
    }
    out
}
