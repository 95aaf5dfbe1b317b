//! **What it finds.** A container without `no-new-privileges`: no
//! `security_opt` entry `no-new-privileges`, `no-new-privileges:true` or
//! `no-new-privileges=true` (any value Go reads as true: `1`, `t`, `TRUE` …).
//! `no-new-privileges:false` counts as not set and is pointed at. This is
//! advice (info); it is not reported for privileged containers, which the
//! privileged rule (SKD205) covers.
//!
//! **Why it matters.** Without the flag, a process in the container can
//! gain privileges by running a setuid or setcap binary (`su`, `sudo`,
//! `ping` on older images, anything an attacker drops and marks setuid).
//! With it, the kernel refuses every privilege gain on `execve`, so a
//! compromised non-root process stays non-root.
//!
//! **How to fix.** Add `no-new-privileges:true` to `security_opt`, or
//! `--security-opt no-new-privileges` to `docker run`. To turn it on for
//! every container, set `"no-new-privileges": true` in the daemon's
//! `daemon.json`.
//! `stockade fix` adds it to Compose files (a safe fix), or turns a
//! `no-new-privileges:false` entry into `:true`.
//!
//! **Bad**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     user: "10001"
//! ```
//! ```sh
//! docker run --user 10001 example/app:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     user: "10001"
//!     security_opt:
//!       - no-new-privileges:true
//! ```

use crate::container::support::{finding, opaque_options, parse_go_bool, security_opts};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD215",
    title: "no-new-privileges not set",
    category: Category::KernelSecurity,
    severity: Severity::Info,
    aliases: &["no_new_privileges_not_set"],
    targets: &[Target::Container],
    fix: FixKind::Safe,
    source: include_str!("no_new_privileges.rs"),
};

pub struct NoNewPrivileges;

impl Rule for NoNewPrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if opaque_options(spec) || spec.privileged.as_ref().is_some_and(|p| p.value) {
            return;
        }
        // The daemon applies the options in order: the last one wins.
        let mut state: Option<(bool, stockade_core::Span)> = None;
        for o in security_opts(spec) {
            if o.key != "no-new-privileges" {
                continue;
            }
            if o.unresolved {
                // Set to something unknown: say nothing.
                return;
            }
            let on = match o.value.as_deref() {
                None => true,
                Some(v) => parse_go_bool(v.trim()).unwrap_or(false),
            };
            state = Some((on, o.span));
        }
        match state {
            Some((true, _)) => {}
            Some((false, span)) => out.push(finding(
                &META,
                spec,
                span,
                "`no-new-privileges` is turned off: processes can gain privileges through setuid binaries",
            )),
            None => out.push(finding(
                &META,
                spec,
                spec.anchor,
                "`no-new-privileges` is not set: processes can gain privileges through setuid binaries; add `security_opt: [no-new-privileges:true]`",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    fn with_opt(opt: &str) -> String {
        format!("services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - \"{opt}\"\n")
    }

    #[test]
    fn accepts_every_true_spelling() {
        for opt in [
            "no-new-privileges",
            "no-new-privileges:true",
            "no-new-privileges=true",
            "no-new-privileges:1",
            "no-new-privileges=TRUE",
        ] {
            assert!(
                run_compose(&NoNewPrivileges, &with_opt(opt)).is_empty(),
                "{opt}"
            );
        }
        assert!(
            run_docker(
                &NoNewPrivileges,
                "docker run --security-opt no-new-privileges alpine:3.20\n"
            )
            .is_empty()
        );
        let text = "services:\n  a:\n    image: alpine:3.20\n    privileged: true\n";
        assert!(run_compose(&NoNewPrivileges, text).is_empty());
    }

    #[test]
    fn flags_missing_or_false() {
        let text = "services:\n  a:\n    image: alpine:3.20\n";
        let f = run_compose(&NoNewPrivileges, text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(flagged(text, &f)[0].starts_with('a'));
        let text = with_opt("no-new-privileges:false");
        let f = run_compose(&NoNewPrivileges, &text);
        assert!(flagged(&text, &f)[0].contains("no-new-privileges:false"));
        let text = "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - seccomp=./p.json\n";
        assert_eq!(run_compose(&NoNewPrivileges, text).len(), 1);
        assert_eq!(
            run_docker(&NoNewPrivileges, "docker run alpine:3.20\n").len(),
            1
        );
    }
}
