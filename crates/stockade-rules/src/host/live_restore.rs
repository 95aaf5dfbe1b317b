//! **What it finds.** A daemon with live restore off (`/info`
//! LiveRestoreEnabled is false).
//!
//! **Why it matters.** Without live restore, stopping or upgrading the
//! daemon stops every container. Security updates of the engine then mean
//! downtime, so they get postponed; with live restore, containers keep
//! running while the daemon restarts.
//!
//! **How to fix.** Set `"live-restore": true` in `/etc/docker/daemon.json`
//! and reload the daemon (`systemctl reload docker`). Swarm mode does not
//! support it; on swarm nodes, plan rolling node upgrades instead.
//!
//! **Bad**
//! ```json
//! { "live-restore": false }
//! ```
//!
//! **Good**
//! ```json
//! { "live-restore": true }
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD404",
    title: "Live restore is off: daemon upgrades stop every container",
    category: Category::Hygiene,
    severity: Severity::Low,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("live_restore.rs"),
};

pub struct LiveRestore;

impl Rule for LiveRestore {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if spec.daemon.live_restore == Some(false) {
            out.push(finding(
                &META,
                spec,
                "daemon: live-restore",
                "live restore is off: restarting or upgrading the daemon stops every container",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{hardened, run};

    #[test]
    fn flags_only_a_known_off() {
        let mut spec = hardened();
        assert!(run(&LiveRestore, &spec).is_empty());
        spec.daemon.live_restore = None;
        assert!(run(&LiveRestore, &spec).is_empty());
        spec.daemon.live_restore = Some(false);
        assert_eq!(run(&LiveRestore, &spec).len(), 1);
    }
}
