//! **What it finds.** A container that shares one of the host's namespaces
//! instead of getting its own:
//!
//! | setting | severity |
//! |---|---|
//! | `pid: host` / `--pid=host` | high |
//! | `network_mode: host` / `--network=host` | high |
//! | `ipc: host` / `--ipc=host` | medium |
//! | `userns_mode: host` / `--userns=host` | medium |
//! | `uts: host` / `--uts=host` | low |
//! | `cgroup: host` / `--cgroupns=host` | low |
//!
//! A mode that does not resolve (`pid: ${PID_MODE}`) is reported as info.
//!
//! **Why it matters.** Namespaces are what make a container a container.
//! With the host's PID namespace, the container sees every host process,
//! their command lines and environments, and can signal or (with
//! `SYS_PTRACE`) trace them. With the host network, every port the
//! container listens on is open on the host's interfaces, published or
//! not, and it reaches services bound to the host's `localhost`. The host
//! IPC namespace shares the host's shared memory; `userns_mode: host`
//! turns off the daemon's user remapping for this container, so its root is
//! the host's root; the UTS and cgroup namespaces expose less.
//!
//! **How to fix.** Remove the setting. Publish the ports the service needs
//! (`ports: ["127.0.0.1:8080:8080"]`) instead of the host network; give
//! monitoring agents that need host processes their own, reviewed host.
//!
//! **Bad**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     network_mode: host
//!     pid: host
//! ```
//! ```sh
//! docker run --network host --pid host example/app:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     ports:
//!       - "127.0.0.1:8080:8080"
//! ```

use crate::container::support::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Expanded, Finding, Severity, Spanned};

pub static META: RuleMeta = RuleMeta {
    id: "SKD210",
    title: "Container shares a host namespace",
    category: Category::Namespace,
    severity: Severity::High,
    aliases: &[
        "host_namespace_is_shared",
        "shared_host_ipc_namespace",
        "shared_host_network_namespace",
        "shared_host_user_namespace",
    ],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("host_namespace.rs"),
};

pub struct HostNamespace;

impl Rule for HostNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let checks: [(&Option<Spanned<Expanded>>, &str, Severity, &str); 6] = [
            (
                &spec.pid_mode,
                "PID",
                Severity::High,
                "the container sees and can signal every host process, with their command lines and environments",
            ),
            (
                &spec.network_mode,
                "network",
                Severity::High,
                "every port the container listens on is open on the host's interfaces, published or not, and it reaches services bound to the host's localhost",
            ),
            (
                &spec.ipc_mode,
                "IPC",
                Severity::Medium,
                "the container shares the host's shared memory and message queues",
            ),
            (
                &spec.userns_mode,
                "user",
                Severity::Medium,
                "user remapping is off for this container: its root is the host's root",
            ),
            (
                &spec.uts_mode,
                "UTS",
                Severity::Low,
                "the container can change the host's hostname",
            ),
            (
                &spec.cgroupns_mode,
                "cgroup",
                Severity::Low,
                "the container sees the host's cgroup hierarchy",
            ),
        ];
        for (field, ns, sev, why) in checks {
            let Some(mode) = field else {
                continue;
            };
            match mode.value.known() {
                Some(v) if v.trim().eq_ignore_ascii_case("host") => out.push(
                    finding(
                        &META,
                        spec,
                        mode.span,
                        format!("the container shares the host's {ns} namespace: {why}"),
                    )
                    .with_severity(sev),
                ),
                Some(_) => {}
                None => out.push(
                    finding(
                        &META,
                        spec,
                        mode.span,
                        format!(
                            "cannot tell whether the {ns} namespace is the host's: `{}` did not resolve",
                            mode.value.raw
                        ),
                    )
                    .with_severity(Severity::Info),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    #[test]
    fn grades_each_namespace() {
        for (line, sev) in [
            ("pid: host", Severity::High),
            ("network_mode: host", Severity::High),
            ("network_mode: \"host\"", Severity::High),
            ("ipc: host", Severity::Medium),
            ("userns_mode: host", Severity::Medium),
            ("uts: host", Severity::Low),
            ("cgroup: host", Severity::Low),
        ] {
            let text = format!("services:\n  a:\n    image: alpine:3.20\n    {line}\n");
            let f = run_compose(&HostNamespace, &text);
            assert_eq!(severities(&f), vec![sev], "{line}");
            assert!(flagged(&text, &f)[0].contains("host"), "{line}");
        }
    }

    #[test]
    fn network_message_mentions_exposure() {
        let text = "services:\n  a:\n    image: alpine:3.20\n    network_mode: host\n";
        let f = run_compose(&HostNamespace, text);
        assert!(f[0].message.contains("every port"));
    }

    #[test]
    fn docker_run_namespaces() {
        let text = "docker run --net=host --pid host --ipc=host alpine:3.20\n";
        let f = run_docker(&HostNamespace, text);
        let mut sev = severities(&f);
        sev.sort();
        assert_eq!(sev, vec![Severity::Medium, Severity::High, Severity::High]);
    }

    #[test]
    fn quiet_for_private_and_container_modes() {
        for line in [
            "network_mode: bridge",
            "network_mode: \"service:vpn\"",
            "pid: \"container:abc\"",
            "ipc: shareable",
            "ipc: private",
            "cgroup: private",
        ] {
            let text = format!("services:\n  a:\n    image: alpine:3.20\n    {line}\n");
            assert!(run_compose(&HostNamespace, &text).is_empty(), "{line}");
        }
    }

    #[test]
    fn unresolved_mode_is_info() {
        let text = "services:\n  a:\n    image: alpine:3.20\n    pid: ${PID_MODE}\n";
        assert_eq!(
            severities(&run_compose(&HostNamespace, text)),
            vec![Severity::Info]
        );
    }
}
