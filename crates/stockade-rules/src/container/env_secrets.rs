//! **What it finds.** Secrets written into the Compose file or the
//! `docker run` line: environment variables and build arguments whose name
//! says "secret" (`*_PASSWORD`, `API_KEY`, `*_TOKEN`, `SECRET_KEY_BASE` …)
//! with a literal value, URLs and connection strings with a password in them
//! (`postgres://app:hunter2@db/app`, `…;Password=…;`) whatever the name, and
//! known token formats anywhere in the environment, build arguments or
//! command (GitHub, GitLab, npm, Slack, Stripe, Google, AWS keys, private
//! keys). Known token formats are critical, the rest high.
//!
//! Not flagged: values that come from elsewhere (`${DB_PASSWORD}`,
//! including values a `.env` file fills in, since that file is not this
//! one), paths (`/run/secrets/db`, `*_FILE` variables), empty values,
//! booleans, an access key set next to its secret key (`MINIO_ACCESS_KEY`
//! beside `MINIO_SECRET_KEY`: it names the account), and weak or
//! placeholder values, which SKD228 reports. A
//! default written in the file (`${DB_PASSWORD:-hunter2}`) is a literal.
//!
//! **Why it matters.** Compose files and scripts are committed, copied into
//! issues and CI logs, and shared; the environment of a container is shown
//! by `docker inspect` to anyone with access to the daemon and is inherited
//! by every process in the container. A secret written there is as public as
//! the least protected of those places.
//!
//! **How to fix.** Take the value from the environment or an untracked
//! `.env` file (`POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?}`), or better,
//! use Compose `secrets:` and the image's `*_FILE` variables, which keep the
//! secret out of the container's environment. Rotate a secret that has been
//! committed.
//!
//! **Bad**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     environment:
//!       DATABASE_URL: postgres://app:Zx81-q7Tk@db/app
//!       STRIPE_KEY: sk_live_…
//! ```
//! ```sh
//! docker run -e API_TOKEN=9f2c41d0b7e3 example/app:1.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   app:
//!     image: example/app:1.0
//!     environment:
//!       DATABASE_PASSWORD_FILE: /run/secrets/db_password
//!     secrets: [db_password]
//! secrets:
//!   db_password:
//!     file: ./db_password.txt
//! ```

use crate::container::secret_values::{
    UserNames, embedded_password, is_paired_access_key, literal_text, password_part, settings,
    weak_reason,
};
use crate::container::support::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::secrets::{
    SecretValue, classify_value, find_tokens, has_aws_secret_shape, is_secret_name,
};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD227",
    title: "Secret written in the container's settings",
    category: Category::Secrets,
    severity: Severity::Critical,
    aliases: &["passwords_and_secrets"],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("env_secrets.rs"),
};

pub struct EnvSecrets;

impl Rule for EnvSecrets {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let all = settings(spec);
        let users = UserNames::of(spec);
        let texts: Vec<Option<String>> = all.iter().map(|s| literal_text(s.value)).collect();
        let aws_nearby = texts.iter().flatten().any(|t| has_aws_secret_shape(t));
        for (s, text) in all.iter().zip(&texts) {
            let Some(text) = text else {
                continue;
            };
            if let Some(t) = find_tokens(text, aws_nearby).first() {
                out.push(finding(
                    &META,
                    spec,
                    s.span,
                    format!("{} `{}` holds {}", s.kind, s.name, t.kind.describe()),
                ));
                continue;
            }
            if let Some(what) = embedded_password(text) {
                out.push(
                    finding(
                        &META,
                        spec,
                        s.span,
                        format!("{} `{}` holds {what}", s.kind, s.name),
                    )
                    .with_severity(Severity::High),
                );
                continue;
            }
            if !is_secret_name(s.name) || is_paired_access_key(spec, s.name) {
                continue;
            }
            if weak_reason(spec, &users, s.name, text).is_some() {
                // SKD228 reports weak and default values.
                continue;
            }
            if classify_value(password_part(s.name, text)) == SecretValue::Literal {
                out.push(
                    finding(
                        &META,
                        spec,
                        s.span,
                        format!(
                            "{} `{}` holds a secret in plain text ({} characters)",
                            s.kind,
                            s.name,
                            text.chars().count()
                        ),
                    )
                    .with_severity(Severity::High),
                );
            }
        }
        // Tokens passed on the command line.
        for part in [&spec.entrypoint, &spec.command].into_iter().flatten() {
            let hit = part
                .value
                .iter()
                .find_map(|w| find_tokens(w.display(), aws_nearby).into_iter().next());
            if let Some(t) = hit {
                out.push(finding(
                    &META,
                    spec,
                    part.span,
                    format!("the command line holds {}", t.kind.describe()),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    fn env(list: &str) -> (String, Vec<Finding>) {
        let text =
            format!("services:\n  app:\n    image: example/app:1.0\n    environment:\n{list}");
        let f = run_compose(&EnvSecrets, &text);
        (text, f)
    }

    #[test]
    fn flags_literal_secrets() {
        let (text, f) = env("      - DB_PASSWORD=Zx81-q7Tk-w2\n      - LOG_LEVEL=debug\n");
        assert_eq!(severities(&f), vec![Severity::High]);
        assert!(flagged(&text, &f)[0].contains("DB_PASSWORD=Zx81-q7Tk-w2"));
        assert!(
            !f[0].message.contains("Zx81"),
            "the secret must not be printed"
        );
        let (_, f) = env("      API_KEY: 'a8f3b2c9d1e7'\n");
        assert_eq!(severities(&f), vec![Severity::High]);
        let (_, f) = env("      DATABASE_URL: postgres://app:Zx81q7Tk@db:5432/app\n");
        assert_eq!(severities(&f), vec![Severity::High]);
        let (_, f) =
            env("      ConnectionStrings__Default: \"Server=db;User Id=sa;Password=Zx81q7Tk!;\"\n");
        assert_eq!(severities(&f), vec![Severity::High]);
        let (_, f) = env("      DB_PASSWORD: ${DB_PASSWORD:-Zx81q7Tk}\n");
        assert_eq!(severities(&f), vec![Severity::High]);
    }

    #[test]
    fn token_formats_are_critical() {
        let gh = format!("ghp_{}", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8");
        let (_, f) = env(&format!("      SOME_SETTING: {gh}\n"));
        assert_eq!(severities(&f), vec![Severity::Critical]);
        assert!(!f[0].message.contains(&gh));
        let text = format!("docker run -e GITHUB_TOKEN={gh} example/app:1.0\n");
        assert_eq!(
            severities(&run_docker(&EnvSecrets, &text)),
            vec![Severity::Critical]
        );
    }

    #[test]
    fn build_args_are_judged() {
        let text = "services:\n  app:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: 7f3a9c2e1b4d\n";
        assert_eq!(
            severities(&run_compose(&EnvSecrets, text)),
            vec![Severity::High]
        );
    }

    #[test]
    fn quiet_for_references_paths_and_weak_values() {
        for e in [
            "      - DB_PASSWORD=${DB_PASSWORD}\n",
            "      - DB_PASSWORD\n",
            "      - MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db-password\n",
            "      - DATABASE_PASSWORD=/run/secrets/db-password\n",
            "      - PASSWORD_MIN_LENGTH=12\n",
            "      - DB_PASSWORD=\n",
            "      - POSTGRES_PASSWORD=postgres\n",
            "      - DB_PASSWORD=changeme\n",
            "      - DATABASE_URL=postgres://app:${PW}@db/app\n",
            "      - DATABASE_URL=postgres://db:5432/app\n",
            "      - ASPNETCORE_URLS=http://+:8000\n",
            "      - AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
            "      - AUTH_METHOD=scram-sha-256\n",
            // A record key's converter class, not a cryptographic key.
            "      CONNECT_KEY_CONVERTER: org.apache.kafka.connect.storage.StringConverter\n",
            // An access key next to its secret key is the account's name.
            "      MINIO_ACCESS_KEY: storage-admin\n      MINIO_SECRET_KEY: ${MINIO_SECRET_KEY}\n",
        ] {
            let (_, f) = env(e);
            assert!(f.is_empty(), "{e}: {f:?}");
        }
        // Without its secret key next to it, an access key is judged.
        let (_, f) = env("      ACCESS_KEY: a8f3b2c9d1e7\n");
        assert_eq!(severities(&f), vec![Severity::High]);
    }
}
