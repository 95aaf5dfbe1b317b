//! **What it finds.** A container told to run as root: `user: root`,
//! `user: "0"`, `user: "0:0"`, `root:root`, `--user 0`, `-u root`, or a
//! value that resolves to root through interpolation
//! (`user: ${RUN_AS:-root}`). A user that does not resolve is reported as
//! info. A non-root user with group 0 (`1000:0`, common on OpenShift) is not
//! root.
//!
//! **Why it matters.** Root in a container is UID 0 on the host kernel
//! unless user namespaces remap it. Every other weakness (a writable host
//! mount, an added capability, a kernel bug) starts from root's privileges
//! instead of a plain user's. Setting root explicitly also overrides an
//! image that was built to run as a non-root user.
//!
//! **How to fix.** Remove the setting, or set a dedicated numeric UID
//! (`user: "10001:10001"`). If the service needs root only to start (to
//! change file ownership or bind a low port), fix that in the image: own
//! the files at build time, listen on a port above 1024.
//!
//! **Bad**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     user: root
//! ```
//! ```sh
//! docker run -u 0 example/app:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     user: "10001:10001"
//! ```

use crate::container::support::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity, user_is_root};

pub static META: RuleMeta = RuleMeta {
    id: "SKD223",
    title: "Container runs as root (user: root)",
    category: Category::RootUser,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("user_root.rs"),
};

pub struct UserRoot;

impl Rule for UserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let Some(user) = &spec.user else {
            return;
        };
        match user.value.known() {
            Some(u) if user_is_root(u.trim()) => {
                let resolved = if u == user.value.raw {
                    String::new()
                } else {
                    format!(" (`{}` resolves to `{u}`)", user.value.raw)
                };
                out.push(finding(
                    &META,
                    spec,
                    user.span,
                    format!("the container runs as root: user `{}`{resolved}", u.trim()),
                ));
            }
            Some(_) => {}
            None => out.push(
                finding(
                    &META,
                    spec,
                    user.span,
                    format!(
                        "cannot tell whether user `{}` is root: {} did not resolve",
                        user.value.raw,
                        user.value.unresolved.join(", ")
                    ),
                )
                .with_severity(Severity::Info),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    #[test]
    fn flags_every_spelling_of_root() {
        for u in [
            "root",
            "\"0\"",
            "0",
            "\"0:0\"",
            "root:root",
            "\"root:1000\"",
        ] {
            let text = format!("services:\n  a:\n    image: alpine:3.20\n    user: {u}\n");
            let f = run_compose(&UserRoot, &text);
            assert_eq!(severities(&f), vec![Severity::High], "{u}");
            assert!(flagged(&text, &f)[0].contains(u.trim_matches('"')), "{u}");
        }
        for cmd in [
            "docker run -u 0 alpine:3.20\n",
            "docker run --user=root alpine:3.20\n",
        ] {
            assert_eq!(run_docker(&UserRoot, cmd).len(), 1, "{cmd}");
        }
    }

    #[test]
    fn resolves_interpolation() {
        let text = "services:\n  a:\n    image: alpine:3.20\n    user: ${RUN_AS:-root}\n";
        let f = run_compose(&UserRoot, text);
        assert_eq!(severities(&f), vec![Severity::High]);
        assert!(f[0].message.contains("resolves to"));
        let text = "services:\n  a:\n    image: alpine:3.20\n    user: ${RUN_AS}\n";
        assert_eq!(
            severities(&run_compose(&UserRoot, text)),
            vec![Severity::Info]
        );
    }

    #[test]
    fn quiet_for_non_root() {
        for u in ["\"1000\"", "\"10001:10001\"", "nobody", "\"1000:0\"", "app"] {
            let text = format!("services:\n  a:\n    image: alpine:3.20\n    user: {u}\n");
            assert!(run_compose(&UserRoot, &text).is_empty(), "{u}");
        }
        assert!(run_compose(&UserRoot, "services:\n  a:\n    image: alpine:3.20\n").is_empty());
    }
}
