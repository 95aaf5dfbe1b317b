//! **What it finds.** A container whose image has no tag (which means
//! `:latest`) or is tagged `:latest`, after interpolation
//! (`image: app:${TAG:-latest}` counts), and has no digest. An image that
//! does not resolve is reported as info, unless the tag is written
//! literally (`${REGISTRY}/app:1.4`). Services with `build:` are not
//! judged: their `image:` names what Compose builds, not what it pulls.
//!
//! **Why it matters.** `latest` is whatever was pushed last. Two hosts, or
//! the same host a week apart, run different software from the same file;
//! a rollback pulls the broken version again; a compromised or hijacked
//! repository reaches you on the next pull. You also cannot tell from the
//! file which version, with which known vulnerabilities, is running.
//!
//! **How to fix.** Pin a version tag (`postgres:17.2`), and for images you
//! depend on heavily, the digest as well
//! (`postgres:17.2@sha256:…`), updated by a bot such as Renovate or
//! Dependabot.
//!
//! **Bad**
//! ```yaml
//! services:
//!   db:
//!     image: postgres
//!   cache:
//!     image: redis:latest
//! ```
//! ```sh
//! docker run nginx
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   db:
//!     image: postgres:17.2
//!   cache:
//!     image: redis:7.4.1
//! ```

use crate::container::support::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD225",
    title: "Image not pinned: untagged or :latest",
    category: Category::Provenance,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("image_tag.rs"),
};

/// An image id (`sha256:<64 hex>`) names one image exactly.
pub(crate) fn is_image_id(s: &str) -> bool {
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// For an unresolved reference: whether the text as written pins a tag or
/// a digest anyway (`${REGISTRY}/app:1.4`, `app@sha256:…`).
pub(crate) fn raw_pins_version(raw: &str) -> bool {
    if raw.contains('@') {
        return true;
    }
    let last = raw.rsplit('/').next().unwrap_or(raw);
    match last.rsplit_once(':') {
        Some((_, tag)) => !tag.is_empty() && !tag.contains(['$', '{', '}']) && tag != "latest",
        None => false,
    }
}

pub struct ImageTag;

impl Rule for ImageTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if spec.build.is_some() {
            return;
        }
        let Some(image) = &spec.image else {
            return;
        };
        if !image.value.is_known() {
            if !raw_pins_version(&image.value.raw) {
                out.push(
                    finding(
                        &META,
                        spec,
                        image.span,
                        format!(
                            "cannot tell which tag image `{}` uses: {} did not resolve",
                            image.value.raw,
                            image.value.unresolved.join(", ")
                        ),
                    )
                    .with_severity(Severity::Info),
                );
            }
            return;
        }
        let Some(r) = &spec.image_ref else {
            return;
        };
        if r.digest.is_some() || is_image_id(image.value.display().trim()) {
            return;
        }
        let msg = match r.tag.as_deref() {
            None => format!(
                "image `{}` has no tag, so it is `:latest`: whatever was pushed last runs",
                r.raw
            ),
            Some("latest") => format!(
                "image `{}` uses `:latest`: whatever was pushed last runs",
                r.raw
            ),
            Some(_) => return,
        };
        out.push(finding(&META, spec, image.span, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    #[test]
    fn flags_untagged_and_latest() {
        for img in [
            "postgres",
            "redis:latest",
            "ghcr.io/o/app",
            "localhost:5000/app",
        ] {
            let text = format!("services:\n  a:\n    image: {img}\n");
            let f = run_compose(&ImageTag, &text);
            assert_eq!(severities(&f), vec![Severity::Medium], "{img}");
            assert!(flagged(&text, &f)[0].contains(img), "{img}");
        }
        let text = "services:\n  a:\n    image: app:${TAG:-latest}\n";
        assert_eq!(
            severities(&run_compose(&ImageTag, text)),
            vec![Severity::Medium]
        );
        assert_eq!(run_docker(&ImageTag, "docker run --rm nginx\n").len(), 1);
    }

    #[test]
    fn unresolved_is_info_unless_tag_is_literal() {
        let text = "services:\n  a:\n    image: app:${TAG}\n";
        assert_eq!(
            severities(&run_compose(&ImageTag, text)),
            vec![Severity::Info]
        );
        let text = "services:\n  a:\n    image: ${REGISTRY}/app:1.4\n";
        assert!(run_compose(&ImageTag, text).is_empty());
    }

    #[test]
    fn quiet_for_pinned_and_built_images() {
        let digest = format!("sha256:{}", "a".repeat(64));
        for img in [
            "postgres:17.2".to_string(),
            "redis:7-alpine".to_string(),
            format!("alpine@{digest}"),
            format!("alpine:latest@{digest}"),
        ] {
            let text = format!("services:\n  a:\n    image: {img}\n");
            assert!(run_compose(&ImageTag, &text).is_empty(), "{img}");
        }
        let text = "services:\n  a:\n    build: .\n    image: myapp\n";
        assert!(run_compose(&ImageTag, text).is_empty());
        let text = "services:\n  a:\n    build: .\n";
        assert!(run_compose(&ImageTag, text).is_empty());
        let id = format!("sha256:{}", "c".repeat(64));
        assert!(is_image_id(&id));
        assert!(!is_image_id("sha256:abc"));
    }

    #[test]
    fn raw_pin_detection() {
        assert!(raw_pins_version("${R}/app:1.4"));
        assert!(raw_pins_version("${R}/app@sha256:abc"));
        assert!(!raw_pins_version("${R}/app"));
        assert!(!raw_pins_version("app:${TAG}"));
        assert!(!raw_pins_version("${R}:5000/app"));
    }
}
