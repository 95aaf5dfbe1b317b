//! **What it finds.** A Docker socket that more people can use than
//! intended: writable by every user (mode `o+w`, critical), writable by a
//! group other than `docker` or `root` (high: every member of that group
//! controls the daemon), or owned by a user other than root on a daemon
//! that is not rootless (high). Only when stockade runs on the daemon's host.
//!
//! **Why it matters.** Whoever can write the socket controls the daemon,
//! and the daemon is root. A world-writable socket makes every local
//! account, every service user and every compromised web application root
//! on the host.
//!
//! **How to fix.** Restore the defaults: `chown root:docker
//! /var/run/docker.sock && chmod 660 /var/run/docker.sock`, and make them
//! stick with the `docker.socket` unit (`SocketMode=0660`,
//! `SocketUser=root`, `SocketGroup=docker`); remove the `chmod 666` from
//! whatever script added it.
//!
//! **Bad**
//! ```text
//! srw-rw-rw- 1 root docker 0 /var/run/docker.sock
//! ```
//!
//! **Good**
//! ```text
//! srw-rw---- 1 root docker 0 /var/run/docker.sock
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD410",
    title: "Docker socket permissions are too open",
    category: Category::DockerSocket,
    severity: Severity::Critical,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("socket_permissions.rs"),
};

pub struct SocketPermissions;

impl Rule for SocketPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let Some(s) = spec.host.as_ref().and_then(|h| h.socket.as_ref()) else {
            return;
        };
        let detail = format!("host: {}", s.path);
        if s.mode & 0o002 != 0 {
            out.push(finding(
                &META,
                spec,
                detail.clone(),
                format!(
                    "{} has mode {:04o}: every local user can use it, and with it control the daemon (root on the host)",
                    s.path, s.mode
                ),
            ));
        }
        let group = s.group.clone().unwrap_or_else(|| s.gid.to_string());
        if s.mode & 0o020 != 0 && s.gid != 0 && group != "docker" {
            out.push(
                finding(
                    &META,
                    spec,
                    detail.clone(),
                    format!(
                        "{} is writable by group `{group}`: every member of it controls the daemon (root on the host)",
                        s.path
                    ),
                )
                .with_severity(Severity::High),
            );
        }
        if s.uid != 0 && !spec.daemon.rootless() {
            let owner = s.owner.clone().unwrap_or_else(|| s.uid.to_string());
            out.push(
                finding(
                    &META,
                    spec,
                    detail,
                    format!(
                        "{} is owned by `{owner}`, not root: that user controls a root daemon and can change who else may",
                        s.path
                    ),
                )
                .with_severity(Severity::High),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{hardened, risky, run};
    use stockade_core::SecurityOption;

    fn sevs(f: &[Finding]) -> Vec<Severity> {
        f.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn world_writable_is_critical() {
        let f = run(&SocketPermissions, &risky());
        assert_eq!(sevs(&f), vec![Severity::Critical]);
        assert!(f[0].message.contains("mode 0666"), "{}", f[0].message);
    }

    #[test]
    fn foreign_group_and_owner_are_high() {
        let mut spec = hardened();
        let s = spec.host.as_mut().unwrap().socket.as_mut().unwrap();
        s.group = Some("users".into());
        s.gid = 100;
        s.uid = 1000;
        s.owner = Some("alice".into());
        let f = run(&SocketPermissions, &spec);
        assert_eq!(sevs(&f), vec![Severity::High, Severity::High]);
        assert!(f[0].message.contains("group `users`"));
        assert!(f[1].message.contains("owned by `alice`"));
        // A rootless daemon's socket belongs to its user.
        spec.daemon
            .security_options
            .push(SecurityOption::parse("name=rootless"));
        assert_eq!(run(&SocketPermissions, &spec).len(), 1);
    }

    #[test]
    fn quiet_for_default_and_private_sockets() {
        assert!(run(&SocketPermissions, &hardened()).is_empty());
        let mut spec = hardened();
        let s = spec.host.as_mut().unwrap().socket.as_mut().unwrap();
        s.gid = 0;
        s.group = Some("root".into());
        s.mode = 0o660;
        assert!(run(&SocketPermissions, &spec).is_empty());
        spec.host = None;
        assert!(run(&SocketPermissions, &spec).is_empty());
    }
}
