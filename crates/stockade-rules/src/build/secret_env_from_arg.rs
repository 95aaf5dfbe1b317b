//! **What it finds.** An `ENV` in the final image's stages whose value
//! comes from a build argument holding a secret: `ARG NPM_TOKEN` then
//! `ENV NPM_TOKEN=$NPM_TOKEN`, or any secret-named `ENV` set from an `ARG`
//! (`ENV API_KEY=${KEY}`). Builder stages are not judged (their
//! configuration is not shipped; their build arguments are SKD121's).
//!
//! **Why it matters.** `ENV` writes the value into the image configuration.
//! Everyone who can pull the image reads it with `docker inspect`, and
//! every container started from it (and every process in it) has it in its
//! environment.
//!
//! **How to fix.** Do not copy secrets into `ENV`. Use a secret mount for
//! the build step that needs it, and give the running container its secret
//! at run time (orchestrator secrets, or `docker run -e`/`--env-file` from
//! a secret store).
//!
//! **Bad**
//! ```dockerfile
//! FROM node:22-slim
//! ARG NPM_TOKEN
//! ENV NPM_TOKEN=${NPM_TOKEN}
//! RUN npm ci
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM node:22-slim
//! RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::secrets::{is_secret_name, referenced_vars};
use crate::util::stages::final_chain;
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD122",
    title: "ENV set from a secret build argument",
    category: Category::Secrets,
    severity: Severity::High,
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
    source: include_str!("secret_env_from_arg.rs"),
};

pub struct SecretEnvFromArg;

impl Rule for SecretEnvFromArg {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in final_chain(spec) {
            let mut args: Vec<String> = Vec::new();
            for instr in &stage.instructions {
                match &instr.kind {
                    InstrKind::Arg(defs) => args.extend(defs.iter().map(|a| a.name.value.clone())),
                    InstrKind::Env(kvs) => {
                        for kv in kvs {
                            let Some(v) = &kv.value else { continue };
                            let key = &kv.key.value;
                            let from = referenced_vars(&v.value.raw).into_iter().find(|r| {
                                args.iter().any(|a| a == r)
                                    && (is_secret_name(r) || is_secret_name(key))
                            });
                            if let Some(arg) = from {
                                out.push(META.finding(
                                    v.span,
                                    stage.label(),
                                    format!(
                                        "`ENV {key}` is set from the build argument `{arg}`: the secret is baked into the image configuration"
                                    ),
                                ));
                            }
                        }
                    }
                    _ => {}
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
    fn flags_env_from_secret_args() {
        let text =
            "FROM node:22\nARG NPM_TOKEN\nENV NPM_TOKEN=$NPM_TOKEN\nARG K\nENV API_KEY=\"${K}\"\n";
        let f = run_build(&SecretEnvFromArg, text);
        assert_eq!(flagged(text, &f).len(), 2);
        assert!(flagged(text, &f)[0].contains("$NPM_TOKEN"));
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn quiet_cases() {
        for text in [
            // Not from a build argument.
            "FROM node:22\nENV NPM_TOKEN=$TOKEN_FROM_BASE\n",
            // Neither name says secret.
            "FROM node:22\nARG VERSION\nENV APP_VERSION=$VERSION\n",
            // Builder stage only.
            "FROM node:22 AS b\nARG NPM_TOKEN\nENV NPM_TOKEN=$NPM_TOKEN\nFROM scratch\nCOPY --from=b /a /a\n",
            // The ARG is declared after the ENV.
            "FROM node:22\nENV NPM_TOKEN=$NPM_TOKEN\nARG NPM_TOKEN\n",
        ] {
            assert!(run_build(&SecretEnvFromArg, text).is_empty(), "{text}");
        }
    }
}
