//! **What it finds.** TLS certificate verification switched off, in a
//! built image: in its environment (`NODE_TLS_REJECT_UNAUTHORIZED=0`,
//! `PYTHONHTTPSVERIFY=0`, `GIT_SSL_NO_VERIFY`, `PIP_TRUSTED_HOST`,
//! `NPM_CONFIG_STRICT_SSL=false`), which weakens every connection the
//! application makes, and in the image's own `RUN` steps as the history
//! records them (`curl -k`, `wget --no-check-certificate`, `pip
//! --trusted-host`, `git config http.sslVerify false`, yum/dnf
//! `sslverify=0`…), the same checks as the Dockerfile rule SKD114. As in
//! SKD314, the base image's steps are not judged: the base is taken to end
//! at its last `CMD`/`ENTRYPOINT` before the image's own steps.
//!
//! **Why it matters.** Without verification anyone between the build (or
//! the running container) and the server (a proxy, a hostile network, a
//! poisoned DNS answer) can serve their own packages and answers, and they
//! are trusted. A setting in the image's environment applies to every
//! process in every container started from it.
//!
//! **How to fix.** Remove the switch. If a proxy re-signs TLS, add its CA
//! to the image's trust store (`update-ca-certificates`) or point the tool
//! at it (`NODE_EXTRA_CA_CERTS`, `PIP_CERT`, `--cacert`).
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
//! ```

use super::remote_exec::own_runs;
use super::{finding, step_finding};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::tls::{EnvTls, env_tls, tls_off_in_run};
use std::collections::HashSet;
use stockade_core::{Category, Finding, ImageSpec, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD315",
    title: "TLS verification switched off in the image",
    category: Category::Provenance,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("tls_disabled.rs"),
};

pub struct TlsDisabled;

impl Rule for TlsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for e in spec.config.env.iter().filter(|e| e.has_value) {
            if let Some(EnvTls::Off(what)) = env_tls(&e.name, Some(&e.value)) {
                out.push(finding(
                    &META,
                    spec,
                    None,
                    None,
                    format!(
                        "{what} in the image's environment: certificate checks are off for every process in its containers"
                    ),
                ));
            }
        }
        for (i, h, run) in own_runs(spec) {
            let Some(rs) = run.scripts() else { continue };
            let mut seen: HashSet<Span> = HashSet::new();
            for (span, msg) in tls_off_in_run(&rs) {
                if seen.insert(span) {
                    out.push(step_finding(
                        &META,
                        spec,
                        i,
                        h,
                        format!(
                            "history step {}: {msg} (`{}`)",
                            i + 1,
                            run.snippet(span, 120)
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{image, push_run, run, step};
    use stockade_core::EnvEntry;

    #[test]
    fn flags_environment_and_steps() {
        let mut s = image();
        s.config.env = vec![EnvEntry {
            name: "NODE_TLS_REJECT_UNAUTHORIZED".into(),
            value: "0".into(),
            has_value: true,
        }];
        push_run(
            &mut s,
            "RUN /bin/sh -c curl -k https://x.io/a -o /a # buildkit",
        );
        push_run(
            &mut s,
            "|1 H=pypi.org /bin/sh -c pip install --trusted-host pypi.org requests",
        );
        let f = run(&TlsDisabled, &s);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(f[0].message.contains("environment"));
        assert!(f[0].locator.as_ref().unwrap().detail.is_none());
        assert!(
            f[1].message
                .starts_with("history step 6: `curl` with `-k` skips certificate checks"),
            "{}",
            f[1].message
        );
        assert!(f[1].message.ends_with("(`-k`)"));
        assert!(f[2].message.contains("pip `trusted-host`"));
    }

    #[test]
    fn quiet_for_base_steps_and_safe_settings() {
        let mut s = image();
        s.config.env = vec![EnvEntry {
            name: "NODE_TLS_REJECT_UNAUTHORIZED".into(),
            value: "1".into(),
            has_value: true,
        }];
        s.history.insert(
            1,
            step("/bin/sh -c wget --no-check-certificate https://x", Some(0)),
        );
        push_run(
            &mut s,
            "RUN /bin/sh -c curl -fsSL https://x.io/a -o /a # buildkit",
        );
        assert!(run(&TlsDisabled, &s).is_empty());
    }
}
