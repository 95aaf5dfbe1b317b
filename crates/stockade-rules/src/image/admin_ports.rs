//! **What it finds.** Remote-administration ports in a built image's
//! `ExposedPorts`: SSH (22), telnet (23), RDP (3389), VNC (5900), WinRM
//! (5985, 5986) and the Docker API (2376; 2375, without TLS, is high). The
//! same list as the Dockerfile rule SKD140.
//!
//! **Why it matters.** Exposed ports are what `docker run -P` and many
//! orchestrators publish without being asked. An administration port says
//! the image runs a second way in beside its service, usually with
//! credentials of its own; a Docker API port hands over the host.
//!
//! **How to fix.** Remove the `EXPOSE` and the server behind it; use
//! `docker exec` or `kubectl exec` to administer containers. If the image
//! must offer one, publish it only on a private network.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! EXPOSE 22 8080
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! EXPOSE 8080
//! ```

use super::finding;
use crate::build::expose_admin_port::{ADMIN_PORTS, parse_port};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::history::one_line;
use stockade_core::{Category, Finding, ImageSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD313",
    title: "Remote-administration port exposed by the image",
    category: Category::Ports,
    severity: Severity::Medium,
    aliases: &["DS-0004", "AVD-DS-0004"],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("admin_ports.rs"),
};

pub struct AdminPorts;

impl Rule for AdminPorts {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for key in &spec.config.exposed_ports {
            let Ok(p) = parse_port(key.trim()) else {
                continue;
            };
            let hits: Vec<&(u32, &str, Severity)> = ADMIN_PORTS
                .iter()
                .filter(|(port, _, _)| p.start <= *port && *port <= p.end)
                .collect();
            let Some(sev) = hits.iter().map(|h| h.2).max() else {
                continue;
            };
            let names: Vec<String> = hits.iter().map(|(n, w, _)| format!("{n} ({w})")).collect();
            out.push(
                finding(
                    &META,
                    spec,
                    None,
                    None,
                    format!(
                        "the image exposes `{}`, the remote-administration port {}",
                        one_line(key, 40),
                        names.join(", ")
                    ),
                )
                .with_severity(sev),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{image, run};

    #[test]
    fn flags_admin_ports() {
        let mut s = image();
        s.config.exposed_ports = vec!["22/tcp".into(), "2375/tcp".into(), "8080/tcp".into()];
        let f = run(&AdminPorts, &s);
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("`22/tcp`") && f[0].message.contains("22 (SSH)"));
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::High);
    }

    #[test]
    fn quiet_for_service_ports_and_junk() {
        let mut s = image();
        s.config.exposed_ports = vec![
            "80/tcp".into(),
            "443/tcp".into(),
            "22000/tcp".into(),
            "53/udp".into(),
            "x/tcp".into(),
            "".into(),
        ];
        assert!(run(&AdminPorts, &s).is_empty());
    }
}
