//! **What it finds.** A daemon without an authorization plugin
//! (`/info` Plugins.Authorization is empty). Reported as advice (info).
//!
//! **Why it matters.** Without one, anyone who can reach the API may do
//! anything it allows: start a privileged container, mount `/`, exec into
//! any container. Access to the socket is the only control, and it is all
//! or nothing. An authorization plugin (or a policy proxy such as
//! `stockade guard`) can refuse dangerous requests per user.
//!
//! **How to fix.** Put a policy in front of the API: `stockade guard` on a
//! separate socket for the clients that need limited access, or an
//! authorization plugin (`"authorization-plugins": ["opa-docker-authz"]` in
//! `/etc/docker/daemon.json`). Keep the real socket for administrators.
//!
//! **Bad**
//! ```json
//! { "hosts": ["unix:///var/run/docker.sock"] }
//! ```
//!
//! **Good**
//! ```json
//! { "hosts": ["unix:///var/run/docker.sock"], "authorization-plugins": ["opa-docker-authz"] }
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD403",
    title: "No authorization plugin: API access is all or nothing",
    category: Category::Auth,
    severity: Severity::Info,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("authz_plugin.rs"),
};

pub struct AuthzPlugin;

impl Rule for AuthzPlugin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if spec.daemon.info_known && spec.daemon.authorization_plugins.is_empty() {
            out.push(finding(
                &META,
                spec,
                "daemon: authorization-plugins",
                "no authorization plugin: whoever reaches the API can do anything it allows",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{hardened, run};

    #[test]
    fn flags_daemons_without_a_plugin() {
        let mut spec = hardened();
        assert!(run(&AuthzPlugin, &spec).is_empty());
        spec.daemon.authorization_plugins.clear();
        let f = run(&AuthzPlugin, &spec);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        spec.daemon.info_known = false;
        assert!(run(&AuthzPlugin, &spec).is_empty());
    }
}
