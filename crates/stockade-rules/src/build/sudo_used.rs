//! **What it finds.** A `RUN` in the final image's stages calls `sudo`
//! (also behind `env`, `exec`, `nohup`…, in `sh -c "…"` strings and heredoc
//! scripts). Installing the `sudo` package is judged by SKD130; builder
//! stages are not judged.
//!
//! **Why it matters.** The build already runs as root until a `USER`
//! instruction, so `sudo` is never needed before it. After it, `sudo` only
//! works if the image carries the sudo binary and a sudoers rule for the
//! user, which hands root back to anything running as that user and
//! undoes the point of `USER`.
//!
//! **How to fix.** Run the command before switching `USER`, or switch back
//! with `USER root` for that step and away again afterwards. Remove sudo
//! from the image.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN useradd -m app
//! USER app
//! RUN sudo apt-get update
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN apt-get update && useradd -m -u 10001 app
//! USER 10001
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::stage_runs;
use crate::util::stages::final_chain;
use std::collections::HashSet;
use stockade_core::shell::command_basename;
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD104",
    title: "sudo used in RUN",
    category: Category::RootUser,
    severity: Severity::Medium,
    aliases: &[
        "DL3004",
        "DS-0010",
        "DS010",
        "AVD-DS-0010",
        "CKV2_DOCKER_1",
        "run_using_sudo",
    ],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("sudo_used.rs"),
};

pub struct SudoUsed;

impl Rule for SudoUsed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let mut seen = HashSet::new();
        for stage in final_chain(spec) {
            for rs in stage_runs(stage) {
                for rc in rs.commands() {
                    let cmd = rc.cmd;
                    // The wrapper words up to the command that really runs.
                    let upto = match cmd.effective() {
                        Some((_, args)) => cmd.words.len().saturating_sub(args.len()),
                        None => 1,
                    };
                    for w in cmd.words.iter().take(upto.max(1)) {
                        let Some(lit) = w.literal() else { break };
                        if command_basename(&lit) == "sudo" && seen.insert(w.span) {
                            out.push(META.finding(
                                w.span,
                                stage.label(),
                                "`sudo` in a RUN: the build runs as root already, and sudo in the image lets its user become root",
                            ));
                            break;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    #[test]
    fn flags_sudo_calls() {
        for text in [
            "FROM debian:12\nRUN sudo apt-get update\n",
            "FROM debian:12\nRUN apt-get update && sudo -E make install\n",
            "FROM debian:12\nRUN env DEBIAN_FRONTEND=noninteractive sudo apt-get install -y x\n",
            "FROM debian:12\nRUN sh -c 'sudo make install'\n",
            "FROM debian:12\nRUN <<EOF\nset -e\nsudo make install\nEOF\n",
            "FROM debian:12\nRUN true \\\n  && sudo make install\n",
            "FROM debian:12\nRUN [\"sudo\", \"make\", \"install\"]\n",
        ] {
            let f = run_build(&SudoUsed, text);
            assert_eq!(flagged(text, &f).len(), 1, "{text}");
            assert!(flagged(text, &f)[0].contains("sudo"), "{text}");
            assert_eq!(f[0].severity, Severity::Medium);
        }
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nRUN apt-get install -y sudo\n",
            "FROM debian:12\nRUN echo sudo\n",
            "FROM debian:12\nRUN grep sudo /etc/group\n",
            "FROM debian:12 AS b\nRUN sudo make\nFROM debian:12\nCOPY --from=b /a /a\n",
        ] {
            assert!(run_build(&SudoUsed, text).is_empty(), "{text}");
        }
    }
}
