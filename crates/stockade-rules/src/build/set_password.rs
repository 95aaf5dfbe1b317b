//! **What it finds.** A `RUN` in the final image's stages that sets an
//! account password: `chpasswd` (`echo 'user:pass' | chpasswd`,
//! `chpasswd -e`), `passwd --stdin`, `usermod -p`/`--password`,
//! `useradd -p`/`--password`. Locking or deleting a password (`passwd -l`,
//! `passwd -d`, `usermod -L`) is fine, and so is a random password nobody
//! knows, generated in the build and piped to `chpasswd`
//! (`echo "git:$(head -c 24 /dev/urandom | base64)" | chpasswd`, which
//! unlocks an account for key-only SSH logins). Builder stages are not
//! judged.
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
use stockade_core::shell::{Command, CommandCtx};
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

/// Sources of random bytes: a password made from them is known to nobody.
const RANDOM_SOURCES: &[&str] = &[
    "/dev/urandom",
    "/dev/random",
    "openssl rand",
    "pwgen",
    "uuidgen",
];

/// Whether the command piping into this one (`… | chpasswd`) writes a
/// password generated from random bytes in a command substitution.
fn fed_random_password(cx: &CommandCtx) -> bool {
    let Some(prev) = cx
        .index
        .checked_sub(1)
        .and_then(|i| cx.pipeline.commands.get(i))
    else {
        return false;
    };
    let Command::Simple(sc) = prev else {
        return false;
    };
    sc.words.iter().any(|w| {
        w.has_substitution() && {
            let t = w.lossy();
            RANDOM_SOURCES.iter().any(|r| t.contains(r))
        }
    })
}

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
                let mut random = HashSet::new();
                rs.walk(&mut |cx, _| {
                    if let Some((name, name_word, _)) = effective(cx.cmd)
                        && matches!(name.as_str(), "chpasswd" | "chgpasswd")
                        && fed_random_password(cx)
                    {
                        random.insert(name_word.span);
                    }
                });
                for rc in rs.commands() {
                    let Some((name, name_word, args)) = effective(rc.cmd) else {
                        continue;
                    };
                    let hit = match name.as_str() {
                        "chpasswd" | "chgpasswd" if random.contains(&name_word.span) => None,
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
            // A substitution that is not random: the password is known.
            (
                "FROM debian:12\nRUN echo \"root:$(cat /tmp/pw)\" | chpasswd\n",
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
            // A random password nobody knows (unlocks the account for SSH keys).
            "FROM alpine:3.22\nRUN adduser -D git && echo \"git:$(dd if=/dev/urandom bs=24 count=1 status=none | base64)\" | chpasswd\n",
            "FROM debian:12\nRUN echo \"app:$(openssl rand -base64 32)\" | chpasswd\n",
        ] {
            assert!(run_build(&SetPassword, text).is_empty(), "{text}");
        }
    }
}
