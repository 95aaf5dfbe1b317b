//! **What it finds.** A daemon that neither remaps user namespaces
//! (`userns-remap`) nor runs rootless: UID 0 in a container is UID 0 on
//! the host. Reported as advice (info): most daemons run this way, and
//! remapping changes how volumes and some images behave.
//!
//! **Why it matters.** Every escape from a container (a kernel bug, a
//! writable host mount, a mounted socket) starts with the privileges the
//! process had inside. With a remap or a rootless daemon, root inside maps
//! to an unprivileged UID outside, so the same escape lands as nobody.
//!
//! **How to fix.** Set `"userns-remap": "default"` in
//! `/etc/docker/daemon.json` and restart the daemon (images and volumes are
//! kept per remapped range), or run the daemon rootless
//! (`dockerd-rootless-setuptool.sh install`). Containers that truly need
//! host UIDs can opt out with `--userns=host`, which the container rules
//! then flag.
//!
//! **Bad**
//! ```json
//! { "live-restore": true }
//! ```
//!
//! **Good**
//! ```json
//! { "live-restore": true, "userns-remap": "default" }
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD402",
    title: "Container root is host root (no user-namespace remap, not rootless)",
    category: Category::RootUser,
    severity: Severity::Info,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("userns.rs"),
};

pub struct Userns;

impl Rule for Userns {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let d = &spec.daemon;
        let windows = d
            .os_type
            .as_deref()
            .is_some_and(|o| o.eq_ignore_ascii_case("windows"));
        if !d.info_known || windows || d.rootless() || d.userns_remap() {
            return;
        }
        out.push(finding(
            &META,
            spec,
            "daemon: userns-remap",
            "no user-namespace remap and not rootless: root in a container is root on the host",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{hardened, run};
    use stockade_core::SecurityOption;

    #[test]
    fn flags_plain_root_daemons_only() {
        let mut spec = hardened();
        spec.daemon.security_options = vec![SecurityOption::parse("name=seccomp,profile=default")];
        let f = run(&Userns, &spec);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        spec.daemon
            .security_options
            .push(SecurityOption::parse("name=rootless"));
        assert!(run(&Userns, &spec).is_empty());
        assert!(run(&Userns, &hardened()).is_empty());
    }
}
