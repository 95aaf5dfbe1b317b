//! **What it finds.** A container whose kernel paths under `/proc` and
//! `/sys` are not masked or read-only: `security_opt: [systempaths=unconfined]`
//! (`--security-opt systempaths=unconfined`), Podman's `unmask=ALL` or
//! `unmask=<paths>`, and, for live containers and create requests, an
//! empty `MaskedPaths` or `ReadonlyPaths` list, or one that lacks the
//! paths Docker has always protected (`/proc/kcore`, `/proc/keys`,
//! `/sys/firmware`; `/proc/sys`, `/proc/sysrq-trigger`).
//!
//! **Why it matters.** Docker hides `/proc/kcore` (the kernel's memory),
//! `/proc/keys`, `/sys/firmware` and other kernel interfaces, and makes
//! `/proc/sys` and `/proc/sysrq-trigger` read-only. Without that, root in
//! the container can read kernel memory layouts, change host-wide kernel
//! settings that are not namespaced, or reboot the host through
//! `sysrq-trigger`.
//!
//! **How to fix.** Remove `systempaths=unconfined` (or `unmask`). Tools
//! that need one kernel setting should get it as a namespaced `sysctls:`
//! entry; tools that need the host's `/proc` are host agents and belong on
//! the host.
//!
//! **Bad**
//! ```yaml
//! services:
//!   builder:
//!     image: example/builder:1.0
//!     security_opt:
//!       - systempaths=unconfined
//! ```
//! ```sh
//! docker run --security-opt systempaths=unconfined example/builder:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   builder:
//!     image: example/builder:1.0
//!     security_opt:
//!       - no-new-privileges:true
//! ```

use crate::container::support::{finding, security_opts};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity, Span, Spanned};

pub static META: RuleMeta = RuleMeta {
    id: "SKD207",
    title: "Kernel paths in /proc and /sys left unmasked",
    category: Category::Privileged,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("system_paths.rs"),
};

/// Paths Docker has masked since masking exists.
const CORE_MASKED: &[&str] = &["/proc/kcore", "/proc/keys", "/sys/firmware"];
/// Paths Docker has made read-only since that exists.
const CORE_READONLY: &[&str] = &["/proc/sys", "/proc/sysrq-trigger"];

fn check_list(
    spec: &ContainerSpec,
    list: &Option<Spanned<Vec<String>>>,
    core: &[&str],
    what: &str,
    seen_unconfined: bool,
    both_empty: bool,
    out: &mut Vec<Finding>,
) {
    let Some(list) = list else {
        return;
    };
    if list.value.is_empty() {
        // `systempaths=unconfined` already produced a finding at its entry.
        if !seen_unconfined {
            out.push(finding(
                &META,
                spec,
                list.span,
                format!("the list of {what} paths is empty: `/proc` and `/sys` kernel interfaces are exposed{}", if what == "masked" && both_empty { " (and none is read-only)" } else { "" }),
            ));
        }
        return;
    }
    let missing: Vec<&str> = core
        .iter()
        .copied()
        .filter(|p| !list.value.iter().any(|m| m.trim_end_matches('/') == *p))
        .collect();
    if !missing.is_empty() {
        out.push(
            finding(
                &META,
                spec,
                list.span,
                format!(
                    "the {what} paths leave out {}",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_severity(Severity::Medium),
        );
    }
}

pub struct SystemPaths;

impl Rule for SystemPaths {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen: Option<Span> = None;
        for o in security_opts(spec) {
            let v = o.value.as_deref().unwrap_or("");
            match o.key.as_str() {
                "systempaths" if v.eq_ignore_ascii_case("unconfined") => {
                    seen.get_or_insert(o.span);
                    out.push(finding(
                        &META,
                        spec,
                        o.span,
                        "`systempaths=unconfined` unmasks `/proc` and `/sys` kernel interfaces and makes them writable",
                    ));
                }
                "unmask" if v.eq_ignore_ascii_case("all") => {
                    seen.get_or_insert(o.span);
                    out.push(finding(
                        &META,
                        spec,
                        o.span,
                        "`unmask=ALL` unmasks every `/proc` and `/sys` kernel interface",
                    ));
                }
                "unmask" if !v.is_empty() => out.push(
                    finding(
                        &META,
                        spec,
                        o.span,
                        format!("`unmask={v}` unmasks kernel interfaces under `/proc` or `/sys`"),
                    )
                    .with_severity(Severity::Medium),
                ),
                _ => {}
            }
        }
        // `systempaths=unconfined` empties both lists: one finding for both.
        let both_empty = spec
            .masked_paths
            .as_ref()
            .is_some_and(|l| l.value.is_empty())
            && spec
                .readonly_paths
                .as_ref()
                .is_some_and(|l| l.value.is_empty());
        let seen = seen.is_some();
        check_list(
            spec,
            &spec.masked_paths,
            CORE_MASKED,
            "masked",
            seen,
            both_empty,
            out,
        );
        check_list(
            spec,
            &spec.readonly_paths,
            CORE_READONLY,
            "read-only",
            seen || both_empty,
            false,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, run_specs, severities};
    use crate::testutil::ctx;
    use stockade_core::{Locator, SpecSource};

    #[test]
    fn flags_unconfined_system_paths() {
        let text = "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - systempaths=unconfined\n";
        let f = run_compose(&SystemPaths, text);
        assert_eq!(flagged(text, &f), vec!["systempaths=unconfined"]);
        let text = "docker run --security-opt systempaths=unconfined alpine:3.20\n";
        let f = run_docker(&SystemPaths, text);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(flagged(text, &f)[0].contains("systempaths=unconfined"));
    }

    #[test]
    fn judges_engine_path_lists() {
        let mut spec = ContainerSpec::new(SpecSource::Engine, "web", Span::default());
        spec.locator = Some(Locator {
            container: Some("web".into()),
            ..Locator::default()
        });
        spec.masked_paths = Some(Spanned::new(Vec::new(), Span::default()));
        spec.readonly_paths = Some(Spanned::new(vec!["/proc/bus".into()], Span::default()));
        let f = run_specs(&SystemPaths, &[spec], &ctx());
        assert_eq!(severities(&f), vec![Severity::High, Severity::Medium]);
        assert!(f[1].message.contains("/proc/sysrq-trigger"));
        assert!(f.iter().all(|f| f.locator.is_some() && f.span.is_none()));
    }

    #[test]
    fn quiet_by_default() {
        let text = "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - no-new-privileges:true\n";
        assert!(run_compose(&SystemPaths, text).is_empty());
        let mut spec = ContainerSpec::new(SpecSource::Engine, "web", Span::default());
        spec.masked_paths = Some(Spanned::new(
            ["/proc/kcore", "/proc/keys", "/sys/firmware", "/proc/acpi"]
                .map(String::from)
                .to_vec(),
            Span::default(),
        ));
        spec.readonly_paths = Some(Spanned::new(
            ["/proc/sys", "/proc/sysrq-trigger"]
                .map(String::from)
                .to_vec(),
            Span::default(),
        ));
        assert!(run_specs(&SystemPaths, &[spec], &ctx()).is_empty());
    }
}
