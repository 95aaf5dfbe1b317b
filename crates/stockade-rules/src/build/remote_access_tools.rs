//! **What it finds.** Remote-access and privilege-escalation tools
//! installed into the final image (its stage and the stages it is built
//! `FROM`) with apt, apk, yum/dnf/microdnf/tdnf or zypper: SSH servers
//! (`openssh-server`, the `ssh` meta-package, Alpine's `openssh`,
//! `dropbear`, `tinysshd`), telnet and rsh servers, VNC and RDP servers
//! (`x11vnc`, `tigervnc-server`, `xrdp`…) are high; `sudo`/`doas`, FTP and
//! TFTP servers and `xinetd` are medium. Builder stages are not judged:
//! what they install is not shipped.
//!
//! **Why it matters.** A container should run one process, reached through
//! the port it serves. A login daemon adds a second way in, with its own
//! credentials and vulnerabilities to manage; `sudo`/`doas` turn any code
//! running as the non-root user back into root. Debugging belongs to
//! `docker exec` / `kubectl exec` (or `kubectl debug`), which need
//! nothing inside the image.
//!
//! **How to fix.** Remove the package. Use `docker exec` for shell access,
//! and do privileged set-up at build time before `USER`.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && apt-get install -y --no-install-recommends openssh-server sudo \
//!  && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
//!  && rm -rf /var/lib/apt/lists/*
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{PkgManager, parse_pkg, stage_runs};
use crate::util::stages::final_chain;
use std::collections::HashSet;
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD130",
    title: "Remote-access or privilege-escalation tool installed",
    category: Category::AttackSurface,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("remote_access_tools.rs"),
};

pub struct RemoteAccessTools;

/// Package names, what they are, and how bad.
const PACKAGES: &[(&str, &str, Severity)] = &[
    ("openssh-server", "an SSH server", Severity::High),
    ("openssh-server-pam", "an SSH server", Severity::High),
    (
        "ssh",
        "an SSH server (the `ssh` meta-package)",
        Severity::High,
    ),
    ("dropbear", "an SSH server", Severity::High),
    ("dropbear-bin", "an SSH server", Severity::High),
    ("dropbear-run", "an SSH server", Severity::High),
    ("tinysshd", "an SSH server", Severity::High),
    ("telnetd", "a telnet server", Severity::High),
    ("inetutils-telnetd", "a telnet server", Severity::High),
    ("telnetd-ssl", "a telnet server", Severity::High),
    ("telnet-server", "a telnet server", Severity::High),
    ("rsh-server", "an rsh server", Severity::High),
    ("rsh-redone-server", "an rsh server", Severity::High),
    ("x11vnc", "a VNC server", Severity::High),
    ("tightvncserver", "a VNC server", Severity::High),
    ("tigervnc-server", "a VNC server", Severity::High),
    ("tigervnc-standalone-server", "a VNC server", Severity::High),
    ("vnc4server", "a VNC server", Severity::High),
    ("xrdp", "an RDP server", Severity::High),
    ("sudo", "sudo", Severity::Medium),
    ("doas", "doas", Severity::Medium),
    ("opendoas", "doas", Severity::Medium),
    ("vsftpd", "an FTP server", Severity::Medium),
    ("proftpd", "an FTP server", Severity::Medium),
    ("proftpd-basic", "an FTP server", Severity::Medium),
    ("proftpd-core", "an FTP server", Severity::Medium),
    ("pure-ftpd", "an FTP server", Severity::Medium),
    ("tftpd", "a TFTP server", Severity::Medium),
    ("tftpd-hpa", "a TFTP server", Severity::Medium),
    ("tftp-server", "a TFTP server", Severity::Medium),
    ("xinetd", "the xinetd super-server", Severity::Medium),
    ("openbsd-inetd", "an inetd super-server", Severity::Medium),
    ("inetutils-inetd", "an inetd super-server", Severity::Medium),
];

/// Looks a package name up; `openssh` counts only on Alpine, where it
/// pulls in the server. RPM names may carry a version (`sudo-1.9.5p2`).
pub fn lookup(manager: PkgManager, name: &str) -> Option<(&'static str, Severity)> {
    if manager == PkgManager::Apk && name == "openssh" {
        return Some(("an SSH server (Alpine's `openssh`)", Severity::High));
    }
    PACKAGES.iter().find_map(|(p, what, sev)| {
        let versioned = manager.is_rpm()
            && name
                .strip_prefix(p)
                .and_then(|r| r.strip_prefix('-'))
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
        (name == *p || versioned).then_some((*what, *sev))
    })
}

impl Rule for RemoteAccessTools {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen = HashSet::new();
        for stage in final_chain(spec) {
            for rs in stage_runs(stage) {
                for rc in rs.commands() {
                    let Some(p) = parse_pkg(rc.cmd) else { continue };
                    if !p.manager.is_os() || !p.is_install() {
                        continue;
                    }
                    for (name, word) in p.packages() {
                        if let Some((what, sev)) = lookup(p.manager, &name)
                            && seen.insert(word.span)
                        {
                            out.push(
                                    META.finding(
                                        word.span,
                                        stage.label(),
                                        format!("`{name}` installs {what} into the image: a way in (or up to root) that a container does not need"),
                                    )
                                    .with_severity(sev),
                                );
                        }
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
    fn flags_packages() {
        let text = "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    curl openssh-server=1:9.2p1-2 sudo\n";
        let f = run_build(&RemoteAccessTools, text);
        assert_eq!(flagged(text, &f), vec!["openssh-server=1:9.2p1-2", "sudo"]);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[1].severity, Severity::Medium);
        for (text, want) in [
            (
                "FROM alpine:3.22\nRUN apk add --no-cache openssh\n",
                "openssh",
            ),
            ("FROM alpine:3.22\nRUN apk add --no-cache doas\n", "doas"),
            (
                "FROM fedora:41\nRUN dnf install -y telnet-server && dnf clean all\n",
                "telnet-server",
            ),
            (
                "FROM centos:7\nRUN yum install -y sudo-1.8.23 && yum clean all\n",
                "sudo-1.8.23",
            ),
            ("FROM opensuse/leap:15\nRUN zypper -n in xrdp\n", "xrdp"),
            (
                "FROM debian:12 AS base\nRUN apt-get install -y ssh\nFROM base\n",
                "ssh",
            ),
            (
                "FROM debian:12\nRUN <<EOF\napt-get install -y x11vnc\nEOF\n",
                "x11vnc",
            ),
        ] {
            assert_eq!(
                flagged(text, &run_build(&RemoteAccessTools, text)),
                vec![want],
                "{text}"
            );
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN apt-get install -y openssh-client curl\n",
            "FROM fedora:41\nRUN dnf install -y openssh\n",
            "FROM debian:12\nRUN apt-get remove -y openssh-server\n",
            "FROM debian:12 AS b\nRUN apt-get install -y sudo\nFROM debian:12\nCOPY --from=b /a /a\n",
            "FROM python:3.13\nRUN pip install sudo\n",
            "FROM debian:12\nRUN apt-get install -y sudoku telnet\n",
        ] {
            assert!(run_build(&RemoteAccessTools, text).is_empty(), "{text}");
        }
    }
}
