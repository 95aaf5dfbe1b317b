//! **What it finds.** An image pulled from a registry that is not in the
//! configured list of trusted registries (`trusted_registries` in
//! `.stockade.toml`, or `--trusted-registry`): a `FROM`, `COPY --from` or
//! `RUN --mount from` image, in any stage. Entries are registry hosts
//! (`docker.io`, `ghcr.io`, `*.dkr.ecr.eu-west-1.amazonaws.com`) or
//! `registry/path` prefixes (`docker.io/library`, `ghcr.io/acme`). The rule
//! is silent while the list is empty. A reference whose variables have no
//! value is reported as `info`.
//!
//! **Why it matters.** Whoever controls a registry controls what your base
//! images contain. Restricting bases to a vetted mirror or to the
//! publishers you have reviewed keeps an unnoticed typo or a stray
//! community image out of production.
//!
//! **How to fix.** Pull the image through a trusted registry (a mirror or
//! proxy cache you operate), or add the registry to the list if it is in
//! fact trusted.
//!
//! **Bad**
//! ```dockerfile
//! # trusted_registries = ["registry.acme.internal"]
//! FROM randomuser/python:3.13
//! ```
//!
//! **Good**
//! ```dockerfile
//! # trusted_registries = ["registry.acme.internal"]
//! FROM registry.acme.internal/library/python:3.13
//! ```

use crate::build::from_latest::pull_label;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::stages::pulled_images;
use stockade_core::{BuildSpec, Category, Finding, ImageRef, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD116",
    title: "Image from a registry that is not trusted",
    category: Category::Provenance,
    severity: Severity::Medium,
    aliases: &["DL3026"],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("untrusted_registry.rs"),
};

pub struct UntrustedRegistry;

fn normalize_registry(r: &str) -> String {
    let r = r.trim().to_ascii_lowercase();
    let r = r
        .strip_prefix("https://")
        .or_else(|| r.strip_prefix("http://"))
        .unwrap_or(&r)
        .trim_end_matches('/')
        .to_string();
    let (host, rest) = match r.split_once('/') {
        Some((h, p)) => (h.to_string(), Some(p.to_string())),
        None => (r.clone(), None),
    };
    let host = match host.as_str() {
        "index.docker.io"
        | "registry-1.docker.io"
        | "registry.hub.docker.com"
        | "hub.docker.com" => "docker.io".to_string(),
        _ => host,
    };
    match rest {
        Some(p) if !p.is_empty() => format!("{host}/{p}"),
        _ => host,
    }
}

/// Whether `r` comes from one of `trusted` (hosts, `*.suffix` hosts, or
/// `host/path` prefixes).
pub fn is_trusted(r: &ImageRef, trusted: &[String]) -> bool {
    let full = format!("{}/{}", r.registry.to_ascii_lowercase(), r.repository);
    trusted.iter().any(|t| {
        let t = normalize_registry(t);
        if t.is_empty() {
            return false;
        }
        if let Some(suffix) = t.strip_prefix("*.") {
            let host = r.registry.to_ascii_lowercase();
            return host.ends_with(&format!(".{suffix}"));
        }
        if t.contains('/') {
            // `docker.io/python` also names the official `library/python`.
            let alt = match t.split_once('/') {
                Some(("docker.io", p)) if !p.contains('/') && p != "library" => {
                    Some(format!("docker.io/library/{p}"))
                }
                _ => None,
            };
            let hit = |prefix: &str| full == prefix || full.starts_with(&format!("{prefix}/"));
            return hit(&t) || alt.is_some_and(|a| hit(&a));
        }
        r.registry.eq_ignore_ascii_case(&t)
    })
}

impl Rule for UntrustedRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, cx: &Ctx, out: &mut Vec<Finding>) {
        if cx.trusted_registries.is_empty() {
            return;
        }
        for p in pulled_images(spec) {
            let what = pull_label(p.kind);
            match &p.image {
                None => out.push(
                    META.finding(
                        p.span,
                        p.stage.label(),
                        format!(
                            "cannot tell which registry the {what} `{}` comes from: {} has no value here",
                            p.written.raw,
                            p.written.unresolved.join(", ")
                        ),
                    )
                    .with_severity(Severity::Info),
                ),
                Some(r) if !is_trusted(r, &cx.trusted_registries) => out.push(META.finding(
                    p.span,
                    p.stage.label(),
                    format!(
                        "the {what} `{}` comes from `{}`, which is not a trusted registry ({})",
                        r.raw,
                        r.registry,
                        cx.trusted_registries.join(", ")
                    ),
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

    fn with(list: &[&str], text: &str) -> Vec<Finding> {
        let mut c = ctx();
        c.trusted_registries = list.iter().map(|s| s.to_string()).collect();
        run_build_with(&UntrustedRegistry, text, &EvalOptions::default(), &c)
    }

    #[test]
    fn silent_without_a_list() {
        assert!(run_build(&UntrustedRegistry, "FROM evil.example/x:1\n").is_empty());
    }

    #[test]
    fn flags_other_registries() {
        let text =
            "FROM ghcr.io/acme/app:1 AS a\nFROM python:3.13\nCOPY --from=quay.io/x/y:1 /a /a\n";
        let f = with(&["ghcr.io/acme"], text);
        assert_eq!(flagged(text, &f), vec!["python:3.13", "quay.io/x/y:1"]);
        assert!(with(&["ghcr.io", "docker.io", "quay.io"], text).is_empty());
        assert!(
            with(
                &[
                    "ghcr.io/acme",
                    "docker.io/library",
                    "*.quay.io",
                    "quay.io/x"
                ],
                text
            )
            .is_empty()
        );
        // `ghcr.io/acme` does not cover `ghcr.io/acmecorp`.
        let text = "FROM ghcr.io/acmecorp/app:1\n";
        assert_eq!(with(&["ghcr.io/acme"], text).len(), 1);
        let text = "FROM python:3.13\n";
        assert!(with(&["index.docker.io"], text).is_empty());
        assert!(with(&["docker.io/python"], text).is_empty());
    }

    #[test]
    fn unresolved_is_info() {
        let f = with(&["ghcr.io"], "ARG B\nFROM $B\n");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }
}
