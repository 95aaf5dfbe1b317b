//! **What it finds.** Each member of the group that grants access to the
//! Docker socket (its owning group, normally `docker`), read from
//! `/etc/group` and from the users whose primary group it is in
//! `/etc/passwd`. Only when stockade runs on the daemon's host, and only
//! when the socket is writable by that group.
//!
//! **Why it matters.** Access to the socket is root on the host:
//! `docker run -v /:/host --privileged …` needs no password and leaves no
//! sudo log. Adding a user to the `docker` group is giving them root, and
//! a compromised account in that group is a compromised host.
//!
//! **How to fix.** Remove users who do not administer the host
//! (`gpasswd -d alice docker`). Give the others `sudo docker` (logged,
//! password-protected), a rootless daemon of their own, or a limited API
//! through `stockade guard`.
//!
//! **Bad**
//! ```text
//! docker:x:999:alice,bob,ci
//! ```
//!
//! **Good**
//! ```text
//! docker:x:999:
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD409",
    title: "User can control the daemon through the docker group (root-equivalent)",
    category: Category::DockerSocket,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("docker_group.rs"),
};

pub struct DockerGroup;

impl Rule for DockerGroup {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let Some(host) = &spec.host else {
            return;
        };
        let Some(group) = &host.docker_group else {
            return;
        };
        if let Some(s) = &host.socket
            && (s.gid != group.gid || s.mode & 0o020 == 0)
        {
            // The group cannot write the socket: membership grants nothing.
            return;
        }
        let mut seen: Vec<&str> = Vec::new();
        for (user, how) in group.members.iter().map(|u| (u, "a member")).chain(
            group
                .primary_members
                .iter()
                .map(|u| (u, "has it as primary group")),
        ) {
            if user == "root" || seen.contains(&user.as_str()) {
                continue;
            }
            seen.push(user);
            let how = if how == "a member" {
                format!("is a member of group `{}`", group.name)
            } else {
                format!("has group `{}` as primary group", group.name)
            };
            out.push(finding(
                &META,
                spec,
                format!("host: group {}: {user}", group.name),
                format!("user `{user}` {how}, which can use the Docker socket: root-equivalent on this host"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{details, hardened, risky, run};

    #[test]
    fn one_finding_per_member() {
        let f = run(&DockerGroup, &risky());
        assert_eq!(
            details(&f),
            vec![
                ("host: group docker: alice".to_string(), Severity::High),
                ("host: group docker: bob".to_string(), Severity::High),
                ("host: group docker: carol".to_string(), Severity::High),
            ]
        );
        assert!(f[2].message.contains("primary group"));
    }

    #[test]
    fn quiet_without_members_or_write_access() {
        assert!(run(&DockerGroup, &hardened()).is_empty());
        let mut spec = risky();
        let host = spec.host.as_mut().unwrap();
        host.socket.as_mut().unwrap().mode = 0o600;
        assert!(run(&DockerGroup, &spec).is_empty());
        let host = spec.host.as_mut().unwrap();
        host.socket = None;
        let g = host.docker_group.as_mut().unwrap();
        g.members = vec!["root".into(), "dave".into(), "dave".into()];
        g.primary_members = vec!["dave".into()];
        assert_eq!(
            details(&run(&DockerGroup, &spec)),
            vec![("host: group docker: dave".to_string(), Severity::High)]
        );
        spec.host = None;
        assert!(run(&DockerGroup, &spec).is_empty());
    }
}
