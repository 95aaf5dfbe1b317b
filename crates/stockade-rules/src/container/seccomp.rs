//! **What it finds.** A container started without a seccomp filter:
//! `security_opt: [seccomp=unconfined]`, the older `seccomp:unconfined`, or
//! `--security-opt seccomp=unconfined`. A value that does not resolve
//! (`seccomp=${PROFILE}`) is reported as info. A custom profile
//! (`seccomp=profile.json`) is not judged.
//!
//! **Why it matters.** Docker's default seccomp profile blocks about fifty
//! system calls that containers do not need and that keep turning up in
//! kernel exploits and escapes: `keyctl`, `add_key`, `bpf`, `userfaultfd`,
//! `unshare` and `mount` without `SYS_ADMIN`, `kexec_load`, `open_by_handle_at`
//! and more. Without it, every kernel bug reachable through those calls is
//! reachable from the container.
//!
//! **How to fix.** Remove `seccomp=unconfined`. If a program needs one
//! blocked call, copy Docker's default profile, allow that call alone, and
//! pass the file: `seccomp=./seccomp.json`.
//!
//! **Bad**
//! ```yaml
//! services:
//!   db:
//!     image: mysql:8.4
//!     security_opt:
//!       - seccomp:unconfined
//! ```
//! ```sh
//! docker run --security-opt seccomp=unconfined mysql:8.4
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   db:
//!     image: mysql:8.4
//!     security_opt:
//!       - seccomp=./seccomp-mysql.json
//! ```

use crate::container::support::{finding, security_opts};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD212",
    title: "Seccomp filter disabled (seccomp=unconfined)",
    category: Category::KernelSecurity,
    severity: Severity::High,
    aliases: &["default_seccomp_profile_disabled"],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("seccomp.rs"),
};

pub struct Seccomp;

impl Rule for Seccomp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for o in security_opts(spec) {
            if o.key != "seccomp" {
                continue;
            }
            let v = o.value.as_deref().unwrap_or("");
            if o.unresolved {
                out.push(
                    finding(
                        &META,
                        spec,
                        o.span,
                        format!(
                            "cannot tell whether seccomp is disabled: `seccomp={v}` did not resolve"
                        ),
                    )
                    .with_severity(Severity::Info),
                );
            } else if v.eq_ignore_ascii_case("unconfined") {
                out.push(finding(
                    &META,
                    spec,
                    o.span,
                    "seccomp is disabled: every system call, including those used by kernel exploits, is open to the container",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    #[test]
    fn flags_each_spelling() {
        for opt in ["seccomp=unconfined", "seccomp:unconfined"] {
            let text = format!(
                "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - \"{opt}\"\n"
            );
            let f = run_compose(&Seccomp, &text);
            assert_eq!(severities(&f), vec![Severity::High], "{opt}");
            assert!(flagged(&text, &f)[0].contains(opt), "{opt}");
        }
        let f = run_docker(
            &Seccomp,
            "docker run --security-opt seccomp=unconfined alpine:3.20\n",
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn quiet_for_profiles_and_other_options() {
        for opt in [
            "seccomp=./profile.json",
            "apparmor=unconfined",
            "no-new-privileges:true",
        ] {
            let text = format!(
                "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - {opt}\n"
            );
            assert!(run_compose(&Seccomp, &text).is_empty(), "{opt}");
        }
    }

    #[test]
    fn unresolved_is_info() {
        let text = "services:\n  a:\n    image: alpine:3.20\n    security_opt:\n      - seccomp=${PROFILE}\n";
        assert_eq!(
            severities(&run_compose(&Seccomp, text)),
            vec![Severity::Info]
        );
    }
}
