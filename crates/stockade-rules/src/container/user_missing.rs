//! **What it finds.** A container with no user set (`user:`, `--user`,
//! `Config.User`), so the image's default user applies, which is root for
//! most images. Reported as low; as info for services built from a
//! Dockerfile (its `USER` applies, and the Dockerfile rules judge it). Not
//! reported for images known to run as a non-root user (distroless
//! `:nonroot` tags, Chainguard images, the Red Hat UBI language images such
//! as `ubi9/openjdk-21`, .NET `chiseled` images, and `prom/prometheus`,
//! `grafana/grafana`, `memcached`, `elasticsearch`, `kibana`, `logstash`,
//! `dpage/pgadmin4`, `jenkins/jenkins`, `sonarqube`, `solr`,
//! `keycloak/keycloak`, `nginxinc/nginx-unprivileged`). Reported as
//! info for official database and broker images that start as root and
//! switch to their own user in the entrypoint (`postgres`, `mysql`,
//! `mariadb`, `mongo`, `redis`, `rabbitmq`, `couchdb`, `cassandra`,
//! `zookeeper`, `neo4j`, `percona`, `gitea/gitea`, and the `linuxserver/…`
//! images, which run the service as `PUID`/`PGID`).
//!
//! **Why it matters.** Most official images (databases excepted, which drop
//! to their own user in the entrypoint) run as root unless told otherwise.
//! Without an explicit user, a change of image or tag can silently turn a
//! non-root service into a root one, and a reader of the file cannot tell
//! which it is.
//!
//! **How to fix.** Set the user explicitly: `user: "10001:10001"` (or the
//! image's documented non-root user), or make sure the image sets a
//! non-root `USER` and say so with `user:` anyway.
//!
//! **Bad**
//! ```yaml
//! services:
//!   app:
//!     image: python:3.13-slim
//!     command: ["python", "-m", "http.server"]
//! ```
//! ```sh
//! docker run python:3.13-slim python -m http.server
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   app:
//!     image: python:3.13-slim
//!     user: "65534:65534"
//!     command: ["python", "-m", "http.server"]
//! ```

use crate::build::user_missing::known_non_root_base;
use crate::container::support::{finding, opaque_options};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD224",
    title: "No user set: the image's default user (often root) applies",
    category: Category::RootUser,
    severity: Severity::Low,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("user_missing.rs"),
};

/// Official images that start as root and switch to their own user in the
/// entrypoint.
const DROPS_PRIVILEGES: &[&str] = &[
    "library/postgres",
    "library/mysql",
    "library/mariadb",
    "library/mongo",
    "library/redis",
    "library/rabbitmq",
    "library/couchdb",
    "library/cassandra",
    "library/zookeeper",
    "library/neo4j",
    "library/percona",
    "gitea/gitea",
];

/// Publishers whose images start as root and run the service as the user
/// given by `PUID`/`PGID` (or their own user).
const DROPS_PRIVILEGES_PREFIX: &[&str] = &["linuxserver/"];

pub struct UserMissing;

impl Rule for UserMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if let Some(u) = &spec.user
            && !(u.value.is_known() && u.value.display().trim().is_empty())
        {
            return;
        }
        if opaque_options(spec) || spec.image_ref.as_ref().is_some_and(known_non_root_base) {
            return;
        }
        if spec.build.is_some() {
            out.push(
                finding(
                    &META,
                    spec,
                    spec.anchor,
                    "no user set: the `USER` of the service's Dockerfile applies (root if it has none)",
                )
                .with_severity(Severity::Info),
            );
            return;
        }
        let repo = spec.image_ref.as_ref().map(|r| r.repository.as_str());
        let image = spec
            .image_ref
            .as_ref()
            .map(|r| format!("`{}`", r.short_name()))
            .unwrap_or_else(|| "the image".to_string());
        if repo.is_some_and(|r| {
            DROPS_PRIVILEGES.contains(&r)
                || DROPS_PRIVILEGES_PREFIX.iter().any(|p| r.starts_with(p))
        }) {
            out.push(
                finding(
                    &META,
                    spec,
                    spec.anchor,
                    format!("no user set: {image} starts as root and its entrypoint switches to the service's own user"),
                )
                .with_severity(Severity::Info),
            );
            return;
        }
        out.push(finding(
            &META,
            spec,
            spec.anchor,
            format!("no user set: {image}'s default user applies, which is root for most images"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    #[test]
    fn flags_missing_user() {
        let text = "services:\n  app:\n    image: python:3.13-slim\n";
        let f = run_compose(&UserMissing, text);
        assert_eq!(severities(&f), vec![Severity::Low]);
        assert!(flagged(text, &f)[0].starts_with("app"));
        assert_eq!(
            run_docker(&UserMissing, "docker run python:3.13-slim\n").len(),
            1
        );
        let text = "services:\n  app:\n    build: .\n";
        assert_eq!(
            severities(&run_compose(&UserMissing, text)),
            vec![Severity::Info]
        );
        let text = "services:\n  db:\n    image: postgres:17\n";
        assert_eq!(
            severities(&run_compose(&UserMissing, text)),
            vec![Severity::Info]
        );
    }

    #[test]
    fn quiet_with_user_or_non_root_image() {
        for text in [
            "services:\n  app:\n    image: python:3.13-slim\n    user: \"1000\"\n",
            "services:\n  app:\n    image: python:3.13-slim\n    user: root\n",
            "services:\n  app:\n    image: python:3.13-slim\n    user: ${APP_USER}\n",
            "services:\n  app:\n    image: gcr.io/distroless/static-debian12:nonroot\n",
            "services:\n  app:\n    image: cgr.dev/chainguard/nginx:latest\n",
            "services:\n  app:\n    image: grafana/grafana:11.3.0\n",
            "services:\n  app:\n    image: docker.elastic.co/elasticsearch/elasticsearch:8.15.0\n",
        ] {
            assert!(run_compose(&UserMissing, text).is_empty(), "{text}");
        }
        assert!(run_docker(&UserMissing, "docker run -u 1000 python:3.13-slim\n").is_empty());
    }
}
