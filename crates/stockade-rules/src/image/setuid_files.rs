//! **What it finds.** Files with the setuid or setgid bit in a built image,
//! other than the few that distributions ship on purpose. Setuid-root files
//! are medium, setuid files owned by another user and setgid-only files
//! low, and a setuid or setgid file that anyone may write is high. `sudo`
//! and `doas` are left to SKD305.
//!
//! Expected (in `bin`, `sbin`, `usr/bin`, `usr/sbin`): `passwd`, `su`,
//! `mount`, `umount`, `newgrp`, `chsh`, `chfn`, `gpasswd` (setuid in
//! Debian, Ubuntu and RHEL bases), `chage`, `expiry`, `unix_chkpwd`,
//! `wall`, `write`, `bsd-write` (setgid `shadow`/`tty` in Debian and
//! Ubuntu; `chage` and `unix_chkpwd` setuid in RHEL), `pam_timestamp_check`
//! (RHEL), `ping` (setuid in older bases, before file capabilities),
//! `crontab`, `dotlockfile`, `ssh-agent` (setgid helpers of cron, mail and
//! older OpenSSH packages), and the helpers `usr/lib/openssh/ssh-keysign`,
//! `usr/libexec/openssh/ssh-keysign`, `usr/lib/dbus-1.0/dbus-daemon-launch-helper`
//! and `utempter`. Alpine ships none. Not expected, whatever the
//! distribution: `pkexec` (CVE-2021-4034), `fusermount`, shells,
//! interpreters, anything in `/usr/local`, `/opt`, `/app` or a home
//! directory.
//!
//! **Why it matters.** A setuid program runs with its owner's privileges
//! whoever starts it, so an unprivileged user in the container who finds a
//! bug in it (or can replace it) becomes root. That is how most container
//! user-to-root escalations work; `no-new-privileges` stops them only when
//! the runtime sets it.
//!
//! **How to fix.** Remove the bit (`chmod u-s,g-s`) or the file in the
//! Dockerfile, grant a file capability (`setcap cap_net_bind_service+ep`)
//! instead when the program needs one privilege, and run containers with
//! `--security-opt no-new-privileges`.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY tool /usr/local/bin/tool
//! RUN chmod 4755 /usr/local/bin/tool
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY --chmod=0755 tool /usr/local/bin/tool
//! RUN setcap cap_net_bind_service=+ep /usr/local/bin/tool
//! ```

use super::file_finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, ImageSpec, SetIdFile, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD308",
    title: "Unexpected setuid or setgid file",
    category: Category::FilePermissions,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("setuid_files.rs"),
};

pub struct SetuidFiles;

const BIN_DIRS: &[&str] = &["bin", "sbin", "usr/bin", "usr/sbin"];

/// Programs distributions ship setuid or setgid, in a bin directory.
const EXPECTED_NAMES: &[&str] = &[
    "passwd",
    "su",
    "mount",
    "umount",
    "newgrp",
    "chsh",
    "chfn",
    "gpasswd",
    "chage",
    "expiry",
    "unix_chkpwd",
    "wall",
    "write",
    "bsd-write",
    "pam_timestamp_check",
    "ping",
    "ping6",
    "crontab",
    "dotlockfile",
    "ssh-agent",
    // Reported by SKD305 instead.
    "sudo",
    "doas",
];

/// Helpers shipped setuid or setgid outside the bin directories.
const EXPECTED_PATHS: &[&str] = &[
    "usr/lib/openssh/ssh-keysign",
    "usr/libexec/openssh/ssh-keysign",
    "usr/lib/dbus-1.0/dbus-daemon-launch-helper",
    "usr/libexec/dbus-daemon-launch-helper",
    "usr/lib/x86_64-linux-gnu/utempter/utempter",
    "usr/lib/aarch64-linux-gnu/utempter/utempter",
    "usr/libexec/utempter/utempter",
];

/// How many files are reported one by one; the rest are summed up.
const MAX_REPORTED: usize = 20;

fn expected(path: &str) -> bool {
    if EXPECTED_PATHS.contains(&path) {
        return true;
    }
    match path.rsplit_once('/') {
        Some((dir, name)) => BIN_DIRS.contains(&dir) && EXPECTED_NAMES.contains(&name),
        None => false,
    }
}

fn bits(f: &SetIdFile) -> &'static str {
    match (f.setuid, f.setgid) {
        (true, true) => "setuid and setgid",
        (true, false) => "setuid",
        _ => "setgid",
    }
}

impl Rule for SetuidFiles {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let unexpected: Vec<&SetIdFile> = spec
            .setid_files
            .iter()
            .filter(|f| !expected(&f.file.path))
            .collect();
        for f in unexpected.iter().take(MAX_REPORTED) {
            let owner = if f.setuid {
                if f.uid == 0 {
                    "runs as root".to_string()
                } else {
                    format!("runs as UID {}", f.uid)
                }
            } else if f.gid == 0 {
                "runs with group root".to_string()
            } else {
                format!("runs with GID {}", f.gid)
            };
            let writable = f.mode & 0o002 != 0;
            let sev = if writable {
                Severity::High
            } else if f.setuid && f.uid == 0 {
                Severity::Medium
            } else {
                Severity::Low
            };
            let extra = if writable {
                ", and anyone may rewrite it"
            } else {
                ""
            };
            out.push(
                file_finding(
                    &META,
                    spec,
                    &f.file,
                    format!(
                        "`/{}` is {} (mode {:04o}): it {owner} whoever starts it{extra}",
                        f.file.path,
                        bits(f),
                        f.mode & 0o7777
                    ),
                )
                .with_severity(sev),
            );
        }
        if unexpected.len() > MAX_REPORTED {
            let rest = &unexpected[MAX_REPORTED..];
            let sev = rest
                .iter()
                .map(|f| {
                    if f.setuid && f.uid == 0 {
                        Severity::Medium
                    } else {
                        Severity::Low
                    }
                })
                .max()
                .unwrap_or(Severity::Low);
            out.push(
                file_finding(
                    &META,
                    spec,
                    &rest[0].file,
                    format!(
                        "{} more setuid or setgid files, from `/{}` on",
                        rest.len(),
                        rest[0].file.path
                    ),
                )
                .with_severity(sev),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{fref, image, run};

    fn setid(path: &str, mode: u32, uid: u64, gid: u64) -> SetIdFile {
        SetIdFile {
            file: fref(path, 1),
            mode,
            uid,
            gid,
            setuid: mode & 0o4000 != 0,
            setgid: mode & 0o2000 != 0,
        }
    }

    #[test]
    fn flags_unexpected_files() {
        let mut s = image();
        s.setid_files = vec![
            setid("usr/local/bin/tool", 0o4755, 0, 0),
            setid("usr/bin/pkexec", 0o4755, 0, 0),
            setid("opt/app/helper", 0o2755, 0, 50),
            setid("usr/bin/find", 0o4757, 0, 0),
            setid("home/app/bin/x", 0o4755, 1000, 1000),
        ];
        let f = run(&SetuidFiles, &s);
        let sev: Vec<Severity> = f.iter().map(|f| f.severity).collect();
        assert_eq!(
            sev,
            vec![
                Severity::Medium,
                Severity::Medium,
                Severity::Low,
                Severity::High,
                Severity::Low
            ]
        );
        assert!(
            f[0].message.contains("setuid (mode 4755): it runs as root"),
            "{}",
            f[0].message
        );
        assert!(f[2].message.contains("GID 50"));
        assert!(f[4].message.contains("UID 1000"));
        let loc = f[0].locator.as_ref().unwrap();
        assert_eq!(loc.path.as_deref(), Some("/usr/local/bin/tool"));
        assert_eq!(
            loc.layer.as_deref(),
            Some(crate::image::testutil::digest(1).as_str())
        );
    }

    #[test]
    fn quiet_for_distribution_defaults() {
        let mut s = image();
        s.setid_files = vec![
            setid("usr/bin/passwd", 0o4755, 0, 0),
            setid("usr/bin/su", 0o4755, 0, 0),
            setid("bin/mount", 0o4755, 0, 0),
            setid("usr/bin/chage", 0o2755, 0, 42),
            setid("usr/sbin/unix_chkpwd", 0o2755, 0, 42),
            setid("usr/lib/openssh/ssh-keysign", 0o4755, 0, 0),
            setid("usr/lib/dbus-1.0/dbus-daemon-launch-helper", 0o4754, 0, 101),
            setid("usr/bin/sudo", 0o4755, 0, 0),
        ];
        assert!(run(&SetuidFiles, &s).is_empty());
        // The same names elsewhere are not expected.
        s.setid_files = vec![setid("usr/local/bin/passwd", 0o4755, 0, 0)];
        assert_eq!(run(&SetuidFiles, &s).len(), 1);
    }

    #[test]
    fn many_files_are_summed_up() {
        let mut s = image();
        for i in 0..25 {
            s.setid_files
                .push(setid(&format!("opt/x/f{i:02}"), 0o4755, 0, 0));
        }
        let f = run(&SetuidFiles, &s);
        assert_eq!(f.len(), MAX_REPORTED + 1);
        assert!(
            f[MAX_REPORTED]
                .message
                .starts_with("5 more setuid or setgid files, from `/opt/x/f20`")
        );
    }
}
