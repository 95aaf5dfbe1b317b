//! **What it finds.** Capabilities added to the container (`cap_add:`,
//! `--cap-add`, `HostConfig.CapAdd`), written with or without the `CAP_`
//! prefix, in any case. Each is graded by what it gives root in the
//! container:
//!
//! | capability | severity | why |
//! |---|---|---|
//! | `ALL` | critical | every capability: close to `privileged` |
//! | `SYS_MODULE` | critical | loads kernel modules: code in the host kernel |
//! | `SYS_ADMIN` | high | mount, namespaces, BPF, cgroup release agents: the classic escapes |
//! | `SYS_PTRACE` | high | traces and injects into processes (the host's, with `pid: host`) |
//! | `DAC_READ_SEARCH` | high | `open_by_handle_at`: reads host files outside the container's mounts |
//! | `SYS_RAWIO` | high | raw I/O ports and device memory |
//! | `SYS_BOOT` | high | `kexec_load`: boots another kernel on the host |
//! | `BPF` | high | loads BPF programs into the host kernel |
//! | `MAC_ADMIN`, `MAC_OVERRIDE` | high | changes or bypasses AppArmor/SELinux policy |
//! | `NET_ADMIN` | high with `network_mode: host`, else medium | reconfigures networking (the host's, on the host network) |
//! | `PERFMON`, `SYSLOG`, `SYS_TIME`, `AUDIT_CONTROL`, `IPC_OWNER`, `CHECKPOINT_RESTORE`, `LINUX_IMMUTABLE` | medium | kernel tracing, kernel log and address leaks, the host clock, the audit system, other processes' IPC, process restore, immutable files |
//! | `SYS_RESOURCE`, `SYS_NICE`, `IPC_LOCK`, `LEASE`, `NET_BROADCAST`, `SYS_PACCT`, `SYS_TTY_CONFIG`, `WAKE_ALARM`, `BLOCK_SUSPEND`, `AUDIT_READ` | low | resource and scheduling limits, minor interfaces |
//! | Docker's defaults: `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `NET_RAW`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT` | — | already granted unless dropped; adding them back after `cap_drop: [ALL]` is the recommended pattern |
//!
//! A capability that does not resolve (`${CAP}`) is reported as info.
//!
//! **Why it matters.** Capabilities split root's power into pieces; Docker
//! keeps only the harmless ones. Each one added back widens what root in the
//! container can do to the shared kernel, and several of them are
//! documented container escapes on their own.
//!
//! **How to fix.** Drop every capability and add back only what the process
//! needs (often nothing, or `NET_BIND_SERVICE`). Prefer a design that needs
//! no capability: listen on a port above 1024, let a sidecar or the host do
//! the privileged part.
//!
//! **Bad**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     cap_add: [SYS_ADMIN]
//! ```
//! ```sh
//! docker run --cap-add=ALL example/app:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     cap_drop: [ALL]
//!     cap_add: [NET_BIND_SERVICE]
//! ```

use crate::container::support::{finding, host_network};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD208",
    title: "Capability added to the container",
    category: Category::Capabilities,
    severity: Severity::Critical,
    aliases: &["container_capabilities_unrestricted"],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("cap_add.rs"),
};

use Severity::{Critical as C, High as H, Low as L, Medium as M};

/// Docker's default capability set.
pub(crate) const DEFAULT_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// `CAP_SYS_ADMIN`, `sys_admin` → `SYS_ADMIN`.
pub(crate) fn normalize_cap(c: &str) -> String {
    let up = c.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

fn grade(cap: &str, host_net: bool) -> Option<(Severity, &'static str)> {
    Some(match cap {
        "ALL" => (C, "every capability: close to a privileged container"),
        "SYS_MODULE" => (C, "loads kernel modules: code in the host kernel"),
        "SYS_ADMIN" => (
            H,
            "mounts, namespaces, BPF and cgroup settings: the classic container escapes",
        ),
        "SYS_PTRACE" => (H, "traces and injects code into processes"),
        "DAC_READ_SEARCH" => (
            H,
            "opens files by handle, reading host files outside the container's mounts",
        ),
        "SYS_RAWIO" => (H, "raw I/O ports and device memory"),
        "SYS_BOOT" => (
            H,
            "loads and boots another kernel on the host (`kexec_load`)",
        ),
        "BPF" => (H, "loads BPF programs into the host kernel"),
        "MAC_ADMIN" | "MAC_OVERRIDE" => (H, "changes or bypasses AppArmor and SELinux policy"),
        "NET_ADMIN" if host_net => (
            H,
            "reconfigures the host's network (the container uses the host network)",
        ),
        "NET_ADMIN" => (
            M,
            "reconfigures the container's network: firewall rules, interfaces, routes",
        ),
        "PERFMON" => (M, "kernel performance monitoring and tracing"),
        "SYSLOG" => (M, "reads the kernel log and kernel addresses"),
        "SYS_TIME" => (M, "sets the host's clock (not namespaced)"),
        "AUDIT_CONTROL" => (M, "controls the host's audit system"),
        "IPC_OWNER" => (M, "bypasses permission checks on IPC objects"),
        "CHECKPOINT_RESTORE" => (M, "checkpoint and restore of processes"),
        "LINUX_IMMUTABLE" => (M, "changes immutable and append-only file flags"),
        "SYS_RESOURCE" | "SYS_NICE" | "IPC_LOCK" | "LEASE" | "NET_BROADCAST" | "SYS_PACCT"
        | "SYS_TTY_CONFIG" | "WAKE_ALARM" | "BLOCK_SUSPEND" | "AUDIT_READ" => {
            (L, "raises resource, scheduling or minor kernel limits")
        }
        _ => return None,
    })
}

pub struct CapAdd;

impl Rule for CapAdd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let host_net = host_network(spec);
        for c in &spec.cap_add {
            if c.value.contains('$') {
                out.push(
                    finding(
                        &META,
                        spec,
                        c.span,
                        format!("added capability `{}` did not resolve: cannot tell which capability is granted", c.value),
                    )
                    .with_severity(Severity::Info),
                );
                continue;
            }
            let cap = normalize_cap(&c.value);
            if DEFAULT_CAPS.contains(&cap.as_str()) {
                continue;
            }
            if let Some((sev, why)) = grade(&cap, host_net) {
                out.push(
                    finding(
                        &META,
                        spec,
                        c.span,
                        format!("capability `{cap}` is added: {why}"),
                    )
                    .with_severity(sev),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    fn caps(list: &str, extra: &str) -> (String, Vec<Finding>) {
        let text = format!("services:\n  a:\n    image: alpine:3.20\n{extra}    cap_add:\n{list}");
        let f = run_compose(&CapAdd, &text);
        (text, f)
    }

    #[test]
    fn grades_each_spelling() {
        for (c, sev) in [
            ("ALL", C),
            ("all", C),
            ("CAP_SYS_ADMIN", H),
            ("sys_admin", H),
            ("cap_sys_module", C),
            ("SYS_PTRACE", H),
            ("NET_ADMIN", M),
            ("SYS_TIME", M),
            ("SYS_NICE", L),
        ] {
            let (text, f) = caps(&format!("      - {c}\n"), "");
            assert_eq!(severities(&f), vec![sev], "{c}");
            assert_eq!(flagged(&text, &f), vec![c.to_string()], "{c}");
        }
    }

    #[test]
    fn net_admin_on_host_network_is_high() {
        let (_, f) = caps("      - NET_ADMIN\n", "    network_mode: host\n");
        assert_eq!(severities(&f), vec![H]);
    }

    #[test]
    fn default_caps_and_unknown_names_are_quiet() {
        let (_, f) = caps(
            "      - CHOWN\n      - NET_BIND_SERVICE\n      - cap_setuid\n      - NOT_A_CAP\n",
            "    cap_drop: [ALL]\n",
        );
        assert!(f.is_empty(), "{f:?}");
        let text = "services:\n  a:\n    image: alpine:3.20\n    cap_drop: [ALL]\n";
        assert!(run_compose(&CapAdd, text).is_empty());
    }

    #[test]
    fn docker_run_cap_add() {
        let text = "docker run --cap-add SYS_ADMIN --cap-add=NET_RAW alpine:3.20\n";
        let f = run_docker(&CapAdd, text);
        assert_eq!(severities(&f), vec![H]);
        assert!(flagged(text, &f)[0].contains("SYS_ADMIN"));
    }
}
