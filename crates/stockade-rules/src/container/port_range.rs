//! **What it finds.** A published range of more than 100 ports
//! (`"10000-20000:10000-20000/udp"`, `-p 30000-40000:30000-40000`),
//! whatever the interface. A host range mapped to a single container port
//! (`"8000-8100:80"`) publishes one port, which Docker picks from the
//! range, and is not flagged.
//!
//! **Why it matters.** Every port in the range is open: services the
//! container starts later on any of them (debug servers, admin consoles,
//! a reverse shell's listener) are reachable without anyone deciding so.
//! Docker also starts one proxy process per published port unless the
//! userland proxy is off, so large ranges cost host memory.
//!
//! **How to fix.** Publish the ports the service uses. Media and VoIP
//! servers that need a range for RTP can usually be told to use a small
//! one (`100` ports is plenty for most deployments); publish that.
//!
//! **Bad**
//! ```yaml
//! services:
//!   media:
//!     image: example/media:1.0
//!     ports:
//!       - "10000-20000:10000-20000/udp"
//! ```
//! ```sh
//! docker run -p 30000-40000:30000-40000 example/media:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   media:
//!     image: example/media:1.0
//!     ports:
//!       - "10000-10050:10000-10050/udp"
//! ```

use crate::container::support::{WIDE_RANGE, describe_binding, finding, range_len};
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD221",
    title: "Wide port range published",
    category: Category::Ports,
    severity: Severity::Low,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("port_range.rs"),
};

pub struct PortRange;

impl Rule for PortRange {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for p in &spec.ports {
            // A host range with one container port publishes one port (Docker
            // picks a free one from the range).
            let n = range_len(p.container_port);
            if n > WIDE_RANGE {
                out.push(finding(
                    &META,
                    spec,
                    p.span,
                    format!("{n} ports are published (`{}`): every service started on any of them is reachable", describe_binding(p)),
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
    fn flags_wide_ranges() {
        let text = "services:\n  m:\n    image: example/media:1.0\n    ports:\n      - \"10000-20000:10000-20000/udp\"\n";
        let f = run_compose(&PortRange, text);
        assert_eq!(f.len(), 1);
        assert!(flagged(text, &f)[0].contains("10000-20000"));
        assert!(f[0].message.contains("10001 ports"));
        assert_eq!(
            run_docker(
                &PortRange,
                "docker run -p 127.0.0.1:30000-30200:30000-30200 x/y:1\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn quiet_for_small_ranges() {
        for p in [
            "\"8000-8099:8000-8099\"",
            "\"12400-12500:1240\"",
            "\"80:80\"",
            "\"10000-10050:10000-10050/udp\"",
        ] {
            let text =
                format!("services:\n  m:\n    image: example/media:1.0\n    ports:\n      - {p}\n");
            assert!(run_compose(&PortRange, &text).is_empty(), "{p}");
        }
    }
}
