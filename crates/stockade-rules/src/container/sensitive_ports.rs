//! **What it finds.** Ports of remote-administration services and data
//! stores published on all of the host's interfaces (no host IP, `0.0.0.0`
//! or `::`). The container port is matched (what the service listens on),
//! and the host port too (what clients on the network will try):
//!
//! | port | service | severity |
//! |---|---|---|
//! | 2375, 4243, 2376 | Docker API | high |
//! | 2379, 2380 | etcd | high |
//! | 10250 | kubelet | high |
//! | 9229 | Node.js inspector (a debugger: runs any code it is sent) | high |
//! | 22, 23, 3389, 5900–5903, 5985, 5986, 6443, 10255 | SSH, Telnet, RDP, VNC, WinRM, Kubernetes API, kubelet read-only | medium |
//! | 3306, 5432, 1433, 1521, 6379, 27017–27019, 9200, 9300, 11211, 5984, 8086, 9042, 7474, 7687, 28015 | MySQL, PostgreSQL, SQL Server, Oracle, Redis, MongoDB, Elasticsearch, memcached, CouchDB, InfluxDB, Cassandra, Neo4j, RethinkDB | medium |
//! | 5672, 15672, 4369, 2181, 9092, 8500 | RabbitMQ, Erlang port mapper, ZooKeeper, Kafka, Consul | medium |
//!
//! Bindings to `127.0.0.1` or another specific address are not flagged.
//! Ranges wider than 100 ports are judged by SKD221 instead.
//!
//! **Why it matters.** These services are what attackers scan the internet
//! for: databases and caches that often run without authentication or with
//! default passwords, remote shells to brute-force, and container or
//! cluster APIs that give root on the host to whoever reaches them. Docker
//! publishes ports through its own firewall rules, so host firewalls such as
//! `ufw` do not stop the traffic.
//!
//! **How to fix.** Do not publish data stores at all: the services that use
//! them reach them over the Compose network by service name. If the host
//! needs them, bind to loopback: `127.0.0.1:5432:5432`. Reach
//! administration ports through a VPN or an SSH tunnel.
//! `stockade fix --unsafe-fixes` binds the port to `127.0.0.1` in
//! Compose files (an unsafe fix: other hosts can no longer connect).
//!
//! **Bad**
//! ```yaml
//! services:
//!   db:
//!     image: postgres:17
//!     ports:
//!       - "5432:5432"
//! ```
//! ```sh
//! docker run -p 6379:6379 redis:7.4
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   db:
//!     image: postgres:17
//!     ports:
//!       - "127.0.0.1:5432:5432"
//! ```

use crate::container::support::{
    describe_binding, finding, ip_maybe_unresolved, sensitive_ports_of,
};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD220",
    title: "Administration or data-store port published on all interfaces",
    category: Category::Ports,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::Unsafe,
    source: include_str!("sensitive_ports.rs"),
};

pub struct SensitivePorts;

impl Rule for SensitivePorts {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for p in &spec.ports {
            if !p.on_all_interfaces() {
                continue;
            }
            let found = sensitive_ports_of(p);
            let Some(sev) = found.iter().map(|f| f.2).max() else {
                continue;
            };
            let names: Vec<String> = found
                .iter()
                .map(|(n, what, _, host_only)| {
                    if *host_only {
                        format!("host port {n} (usually {what})")
                    } else {
                        format!("{what} ({n})")
                    }
                })
                .collect();
            let (sev, unsure) = match (&p.unresolved, ip_maybe_unresolved(p)) {
                (Some(u), true) => (
                    Severity::Info,
                    format!(" (if the host address in `{u}` is all interfaces)"),
                ),
                _ => (sev, String::new()),
            };
            out.push(
                finding(
                    &META,
                    spec,
                    p.span,
                    format!(
                        "{} published on all interfaces (`{}`){unsure}: reachable from the network, past host firewalls",
                        names.join(", "),
                        describe_binding(p)
                    ),
                )
                .with_severity(sev),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    fn ports(list: &str) -> (String, Vec<Finding>) {
        let text = format!("services:\n  db:\n    image: postgres:17\n    ports:\n{list}");
        let f = run_compose(&SensitivePorts, &text);
        (text, f)
    }

    #[test]
    fn flags_sensitive_ports_on_all_interfaces() {
        for (p, sev) in [
            ("\"5432:5432\"", Severity::Medium),
            ("\"15432:5432\"", Severity::Medium),
            ("\"0.0.0.0:6379:6379\"", Severity::Medium),
            ("\"2375:2375\"", Severity::High),
            ("\"2222:22\"", Severity::Medium),
            ("\"[::]:27017:27017\"", Severity::Medium),
            ("\"3306\"", Severity::Medium),
            ("\"3306:8080\"", Severity::Medium),
        ] {
            let (text, f) = ports(&format!("      - {p}\n"));
            assert_eq!(severities(&f), vec![sev], "{p}");
            assert!(flagged(&text, &f)[0].contains(p.trim_matches('"')), "{p}");
        }
        let (_, f) = ports("      - target: 5432\n        published: 5432\n");
        assert_eq!(f.len(), 1);
        let text = "docker run -p 10250:10250 example/kubelet:1\n";
        assert_eq!(
            severities(&run_docker(&SensitivePorts, text)),
            vec![Severity::High]
        );
    }

    #[test]
    fn unresolved_parts() {
        // The host port does not matter: the address is all interfaces.
        let (_, f) = ports("      - \"${PG_PORT}:5432\"\n");
        assert_eq!(severities(&f), vec![Severity::Medium]);
        // The address may be loopback.
        let (_, f) = ports("      - \"${BIND_IP}:5432:5432\"\n");
        assert_eq!(severities(&f), vec![Severity::Info]);
    }

    #[test]
    fn quiet_for_loopback_and_application_ports() {
        for p in [
            "\"127.0.0.1:5432:5432\"",
            "\"192.168.1.10:6379:6379\"",
            "\"[::1]:5432:5432\"",
            "\"8080:80\"",
            "\"443:8443\"",
            "\"10000-20000:10000-20000/udp\"",
        ] {
            let (_, f) = ports(&format!("      - {p}\n"));
            assert!(f.is_empty(), "{p}: {f:?}");
        }
        let text = "services:\n  db:\n    image: postgres:17\n    expose: [\"5432\"]\n";
        assert!(run_compose(&SensitivePorts, text).is_empty());
    }
}
