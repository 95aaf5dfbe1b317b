//! **What it finds.** `RUN --network=host`, in any stage.
//!
//! **Why it matters.** The step shares the build host's network stack: it
//! can reach services bound to the host's loopback interface (metadata
//! endpoints, local databases, the Docker API on `localhost`) and anything
//! the host can reach, and it bypasses network isolation between builds.
//! BuildKit requires the `network.host` entitlement for it.
//!
//! **How to fix.** Remove the flag. If the step needs a proxy or a private
//! registry, pass it explicitly (build arguments for the proxy, a secret
//! mount for credentials); if it must be offline, use `--network=none`.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN --network=host apt-get update
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD171",
    title: "RUN --network=host",
    category: Category::KernelSecurity,
    severity: Severity::Low,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("run_network_host.rs"),
};

pub struct RunNetworkHost;

impl Rule for RunNetworkHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in crate::util::stages::needed(spec) {
            for (instr, run) in stage.runs() {
                let Some(net) = &run.network else { continue };
                if !net.value.eq_ignore_ascii_case("host") {
                    continue;
                }
                let span = instr.flag("network").map_or(net.span, |f| f.span);
                out.push(META.finding(
                    span,
                    stage.label(),
                    "`RUN --network=host` gives this step the build host's network, including services on its loopback interface",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    #[test]
    fn flags_host_network() {
        let text = "FROM debian:12\nRUN --network=host apt-get update\n";
        let f = run_build(&RunNetworkHost, text);
        assert_eq!(flagged(text, &f), vec!["--network=host"]);
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN --network=none make\n",
            "FROM debian:12\nRUN --network=default make\n",
            "FROM debian:12\nRUN make --network=host\n",
        ] {
            assert!(run_build(&RunNetworkHost, text).is_empty(), "{text}");
        }
    }
}
