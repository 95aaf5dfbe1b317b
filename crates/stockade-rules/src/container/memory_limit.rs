//! **What it finds.** A container without a memory limit: none of
//! `mem_limit`, `deploy.resources.limits.memory`, `--memory`/`-m` or
//! `HostConfig.Memory` is set, or it is set to `0` or `-1` (unlimited).
//! A limit that does not resolve (`mem_limit: ${MEM}`) counts as set.
//! `mem_reservation` is a soft target, not a limit.
//!
//! **Why it matters.** Without a limit, one container can take all the
//! host's memory: a leak, a large request or a deliberate attack makes the
//! kernel's OOM killer pick victims among every process on the host,
//! including the Docker daemon and other services.
//!
//! **How to fix.** Set a limit a little above what the service uses at
//! peak: `mem_limit: 512m` or `deploy.resources.limits.memory: 512M`
//! (`docker run --memory 512m`).
//! `stockade fix --unsafe-fixes` sets `mem_limit` (or
//! `deploy.resources.limits.memory` where the service has limits) to the
//! `[fix] memory` value of `.stockade.toml`, 512m by default (an unsafe fix).
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
//!     deploy:
//!       resources:
//!         limits:
//!           memory: 512M
//! ```

use crate::container::support::{finding, limit_unresolved};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD216",
    title: "No memory limit",
    category: Category::Resources,
    severity: Severity::Medium,
    aliases: &["memory_not_limited"],
    targets: &[Target::Container],
    fix: FixKind::Unsafe,
    source: include_str!("memory_limit.rs"),
};

pub struct MemoryLimit;

impl Rule for MemoryLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        match &spec.resources.memory {
            Some(m) if m.value > 0 => {}
            Some(m) => out.push(finding(
                &META,
                spec,
                m.span,
                format!("the memory limit is `{}`, which means unlimited: the container can take all the host's memory", m.value),
            )),
            None if limit_unresolved(
                    spec,
                    &["mem_limit", "deploy.resources.limits.memory", "memory"],
                ) => {}
            None => out.push(finding(
                &META,
                spec,
                spec.anchor,
                "no memory limit: the container can take all the host's memory",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_missing_and_unlimited() {
        let text = "services:\n  api:\n    image: example/api:1.0\n    mem_reservation: 256m\n";
        let f = run_compose(&MemoryLimit, text);
        assert_eq!(f.len(), 1);
        assert!(flagged(text, &f)[0].starts_with("api"));
        let text = "services:\n  api:\n    image: example/api:1.0\n    mem_limit: 0\n";
        let f = run_compose(&MemoryLimit, text);
        assert_eq!(flagged(text, &f).len(), 1);
        assert!(f[0].message.contains("unlimited"));
        assert_eq!(
            run_docker(&MemoryLimit, "docker run example/api:1.0\n").len(),
            1
        );
    }

    #[test]
    fn every_spelling_counts() {
        for res in [
            "    mem_limit: 512m\n",
            "    mem_limit: 1g\n",
            "    deploy:\n      resources:\n        limits:\n          memory: 512M\n",
            "    mem_limit: ${API_MEM}\n",
        ] {
            let text = format!("services:\n  api:\n    image: example/api:1.0\n{res}");
            assert!(run_compose(&MemoryLimit, &text).is_empty(), "{res}");
        }
        for cmd in [
            "docker run -m 512m example/api:1.0\n",
            "docker run --memory=1g example/api:1.0\n",
        ] {
            assert!(run_docker(&MemoryLimit, cmd).is_empty(), "{cmd}");
        }
    }
}
