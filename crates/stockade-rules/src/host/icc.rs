//! **What it finds.** Inter-container communication enabled on the
//! default bridge network (`com.docker.network.bridge.enable_icc` is
//! `true` on the `bridge` network, the default unless `"icc": false` is
//! set in `/etc/docker/daemon.json`).
//!
//! **Why it matters.** Every container started without `--network` lands
//! on the default bridge and can open any port of every other such
//! container: an exposed database, an admin port, a metrics endpoint
//! meant for localhost. One compromised container can then probe and
//! attack all the others.
//!
//! **How to fix.** Set `"icc": false` in `/etc/docker/daemon.json` and
//! restart the daemon; give services that must talk to each other their
//! own user-defined network (Compose does this per project), and link only
//! what needs linking.
//!
//! **Bad**
//! ```json
//! { "icc": true }
//! ```
//!
//! **Good**
//! ```json
//! { "icc": false }
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD407",
    title: "Containers on the default bridge can reach each other (icc)",
    category: Category::AttackSurface,
    severity: Severity::Low,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("icc.rs"),
};

pub struct Icc;

impl Rule for Icc {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if spec.daemon.default_bridge_icc == Some(true) {
            out.push(finding(
                &META,
                spec,
                "daemon: icc",
                "inter-container communication is on for the default bridge: every container on it can reach every other one",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{hardened, run};

    #[test]
    fn flags_only_when_known_on() {
        let mut spec = hardened();
        assert!(run(&Icc, &spec).is_empty());
        spec.daemon.default_bridge_icc = None;
        assert!(run(&Icc, &spec).is_empty());
        spec.daemon.default_bridge_icc = Some(true);
        assert_eq!(run(&Icc, &spec).len(), 1);
    }
}
