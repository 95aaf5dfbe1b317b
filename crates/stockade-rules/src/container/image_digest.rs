//! **What it finds.** A container whose image is pinned by tag but not by
//! digest (`postgres:17.2` rather than `postgres:17.2@sha256:…`). This is
//! advice (info). Untagged and `:latest` images are reported by SKD225
//! instead; services with `build:` and images that do not resolve are not
//! judged.
//!
//! **Why it matters.** A tag is a name the registry's owner can move at any
//! time: version tags are rebuilt for base-image updates, and a compromised
//! registry account can push anything under them. A digest names exactly one
//! image: what was reviewed and tested is what runs.
//!
//! **How to fix.** Add the digest after the tag
//! (`docker buildx imagetools inspect postgres:17.2` prints it) and let a
//! bot such as Renovate or Dependabot update both together.
//!
//! **Bad**
//! ```yaml
//! services:
//!   db:
//!     image: postgres:17.2
//! ```
//! ```sh
//! docker run postgres:17.2
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   db:
//!     image: postgres:17.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
//! ```

use crate::container::support::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD226",
    title: "Image not pinned by digest",
    category: Category::Provenance,
    severity: Severity::Info,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("image_digest.rs"),
};

pub struct ImageDigest;

impl Rule for ImageDigest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if spec.build.is_some() {
            return;
        }
        let (Some(image), Some(r)) = (&spec.image, &spec.image_ref) else {
            return;
        };
        if !image.value.is_known()
            || r.digest.is_some()
            || crate::container::image_tag::is_image_id(image.value.display().trim())
        {
            return;
        }
        match r.tag.as_deref() {
            None | Some("latest") => {}
            Some(tag) => out.push(finding(
                &META,
                spec,
                image.span,
                format!(
                    "image `{}` is pinned by tag only: `{tag}` can be moved to another image; add its digest",
                    r.raw
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_tag_without_digest() {
        let text = "services:\n  db:\n    image: postgres:17.2\n";
        let f = run_compose(&ImageDigest, text);
        assert_eq!(flagged(text, &f).len(), 1);
        assert!(flagged(text, &f)[0].contains("postgres:17.2"));
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(
            run_docker(&ImageDigest, "docker run postgres:17.2\n").len(),
            1
        );
    }

    #[test]
    fn quiet_for_digest_latest_build_and_unknown() {
        let digest = format!("sha256:{}", "b".repeat(64));
        for img in [
            format!("postgres:17.2@{digest}"),
            format!("postgres@{digest}"),
            "postgres".to_string(),
            "postgres:latest".to_string(),
            "postgres:${PG_TAG}".to_string(),
        ] {
            let text = format!("services:\n  db:\n    image: {img}\n");
            assert!(run_compose(&ImageDigest, &text).is_empty(), "{img}");
        }
        let text = "services:\n  db:\n    build: .\n    image: myapp:1.0\n";
        assert!(run_compose(&ImageDigest, text).is_empty());
    }
}
