//! **What it finds.** An application port published on all of the host's
//! interfaces (no host IP, `0.0.0.0` or `::`). This is advice (info): a web
//! service is often meant to be public. Ports of administration services
//! and data stores are reported by SKD220 instead, and wide ranges by
//! SKD221.
//!
//! **Why it matters.** A port published without a host IP is open on every
//! interface of the host, including public ones, and Docker's own firewall
//! rules let the traffic past host firewalls such as `ufw`. Services that
//! only a local reverse proxy or the developer's browser should reach are
//! then reachable from the whole network.
//!
//! **How to fix.** Bind to the interface that should receive the traffic:
//! `127.0.0.1:8080:8080` for a local reverse proxy or development, a
//! specific address for a LAN service. Leave it on all interfaces only for
//! what is meant to be public.
//!
//! **Bad**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     ports:
//!       - "8080:8080"
//! ```
//! ```sh
//! docker run -p 8080:8080 example/app:1.0
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

use crate::container::support::{
    WIDE_RANGE, describe_binding, finding, range_len, sensitive_ports_of,
};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD222",
    title: "Port published on all interfaces",
    category: Category::Ports,
    severity: Severity::Info,
    aliases: &["container_traffic_not_bound_to_host_interface"],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("port_all_interfaces.rs"),
};

pub struct PortAllInterfaces;

impl Rule for PortAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for p in &spec.ports {
            if !p.on_all_interfaces() {
                continue;
            }
            let wide = range_len(p.container_port) > WIDE_RANGE;
            if wide || !sensitive_ports_of(p).is_empty() {
                continue;
            }
            out.push(finding(
                &META,
                spec,
                p.span,
                format!("`{}` is published on all interfaces; bind it to `127.0.0.1` or a specific address unless it is meant to be public", describe_binding(p)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_application_ports() {
        let text = "services:\n  app:\n    image: example/app:1.0\n    ports:\n      - \"8080:80\"\n      - 9090\n";
        let f = run_compose(&PortAllInterfaces, text);
        assert_eq!(f.len(), 2);
        assert!(flagged(text, &f)[0].contains("8080:80"));
        assert!(f.iter().all(|f| f.severity == Severity::Info));
        assert_eq!(
            run_docker(&PortAllInterfaces, "docker run -p 80:80 nginx:1.27\n").len(),
            1
        );
    }

    #[test]
    fn unresolved_ports_are_shown_as_written() {
        let text = "services:\n  app:\n    image: example/app:1.0\n    ports:\n      - ${CALLS_PORT}:${CALLS_PORT}/udp\n      - target: ${TARGET}\n        published: ${PUBLISHED}\n";
        let f = run_compose(&PortAllInterfaces, text);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(
            f[0].message.contains("`${CALLS_PORT}:${CALLS_PORT}/udp`"),
            "{}",
            f[0].message
        );
        assert!(f.iter().all(|f| !f.message.contains("`0/")), "{f:?}");
    }

    #[test]
    fn quiet_for_bound_sensitive_and_wide() {
        for p in [
            "\"127.0.0.1:8080:80\"",
            "\"5432:5432\"",
            "\"10000-20000:10000-20000\"",
        ] {
            let text =
                format!("services:\n  app:\n    image: example/app:1.0\n    ports:\n      - {p}\n");
            assert!(run_compose(&PortAllInterfaces, &text).is_empty(), "{p}");
        }
    }
}
