//! **What it finds.** A Linux daemon that starts containers without a
//! seccomp filter (no `seccomp` in `/info` SecurityOptions, or
//! `profile=unconfined`), or with neither AppArmor nor SELinux (no
//! `apparmor` or `selinux` security option). These are the defaults every
//! container gets unless it opts out; here they are off for all of them.
//!
//! **Why it matters.** Namespaces and capabilities are not a sandbox on
//! their own. The default seccomp profile blocks about 50 system calls
//! (`keyctl`, `bpf`, `mount`, `unshare`, `ptrace` on old kernels…) that
//! have been the way out of containers again and again; AppArmor or SELinux
//! stop a process that escaped its mount namespace from touching the host's
//! files. Without them, one kernel bug reachable through a blocked call is a
//! host compromise.
//!
//! **How to fix.** Remove `"seccomp-profile": "unconfined"` from
//! `/etc/docker/daemon.json` (or point it at a stricter profile), and run
//! the daemon on a host with AppArmor (Debian, Ubuntu, SUSE:
//! `apt install apparmor`, then restart `docker`) or SELinux (RHEL, Fedora:
//! `"selinux-enabled": true`).
//!
//! **Bad**
//! ```json
//! { "seccomp-profile": "unconfined" }
//! ```
//!
//! **Good**
//! ```json
//! { "selinux-enabled": true }
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD401",
    title: "Daemon runs containers without seccomp, AppArmor or SELinux",
    category: Category::KernelSecurity,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("lsm.rs"),
};

pub struct Lsm;

impl Rule for Lsm {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let d = &spec.daemon;
        let linux = d
            .os_type
            .as_deref()
            .is_none_or(|o| o.eq_ignore_ascii_case("linux"));
        if !d.info_known || !linux {
            return;
        }
        match d.security("seccomp") {
            None => out.push(finding(
                &META,
                spec,
                "daemon: seccomp",
                "seccomp is off: the daemon applies no system-call filter to containers",
            )),
            Some(s) if s.get("profile") == Some("unconfined") => out.push(finding(
                &META,
                spec,
                "daemon: seccomp profile",
                "the daemon's default seccomp profile is `unconfined`: containers get no system-call filter",
            )),
            Some(_) => {}
        }
        if d.security("apparmor").is_none() && d.security("selinux").is_none() {
            out.push(
                finding(
                    &META,
                    spec,
                    "daemon: apparmor/selinux",
                    "neither AppArmor nor SELinux confines containers on this daemon",
                )
                .with_severity(Severity::Medium),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{details, hardened, run};
    use stockade_core::SecurityOption;

    #[test]
    fn flags_missing_or_unconfined_profiles() {
        let mut spec = hardened();
        spec.daemon.security_options = vec![SecurityOption::parse("name=seccomp,profile=default")];
        assert_eq!(
            details(&run(&Lsm, &spec)),
            vec![("daemon: apparmor/selinux".to_string(), Severity::Medium)]
        );
        spec.daemon.security_options = vec![SecurityOption::parse("name=selinux")];
        assert_eq!(
            details(&run(&Lsm, &spec)),
            vec![("daemon: seccomp".to_string(), Severity::High)]
        );
        spec.daemon.security_options = vec![
            SecurityOption::parse("name=apparmor"),
            SecurityOption::parse("name=seccomp,profile=unconfined"),
        ];
        let f = run(&Lsm, &spec);
        assert_eq!(
            details(&f),
            vec![("daemon: seccomp profile".to_string(), Severity::High)]
        );
        assert!(f[0].message.contains("unconfined"));
    }

    #[test]
    fn quiet_when_confined_unknown_or_not_linux() {
        assert!(run(&Lsm, &hardened()).is_empty());
        let mut spec = hardened();
        spec.daemon.security_options = vec![
            SecurityOption::parse("name=selinux"),
            SecurityOption::parse("name=seccomp,profile=/etc/docker/strict.json"),
        ];
        assert!(run(&Lsm, &spec).is_empty());
        spec.daemon.security_options.clear();
        spec.daemon.os_type = Some("windows".into());
        assert!(run(&Lsm, &spec).is_empty());
        spec.daemon.os_type = Some("linux".into());
        spec.daemon.info_known = false;
        assert!(run(&Lsm, &spec).is_empty());
    }
}
