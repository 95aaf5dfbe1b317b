//! **What it finds.** Accounts in a built image with an empty password
//! field (in `/etc/shadow`, or in `/etc/passwd` when the account has no
//! shadow entry) and a login shell: anything but `nologin`, `false`,
//! `sync`, `halt` and `shutdown`; an empty shell field means `/bin/sh`.
//! High for UID 0, medium for other accounts. Locked (`!`, `*`) and hashed
//! passwords are fine.
//!
//! **Why it matters.** An empty password field means "no password": `su`,
//! `login` and any PAM-based service let anyone in as that account without
//! asking. In a container that runs as an unprivileged user, `su root`
//! with an empty root password is root in one step; an SSH or telnet
//! server in the image exposes the account to the network.
//!
//! **How to fix.** Lock the account (`passwd -l root`, or `usermod -L`)
//! or give it a `nologin` shell (`usermod -s /usr/sbin/nologin`). Base
//! images that ship `root::` (some minimal and busybox builds) should be
//! fixed at the source or in the first step of the Dockerfile.
//!
//! **Bad**
//! ```dockerfile
//! FROM busybox:1.36
//! RUN sed -i 's/^root:[^:]*:/root::/' /etc/shadow
//! USER 65534
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM busybox:1.36
//! RUN passwd -l root
//! USER 65534
//! ```

use super::{file_finding, finding};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::history::one_line;
use stockade_core::{Category, Finding, ImageSpec, PasswordState, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD312",
    title: "Account with an empty password",
    category: Category::Auth,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("empty_password.rs"),
};

pub struct EmptyPassword;

/// Whether a passwd shell field lets the account log in.
pub fn login_shell(shell: &str) -> bool {
    let s = shell.trim();
    if s.is_empty() {
        return true;
    }
    let name = s.rsplit('/').next().unwrap_or(s);
    !matches!(
        name,
        "nologin" | "false" | "sync" | "halt" | "shutdown" | "true"
    )
}

impl Rule for EmptyPassword {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for u in &spec.users {
            if u.password != PasswordState::Empty || !login_shell(&u.shell) {
                continue;
            }
            let shell = if u.shell.trim().is_empty() {
                "/bin/sh".to_string()
            } else {
                one_line(&u.shell, 60)
            };
            let (sev, who) = if u.uid == Some(0) {
                (Severity::High, " (UID 0: anyone becomes root with `su`)")
            } else {
                (Severity::Medium, "")
            };
            let msg = format!(
                "account `{}` has an empty password and the login shell `{shell}`{who}",
                one_line(&u.name, 60)
            );
            let file = spec.shadow_file.as_ref().or(spec.passwd_file.as_ref());
            let f = match file {
                Some(file) => file_finding(&META, spec, file, msg),
                None => finding(&META, spec, None, None, msg),
            };
            out.push(f.with_severity(sev));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{fref, image, run, user, with_passwd};

    #[test]
    fn flags_empty_passwords_with_login_shells() {
        let mut s = image();
        with_passwd(&mut s);
        s.shadow_file = Some(fref("etc/shadow", 0));
        s.users[0].password = PasswordState::Empty;
        s.users.push(user("app", 1000, "", PasswordState::Empty));
        let f = run(&EmptyPassword, &s);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("`root`") && f[0].message.contains("`/bin/bash`"));
        assert_eq!(
            f[0].locator.as_ref().unwrap().path.as_deref(),
            Some("/etc/shadow")
        );
        assert_eq!(f[1].severity, Severity::Medium);
        assert!(f[1].message.contains("`/bin/sh`"));
    }

    #[test]
    fn quiet_for_locked_hashed_and_nologin_accounts() {
        let mut s = image();
        with_passwd(&mut s);
        s.users
            .push(user("svc", 999, "/usr/sbin/nologin", PasswordState::Empty));
        s.users
            .push(user("halt", 7, "/sbin/halt", PasswordState::Empty));
        s.users
            .push(user("app", 1000, "/bin/bash", PasswordState::Hash));
        s.users
            .push(user("old", 1001, "/bin/sh", PasswordState::Unknown));
        assert!(run(&EmptyPassword, &s).is_empty());
    }
}
