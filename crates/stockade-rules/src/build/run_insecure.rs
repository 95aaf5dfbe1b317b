//! **What it finds.** `RUN --security=insecure`, in any stage.
//!
//! **Why it matters.** The step runs without the build sandbox: with all
//! capabilities and no seccomp or AppArmor confinement, much like
//! `docker run --privileged`. Anything that step runs (including whatever
//! it downloads) can reach the build host's kernel and devices; on a
//! shared builder that is everyone's builds. BuildKit only allows it with
//! the `security.insecure` entitlement, which should stay off.
//!
//! **How to fix.** Remove the flag and find what the step really needs:
//! usually a cache or secret mount, or moving the privileged work (mounting
//! file systems, loading modules) out of the image build.
//!
//! **Bad**
//! ```dockerfile
//! # syntax=docker/dockerfile:1-labs
//! FROM debian:12-slim
//! RUN --security=insecure mount -t tmpfs none /mnt && make
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN --mount=type=tmpfs,target=/mnt make
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD170",
    title: "RUN --security=insecure",
    category: Category::KernelSecurity,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("run_insecure.rs"),
};

pub struct RunInsecure;

impl Rule for RunInsecure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in crate::util::stages::needed(spec) {
            for (instr, run) in stage.runs() {
                let Some(sec) = &run.security else { continue };
                if !sec.value.eq_ignore_ascii_case("insecure") {
                    continue;
                }
                let span = instr.flag("security").map_or(sec.span, |f| f.span);
                out.push(META.finding(
                    span,
                    stage.label(),
                    "`RUN --security=insecure` runs this step without the build sandbox, with full privileges on the build host",
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
    fn flags_insecure() {
        let text = "# syntax=docker/dockerfile:1-labs\nFROM debian:12 AS b\nRUN --security=insecure make\nFROM scratch\nCOPY --from=b /a /a\n";
        let f = run_build(&RunInsecure, text);
        assert_eq!(flagged(text, &f), vec!["--security=insecure"]);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN --security=sandbox make\n",
            "FROM debian:12\nRUN make\n",
            "FROM debian:12\nRUN echo --security=insecure\n",
        ] {
            assert!(run_build(&RunInsecure, text).is_empty(), "{text}");
        }
    }
}
