//! **What it finds.** The Engine API reachable over TCP without TLS: the
//! daemon's own warning (`API is accessible on http://… without
//! encryption`, in `/info` Warnings), a `tcp://` address in `hosts` of
//! `/etc/docker/daemon.json` without `tlsverify`, or stockade itself
//! reaching the daemon over plain TCP. A TLS listener that does not verify
//! clients (`without TLS client verification`) is reported as high.
//!
//! **Why it matters.** The API has no authentication of its own. Whoever
//! can open the port can start a privileged container with `/` mounted:
//! root on the host, from anywhere the port is reachable (a loopback-only
//! port is still reachable by every local user and by containers on the
//! host network). Scanners find open `2375` ports within minutes.
//!
//! **How to fix.** Remove the `tcp://` address and use the unix socket
//! (over SSH for remote use: `DOCKER_HOST=ssh://user@host`), or protect it
//! with mutual TLS: `"tlsverify": true` with `tlscacert`, `tlscert`,
//! `tlskey`, and only issue client certificates to administrators.
//!
//! **Bad**
//! ```json
//! { "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"] }
//! ```
//!
//! **Good**
//! ```json
//! { "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"], "tlsverify": true,
//!   "tlscacert": "/etc/docker/ca.pem", "tlscert": "/etc/docker/server.pem", "tlskey": "/etc/docker/server-key.pem" }
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, HostSpec, Severity, Transport};

pub static META: RuleMeta = RuleMeta {
    id: "SKD406",
    title: "Docker API on TCP without TLS",
    category: Category::Auth,
    severity: Severity::Critical,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("tcp_no_tls.rs"),
};

pub struct TcpNoTls;

/// The address in a daemon warning (`http://0.0.0.0:2375`), when there is one.
fn warned_address(w: &str) -> Option<&str> {
    let start = w
        .find("http://")
        .or_else(|| w.find("https://"))
        .or_else(|| w.find("tcp://"))?;
    w[start..].split_whitespace().next()
}

fn on_loopback(addr: &str) -> bool {
    let rest = addr.split_once("://").map(|(_, r)| r).unwrap_or(addr);
    rest.starts_with("127.") || rest.starts_with("localhost") || rest.starts_with("[::1]")
}

impl Rule for TcpNoTls {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut reported = false;
        for w in &spec.daemon.warnings {
            let first = w.lines().next().unwrap_or("").trim();
            let plain = w.contains("without encryption");
            let unverified = w.contains("without TLS client verification");
            if !plain && !unverified {
                continue;
            }
            let addr = warned_address(w).unwrap_or("a TCP address");
            let sev = if unverified || on_loopback(addr) {
                Severity::High
            } else {
                Severity::Critical
            };
            let why = if plain {
                "anyone who can reach it controls the daemon (root on the host)"
            } else {
                "TLS without client certificates: anyone who can reach it controls the daemon"
            };
            out.push(
                finding(
                    &META,
                    spec,
                    format!("daemon: listens on {addr}"),
                    format!("the daemon warns: \"{first}\": {why}"),
                )
                .with_severity(sev),
            );
            reported = true;
        }
        if !reported
            && let Some(dj) = spec.host.as_ref().and_then(|h| h.daemon_json.as_ref())
            && dj.tls_verify != Some(true)
        {
            for h in dj
                .hosts
                .iter()
                .filter(|h| h.trim_start().starts_with("tcp://"))
            {
                let (sev, how) = match (dj.tls, on_loopback(h)) {
                    (Some(true), _) => (Severity::High, "with TLS but without client verification"),
                    (_, true) => (Severity::High, "without TLS"),
                    _ => (Severity::Critical, "without TLS"),
                };
                out.push(
                        finding(
                            &META,
                            spec,
                            format!("host: {} hosts", dj.path),
                            format!("`{h}` in {} serves the API {how}: anyone who can reach it controls the daemon", dj.path),
                        )
                        .with_severity(sev),
                    );
                reported = true;
            }
        }
        if !reported && let Transport::Tcp { tls: false, .. } = spec.transport {
            let sev = if on_loopback(&spec.endpoint) {
                Severity::High
            } else {
                Severity::Critical
            };
            out.push(
                finding(
                    &META,
                    spec,
                    format!("daemon: {}", spec.endpoint),
                    format!(
                        "stockade reached the daemon at {} without TLS: anyone who can reach that port controls the daemon",
                        spec.endpoint
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
    use crate::host::testutil::{details, hardened, risky, run};

    #[test]
    fn daemon_warnings_win() {
        let f = run(&TcpNoTls, &risky());
        assert_eq!(
            details(&f),
            vec![(
                "daemon: listens on http://0.0.0.0:2375".to_string(),
                Severity::Critical
            )]
        );
        assert!(f[0].message.contains("without encryption"));
        let mut spec = hardened();
        spec.daemon.warnings = vec![
            "WARNING: API is accessible on https://0.0.0.0:2376 without TLS client verification."
                .into(),
            "WARNING: API is accessible on http://127.0.0.1:2375 without encryption.".into(),
            "WARNING: No swap limit support".into(),
        ];
        assert_eq!(
            details(&run(&TcpNoTls, &spec)),
            vec![
                (
                    "daemon: listens on https://0.0.0.0:2376".to_string(),
                    Severity::High
                ),
                (
                    "daemon: listens on http://127.0.0.1:2375".to_string(),
                    Severity::High
                ),
            ]
        );
    }

    #[test]
    fn daemon_json_and_transport() {
        let mut spec = risky();
        spec.daemon.warnings.clear();
        assert_eq!(
            details(&run(&TcpNoTls, &spec)),
            vec![(
                "host: /etc/docker/daemon.json hosts".to_string(),
                Severity::Critical
            )]
        );
        let dj = spec.host.as_mut().unwrap().daemon_json.as_mut().unwrap();
        dj.tls_verify = Some(true);
        // Verified TLS in daemon.json: only the plain connection is left.
        assert_eq!(
            details(&run(&TcpNoTls, &spec)),
            vec![(
                "daemon: tcp://10.0.0.5:2375".to_string(),
                Severity::Critical
            )]
        );
        spec.transport = Transport::Tcp {
            tls: true,
            verify: true,
        };
        assert!(run(&TcpNoTls, &spec).is_empty());
        assert!(run(&TcpNoTls, &hardened()).is_empty());
    }

    #[test]
    fn addresses_in_warnings() {
        assert_eq!(
            warned_address("WARNING: API is accessible on http://0.0.0.0:2375 without encryption."),
            Some("http://0.0.0.0:2375")
        );
        assert_eq!(warned_address("no address"), None);
        assert!(on_loopback("http://127.0.0.1:2375") && on_loopback("tcp://localhost:2375"));
        assert!(!on_loopback("tcp://0.0.0.0:2375"));
    }
}
