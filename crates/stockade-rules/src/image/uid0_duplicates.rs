//! **What it finds.** An image whose `/etc/passwd` gives UID 0 to an
//! account other than `root` (`toor:x:0:0:…`, a service account created
//! with `useradd -o -u 0`).
//!
//! **Why it matters.** The kernel knows users by number: every account
//! with UID 0 is root, whatever its name. A second one is a classic
//! backdoor, hides root from reviews that look for the name `root`, and
//! gives anyone who can log in or `su` to it full control of the container.
//!
//! **How to fix.** Remove the account, or give it its own unprivileged UID
//! (`usermod -u 10001 name`) and the files it needs.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN useradd -o -u 0 -g 0 -s /bin/bash admin
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN useradd -u 10001 -s /usr/sbin/nologin app
//! USER 10001
//! ```

use super::{file_finding, finding};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, ImageSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD302",
    title: "Account other than root has UID 0",
    category: Category::RootUser,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("uid0_duplicates.rs"),
};

pub struct Uid0Duplicates;

impl Rule for Uid0Duplicates {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for u in spec
            .users
            .iter()
            .filter(|u| u.uid == Some(0) && u.name != "root")
        {
            let msg = format!(
                "`/etc/passwd` line {} gives `{}` UID 0: a second root account",
                u.line, u.name
            );
            out.push(match &spec.passwd_file {
                Some(f) => file_finding(&META, spec, f, msg),
                None => finding(&META, spec, None, None, msg),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{image, run, user, with_passwd};
    use stockade_core::PasswordState;

    #[test]
    fn flags_a_second_uid_0() {
        let mut s = image();
        with_passwd(&mut s);
        let mut toor = user("toor", 0, "/bin/sh", PasswordState::Hash);
        toor.line = 3;
        s.users.push(toor);
        let f = run(&Uid0Duplicates, &s);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("line 3") && f[0].message.contains("`toor`"));
        let loc = f[0].locator.as_ref().unwrap();
        assert_eq!(loc.path.as_deref(), Some("/etc/passwd"));
        assert!(loc.layer.is_some());
    }

    #[test]
    fn quiet_for_root_alone() {
        let mut s = image();
        with_passwd(&mut s);
        assert!(run(&Uid0Duplicates, &s).is_empty());
        // A UID that does not parse is not 0.
        s.users.push(stockade_core::UserEntry {
            uid: None,
            ..user("odd", 1, "/bin/sh", PasswordState::Locked)
        });
        assert!(run(&Uid0Duplicates, &s).is_empty());
    }
}
