//! What `RUN` instructions execute: every simple command of every script
//! (shell form, heredoc scripts, exec form, and `sh -c "…"` strings parsed
//! in turn), option parsing for common tools, package-manager invocations,
//! downloads, cache clean-up, and text written to files.

use crate::util::text::sub_span;
use std::borrow::Cow;
use stockade_core::shell::{Command, CommandCtx, Pipeline, Script, SimpleCommand, Word, WordPart};
use stockade_core::{Instruction, RunInstr, Span, Stage};

/// How deep `sh -c "sh -c '…'"` nesting is followed.
const MAX_NESTING: usize = 4;
/// How many nested scripts one RUN may produce.
const MAX_SCRIPTS: usize = 256;
/// Longest `-c` string parsed.
const MAX_INLINE_LEN: usize = 256 * 1024;

struct Entry<'a> {
    script: Cow<'a, Script>,
    level: usize,
    /// (entry index, index in that entry's `simple_commands()`) of the
    /// command whose `-c` string this is.
    parent: Option<(usize, usize)>,
}

/// The scripts one `RUN` executes, including exec form and inline
/// `sh -c` scripts (parsed here, with spans into the file where they can be
/// placed exactly, else at the `-c` argument).
pub struct RunScripts<'a> {
    pub instr: &'a Instruction,
    pub run: &'a RunInstr,
    entries: Vec<Entry<'a>>,
}

/// One simple command of a RUN, with how many `sh -c` levels deep it is.
#[derive(Clone, Copy)]
pub struct RunCmd<'s> {
    pub cmd: &'s SimpleCommand,
    pub level: usize,
}

impl<'a> RunScripts<'a> {
    pub fn new(instr: &'a Instruction, run: &'a RunInstr) -> RunScripts<'a> {
        let mut entries: Vec<Entry<'a>> = run
            .scripts
            .iter()
            .map(|s| Entry {
                script: Cow::Borrowed(s),
                level: 0,
                parent: None,
            })
            .collect();
        if let Some(exec) = &run.exec {
            entries.push(Entry {
                script: Cow::Owned(exec_script(exec, instr.span)),
                level: 0,
                parent: None,
            });
        }
        let mut i = 0;
        while i < entries.len() && entries.len() < MAX_SCRIPTS {
            if entries[i].level < MAX_NESTING {
                let level = entries[i].level + 1;
                let mut found = Vec::new();
                for (k, c) in entries[i].script.simple_commands().iter().enumerate() {
                    if let Some(w) = c.inline_script()
                        && let Some(s) = parse_inline(w)
                    {
                        found.push(Entry {
                            script: Cow::Owned(s),
                            level,
                            parent: Some((i, k)),
                        });
                    }
                }
                let room = MAX_SCRIPTS.saturating_sub(entries.len());
                entries.extend(found.into_iter().take(room));
            }
            i += 1;
        }
        RunScripts {
            instr,
            run,
            entries,
        }
    }

    /// Every script with its nesting level (0: written in the RUN itself).
    pub fn scripts(&self) -> impl Iterator<Item = (&Script, usize)> {
        self.entries.iter().map(|e| (e.script.as_ref(), e.level))
    }

    /// Visits every simple command of every script (see [`Script::walk`]).
    pub fn walk(&self, f: &mut dyn FnMut(&CommandCtx, usize)) {
        for e in &self.entries {
            let level = e.level;
            e.script.walk(&mut |cx| f(cx, level));
        }
    }

    /// Every simple command in execution order, with inline scripts placed
    /// right after the command that runs them.
    pub fn commands(&self) -> Vec<RunCmd<'_>> {
        let mut out = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.parent.is_none() {
                self.emit(i, &mut out);
            }
        }
        out
    }

    fn emit<'s>(&'s self, i: usize, out: &mut Vec<RunCmd<'s>>) {
        let e = &self.entries[i];
        for (k, c) in e.script.simple_commands().into_iter().enumerate() {
            out.push(RunCmd {
                cmd: c,
                level: e.level,
            });
            for (j, child) in self.entries.iter().enumerate() {
                if child.parent == Some((i, k)) {
                    self.emit(j, out);
                }
            }
        }
    }
}

/// The RUN instructions of a stage with their scripts.
pub fn stage_runs(stage: &Stage) -> Vec<RunScripts<'_>> {
    stage
        .runs()
        .map(|(instr, run)| RunScripts::new(instr, run))
        .collect()
}

/// A script of one simple command made from an exec-form `RUN ["a", "b"]`.
fn exec_script(exec: &[stockade_core::Spanned<String>], span: Span) -> Script {
    let words: Vec<Word> = exec
        .iter()
        .map(|s| Word {
            // A JSON string without escapes maps one-to-one inside its quotes.
            parts: if s.span.len() == s.value.len() + 2 {
                vec![WordPart::DoubleQuoted(vec![WordPart::Literal(
                    s.value.clone(),
                )])]
            } else {
                vec![WordPart::Literal(s.value.clone())]
            },
            span: s.span,
        })
        .collect();
    let cmd_span = match (words.first(), words.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => span,
    };
    let cmd = SimpleCommand {
        assignments: Vec::new(),
        words,
        redirects: Vec::new(),
        span: cmd_span,
    };
    let pipeline = Pipeline {
        bang: false,
        commands: vec![Command::Simple(cmd)],
        span: cmd_span,
    };
    Script {
        items: vec![stockade_core::shell::AndOrList {
            first: pipeline,
            rest: Vec::new(),
            background: false,
            span: cmd_span,
        }],
        span: cmd_span,
    }
}

/// Parses the string of `sh -c "…"` as a script (see
/// [`stockade_shell::parse_word_as_script`]: exact spans when the string is
/// written out one-to-one, else every span is the `-c` argument's).
pub fn parse_inline(word: &Word) -> Option<Script> {
    if word.span.len() > MAX_INLINE_LEN {
        return None;
    }
    stockade_shell::parse_word_as_script(word).map(|p| p.script)
}

// ───────────────────────── option parsing ─────────────────────────

/// Which options of a tool take a value.
pub struct OptSpec {
    /// Short options taking a value (`-o FILE`, `-oFILE`).
    pub short_with_arg: &'static [u8],
    /// Long options taking a value when written without `=` (`--output FILE`).
    pub long_with_arg: &'static [&'static str],
}

/// One option as written.
#[derive(Debug, Clone)]
pub struct Opt<'a> {
    /// `k` for `-k`, `insecure` for `--insecure` (without dashes).
    pub name: String,
    pub long: bool,
    /// The option's value (attached or the next word), as text.
    pub value: Option<String>,
    /// The word holding the option (for short options, the whole cluster).
    pub word: &'a Word,
    /// The word holding the value when it is the next word.
    pub value_word: Option<&'a Word>,
}

/// Options and operands of a command's arguments.
#[derive(Debug, Clone, Default)]
pub struct ParsedArgs<'a> {
    pub opts: Vec<Opt<'a>>,
    pub operands: Vec<&'a Word>,
}

impl<'a> ParsedArgs<'a> {
    /// The first option with one of `names` (short names are one letter).
    pub fn get(&self, names: &[&str]) -> Option<&Opt<'a>> {
        self.opts.iter().find(|o| names.contains(&o.name.as_str()))
    }

    pub fn has(&self, names: &[&str]) -> bool {
        self.get(names).is_some()
    }
}

/// Parses GNU-style options anywhere among `args` (until `--`).
pub fn parse_opts<'a>(args: &'a [Word], spec: &OptSpec) -> ParsedArgs<'a> {
    let mut out = ParsedArgs::default();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let w = &args[i];
        let text = w.lossy();
        i += 1;
        if only_operands || !text.starts_with('-') || text == "-" {
            out.operands.push(w);
            continue;
        }
        if text == "--" {
            only_operands = true;
            continue;
        }
        if let Some(long) = text.strip_prefix("--") {
            let (name, value, value_word) = match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string()), None),
                None if spec.long_with_arg.contains(&text.as_str()) => {
                    let vw = args.get(i);
                    i += 1;
                    (long.to_string(), vw.map(|v| v.lossy()), vw)
                }
                None => (long.to_string(), None, None),
            };
            out.opts.push(Opt {
                name,
                long: true,
                value,
                word: w,
                value_word,
            });
            continue;
        }
        let bytes = text.as_bytes();
        let mut k = 1;
        while k < bytes.len() {
            let c = bytes[k];
            if !c.is_ascii() {
                break;
            }
            if spec.short_with_arg.contains(&c) {
                let rest = &text[k + 1..];
                let (value, value_word) = if rest.is_empty() {
                    let vw = args.get(i);
                    i += 1;
                    (vw.map(|v| v.lossy()), vw)
                } else {
                    (Some(rest.to_string()), None)
                };
                out.opts.push(Opt {
                    name: (c as char).to_string(),
                    long: false,
                    value,
                    word: w,
                    value_word,
                });
                break;
            }
            out.opts.push(Opt {
                name: (c as char).to_string(),
                long: false,
                value: None,
                word: w,
                value_word: None,
            });
            k += 1;
        }
    }
    out
}

/// The effective command of `cmd` (looking through `sudo`, `env`, …, and
/// `busybox`), its name word and its arguments.
pub fn effective(cmd: &SimpleCommand) -> Option<(String, &Word, &[Word])> {
    let (name, args) = cmd.effective()?;
    let idx = cmd.words.len().checked_sub(args.len() + 1)?;
    let name_word = cmd.words.get(idx)?;
    if name == "busybox"
        && let Some(first) = args.first().and_then(|w| w.literal())
        && !first.starts_with('-')
    {
        return Some((first, &args[0], &args[1..]));
    }
    Some((name, name_word, args))
}

// ───────────────────────── package managers ─────────────────────────

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkgManager {
    AptGet,
    Apt,
    Aptitude,
    Apk,
    Yum,
    Dnf,
    Microdnf,
    Tdnf,
    Zypper,
    Pip,
    Npm,
    Yarn,
    Pnpm,
}

impl PkgManager {
    /// apt-get, apt, aptitude.
    pub fn is_apt(self) -> bool {
        matches!(
            self,
            PkgManager::AptGet | PkgManager::Apt | PkgManager::Aptitude
        )
    }
    /// yum, dnf, microdnf, tdnf.
    pub fn is_rpm(self) -> bool {
        matches!(
            self,
            PkgManager::Yum | PkgManager::Dnf | PkgManager::Microdnf | PkgManager::Tdnf
        )
    }
    /// OS package managers (not language ones).
    pub fn is_os(self) -> bool {
        self.is_apt() || self.is_rpm() || matches!(self, PkgManager::Apk | PkgManager::Zypper)
    }
}

const APT_OPTS: OptSpec = OptSpec {
    short_with_arg: b"otca",
    long_with_arg: &[
        "--option",
        "--target-release",
        "--default-release",
        "--config-file",
        "--host-architecture",
    ],
};
const APK_OPTS: OptSpec = OptSpec {
    short_with_arg: b"Xpt",
    long_with_arg: &[
        "--repository",
        "--root",
        "--virtual",
        "--arch",
        "--cache-dir",
        "--keys-dir",
        "--repositories-file",
        "--cache-max-age",
    ],
};
const RPM_OPTS: OptSpec = OptSpec {
    short_with_arg: b"cxde",
    long_with_arg: &[
        "--config",
        "--installroot",
        "--enablerepo",
        "--disablerepo",
        "--setopt",
        "--releasever",
        "--exclude",
        "--repo",
        "--repoid",
        "--downloaddir",
        "--destdir",
        "--forcearch",
        "--repofrompath",
    ],
};
const ZYPPER_OPTS: OptSpec = OptSpec {
    short_with_arg: b"rtRD",
    long_with_arg: &[
        "--repo",
        "--type",
        "--from",
        "--root",
        "--config",
        "--reposd-dir",
    ],
};
const PIP_OPTS: OptSpec = OptSpec {
    short_with_arg: b"rcietfC",
    long_with_arg: &[
        "--requirement",
        "--constraint",
        "--index-url",
        "--extra-index-url",
        "--trusted-host",
        "--target",
        "--prefix",
        "--root",
        "--editable",
        "--find-links",
        "--cache-dir",
        "--src",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--progress-bar",
        "--only-binary",
        "--no-binary",
        "--upgrade-strategy",
        "--log",
        "--proxy",
        "--retries",
        "--timeout",
        "--cert",
        "--client-cert",
        "--global-option",
        "--install-option",
        "--config-settings",
        "--python",
    ],
};
const NPM_OPTS: OptSpec = OptSpec {
    short_with_arg: b"w",
    long_with_arg: &[
        "--prefix",
        "--registry",
        "--cache",
        "--workspace",
        "--userconfig",
    ],
};

/// A package-manager invocation.
#[derive(Debug, Clone)]
pub struct PkgCommand<'a> {
    pub manager: PkgManager,
    /// The word naming the tool (`apt-get`, `pip3`, or `python3` of `python3 -m pip`).
    pub tool: &'a Word,
    /// The subcommand, lower-case (`install`, `add`, `update`, `clean`…).
    pub action: Option<String>,
    pub action_word: Option<&'a Word>,
    pub args: ParsedArgs<'a>,
    pub cmd: &'a SimpleCommand,
}

impl<'a> PkgCommand<'a> {
    /// Whether this installs packages.
    pub fn is_install(&self) -> bool {
        let a = self.action.as_deref().unwrap_or("");
        match self.manager {
            PkgManager::AptGet | PkgManager::Apt | PkgManager::Aptitude => a == "install",
            PkgManager::Apk => a == "add",
            PkgManager::Yum | PkgManager::Dnf | PkgManager::Microdnf | PkgManager::Tdnf => {
                matches!(
                    a,
                    "install" | "localinstall" | "groupinstall" | "reinstall" | "in"
                )
            }
            PkgManager::Zypper => matches!(a, "install" | "in"),
            PkgManager::Pip => a == "install",
            PkgManager::Npm => matches!(a, "install" | "i" | "add" | "ci" | "isntall"),
            PkgManager::Yarn => matches!(a, "add" | "install" | ""),
            PkgManager::Pnpm => matches!(a, "add" | "install" | "i"),
        }
    }

    /// The packages named (operands after the action), with versions,
    /// releases and architectures cut off (`curl=7.88*` → `curl`).
    pub fn packages(&self) -> Vec<(String, &'a Word)> {
        let skip = match self.action.as_deref() {
            Some("groupinstall")
                if self
                    .args
                    .operands
                    .first()
                    .is_some_and(|w| w.lossy() != "groupinstall") =>
            {
                2
            }
            Some(_) => 1,
            None => 0,
        };
        let mut out = Vec::new();
        for w in self.args.operands.iter().skip(skip) {
            let text = w.lossy();
            let name = text
                .split(['=', '~', '<', '>', '@', '['])
                .next()
                .unwrap_or("")
                .split(['/', ':'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if !name.is_empty() {
                out.push((name, *w));
            }
        }
        out
    }
}

/// Recognises a package-manager invocation (behind `sudo`/`env` too).
pub fn parse_pkg(cmd: &SimpleCommand) -> Option<PkgCommand<'_>> {
    let (name, tool, mut args) = effective(cmd)?;
    let name = name.as_str();
    let manager = match name {
        "apt-get" => PkgManager::AptGet,
        "apt" => PkgManager::Apt,
        "aptitude" => PkgManager::Aptitude,
        "apk" => PkgManager::Apk,
        "yum" => PkgManager::Yum,
        "dnf" | "dnf5" | "dnf-3" => PkgManager::Dnf,
        "microdnf" => PkgManager::Microdnf,
        "tdnf" => PkgManager::Tdnf,
        "zypper" => PkgManager::Zypper,
        "npm" => PkgManager::Npm,
        "yarn" => PkgManager::Yarn,
        "pnpm" => PkgManager::Pnpm,
        n if is_pip_name(n) => PkgManager::Pip,
        n if is_python_name(n) => {
            // `python3 -m pip …`
            let pos = args.iter().position(|w| w.is("-m"))?;
            if !args
                .get(pos + 1)
                .is_some_and(|w| w.is("pip") || w.is("pip3"))
            {
                return None;
            }
            args = &args[pos + 2..];
            PkgManager::Pip
        }
        _ => return None,
    };
    let spec = match manager {
        PkgManager::AptGet | PkgManager::Apt | PkgManager::Aptitude => &APT_OPTS,
        PkgManager::Apk => &APK_OPTS,
        PkgManager::Yum | PkgManager::Dnf | PkgManager::Microdnf | PkgManager::Tdnf => &RPM_OPTS,
        PkgManager::Zypper => &ZYPPER_OPTS,
        PkgManager::Pip => &PIP_OPTS,
        PkgManager::Npm | PkgManager::Yarn | PkgManager::Pnpm => &NPM_OPTS,
    };
    let parsed = parse_opts(args, spec);
    let action_word = parsed.operands.first().copied();
    let mut action = action_word.map(|w| w.lossy().to_ascii_lowercase());
    // `dnf group install`, `yum groups install`.
    if manager.is_rpm()
        && matches!(action.as_deref(), Some("group" | "groups"))
        && let Some(second) = parsed.operands.get(1)
        && second.lossy() == "install"
    {
        action = Some("groupinstall".into());
    }
    Some(PkgCommand {
        manager,
        tool,
        action,
        action_word,
        args: parsed,
        cmd,
    })
}

fn is_pip_name(n: &str) -> bool {
    let rest = match n.strip_prefix("pip") {
        Some(r) => r,
        None => return false,
    };
    rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// `python`, `python3`, `python3.12`, `pypy3`.
pub fn is_python_name(n: &str) -> bool {
    let rest = n.strip_prefix("python").or_else(|| n.strip_prefix("pypy"));
    rest.is_some_and(|r| r.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

// ───────────────────────── cache clean-up ─────────────────────────

/// Package caches a RUN may leave behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// `/var/lib/apt/lists`.
    AptLists,
    /// `/var/cache/apk`.
    Apk,
    /// `/var/cache/yum` and `/var/cache/dnf` (yum, dnf, microdnf, tdnf).
    Rpm,
    /// `/var/cache/zypp`.
    Zypper,
    /// `~/.cache/pip`.
    Pip,
}

impl Cache {
    /// Directories holding the cache (a cache mount on one of them, or a
    /// parent, keeps the cache out of the layer).
    pub fn dirs(self) -> &'static [&'static str] {
        match self {
            Cache::AptLists => &["/var/lib/apt/lists"],
            Cache::Apk => &["/var/cache/apk", "/etc/apk/cache"],
            Cache::Rpm => &["/var/cache/yum", "/var/cache/dnf", "/var/cache/tdnf"],
            Cache::Zypper => &["/var/cache/zypp"],
            Cache::Pip => &[
                "/root/.cache/pip",
                "/root/.cache",
                "~/.cache/pip",
                "~/.cache",
            ],
        }
    }
}

/// Whether `cmd` removes the cache (`rm -rf /var/lib/apt/lists/*`,
/// `yum clean all`, `apk cache clean`, `pip cache purge`…).
pub fn cleans_cache(cmd: &SimpleCommand, cache: Cache) -> bool {
    let Some((name, _, args)) = effective(cmd) else {
        return false;
    };
    let texts: Vec<String> = args.iter().map(|w| w.lossy()).collect();
    let has = |s: &str| texts.iter().any(|t| t == s);
    match name.as_str() {
        "rm" => texts.iter().any(|t| {
            let t = t.trim_end_matches('*').trim_end_matches('/');
            if t.is_empty() || t.starts_with('-') {
                return false;
            }
            cache.dirs().iter().any(|d| match d.strip_prefix('~') {
                // `$HOME/.cache/pip`, `/home/app/.cache/pip`.
                Some(rel) => t.ends_with(rel),
                None => t == *d || d.starts_with(&format!("{t}/")),
            })
        }),
        "apt-get" | "apt" => false,
        "apk" => cache == Cache::Apk && has("cache") && (has("clean") || has("purge")),
        "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf" => {
            cache == Cache::Rpm
                && has("clean")
                && (has("all") || has("packages") || has("metadata"))
        }
        "zypper" => cache == Cache::Zypper && (has("clean") || has("cc")),
        n if is_pip_name(n) => {
            cache == Cache::Pip && has("cache") && (has("purge") || has("remove"))
        }
        n if is_python_name(n) => {
            cache == Cache::Pip && has("pip") && has("cache") && (has("purge") || has("remove"))
        }
        _ => false,
    }
}

/// Whether the RUN mounts a cache or tmpfs over `dir` (or a parent of it),
/// so whatever is written there stays out of the layer.
pub fn mount_covers(run: &RunInstr, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    run.mounts.iter().any(|m| {
        let kind = m.kind.to_ascii_lowercase();
        if kind != "cache" && kind != "tmpfs" {
            return false;
        }
        let Some(target) = m
            .option("target")
            .or_else(|| m.option("dst"))
            .or_else(|| m.option("destination"))
        else {
            return false;
        };
        let t = target.trim_end_matches('/');
        let dir_home = dir.replace('~', "/root");
        let t_home = t.replace('~', "/root");
        !t_home.is_empty() && (dir_home == t_home || dir_home.starts_with(&format!("{t_home}/")))
    })
}

// ───────────────────────── downloads ─────────────────────────

const CURL_OPTS: OptSpec = OptSpec {
    short_with_arg: b"oHdeuxXAbcCEFKmrTwyYzQtUPD",
    long_with_arg: &[
        "--output",
        "--header",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--user",
        "--proxy",
        "--request",
        "--user-agent",
        "--cookie",
        "--cookie-jar",
        "--continue-at",
        "--cert",
        "--form",
        "--config",
        "--max-time",
        "--range",
        "--upload-file",
        "--write-out",
        "--retry",
        "--retry-delay",
        "--retry-max-time",
        "--connect-timeout",
        "--cacert",
        "--capath",
        "--key",
        "--output-dir",
        "--url",
        "--proto",
        "--proto-redir",
        "--resolve",
        "--dump-header",
        "--referer",
        "--limit-rate",
        "--max-filesize",
        "--oauth2-bearer",
        "--pinnedpubkey",
    ],
};

const WGET_OPTS: OptSpec = OptSpec {
    short_with_arg: b"OoaPtTweiUQlARDIXB",
    long_with_arg: &[
        "--output-document",
        "--output-file",
        "--append-output",
        "--directory-prefix",
        "--tries",
        "--timeout",
        "--wait",
        "--execute",
        "--input-file",
        "--user-agent",
        "--quota",
        "--level",
        "--accept",
        "--reject",
        "--domains",
        "--user",
        "--password",
        "--header",
        "--ca-certificate",
        "--certificate",
        "--private-key",
        "--post-data",
        "--post-file",
        "--method",
        "--body-data",
    ],
};

/// A download by `curl` or `wget`.
#[derive(Debug, Clone)]
pub struct Download<'a> {
    pub tool: String,
    pub tool_word: &'a Word,
    pub args: ParsedArgs<'a>,
    /// Whether the body goes to standard output.
    pub to_stdout: bool,
    /// The file written, when known (`-o x`, `-O` with the URL's basename).
    pub output: Option<String>,
    pub urls: Vec<String>,
}

/// Recognises `curl`/`wget` (behind wrappers and `busybox`).
pub fn parse_download(cmd: &SimpleCommand) -> Option<Download<'_>> {
    let (name, tool_word, args) = effective(cmd)?;
    let (spec, curl) = match name.as_str() {
        "curl" => (&CURL_OPTS, true),
        "wget" => (&WGET_OPTS, false),
        _ => return None,
    };
    let parsed = parse_opts(args, spec);
    let mut urls: Vec<String> = parsed
        .operands
        .iter()
        .map(|w| w.lossy())
        .filter(|u| looks_like_url(u))
        .collect();
    if curl && let Some(u) = parsed.get(&["url"]).and_then(|o| o.value.clone()) {
        urls.push(u);
    }
    let basename = |u: &str| -> Option<String> {
        let path = u.split(['?', '#']).next().unwrap_or("");
        let path = path.split_once("://").map(|(_, r)| r).unwrap_or(path);
        let (_, p) = path.split_once('/')?;
        let b = p.rsplit('/').next().unwrap_or("");
        (!b.is_empty()).then(|| b.to_string())
    };
    let (to_stdout, output) = if curl {
        let o = parsed.get(&["o", "output"]).and_then(|o| o.value.clone());
        let remote = parsed.has(&["O", "remote-name", "remote-name-all"]);
        match (o, remote) {
            (Some(f), _) if f == "-" || f == "/dev/stdout" => (true, None),
            (Some(f), _) => (false, Some(f)),
            (None, true) => (false, urls.first().and_then(|u| basename(u))),
            (None, false) => (true, None),
        }
    } else {
        let o = parsed
            .get(&["O", "output-document"])
            .and_then(|o| o.value.clone());
        match o {
            Some(f) if f == "-" || f == "/dev/stdout" => (true, None),
            Some(f) => (false, Some(f)),
            None => {
                let dir = parsed
                    .get(&["P", "directory-prefix"])
                    .and_then(|o| o.value.clone());
                let b = urls.first().and_then(|u| basename(u));
                (
                    false,
                    match (dir, b) {
                        (Some(d), Some(b)) => Some(format!("{}/{b}", d.trim_end_matches('/'))),
                        (None, b) => b,
                        _ => None,
                    },
                )
            }
        }
    };
    Some(Download {
        tool: name,
        tool_word,
        args: parsed,
        to_stdout,
        output,
        urls,
    })
}

/// `http(s)://`, `ftp://`, or a host-looking first component (`get.docker.com/x`).
pub fn looks_like_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    if l.starts_with("http://") || l.starts_with("https://") || l.starts_with("ftp://") {
        return true;
    }
    if l.starts_with('$') {
        // `$URL`, `${URL}/x`: a variable holding the address.
        return true;
    }
    let host = l.split('/').next().unwrap_or("");
    !l.starts_with('-')
        && host.contains('.')
        && !host.starts_with('.')
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        && l.contains('/')
}

// ───────────────────────── file writes ─────────────────────────

/// Text a RUN writes to a file: `echo … > f`, `printf … | tee -a f`,
/// `cat > f <<EOF … EOF`, `sed -i '…' f`.
#[derive(Debug, Clone)]
pub struct FileWrite {
    /// The file as written (may hold unexpanded variables).
    pub path: String,
    /// The written text, in pieces with the span each came from.
    pub pieces: Vec<(String, Span)>,
    /// `sed -i` edits (the expression, not new content as such).
    pub sed: bool,
    /// The command doing the write.
    pub span: Span,
}

impl FileWrite {
    /// The first piece containing `needle` (ASCII case-insensitive) and
    /// the span of the match inside it.
    pub fn find(&self, needle: &str) -> Option<Span> {
        let n = needle.to_ascii_lowercase();
        self.pieces.iter().find_map(|(t, s)| {
            let lower = t.to_ascii_lowercase();
            lower.find(&n).map(|at| sub_span(*s, t, at, at + n.len()))
        })
    }

    pub fn text(&self) -> String {
        self.pieces
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn write_targets(cmd: &SimpleCommand) -> Vec<String> {
    cmd.redirects
        .iter()
        .filter(|r| {
            matches!(r.op.as_str(), ">" | ">>" | ">|" | "&>" | "&>>")
                && r.fd.is_none_or(|fd| fd == 1)
        })
        .map(|r| r.target.lossy())
        .collect()
}

fn heredoc_pieces(cmd: &SimpleCommand) -> Vec<(String, Span)> {
    cmd.redirects
        .iter()
        .filter_map(|r| r.heredoc.as_ref())
        .map(|h| (h.lossy(), h.span))
        .chain(
            cmd.redirects
                .iter()
                .filter(|r| r.op == "<<<")
                .map(|r| (r.target.lossy(), r.target.span)),
        )
        .collect()
}

/// The text a producer command (`echo`, `printf`, `cat <<EOF`) emits.
fn produced(cmd: &SimpleCommand) -> Option<Vec<(String, Span)>> {
    let (name, _, args) = effective(cmd)?;
    match name.as_str() {
        "echo" | "printf" => Some(
            args.iter()
                .filter(|w| {
                    !(name == "echo"
                        && matches!(w.lossy().as_str(), "-e" | "-n" | "-ne" | "-en" | "-E"))
                })
                .map(|w| (w.lossy(), w.span))
                .collect(),
        ),
        "cat" => {
            let h = heredoc_pieces(cmd);
            (!h.is_empty()).then_some(h)
        }
        _ => None,
    }
}

/// Every file write in a RUN.
pub fn file_writes(rs: &RunScripts) -> Vec<FileWrite> {
    let mut out = Vec::new();
    rs.walk(&mut |cx, _| {
        let cmd = cx.cmd;
        let Some((name, _, args)) = effective(cmd) else {
            return;
        };
        match name.as_str() {
            "echo" | "printf" | "cat" => {
                let targets = write_targets(cmd);
                if targets.is_empty() {
                    return;
                }
                if let Some(pieces) = produced(cmd) {
                    for path in targets {
                        out.push(FileWrite {
                            path,
                            pieces: pieces.clone(),
                            sed: false,
                            span: cmd.span,
                        });
                    }
                }
            }
            "tee" => {
                let parsed = parse_opts(
                    args,
                    &OptSpec {
                        short_with_arg: b"",
                        long_with_arg: &[],
                    },
                );
                let mut pieces = heredoc_pieces(cmd);
                if cx.index > 0
                    && let Some(Command::Simple(prev)) = cx.pipeline.commands.get(cx.index - 1)
                    && let Some(p) = produced(prev)
                {
                    pieces.extend(p);
                }
                if pieces.is_empty() {
                    return;
                }
                for w in parsed.operands {
                    out.push(FileWrite {
                        path: w.lossy(),
                        pieces: pieces.clone(),
                        sed: false,
                        span: cmd.span,
                    });
                }
            }
            "sed" => {
                let parsed = parse_opts(
                    args,
                    &OptSpec {
                        short_with_arg: b"ef",
                        long_with_arg: &["--expression", "--file"],
                    },
                );
                if !parsed
                    .opts
                    .iter()
                    .any(|o| o.name == "i" || o.name.starts_with("in-place"))
                {
                    return;
                }
                let mut pieces: Vec<(String, Span)> = parsed
                    .opts
                    .iter()
                    .filter(|o| o.name == "e" || o.name == "expression")
                    .filter_map(|o| {
                        o.value
                            .clone()
                            .map(|v| (v, o.value_word.map_or(o.word.span, |w| w.span)))
                    })
                    .collect();
                let mut files = parsed.operands.iter();
                if pieces.is_empty()
                    && let Some(e) = files.next()
                {
                    pieces.push((e.lossy(), e.span));
                }
                for f in files {
                    out.push(FileWrite {
                        path: f.lossy(),
                        pieces: pieces.clone(),
                        sed: true,
                        span: cmd.span,
                    });
                }
            }
            _ => {}
        }
    });
    out
}

/// Every word of a command, with redirect targets and here-document bodies.
pub fn all_words(cmd: &SimpleCommand) -> impl Iterator<Item = &Word> {
    cmd.assignments
        .iter()
        .map(|a| &a.value)
        .chain(cmd.words.iter())
        .chain(cmd.redirects.iter().map(|r| &r.target))
        .chain(cmd.redirects.iter().filter_map(|r| r.heredoc.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Word {
        Word {
            parts: vec![WordPart::Literal(s.to_string())],
            span: Span::default(),
        }
    }

    fn cmd(words: &[&str]) -> SimpleCommand {
        SimpleCommand {
            assignments: Vec::new(),
            words: words.iter().map(|s| w(s)).collect(),
            redirects: Vec::new(),
            span: Span::default(),
        }
    }

    #[test]
    fn option_clusters() {
        let args: Vec<Word> = [
            "-fsSLko",
            "out",
            "--retry",
            "3",
            "https://x/y",
            "-H",
            "k: v",
        ]
        .iter()
        .map(|s| w(s))
        .collect();
        let p = parse_opts(&args, &CURL_OPTS);
        assert!(p.has(&["k"]));
        assert_eq!(p.get(&["o"]).unwrap().value.as_deref(), Some("out"));
        assert_eq!(p.operands.len(), 1);
        let args: Vec<Word> = ["-Hk"].iter().map(|s| w(s)).collect();
        assert!(!parse_opts(&args, &CURL_OPTS).has(&["k"]));
    }

    #[test]
    fn packages() {
        let c = cmd(&[
            "apt-get",
            "-o",
            "Dpkg::Options::=--force-confold",
            "install",
            "-y",
            "curl=7.88",
            "openssh-server",
        ]);
        let p = parse_pkg(&c).unwrap();
        assert_eq!(p.manager, PkgManager::AptGet);
        assert!(p.is_install());
        let names: Vec<String> = p.packages().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["curl", "openssh-server"]);

        let c = cmd(&[
            "sudo",
            "apk",
            "add",
            "--no-cache",
            "-t",
            ".build",
            "openssh",
        ]);
        let p = parse_pkg(&c).unwrap();
        assert_eq!(p.manager, PkgManager::Apk);
        let names: Vec<String> = p.packages().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["openssh"]);

        let c = cmd(&[
            "python3",
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "-r",
            "req.txt",
        ]);
        let p = parse_pkg(&c).unwrap();
        assert_eq!(p.manager, PkgManager::Pip);
        assert!(p.is_install() && p.args.has(&["no-cache-dir"]));
        assert!(p.packages().is_empty());

        let c = cmd(&["zypper", "--non-interactive", "in", "sudo"]);
        assert!(parse_pkg(&c).unwrap().is_install());
        assert!(parse_pkg(&cmd(&["pip3.11", "install", "x"])).is_some());
        assert!(parse_pkg(&cmd(&["pipx", "install", "x"])).is_none());
    }

    #[test]
    fn cleanups() {
        assert!(cleans_cache(
            &cmd(&["rm", "-rf", "/var/lib/apt/lists/*"]),
            Cache::AptLists
        ));
        assert!(cleans_cache(
            &cmd(&["rm", "-rf", "/var/lib/apt/lists"]),
            Cache::AptLists
        ));
        assert!(!cleans_cache(
            &cmd(&["rm", "-rf", "/tmp/*"]),
            Cache::AptLists
        ));
        assert!(cleans_cache(&cmd(&["yum", "clean", "all"]), Cache::Rpm));
        assert!(cleans_cache(&cmd(&["dnf", "clean", "all"]), Cache::Rpm));
        assert!(cleans_cache(
            &cmd(&["rm", "-rf", "/var/cache/apk/*"]),
            Cache::Apk
        ));
        assert!(cleans_cache(
            &cmd(&["zypper", "clean", "-a"]),
            Cache::Zypper
        ));
        assert!(cleans_cache(&cmd(&["pip", "cache", "purge"]), Cache::Pip));
        assert!(cleans_cache(
            &cmd(&["rm", "-rf", "/root/.cache/pip"]),
            Cache::Pip
        ));
    }

    #[test]
    fn downloads() {
        let c = cmd(&["curl", "-fsSL", "https://get.example.com/install.sh"]);
        let d = parse_download(&c).unwrap();
        assert!(d.to_stdout);
        let c = cmd(&["curl", "-fsSLO", "https://get.example.com/install.sh?x=1"]);
        let d = parse_download(&c).unwrap();
        assert_eq!(d.output.as_deref(), Some("install.sh"));
        let c = cmd(&["wget", "-qO-", "https://x.io/a.sh"]);
        assert!(parse_download(&c).unwrap().to_stdout);
        let c = cmd(&["wget", "-q", "https://x.io/a.sh"]);
        let d = parse_download(&c).unwrap();
        assert!(!d.to_stdout);
        assert_eq!(d.output.as_deref(), Some("a.sh"));
        let c = cmd(&["wget", "-O", "/tmp/i.sh", "https://x.io/a.sh"]);
        assert_eq!(
            parse_download(&c).unwrap().output.as_deref(),
            Some("/tmp/i.sh")
        );
    }
}
