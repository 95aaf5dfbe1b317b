//! **What it finds.** A `FROM` whose image reference is not valid once its
//! variables are expanded: a blank name (an `ARG` declared inside an earlier
//! stage is not in scope for a later `FROM`; only `ARG`s before the first
//! `FROM` are), an upper-case repository, a malformed tag or digest. BuildKit
//! refuses such a Dockerfile, so what it describes never becomes an image.
//!
//! **Why it matters.** A build that fails is usually noticed, but a file
//! that is only built with the right `--build-arg` in one pipeline hides the
//! base image the others get, and every provenance check on that stage is
//! blind. stockade reports it so the base is explicit and judged.
//!
//! **How to fix.** Declare the `ARG` before the first `FROM` (and
//! re-declare it inside a stage that needs its value), or write the image
//! reference out; keep repository names in lower case.
//!
//! **Bad**
//! ```dockerfile
//! FROM alpine:3.20 AS build
//! ARG IMAGE=alpine:3.20
//! FROM $IMAGE
//! ```
//!
//! **Good**
//! ```dockerfile
//! ARG IMAGE=alpine:3.20
//! FROM alpine:3.20 AS build
//! FROM $IMAGE
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{BaseImage, BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD180",
    title: "FROM names no valid image: the build fails",
    category: Category::Hygiene,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("invalid_base.rs"),
};

pub struct InvalidBase;

impl Rule for InvalidBase {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in crate::util::stages::needed(spec) {
            if let BaseImage::Invalid(why) = &stage.from.base {
                out.push(META.finding(
                    stage.from.image.span,
                    stage.label(),
                    format!("`FROM {}`: {why}", stage.from.image.value.raw),
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
    fn flags_blank_and_malformed_bases() {
        let text = "FROM alpine:3.20 AS build\nARG IMAGE=alpine:3.20\nFROM $IMAGE\n";
        let f = run_build(&InvalidBase, text);
        assert_eq!(flagged(text, &f), vec!["$IMAGE"]);
        assert!(f[0].message.contains("blank"), "{}", f[0].message);
        let text = "FROM Alpine:3.20\n";
        assert_eq!(
            flagged(text, &run_build(&InvalidBase, text)),
            vec!["Alpine:3.20"]
        );
    }

    #[test]
    fn quiet_for_valid_unknown_and_stage_bases() {
        for text in [
            "ARG IMAGE=alpine:3.20\nFROM $IMAGE\n",
            "ARG IMAGE\nFROM $IMAGE\n",
            "FROM alpine:3.20 AS a\nFROM a\n",
            "FROM scratch\n",
            // An unused stage is never built.
            "FROM Alpine AS x\nFROM alpine:3.20\n",
        ] {
            assert!(run_build(&InvalidBase, text).is_empty(), "{text}");
        }
    }
}
