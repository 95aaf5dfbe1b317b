//! **What it finds.** A mount with `shared` or `rshared` propagation
//! (`-v /mnt:/mnt:rshared`, `bind: propagation: rshared`). `slave` and
//! `rslave` are not flagged: they carry mounts from the host into the
//! container only, never back.
//!
//! **Why it matters.** With shared propagation, a mount made inside the
//! container appears on the host too. A process that can mount (with
//! `SYS_ADMIN` or as a privileged container) can then lay a filesystem over
//! a host directory, hide files from the host or plant new ones where host
//! services read them.
//!
//! **How to fix.** Use the default (`rprivate`), or `rslave` when the
//! container must see mounts the host makes later (storage drivers,
//! automounters). Keep `rshared` for the few system services that must
//! publish mounts to the host (CSI node plugins), and run those apart.
//!
//! **Bad**
//! ```yaml
//! services:
//!   agent:
//!     image: example/agent:1.4
//!     volumes:
//!       - type: bind
//!         source: /mnt/data
//!         target: /data
//!         bind:
//!           propagation: rshared
//! ```
//! ```sh
//! docker run -v /mnt/data:/data:rshared example/agent:1.4
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   agent:
//!     image: example/agent:1.4
//!     volumes:
//!       - type: bind
//!         source: /mnt/data
//!         target: /data
//!         bind:
//!           propagation: rslave
//! ```

use crate::container::support::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD204",
    title: "Mount propagates back to the host (shared propagation)",
    category: Category::HostMount,
    severity: Severity::Medium,
    aliases: &["volume_mounted_in_multiple_containers"],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("mount_propagation.rs"),
};

pub struct MountPropagation;

impl Rule for MountPropagation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for m in &spec.mounts {
            let Some(p) = m.propagation.as_deref() else {
                continue;
            };
            let p = p.trim();
            if p.eq_ignore_ascii_case("shared") || p.eq_ignore_ascii_case("rshared") {
                let src = m
                    .source
                    .as_ref()
                    .map(|s| format!("`{}` at ", s.display()))
                    .unwrap_or_default();
                out.push(finding(
                    &META,
                    spec,
                    m.span,
                    format!(
                        "{src}`{}` is mounted with `{p}` propagation: mounts made in the container appear on the host",
                        m.target.display()
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    #[test]
    fn flags_shared_propagation() {
        let text = "services:\n  a:\n    image: alpine:3.20\n    volumes:\n      - type: bind\n        source: /mnt/data\n        target: /data\n        bind:\n          propagation: rshared\n";
        let f = run_compose(&MountPropagation, text);
        assert_eq!(f.len(), 1);
        assert!(flagged(text, &f)[0].contains("type: bind"));
        let text =
            "services:\n  a:\n    image: alpine:3.20\n    volumes:\n      - /mnt:/mnt:shared\n";
        assert_eq!(
            flagged(text, &run_compose(&MountPropagation, text)),
            vec!["/mnt:/mnt:shared"]
        );
        let text = "docker run -v /mnt:/mnt:ro,rshared alpine:3.20\n";
        assert_eq!(run_docker(&MountPropagation, text).len(), 1);
    }

    #[test]
    fn quiet_for_slave_and_private() {
        for opt in ["rslave", "slave", "rprivate", "private"] {
            let text = format!(
                "services:\n  a:\n    image: alpine:3.20\n    volumes:\n      - /mnt:/mnt:{opt}\n"
            );
            assert!(run_compose(&MountPropagation, &text).is_empty(), "{opt}");
        }
        let text = "services:\n  a:\n    image: alpine:3.20\n    volumes:\n      - /mnt:/mnt\n";
        assert!(run_compose(&MountPropagation, text).is_empty());
    }
}
