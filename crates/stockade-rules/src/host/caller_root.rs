//! **What it finds.** stockade itself running as root (effective UID 0)
//! on the daemon's host. Reported as advice (info).
//!
//! **Why it matters.** Auditing needs read access to the Docker API, and
//! that access is root-equivalent anyway; but a habit of running tools as
//! root on the host means any bug or malicious input in them runs as root
//! too. stockade reads hostile input (images, inspect data), so it should
//! hold as little as it needs.
//!
//! **How to fix.** Run `stockade host` as an unprivileged administrator
//! account that may use the socket (or through `sudo -u`), or against a
//! read-only API proxy such as `stockade guard` with a read-only policy.
//!
//! **Bad**
//! ```sh
//! sudo stockade host
//! ```
//!
//! **Good**
//! ```sh
//! stockade host --host unix:///run/stockade/readonly.sock
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD411",
    title: "stockade runs as root",
    category: Category::RootUser,
    severity: Severity::Info,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("caller_root.rs"),
};

pub struct CallerRoot;

impl Rule for CallerRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let Some(c) = spec.host.as_ref().and_then(|h| h.caller.as_ref()) else {
            return;
        };
        if c.is_root() {
            out.push(finding(
                &META,
                spec,
                "host: caller",
                "stockade runs as root; an unprivileged account that may use the socket is enough",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{hardened, risky, run};

    #[test]
    fn flags_root_only() {
        assert_eq!(run(&CallerRoot, &risky()).len(), 1);
        assert!(run(&CallerRoot, &hardened()).is_empty());
    }
}
