//! **What it finds.** A container that does not drop all capabilities
//! (`cap_drop: [ALL]`, `--cap-drop=ALL`), so it keeps Docker's default set.
//! Privileged containers are left to the privileged rule (SKD205): Docker
//! ignores `cap_drop` for them. This is advice (info).
//!
//! **Why it matters.** Docker's default set still includes `NET_RAW`
//! (packet spoofing on the container network), `MKNOD`, `DAC_OVERRIDE`,
//! `SETUID`/`SETGID`, `CHOWN` and `FOWNER`: tools an attacker uses once
//! inside. Most services need none of them; dropping them all and adding
//! back what is needed removes them from every later exploit.
//!
//! **How to fix.** Add `cap_drop: [ALL]`, run the service, and add back
//! only what it needs (`cap_add: [NET_BIND_SERVICE]` for a port below 1024,
//! `CHOWN`/`SETUID`/`SETGID` for images whose entrypoint switches user).
//! `stockade fix --unsafe-fixes` adds `ALL` to `cap_drop` (an unsafe fix:
//! add back what the service needs).
//!
//! **Bad**
//! ```yaml
//! services:
//!   web:
//!     image: nginx:1.27
//! ```
//! ```sh
//! docker run nginx:1.27
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   web:
//!     image: nginxinc/nginx-unprivileged:1.27
//!     cap_drop: [ALL]
//! ```

use crate::container::cap_add::normalize_cap;
use crate::container::support::{finding, opaque_options};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD209",
    title: "Capabilities not dropped (no cap_drop: ALL)",
    category: Category::Capabilities,
    severity: Severity::Info,
    aliases: &["container_capabilities_unrestricted"],
    targets: &[Target::Container],
    fix: FixKind::Unsafe,
    source: include_str!("cap_drop_missing.rs"),
};

pub struct CapDropMissing;

impl Rule for CapDropMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if opaque_options(spec) || spec.privileged.as_ref().is_some_and(|p| p.value) {
            return;
        }
        if spec
            .cap_drop
            .iter()
            .any(|c| c.value.contains('$') || normalize_cap(&c.value) == "ALL")
        {
            return;
        }
        out.push(finding(
            &META,
            spec,
            spec.anchor,
            "capabilities are not dropped: the container keeps Docker's default set (NET_RAW, MKNOD, DAC_OVERRIDE, SETUID …); add `cap_drop: [ALL]`",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_missing_drop_at_the_service() {
        let text = "services:\n  web:\n    image: nginx:1.27\n    cap_drop: [NET_RAW]\n";
        let f = run_compose(&CapDropMissing, text);
        assert_eq!(f.len(), 1);
        assert!(flagged(text, &f)[0].starts_with("web"));
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(
            run_docker(&CapDropMissing, "docker run nginx:1.27\n").len(),
            1
        );
    }

    #[test]
    fn quiet_when_all_dropped_or_privileged() {
        for text in [
            "services:\n  web:\n    image: nginx:1.27\n    cap_drop: [ALL]\n",
            "services:\n  web:\n    image: nginx:1.27\n    cap_drop:\n      - all\n    cap_add: [CHOWN]\n",
            "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n",
        ] {
            assert!(run_compose(&CapDropMissing, text).is_empty(), "{text}");
        }
        assert!(run_docker(&CapDropMissing, "docker run --cap-drop=ALL nginx:1.27\n").is_empty());
    }
}
