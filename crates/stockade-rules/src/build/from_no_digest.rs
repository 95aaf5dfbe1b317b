//! **What it finds.** An image the build pulls by tag only, without an
//! `@sha256:` digest: a `FROM`, `COPY --from=<image>` or
//! `RUN --mount=…,from=<image>` in any stage. This is advice (`info`): a
//! version tag is already far better than `latest` (SKD110).
//!
//! **Why it matters.** Tags are mutable: the publisher (or whoever takes
//! over their account or registry) can point `python:3.13-slim` at new
//! content at any time. A digest names exactly one image; a build from it
//! is reproducible and cannot be swapped under you.
//!
//! **How to fix.** Keep the tag for readability and add the digest:
//! `docker buildx imagetools inspect python:3.13-slim` prints it. Let a bot
//! (Renovate, Dependabot) update tag and digest together.
//!
//! **Bad**
//! ```dockerfile
//! FROM python:3.13-slim
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM python:3.13-slim@sha256:2ec5a4a5c3e919570f57675471f081d6299668d909feabd8d4803c6c61af666c
//! ```

use crate::build::from_latest::{pull_label, resolved_note};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::stages::pulled_images;
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD111",
    title: "Image pulled without a digest",
    category: Category::Provenance,
    severity: Severity::Info,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("from_no_digest.rs"),
};

pub struct FromNoDigest;

impl Rule for FromNoDigest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for p in pulled_images(spec) {
            let Some(r) = &p.image else { continue };
            if r.digest.is_none() {
                out.push(META.finding(
                    p.span,
                    p.stage.label(),
                    format!(
                        "the {} `{}` is not pinned by digest{}: its tag can be moved to other content",
                        pull_label(p.kind),
                        r.raw,
                        resolved_note(&p.written)
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    #[test]
    fn flags_tag_only_references() {
        let text = "FROM python:3.13-slim AS b\nFROM alpine:3.20\nCOPY --from=busybox:1.37 /bin/busybox /b\nCOPY --from=b /a /a\n";
        let f = run_build(&FromNoDigest, text);
        assert_eq!(
            flagged(text, &f),
            vec!["python:3.13-slim", "alpine:3.20", "busybox:1.37"]
        );
        assert!(f.iter().all(|f| f.severity == Severity::Info));
    }

    #[test]
    fn quiet_cases() {
        let d = "b".repeat(64);
        for text in [
            format!("FROM python:3.13@sha256:{d}\n"),
            "FROM scratch\n".to_string(),
            "ARG B\nFROM $B\n".to_string(),
            format!("FROM alpine@sha256:{d} AS a\nFROM a\n"),
        ] {
            assert!(run_build(&FromNoDigest, &text).is_empty(), "{text}");
        }
    }
}
