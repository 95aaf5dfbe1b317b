//! Rules that judge a `HostSpec`: the Docker daemon (from `/info`,
//! `/version` and the default bridge network) and, when stockade runs on
//! the same machine, the host around it (the socket, the `docker` group,
//! `/etc/docker/daemon.json`, the caller). Findings have no span; their
//! locator's `detail` names the setting (`daemon: seccomp`, `host: group docker`).

use crate::meta::{Rule, RuleMeta};
use stockade_core::{Finding, HostSpec, Locator, Span};

pub mod authz_plugin;
pub mod caller_root;
pub mod docker_group;
pub mod engine_eol;
pub mod icc;
pub mod insecure_registry;
pub mod live_restore;
pub mod lsm;
pub mod socket_permissions;
pub mod tcp_no_tls;
pub mod userns;

#[cfg(test)]
mod testutil;

pub static RULES: &[&'static dyn Rule] = &[
    &lsm::Lsm,
    &userns::Userns,
    &authz_plugin::AuthzPlugin,
    &live_restore::LiveRestore,
    &insecure_registry::InsecureRegistry,
    &tcp_no_tls::TcpNoTls,
    &icc::Icc,
    &engine_eol::EngineEol,
    &docker_group::DockerGroup,
    &socket_permissions::SocketPermissions,
    &caller_root::CallerRoot,
];

/// A finding about `spec` without a span, located by `detail`.
pub(crate) fn finding(
    meta: &'static RuleMeta,
    spec: &HostSpec,
    detail: impl Into<String>,
    message: impl Into<String>,
) -> Finding {
    let mut f = meta.finding(Span::default(), spec.subject.clone(), message);
    f.span = None;
    f.locator = Some(Box::new(Locator {
        detail: Some(detail.into()),
        ..Locator::default()
    }));
    f
}

#[cfg(test)]
mod tests {
    use super::RULES;
    use crate::host::testutil::{bare, example_spec, hardened, risky};
    use crate::testutil::ctx;

    #[test]
    fn doc_examples_match_the_rules() {
        let cx = ctx();
        for rule in RULES {
            let m = rule.meta();
            let ex = crate::testutil::doc_examples(&m.doc());
            assert!(
                ex.iter().any(|e| !e.0) && ex.iter().any(|e| e.0),
                "{}: examples",
                m.id
            );
            for (good, lang, text) in ex {
                let mut out = Vec::new();
                rule.check_host(&example_spec(&lang, &text), &cx, &mut out);
                if good {
                    assert!(
                        out.is_empty(),
                        "{}: good example flagged: {out:?}\n{text}",
                        m.id
                    );
                } else {
                    assert!(!out.is_empty(), "{}: bad example not flagged\n{text}", m.id);
                }
            }
        }
    }

    #[test]
    fn ids_are_in_the_host_range_and_sorted() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert!(ids.iter().all(|i| i.starts_with("SKD4")), "{ids:?}");
    }

    #[test]
    fn every_rule_fires_on_a_risky_host_and_none_on_a_hardened_one() {
        let cx = ctx();
        let risky = risky();
        let hardened = hardened();
        for r in RULES {
            let mut out = Vec::new();
            r.check_host(&risky, &cx, &mut out);
            assert!(
                !out.is_empty(),
                "{} is quiet on the risky host",
                r.meta().id
            );
            for f in &out {
                assert!(f.span.is_none(), "{}", f.rule);
                let detail = f
                    .locator
                    .as_ref()
                    .and_then(|l| l.detail.as_deref())
                    .unwrap_or("");
                assert!(
                    detail.starts_with("daemon") || detail.starts_with("host"),
                    "{}: {detail}",
                    f.rule
                );
                assert_eq!(f.subject, risky.subject);
            }
            let mut out = Vec::new();
            r.check_host(&hardened, &cx, &mut out);
            assert!(
                out.is_empty(),
                "{} on the hardened host: {out:?}",
                r.meta().id
            );
            // Nothing known: nothing said.
            let mut out = Vec::new();
            r.check_host(&bare(), &cx, &mut out);
            assert!(
                out.is_empty(),
                "{} on an unknown host: {out:?}",
                r.meta().id
            );
        }
    }
}
