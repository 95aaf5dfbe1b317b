//! **What it finds.** A container that publishes every port its image
//! exposes: `docker run -P` / `--publish-all`, or `PublishAllPorts` in a
//! live container or a create request.
//!
//! **Why it matters.** `-P` maps every `EXPOSE`d port, including those
//! added by base images and those the author never meant to be public
//! (debug, metrics, admin ports), to random ports on all the host's
//! interfaces. Docker's port mapping bypasses host firewalls such as `ufw`,
//! so these ports are open to the network without anyone having chosen
//! them.
//!
//! **How to fix.** Publish each port the service needs by name, on the
//! interface it should be reachable on: `-p 127.0.0.1:8080:8080`.
//!
//! **Bad**
//! ```sh
//! docker run -d -P example/app:1.0
//! ```
//!
//! **Good**
//! ```sh
//! docker run -d -p 127.0.0.1:8080:8080 example/app:1.0
//! ```
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     ports:
//!       - "127.0.0.1:8080:8080"
//! ```

use crate::container::support::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD219",
    title: "Every exposed port published (-P)",
    category: Category::Ports,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("publish_all.rs"),
};

pub struct PublishAll;

impl Rule for PublishAll {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if let Some(p) = &spec.publish_all
            && p.value
        {
            out.push(finding(
                &META,
                spec,
                p.span,
                "every port the image exposes is published on all interfaces, on random host ports",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_docker};

    #[test]
    fn flags_publish_all() {
        for (text, flag) in [
            ("docker run -d -P example/app:1.0\n", "-P"),
            (
                "docker run --publish-all example/app:1.0\n",
                "--publish-all",
            ),
        ] {
            let f = run_docker(&PublishAll, text);
            assert_eq!(flagged(text, &f), vec![flag.to_string()], "{text}");
        }
        // Combined short flags.
        let text = "docker run -dP example/app:1.0\n";
        assert_eq!(run_docker(&PublishAll, text).len(), 1);
    }

    #[test]
    fn quiet_with_explicit_ports() {
        for text in [
            "docker run -p 127.0.0.1:8080:8080 example/app:1.0\n",
            "docker run --publish-all=false example/app:1.0\n",
        ] {
            assert!(run_docker(&PublishAll, text).is_empty(), "{text}");
        }
    }
}
