//! **What it finds.** Secrets recorded in a built image's metadata rather
//! than its files: known token formats (GitHub, GitLab, npm, Slack,
//! Stripe, Google, AWS key pairs, private keys) anywhere in the config's
//! `Env` and labels or in a history step's command, which are critical;
//! and environment variables or build arguments whose name says "secret"
//! (`*_PASSWORD`, `API_KEY`, `*_TOKEN`…) with a literal value in `Env`,
//! in an `ENV`/`ARG` history step, or in the build arguments a `RUN` step
//! records (`|1 NPM_TOKEN=… /bin/sh -c …`), which are high. Values that
//! refer elsewhere (`/run/secrets/db`, `$TOKEN`), placeholders and booleans
//! are not flagged. Values are never printed, only their shape.
//!
//! **Why it matters.** `docker history`, `docker inspect` and every
//! registry UI show the config and the history to anyone who can pull the
//! image, no layer unpacking needed. Build arguments are not secret: both
//! builders record the values of those a `RUN` step sees, and an `ENV`
//! value stays in the history even when a later `ENV` clears it.
//!
//! **How to fix.** Pass build-time credentials as BuildKit secrets
//! (`RUN --mount=type=secret,id=token …`) instead of `ARG`/`ENV`, and give
//! the application its runtime secrets from the orchestrator (mounted
//! files, `*_FILE` variables). Rebuild, and rotate every secret that was in
//! a pushed image.
//!
//! **Bad**
//! ```dockerfile
//! FROM node:22-slim
//! ARG NPM_TOKEN
//! RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
//! ENV API_KEY=9f2c41d0b7e3aa51
//! ```
//!
//! **Good**
//! ```dockerfile
//! # syntax=docker/dockerfile:1
//! FROM node:22-slim
//! RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
//! ENV API_KEY_FILE=/run/secrets/api_key
//! ```

use super::{finding, step_finding};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::history::{Step, parse_created_by};
use crate::util::secrets::{
    SecretValue, classify_value, find_tokens, has_aws_secret_shape, is_secret_name,
};
use std::collections::HashSet;
use stockade_core::{Category, Finding, ImageSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD311",
    title: "Secret in the image config or history",
    category: Category::Secrets,
    severity: Severity::Critical,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("secrets_in_config.rs"),
};

pub struct SecretsInConfig;

/// Longest value judged (longer ones are cut).
const MAX_VALUE: usize = 64 * 1024;

fn cut(s: &str) -> &str {
    if s.len() <= MAX_VALUE {
        return s;
    }
    let mut end = MAX_VALUE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The first known token in `text`, described.
fn token_in(text: &str) -> Option<&'static str> {
    let text = cut(text);
    find_tokens(text, has_aws_secret_shape(text))
        .first()
        .map(|t| t.kind.describe())
}

/// The shape of a literal secret value: its length, never its content.
fn shape(value: &str) -> String {
    format!("a literal of {} characters", value.chars().count())
}

/// Whether a secret-named variable's value is a credential written out.
fn literal_secret(name: &str, value: &str) -> bool {
    is_secret_name(name)
        && matches!(
            classify_value(cut(value)),
            SecretValue::Literal | SecretValue::Weak
        )
}

/// `K=V` pairs of an `ENV`/`ARG` step as recorded (`K=V K2=V2`; the
/// classic builder's `ENV K V` form has one pair).
fn pairs(args: &str) -> Vec<(&str, &str)> {
    let args = args.trim();
    if !args.contains('=') {
        return match args.split_once(' ') {
            Some((k, v)) => vec![(k, v.trim())],
            None => Vec::new(),
        };
    }
    args.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k, v.trim_matches('"')))
        .filter(|(k, _)| !k.is_empty())
        .take(256)
        .collect()
}

impl Rule for SecretsInConfig {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        // What the config reports, so history steps that set the same
        // value are not reported twice.
        let mut reported: HashSet<(&str, &str)> = HashSet::new();
        for e in spec.config.env.iter().filter(|e| e.has_value) {
            if let Some(what) = token_in(&e.value) {
                reported.insert((&e.name, &e.value));
                out.push(finding(
                    &META,
                    spec,
                    None,
                    None,
                    format!("the image's environment variable `{}` holds {what}", e.name),
                ));
            } else if literal_secret(&e.name, &e.value) {
                reported.insert((&e.name, &e.value));
                out.push(
                    finding(
                        &META,
                        spec,
                        None,
                        None,
                        format!(
                            "the image's environment variable `{}` holds a secret ({}): `docker inspect` shows it to anyone who can pull the image",
                            e.name,
                            shape(&e.value)
                        ),
                    )
                    .with_severity(Severity::High),
                );
            }
        }
        for (k, v) in &spec.config.labels {
            if let Some(what) = token_in(v).or_else(|| token_in(k)) {
                out.push(finding(
                    &META,
                    spec,
                    None,
                    None,
                    format!(
                        "the image's label `{}` holds {what}",
                        crate::util::history::one_line(k, 80)
                    ),
                ));
            }
        }
        for (i, h) in spec.history.iter().enumerate() {
            let Some(created_by) = h.created_by.as_deref() else {
                continue;
            };
            let mut named: Vec<(&str, &str, &str)> = Vec::new();
            match parse_created_by(created_by) {
                Step::Run { build_args, .. } => {
                    named.extend(
                        build_args
                            .into_iter()
                            .map(|(k, v)| (k, v, "build argument")),
                    );
                }
                Step::Instr { keyword, args } if keyword.eq_ignore_ascii_case("ENV") => {
                    named.extend(pairs(args).into_iter().map(|(k, v)| (k, v, "`ENV`")));
                }
                Step::Instr { keyword, args } if keyword.eq_ignore_ascii_case("ARG") => {
                    named.extend(
                        pairs(args)
                            .into_iter()
                            .map(|(k, v)| (k, v, "`ARG` default")),
                    );
                }
                _ => {}
            }
            if let Some(what) = token_in(created_by) {
                let already = named.iter().any(|(k, v, _)| reported.contains(&(*k, *v)));
                if !already {
                    out.push(step_finding(
                        &META,
                        spec,
                        i,
                        h,
                        format!(
                            "history step {} records {what} in its command: `docker history` shows it to anyone who can pull the image",
                            i + 1
                        ),
                    ));
                    continue;
                }
            }
            for (k, v, what) in named {
                if reported.contains(&(k, v)) || !literal_secret(k, v) {
                    continue;
                }
                out.push(
                    step_finding(
                        &META,
                        spec,
                        i,
                        h,
                        format!(
                            "history step {} records the {what} `{k}` with a secret value ({}): `docker history` shows it to anyone who can pull the image",
                            i + 1,
                            shape(v)
                        ),
                    )
                    .with_severity(Severity::High),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{digest, image, push_run, run, step};
    use stockade_core::EnvEntry;

    fn env(name: &str, value: &str) -> EnvEntry {
        EnvEntry {
            name: name.into(),
            value: value.into(),
            has_value: true,
        }
    }

    const GH: &str = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5";

    #[test]
    fn flags_env_and_labels() {
        let mut s = image();
        s.config.env = vec![
            env("PATH", "/usr/local/bin:/usr/bin"),
            env("GITHUB_TOKEN", GH),
            env("DB_PASSWORD", "Zx81-q7Tk-p0"),
            env("DB_PASSWORD_FILE", "/run/secrets/db"),
            env("API_KEY", "changeme"),
        ];
        s.config.labels = vec![("ci.token".into(), GH.into())];
        let f = run(&SecretsInConfig, &s);
        assert_eq!(f.len(), 3, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].message.contains("`GITHUB_TOKEN` holds a GitHub token"));
        assert_eq!(f[1].severity, Severity::High);
        assert!(f[1].message.contains("a literal of 12 characters"));
        assert!(
            !f.iter()
                .any(|f| f.message.contains("Zx81") || f.message.contains("ghp_"))
        );
        assert!(f[2].message.contains("label `ci.token`"));
    }

    #[test]
    fn flags_history_steps() {
        let mut s = image();
        push_run(
            &mut s,
            "RUN |1 NPM_TOKEN=s3cr3t-Value-42 /bin/sh -c npm ci # buildkit",
        );
        s.history.push(step(&format!("ENV GH={GH}"), None));
        s.history.push(step(
            "/bin/sh -c #(nop)  ENV ADMIN_PASSWORD=hunter2-Xy9",
            None,
        ));
        s.history.push(step("ARG API_TOKEN=tok-0a9b8c7d6e", None));
        let f = run(&SecretsInConfig, &s);
        assert_eq!(f.len(), 4, "{f:?}");
        assert!(
            f[0].message.contains("build argument `NPM_TOKEN`"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].severity, Severity::High);
        let loc = f[0].locator.as_ref().unwrap();
        assert_eq!(loc.layer.as_deref(), Some(digest(2).as_str()));
        assert!(
            loc.detail
                .as_deref()
                .unwrap()
                .starts_with("history step 6: RUN |1 NPM_TOKEN=")
        );
        assert_eq!(f[1].severity, Severity::Critical);
        assert!(
            f[1].message
                .contains("history step 7 records a GitHub token")
        );
        assert!(f[2].message.contains("`ENV` `ADMIN_PASSWORD`"));
        assert!(f[3].message.contains("`ARG` default `API_TOKEN`"));
    }

    #[test]
    fn config_values_are_not_reported_twice() {
        let mut s = image();
        s.config.env = vec![env("GH", GH), env("DB_PASSWORD", "Zx81-q7Tk-p0")];
        s.history.push(step(&format!("ENV GH={GH}"), None));
        s.history.push(step("ENV DB_PASSWORD=Zx81-q7Tk-p0", None));
        assert_eq!(run(&SecretsInConfig, &s).len(), 2);
    }

    #[test]
    fn quiet_for_ordinary_config() {
        let mut s = image();
        s.config.env = vec![
            env("PATH", "/usr/local/sbin:/usr/local/bin"),
            env("GPG_KEY", "7169605F62C751356D054A26A821E680E5FA6305"),
            env(
                "PYTHON_SHA256",
                "24887b92e2afd4a2ac602419ad4b596372f67ac9b077190f459aba390faf5550",
            ),
            env("POSTGRES_PASSWORD_FILE", "/run/secrets/pg"),
            env("NODE_AUTH_TOKEN", "${NODE_AUTH_TOKEN}"),
            env("AUTH_ENABLED", "true"),
        ];
        s.config.labels = vec![(
            "org.opencontainers.image.revision".into(),
            "3bf945bdc80829efabe5134dbc99711508d92b47".into(),
        )];
        push_run(
            &mut s,
            "RUN |1 TARGETARCH=amd64 /bin/sh -c apt-get update # buildkit",
        );
        s.history.push(step("ENV LANG C.UTF-8", None));
        assert!(run(&SecretsInConfig, &s).is_empty());
    }
}
