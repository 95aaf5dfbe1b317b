//! **What it finds.** setuid or setgid bits set in the final image's
//! stages: `chmod u+s`, `g+s`, `+s`, `4755`, `2755`, `6755` (also via
//! `find -exec chmod`, `install -m`, and `COPY`/`ADD --chmod=4755`).
//! setgid on directories (group inheritance for shared folders: `mkdir -m
//! 2775`, `find … -type d -exec chmod g+s`, a path ending in `/`, or a
//! directory created by `mkdir` in the same `RUN`) is not a finding.
//! Builder stages are not judged.
//!
//! **Why it matters.** A setuid program runs with its owner's identity
//! (root, for files the build creates) whoever starts it. Any bug in it,
//! or a way to make it run something else, hands root to a non-root
//! process in the container. Images should not add such programs;
//! containers are often started with `no-new-privileges` precisely to make
//! them powerless.
//!
//! **How to fix.** Remove the bit. If a program needs one privileged
//! operation, grant that capability to the container (`cap_add`) or do the
//! work at build time or in an init step.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY tool /usr/local/bin/tool
//! RUN chmod u+s /usr/local/bin/tool
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY --chmod=755 tool /usr/local/bin/tool
//! ```

use crate::build::chmod_world_writable::{analyze_mode, mode_uses};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{RunScripts, effective};
use crate::util::stages::final_chain;
use std::collections::HashSet;
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD161",
    title: "setuid or setgid bit set",
    category: Category::FilePermissions,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("setuid_bits.rs"),
};

pub struct SetuidBits;

fn what(setuid: bool, setgid: bool) -> &'static str {
    match (setuid, setgid) {
        (true, true) => "setuid and setgid",
        (true, false) => "setuid",
        _ => "setgid",
    }
}

impl Rule for SetuidBits {
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
                        let mut made_dirs: Vec<String> = Vec::new();
                        for rc in rs.commands() {
                            if let Some((name, _, args)) = effective(rc.cmd)
                                && name == "mkdir"
                            {
                                made_dirs.extend(
                                    args.iter()
                                        .map(|w| w.lossy())
                                        .filter(|t| !t.starts_with('-')),
                                );
                            }
                            for u in mode_uses(rc.cmd) {
                                let Some(b) = analyze_mode(&u.mode) else {
                                    continue;
                                };
                                if !b.setuid && !b.setgid {
                                    continue;
                                }
                                let dirs = u.dirs_only
                                    || (!u.targets.is_empty()
                                        && u.targets.iter().all(|t| {
                                            t.ends_with('/')
                                                || made_dirs.iter().any(|d| {
                                                    d.trim_end_matches('/')
                                                        == t.trim_end_matches('/')
                                                })
                                        }));
                                if !b.setuid && dirs {
                                    continue;
                                }
                                if seen.insert(u.word.span) {
                                    let on = if u.targets.is_empty() {
                                        String::new()
                                    } else {
                                        format!(" on `{}`", u.targets.join(" "))
                                    };
                                    out.push(META.finding(
                                        u.word.span,
                                        stage.label(),
                                        format!(
                                            "mode `{}`{on} sets the {} bit: the program runs with its owner's privileges whoever starts it",
                                            u.mode,
                                            what(b.setuid, b.setgid)
                                        ),
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
                        let Some(b) = analyze_mode(mode) else {
                            continue;
                        };
                        let to_dir = c
                            .dest
                            .as_ref()
                            .is_some_and(|d| d.value.display().ends_with('/'));
                        if (b.setuid || (b.setgid && !to_dir)) && seen.insert(m.span) {
                            out.push(META.finding(
                                m.span,
                                stage.label(),
                                format!(
                                    "`--chmod={mode}` sets the {} bit on the copied files",
                                    what(b.setuid, b.setgid)
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
    fn flags_setuid() {
        for (text, want) in [
            ("FROM debian:12\nRUN chmod u+s /usr/local/bin/tool\n", "u+s"),
            (
                "FROM debian:12\nRUN chmod 4755 /usr/local/bin/tool\n",
                "4755",
            ),
            (
                "FROM debian:12\nRUN chmod 2755 /usr/local/bin/tool\n",
                "2755",
            ),
            ("FROM debian:12\nRUN chmod +s /usr/bin/x\n", "+s"),
            (
                "FROM debian:12\nRUN install -m 6755 tool /usr/bin/tool\n",
                "6755",
            ),
            (
                "FROM debian:12\nCOPY --chmod=4755 tool /usr/bin/tool\n",
                "4755",
            ),
            (
                "FROM debian:12\nRUN find /opt/bin -type f -exec chmod u+s {} +\n",
                "u+s",
            ),
        ] {
            let f = run_build(&SetuidBits, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::Medium);
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN mkdir -p /shared && chmod g+s /shared\n",
            "FROM debian:12\nRUN mkdir -m 2775 /shared\n",
            "FROM debian:12\nRUN chmod 2775 /srv/data/\n",
            "FROM debian:12\nRUN find /srv -type d -exec chmod g+s {} \\;\n",
            "FROM debian:12\nRUN chmod u-s /usr/bin/newgrp && chmod 755 /x\n",
            "FROM debian:12 AS b\nRUN chmod u+s /x\nFROM debian:12\nCOPY --from=b /x /x\n",
        ] {
            assert!(run_build(&SetuidBits, text).is_empty(), "{text}");
        }
    }
}
