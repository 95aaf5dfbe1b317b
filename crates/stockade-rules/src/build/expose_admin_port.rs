//! **What it finds.** `EXPOSE` in the final image's stages of a
//! remote-administration port: 22 (SSH), 23 (telnet), 2375 (the Docker API
//! without TLS: high), 2376 (the Docker API), 3389 (RDP), 5900 (VNC), 5985
//! and 5986 (WinRM); also `22/tcp`, port ranges that include one of them,
//! and values that resolve to one through `ARG`/`ENV`. Ordinary
//! application ports are not findings, nor are builder stages' `EXPOSE`s.
//!
//! **Why it matters.** These ports are how an attacker would control the
//! host or the container: an exposed one means the image runs (or expects)
//! a login or management service, and `docker run -P` or an orchestrator
//! publishes it. An unauthenticated Docker API on 2375 is root on the host
//! for anyone who reaches it.
//!
//! **How to fix.** Do not run management services in application images;
//! use `docker exec`/`kubectl exec` for access. If the image really is a
//! bastion or a Docker-in-Docker daemon, serve the API with TLS on 2376 and
//! keep the port off public networks.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! EXPOSE 22 8080
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! EXPOSE 8080
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::stages::final_chain;
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD140",
    title: "Remote-administration port exposed",
    category: Category::Ports,
    severity: Severity::Medium,
    aliases: &[
        "DS-0004",
        "DS004",
        "AVD-DS-0004",
        "CKV_DOCKER_1",
        "exposing_port_22",
    ],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("expose_admin_port.rs"),
};

pub struct ExposeAdminPort;

/// Remote-administration ports, what they are, and how bad.
pub const ADMIN_PORTS: &[(u32, &str, Severity)] = &[
    (22, "SSH", Severity::Medium),
    (23, "telnet", Severity::Medium),
    (2375, "the Docker API without TLS", Severity::High),
    (2376, "the Docker API", Severity::Medium),
    (3389, "RDP", Severity::Medium),
    (5900, "VNC", Severity::Medium),
    (5985, "WinRM over HTTP", Severity::Medium),
    (5986, "WinRM over HTTPS", Severity::Medium),
];

/// A parsed `EXPOSE` value: `port[-port][/proto]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub start: u32,
    pub end: u32,
    pub proto: String,
}

/// Parses one `EXPOSE` token; the error says what is wrong.
pub fn parse_port(token: &str) -> Result<PortSpec, String> {
    let (ports, proto) = match token.split_once('/') {
        Some((p, proto)) => (p, proto.to_ascii_lowercase()),
        None => (token, "tcp".to_string()),
    };
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("`{proto}` is not a protocol (tcp, udp or sctp)"));
    }
    let num = |s: &str| -> Result<u32, String> {
        if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{s}` is not a port number"));
        }
        let n: u64 = s
            .parse()
            .map_err(|_| format!("`{s}` is not a port number"))?;
        if n == 0 || n > 65535 {
            return Err(format!("{n} is outside 1-65535"));
        }
        Ok(n as u32)
    };
    let (start, end) = match ports.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let n = num(ports)?;
            (n, n)
        }
    };
    if start > end {
        return Err(format!("the range {start}-{end} is backwards"));
    }
    Ok(PortSpec { start, end, proto })
}

impl Rule for ExposeAdminPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in final_chain(spec) {
            for instr in &stage.instructions {
                let InstrKind::Expose(values) = &instr.kind else {
                    continue;
                };
                for v in values {
                    let Some(text) = v.value.known() else {
                        continue;
                    };
                    for token in text.split_whitespace() {
                        let Ok(p) = parse_port(token) else { continue };
                        let hits: Vec<&(u32, &str, Severity)> = ADMIN_PORTS
                            .iter()
                            .filter(|(port, _, _)| p.start <= *port && *port <= p.end)
                            .collect();
                        if hits.is_empty() {
                            continue;
                        }
                        let sev = hits.iter().map(|h| h.2).max().unwrap_or(Severity::Medium);
                        let names: Vec<String> =
                            hits.iter().map(|(n, w, _)| format!("{n} ({w})")).collect();
                        let resolved = if text != v.value.raw {
                            format!(" (`{}` resolves to `{text}`)", v.value.raw)
                        } else {
                            String::new()
                        };
                        out.push(
                            META.finding(
                                v.span,
                                stage.label(),
                                format!(
                                    "`EXPOSE {token}`{resolved} exposes the remote-administration port {}",
                                    names.join(", ")
                                ),
                            )
                            .with_severity(sev),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    #[test]
    fn flags_admin_ports() {
        let text = "FROM debian:12\nEXPOSE 80 22 2375/tcp 5900-5901\n";
        let f = run_build(&ExposeAdminPort, text);
        assert_eq!(flagged(text, &f), vec!["22", "2375/tcp", "5900-5901"]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::High);
        let text = "FROM debian:12\nARG SSH_PORT=22\nEXPOSE ${SSH_PORT}\n";
        assert_eq!(
            flagged(text, &run_build(&ExposeAdminPort, text)),
            vec!["${SSH_PORT}"]
        );
        let text = "FROM debian:12\nEXPOSE 1-65535/udp\n";
        let f = run_build(&ExposeAdminPort, text);
        assert_eq!(flagged(text, &f), vec!["1-65535/udp"]);
        assert_eq!(f[0].severity, Severity::High);
        let text = "FROM debian:12 AS base\nEXPOSE 3389\nFROM base\n";
        assert_eq!(run_build(&ExposeAdminPort, text).len(), 1);
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nEXPOSE 80 443 8080/tcp 53/udp\n",
            "FROM debian:12\nARG P\nEXPOSE $P\n",
            "FROM debian:12 AS b\nEXPOSE 22\nFROM debian:12\nCOPY --from=b /a /a\n",
            "FROM debian:12\nEXPOSE 2222 8022\n",
        ] {
            assert!(run_build(&ExposeAdminPort, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn parses_ports() {
        assert_eq!(parse_port("80").unwrap().proto, "tcp");
        assert_eq!(parse_port("53/UDP").unwrap().proto, "udp");
        assert!(parse_port("0").is_err());
        assert!(parse_port("65536").is_err());
        assert!(parse_port("80/http").is_err());
        assert!(parse_port("90-80").is_err());
        assert!(parse_port("8080:80").is_err());
        assert!(parse_port("abc").is_err());
    }
}
