//! **What it finds.** A `RUN` in the final image's stages that sets an
//! account password: `chpasswd` (`echo 'user:pass' | chpasswd`,
//! `chpasswd -e`), `passwd --stdin`, `usermod -p`/`--password`,
//! `useradd -p`/`--password`. Locking or deleting a password (`passwd -l`,
//! `passwd -d`, `usermod -L`) is fine. Builder stages are not judged.
//!
//! **Why it matters.** The password (or its hash) is written in the
//! Dockerfile and the image history, and it is the same in every container
//! started from the image. An account with a known password is an
//! invitation for anything that can reach a login service (`su`, `sshd`)
//! in the container, and nothing in a container should need one.
//!
//! **How to fix.** Do not give accounts passwords in images. Create users
//! without one (`useradd -M -s /usr/sbin/nologin`), run as that user, and
//! authenticate services with keys or tokens mounted at run time.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN useradd -m app && echo 'app:app123' | chpasswd
//! USER app
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN useradd -M -u 10001 -s /usr/sbin/nologin app
//! USER 10001
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{OptSpec, effective, parse_opts, stage_runs};
use crate::util::stages::final_chain;
use std::collections::HashSet;
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD125",
    title: "Account password set in the image",
    category: Category::Secrets,
    severity: Severity::Medium,
    aliases: &["CKV2_DOCKER_17"],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("set_password.rs"),
};

pub struct SetPassword;

const USERADD: OptSpec = OptSpec {
    short_with_arg: b"bcdefgGkKpPRsuZ",
    long_with_arg: USER_LONG,
};

const USERMOD: OptSpec = OptSpec {
    short_with_arg: b"cdefgGlpPRsuZ",
    long_with_arg: USER_LONG,
};

const USER_LONG: &[&str] = &[
    "--password",
    "--comment",
    "--home",
    "--gid",
    "--groups",
    "--login",
    "--shell",
    "--uid",
    "--expiredate",
    "--base-dir",
    "--inactive",
    "--skel",
    "--key",
    "--root",
    "--prefix",
    "--selinux-user",
];

impl Rule for SetPassword {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen = HashSet::new();
        for stage in final_chain(spec) {
            for rs in stage_runs(stage) {
                for rc in rs.commands() {
                    let Some((name, name_word, args)) = effective(rc.cmd) else {
                        continue;
                    };
                    let hit = match name.as_str() {
                        "chpasswd" | "chgpasswd" => Some((
                            name_word.span,
                            format!("`{name}` sets a password in the image"),
                        )),
                        "passwd" => args.iter().find(|w| w.lossy() == "--stdin").map(|w| {
                            (
                                w.span,
                                "`passwd --stdin` sets a password in the image".to_string(),
                            )
                        }),
                        "usermod" | "useradd" => {
                            let p = parse_opts(
                                args,
                                if name == "useradd" {
                                    &USERADD
                                } else {
                                    &USERMOD
                                },
                            );
                            p.opts
                                .iter()
                                .find(|o| {
                                    (o.name == "p" && !o.long) || (o.long && o.name == "password")
                                })
                                .map(|o| {
                                    (
                                        o.word.span,
                                        format!(
                                            "`{name} {}` sets a password in the image",
                                            o.word.lossy()
                                        ),
                                    )
                                })
                        }
                        _ => None,
                    };
                    if let Some((span, msg)) = hit
                        && seen.insert(span)
                    {
                        out.push(META.finding(
                            span,
                            stage.label(),
                            format!(
                                "{msg}: it is in the Dockerfile, the history and every container"
                            ),
                        ));
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
    fn flags_password_setting() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN echo 'root:toor' | chpasswd\n",
                "chpasswd",
            ),
            (
                "FROM debian:12\nRUN useradd -m app && echo app:x | /usr/sbin/chpasswd -e\n",
                "/usr/sbin/chpasswd",
            ),
            (
                "FROM centos:7\nRUN echo pw | passwd --stdin app\n",
                "--stdin",
            ),
            (
                "FROM debian:12\nRUN useradd -m -p \"$(openssl passwd -1 pw)\" app\n",
                "-p",
            ),
            (
                "FROM debian:12\nRUN usermod --password x app\n",
                "--password",
            ),
            (
                "FROM debian:12\nRUN sh -c 'echo root:x | chpasswd'\n",
                "chpasswd",
            ),
        ] {
            let f = run_build(&SetPassword, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::Medium);
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN passwd -l root && passwd -d app && usermod -L app\n",
            "FROM debian:12\nRUN useradd -m -u 10001 -s /usr/sbin/nologin app\n",
            "FROM debian:12\nRUN useradd -G wheel -s /bin/sh app\n",
            "FROM debian:12 AS b\nRUN echo root:x | chpasswd\nFROM scratch\n",
        ] {
            assert!(run_build(&SetPassword, text).is_empty(), "{text}");
        }
    }
}
