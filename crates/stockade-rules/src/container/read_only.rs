//! **What it finds.** A container whose root filesystem is writable:
//! `read_only` (`--read-only`, `HostConfig.ReadonlyRootfs`) not set, or set
//! to false. This is advice (info).
//!
//! **Why it matters.** An attacker who gets code execution in a container
//! with a writable root filesystem can replace the application's files,
//! drop tools and persist until the container is recreated. With a
//! read-only root, the only writable places are the volumes and `tmpfs`
//! mounts you chose, which makes tampering harder and easier to spot.
//!
//! **How to fix.** Set `read_only: true` and give the service `tmpfs`
//! mounts for the scratch directories it writes (`/tmp`, `/run`) and
//! volumes for its data.
//! `stockade fix --unsafe-fixes` sets `read_only: true` and adds a
//! `tmpfs` for `/tmp` (an unsafe fix: other writes fail).
//!
//! **Bad**
//! ```yaml
//! services:
//!   api:
//!     image: example/api:1.0
//! ```
//! ```sh
//! docker run example/api:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   api:
//!     image: example/api:1.0
//!     read_only: true
//!     tmpfs:
//!       - /tmp
//! ```

use crate::container::support::{finding, opaque_options, unresolved_setting};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD230",
    title: "Root filesystem is writable (read_only not set)",
    category: Category::Hygiene,
    severity: Severity::Info,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::Unsafe,
    source: include_str!("read_only.rs"),
};

pub struct ReadOnly;

impl Rule for ReadOnly {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        match &spec.read_only {
            Some(r) if r.value => {}
            Some(r) => out.push(finding(
                &META,
                spec,
                r.span,
                "the root filesystem is writable (`read_only` is false)",
            )),
            None if opaque_options(spec)
                || unresolved_setting(spec, &["read_only", "read-only"]).is_some() => {}
            None => out.push(finding(
                &META,
                spec,
                spec.anchor,
                "the root filesystem is writable; set `read_only: true` and give the service `tmpfs` for scratch files",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_writable_root() {
        let text = "services:\n  api:\n    image: example/api:1.0\n";
        let f = run_compose(&ReadOnly, text);
        assert!(flagged(text, &f)[0].starts_with("api"));
        assert_eq!(f[0].severity, Severity::Info);
        let text = "services:\n  api:\n    image: example/api:1.0\n    read_only: false\n";
        assert_eq!(flagged(text, &run_compose(&ReadOnly, text)), vec!["false"]);
        assert_eq!(
            run_docker(&ReadOnly, "docker run example/api:1.0\n").len(),
            1
        );
    }

    #[test]
    fn quiet_when_read_only() {
        let text = "services:\n  api:\n    image: example/api:1.0\n    read_only: true\n";
        assert!(run_compose(&ReadOnly, text).is_empty());
        let text = "services:\n  api:\n    image: example/api:1.0\n    read_only: ${RO}\n";
        assert!(run_compose(&ReadOnly, text).is_empty());
        assert!(run_docker(&ReadOnly, "docker run --read-only example/api:1.0\n").is_empty());
    }
}
