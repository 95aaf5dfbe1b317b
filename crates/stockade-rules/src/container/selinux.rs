//! **What it finds.** A container whose SELinux separation is turned off:
//! `security_opt: [label=disable]` (also `label:disable` and the bare
//! `disable` the daemon accepts), or a label that runs it as an unconfined
//! type: `label=type:spc_t` (the "super privileged container" type),
//! `label:type:spc_t`, `label=type:unconfined_t`. A value that does not
//! resolve is reported as info.
//!
//! **Why it matters.** On hosts with SELinux (RHEL, Fedora, CentOS), each
//! container runs as `container_t` with its own category pair: even root in
//! the container cannot read host files or other containers' files that are
//! not labelled for it. That is what keeps a mounted host directory or a
//! leaked file descriptor from becoming host access. `label=disable` and
//! `spc_t` remove it for this container.
//!
//! **How to fix.** Remove the option. For a bind mount the container must
//! use, relabel it (`:z` shared, `:Z` private) instead of turning
//! separation off. If the service needs more than `container_t` allows,
//! write a policy module for it (for example with `udica`).
//!
//! **Bad**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     security_opt:
//!       - label=disable
//! ```
//! ```sh
//! docker run --security-opt label=type:spc_t example/app:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     volumes:
//!       - ./data:/data:Z
//! ```

use crate::container::support::{finding, security_opts};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD214",
    title: "SELinux separation disabled (label=disable, spc_t)",
    category: Category::KernelSecurity,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("selinux.rs"),
};

/// Process types that SELinux does not confine.
const UNCONFINED_TYPES: &[&str] = &["spc_t", "unconfined_t"];

pub struct SeLinux;

impl Rule for SeLinux {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for o in security_opts(spec) {
            let v = o.value.as_deref().unwrap_or("").trim();
            let msg = match (o.key.as_str(), o.value.is_some()) {
                ("disable", false) => "SELinux separation is disabled (`disable`)".to_string(),
                ("label", true) if o.unresolved => {
                    out.push(
                        finding(
                            &META,
                            spec,
                            o.span,
                            format!("cannot tell whether SELinux separation is disabled: `label={v}` did not resolve"),
                        )
                        .with_severity(Severity::Info),
                    );
                    continue;
                }
                ("label", true) if v.eq_ignore_ascii_case("disable") => {
                    "SELinux separation is disabled (`label=disable`): the container is not confined by its label".to_string()
                }
                ("label", true) => {
                    let Some(t) = v.strip_prefix("type:").or_else(|| v.strip_prefix("type=")) else {
                        continue;
                    };
                    if !UNCONFINED_TYPES.iter().any(|u| u.eq_ignore_ascii_case(t.trim())) {
                        continue;
                    }
                    format!("the container runs as the unconfined SELinux type `{}`: SELinux does not separate it from the host", t.trim())
                }
                _ => continue,
            };
            out.push(finding(&META, spec, o.span, msg));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    #[test]
    fn flags_each_spelling() {
        for opt in [
            "label=disable",
            "label:disable",
            "disable",
            "label=type:spc_t",
            "label:type:spc_t",
            "label=type:unconfined_t",
        ] {
            let text = format!(
                "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - \"{opt}\"\n"
            );
            let f = run_compose(&SeLinux, &text);
            assert_eq!(severities(&f), vec![Severity::High], "{opt}");
            assert!(flagged(&text, &f)[0].contains(opt), "{opt}");
        }
        let f = run_docker(
            &SeLinux,
            "docker run --security-opt label=disable alpine:3.20\n",
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_for_other_labels() {
        for opt in [
            "label=level:s0:c100,c200",
            "label=type:container_t",
            "label=user:system_u",
            "seccomp=unconfined",
        ] {
            let text = format!(
                "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - \"{opt}\"\n"
            );
            assert!(run_compose(&SeLinux, &text).is_empty(), "{opt}");
        }
    }
}
