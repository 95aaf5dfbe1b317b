//! **What it finds.** Files or directories made writable by everyone in
//! the final image's stages: `chmod 777`, `666`, `0777`, `a+w`, `o+w`,
//! `ugo+rwx`, `a=rwx` (also with `-R`, through `find … -exec chmod`,
//! `install -m`, `mkdir -m`, and `COPY`/`ADD --chmod=777`). A mode that
//! also sets the sticky bit (`1777`, `+t`), as `/tmp` has, is fine.
//! Builder stages are not judged.
//!
//! **Why it matters.** Any process in the container, whatever user it
//! runs as, can then change those files: replace a script the application
//! runs, a library it loads, or its configuration. That turns any foothold
//! into persistence or privilege escalation, and `777` on a directory lets
//! anyone delete others' files in it.
//!
//! **How to fix.** Give the files to the user that needs them
//! (`COPY --chown=10001:10001`, `chown`) and keep the mode tight (`755`
//! for directories and programs, `644` for data, `g+w` for a shared
//! group). For a shared scratch directory use `1777`.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY app /opt/app
//! RUN chmod -R 777 /opt/app
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY --chown=10001:10001 app /opt/app
//! USER 10001
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{OptSpec, RunScripts, effective, parse_opts};
use crate::util::stages::final_chain;
use std::collections::HashSet;
use stockade_core::shell::{SimpleCommand, Word, command_basename};
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD160",
    title: "World-writable permissions",
    category: Category::FilePermissions,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("chmod_world_writable.rs"),
};

pub struct ChmodWorldWritable;

/// What a mode sets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModeBits {
    pub world_write: bool,
    pub sticky: bool,
    pub setuid: bool,
    pub setgid: bool,
}

/// Reads an octal (`4755`) or symbolic (`u+s,o+w`) mode. Symbolic clauses
/// without a `who` follow the umask for `w`, which keeps others out.
pub fn analyze_mode(mode: &str) -> Option<ModeBits> {
    let m = mode.trim();
    if m.is_empty() || m.len() > 64 {
        return None;
    }
    if m.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        if m.len() > 6 {
            return None;
        }
        let v = u32::from_str_radix(m, 8).ok()?;
        return Some(ModeBits {
            world_write: v & 0o002 != 0,
            sticky: v & 0o1000 != 0,
            setuid: v & 0o4000 != 0,
            setgid: v & 0o2000 != 0,
        });
    }
    let mut bits = ModeBits::default();
    for clause in m.split(',') {
        let b = clause.as_bytes();
        let mut i = 0;
        while i < b.len() && b"ugoa".contains(&b[i]) {
            i += 1;
        }
        let who = &clause[..i];
        if i == b.len() {
            return None;
        }
        while i < b.len() {
            let op = b[i];
            if !b"+-=".contains(&op) {
                return None;
            }
            i += 1;
            let start = i;
            while i < b.len() && b"rwxXstugo".contains(&b[i]) {
                i += 1;
            }
            let perms = &clause[start..i];
            if op == b'-' {
                continue;
            }
            let all = who.is_empty() || who.contains('a');
            if perms.contains('w') && (who.contains('o') || who.contains('a')) {
                bits.world_write = true;
            }
            if perms.contains('s') {
                if all || who.contains('u') {
                    bits.setuid = true;
                }
                if all || who.contains('g') {
                    bits.setgid = true;
                }
            }
            if perms.contains('t') {
                bits.sticky = true;
            }
        }
    }
    Some(bits)
}

/// One place a mode is applied.
pub struct ModeUse<'a> {
    /// The word holding the mode (for `--mode=…`, the whole option).
    pub word: &'a Word,
    pub mode: String,
    pub targets: Vec<String>,
    /// Only directories are changed (`mkdir -m`, `find -type d -exec chmod`).
    pub dirs_only: bool,
}

const CHMOD: OptSpec = OptSpec {
    short_with_arg: b"",
    long_with_arg: &[],
};

const MODE_OPTS: OptSpec = OptSpec {
    short_with_arg: b"mogtS",
    long_with_arg: &[
        "--mode",
        "--owner",
        "--group",
        "--target-directory",
        "--suffix",
        "--context",
    ],
};

fn chmod_use<'a>(args: &'a [Word], dirs_only: bool) -> Option<ModeUse<'a>> {
    // A mode may look like an option (`-w`): the first word that is not a
    // real option is the mode.
    let mut mode_at = None;
    for (i, w) in args.iter().enumerate() {
        let t = w.lossy();
        if t == "--" {
            mode_at = Some(i + 1);
            break;
        }
        if t.starts_with("--reference") {
            return None;
        }
        let is_opt = t.starts_with('-')
            && t.len() > 1
            && (t.starts_with("--") || t[1..].bytes().all(|b| b"RvcfhHLP".contains(&b)));
        if !is_opt {
            mode_at = Some(i);
            break;
        }
    }
    let i = mode_at?;
    let word = args.get(i)?;
    let rest = parse_opts(&args[i + 1..], &CHMOD);
    Some(ModeUse {
        word,
        mode: word.lossy(),
        targets: rest.operands.iter().map(|w| w.lossy()).collect(),
        dirs_only,
    })
}

/// Every mode a command applies: `chmod`, `install -m`, `mkdir -m`, and
/// `chmod` run by `find -exec`.
pub fn mode_uses(cmd: &SimpleCommand) -> Vec<ModeUse<'_>> {
    let mut out = Vec::new();
    let Some((name, _, args)) = effective(cmd) else {
        return out;
    };
    match name.as_str() {
        "chmod" => out.extend(chmod_use(args, false)),
        "install" | "mkdir" => {
            let p = parse_opts(args, &MODE_OPTS);
            if let Some(o) = p.opts.iter().find(|o| o.name == "m" || o.name == "mode")
                && let Some(mode) = &o.value
            {
                out.push(ModeUse {
                    word: o.value_word.unwrap_or(o.word),
                    mode: mode.clone(),
                    targets: p.operands.iter().map(|w| w.lossy()).collect(),
                    dirs_only: name == "mkdir" || p.has(&["d", "directory"]),
                });
            }
        }
        "find" => {
            let texts: Vec<String> = args.iter().map(|w| w.lossy()).collect();
            let dirs_only = texts.windows(2).any(|w| w[0] == "-type" && w[1] == "d");
            let mut i = 0;
            while i < args.len() {
                if matches!(texts[i].as_str(), "-exec" | "-execdir" | "-ok" | "-okdir")
                    && texts
                        .get(i + 1)
                        .is_some_and(|t| command_basename(t) == "chmod")
                {
                    let start = i + 2;
                    let end = (start..args.len())
                        .find(|&k| texts[k] == ";" || texts[k] == "+" || texts[k] == "\\;")
                        .unwrap_or(args.len());
                    out.extend(chmod_use(&args[start..end], dirs_only));
                    i = end;
                }
                i += 1;
            }
        }
        _ => {}
    }
    out
}

impl Rule for ChmodWorldWritable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen: HashSet<Span> = HashSet::new();
        for stage in final_chain(spec) {
            for instr in &stage.instructions {
                match &instr.kind {
                    InstrKind::Run(run) => {
                        let rs = RunScripts::new(instr, run);
                        for rc in rs.commands() {
                            for u in mode_uses(rc.cmd) {
                                let Some(bits) = analyze_mode(&u.mode) else {
                                    continue;
                                };
                                if bits.world_write && !bits.sticky && seen.insert(u.word.span) {
                                    let on = if u.targets.is_empty() {
                                        String::new()
                                    } else {
                                        format!(" on `{}`", u.targets.join(" "))
                                    };
                                    out.push(META.finding(
                                        u.word.span,
                                        stage.label(),
                                        format!("mode `{}`{on} lets every user in the container write there", u.mode),
                                    ));
                                }
                            }
                        }
                    }
                    InstrKind::Copy(c) => {
                        let Some(m) = &c.chmod else { continue };
                        let Some(mode) = m.value.known() else {
                            continue;
                        };
                        if analyze_mode(mode).is_some_and(|b| b.world_write && !b.sticky)
                            && seen.insert(m.span)
                        {
                            out.push(META.finding(
                                m.span,
                                stage.label(),
                                format!(
                                    "`--chmod={mode}` makes the copied files writable by every user in the container"
                                ),
                            ));
                        }
                    }
                    _ => {}
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
    fn modes() {
        assert!(analyze_mode("777").unwrap().world_write);
        assert!(analyze_mode("0666").unwrap().world_write);
        assert!(!analyze_mode("775").unwrap().world_write);
        let b = analyze_mode("1777").unwrap();
        assert!(b.world_write && b.sticky);
        assert!(analyze_mode("a+w").unwrap().world_write);
        assert!(analyze_mode("ugo+rwx").unwrap().world_write);
        assert!(analyze_mode("u+rwx,o+w").unwrap().world_write);
        assert!(!analyze_mode("+w").unwrap().world_write);
        assert!(!analyze_mode("o-w").unwrap().world_write);
        assert!(analyze_mode("4755").unwrap().setuid);
        assert!(analyze_mode("2755").unwrap().setgid);
        let b = analyze_mode("6755").unwrap();
        assert!(b.setuid && b.setgid);
        assert!(analyze_mode("u+s").unwrap().setuid);
        assert!(analyze_mode("g+s").unwrap().setgid && !analyze_mode("g+s").unwrap().setuid);
        assert!(analyze_mode("$MODE").is_none());
    }

    #[test]
    fn flags_world_writable() {
        for (text, want) in [
            ("FROM debian:12\nRUN chmod 777 /app\n", "777"),
            ("FROM debian:12\nRUN chmod -R 0777 /app\n", "0777"),
            ("FROM debian:12\nRUN chmod -R a+rwX /var/www\n", "a+rwX"),
            (
                "FROM debian:12\nRUN mkdir -p /data && chmod o+w /data\n",
                "o+w",
            ),
            (
                "FROM debian:12\nRUN find /app -type f -exec chmod 666 {} \\;\n",
                "666",
            ),
            (
                "FROM debian:12\nRUN install -m 0777 app /usr/local/bin/app\n",
                "0777",
            ),
            ("FROM debian:12\nRUN mkdir -m 777 /shared\n", "777"),
            ("FROM debian:12\nCOPY --chmod=777 app /app\n", "777"),
            ("FROM debian:12\nRUN sh -c 'chmod 777 /app'\n", "777"),
            (
                "FROM debian:12 AS base\nRUN chmod 777 /tmp\nFROM base\n",
                "777",
            ),
        ] {
            let f = run_build(&ChmodWorldWritable, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::Medium);
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN chmod 755 /app && chmod +x /app/run && chmod g+w /data\n",
            "FROM debian:12\nRUN chmod 1777 /scratch && chmod a+rwxt /cache\n",
            "FROM debian:12\nRUN chmod +w /app/config\n",
            "FROM debian:12\nRUN chmod --reference=/etc/hosts /x\n",
            "FROM debian:12\nCOPY --chmod=755 app /app\n",
            "FROM debian:12 AS b\nRUN chmod 777 /x\nFROM debian:12\nCOPY --from=b /x /x\n",
            "FROM debian:12\nRUN echo chmod 777 /x\n",
        ] {
            assert!(run_build(&ChmodWorldWritable, text).is_empty(), "{text}");
        }
    }
}
