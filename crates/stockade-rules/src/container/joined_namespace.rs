//! **What it finds.** A container that joins another container's namespace
//! (`network_mode: service:vpn`, `network_mode: container:abc`,
//! `pid: container:abc`, `ipc: service:db`, `--network container:abc`).
//! This is advice (info).
//!
//! **Why it matters.** Joined containers are no longer isolated from each
//! other: sharing the PID namespace lets one see and signal (and with
//! `SYS_PTRACE`, trace) the other's processes; sharing the network namespace
//! puts both on one set of interfaces and one `localhost`, so services bound
//! to `127.0.0.1` in one are open to the other. A compromise of either is a
//! compromise of both; and the joined container inherits the other's
//! exposure (a container joined to one using the host network uses the
//! host network too).
//!
//! **How to fix.** Keep it where the pattern needs it (a VPN sidecar, a
//! debugging container) and make sure both containers deserve the same
//! trust. Otherwise connect them over a network and publish nothing
//! between them that is not needed.
//!
//! **Bad**
//! ```yaml
//! services:
//!   debug:
//!     image: example/toolbox:1.0
//!     pid: "service:app"
//!     cap_add: [SYS_PTRACE]
//! ```
//! ```sh
//! docker run --pid container:app --network container:app example/toolbox:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   debug:
//!     image: example/toolbox:1.0
//!     networks: [backend]
//! ```

use crate::container::support::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD211",
    title: "Container joins another container's namespace",
    category: Category::Namespace,
    severity: Severity::Info,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("joined_namespace.rs"),
};

pub struct JoinedNamespace;

impl Rule for JoinedNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for (field, ns) in [
            (&spec.network_mode, "network"),
            (&spec.pid_mode, "PID"),
            (&spec.ipc_mode, "IPC"),
        ] {
            let Some(mode) = field else {
                continue;
            };
            let Some(v) = mode.value.known() else {
                continue;
            };
            let v = v.trim();
            let other = ["container:", "service:"]
                .iter()
                .find_map(|p| v.strip_prefix(p));
            if let Some(other) = other {
                out.push(finding(
                    &META,
                    spec,
                    mode.span,
                    format!("the container joins the {ns} namespace of `{other}`: the two are not isolated from each other"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_joined_namespaces() {
        let text = "services:\n  vpn:\n    image: qmcgaw/gluetun:v3\n  app:\n    image: alpine:3.20\n    network_mode: \"service:vpn\"\n    pid: container:abc\n";
        let f = run_compose(&JoinedNamespace, text);
        assert_eq!(f.len(), 2);
        assert!(flagged(text, &f)[0].contains("service:vpn"));
        assert!(f.iter().all(|f| f.severity == Severity::Info));
        let f = run_docker(
            &JoinedNamespace,
            "docker run --network container:app alpine:3.20\n",
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_otherwise() {
        for line in [
            "network_mode: host",
            "network_mode: bridge",
            "pid: host",
            "ipc: shareable",
        ] {
            let text = format!("services:\n  a:\n    image: alpine:3.20\n    {line}\n");
            assert!(run_compose(&JoinedNamespace, &text).is_empty(), "{line}");
        }
    }
}
