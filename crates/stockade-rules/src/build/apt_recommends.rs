//! **What it finds.** `apt-get install` (also `apt install`, `aptitude
//! install`) in the final image's stages without
//! `--no-install-recommends`. It is fine when the same command sets
//! `-o APT::Install-Recommends=false` (or `aptitude -R`), or when an
//! earlier `RUN` in the chain wrote `APT::Install-Recommends "false"` into
//! `/etc/apt/apt.conf.d/`, or an earlier `COPY` placed a file there.
//! Builder stages are not judged.
//!
//! **Why it matters.** Recommended packages are optional extras, often
//! dozens of them (documentation tools, X libraries, mail agents). Each is
//! more code in the image for scanners to flag and attackers to use, and
//! more to patch; the image also gets much larger.
//!
//! **How to fix.** Add `--no-install-recommends` and name the packages you
//! really need.
//! `stockade fix` adds the option (a safe fix: `--without-recommends`
//! for aptitude); it leaves exec-form `RUN`s to you.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
//!  && rm -rf /var/lib/apt/lists/*
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{PkgManager, RunScripts, file_writes, parse_pkg};
use crate::util::stages::final_chain;
use crate::util::text::{Want, find_setting};
use std::collections::HashSet;
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD131",
    title: "apt-get install without --no-install-recommends",
    category: Category::AttackSurface,
    severity: Severity::Low,
    aliases: &[
        "DL3015",
        "DS-0029",
        "DS029",
        "AVD-DS-0029",
        "apt_get_not_avoiding_additional_packages",
    ],
    targets: &[Target::Build],
    fix: FixKind::Safe,
    source: include_str!("apt_recommends.rs"),
};

pub struct AptRecommends;

const OFF: &[(&str, Want, &str)] = &[("install-recommends", Want::Off, "Install-Recommends off")];

impl Rule for AptRecommends {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut configured = false;
        let mut seen = HashSet::new();
        for stage in final_chain(spec) {
            for instr in &stage.instructions {
                match &instr.kind {
                    InstrKind::Copy(c) => {
                        let into_conf = c
                            .dest
                            .as_ref()
                            .is_some_and(|d| d.value.display().starts_with("/etc/apt/apt.conf"));
                        if into_conf && c.from.is_none() {
                            configured = true;
                        }
                    }
                    InstrKind::Run(run) => {
                        let rs = RunScripts::new(instr, run);
                        for rc in rs.commands() {
                            let Some(p) = parse_pkg(rc.cmd) else { continue };
                            if !p.manager.is_apt() || !p.is_install() || configured {
                                continue;
                            }
                            let off = p.args.has(&["no-install-recommends", "without-recommends"])
                                || (p.manager == PkgManager::Aptitude && p.args.has(&["R"]))
                                || p.args.opts.iter().any(|o| {
                                    (o.name == "o" || o.name == "option")
                                        && o.value
                                            .as_deref()
                                            .is_some_and(|v| find_setting(v, OFF).is_some())
                                });
                            if off {
                                continue;
                            }
                            let span = match p.action_word {
                                Some(a) => p.tool.span.to(a.span),
                                None => p.tool.span,
                            };
                            if seen.insert(span) {
                                out.push(META.finding(
                                    span,
                                    stage.label(),
                                    "`apt-get install` without `--no-install-recommends` pulls in optional packages the image does not need",
                                ));
                            }
                        }
                        // A setting written for later RUNs.
                        for w in file_writes(&rs) {
                            if w.path.starts_with("/etc/apt/apt.conf")
                                && find_setting(&w.text(), OFF).is_some()
                            {
                                configured = true;
                            }
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
    fn flags_missing_flag() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
                "apt-get install",
            ),
            (
                "FROM debian:12\nRUN apt-get -y install curl\n",
                "apt-get -y install",
            ),
            (
                "FROM ubuntu:24.04\nRUN apt install -y curl\n",
                "apt install",
            ),
            (
                "FROM debian:12\nRUN DEBIAN_FRONTEND=noninteractive sudo apt-get install -y curl\n",
                "apt-get install",
            ),
            (
                "FROM debian:12\nRUN sh -c 'apt-get install -y curl'\n",
                "apt-get install",
            ),
        ] {
            let f = run_build(&AptRecommends, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::Low);
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n",
            "FROM debian:12\nRUN apt-get install -y -o APT::Install-Recommends=false curl\n",
            "FROM debian:12\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/99norec\nRUN apt-get install -y curl\n",
            "FROM debian:12\nCOPY 99norec /etc/apt/apt.conf.d/\nRUN apt-get install -y curl\n",
            "FROM debian:12 AS b\nRUN apt-get install -y build-essential\nFROM debian:12\nCOPY --from=b /a /a\n",
            "FROM debian:12\nRUN apt-get update && apt-get upgrade -y\n",
        ] {
            assert!(run_build(&AptRecommends, text).is_empty(), "{text}");
        }
    }
}
