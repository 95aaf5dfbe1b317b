//! **What it finds.** Remote-access servers and privilege-escalation tools
//! in a built image: installed OS packages from the same list the
//! Dockerfile rule SKD130 uses (SSH, telnet, rsh, VNC and RDP servers are
//! high; `sudo`, `doas`, FTP and TFTP servers and inetd are medium), and
//! the programs themselves (`sshd`, `dropbear`, `telnetd`, `sudo`, `doas`
//! in a `bin` directory) when no package database explains them. A sudoers
//! rule with `NOPASSWD` in an image that has `sudo` is high: any process of
//! that user becomes root without a password.
//!
//! **Why it matters.** A container should run one service. An SSH or
//! telnet server is a second way in, with its own credentials and
//! vulnerabilities, that bypasses `docker exec` and its audit trail.
//! `sudo` and `doas` exist to turn a user into root: in a container they
//! undo the point of running as an unprivileged user.
//!
//! **How to fix.** Remove the packages (and the build steps that install
//! them). Use `docker exec` or `kubectl exec` to get into a container, and
//! run the image as the user it needs instead of escalating inside it.
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
//! USER 65534
//! ```

use super::{file_finding, finding};
use crate::build::remote_access_tools::lookup;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::PkgManager;
use std::collections::HashSet;
use stockade_core::{Category, Finding, ImageSpec, NotableKind, PackageManager, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD305",
    title: "Remote-access or privilege-escalation tool in the image",
    category: Category::AttackSurface,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("remote_access.rs"),
};

pub struct RemoteAccess;

/// The family a description or a program belongs to, so a program is not
/// reported again when its package was.
fn family(what: &str) -> &'static str {
    let w = what.to_ascii_lowercase();
    if w.contains("ssh") || w.contains("dropbear") {
        "ssh"
    } else if w.contains("telnet") {
        "telnet"
    } else if w.contains("sudo") {
        "sudo"
    } else if w.contains("doas") {
        "doas"
    } else {
        "other"
    }
}

fn program(name: &str) -> Option<(&'static str, Severity)> {
    Some(match name {
        "sshd" | "dropbear" => ("an SSH server", Severity::High),
        "telnetd" | "in.telnetd" => ("a telnet server", Severity::High),
        "sudo" => ("sudo", Severity::Medium),
        "doas" => ("doas", Severity::Medium),
        _ => return None,
    })
}

/// A sudoers line (not a comment) that grants `NOPASSWD`.
fn nopasswd_line(text: &str) -> Option<(usize, &str)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let t = l.trim();
        (!t.starts_with('#') && t.contains("NOPASSWD")).then_some((i + 1, t))
    })
}

impl Rule for RemoteAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut families: HashSet<&'static str> = HashSet::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for p in &spec.packages {
            let manager = match p.manager {
                PackageManager::Dpkg => PkgManager::AptGet,
                PackageManager::Apk => PkgManager::Apk,
                PackageManager::Rpm => PkgManager::Dnf,
            };
            let Some((what, sev)) = lookup(manager, &p.name) else {
                continue;
            };
            if !seen.insert(p.name.as_str()) {
                continue;
            }
            families.insert(family(what));
            let msg = format!(
                "package `{}` {} installs {what}: a way in (or up to root) that a container does not need",
                p.name, p.version
            );
            let db = spec.package_dbs.iter().find(|d| d.file.path == p.db_path);
            let f = match db {
                Some(d) => file_finding(&META, spec, &d.file, msg),
                None => finding(&META, spec, None, Some(&p.db_path), msg),
            };
            out.push(f.with_severity(sev));
        }
        for n in &spec.notable_files {
            if !matches!(
                n.kind,
                NotableKind::RemoteAccess | NotableKind::PrivilegeTool
            ) {
                continue;
            }
            let name = n.file.path.rsplit('/').next().unwrap_or("");
            let Some((what, sev)) = program(name) else {
                continue;
            };
            if !families.insert(family(name)) {
                continue;
            }
            out.push(
                file_finding(
                    &META,
                    spec,
                    &n.file,
                    format!(
                        "`/{}` is {what}: a way in (or up to root) that a container does not need",
                        n.file.path
                    ),
                )
                .with_severity(sev),
            );
        }
        if families.contains("sudo") {
            for s in &spec.sudoers {
                if let Some((line, text)) = nopasswd_line(&s.text) {
                    out.push(file_finding(
                        &META,
                        spec,
                        &s.file,
                        format!(
                            "line {line} of `/{}` grants sudo without a password (`{}`): a process of that user becomes root at will",
                            s.file.path,
                            crate::util::history::one_line(text, 80)
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{fref, image, package, run};
    use stockade_core::{FileType, NotableFile, PackageDb, TextFile};

    fn notable(path: &str, kind: NotableKind) -> NotableFile {
        NotableFile {
            file: fref(path, 1),
            kind,
            file_type: FileType::File,
            mode: 0o755,
        }
    }

    #[test]
    fn flags_packages() {
        let mut s = image();
        s.package_dbs.push(PackageDb {
            manager: PackageManager::Dpkg,
            file: fref("var/lib/dpkg/status", 1),
            read: true,
            note: None,
        });
        for n in ["libc6", "openssh-server", "sudo", "curl"] {
            s.packages.push(package(PackageManager::Dpkg, n));
        }
        // The programs of flagged packages are not reported again.
        s.notable_files
            .push(notable("usr/sbin/sshd", NotableKind::RemoteAccess));
        s.notable_files
            .push(notable("usr/bin/sudo", NotableKind::PrivilegeTool));
        let f = run(&RemoteAccess, &s);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.contains("`openssh-server`"));
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(
            f[0].locator.as_ref().unwrap().path.as_deref(),
            Some("/var/lib/dpkg/status")
        );
        assert_eq!(f[1].severity, Severity::Medium);
    }

    #[test]
    fn flags_alpine_openssh_and_bare_programs() {
        let mut s = image();
        s.packages.push(package(PackageManager::Apk, "openssh"));
        assert_eq!(run(&RemoteAccess, &s).len(), 1);
        let mut s = image();
        s.notable_files
            .push(notable("usr/sbin/dropbear", NotableKind::RemoteAccess));
        s.notable_files
            .push(notable("bin/su", NotableKind::PrivilegeTool));
        let f = run(&RemoteAccess, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].locator.as_ref().unwrap().path.as_deref(),
            Some("/usr/sbin/dropbear")
        );
    }

    #[test]
    fn flags_nopasswd_sudoers() {
        let mut s = image();
        s.packages.push(package(PackageManager::Dpkg, "sudo"));
        s.sudoers.push(TextFile {
            file: fref("etc/sudoers.d/app", 1),
            text: "# app may restart\n# app ALL=(ALL) NOPASSWD: ALL\napp ALL=(ALL) NOPASSWD: ALL\n"
                .into(),
            truncated: false,
        });
        let f = run(&RemoteAccess, &s);
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].severity, Severity::High);
        assert!(f[1].message.contains("line 3"), "{}", f[1].message);
        // Without sudo, a sudoers file grants nothing.
        s.packages.clear();
        assert!(run(&RemoteAccess, &s).is_empty());
    }

    #[test]
    fn quiet_for_ordinary_packages() {
        let mut s = image();
        for n in ["libc6", "openssh-client", "ca-certificates", "login"] {
            s.packages.push(package(PackageManager::Dpkg, n));
        }
        s.notable_files
            .push(notable("bin/su", NotableKind::PrivilegeTool));
        assert!(run(&RemoteAccess, &s).is_empty());
    }
}
