//! **What it finds.** A container started without AppArmor confinement:
//! `security_opt: [apparmor=unconfined]`, the older `apparmor:unconfined`,
//! or `--security-opt apparmor=unconfined`. A value that does not resolve is
//! reported as info; a named profile is not judged.
//!
//! **Why it matters.** On hosts with AppArmor (Ubuntu, Debian, SUSE),
//! Docker's `docker-default` profile blocks mounts, writes to `/proc` and
//! `/sys` kernel files and access to other sensitive paths even for root in
//! the container. It is what stops several known escapes that start from
//! `SYS_ADMIN` (the cgroup `release_agent` trick needs a mount). Turning it
//! off removes that layer for this container.
//!
//! **How to fix.** Remove `apparmor=unconfined`. If the default profile
//! blocks something the service needs, write a profile that allows that
//! alone, load it on the host, and name it: `apparmor=my-profile`.
//!
//! **Bad**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     security_opt:
//!       - apparmor:unconfined
//! ```
//! ```sh
//! docker run --security-opt apparmor=unconfined example/app:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     security_opt:
//!       - apparmor=docker-default
//! ```

use crate::container::support::{finding, security_opts};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD213",
    title: "AppArmor confinement disabled (apparmor=unconfined)",
    category: Category::KernelSecurity,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("apparmor.rs"),
};

pub struct AppArmor;

impl Rule for AppArmor {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for o in security_opts(spec) {
            if o.key != "apparmor" {
                continue;
            }
            let v = o.value.as_deref().unwrap_or("");
            if o.unresolved {
                out.push(
                    finding(
                        &META,
                        spec,
                        o.span,
                        format!("cannot tell whether AppArmor is disabled: `apparmor={v}` did not resolve"),
                    )
                    .with_severity(Severity::Info),
                );
            } else if v.eq_ignore_ascii_case("unconfined") {
                out.push(finding(
                    &META,
                    spec,
                    o.span,
                    "AppArmor is disabled: the container runs without the profile that blocks mounts and writes to kernel files",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    #[test]
    fn flags_each_spelling() {
        for opt in ["apparmor=unconfined", "apparmor:unconfined"] {
            let text = format!(
                "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - {opt}\n"
            );
            let f = run_compose(&AppArmor, &text);
            assert_eq!(severities(&f), vec![Severity::High], "{opt}");
            assert!(flagged(&text, &f)[0].contains(opt), "{opt}");
        }
        let f = run_docker(
            &AppArmor,
            "docker run --security-opt=apparmor:unconfined alpine:3.20\n",
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_for_profiles() {
        for opt in [
            "apparmor=docker-default",
            "apparmor:my-profile",
            "seccomp=unconfined",
        ] {
            let text = format!(
                "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - {opt}\n"
            );
            assert!(run_compose(&AppArmor, &text).is_empty(), "{opt}");
        }
    }
}
