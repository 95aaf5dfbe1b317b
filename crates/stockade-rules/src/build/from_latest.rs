//! **What it finds.** An image the build pulls without a tag, or with the
//! `:latest` tag: a `FROM`, a `COPY --from=<image>` or a
//! `RUN --mount=…,from=<image>`, in any stage (a builder pulled from a
//! moving tag changes what ends up in the final image just as much). The
//! reference is resolved through `ARG` defaults and `--build-arg` values;
//! when a variable in it has no value the finding says so as `info`.
//! Digest-pinned references, `scratch` and references to earlier stages
//! are fine.
//!
//! **Why it matters.** `latest` (which is what an untagged reference
//! means) moves whenever the publisher pushes. Two builds of the same
//! Dockerfile get different bases, a breaking or compromised release is
//! picked up silently, and nobody can tell afterwards which base an image
//! was built from.
//!
//! **How to fix.** Name a version tag, and better also a digest, which
//! pins the exact content: `FROM python:3.13-slim@sha256:…`. Let a bot
//! (Renovate, Dependabot) bump it.
//!
//! **Bad**
//! ```dockerfile
//! FROM node
//! COPY --from=busybox:latest /bin/busybox /bin/busybox
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM node:22.11-bookworm-slim
//! COPY --from=busybox:1.37 /bin/busybox /bin/busybox
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::stages::{PullKind, pulled_images};
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD110",
    title: "Image pulled without a tag or with :latest",
    category: Category::Provenance,
    severity: Severity::Medium,
    aliases: &[
        "DL3006",
        "DL3007",
        "DS-0001",
        "DS001",
        "AVD-DS-0001",
        "CKV_DOCKER_7",
        "image_version_not_explicit",
        "image_version_using_latest",
    ],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("from_latest.rs"),
};

pub struct FromLatest;

/// `FROM`, `COPY --from`, `RUN --mount from` for messages.
pub fn pull_label(kind: PullKind) -> &'static str {
    match kind {
        PullKind::From => "base image",
        PullKind::CopyFrom => "`COPY --from` image",
        PullKind::MountFrom => "`RUN --mount` image",
    }
}

/// ` (`${BASE}` resolves to `python`)` when the value came through variables.
pub fn resolved_note(written: &stockade_core::Expanded) -> String {
    match written.known() {
        Some(v) if v != written.raw => format!(" (`{}` resolves to `{v}`)", written.raw),
        _ => String::new(),
    }
}

impl Rule for FromLatest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for p in pulled_images(spec) {
            let what = pull_label(p.kind);
            let subject = p.stage.label();
            let Some(r) = &p.image else {
                out.push(
                    META.finding(
                        p.span,
                        subject,
                        format!(
                            "cannot tell whether the {what} `{}` is pinned: {} has no value here",
                            p.written.raw,
                            p.written.unresolved.join(", ")
                        ),
                    )
                    .with_severity(Severity::Info),
                );
                continue;
            };
            if r.digest.is_some() {
                continue;
            }
            let note = resolved_note(&p.written);
            match r.tag.as_deref() {
                None => out.push(META.finding(
                    p.span,
                    subject,
                    format!(
                        "the {what} `{}` has no tag{note}: it means `:latest`, which moves with every push",
                        r.raw
                    ),
                )),
                Some("latest") => out.push(META.finding(
                    p.span,
                    subject,
                    format!("the {what} `{}` uses `:latest`{note}, which moves with every push", r.raw),
                )),
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ctx, flagged, run_build, run_build_with};
    use stockade_dockerfile::EvalOptions;

    #[test]
    fn flags_untagged_and_latest() {
        let text = "FROM node\nRUN true\n";
        let f = run_build(&FromLatest, text);
        assert_eq!(flagged(text, &f), vec!["node"]);
        assert_eq!(f[0].severity, Severity::Medium);
        let text = "FROM python:latest AS b\nFROM alpine:3.20\nCOPY --from=busybox /bin/busybox /b\nCOPY --from=b /a /a\n";
        assert_eq!(
            flagged(text, &run_build(&FromLatest, text)),
            vec!["python:latest", "busybox"]
        );
    }

    #[test]
    fn resolves_args() {
        let text = "ARG BASE=python\nFROM ${BASE}\n";
        let f = run_build(&FromLatest, text);
        assert_eq!(flagged(text, &f), vec!["${BASE}"]);
        assert!(f[0].message.contains("resolves to `python`"));
        let text = "ARG BASE=python:3.13\nFROM $BASE\n";
        assert!(run_build(&FromLatest, text).is_empty());
        let opts = EvalOptions {
            build_args: vec![("BASE".into(), "python:3.12".into())],
            ..Default::default()
        };
        assert!(
            run_build_with(
                &FromLatest,
                "ARG BASE=python\nFROM ${BASE}\n",
                &opts,
                &ctx()
            )
            .is_empty()
        );
    }

    #[test]
    fn unresolved_is_info() {
        let text = "ARG BASE\nFROM $BASE\n";
        let f = run_build(&FromLatest, text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn quiet_cases() {
        let d = "a".repeat(64);
        for text in [
            "FROM python:3.13-slim\n".to_string(),
            format!("FROM python@sha256:{d}\n"),
            format!("FROM python:latest@sha256:{d}\n"),
            "FROM scratch\nCOPY a /a\n".to_string(),
            "FROM golang:1.23 AS build\nFROM build\nCOPY --from=build /a /a\nCOPY --from=0 /a /b\n"
                .to_string(),
        ] {
            assert!(run_build(&FromLatest, &text).is_empty(), "{text}");
        }
    }
}
