//! **What it finds.** Package-manager caches left in a layer of the final
//! image (its stage and the stages it is built `FROM`): a `RUN` with
//! `apt-get update` that does not remove `/var/lib/apt/lists` later in the
//! same `RUN`; `apk add` without `--no-cache` (unless `/var/cache/apk` is
//! emptied or `apk cache clean` runs in the same `RUN`); yum, dnf,
//! microdnf and tdnf installs without `… clean all` (or removing
//! `/var/cache/yum`/`dnf`); zypper installs without `zypper clean`; and
//! `pip install` without `--no-cache-dir` (or an abbreviation pip accepts,
//! such as `--no-cache`; unless `PIP_NO_CACHE_DIR` is set
//! by `ENV`, `ARG` or for the command, or the pip cache is purged). A
//! `RUN --mount=type=cache` (or `tmpfs`) over the cache directory counts as
//! clean. Builder stages are not judged. `apt-get upgrade` is not a
//! finding: rebuild from fresh bases instead of avoiding it.
//!
//! **Why it matters.** A cache written in one `RUN` stays in that layer for
//! good; deleting it in a later `RUN` hides it but keeps the bytes. Images
//! grow by tens or hundreds of megabytes, and stale package indexes in the
//! image mislead later installs and scanners.
//!
//! **How to fix.** Clean up in the same `RUN` that fills the cache, or use
//! a BuildKit cache mount so the cache never enters a layer.
//! `stockade fix` does this for you (a safe fix): `apk add --no-cache`,
//! `pip install --no-cache-dir`, and `&& rm -rf /var/lib/apt/lists/*` or
//! `&& yum clean all` (dnf, microdnf, tdnf) at the end of the same `RUN`.
//! It keeps the apt lists when a later `RUN` uses apt without updating.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && apt-get install -y --no-install-recommends curl
//! RUN pip install requests
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && apt-get install -y --no-install-recommends curl \
//!  && rm -rf /var/lib/apt/lists/*
//! RUN pip install --no-cache-dir requests
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{
    Cache, PkgManager, RunScripts, cleans_cache, effective, mount_covers, parse_pkg,
};
use crate::util::stages::final_chain;
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD132",
    title: "Package cache left in the image",
    category: Category::AttackSurface,
    severity: Severity::Low,
    aliases: &[
        "DL3009",
        "DL3019",
        "DL3042",
        "DL3032",
        "DL3040",
        "DL3036",
        "DS-0015",
        "DS-0019",
        "DS-0020",
        "DS-0025",
        "DS-0027",
        "DS015",
        "DS019",
        "DS020",
        "DS025",
        "DS027",
        "AVD-DS-0015",
        "AVD-DS-0019",
        "AVD-DS-0020",
        "AVD-DS-0025",
        "AVD-DS-0027",
        "apt_get_install_lists_were_not_deleted",
        "apk_add_using_local_cache_path",
        "yum_clean_all_missing",
        "missing_dnf_clean_all",
        "missing_zypper_clean",
        "pip_install_keeping_cached_packages",
    ],
    targets: &[Target::Build],
    fix: FixKind::Safe,
    source: include_str!("package_cache.rs"),
};

pub struct PackageCache;

/// The cache a command fills, if any (given the environment). Installs
/// that name nothing to install are left alone.
fn fills(p: &crate::util::commands::PkgCommand, pip_env_off: bool) -> Option<Cache> {
    let action = p.action.as_deref().unwrap_or("");
    let named = !p.packages().is_empty();
    match p.manager {
        PkgManager::AptGet | PkgManager::Apt | PkgManager::Aptitude => {
            (action == "update").then_some(Cache::AptLists)
        }
        PkgManager::Apk => ((action == "add" && named || action == "upgrade")
            && !p.args.has(&["no-cache"]))
        .then_some(Cache::Apk),
        PkgManager::Yum | PkgManager::Dnf | PkgManager::Microdnf | PkgManager::Tdnf => {
            (p.is_install() && named || matches!(action, "upgrade" | "update"))
                .then_some(Cache::Rpm)
        }
        PkgManager::Zypper => (p.is_install() && named
            || matches!(action, "up" | "update" | "dup" | "dist-upgrade"))
        .then_some(Cache::Zypper),
        PkgManager::Pip => {
            let from_files = p.args.has(&["r", "requirement", "e", "editable"]);
            (p.is_install()
                && (named || from_files)
                && !pip_env_off
                && !p
                    .args
                    .opts
                    .iter()
                    .any(|o| o.long && pip_no_cache_dir(&o.name)))
            .then_some(Cache::Pip)
        }
        _ => None,
    }
}

/// `--no-cache-dir` or an abbreviation pip accepts for it (its option
/// parser takes any unambiguous prefix: `--no-cache`, `--no-ca`).
fn pip_no_cache_dir(long: &str) -> bool {
    long.len() >= "no-ca".len() && "no-cache-dir".starts_with(long)
}

fn message(c: Cache, tool: &str) -> String {
    match c {
        Cache::AptLists => format!("`{tool} update` leaves the package lists in this layer: remove `/var/lib/apt/lists/*` in the same RUN"),
        Cache::Apk => "`apk` without `--no-cache` leaves the package index in this layer".to_string(),
        Cache::Rpm => format!("`{tool}` runs without `{tool} clean all` in the same RUN: its package cache stays in this layer"),
        Cache::Zypper => "`zypper` runs without `zypper clean` in the same RUN: its package cache stays in this layer".to_string(),
        Cache::Pip => "`pip install` without `--no-cache-dir` leaves downloaded packages in this layer".to_string(),
    }
}

fn pip_env_off(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

impl Rule for PackageCache {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        // `PIP_NO_CACHE_DIR` set by ENV (inherited along the chain) or ARG.
        let mut pip_off_env = false;
        for stage in final_chain(spec) {
            let mut pip_off_arg = false;
            for instr in &stage.instructions {
                match &instr.kind {
                    InstrKind::Env(kvs) => {
                        for kv in kvs {
                            if kv.key.value == "PIP_NO_CACHE_DIR" {
                                pip_off_env =
                                    pip_env_off(kv.value.as_ref().map(|v| v.value.display()));
                            }
                        }
                    }
                    InstrKind::Arg(defs) => {
                        for a in defs {
                            if a.name.value == "PIP_NO_CACHE_DIR" {
                                pip_off_arg =
                                    pip_env_off(a.effective.as_ref().map(|v| v.display()));
                            }
                        }
                    }
                    InstrKind::Run(run) => {
                        let rs = RunScripts::new(instr, run);
                        let cmds = rs.commands();
                        let mut pending: Vec<(Cache, Span, String)> = Vec::new();
                        let mut exported_off = false;
                        for rc in &cmds {
                            let cmd = rc.cmd;
                            // `export PIP_NO_CACHE_DIR=1` / `PIP_NO_CACHE_DIR=1 pip …`.
                            if let Some((name, _, args)) = effective(cmd)
                                && name == "export"
                                && args.iter().any(|w| {
                                    w.lossy().starts_with("PIP_NO_CACHE_DIR=")
                                        && w.lossy().len() > 17
                                })
                            {
                                exported_off = true;
                            }
                            let inline_off = cmd.assignments.iter().any(|a| {
                                a.name == "PIP_NO_CACHE_DIR" && !a.value.lossy().is_empty()
                            }) || cmd.words.iter().any(|w| {
                                let l = w.lossy();
                                l.starts_with("PIP_NO_CACHE_DIR=") && l.len() > 17
                            });
                            pending.retain(|(c, _, _)| !cleans_cache(cmd, *c));
                            let Some(p) = parse_pkg(cmd) else { continue };
                            let off = pip_off_env || pip_off_arg || exported_off || inline_off;
                            if let Some(c) = fills(&p, off) {
                                let covered = c.dirs().iter().any(|d| mount_covers(run, d))
                                    || (c == Cache::Pip
                                        && run.mounts.iter().any(|m| {
                                            m.option("target")
                                                .or_else(|| m.option("dst"))
                                                .is_some_and(|t| {
                                                    t.trim_end_matches('/').ends_with("/.cache/pip")
                                                        || t.trim_end_matches('/')
                                                            .ends_with("/.cache")
                                                })
                                        }));
                                if !covered && !pending.iter().any(|(pc, _, _)| *pc == c) {
                                    let span = match p.action_word {
                                        Some(a) => p.tool.span.to(a.span),
                                        None => p.tool.span,
                                    };
                                    pending.push((c, span, p.tool.lossy()));
                                }
                            }
                        }
                        for (c, span, tool) in pending {
                            let tool = stockade_core::shell::command_basename(&tool).to_string();
                            out.push(META.finding(span, stage.label(), message(c, &tool)));
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
    fn flags_left_caches() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
                "apt-get update",
            ),
            ("FROM alpine:3.22\nRUN apk add curl\n", "apk add"),
            (
                "FROM alpine:3.22\nRUN apk update && apk upgrade\n",
                "apk upgrade",
            ),
            ("FROM centos:7\nRUN yum install -y curl\n", "yum install"),
            (
                "FROM fedora:41\nRUN dnf -y install curl\n",
                "dnf -y install",
            ),
            (
                "FROM opensuse/leap:15\nRUN zypper -n install curl\n",
                "zypper -n install",
            ),
            (
                "FROM python:3.13\nRUN pip install requests\n",
                "pip install",
            ),
            (
                "FROM python:3.13\nRUN python3 -m pip install -r requirements.txt\n",
                "python3 -m pip install",
            ),
            // Removed in a later RUN: too late.
            (
                "FROM debian:12\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n",
                "apt-get update",
            ),
            (
                "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y --no-install-recommends curl\nEOF\n",
                "apt-get update",
            ),
        ] {
            let f = run_build(&PackageCache, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::Low);
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n",
            "FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt \\\n  apt-get update && apt-get install -y curl\n",
            "FROM alpine:3.22\nRUN apk add --no-cache curl\n",
            "FROM alpine:3.22\nRUN apk --no-cache add curl\n",
            "FROM alpine:3.22\nRUN apk add curl && rm -rf /var/cache/apk/*\n",
            "FROM centos:7\nRUN yum install -y curl && yum clean all\n",
            "FROM fedora:41\nRUN dnf -y install curl && dnf clean all && rm -rf /var/cache/dnf\n",
            "FROM fedora:41\nRUN microdnf install -y curl && microdnf clean all\n",
            "FROM opensuse/leap:15\nRUN zypper -n install curl && zypper clean -a\n",
            "FROM python:3.13\nRUN pip install --no-cache-dir requests\n",
            // pip takes unambiguous prefixes of its long options.
            "FROM python:3.13\nRUN pip3 install --no-cache --upgrade pip setuptools\n",
            "FROM python:3.13\nENV PIP_NO_CACHE_DIR=1\nRUN pip install requests\n",
            "FROM python:3.13 AS base\nENV PIP_NO_CACHE_DIR=off\nFROM base\nRUN pip install requests\n",
            "FROM python:3.13\nRUN PIP_NO_CACHE_DIR=1 pip install requests\n",
            "FROM python:3.13\nRUN --mount=type=cache,target=/root/.cache/pip pip install requests\n",
            "FROM python:3.13\nRUN pip install requests && pip cache purge\n",
            "FROM debian:12 AS b\nRUN apt-get update && apt-get install -y gcc\nFROM debian:12\nCOPY --from=b /a /a\n",
            "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n",
            // Nothing named: an error, not a cache.
            "FROM centos:7\nRUN yum install\n",
        ] {
            assert!(run_build(&PackageCache, text).is_empty(), "{text}");
        }
    }
}
