//! **What it finds.** TLS certificate verification switched off for
//! downloads, in a `RUN` (any stage, any position, `sh -c` strings and
//! heredocs included) or in `ENV`/`ARG`:
//! `curl -k`/`--insecure`, `wget --no-check-certificate`,
//! `pip --trusted-host` and `PIP_TRUSTED_HOST`, `npm`/`yarn config set
//! strict-ssl false` (and `--strict-ssl=false`, `NPM_CONFIG_STRICT_SSL`),
//! `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY`, `git config
//! http.sslVerify false` / `git -c http.sslVerify=false`,
//! `PYTHONHTTPSVERIFY=0`, yum/dnf `sslverify=0` (options and repository
//! files), apt `Acquire::https::Verify-Peer "false"`, wget
//! `check_certificate = off`, `--insecure-skip-tls-verify` and
//! `--tls-verify=false`. An `ENV`/`ARG` whose value cannot be resolved is
//! reported as `info`.
//!
//! **Why it matters.** Without verification anyone between the build and
//! the server (a proxy, a hostile network, a poisoned DNS answer) can serve
//! their own packages and scripts, and the build installs them. Settings
//! made with `ENV` also stay in the image and weaken every connection the
//! application makes at run time.
//!
//! **How to fix.** Remove the switch. If a corporate proxy re-signs TLS,
//! add its CA certificate to the image's trust store (`COPY ca.crt
//! /usr/local/share/ca-certificates/` then `update-ca-certificates`) or
//! point the tool at it (`PIP_CERT`, `NODE_EXTRA_CA_CERTS`, `--cacert`).
//!
//! **Bad**
//! ```dockerfile
//! FROM node:22-slim
//! ENV NODE_TLS_REJECT_UNAUTHORIZED=0
//! RUN curl -k https://example.com/tool.tgz -o /tmp/tool.tgz
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM node:22-slim
//! COPY corp-ca.crt /usr/local/share/ca-certificates/corp-ca.crt
//! RUN update-ca-certificates
//! ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/corp-ca.crt
//! RUN curl -fsSL https://example.com/tool.tgz -o /tmp/tool.tgz
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::stage_runs;
use crate::util::text::sub_span;
use crate::util::tls::{EnvTls, env_tls, tls_off_in_run, tls_off_in_text};
use std::collections::HashSet;
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD114",
    title: "TLS certificate verification switched off",
    category: Category::Provenance,
    severity: Severity::High,
    aliases: &[
        "CKV2_DOCKER_2",
        "CKV2_DOCKER_3",
        "CKV2_DOCKER_4",
        "CKV2_DOCKER_5",
        "CKV2_DOCKER_6",
        "CKV2_DOCKER_12",
        "CKV2_DOCKER_13",
        "CKV2_DOCKER_14",
        "CKV2_DOCKER_15",
        "CKV2_DOCKER_16",
    ],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("tls_disabled.rs"),
};

pub struct TlsDisabled;

impl Rule for TlsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen: HashSet<Span> = HashSet::new();
        let mut push = |out: &mut Vec<Finding>,
                        span: Span,
                        subject: String,
                        msg: String,
                        sev: Option<Severity>| {
            if seen.insert(span) {
                let f = META.finding(span, subject, msg);
                out.push(match sev {
                    Some(s) => f.with_severity(s),
                    None => f,
                });
            }
        };
        for a in &spec.global_args {
            if let Some(d) = &a.default {
                check_env(
                    &a.name.value,
                    d.value.known(),
                    a.span,
                    "before the first FROM".into(),
                    out,
                    &mut push,
                );
            }
        }
        for stage in crate::util::stages::needed(spec) {
            let subject = stage.label();
            for instr in &stage.instructions {
                match &instr.kind {
                    InstrKind::Env(kvs) => {
                        for kv in kvs {
                            let v = kv.value.as_ref();
                            check_env(
                                &kv.key.value,
                                v.and_then(|v| v.value.known()),
                                kv.span,
                                subject.clone(),
                                out,
                                &mut push,
                            );
                        }
                    }
                    InstrKind::Arg(args) => {
                        for a in args {
                            if let Some(d) = &a.default {
                                check_env(
                                    &a.name.value,
                                    d.value.known(),
                                    a.span,
                                    subject.clone(),
                                    out,
                                    &mut push,
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            for rs in stage_runs(stage) {
                for (span, msg) in tls_off_in_run(&rs) {
                    push(out, span, subject.clone(), msg, None);
                }
            }
            for (_, copy) in stage.copies() {
                for h in &copy.heredocs {
                    let t = &h.body.value;
                    if let Some((s, e, what)) = tls_off_in_text(t) {
                        push(
                            out,
                            sub_span(h.body.span, t, s, e),
                            subject.clone(),
                            format!("{what}: certificate checks are switched off"),
                            None,
                        );
                    }
                }
            }
        }
    }
}

type Push<'a> = dyn FnMut(&mut Vec<Finding>, Span, String, String, Option<Severity>) + 'a;

/// `ENV`/`ARG` settings: known values are judged, unknown ones are `info`.
fn check_env(
    key: &str,
    value: Option<&str>,
    span: Span,
    subject: String,
    out: &mut Vec<Finding>,
    push: &mut Push,
) {
    match env_tls(key, value) {
        Some(EnvTls::Off(what)) => push(
            out,
            span,
            subject,
            format!(
                "{what}: certificate checks are switched off for the build and, with ENV, in the image"
            ),
            None,
        ),
        Some(EnvTls::Unknown) => push(
            out,
            span,
            subject,
            format!(
                "cannot tell whether `{key}` switches certificate checks off: its value is not known here"
            ),
            Some(Severity::Info),
        ),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    #[test]
    fn flags_tool_switches() {
        for (text, want) in [
            ("FROM debian:12\nRUN curl -k https://x.io/a -o a\n", "-k"),
            (
                "FROM debian:12\nRUN curl -fsSLk https://x.io/a -o a\n",
                "-fsSLk",
            ),
            (
                "FROM debian:12\nRUN curl --insecure https://x.io/a -o a\n",
                "--insecure",
            ),
            (
                "FROM debian:12\nRUN wget --no-check-certificate https://x.io/a\n",
                "--no-check-certificate",
            ),
            (
                "FROM python:3.13\nRUN pip install --trusted-host pypi.org requests\n",
                "--trusted-host pypi.org",
            ),
            (
                "FROM python:3.13\nRUN pip install --trusted-host=pypi.org requests\n",
                "trusted-host=pypi.org",
            ),
            (
                "FROM node:22\nRUN npm config set strict-ssl false\n",
                "strict-ssl false",
            ),
            (
                "FROM node:22\nRUN yarn config set strict-ssl false\n",
                "strict-ssl false",
            ),
            (
                "FROM debian:12\nRUN git config --global http.sslVerify false\n",
                "http.sslVerify false",
            ),
            (
                "FROM debian:12\nRUN git -c http.sslVerify=false clone https://x.io/r\n",
                "sslVerify=false",
            ),
            (
                "FROM node:22\nRUN NODE_TLS_REJECT_UNAUTHORIZED=0 npm install\n",
                "NODE_TLS_REJECT_UNAUTHORIZED=0",
            ),
            (
                "FROM fedora:41\nRUN dnf --setopt=sslverify=0 install -y x\n",
                "sslverify=0",
            ),
            (
                "FROM fedora:41\nRUN echo 'sslverify=false' >> /etc/yum.conf\n",
                "sslverify=false",
            ),
            (
                "FROM debian:12\nRUN sh -c 'curl -k https://x.io/a -o a'\n",
                "-k",
            ),
            (
                "FROM debian:12\nRUN echo insecure >> ~/.curlrc\n",
                "insecure",
            ),
        ] {
            let f = run_build(&TlsDisabled, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn flags_env_and_arg() {
        let text = "FROM node:22\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\nARG PYTHONHTTPSVERIFY=0\nENV GIT_SSL_NO_VERIFY=true PIP_TRUSTED_HOST=pypi.org\n";
        let f = run_build(&TlsDisabled, text);
        assert_eq!(
            flagged(text, &f),
            vec![
                "NODE_TLS_REJECT_UNAUTHORIZED=0",
                "PYTHONHTTPSVERIFY=0",
                "GIT_SSL_NO_VERIFY=true",
                "PIP_TRUSTED_HOST=pypi.org"
            ]
        );
        let text = "FROM node:22\nARG V\nENV NODE_TLS_REJECT_UNAUTHORIZED=$V\n";
        let f = run_build(&TlsDisabled, text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn flags_heredoc_repo_files() {
        let text = "FROM fedora:41\nRUN cat > /etc/yum.repos.d/x.repo <<EOF\n[x]\nbaseurl=https://x.io\nsslverify=0\nEOF\n";
        assert_eq!(
            flagged(text, &run_build(&TlsDisabled, text)),
            vec!["sslverify=0"]
        );
        let text = "FROM fedora:41\nCOPY <<EOF /etc/yum.repos.d/x.repo\n[x]\nsslverify = no\nEOF\n";
        assert_eq!(
            flagged(text, &run_build(&TlsDisabled, text)),
            vec!["sslverify = no"]
        );
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN curl -fsSL https://x.io/a -o a\n",
            "FROM debian:12\nRUN curl -H 'k: v' https://x.io/a\n",
            "FROM debian:12\nRUN git config --global http.sslVerify true\n",
            "FROM node:22\nENV NODE_TLS_REJECT_UNAUTHORIZED=1\n",
            "FROM node:22\nRUN npm config set strict-ssl true\n",
            "FROM fedora:41\nRUN echo 'sslverify=1' >> /etc/yum.conf\n",
            "FROM debian:12\nRUN wget https://x.io/a\n",
            "FROM node:22\nENV NODE_EXTRA_CA_CERTS=/etc/ssl/ca.pem\n",
        ] {
            assert!(run_build(&TlsDisabled, text).is_empty(), "{text}");
        }
    }
}
