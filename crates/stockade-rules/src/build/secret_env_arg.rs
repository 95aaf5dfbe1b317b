//! **What it finds.** An `ENV` or `ARG` whose name says it holds a secret
//! (`*_PASSWORD`, `*_TOKEN`, `API_KEY`, `SECRET_KEY_BASE`, `*_CREDENTIALS`,
//! `BASIC_AUTH`…) with the value written in the Dockerfile. A value in a
//! known token format (GitHub, GitLab, npm, Slack, Stripe, Google API, AWS
//! keys, private keys) is critical; a well-known weak default (`password`,
//! `admin`, `1234`) is medium. Placeholders (`changeme`, `<token>`, `xxx`,
//! empty), references (`$TOKEN`) and values that are clearly not secrets
//! (booleans, paths, URLs without credentials) are not reported. Names that
//! hold *about* a secret (`*_PASSWORD_FILE`, `TOKEN_URL`, `GPG_KEY`,
//! `AWS_ACCESS_KEY_ID`, `PUBLIC_KEY`) are not secrets. Every stage and the
//! `ARG`s before the first `FROM` are judged: the value is in the
//! Dockerfile itself, and so in every copy of the repository.
//!
//! **Why it matters.** The value is in source control, in the build cache,
//! in `docker history` and (for `ENV`) in the image configuration that
//! anyone who can pull the image reads with `docker inspect`. Rotating it
//! means finding every copy.
//!
//! **How to fix.** Remove the value and rotate the secret. Pass build-time
//! secrets with `RUN --mount=type=secret,id=…` (`docker build --secret`),
//! and runtime secrets through the orchestrator (Compose/Swarm/Kubernetes
//! secrets, or an environment variable set at `docker run`).
//!
//! **Bad**
//! ```dockerfile
//! FROM node:22-slim
//! ENV NPM_TOKEN=npm_4f8d2c0e9b7a6f5e4d3c2b1a0f9e8d7c6b5a
//! RUN npm ci
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM node:22-slim
//! RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::secrets::{SecretValue, classify_value, is_secret_name};
use stockade_core::{BuildSpec, Category, Expanded, Finding, InstrKind, Severity, Spanned};

pub static META: RuleMeta = RuleMeta {
    id: "SKD120",
    title: "Secret written into ENV or ARG",
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
    source: include_str!("secret_env_arg.rs"),
};

pub struct SecretEnvArg;

/// How a written value of a secret-named variable is judged: `None` when
/// it is not reported (placeholder, reference, not a secret).
pub fn judge_written(value: &Expanded) -> Option<(Severity, String)> {
    // Only what is written in the file counts; `$VAR` parts are references.
    if value.raw.contains('$') {
        return None;
    }
    match classify_value(&value.raw) {
        SecretValue::Token(kind) => {
            Some((Severity::Critical, format!("holds {}", kind.describe())))
        }
        SecretValue::Literal => Some((Severity::High, "holds a literal value".to_string())),
        SecretValue::Weak => Some((
            Severity::Medium,
            "holds a weak, well-known default".to_string(),
        )),
        _ => None,
    }
}

fn check(
    kind: &str,
    name: &str,
    value: Option<&Spanned<Expanded>>,
    subject: &str,
    out: &mut Vec<Finding>,
) {
    let Some(v) = value else { return };
    if !is_secret_name(name) {
        return;
    }
    if let Some((sev, what)) = judge_written(&v.value) {
        out.push(
            META.finding(
                v.span,
                subject.to_string(),
                format!("`{kind} {name}` {what}: it is in the Dockerfile, the build history and the image"),
            )
            .with_severity(sev),
        );
    }
}

impl Rule for SecretEnvArg {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for a in &spec.global_args {
            check(
                "ARG",
                &a.name.value,
                a.default.as_ref(),
                "before the first FROM",
                out,
            );
        }
        for stage in &spec.stages {
            let subject = stage.label();
            for instr in &stage.instructions {
                match &instr.kind {
                    InstrKind::Env(kvs) => {
                        for kv in kvs {
                            check("ENV", &kv.key.value, kv.value.as_ref(), &subject, out);
                        }
                    }
                    InstrKind::Arg(args) => {
                        for a in args {
                            check("ARG", &a.name.value, a.default.as_ref(), &subject, out);
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
    fn flags_literal_secrets() {
        let text = "FROM debian:12\nENV DB_PASSWORD=s3cr3t-Value API_KEY=\"abcd1234efgh\"\nARG password=pass!1213Fs\n";
        let f = run_build(&SecretEnvArg, text);
        assert_eq!(flagged(text, &f).len(), 3);
        assert!(f.iter().all(|f| f.severity == Severity::High));
        assert!(flagged(text, &f)[0].contains("s3cr3t-Value"));
        let text = "ARG password=pass!1213Fs\nFROM debian:12\n";
        assert_eq!(run_build(&SecretEnvArg, text).len(), 1);
        let text = "FROM debian:12 AS build\nENV GITHUB_TOKEN=ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5\nFROM scratch\n";
        let f = run_build(&SecretEnvArg, text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
    }

    #[test]
    fn weak_defaults_are_medium() {
        let text = "FROM mysql:8.4\nENV MYSQL_ROOT_PASSWORD=root\n";
        let f = run_build(&SecretEnvArg, text);
        assert_eq!(flagged(text, &f), vec!["root"]);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nARG NPM_TOKEN\nENV NPM_TOKEN=$NPM_TOKEN\n",
            "FROM debian:12\nENV DB_PASSWORD=changeme API_TOKEN=\"\" SECRET=<secret>\n",
            "FROM debian:12\nENV POSTGRES_PASSWORD_FILE=/run/secrets/db\n",
            "FROM python:3.13\nENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305\n",
            "FROM debian:12\nENV AUTH_ENABLED=true TOKEN_URL=https://auth.example.com/token\n",
            "FROM debian:12\nENV SSL_KEY=/etc/ssl/private/key.pem\n",
            "FROM debian:12\nENV NODE_VERSION=22.11.0 PATH=/usr/local/bin:$PATH\n",
        ] {
            assert!(run_build(&SecretEnvArg, text).is_empty(), "{text}");
        }
    }
}
