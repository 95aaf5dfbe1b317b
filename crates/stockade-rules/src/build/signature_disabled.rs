//! **What it finds.** Package signature checks switched off, in any stage:
//! `apk add --allow-untrusted`; apt `--allow-unauthenticated`,
//! `--force-yes`, `--allow-insecure-repositories`,
//! `-o Acquire::AllowInsecureRepositories=true`,
//! `APT::Get::AllowUnauthenticated "true"`, and `[trusted=yes]` or
//! `[allow-insecure=yes]` in a sources line; yum/dnf/microdnf/tdnf
//! `--nogpgcheck` and `gpgcheck=0` (as `--setopt` or in a repository file
//! written by `echo`, `cat <<EOF`, `sed -i` or `COPY <<EOF`); `rpm
//! --nosignature`/`--nodigest`; zypper `--no-gpg-checks`, `addrepo
//! --no-gpgcheck`, and (medium) `--gpg-auto-import-keys`.
//! `repo_gpgcheck=0` alone is not reported: it concerns repository
//! metadata, and the packages are still checked.
//!
//! **Why it matters.** Signatures are what ties a package to its
//! publisher. Without them a mirror, a proxy or anyone on the network can
//! hand the build a modified package, and it installs as root. A builder
//! stage is as exposed as the final one: what it builds is copied into
//! the image.
//!
//! **How to fix.** Import the repository's signing key (`signed-by=` for
//! apt, `gpgkey=` for yum/dnf, `apk add` with the key in
//! `/etc/apk/keys`) and remove the switch. For a local package you built
//! yourself, sign it, or copy the files instead of installing an unsigned
//! package.
//!
//! **Bad**
//! ```dockerfile
//! FROM alpine:3.22
//! COPY pkgs/ /tmp/pkgs/
//! RUN apk add --allow-untrusted /tmp/pkgs/*.apk
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM alpine:3.22
//! COPY keys/builder.rsa.pub /etc/apk/keys/
//! COPY pkgs/ /tmp/pkgs/
//! RUN apk add /tmp/pkgs/*.apk
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{OptSpec, all_words, effective, parse_opts, parse_pkg, stage_runs};
use crate::util::text::{Want, find_setting, joined, joined_span, sub_span};
use std::collections::HashSet;
use stockade_core::shell::Word;
use stockade_core::{BuildSpec, Category, Finding, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD115",
    title: "Package signature checks switched off",
    category: Category::Provenance,
    severity: Severity::High,
    aliases: &[
        "CKV2_DOCKER_7",
        "CKV2_DOCKER_8",
        "CKV2_DOCKER_9",
        "CKV2_DOCKER_10",
        "CKV2_DOCKER_11",
    ],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("signature_disabled.rs"),
};

pub struct SignatureDisabled;

/// Settings in text (options, apt configuration, repository files).
const KEYS: &[(&str, Want, &str)] = &[
    ("gpgcheck", Want::Off, "`gpgcheck=0`"),
    (
        "allowunauthenticated",
        Want::On,
        "apt `AllowUnauthenticated`",
    ),
    (
        "allowinsecurerepositories",
        Want::On,
        "apt `AllowInsecureRepositories`",
    ),
    (
        "allowdowngradetoinsecurerepositories",
        Want::On,
        "apt `AllowDowngradeToInsecureRepositories`",
    ),
    ("trusted", Want::On, "`[trusted=yes]` in an apt source"),
    (
        "allow-insecure",
        Want::On,
        "`[allow-insecure=yes]` in an apt source",
    ),
];

/// `gpgcheck` must not be `repo_gpgcheck`/`localpkg_gpgcheck`; `trusted`
/// and `allow-insecure` must sit in an apt source's `[…]` options.
fn setting_in(text: &str) -> Option<(usize, usize, &'static str)> {
    let mut from = 0;
    while from < text.len() {
        let (s, e, what) = find_setting(&text[from..], KEYS)?;
        let (s, e) = (s + from, e + from);
        let before = &text[..s];
        let ok = match what {
            "`gpgcheck=0`" => !before.ends_with('_'),
            w if w.contains("apt source") => {
                // Inside `[ … ]`, and not a bare flag.
                let open = before.rfind('[');
                let close = before.rfind(']');
                open.is_some_and(|o| close.is_none_or(|c| c < o)) && e > s + 8
            }
            _ => true,
        };
        if ok {
            return Some((s, e, what));
        }
        from = e.max(s + 1);
    }
    None
}

const ZYPPER_G: OptSpec = OptSpec {
    short_with_arg: b"rtn",
    long_with_arg: &["--repo", "--type", "--name"],
};

/// Switches given as options: the option word and what it does.
fn option_switches(
    cmd: &stockade_core::shell::SimpleCommand,
) -> Vec<(&Word, &'static str, Severity)> {
    let mut out = Vec::new();
    if let Some(p) = parse_pkg(cmd) {
        use crate::util::commands::PkgManager as M;
        let flags: &[(&str, &str)] = match p.manager {
            M::Apk => &[(
                "allow-untrusted",
                "`--allow-untrusted` installs unsigned packages",
            )],
            M::AptGet | M::Apt | M::Aptitude => &[
                (
                    "allow-unauthenticated",
                    "`--allow-unauthenticated` installs unsigned packages",
                ),
                (
                    "force-yes",
                    "`--force-yes` also accepts unauthenticated packages",
                ),
                (
                    "allow-insecure-repositories",
                    "`--allow-insecure-repositories` uses unsigned repositories",
                ),
            ],
            M::Yum | M::Dnf | M::Microdnf | M::Tdnf => &[(
                "nogpgcheck",
                "`--nogpgcheck` installs packages without checking signatures",
            )],
            M::Zypper => &[
                (
                    "no-gpg-checks",
                    "`--no-gpg-checks` ignores failed signature checks",
                ),
                (
                    "no-gpgcheck",
                    "`--no-gpgcheck` adds a repository without signature checks",
                ),
                (
                    "no-check",
                    "`--no-check` adds a repository without signature checks",
                ),
            ],
            _ => &[],
        };
        for (name, what) in flags {
            if let Some(o) = p.args.get(&[name]) {
                out.push((o.word, *what, Severity::High));
            }
        }
        if p.manager == M::Zypper {
            if let Some(o) = p.args.get(&["gpg-auto-import-keys"]) {
                out.push((
                    o.word,
                    "`--gpg-auto-import-keys` trusts whatever signing key a repository presents",
                    Severity::Medium,
                ));
            }
            if matches!(p.action.as_deref(), Some("ar" | "addrepo")) {
                let parsed = parse_opts(p.cmd.args(), &ZYPPER_G);
                if let Some(o) = parsed.opts.iter().find(|o| !o.long && o.name == "G") {
                    out.push((
                        o.word,
                        "`-G` adds a repository without signature checks",
                        Severity::High,
                    ));
                }
            }
        }
        return out;
    }
    if let Some((name, _, args)) = effective(cmd)
        && name == "rpm"
    {
        let parsed = parse_opts(
            args,
            &OptSpec {
                short_with_arg: b"",
                long_with_arg: &[],
            },
        );
        for (flag, what) in [
            ("nosignature", "`rpm --nosignature` skips signature checks"),
            ("nodigest", "`rpm --nodigest` skips digest checks"),
            ("nogpgcheck", "`rpm --nogpgcheck` skips signature checks"),
        ] {
            if let Some(o) = parsed.get(&[flag]) {
                out.push((o.word, what, Severity::High));
            }
        }
    }
    out
}

impl Rule for SignatureDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen: HashSet<Span> = HashSet::new();
        for stage in crate::util::stages::needed(spec) {
            let subject = stage.label();
            let mut report = |out: &mut Vec<Finding>, span: Span, msg: String, sev: Severity| {
                if seen.insert(span) {
                    out.push(META.finding(span, subject.clone(), msg).with_severity(sev));
                }
            };
            for rs in stage_runs(stage) {
                rs.walk(&mut |cx, _| {
                    let cmd = cx.cmd;
                    for (w, what, sev) in option_switches(cmd) {
                        report(out, w.span, what.to_string(), sev);
                    }
                    let words: Vec<&Word> = cmd.words.iter().collect();
                    let (text, at) = joined(&words);
                    if let Some((s, e, what)) = setting_in(&text)
                        && let Some(span) = joined_span(&text, &at, s, e)
                    {
                        report(
                            out,
                            span,
                            format!("{what}: packages are installed without signature checks"),
                            Severity::High,
                        );
                    }
                    for w in
                        all_words(cmd).filter(|w| !cmd.words.iter().any(|x| std::ptr::eq(x, *w)))
                    {
                        let t = w.lossy();
                        if let Some((s, e, what)) = setting_in(&t) {
                            report(
                                out,
                                sub_span(w.span, &t, s, e),
                                format!("{what}: packages are installed without signature checks"),
                                Severity::High,
                            );
                        }
                    }
                });
                for h in &rs.run.heredocs {
                    let t = &h.body.value;
                    if let Some((s, e, what)) = setting_in(t) {
                        report(
                            out,
                            sub_span(h.body.span, t, s, e),
                            format!("{what}: packages are installed without signature checks"),
                            Severity::High,
                        );
                    }
                }
            }
            for (_, copy) in stage.copies() {
                for h in &copy.heredocs {
                    let t = &h.body.value;
                    if let Some((s, e, what)) = setting_in(t) {
                        report(
                            out,
                            sub_span(h.body.span, t, s, e),
                            format!("{what}: packages are installed without signature checks"),
                            Severity::High,
                        );
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
    fn flags_options() {
        for (text, want) in [
            (
                "FROM alpine:3.22\nRUN apk add --allow-untrusted /tmp/x.apk\n",
                "--allow-untrusted",
            ),
            (
                "FROM debian:12\nRUN apt-get install -y --allow-unauthenticated x\n",
                "--allow-unauthenticated",
            ),
            (
                "FROM debian:12\nRUN apt-get install -y --force-yes x\n",
                "--force-yes",
            ),
            (
                "FROM debian:12\nRUN apt-get -o Acquire::AllowInsecureRepositories=true update\n",
                "AllowInsecureRepositories=true",
            ),
            (
                "FROM fedora:41\nRUN dnf install -y --nogpgcheck x\n",
                "--nogpgcheck",
            ),
            (
                "FROM centos:7\nRUN yum --setopt=gpgcheck=0 install -y x\n",
                "gpgcheck=0",
            ),
            (
                "FROM centos:7\nRUN rpm -ivh --nosignature /tmp/x.rpm\n",
                "--nosignature",
            ),
            (
                "FROM opensuse/leap:15\nRUN zypper --no-gpg-checks in -y x\n",
                "--no-gpg-checks",
            ),
            (
                "FROM alpine:3.22 AS b\nRUN sh -c 'apk add --allow-untrusted x'\nFROM scratch\nCOPY --from=b /a /a\n",
                "--allow-untrusted",
            ),
        ] {
            let f = run_build(&SignatureDisabled, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::High);
        }
        let text = "FROM opensuse/leap:15\nRUN zypper --gpg-auto-import-keys ref\n";
        let f = run_build(&SignatureDisabled, text);
        assert_eq!(flagged(text, &f), vec!["--gpg-auto-import-keys"]);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn flags_written_configuration() {
        for (text, want) in [
            (
                "FROM debian:12\nRUN echo 'deb [trusted=yes] http://x.io/ ./' > /etc/apt/sources.list.d/x.list\n",
                "trusted=yes",
            ),
            (
                "FROM debian:12\nRUN echo 'APT::Get::AllowUnauthenticated \"true\";' > /etc/apt/apt.conf.d/99x\n",
                "AllowUnauthenticated \"true",
            ),
            (
                "FROM fedora:41\nRUN printf '[x]\\nbaseurl=https://x.io\\ngpgcheck=0\\n' > /etc/yum.repos.d/x.repo\n",
                "gpgcheck=0",
            ),
            (
                "FROM fedora:41\nRUN cat > /etc/yum.repos.d/x.repo <<EOF\n[x]\ngpgcheck=0\nEOF\n",
                "gpgcheck=0",
            ),
            (
                "FROM fedora:41\nCOPY <<EOF /etc/yum.repos.d/x.repo\n[x]\ngpgcheck = 0\nEOF\n",
                "gpgcheck = 0",
            ),
            (
                "FROM fedora:41\nRUN sed -i 's/gpgcheck=1/gpgcheck=0/' /etc/yum.repos.d/x.repo\n",
                "gpgcheck=0",
            ),
        ] {
            let f = run_build(&SignatureDisabled, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM fedora:41\nRUN printf '[x]\\ngpgcheck=1\\nrepo_gpgcheck=0\\n' > /etc/yum.repos.d/x.repo\n",
            "FROM debian:12\nRUN echo 'deb [signed-by=/usr/share/keyrings/x.gpg] https://x.io/ stable main' > /etc/apt/sources.list.d/x.list\n",
            "FROM debian:12\nRUN apt-get install -y --no-install-recommends x\n",
            "FROM alpine:3.22\nRUN apk add --no-cache x\n",
            "FROM python:3.13\nRUN pip install --trusted-host pypi.org x\n",
            "FROM debian:12\nRUN echo trusted=yes\n",
        ] {
            assert!(run_build(&SignatureDisabled, text).is_empty(), "{text}");
        }
    }
}
