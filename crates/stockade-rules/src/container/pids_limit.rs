//! **What it finds.** A container without a process-count limit: neither
//! `pids_limit`, `deploy.resources.limits.pids`, `--pids-limit` nor
//! `HostConfig.PidsLimit` is set, or it is `0` or `-1` (unlimited). A
//! limit that does not resolve counts as set.
//!
//! **Why it matters.** Without a limit, a fork bomb or a runaway worker
//! pool in one container exhausts the host's process table: no other
//! container, and no administrator's shell, can start a process until it
//! is killed.
//!
//! **How to fix.** Set `pids_limit: 200` (or `deploy.resources.limits.pids`,
//! `docker run --pids-limit 200`) to a few times what the service runs.
//! `stockade fix --unsafe-fixes` sets `pids_limit` (or
//! `deploy.resources.limits.pids`) to the `[fix] pids-limit` value of
//! `.stockade.toml`, 256 by default (an unsafe fix).
//!
//! **Bad**
//! ```yaml
//! services:
//!   api:
//!     image: example/api:1.0
//!     pids_limit: -1
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
//!     pids_limit: 200
//! ```

use crate::container::support::{finding, limit_unresolved};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD218",
    title: "No process-count (pids) limit",
    category: Category::Resources,
    severity: Severity::Low,
    aliases: &["pids_limit_not_set"],
    targets: &[Target::Container],
    fix: FixKind::Unsafe,
    source: include_str!("pids_limit.rs"),
};

pub struct PidsLimit;

impl Rule for PidsLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        match &spec.resources.pids_limit {
            Some(p) if p.value > 0 => {}
            Some(p) => out.push(finding(
                &META,
                spec,
                p.span,
                format!("the pids limit is `{}`, which means unlimited: a fork bomb can exhaust the host's process table", p.value),
            )),
            None if limit_unresolved(
                    spec,
                    &["pids_limit", "deploy.resources.limits.pids", "pids-limit"],
                ) => {}
            None => out.push(finding(
                &META,
                spec,
                spec.anchor,
                "no pids limit: a fork bomb in the container can exhaust the host's process table",
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
        let text = "services:\n  api:\n    image: example/api:1.0\n";
        let f = run_compose(&PidsLimit, text);
        assert!(flagged(text, &f)[0].starts_with("api"));
        for v in ["-1", "0"] {
            let text =
                format!("services:\n  api:\n    image: example/api:1.0\n    pids_limit: {v}\n");
            let f = run_compose(&PidsLimit, &text);
            assert_eq!(flagged(&text, &f), vec![v.to_string()], "{v}");
        }
        assert_eq!(
            run_docker(&PidsLimit, "docker run --pids-limit -1 example/api:1\n").len(),
            1
        );
    }

    #[test]
    fn every_spelling_counts() {
        for res in [
            "    pids_limit: 200\n",
            "    deploy:\n      resources:\n        limits:\n          pids: 100\n",
            "    pids_limit: ${PIDS}\n",
        ] {
            let text = format!("services:\n  api:\n    image: example/api:1.0\n{res}");
            assert!(run_compose(&PidsLimit, &text).is_empty(), "{res}");
        }
        assert!(run_docker(&PidsLimit, "docker run --pids-limit=100 example/api:1\n").is_empty());
    }
}
