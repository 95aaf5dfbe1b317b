//! **What it finds.** A container without a CPU limit: none of `cpus`,
//! `deploy.resources.limits.cpus`, `cpu_quota`, `cpuset`, `--cpus`,
//! `--cpu-quota`, `--cpuset-cpus` (or `HostConfig.NanoCpus`, `CpuQuota`,
//! `CpusetCpus`) is set, or the value is `0` (unlimited). A limit that does
//! not resolve counts as set. `cpu_shares` is a relative weight under
//! contention, not a limit, and does not count.
//!
//! **Why it matters.** Without a limit, a busy or compromised container
//! (a crypto miner is the usual payload) can use every core of the host
//! and starve the other services and the daemon.
//!
//! **How to fix.** Set `cpus: "1.5"` (or `deploy.resources.limits.cpus`,
//! `docker run --cpus 1.5`) to what the service needs at peak.
//! `stockade fix --unsafe-fixes` sets `cpus` (or
//! `deploy.resources.limits.cpus`) to the `[fix] cpus` value of
//! `.stockade.toml`, 1.0 by default (an unsafe fix).
//!
//! **Bad**
//! ```yaml
//! services:
//!   worker:
//!     image: example/worker:1.0
//!     cpu_shares: 512
//! ```
//! ```sh
//! docker run example/worker:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   worker:
//!     image: example/worker:1.0
//!     deploy:
//!       resources:
//!         limits:
//!           cpus: "1.5"
//! ```

use crate::container::support::{finding, limit_unresolved};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD217",
    title: "No CPU limit",
    category: Category::Resources,
    severity: Severity::Low,
    aliases: &["cpus_not_limited"],
    targets: &[Target::Container],
    fix: FixKind::Unsafe,
    source: include_str!("cpu_limit.rs"),
};

pub struct CpuLimit;

impl Rule for CpuLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let r = &spec.resources;
        let limited = r.nano_cpus.as_ref().is_some_and(|v| v.value > 0)
            || r.cpu_quota.as_ref().is_some_and(|v| v.value > 0)
            || r.cpuset_cpus
                .as_ref()
                .is_some_and(|v| !v.value.trim().is_empty());
        if limited
            || limit_unresolved(
                spec,
                &[
                    "cpus",
                    "deploy.resources.limits.cpus",
                    "cpu_quota",
                    "cpuset",
                    "cpu-quota",
                    "cpuset-cpus",
                ],
            )
        {
            return;
        }
        // Point at an explicit zero when there is one.
        let zero = [&r.nano_cpus, &r.cpu_quota]
            .into_iter()
            .flatten()
            .find(|v| v.value <= 0);
        let shares = if r.cpu_shares.is_some() {
            " (`cpu_shares` is a relative weight, not a limit)"
        } else {
            ""
        };
        match zero {
            Some(z) => out.push(finding(
                &META,
                spec,
                z.span,
                format!("the CPU limit is `{}`, which means unlimited: the container can use every core of the host{shares}", z.value),
            )),
            None => out.push(finding(
                &META,
                spec,
                spec.anchor,
                format!("no CPU limit: the container can use every core of the host{shares}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_missing_limit() {
        let text = "services:\n  worker:\n    image: example/worker:1.0\n    cpu_shares: 512\n";
        let f = run_compose(&CpuLimit, text);
        assert_eq!(f.len(), 1);
        assert!(flagged(text, &f)[0].starts_with("worker"));
        assert!(f[0].message.contains("relative weight"));
        assert_eq!(
            run_docker(&CpuLimit, "docker run --cpu-shares 512 example/w:1\n").len(),
            1
        );
    }

    #[test]
    fn every_spelling_counts() {
        for res in [
            "    cpus: 1.5\n",
            "    cpus: \"0.5\"\n",
            "    cpu_quota: 50000\n",
            "    cpuset: \"0,1\"\n",
            "    deploy:\n      resources:\n        limits:\n          cpus: '2'\n",
            "    cpus: ${WORKER_CPUS}\n",
        ] {
            let text = format!("services:\n  worker:\n    image: example/worker:1.0\n{res}");
            assert!(run_compose(&CpuLimit, &text).is_empty(), "{res}");
        }
        for cmd in [
            "docker run --cpus 1.5 example/w:1\n",
            "docker run --cpu-quota=50000 example/w:1\n",
            "docker run --cpuset-cpus 0-1 example/w:1\n",
        ] {
            assert!(run_docker(&CpuLimit, cmd).is_empty(), "{cmd}");
        }
    }
}
