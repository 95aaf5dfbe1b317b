//! **What it finds.** An `ARG` whose name says it carries a secret
//! (`NPM_TOKEN`, `GITHUB_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`…)
//! and no written credential as its default (that case is SKD120). Every
//! stage is judged, builder stages included: build arguments used by a
//! `RUN` are recorded in that stage's history and cache, and provenance
//! attestations (`mode=max`) list every build argument.
//!
//! **Why it matters.** A value passed with `--build-arg` is not secret.
//! `docker history` shows it for every `RUN` that saw it, the layer cache
//! keeps it, CI logs print it, and attestations publish it with the image.
//!
//! **How to fix.** Use a secret mount: `RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci`
//! with `docker build --secret id=npm_token,env=NPM_TOKEN`. The value is
//! available to that one `RUN` and never stored.
//!
//! **Bad**
//! ```dockerfile
//! FROM node:22-slim
//! ARG NPM_TOKEN
//! RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM node:22-slim
//! RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
//! ```

use crate::build::secret_env_arg::judge_written;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::secrets::is_secret_name;
use stockade_core::{ArgDef, BuildSpec, Category, Finding, InstrKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD121",
    title: "Secret passed as a build argument",
    category: Category::Secrets,
    severity: Severity::Medium,
    aliases: &[
        "DL3064",
        "DS-0031",
        "DS031",
        "AVD-DS-0031",
        "passwords_and_secrets",
        "SecretsUsedInArgOrEnv",
    ],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("secret_arg.rs"),
};

pub struct SecretArg;

fn check(a: &ArgDef, subject: &str, out: &mut Vec<Finding>) {
    let name = &a.name.value;
    if !is_secret_name(name) {
        return;
    }
    // A written credential is SKD120's finding.
    if a.default
        .as_ref()
        .is_some_and(|d| judge_written(&d.value).is_some())
    {
        return;
    }
    out.push(META.finding(
        a.name.span,
        subject.to_string(),
        format!(
            "`ARG {name}` carries a secret as a build argument: its value is recorded in the image history, the build cache and attestations"
        ),
    ));
}

impl Rule for SecretArg {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for a in &spec.global_args {
            check(a, "before the first FROM", out);
        }
        for stage in crate::util::stages::needed(spec) {
            let subject = stage.label();
            for instr in &stage.instructions {
                if let InstrKind::Arg(args) = &instr.kind {
                    for a in args {
                        check(a, &subject, out);
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
    fn flags_secret_args() {
        let text = "ARG GITHUB_TOKEN\nFROM node:22 AS build\nARG NPM_TOKEN\nARG DB_PASSWORD=changeme\nRUN npm ci\nFROM scratch\nCOPY --from=build /a /a\n";
        let f = run_build(&SecretArg, text);
        assert_eq!(
            flagged(text, &f),
            vec!["GITHUB_TOKEN", "NPM_TOKEN", "DB_PASSWORD"]
        );
        assert!(f.iter().all(|f| f.severity == Severity::Medium));
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nARG NODE_VERSION=22\nARG GPG_KEY\nARG AWS_ACCESS_KEY_ID\n",
            // A written credential is SKD120's.
            "FROM debian:12\nARG DB_PASSWORD=hunter2-Value\n",
            "FROM debian:12\nARG TOKEN_URL\nARG PASSWORD_FILE\n",
        ] {
            assert!(run_build(&SecretArg, text).is_empty(), "{text}");
        }
    }
}
