//! The catalog of every rule, and the entry points that run them.

use crate::meta::{Ctx, Rule, RuleMeta, Target};
use crate::policy::Policy;
use crate::{build, container, host, image};
use stockade_core::{BuildSpec, ContainerSpec, Finding, HostSpec, ImageSpec};

/// Bumped whenever a rule is added or its meaning changes.
pub const CATALOG_VERSION: &str = "2026.11.1";

/// Every rule, in id order.
pub fn catalog() -> &'static [&'static dyn Rule] {
    static CATALOG: std::sync::OnceLock<Vec<&'static dyn Rule>> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut v: Vec<&'static dyn Rule> = Vec::new();
        v.extend_from_slice(build::RULES);
        v.extend_from_slice(container::RULES);
        v.extend_from_slice(host::RULES);
        v.extend_from_slice(image::RULES);
        v.sort_by_key(|r| r.meta().id);
        v
    })
}

/// Looks a rule up by id or peer alias.
pub fn find_rule(id: &str) -> Option<&'static dyn Rule> {
    let by_id = catalog()
        .iter()
        .find(|r| r.meta().id.eq_ignore_ascii_case(id));
    by_id
        .or_else(|| {
            catalog()
                .iter()
                .find(|r| r.meta().aliases.iter().any(|a| a.eq_ignore_ascii_case(id)))
        })
        .copied()
}

fn finish(
    meta_of: impl Fn(&str) -> Option<&'static RuleMeta>,
    policy: &Policy,
    found: Vec<Finding>,
) -> Vec<Finding> {
    found
        .into_iter()
        .map(|f| match meta_of(f.rule) {
            Some(m) => policy.apply(m, f),
            None => f,
        })
        .collect()
}

fn meta_by_id(id: &str) -> Option<&'static RuleMeta> {
    catalog().iter().map(|r| r.meta()).find(|m| m.id == id)
}

/// Runs every enabled build rule on a Dockerfile; applies severity
/// overrides and the file's inline suppressions.
pub fn check_build(spec: &BuildSpec, cx: &Ctx, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in catalog() {
        let m = rule.meta();
        if m.targets.contains(&Target::Build) && policy.enabled(m) {
            rule.check_build(spec, cx, &mut out);
        }
    }
    out.retain(|f| !spec.suppressions.is_suppressed(f));
    let mut out = finish(meta_by_id, policy, out);
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

/// Runs every enabled container rule on one container spec.
pub fn check_container(spec: &ContainerSpec, cx: &Ctx, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in catalog() {
        let m = rule.meta();
        if m.targets.contains(&Target::Container) && policy.enabled(m) {
            rule.check_container(spec, cx, &mut out);
        }
    }
    out.retain(|f| !spec.suppressions.is_suppressed(f));
    let mut out = finish(meta_by_id, policy, out);
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

/// Runs every enabled image rule on one image. Images have no source
/// text, so no inline suppressions apply; findings carry locators.
pub fn check_image(spec: &ImageSpec, cx: &Ctx, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in catalog() {
        let m = rule.meta();
        if m.targets.contains(&Target::Image) && policy.enabled(m) {
            rule.check_image(spec, cx, &mut out);
        }
    }
    let mut out = finish(meta_by_id, policy, out);
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

/// Runs every enabled host rule on a daemon and its host.
pub fn check_host(spec: &HostSpec, cx: &Ctx, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in catalog() {
        let m = rule.meta();
        if m.targets.contains(&Target::Host) && policy.enabled(m) {
            rule.check_host(spec, cx, &mut out);
        }
    }
    let mut out = finish(meta_by_id, policy, out);
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalog_is_consistent() {
        let mut ids = HashSet::new();
        for r in catalog() {
            let m = r.meta();
            assert!(ids.insert(m.id), "duplicate id {}", m.id);
            assert!(
                m.id.starts_with("SKD") && m.id.len() == 6,
                "bad id {}",
                m.id
            );
            assert!(!m.title.is_empty() && !m.targets.is_empty(), "{}", m.id);
            let doc = m.doc();
            for part in [
                "What it finds",
                "Why it matters",
                "How to fix",
                "Bad",
                "Good",
            ] {
                assert!(doc.contains(part), "{}: doc lacks `{part}`", m.id);
            }
        }
    }
}
