//! **What it finds.** A container whose environment points Docker clients at
//! a daemon over plain TCP: `DOCKER_HOST=tcp://…` on port 2375 (the
//! plain-text port), or on any port without `DOCKER_TLS_VERIFY` (or
//! `DOCKER_TLS`) set to a non-empty value.
//!
//! **Why it matters.** The Docker API over TCP without TLS has no
//! authentication and no encryption: everything that can reach that address
//! (every container on the network, often the whole LAN) can start a
//! privileged container on the daemon's host, and anyone on the path can
//! read or change the traffic. The variable shows that such an endpoint
//! exists and that this container depends on it.
//!
//! **How to fix.** Serve the API with TLS and client certificates
//! (`--tlsverify` on port 2376), give the client `DOCKER_TLS_VERIFY=1` and
//! `DOCKER_CERT_PATH`, or use SSH (`DOCKER_HOST=ssh://user@host`). For
//! Docker-in-Docker, keep the image's default `DOCKER_TLS_CERTDIR`.
//!
//! **Bad**
//! ```yaml
//! services:
//!   ci:
//!     image: docker:27-cli
//!     environment:
//!       DOCKER_HOST: tcp://docker:2375
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   ci:
//!     image: docker:27-cli
//!     environment:
//!       DOCKER_HOST: tcp://docker:2376
//!       DOCKER_TLS_VERIFY: "1"
//!       DOCKER_CERT_PATH: /certs/client
//! ```

use crate::container::support::{env_state, finding};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD202",
    title: "DOCKER_HOST points at a daemon over TCP without TLS",
    category: Category::DockerSocket,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("docker_host_tcp.rs"),
};

fn is_tcp(addr: &str) -> bool {
    addr.get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("tcp://"))
}

/// The port of a `tcp://host:port[/path]` address, when written.
fn tcp_port(addr: &str) -> Option<u16> {
    let rest = addr.get(6..)?;
    let hostport = rest.split('/').next().unwrap_or("");
    let (_, port) = hostport.rsplit_once(':')?;
    port.parse().ok()
}

pub struct DockerHostTcp;

impl Rule for DockerHostTcp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        // The daemon the `docker` command itself talks to (`-H`, or a
        // `DOCKER_HOST` assignment in the script). Its TLS flags are not in
        // the model, so only the plain-text port is judged.
        if let Some(h) = &spec.docker_host
            && let Some(addr) = h.value.known().map(str::trim)
            && is_tcp(addr)
            && tcp_port(addr) == Some(2375)
        {
            out.push(finding(
                        &META,
                        spec,
                        h.span,
                        format!("the `docker` command talks to the daemon at `{addr}`, the Docker API's plain-text port: no TLS, no authentication"),
                    ));
        }
        let Some(var) = spec.env_var("DOCKER_HOST") else {
            return;
        };
        let Some(value) = var.value.as_ref().and_then(|v| v.value.known()) else {
            return;
        };
        let addr = value.trim();
        if !is_tcp(addr) {
            return;
        }
        let port = tcp_port(addr);
        let tls = env_state(spec, "DOCKER_TLS_VERIFY").maybe_non_empty()
            || env_state(spec, "DOCKER_TLS").maybe_non_empty();
        let msg = if port == Some(2375) {
            format!(
                "`DOCKER_HOST={addr}` uses the Docker API's plain-text port: no TLS, no authentication"
            )
        } else if !tls {
            format!(
                "`DOCKER_HOST={addr}` without `DOCKER_TLS_VERIFY`: the client talks to the daemon without TLS"
            )
        } else {
            return;
        };
        out.push(finding(&META, spec, var.span, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_plain_tcp() {
        let text = "services:\n  ci:\n    image: docker:27-cli\n    environment:\n      DOCKER_HOST: tcp://docker:2375\n";
        let f = run_compose(&DockerHostTcp, text);
        assert_eq!(flagged(text, &f).len(), 1);
        assert!(flagged(text, &f)[0].contains("DOCKER_HOST"));
        let text = "services:\n  ci:\n    image: docker:27-cli\n    environment:\n      - DOCKER_HOST=tcp://10.0.0.5:2376\n";
        assert_eq!(run_compose(&DockerHostTcp, text).len(), 1);
        // Port 2375 is plain text even with the TLS variable.
        let text = "services:\n  ci:\n    image: docker:27-cli\n    environment:\n      DOCKER_HOST: TCP://docker:2375\n      DOCKER_TLS_VERIFY: '1'\n";
        assert_eq!(run_compose(&DockerHostTcp, text).len(), 1);
        let text = "docker run -e DOCKER_HOST=tcp://172.17.0.1:2375 docker:27-cli docker ps\n";
        assert_eq!(run_docker(&DockerHostTcp, text).len(), 1);
    }

    #[test]
    fn quiet_with_tls_ssh_or_unix() {
        for env in [
            "DOCKER_HOST: tcp://docker:2376\n      DOCKER_TLS_VERIFY: '1'",
            "DOCKER_HOST: ssh://ci@build-host",
            "DOCKER_HOST: unix:///var/run/docker.sock",
            "DOCKER_HOST: ${DOCKER_HOST}",
            "OTHER: tcp://x:2375",
        ] {
            let text = format!(
                "services:\n  ci:\n    image: docker:27-cli\n    environment:\n      {env}\n"
            );
            assert!(run_compose(&DockerHostTcp, &text).is_empty(), "{env}");
        }
    }

    #[test]
    fn docker_command_host() {
        let text = "docker -H tcp://10.0.0.5:2375 run alpine:3.20\n";
        let f = run_docker(&DockerHostTcp, text);
        assert_eq!(flagged(text, &f), vec!["-H tcp://10.0.0.5:2375"]);
        let text = "docker -H tcp://10.0.0.5:2376 --tlsverify run alpine:3.20\n";
        assert!(run_docker(&DockerHostTcp, text).is_empty());
    }

    #[test]
    fn port_parsing() {
        assert_eq!(tcp_port("tcp://a:2375"), Some(2375));
        assert_eq!(tcp_port("tcp://a:2376/x"), Some(2376));
        assert_eq!(tcp_port("tcp://a"), None);
        assert_eq!(tcp_port("tcp://[::1]:2375"), Some(2375));
    }
}
