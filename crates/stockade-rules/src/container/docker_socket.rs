//! **What it finds.** A container that gets the socket of a container
//! engine from the host: the Docker socket (`/var/run/docker.sock`,
//! `/run/docker.sock`, Docker Desktop's `~/.docker/run/docker.sock`), the
//! rootless Docker socket (`/run/user/<uid>/docker.sock`,
//! `$XDG_RUNTIME_DIR/docker.sock`), containerd, CRI-O, Podman, BuildKit and
//! cri-dockerd sockets, the Windows pipe `\\.\pipe\docker_engine`, or a
//! directory that holds one of them (`/run`, `/var/run`, `/run/containerd`,
//! `/` and, with lower severity, `/var`). Paths are normalised first
//! (`//`, `/./`, `..`, trailing `/`). A bind is flagged whether or not it is
//! read-only, and whether it is written as a bind or as a named volume whose
//! driver options bind the host path. A socket of unknown origin mounted
//! where Docker clients look for the daemon (`…:/var/run/docker.sock`) is
//! reported with lower severity.
//!
//! **Why it matters.** Whoever can talk to the engine's API can start a
//! privileged container that mounts the host's `/`: access to the socket is
//! root on the host. `:ro` does not help: it only stops the container from
//! deleting or replacing the socket file, while the API behind it stays
//! fully writable.
//!
//! **How to fix.** Do not mount the socket. Tools that only read container
//! metadata (reverse proxies, dashboards) can use a filtering proxy that
//! allows only the read-only endpoints they need, reached over a private
//! network. CI jobs that build images can use rootless BuildKit or a
//! dedicated build host.
//!
//! **Bad**
//! ```yaml
//! services:
//!   proxy:
//!     image: traefik:3.1
//!     volumes:
//!       - /var/run/docker.sock:/var/run/docker.sock:ro
//! ```
//! ```sh
//! docker run -v /run:/host/run alpine:3.20
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   proxy:
//!     image: traefik:3.1
//!     environment:
//!       DOCKER_HOST: tcp://socket-proxy:2375
//!   socket-proxy:
//!     image: tecnativa/docker-socket-proxy:0.2
//!     environment:
//!       CONTAINERS: 1
//!     volumes:
//!       # stockade: ignore=SKD201 -- the proxy allows GET /containers only
//!       - /var/run/docker.sock:/var/run/docker.sock:ro
//! ```

use crate::container::support::{HostPath, finding, host_path, is_under, normalize_path};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Mount, MountKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD201",
    title: "Container engine socket mounted into the container",
    category: Category::DockerSocket,
    severity: Severity::Critical,
    aliases: &["docker_socket_mounted_in_container"],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("docker_socket.rs"),
};

/// File names of engine API sockets.
const SOCKET_NAMES: &[&str] = &[
    "docker.sock",
    "docker.sock.raw",
    "podman.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "buildkitd.sock",
    "dockershim.sock",
];

/// Where engine sockets live on a host (`$UID` stands for any user id).
const SOCKET_PATHS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
    "/run/crio/crio.sock",
    "/var/run/crio/crio.sock",
    "/run/buildkit/buildkitd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/cri-dockerd.sock",
    "/run/user/$UID/docker.sock",
    "/run/user/$UID/podman/podman.sock",
];

/// What a normalised host path exposes.
fn classify(path: &str) -> Option<(Severity, String)> {
    // Any user id under /run/user matches the `$UID` pattern.
    let generic = match path.strip_prefix("/run/user/") {
        Some(rest) => {
            let (uid, tail) = rest.split_once('/').unwrap_or((rest, ""));
            if !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit()) {
                if tail.is_empty() {
                    "/run/user/$UID".to_string()
                } else {
                    format!("/run/user/$UID/{tail}")
                }
            } else {
                path.to_string()
            }
        }
        None => path.to_string(),
    };
    let name = generic.rsplit('/').next().unwrap_or("");
    if SOCKET_NAMES.contains(&name) {
        return Some((
            Severity::Critical,
            format!("`{path}` is the socket of a container engine"),
        ));
    }
    if generic == "/var" {
        return Some((
            Severity::High,
            "`/var` holds `/var/run/docker.sock` (unless `/var/run` is a symlink to `/run`)"
                .to_string(),
        ));
    }
    let held: Vec<&str> = SOCKET_PATHS
        .iter()
        .copied()
        .filter(|s| is_under(s, &generic) && *s != generic)
        .collect();
    if let Some(first) = held.first() {
        return Some((
            Severity::Critical,
            format!("`{path}` holds the engine socket `{first}`"),
        ));
    }
    None
}

/// Where Docker clients inside a container look for the daemon.
fn is_client_socket_target(target: &str) -> bool {
    normalize_path(target)
        .is_some_and(|t| t.ends_with("/docker.sock") || t.ends_with("/podman.sock"))
}

fn check_mount(spec: &ContainerSpec, m: &Mount, out: &mut Vec<Finding>) {
    let ro = if m.read_only {
        " (read-only does not help: the API stays writable through the socket)"
    } else {
        ""
    };
    let via = if m.kind == MountKind::Volume {
        " through a volume whose driver options bind it"
    } else {
        ""
    };
    if m.kind == MountKind::Npipe {
        let src = m.source.as_ref().map(|s| s.display()).unwrap_or("");
        let lower = src.to_ascii_lowercase();
        if lower.contains("docker_engine") || lower.contains("podman") {
            out.push(finding(
                &META,
                spec,
                m.span,
                format!("the engine pipe `{src}` is mounted: the container controls the Docker daemon, which is administrator on the host"),
            ));
        }
        return;
    }
    let Some(src) = m.host_path() else {
        return;
    };
    let target = m.target.display();
    match host_path(src) {
        HostPath::Abs(p) => {
            if let Some((sev, what)) = classify(&p) {
                out.push(
                    finding(
                        &META,
                        spec,
                        m.span,
                        format!("{what}, mounted at `{target}`{via}: the container controls the engine, which is root on the host{ro}"),
                    )
                    .with_severity(sev),
                );
            } else if is_client_socket_target(target) {
                out.push(
                    finding(
                        &META,
                        spec,
                        m.span,
                        format!("`{p}` is mounted where Docker clients look for the daemon (`{target}`): if it is an engine socket, even a proxied one, the container controls the engine"),
                    )
                    .with_severity(Severity::Medium),
                );
            }
        }
        HostPath::Unknown(raw) => {
            let name = raw.rsplit('/').next().unwrap_or("");
            if SOCKET_NAMES.contains(&name) {
                out.push(finding(
                    &META,
                    spec,
                    m.span,
                    format!("`{raw}` is the socket of a container engine, mounted at `{target}`{via}: the container controls the engine, which is root on the host{ro}"),
                ));
            } else if is_client_socket_target(target) {
                out.push(
                    finding(
                        &META,
                        spec,
                        m.span,
                        format!("`{raw}` (not resolved) is mounted where Docker clients look for the daemon (`{target}`): most likely the engine socket"),
                    )
                    .with_severity(Severity::High),
                );
            }
        }
        HostPath::Relative => {
            if is_client_socket_target(target) {
                out.push(
                    finding(
                        &META,
                        spec,
                        m.span,
                        format!("`{}` is mounted where Docker clients look for the daemon (`{target}`): if it is an engine socket, the container controls the engine", src.display()),
                    )
                    .with_severity(Severity::Medium),
                );
            }
        }
    }
}

pub struct DockerSocket;

impl Rule for DockerSocket {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for m in &spec.mounts {
            check_mount(spec, m, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    fn compose_with(volumes: &str) -> String {
        format!("services:\n  app:\n    image: alpine:3.20\n    volumes:\n{volumes}")
    }

    #[test]
    fn flags_every_socket_spelling() {
        for v in [
            "/var/run/docker.sock:/var/run/docker.sock",
            "/var/run/docker.sock:/var/run/docker.sock:ro",
            "/run/docker.sock:/sock",
            "//var/run/docker.sock:/var/run/docker.sock",
            "/var/run/./docker.sock/:/x.sock",
            "/var/lib/../run/docker.sock:/d",
            "/run/containerd/containerd.sock:/c.sock",
            "/run/user/1000/docker.sock:/var/run/docker.sock",
            "/run/podman/podman.sock:/var/run/docker.sock",
            "$XDG_RUNTIME_DIR/docker.sock:/var/run/docker.sock",
            "~/.docker/run/docker.sock:/var/run/docker.sock",
            "/run:/host/run",
            "/var/run/:/host/var/run",
            "/run/containerd:/rc",
            "/:/host",
        ] {
            let text = compose_with(&format!("      - {v}\n"));
            let f = run_compose(&DockerSocket, &text);
            assert_eq!(flagged(&text, &f).len(), 1, "{v}: {f:?}");
            assert!(flagged(&text, &f)[0].contains(v), "{v}: {f:?}");
            assert_eq!(severities(&f), vec![Severity::Critical], "{v}");
        }
    }

    #[test]
    fn long_syntax_and_read_only_note() {
        let text = compose_with(
            "      - type: bind\n        source: /var/run/docker.sock\n        target: /var/run/docker.sock\n        read_only: true\n",
        );
        let f = run_compose(&DockerSocket, &text);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("read-only does not help"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn volume_with_bind_driver_options() {
        let text = "services:\n  app:\n    image: alpine:3.20\n    volumes:\n      - sock:/var/run/docker.sock\nvolumes:\n  sock:\n    driver: local\n    driver_opts:\n      type: none\n      o: bind\n      device: /var/run/docker.sock\n";
        let f = run_compose(&DockerSocket, text);
        assert_eq!(flagged(text, &f), vec!["sock:/var/run/docker.sock"]);
    }

    #[test]
    fn parent_var_is_high_and_unknown_socket_is_lower() {
        let text = compose_with("      - /var:/host/var:ro\n");
        assert_eq!(
            severities(&run_compose(&DockerSocket, &text)),
            vec![Severity::High]
        );
        let text = compose_with("      - ${SOCK}:/var/run/docker.sock\n");
        assert_eq!(
            severities(&run_compose(&DockerSocket, &text)),
            vec![Severity::High]
        );
        let text = compose_with("      - /tmp/proxy.sock:/var/run/docker.sock\n");
        assert_eq!(
            severities(&run_compose(&DockerSocket, &text)),
            vec![Severity::Medium]
        );
    }

    #[test]
    fn docker_run_flags() {
        let text = "docker run -d -v /var/run/docker.sock:/var/run/docker.sock:ro portainer/portainer-ce:2.21\n";
        let f = run_docker(&DockerSocket, text);
        assert_eq!(f.len(), 1);
        assert!(flagged(text, &f)[0].contains("/var/run/docker.sock"));
        let text =
            "docker run --mount type=bind,source=/run/docker.sock,target=/d.sock alpine:3.20\n";
        assert_eq!(run_docker(&DockerSocket, text).len(), 1);
    }

    #[test]
    fn quiet_for_ordinary_mounts() {
        for v in [
            "./data:/data",
            "data:/var/lib/data",
            "/srv/app:/app",
            "/var/lib/app:/data",
            "/run/secrets:/secrets",
            "/home/me/docker.socket.txt:/x",
            "/var/log:/var/log:ro",
            "/tmp:/tmp",
        ] {
            let text = format!(
                "services:\n  app:\n    image: alpine:3.20\n    volumes:\n      - {v}\nvolumes:\n  data: {{}}\n"
            );
            assert!(run_compose(&DockerSocket, &text).is_empty(), "{v}");
        }
        // DOCKER_HOST pointing at a socket is not a mount.
        let text = "services:\n  app:\n    image: alpine:3.20\n    environment:\n      DOCKER_HOST: unix:///var/run/docker.sock\n";
        assert!(run_compose(&DockerSocket, text).is_empty());
    }
}
