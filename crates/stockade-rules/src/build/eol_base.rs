//! **What it finds.** A final image built on a base whose tag names a
//! release past its end of life: the distribution (Debian `buster`,
//! Ubuntu 18.04, Alpine 3.15, CentOS Linux, old Fedora), the language or
//! server version (Python 3.8, Node.js 16, Go 1.21, Ruby 2.7, PHP 7.4,
//! PostgreSQL 11, MySQL 5.7, Redis 6.0, nginx 1.21), or both
//! (`python:3.8-slim-buster`). Dates come from a table in stockade checked
//! against endoflife.date, compared with today's date; a release older
//! than every one the table lists (`alpine:3.3`, `golang:1.8`) ended no
//! later than the oldest listed one. The finding is high when the end was
//! more than a year ago. Only the base of the final image
//! is judged: builder stages are not shipped (an old toolchain there is a
//! build problem, not a running one). Tags that name no version
//! (`latest`, `slim`, `lts`), unknown products and unresolved references
//! are not reported.
//!
//! **Why it matters.** After its end of life a release gets no security
//! fixes: every vulnerability found from then on stays open in the image,
//! and scanners report more of them every month.
//!
//! **How to fix.** Move to a supported release of the same image
//! (`python:3.13-slim-bookworm`, `node:22-alpine3.22`), rebuild, and
//! schedule the next upgrade before its end of life.
//!
//! **Bad**
//! ```dockerfile
//! FROM python:3.8-slim-buster
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM python:3.13-slim-bookworm
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::eol::judge;
use crate::util::stages::final_chain;
use stockade_core::{BaseImage, BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD150",
    title: "Base image past its end of life",
    category: Category::Freshness,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("eol_base.rs"),
};

pub struct EolBase;

impl Rule for EolBase {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, cx: &Ctx, out: &mut Vec<Finding>) {
        let chain = final_chain(spec);
        let Some(root) = chain.first() else { return };
        let BaseImage::Image(r) = &root.from.base else {
            return;
        };
        let hits = judge(r, cx.today);
        if hits.is_empty() {
            return;
        }
        let oldest = hits.iter().map(|h| h.eol).min().unwrap_or(cx.today);
        let sev = if oldest.days_until(cx.today) > 365 {
            Severity::High
        } else {
            Severity::Medium
        };
        let parts: Vec<String> = hits.iter().map(|h| h.describe()).collect();
        out.push(
            META.finding(
                root.from.image.span,
                root.label(),
                format!(
                    "the final image is built on `{}`, which is past its end of life: {}; it gets no security fixes",
                    r.raw,
                    parts.join(", ")
                ),
            )
            .with_severity(sev),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ctx, flagged, run_build, run_build_with};
    use crate::util::date::Date;
    use stockade_dockerfile::EvalOptions;

    #[test]
    fn flags_eol_bases() {
        let text = "FROM python:3.8-slim-buster\nRUN true\n";
        let f = run_build(&EolBase, text);
        assert_eq!(flagged(text, &f), vec!["python:3.8-slim-buster"]);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("Python 3.8") && f[0].message.contains("Debian 10"));
        // Ended less than a year before "today" (2026-11-28 in tests).
        let text = "FROM python:3.10-slim\n";
        let f = run_build(&EolBase, text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        // Through an ARG and a parent stage.
        let text = "ARG V=16\nFROM node:${V}-alpine AS base\nFROM base\nRUN true\n";
        assert_eq!(
            flagged(text, &run_build(&EolBase, text)),
            vec!["node:${V}-alpine"]
        );
        // Older than every release in the table.
        for (text, what) in [
            (
                "FROM alpine:3.3\nRUN true\n",
                "Alpine Linux 3.3 (end of life by ",
            ),
            (
                "FROM golang:1.8-alpine\nRUN true\n",
                "Go 1.8 (end of life by ",
            ),
        ] {
            let f = run_build(&EolBase, text);
            assert_eq!(f.len(), 1, "{text}");
            assert!(f[0].message.contains(what), "{}", f[0].message);
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn judged_against_ctx_today() {
        let mut c = ctx();
        c.today = Date::parse("2026-10-01").unwrap();
        let f = run_build_with(
            &EolBase,
            "FROM python:3.10-slim\n",
            &EvalOptions::default(),
            &c,
        );
        assert!(f.is_empty());
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM python:3.13-slim-bookworm\n",
            "FROM python:3.8 AS build\nRUN true\nFROM debian:12-slim\nCOPY --from=build /a /a\n",
            "FROM node:lts-alpine\n",
            "FROM ubuntu\n",
            "ARG T\nFROM python:$T\n",
            "FROM scratch\n",
            "FROM ghcr.io/acme/python:3.6\n",
        ] {
            assert!(run_build(&EolBase, text).is_empty(), "{text}");
        }
    }
}
