//! **What it finds.** The final stage of a Dockerfile switches to root with
//! `USER root`, `USER 0`, `USER 0:0`, `USER root:root`, or a `USER` whose
//! value resolves to root through an `ARG` or `ENV` default
//! (`USER ${RUN_AS:-root}`). Builder stages that only feed `COPY --from`
//! may run as root; they are not flagged.
//!
//! **Why it matters.** A container is a process on the host kernel, not a
//! virtual machine. Root inside the container is UID 0 on the host unless
//! user namespaces remap it; any escape (a kernel bug, a mounted socket, a
//! writable host path) then starts as root.
//!
//! **How to fix.** End the final stage with a dedicated, unprivileged UID
//! that is not used on the host, by number so that Kubernetes'
//! `runAsNonRoot` can verify it. `65534` (`nobody`) is the usual choice. Give
//! the user the files it must write with `COPY --chown`. If the value comes
//! from a build argument, change its default.
//! `stockade fix --unsafe-fixes` ends the final stage with `USER 65534:65534`
//! (configurable) and adds `--chown` to its `COPY` lines into application
//! and data directories (an unsafe fix: the program loses root).
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY app /usr/local/bin/app
//! USER root
//! CMD ["app"]
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! COPY --chown=65534:65534 app /usr/local/bin/app
//! USER 65534:65534
//! CMD ["app"]
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{BuildSpec, Category, EffectiveUser, Finding, Severity, user_is_root};

pub static META: RuleMeta = RuleMeta {
    id: "SKD101",
    title: "Final stage runs as root",
    category: Category::RootUser,
    severity: Severity::High,
    aliases: &[
        "DL3002",
        "DS-0002",
        "DS002",
        "AVD-DS-0002",
        "CKV_DOCKER_8",
        "last_user_is_root",
    ],
    targets: &[Target::Build],
    fix: FixKind::Unsafe,
    source: include_str!("user_root.rs"),
};

pub struct UserRoot;

impl Rule for UserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let Some(stage) = spec.final_stage() else {
            return;
        };
        let EffectiveUser::Set {
            value,
            stage: set_in,
        } = &stage.user
        else {
            return;
        };
        let subject = stage.label();
        let from = if *set_in == stage.index {
            String::new()
        } else {
            format!(" (inherited from {})", spec.stages[*set_in].label())
        };
        match value.known() {
            Some(u) if user_is_root(u) => {
                let resolved = if u == value.raw {
                    String::new()
                } else {
                    format!(" (`{}` resolves to `{u}`)", value.raw)
                };
                out.push(META.finding(
                    value.span,
                    subject,
                    format!(
                        "the final stage runs as root: `USER {}`{resolved}{from}",
                        value.raw
                    ),
                ));
            }
            Some(_) => {}
            None => out.push(
                META.finding(
                    value.span,
                    subject,
                    format!(
                        "cannot tell whether `USER {}` is root: {} has no value here{from}",
                        value.raw,
                        value.unresolved.join(", ")
                    ),
                )
                .with_severity(Severity::Info),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ctx, flagged, run_build, run_build_with};
    use stockade_dockerfile::EvalOptions;

    #[test]
    fn flags_every_spelling_of_root() {
        for user in ["root", "0", "0:0", "root:root", "root:1000"] {
            let text = format!("FROM debian:12\nUSER {user}\n");
            let f = run_build(&UserRoot, &text);
            assert_eq!(flagged(&text, &f), vec![user.to_string()], "{user}");
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn resolves_through_arg_and_env_defaults() {
        let text = "FROM debian:12\nARG RUN_AS=root\nUSER ${RUN_AS}\n";
        assert_eq!(
            flagged(text, &run_build(&UserRoot, text)),
            vec!["${RUN_AS}"]
        );
        let text = "FROM debian:12\nENV U=0\nUSER $U:$U\n";
        assert_eq!(run_build(&UserRoot, text).len(), 1);
        // A build-arg override to a non-root user clears it.
        let opts = EvalOptions {
            build_args: vec![("RUN_AS".into(), "1000".into())],
            ..Default::default()
        };
        let text = "FROM debian:12\nARG RUN_AS=root\nUSER ${RUN_AS}\n";
        assert!(run_build_with(&UserRoot, text, &opts, &ctx()).is_empty());
    }

    #[test]
    fn unknown_user_is_info() {
        let text = "FROM debian:12\nARG RUN_AS\nUSER $RUN_AS\n";
        let f = run_build(&UserRoot, text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn quiet_for_non_root_and_builder_stages() {
        for text in [
            "FROM debian:12\nUSER 65534:65534\n",
            "FROM debian:12\nUSER root\nRUN apt-get update\nUSER app\n",
            "FROM golang:1.23 AS build\nUSER root\nRUN go build\nFROM scratch\nCOPY --from=build /app /app\nUSER 65534\n",
            "FROM debian:12\n",
        ] {
            assert!(run_build(&UserRoot, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn inherits_user_from_parent_stage() {
        let text = "FROM debian:12 AS base\nUSER root\nFROM base\nRUN true\n";
        assert_eq!(flagged(text, &run_build(&UserRoot, text)), vec!["root"]);
    }

    #[test]
    fn judges_the_target_stage() {
        let text = "FROM debian:12 AS dev\nUSER root\nFROM debian:12 AS prod\nUSER 1000\n";
        let opts = EvalOptions {
            target: Some("dev".into()),
            ..Default::default()
        };
        assert_eq!(run_build_with(&UserRoot, text, &opts, &ctx()).len(), 1);
        assert!(run_build(&UserRoot, text).is_empty());
    }
}
