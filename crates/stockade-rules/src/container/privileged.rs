//! **What it finds.** A container run with `privileged: true` or
//! `--privileged` (`HostConfig.Privileged` for live containers and create
//! requests).
//!
//! **Why it matters.** A privileged container gets every capability, every
//! host device, no seccomp filter, no AppArmor or SELinux confinement and
//! writable `/sys` and `/proc` paths. Root inside it can mount the host's
//! disks, load kernel modules or write a cgroup release agent: it is root on
//! the host, with no escape needed.
//!
//! **How to fix.** Remove `privileged`. Find out what the service needs and
//! grant that alone: one capability (`cap_add: [NET_ADMIN]`), one device
//! (`devices: [/dev/net/tun]`). Services that truly need full host access
//! (node agents, storage drivers) belong on dedicated hosts, reviewed as
//! part of the host.
//! `stockade fix --unsafe-fixes` removes `privileged: true` from Compose
//! files (an unsafe fix), or sets `privileged: false` on a service that
//! inherits it; `stockade harden` does the same in an override file.
//!
//! **Bad**
//! ```yaml
//! services:
//!   vpn:
//!     image: example/vpn:2.3
//!     privileged: true
//! ```
//! ```sh
//! docker run --privileged example/vpn:2.3
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   vpn:
//!     image: example/vpn:2.3
//!     cap_add: [NET_ADMIN]
//!     devices: [/dev/net/tun]
//! ```

use crate::container::support::{finding, unresolved_setting};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD205",
    title: "Privileged container",
    category: Category::Privileged,
    severity: Severity::Critical,
    aliases: &["privileged_containers_enabled"],
    targets: &[Target::Container],
    fix: FixKind::Unsafe,
    source: include_str!("privileged.rs"),
};

pub struct Privileged;

impl Rule for Privileged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if let Some(p) = &spec.privileged {
            if p.value {
                out.push(finding(
                    &META,
                    spec,
                    p.span,
                    "the container is privileged: all capabilities and devices, no seccomp, AppArmor or SELinux confinement; root in it is root on the host",
                ));
            }
        } else if let Some(span) = unresolved_setting(spec, &["privileged"]) {
            out.push(
                finding(
                    &META,
                    spec,
                    span,
                    "cannot tell whether the container is privileged: the value did not resolve",
                )
                .with_severity(Severity::Info),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_privileged() {
        let text = "services:\n  a:\n    image: alpine:3.20\n    privileged: true\n";
        let f = run_compose(&Privileged, text);
        assert_eq!(flagged(text, &f).len(), 1);
        assert!(flagged(text, &f)[0].contains("true"));
        let text = "docker run --rm --privileged alpine:3.20 sh\n";
        let f = run_docker(&Privileged, text);
        assert_eq!(flagged(text, &f), vec!["--privileged"]);
        let text = "docker run --privileged=true alpine:3.20\n";
        assert_eq!(run_docker(&Privileged, text).len(), 1);
    }

    #[test]
    fn quiet_when_not_privileged() {
        for text in [
            "services:\n  a:\n    image: alpine:3.20\n    privileged: false\n",
            "services:\n  a:\n    image: alpine:3.20\n",
        ] {
            assert!(run_compose(&Privileged, text).is_empty(), "{text}");
        }
        let text = "docker run --privileged=false alpine:3.20\n";
        assert!(run_docker(&Privileged, text).is_empty());
    }

    #[test]
    fn unresolved_is_info() {
        let text = "services:\n  a:\n    image: alpine:3.20\n    privileged: ${PRIV}\n";
        let f = run_compose(&Privileged, text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }
}
