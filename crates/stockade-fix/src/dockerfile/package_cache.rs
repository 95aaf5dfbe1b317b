//! SKD132: package caches cleaned in the layer that fills them. Safe:
//! `apk add --no-cache`, `pip install --no-cache-dir`, `… && rm -rf
//! /var/lib/apt/lists/*` after `apt-get update` and `… && yum clean all`
//! (dnf, microdnf, tdnf) at the end of the same `RUN`.
//!
//! The apt lists are only removed when no later `RUN` of this image (or
//! of a stage built on it) runs apt without its own `apt-get update`:
//! such a `RUN` needs the lists.

use super::{DfCx, FixResult, after_action, find_pkg, pkg_at};
use crate::edit::Edit;
use crate::settings::FixSettings;
use stockade_core::{BaseImage, Finding, Instruction, RunInstr, Span};
use stockade_rules::util::commands::{PkgManager, RunScripts, parse_pkg};

pub(crate) fn fix(cx: &DfCx, f: &Finding, _s: &FixSettings) -> FixResult {
    let (instr, run, rs) = pkg_at(cx, f)?;
    let span = f.span.ok_or("no location")?;
    let p = find_pkg(&rs, span).ok_or("the package command was not found")?;
    let flag = |opt: &str| -> FixResult {
        let at = after_action(cx, &p)?;
        Ok((
            vec![Edit::insert(cx.file.id, at, format!(" {opt}"))],
            format!("added `{opt}`"),
        ))
    };
    match p.manager {
        PkgManager::Apk => flag("--no-cache"),
        PkgManager::Pip => flag("--no-cache-dir"),
        m if m.is_apt() => {
            later_apt_needs_lists(cx, instr)?;
            append_to_run(cx, run, span, "rm -rf /var/lib/apt/lists/*")
        }
        m if m.is_rpm() => {
            let tool = p
                .tool
                .literal()
                .ok_or("the tool name is not a plain word")?;
            if cx.slice(p.tool.span) != tool {
                return Err("the command is inside a quoted string: edit it by hand".into());
            }
            append_to_run(cx, run, span, &format!("{tool} clean all"))
        }
        _ => Err("no automatic fix for this package manager's cache".into()),
    }
}

/// Adds ` && cmd` after the last command of the RUN script holding `span`.
fn append_to_run(cx: &DfCx, run: &RunInstr, span: Span, cmd: &str) -> FixResult {
    let script = run
        .scripts
        .iter()
        .find(|s| s.span.contains(span) || s.items.iter().any(|i| i.span.contains(span)))
        .ok_or("the command's script was not found")?;
    let last = script.items.last().ok_or("empty script")?;
    if last.background {
        return Err("the RUN ends with a background command".into());
    }
    let at = last.span.end as usize;
    if at == 0 || at > cx.text.len() || !cx.text.is_char_boundary(at) {
        return Err("cannot place the cleanup".into());
    }
    Ok((
        vec![Edit::insert(cx.file.id, at, format!(" && {cmd}"))],
        format!("added `&& {cmd}` at the end of the RUN"),
    ))
}

/// Whether a stage is `stage` or built on it.
fn built_on(cx: &DfCx, mut i: usize, stage: usize) -> bool {
    for _ in 0..=cx.spec.stages.len() {
        if i == stage {
            return true;
        }
        match cx.spec.stages.get(i).map(|s| &s.from.base) {
            Some(BaseImage::Stage(p)) if *p < i => i = *p,
            _ => return false,
        }
    }
    false
}

/// Refuses when a later RUN uses apt without updating first.
fn later_apt_needs_lists(cx: &DfCx, instr: &Instruction) -> Result<(), String> {
    let (stage, _) = cx.instruction_at(Some(instr.span))?;
    for st in &cx.spec.stages {
        if !built_on(cx, st.index, stage) {
            continue;
        }
        for (later, run) in st.runs() {
            if later.span.start <= instr.span.start {
                continue;
            }
            let mut updated = false;
            for rc in RunScripts::new(later, run).commands() {
                let Some(p) = parse_pkg(rc.cmd) else { continue };
                if !p.manager.is_apt() {
                    continue;
                }
                match p.action.as_deref() {
                    Some("update") => updated = true,
                    Some("clean" | "autoclean" | "autoremove" | "purge" | "remove") => {}
                    _ if !updated => {
                        return Err(
                            "a later RUN uses apt without `apt-get update`: it needs the package lists"
                                .into(),
                        );
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{check, declines};

    #[test]
    fn apk_and_pip_options() {
        check(
            "SKD132",
            "FROM alpine:3.22\nRUN apk add --virtual .deps curl\n",
            "FROM alpine:3.22\nRUN apk add --no-cache --virtual .deps curl\n",
        );
        check(
            "SKD132",
            "FROM python:3.13\nRUN python3 -m pip install -r requirements.txt\n",
            "FROM python:3.13\nRUN python3 -m pip install --no-cache-dir -r requirements.txt\n",
        );
    }

    #[test]
    fn apt_lists_removed_in_the_same_run() {
        check(
            "SKD132",
            "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl # tools\nCMD [\"curl\"]\n",
            "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* # tools\nCMD [\"curl\"]\n",
        );
        check(
            "SKD132",
            "FROM debian:12\nRUN <<EOF\nset -e\napt-get update\napt-get install -y --no-install-recommends curl\nEOF\n",
            "FROM debian:12\nRUN <<EOF\nset -e\napt-get update\napt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nEOF\n",
        );
        check(
            "SKD132",
            "FROM centos:7\nRUN yum install -y curl; echo done\n",
            "FROM centos:7\nRUN yum install -y curl; echo done && yum clean all\n",
        );
    }

    #[test]
    fn later_apt_use_keeps_the_lists() {
        declines(
            "SKD132",
            "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
            "needs the package lists",
        );
        declines(
            "SKD132",
            "FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN apt-get install -y --no-install-recommends curl\n",
            "needs the package lists",
        );
    }
}
