//! **What it finds.** Binds of the host's `/` and of sensitive host
//! directories, their subdirectories, and the directories above them (a
//! bind of `/var` holds `/var/lib/docker`). Named and anonymous volumes are
//! not host mounts and are not flagged, unless their driver options bind a
//! host path (`o: bind`, `device: /etc`), which is judged like a bind.
//! Relative paths (`./data`, `${PWD}/data`, `$(pwd)/data` in a script,
//! `$(CURDIR)/data` in a Makefile) belong to the project and are not judged. A source that does not resolve (`${DATA_DIR}:/data`) is
//! reported as info: it cannot be judged.
//!
//! Severities (writable / read-only; the most specific entry wins):
//!
//! | host path | writable | read-only |
//! |---|---|---|
//! | `/` | critical | high |
//! | `/etc`, `/root`, `/boot`, `/proc`, `/sys`, `/dev`, `/home`, `/Users`, a user's home directory, `/var/lib/docker`, `/var/lib/containerd`, `/var/lib/kubelet`, `/lib/modules`, `/var/run/secrets`, `/run/secrets`, `/var/spool/cron`, credential directories in a home (`~/.ssh`, `~/.aws`, `~/.kube`, `~/.docker`, `~/.gnupg`, `~/.azure`, `~/.config/gcloud`, `~/.netrc` …) | high | medium |
//! | `/etc/shadow`, `/etc/sudoers[.d]`, `/etc/ssh`, `/etc/ssl/private`, `/etc/letsencrypt`, cron, systemd, init, shell profile, `ld.so`, PAM, polkit, Docker, containerd, Kubernetes, module, sysctl, udev, package-source, AppArmor, SELinux and audit files below `/etc` | high | medium |
//! | `/usr`, `/usr/bin`, `/usr/sbin`, `/usr/lib*`, `/usr/libexec`, `/usr/local/{bin,sbin,lib}`, `/lib`, `/lib64`, `/bin`, `/sbin`, `/etc/passwd`, `/etc/group` | high | — |
//! | other directories below `/etc` (an application's host configuration, `/etc/nginx`), `/usr/src` | medium | — |
//! | `/sys/fs/cgroup` | high | low |
//! | `/var/log`, `/dev/shm`, other device nodes below `/dev` | medium | low |
//! | `/etc/hosts`, `/etc/resolv.conf`, CA certificate directories (`/etc/ssl/certs` …) | medium | — |
//! | `/etc/localtime`, `/etc/timezone`, `/usr/share/zoneinfo`, `/etc/hostname`, `/etc/machine-id`, `/etc/os-release` | low | — |
//! | `/dev/log`, `/dev/null`, `/dev/random`, `/dev/urandom` | — | — |
//!
//! Other paths in a home directory (`/home/alice/project`) and other
//! directories below `/usr` (`/usr/share/…`) are not flagged.
//! `/run` and `/var/run` are judged by the Docker-socket rule (SKD201).
//!
//! **Why it matters.** A container is one process away from the host: a
//! writable `/etc` lets it add a root user or a cron job, a writable `/usr`
//! replaces what the host runs, `/var/lib/docker` holds every container's
//! filesystem and secrets, `/proc` and `/sys` expose the kernel's settings,
//! and a home directory holds SSH keys and cloud credentials. A read-only
//! bind still discloses secrets (`/etc/shadow`, keys), so it is reported one
//! step lower, except for directories that hold only programs.
//!
//! **How to fix.** Mount only the files the service needs, read-only, from a
//! directory made for it (`./config/app.yaml:/etc/app/app.yaml:ro`). Use
//! named volumes for data. Monitoring agents that need `/proc` or `/sys`
//! should get them read-only and nothing else.
//!
//! **Bad**
//! ```yaml
//! services:
//!   agent:
//!     image: example/agent:1.4
//!     volumes:
//!       - /:/host
//!       - /etc:/host/etc
//! ```
//! ```sh
//! docker run -v ~/.ssh:/root/.ssh example/deployer:2.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   agent:
//!     image: example/agent:1.4
//!     volumes:
//!       - ./agent.yaml:/etc/agent/agent.yaml:ro
//!       - /etc/localtime:/etc/localtime:ro
//!       - agent-data:/var/lib/agent
//! volumes:
//!   agent-data: {}
//! ```

use crate::container::support::{HostPath, finding, host_path, is_under};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Mount, MountKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD203",
    title: "Sensitive host path mounted into the container",
    category: Category::HostMount,
    severity: Severity::High,
    aliases: &["volume_has_sensitive_host_directory"],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("host_mount.rs"),
};

use Severity::{Critical as C, High as H, Low as L, Medium as M};

/// `(path, writable, read-only, what it holds)`.
type Entry = (
    &'static str,
    Option<Severity>,
    Option<Severity>,
    &'static str,
);

const TABLE: &[Entry] = &[
    ("/", Some(C), Some(H), "the host's whole filesystem"),
    (
        "/etc",
        Some(H),
        Some(M),
        "the host's configuration and credentials (`/etc/shadow`, keys)",
    ),
    (
        "/etc/shadow",
        Some(H),
        Some(M),
        "the host's password hashes",
    ),
    (
        "/etc/gshadow",
        Some(H),
        Some(M),
        "the host's group password hashes",
    ),
    (
        "/etc/sudoers",
        Some(H),
        Some(M),
        "who may become root on the host",
    ),
    (
        "/etc/sudoers.d",
        Some(H),
        Some(M),
        "who may become root on the host",
    ),
    (
        "/etc/ssh",
        Some(H),
        Some(M),
        "the host's SSH server keys and configuration",
    ),
    (
        "/etc/ssl/private",
        Some(H),
        Some(M),
        "the host's TLS private keys",
    ),
    (
        "/etc/pki/tls/private",
        Some(H),
        Some(M),
        "the host's TLS private keys",
    ),
    (
        "/etc/letsencrypt",
        Some(H),
        Some(M),
        "TLS certificates and their private keys",
    ),
    ("/etc/crontab", Some(H), Some(M), "the host's cron jobs"),
    ("/etc/cron.d", Some(H), Some(M), "the host's cron jobs"),
    ("/etc/cron.hourly", Some(H), Some(M), "the host's cron jobs"),
    ("/etc/cron.daily", Some(H), Some(M), "the host's cron jobs"),
    ("/etc/cron.weekly", Some(H), Some(M), "the host's cron jobs"),
    (
        "/etc/cron.monthly",
        Some(H),
        Some(M),
        "the host's cron jobs",
    ),
    ("/etc/systemd", Some(H), Some(M), "the host's services"),
    ("/etc/init.d", Some(H), Some(M), "the host's services"),
    (
        "/etc/rc.local",
        Some(H),
        Some(M),
        "what the host runs at boot",
    ),
    (
        "/etc/profile",
        Some(H),
        Some(M),
        "what every login shell on the host runs",
    ),
    (
        "/etc/profile.d",
        Some(H),
        Some(M),
        "what every login shell on the host runs",
    ),
    (
        "/etc/bash.bashrc",
        Some(H),
        Some(M),
        "what every shell on the host runs",
    ),
    (
        "/etc/environment",
        Some(H),
        Some(M),
        "the host's default environment",
    ),
    (
        "/etc/ld.so.preload",
        Some(H),
        Some(M),
        "libraries the host loads into every program",
    ),
    (
        "/etc/ld.so.conf",
        Some(H),
        Some(M),
        "where the host loads libraries from",
    ),
    (
        "/etc/ld.so.conf.d",
        Some(H),
        Some(M),
        "where the host loads libraries from",
    ),
    (
        "/etc/pam.d",
        Some(H),
        Some(M),
        "how the host authenticates users",
    ),
    (
        "/etc/security",
        Some(H),
        Some(M),
        "how the host authenticates users",
    ),
    (
        "/etc/polkit-1",
        Some(H),
        Some(M),
        "who may act as root on the host",
    ),
    (
        "/etc/docker",
        Some(H),
        Some(M),
        "the Docker daemon's configuration and TLS keys",
    ),
    (
        "/etc/containerd",
        Some(H),
        Some(M),
        "containerd's configuration",
    ),
    (
        "/etc/kubernetes",
        Some(H),
        Some(M),
        "the cluster's configuration and credentials",
    ),
    (
        "/etc/rancher",
        Some(H),
        Some(M),
        "the cluster's configuration and credentials",
    ),
    (
        "/etc/modprobe.d",
        Some(H),
        Some(M),
        "how the host loads kernel modules",
    ),
    (
        "/etc/modules-load.d",
        Some(H),
        Some(M),
        "which kernel modules the host loads",
    ),
    (
        "/etc/sysctl.conf",
        Some(H),
        Some(M),
        "the host's kernel settings",
    ),
    (
        "/etc/sysctl.d",
        Some(H),
        Some(M),
        "the host's kernel settings",
    ),
    (
        "/etc/udev",
        Some(H),
        Some(M),
        "what the host runs when devices appear",
    ),
    (
        "/etc/apt",
        Some(H),
        Some(M),
        "where the host installs software from",
    ),
    (
        "/etc/yum.repos.d",
        Some(H),
        Some(M),
        "where the host installs software from",
    ),
    (
        "/etc/apparmor.d",
        Some(H),
        Some(M),
        "the host's AppArmor profiles",
    ),
    (
        "/etc/selinux",
        Some(H),
        Some(M),
        "the host's SELinux policy",
    ),
    ("/etc/audit", Some(H), Some(M), "the host's audit rules"),
    ("/etc/passwd", Some(H), None, "the host's user accounts"),
    ("/etc/group", Some(H), None, "the host's groups"),
    ("/etc/hosts", Some(M), None, "the host's name resolution"),
    ("/etc/resolv.conf", Some(M), None, "the host's DNS settings"),
    (
        "/etc/ssl/certs",
        Some(M),
        None,
        "the host's trusted CA certificates",
    ),
    (
        "/etc/ca-certificates",
        Some(M),
        None,
        "the host's trusted CA certificates",
    ),
    (
        "/etc/pki/ca-trust",
        Some(M),
        None,
        "the host's trusted CA certificates",
    ),
    (
        "/etc/pki/tls/certs",
        Some(M),
        None,
        "the host's trusted CA certificates",
    ),
    ("/etc/localtime", Some(L), None, "the host's time zone"),
    ("/etc/timezone", Some(L), None, "the host's time zone"),
    ("/etc/hostname", Some(L), None, "the host's name"),
    ("/etc/machine-id", Some(L), None, "the host's machine id"),
    ("/etc/os-release", Some(L), None, "the host's OS release"),
    (
        "/usr/lib/os-release",
        Some(L),
        None,
        "the host's OS release",
    ),
    (
        "/usr/share/zoneinfo",
        Some(L),
        None,
        "the host's time zones",
    ),
    (
        "/root",
        Some(H),
        Some(M),
        "root's home directory (SSH keys, credentials)",
    ),
    ("/home", Some(H), Some(M), "the users' home directories"),
    ("/Users", Some(H), Some(M), "the users' home directories"),
    (
        "/boot",
        Some(H),
        Some(M),
        "the host's kernel and boot loader",
    ),
    (
        "/proc",
        Some(H),
        Some(M),
        "the host's processes and kernel settings",
    ),
    (
        "/sys",
        Some(H),
        Some(M),
        "the host's kernel and device settings",
    ),
    (
        "/sys/fs/cgroup",
        Some(H),
        Some(L),
        "the host's cgroup settings",
    ),
    ("/dev", Some(H), Some(M), "the host's devices"),
    ("/dev/shm", Some(M), Some(L), "the host's shared memory"),
    ("/dev/log", None, None, ""),
    ("/dev/null", None, None, ""),
    ("/dev/random", None, None, ""),
    ("/dev/urandom", None, None, ""),
    (
        "/var/lib/docker",
        Some(H),
        Some(M),
        "Docker's data: every container's filesystem and configuration, secrets included",
    ),
    (
        "/var/lib/containerd",
        Some(H),
        Some(M),
        "containerd's data: every container's filesystem",
    ),
    (
        "/var/lib/kubelet",
        Some(H),
        Some(M),
        "the kubelet's data: pod volumes and service-account tokens",
    ),
    ("/var/run/secrets", Some(H), Some(M), "mounted secrets"),
    ("/run/secrets", Some(H), Some(M), "mounted secrets"),
    ("/var/spool/cron", Some(H), Some(M), "the host's cron jobs"),
    ("/var/log", Some(M), Some(L), "the host's logs"),
    (
        "/lib/modules",
        Some(H),
        Some(M),
        "the host's kernel modules",
    ),
    (
        "/usr/lib/modules",
        Some(H),
        Some(M),
        "the host's kernel modules",
    ),
    ("/usr", Some(H), None, "the host's programs and libraries"),
    ("/usr/bin", Some(H), None, "the host's programs"),
    ("/usr/sbin", Some(H), None, "the host's programs"),
    ("/usr/lib", Some(H), None, "the host's libraries"),
    ("/usr/lib32", Some(H), None, "the host's libraries"),
    ("/usr/lib64", Some(H), None, "the host's libraries"),
    ("/usr/libexec", Some(H), None, "the host's programs"),
    ("/usr/local/bin", Some(H), None, "the host's programs"),
    ("/usr/local/sbin", Some(H), None, "the host's programs"),
    ("/usr/local/lib", Some(H), None, "the host's libraries"),
    (
        "/usr/src",
        Some(M),
        None,
        "kernel sources and headers the host builds modules from",
    ),
    ("/lib", Some(H), None, "the host's libraries"),
    ("/lib64", Some(H), None, "the host's libraries"),
    ("/bin", Some(H), None, "the host's programs"),
    ("/sbin", Some(H), None, "the host's programs"),
];

/// Credential files and directories inside a home directory.
const HOME_SECRETS: &[&str] = &[
    ".ssh",
    ".aws",
    ".kube",
    ".docker",
    ".gnupg",
    ".azure",
    ".config/gcloud",
    ".config/gh",
    ".password-store",
    ".netrc",
    ".git-credentials",
    ".vault-token",
    ".npmrc",
    ".pypirc",
    ".terraform.d",
];

/// `(writable, read-only, what)` for a normalised host path.
fn classify(path: &str) -> Option<(Option<Severity>, Option<Severity>, String)> {
    // A user's home: `~`, `~alice`, `/home/alice`, `/Users/alice`.
    let in_home = if let Some(rest) = path.strip_prefix('~') {
        Some(rest.split_once('/').map(|(_, r)| r).unwrap_or(""))
    } else {
        ["/home/", "/Users/"].iter().find_map(|base| {
            let rest = path.strip_prefix(base)?;
            Some(rest.split_once('/').map(|(_, r)| r).unwrap_or(""))
        })
    };
    if let Some(rest) = in_home {
        if rest.is_empty() {
            return Some((
                Some(H),
                Some(M),
                "a user's home directory (SSH keys, credentials)".into(),
            ));
        }
        if let Some(s) = HOME_SECRETS.iter().find(|s| is_under(rest, s)) {
            return Some((
                Some(H),
                Some(M),
                format!("credentials (`{s}` in a home directory)"),
            ));
        }
        return None;
    }
    // The most specific entry that contains the path.
    if let Some(&(base, rw, ro, what)) = TABLE
        .iter()
        .filter(|(base, ..)| is_under(path, base))
        .max_by_key(|(base, ..)| base.len())
        && (base != "/" || path == "/")
    {
        if path != base {
            // Below a directory listed only for itself.
            match base {
                "/dev" => return Some((Some(M), Some(L), "a host device node".into())),
                "/etc" => {
                    return Some((Some(M), None, "a host configuration directory".into()));
                }
                "/usr" => return None,
                _ => {}
            }
        }
        return Some((rw, ro, what.to_string()));
    }
    // Directories above sensitive ones (`/var`, `/var/lib`). `/run` and
    // `/var/run` are the Docker-socket rule's.
    let mut worst: Option<(Option<Severity>, Option<Severity>, &str)> = None;
    for &(base, rw, ro, _) in TABLE {
        if base != path
            && is_under(base, path)
            && !is_under(base, "/run")
            && !is_under(base, "/var/run")
        {
            let w = worst.get_or_insert((None, None, base));
            if rw > w.0 {
                *w = (rw, w.1, base);
            }
            if ro > w.1 {
                w.1 = ro;
            }
        }
    }
    worst.map(|(rw, ro, base)| (rw, ro, format!("it holds `{base}`")))
}

fn check_mount(spec: &ContainerSpec, m: &Mount, out: &mut Vec<Finding>) {
    let Some(src) = m.host_path() else {
        return;
    };
    let target = m.target.display();
    let via = if m.kind == MountKind::Volume {
        " through a volume whose driver options bind it"
    } else {
        ""
    };
    match host_path(src) {
        HostPath::Relative => {}
        HostPath::Unknown(raw) => out.push(
            finding(
                &META,
                spec,
                m.span,
                format!("cannot tell which host path `{raw}` is (it did not resolve); make sure it is not a system directory"),
            )
            .with_severity(Severity::Info),
        ),
        HostPath::Abs(p) => {
            let Some((rw, ro, what)) = classify(&p) else {
                return;
            };
            let sev = if m.read_only { ro } else { rw };
            let Some(sev) = sev else {
                return;
            };
            let mode = if m.read_only { "read-only" } else { "writable" };
            out.push(
                finding(
                    &META,
                    spec,
                    m.span,
                    format!("host path `{p}` is mounted {mode} at `{target}`{via}: {what}"),
                )
                .with_severity(sev),
            );
        }
    }
}

pub struct HostMount;

impl Rule for HostMount {
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

    fn one(v: &str) -> Vec<Finding> {
        let text = format!(
            "services:\n  app:\n    image: alpine:3.20\n    volumes:\n      - {v}\nvolumes:\n  data: {{}}\n"
        );
        let f = run_compose(&HostMount, &text);
        for s in flagged(&text, &f) {
            assert!(s.contains(v), "{v} flagged {s}");
        }
        f
    }

    #[test]
    fn grades_sensitive_paths() {
        for (v, sev) in [
            ("/:/host", C),
            ("/:/rootfs:ro", H),
            ("/etc:/host/etc", H),
            ("/etc/:/host/etc:ro", M),
            ("/etc/kubernetes:/k", H),
            ("/etc/ssh:/etc/ssh:ro", M),
            ("/etc/pihole/:/etc/pihole/", M),
            ("/usr/lib:/host/lib", H),
            ("/usr/src:/usr/src", M),
            ("/root/.ssh:/ssh:ro", M),
            ("/home:/home", H),
            ("/home/alice:/me", H),
            ("/home/alice/.aws:/root/.aws:ro", M),
            ("~/.ssh:/root/.ssh", H),
            ("~/.kube/config:/kube/config:ro", M),
            ("/proc:/host/proc:ro", M),
            ("/sys:/host/sys", H),
            ("/var/lib/docker:/var/lib/docker", H),
            ("/var/lib/docker/containers:/logs:ro", M),
            ("/var:/host/var", H),
            ("/var/lib:/host/var/lib:ro", M),
            ("/usr:/host/usr", H),
            ("/var/log:/var/log", M),
            ("/var/log:/var/log:ro", L),
            ("/sys/fs/cgroup:/sys/fs/cgroup:ro", L),
            ("/dev:/dev", H),
            ("/dev/bus/usb:/dev/bus/usb", M),
            ("/lib/modules:/lib/modules:ro", M),
            ("/etc/localtime:/etc/localtime", L),
            ("/srv/../etc:/x", H),
        ] {
            let f = one(v);
            assert_eq!(severities(&f), vec![sev], "{v}: {f:?}");
        }
    }

    #[test]
    fn quiet_for_harmless_binds_and_volumes() {
        for v in [
            "./data:/data",
            "../shared:/shared",
            "data:/var/lib/postgresql/data",
            "/var/lib/backup/data",
            "/srv/app:/app",
            "/opt/app/config:/config:ro",
            "/home/alice/projects/site:/usr/share/nginx/html:ro",
            "/etc/localtime:/etc/localtime:ro",
            "/etc/timezone:/etc/timezone:ro",
            "/usr/share/zoneinfo:/usr/share/zoneinfo:ro",
            "/etc/ssl/certs:/etc/ssl/certs:ro",
            "/usr:/host/usr:ro",
            "/usr/share/appdata/wireguard/config:/config",
            "/etc/nginx/conf.d:/etc/nginx/conf.d:ro",
            "/dev/log:/dev/log",
            "/run:/host/run",
            "/var/run:/var/run",
            "/tmp:/tmp",
        ] {
            assert!(one(v).is_empty(), "{v}");
        }
    }

    #[test]
    fn unresolved_source_is_info() {
        let f = one("${DATA_DIR}:/data");
        assert_eq!(severities(&f), vec![Severity::Info]);
        // A well-known variable at the start is read.
        assert_eq!(severities(&one("${HOME}/.ssh:/root/.ssh:ro")), vec![M]);
        assert!(one("${PWD}/data:/data").is_empty());
        // `$(pwd)` in a script is the working directory, like `$PWD`.
        let text = "docker run -v \"$(pwd)/models:/models\" -v `pwd`:/src alpine:3.20\n";
        assert!(run_docker(&HostMount, text).is_empty());
    }

    #[test]
    fn long_syntax_and_volume_driver_options() {
        let text = "services:\n  app:\n    image: alpine:3.20\n    volumes:\n      - type: bind\n        source: /etc\n        target: /host/etc\n        read_only: true\n";
        assert_eq!(severities(&run_compose(&HostMount, text)), vec![M]);
        let text = "services:\n  app:\n    image: alpine:3.20\n    volumes:\n      - hostetc:/host/etc\nvolumes:\n  hostetc:\n    driver_opts:\n      type: none\n      o: bind\n      device: /etc\n";
        let f = run_compose(&HostMount, text);
        assert_eq!(flagged(text, &f), vec!["hostetc:/host/etc"]);
        assert_eq!(severities(&f), vec![H]);
    }

    #[test]
    fn docker_run_binds() {
        let text = "docker run -v /:/host:ro --rm alpine:3.20 ls /host\n";
        let f = run_docker(&HostMount, text);
        assert_eq!(severities(&f), vec![H]);
        assert!(flagged(text, &f)[0].contains("/:/host:ro"));
        let text = "docker run --mount type=bind,src=/etc,dst=/e alpine:3.20\n";
        assert_eq!(severities(&run_docker(&HostMount, text)), vec![H]);
        let text = "docker run -v appdata:/data alpine:3.20\n";
        assert!(run_docker(&HostMount, text).is_empty());
    }
}
