//! **What it finds.** Registries the daemon talks to without TLS
//! verification, beyond the loopback ones Docker always allows:
//! `/info` RegistryConfig.InsecureRegistryCIDRs other than `127.0.0.0/8`
//! and `::1/128`, and registries marked `Secure: false` (from
//! `insecure-registries` in `/etc/docker/daemon.json`) other than
//! `localhost`.
//!
//! **Why it matters.** An insecure registry is reached over plain HTTP, or
//! over HTTPS without checking the certificate. Anyone on the path can
//! answer a pull with an image of their choosing, which the daemon then
//! runs; credentials sent to it travel in clear text.
//!
//! **How to fix.** Give the registry a certificate (a private CA is fine:
//! put it in `/etc/docker/certs.d/<registry>/ca.crt`) and remove it from
//! `insecure-registries`. Never list whole networks (`10.0.0.0/8`,
//! `0.0.0.0/0`).
//!
//! **Bad**
//! ```json
//! { "insecure-registries": ["registry.corp:5000", "10.0.0.0/8"] }
//! ```
//!
//! **Good**
//! ```json
//! { "insecure-registries": [] }
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use std::net::IpAddr;
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD405",
    title: "Insecure registries beyond loopback",
    category: Category::Provenance,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("insecure_registry.rs"),
};

pub struct InsecureRegistry;

/// Whether a CIDR (`127.0.0.0/8`) stays inside loopback.
fn loopback_cidr(cidr: &str) -> bool {
    let (addr, prefix) = match cidr.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()),
        None => (cidr, None),
    };
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => a.is_loopback() && prefix.is_none_or(|p| p >= 8),
        Ok(IpAddr::V6(a)) => a.is_loopback() && prefix.is_none_or(|p| p == 128),
        Err(_) => false,
    }
}

/// Whether a registry name (`host[:port]`) is on this machine.
fn loopback_host(name: &str) -> bool {
    let host = if let Some(rest) = name.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        name.rsplit_once(':').map(|(h, _)| h).unwrap_or(name)
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
}

impl Rule for InsecureRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for cidr in &spec.daemon.insecure_registry_cidrs {
            if loopback_cidr(cidr) {
                continue;
            }
            let what = if cidr.ends_with("/0") {
                "every registry".to_string()
            } else {
                format!("registries in `{cidr}`")
            };
            out.push(finding(
                &META,
                spec,
                format!("daemon: insecure registry {cidr}"),
                format!("the daemon pulls from {what} without TLS verification: anyone on the path can serve it images"),
            ));
        }
        for name in &spec.daemon.insecure_registries {
            if loopback_host(name) {
                continue;
            }
            out.push(finding(
                &META,
                spec,
                format!("daemon: insecure registry {name}"),
                format!("the daemon pulls from `{name}` without TLS verification: anyone on the path can serve it images"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{hardened, risky, run};

    #[test]
    fn loopback_is_allowed() {
        for c in ["127.0.0.0/8", "127.0.0.1/32", "::1/128", "127.0.0.1"] {
            assert!(loopback_cidr(c), "{c}");
        }
        for c in ["10.0.0.0/8", "0.0.0.0/0", "127.0.0.0/7", "::/0", "junk"] {
            assert!(!loopback_cidr(c), "{c}");
        }
        for h in [
            "localhost:5000",
            "LOCALHOST",
            "127.0.0.1:5000",
            "[::1]:5000",
        ] {
            assert!(loopback_host(h), "{h}");
        }
        for h in ["registry.corp:5000", "10.1.1.1:5000", "localhost.evil.com"] {
            assert!(!loopback_host(h), "{h}");
        }
    }

    #[test]
    fn flags_each_non_loopback_entry() {
        let f = run(&InsecureRegistry, &risky());
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(f.len(), 2, "{msgs:?}");
        assert!(msgs[0].contains("every registry"));
        assert!(msgs[1].contains("`registry.corp:5000`"));
        assert!(run(&InsecureRegistry, &hardened()).is_empty());
    }
}
