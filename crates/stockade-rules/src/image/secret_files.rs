//! **What it finds.** Secrets stored as files in any layer of a built
//! image: private keys (`id_rsa`, `*.pem`, `*.key` holding a `PRIVATE KEY`
//! block), cloud credentials (`.aws/credentials`, gcloud and Azure token
//! caches), `.docker/config.json` with `auth` entries, `.npmrc`,
//! `.pypirc` and `.git-credentials` with credentials in them, `.env` files,
//! and known token formats (GitHub, GitLab, Slack, Stripe, npm, PyPI, AWS
//! keys…) in small text files. A file that a later layer deletes or
//! replaces is still reported, at the layer that holds it: the layer is in
//! the image and anyone who pulls it can read the file. Critical; `.env`
//! files high; the well-known snake-oil TLS key and keys in what look like
//! packages' tests or documentation (`node_modules`, `site-packages`,
//! `…/tests/…`, `/usr/share/doc`) low.
//!
//! **Why it matters.** Images are copied to registries, CI caches and
//! every node that runs them, and are often public. Each layer is a tar
//! file anyone with pull access can unpack: `RUN rm` in a later step hides
//! a file from the running container but not from `docker save`.
//!
//! **How to fix.** Never `COPY` or `ADD` secrets. Use BuildKit secret
//! mounts for build-time credentials (`RUN --mount=type=secret,id=npmrc,
//! target=/root/.npmrc npm ci`) and runtime secrets (files mounted by the
//! orchestrator, environment from a secret store) for the application.
//! Keep them out of the build context with `.dockerignore`. Rotate any
//! secret that was in a pushed image.
//!
//! **Bad**
//! ```dockerfile
//! FROM node:22-slim
//! COPY .npmrc /root/.npmrc
//! RUN npm ci && rm /root/.npmrc
//! ```
//!
//! **Good**
//! ```dockerfile
//! # syntax=docker/dockerfile:1
//! FROM node:22-slim
//! RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
//! ```

use super::{file_finding, layer_id};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::history::one_line;
use stockade_core::{Category, Finding, ImageSpec, SecretCandidate, SecretKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD310",
    title: "Secret file in the image",
    category: Category::Secrets,
    severity: Severity::Critical,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("secret_files.rs"),
};

pub struct SecretFiles;

fn describe(kind: &SecretKind) -> String {
    match kind {
        SecretKind::SshPrivateKey => "an SSH private key".into(),
        SecretKind::PrivateKey => "a private key".into(),
        SecretKind::AwsCredentials => "AWS credentials".into(),
        SecretKind::GcloudCredentials => "Google Cloud credentials".into(),
        SecretKind::AzureCredentials => "Azure credentials".into(),
        SecretKind::DotEnv => "environment settings (a `.env` file)".into(),
        SecretKind::Npmrc => "an npm registry credential".into(),
        SecretKind::Pypirc => "a PyPI password".into(),
        SecretKind::GitCredentials => "Git credentials".into(),
        SecretKind::DockerConfig => "registry credentials (Docker `auth`)".into(),
        SecretKind::Token(format) => format!("a token ({})", one_line(format, 40)),
    }
}

/// Paths of packages' own test and documentation files, where keys and
/// tokens are fixtures rather than secrets.
fn looks_like_fixture(path: &str) -> bool {
    let p = format!("/{path}/");
    [
        "/node_modules/",
        "/site-packages/",
        "/dist-packages/",
        "/vendor/",
        "/test/",
        "/tests/",
        "/testdata/",
        "/fixtures/",
        "/__tests__/",
        "/usr/share/doc/",
        "/usr/share/gems/",
        "/usr/lib/ruby/gems/",
    ]
    .iter()
    .any(|d| p.contains(d))
}

fn severity(s: &SecretCandidate) -> (Severity, Option<&'static str>) {
    if s.file.path.ends_with("ssl-cert-snakeoil.key") {
        return (
            Severity::Low,
            Some("the `ssl-cert` package makes it at install time: do not serve TLS with it"),
        );
    }
    if looks_like_fixture(&s.file.path) {
        return (
            Severity::Low,
            Some("it looks like a package's test or documentation file"),
        );
    }
    match s.kind {
        SecretKind::DotEnv => (Severity::High, None),
        _ => (Severity::Critical, None),
    }
}

impl Rule for SecretFiles {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for s in &spec.secrets {
            let (sev, note) = severity(s);
            let at = match (s.line, &s.redacted) {
                (Some(l), Some(r)) => format!(" (line {l}: `{}`)", one_line(r, 60)),
                (Some(l), None) => format!(" (line {l})"),
                _ => String::new(),
            };
            let layer_no = s.file.layer.saturating_add(1);
            let mut msg = format!("`/{}` holds {}{at}", s.file.path, describe(&s.kind));
            if s.deleted_in_later_layer {
                msg.push_str(&format!(
                    "; a later layer deletes or replaces it, but layer {layer_no}{} still holds it and anyone who pulls the image can read it",
                    layer_id(spec, s.file.layer)
                        .map(|d| format!(" ({})", one_line(d, 80)))
                        .unwrap_or_default()
                ));
            }
            if let Some(n) = note {
                msg.push_str(&format!("; {n}"));
            }
            out.push(file_finding(&META, spec, &s.file, msg).with_severity(sev));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{digest, fref, image, run};

    fn secret(path: &str, layer: usize, kind: SecretKind, deleted: bool) -> SecretCandidate {
        SecretCandidate {
            file: fref(path, layer),
            size: 400,
            kind,
            line: Some(1),
            redacted: Some("-----BEGIN OPENSSH PRIVATE KEY----- (35 chars)".into()),
            deleted_in_later_layer: deleted,
        }
    }

    #[test]
    fn flags_secret_files_and_deleted_ones_at_their_layer() {
        let mut s = image();
        s.secrets = vec![
            secret("root/.ssh/id_rsa", 1, SecretKind::SshPrivateKey, true),
            secret("app/.env", 1, SecretKind::DotEnv, false),
            secret(
                "app/config.yml",
                0,
                SecretKind::Token("github-pat".into()),
                false,
            ),
        ];
        let f = run(&SecretFiles, &s);
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            f[0].message.contains("an SSH private key (line 1"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].message
                .contains("a later layer deletes or replaces it, but layer 2")
        );
        let loc = f[0].locator.as_ref().unwrap();
        assert_eq!(loc.layer.as_deref(), Some(digest(1).as_str()));
        assert_eq!(loc.path.as_deref(), Some("/root/.ssh/id_rsa"));
        assert_eq!(f[1].severity, Severity::High);
        assert!(f[2].message.contains("a token (github-pat)"));
        assert!(!f[2].message.contains("later layer"));
    }

    #[test]
    fn fixtures_and_snakeoil_are_low() {
        let mut s = image();
        s.secrets = vec![
            secret(
                "usr/lib/python3/dist-packages/tornado/test/test.key",
                0,
                SecretKind::PrivateKey,
                false,
            ),
            secret(
                "etc/ssl/private/ssl-cert-snakeoil.key",
                0,
                SecretKind::PrivateKey,
                false,
            ),
            secret(
                "app/node_modules/x/fixtures/key.pem",
                0,
                SecretKind::PrivateKey,
                false,
            ),
        ];
        let f = run(&SecretFiles, &s);
        assert!(f.iter().all(|f| f.severity == Severity::Low), "{f:?}");
    }

    #[test]
    fn quiet_without_candidates() {
        assert!(run(&SecretFiles, &image()).is_empty());
    }
}
