//! **What it finds.** Services that will accept clients without
//! authentication, from a table of well-known images and the settings that
//! turn their authentication off or leave it off. Images are matched by
//! repository name from any registry (`postgres`, `bitnami/redis`,
//! `ghcr.io/…/redis`).
//!
//! | image | unauthenticated when |
//! |---|---|
//! | `postgres`, `postgis`, `timescaledb`, `pgvector` | `POSTGRES_HOST_AUTH_METHOD=trust` |
//! | `mysql`, `mariadb`, `percona` | `MYSQL_ALLOW_EMPTY_PASSWORD` / `MARIADB_ALLOW_EMPTY_ROOT_PASSWORD` set (any non-empty value, even `no`) and no root password |
//! | any (Bitnami images) | `ALLOW_EMPTY_PASSWORD=yes`, `ALLOW_NONE_AUTHENTICATION=yes` (etcd), `ALLOW_ANONYMOUS_LOGIN=yes` (ZooKeeper) |
//! | `redis`, `redis-stack`, `redis-stack-server`, `redismod`, `valkey`, `keydb` | `--protected-mode no`, or its port published with no `--requirepass`, `REDIS_PASSWORD` or configuration file (the official image turns protected mode off) |
//! | `mongo` | no `MONGO_INITDB_ROOT_USERNAME` (or `_FILE`) and no `--auth` |
//! | `elasticsearch`, `opensearch` | `xpack.security.enabled=false`, `DISABLE_SECURITY_PLUGIN=true`, `plugins.security.disabled=true`; Elasticsearch before 8.0 unless `xpack.security.enabled=true` |
//! | `memcached` | its port published (memcached has no authentication unless built with SASL and started with `-S`) |
//! | `cassandra` | its port published (the default authenticator allows everyone) |
//! | `influxdb` 1.x | its port published without `INFLUXDB_HTTP_AUTH_ENABLED=true` |
//! | `registry` | its port published with no `REGISTRY_AUTH` setting or mounted configuration |
//! | `docker` (Docker-in-Docker) | `DOCKER_TLS_CERTDIR=""`, or the daemon told to listen on TCP without TLS |
//! | any (Grafana) | `GF_AUTH_ANONYMOUS_ENABLED=true` with `GF_AUTH_ANONYMOUS_ORG_ROLE` `Admin` or `Editor` |
//! | any (Jupyter) | `--NotebookApp.token=''`, `--ServerApp.token=''` or `--IdentityProvider.token=''` with no password |
//! | `minio` | no `MINIO_ROOT_PASSWORD` / `MINIO_SECRET_KEY` (or `_FILE`): `minioadmin:minioadmin` |
//! | `rabbitmq` | no `RABBITMQ_DEFAULT_USER`/`RABBITMQ_DEFAULT_PASS` and no mounted configuration: `guest:guest`, which the official image allows from anywhere |
//! | any (Neo4j) | `NEO4J_AUTH=none` |
//! | `traefik` | `--api.insecure=true` (the dashboard and API without authentication) |
//! | any (Jenkins) | `jenkins.install.runSetupWizard=false` without a configuration-as-code file |
//! | any (code-server) | `--auth none`; `linuxserver/code-server` without `PASSWORD` or `HASHED_PASSWORD` |
//!
//! Severity: high when the service's port is published on all interfaces
//! (or the container uses the host network, or `-P`), medium otherwise:
//! every container on the same network can still reach it. Services with an
//! `env_file` are not judged on settings that file could provide.
//!
//! **Why it matters.** Unauthenticated databases, caches, brokers and
//! notebooks are found by internet-wide scanners within hours, then
//! emptied, ransomed or used to run code: Redis and Jupyter give command
//! execution, Docker-in-Docker gives root on the host, an open registry
//! lets anyone replace your images. On an internal network, any compromised
//! neighbour container gets the same access.
//!
//! **How to fix.** Turn authentication on with a strong secret kept out of
//! the file (`${VAR}` from an untracked `.env`, or `secrets:` with `*_FILE`
//! variables), and do not publish data stores: the services that use them
//! reach them by name over the Compose network.
//!
//! **Bad**
//! ```yaml
//! services:
//!   db:
//!     image: postgres:17
//!     environment:
//!       POSTGRES_HOST_AUTH_METHOD: trust
//!   cache:
//!     image: redis:7.4
//!     ports:
//!       - "6379:6379"
//! ```
//! ```sh
//! docker run -d -p 9200:9200 -e xpack.security.enabled=false elasticsearch:8.15.0
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   db:
//!     image: postgres:17
//!     environment:
//!       POSTGRES_PASSWORD_FILE: /run/secrets/pg_password
//!     secrets: [pg_password]
//!   cache:
//!     image: redis:7.4
//!     command: ["redis-server", "--requirepass", "${REDIS_PASSWORD:?}"]
//! secrets:
//!   pg_password:
//!     file: ./pg_password.txt
//! ```

use crate::container::support::{
    EnvState, command_words, env, env_state, exposed_span, finding, option_value, publishing_span,
};
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, ContainerSpec, Finding, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD229",
    title: "Service runs without authentication",
    category: Category::Auth,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("no_auth.rs"),
};

/// One way the service is open.
struct Gap {
    what: String,
    span: Span,
    /// Only a problem when published: not reported otherwise.
    only_if_published: bool,
}

struct Probe<'a> {
    spec: &'a ContainerSpec,
    base: &'a str,
    bitnami: bool,
    words: Vec<&'a str>,
    gaps: Vec<Gap>,
}

const TRUE_WORDS: &[&str] = &["yes", "true", "1", "on"];

impl<'a> Probe<'a> {
    fn env_span(&self, name: &str) -> Span {
        env(self.spec, name)
            .map(|e| e.span)
            .unwrap_or(self.spec.anchor)
    }

    fn gap(&mut self, what: impl Into<String>, span: Span) {
        self.gaps.push(Gap {
            what: what.into(),
            span,
            only_if_published: false,
        });
    }

    fn gap_if_published(&mut self, what: impl Into<String>, ports: &[u16]) {
        if let Some(span) = publishing_span(self.spec, ports) {
            self.gaps.push(Gap {
                what: what.into(),
                span,
                only_if_published: true,
            });
        }
    }

    /// Set to a value we know, or possibly set (pass-through, env file).
    fn maybe_set(&self, names: &[&str]) -> bool {
        names
            .iter()
            .any(|n| env_state(self.spec, n).maybe_non_empty())
    }

    /// Whether an `env_file` could set what is missing.
    fn env_file_could_set(&self) -> bool {
        !self.spec.env_files.is_empty()
    }

    fn is(&self, names: &[&str]) -> bool {
        names.contains(&self.base)
    }

    fn opt(&self, name: &str) -> Option<String> {
        option_value(&self.words, name)
    }

    fn mounts_under(&self, dir: &str) -> bool {
        self.spec.mounts.iter().any(|m| {
            let t = m.target.display();
            t == dir || t.starts_with(&format!("{dir}/"))
        })
    }

    fn postgres(&mut self) {
        if self.is(&[
            "postgres",
            "postgis",
            "timescaledb",
            "timescaledb-ha",
            "pgvector",
        ]) && env_state(self.spec, "POSTGRES_HOST_AUTH_METHOD").is_one_of(&["trust"])
        {
            let span = self.env_span("POSTGRES_HOST_AUTH_METHOD");
            self.gap(
                "`POSTGRES_HOST_AUTH_METHOD=trust` lets every client in without a password",
                span,
            );
        }
    }

    fn mysql(&mut self) {
        if !self.is(&[
            "mysql",
            "mariadb",
            "percona",
            "percona-server",
            "mysql-server",
        ]) {
            return;
        }
        for allow in [
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
        ] {
            let EnvState::Value(v) = env_state(self.spec, allow) else {
                continue;
            };
            if v.is_empty() {
                continue;
            }
            let root_set = self.maybe_set(&[
                "MYSQL_ROOT_PASSWORD",
                "MYSQL_ROOT_PASSWORD_FILE",
                "MYSQL_RANDOM_ROOT_PASSWORD",
                "MARIADB_ROOT_PASSWORD",
                "MARIADB_ROOT_PASSWORD_FILE",
                "MARIADB_ROOT_PASSWORD_HASH",
                "MARIADB_RANDOM_ROOT_PASSWORD",
            ]) || self.env_file_could_set();
            if !root_set {
                let span = self.env_span(allow);
                let note = if TRUE_WORDS.iter().any(|t| t.eq_ignore_ascii_case(v)) {
                    ""
                } else {
                    " (any non-empty value turns it on)"
                };
                self.gap(
                    format!(
                        "`{allow}={v}`{note} and no root password: root logs in without a password"
                    ),
                    span,
                );
            }
            return;
        }
    }

    fn bitnami_style(&mut self) {
        for (var, what) in [
            (
                "ALLOW_EMPTY_PASSWORD",
                "`ALLOW_EMPTY_PASSWORD` starts the service without a password",
            ),
            (
                "ALLOW_NONE_AUTHENTICATION",
                "`ALLOW_NONE_AUTHENTICATION` starts etcd without authentication",
            ),
            (
                "ALLOW_ANONYMOUS_LOGIN",
                "`ALLOW_ANONYMOUS_LOGIN` lets anyone into ZooKeeper",
            ),
        ] {
            if env_state(self.spec, var).is_one_of(TRUE_WORDS) {
                let span = self.env_span(var);
                self.gap(what, span);
            }
        }
    }

    fn redis(&mut self) {
        if !self.is(&[
            "redis",
            "redis-stack",
            "redis-stack-server",
            "redismod",
            "valkey",
            "keydb",
        ]) || self.bitnami
        {
            return;
        }
        let has_password = self.opt("--requirepass").is_some_and(|p| !p.is_empty())
            || self.opt("--aclfile").is_some()
            || self.maybe_set(&["REDIS_PASSWORD", "REDIS_ARGS", "VALKEY_PASSWORD"])
            || self
                .words
                .iter()
                .any(|w| w.split_whitespace().any(|t| t.ends_with(".conf")));
        if has_password {
            return;
        }
        let protected_off = self
            .opt("--protected-mode")
            .is_some_and(|v| v.eq_ignore_ascii_case("no"));
        if protected_off {
            let span = [&self.spec.command, &self.spec.entrypoint]
                .into_iter()
                .flatten()
                .next()
                .map(|c| c.span)
                .unwrap_or(self.spec.anchor);
            self.gap(
                "`--protected-mode no` and no `--requirepass`: Redis accepts every client",
                span,
            );
        } else {
            self.gap_if_published(
                "no `--requirepass`: Redis accepts every client (the official image turns protected mode off)",
                &[6379],
            );
        }
    }

    fn mongo(&mut self) {
        if !self.is(&["mongo"]) || self.bitnami || self.env_file_could_set() {
            return;
        }
        if self.maybe_set(&[
            "MONGO_INITDB_ROOT_USERNAME",
            "MONGO_INITDB_ROOT_USERNAME_FILE",
        ]) || self.words.iter().any(|w| {
            w.split_whitespace()
                .any(|t| t == "--auth" || t == "--config" || t == "-f")
        }) {
            return;
        }
        let anchor = self.spec.anchor;
        self.gap(
            "no `MONGO_INITDB_ROOT_USERNAME`/`MONGO_INITDB_ROOT_PASSWORD`: MongoDB starts without access control",
            anchor,
        );
    }

    fn elasticsearch(&mut self) {
        let es = self.is(&["elasticsearch"]);
        let os = self.is(&["opensearch"]);
        if !es && !os {
            return;
        }
        if env_state(self.spec, "xpack.security.enabled").is_one_of(&["false"]) {
            let span = self.env_span("xpack.security.enabled");
            self.gap(
                "`xpack.security.enabled=false` turns Elasticsearch security off",
                span,
            );
            return;
        }
        for var in ["DISABLE_SECURITY_PLUGIN", "plugins.security.disabled"] {
            if env_state(self.spec, var).is_one_of(&["true"]) {
                let span = self.env_span(var);
                self.gap(format!("`{var}=true` turns OpenSearch security off"), span);
                return;
            }
        }
        if es
            && !self.env_file_could_set()
            && !self.maybe_set(&["xpack.security.enabled", "ELASTIC_PASSWORD"])
        {
            let major = self
                .spec
                .image_ref
                .as_ref()
                .and_then(|r| r.tag.as_deref())
                .and_then(|t| t.split(['.', '-']).next())
                .and_then(|m| m.parse::<u32>().ok());
            if major.is_some_and(|m| m < 8) && !self.mounts_under("/usr/share/elasticsearch/config")
            {
                let anchor = self
                    .spec
                    .image
                    .as_ref()
                    .map(|i| i.span)
                    .unwrap_or(self.spec.anchor);
                self.gap(
                    "Elasticsearch before 8.0 runs without security unless `xpack.security.enabled=true`",
                    anchor,
                );
            }
        }
    }

    fn open_by_design(&mut self) {
        if self.is(&["memcached"])
            && !self.words.iter().any(|w| {
                w.split_whitespace()
                    .any(|t| t == "-S" || t == "--enable-sasl")
            })
        {
            self.gap_if_published("memcached has no authentication", &[11211]);
        }
        if self.is(&["cassandra"])
            && !self.env_file_could_set()
            && !self.mounts_under("/etc/cassandra")
        {
            self.gap_if_published(
                "Cassandra's default authenticator lets everyone in",
                &[9042],
            );
        }
        if self.is(&["influxdb"]) {
            let v1 = self
                .spec
                .image_ref
                .as_ref()
                .and_then(|r| r.tag.as_deref())
                .is_some_and(|t| t == "1" || t.starts_with("1."));
            if v1
                && !env_state(self.spec, "INFLUXDB_HTTP_AUTH_ENABLED").is_one_of(&["true"])
                && !self.env_file_could_set()
            {
                self.gap_if_published("InfluxDB 1.x runs without authentication unless `INFLUXDB_HTTP_AUTH_ENABLED=true`", &[8086]);
            }
        }
        if self.is(&["registry"])
            && !self.env_file_could_set()
            && !self
                .spec
                .env
                .iter()
                .any(|e| e.name.value.starts_with("REGISTRY_AUTH"))
            && !self.mounts_under("/etc/docker/registry")
            && !self.mounts_under("/etc/distribution")
        {
            self.gap_if_published(
                "the registry has no authentication: anyone can push and pull images",
                &[5000],
            );
        }
    }

    fn dind(&mut self) {
        let is_dind = self.is(&["docker"])
            && self
                .spec
                .image_ref
                .as_ref()
                .and_then(|r| r.tag.as_deref())
                .is_some_and(|t| t.contains("dind"));
        if !is_dind {
            return;
        }
        if env_state(self.spec, "DOCKER_TLS_CERTDIR") == EnvState::Value("") {
            let span = self.env_span("DOCKER_TLS_CERTDIR");
            self.gap(
                "`DOCKER_TLS_CERTDIR` is empty: the Docker daemon listens on TCP 2375 without TLS or authentication, which is root on the host",
                span,
            );
            return;
        }
        let tcp_plain = self
            .words
            .iter()
            .flat_map(|w| w.split_whitespace())
            .any(|t| {
                let t = t.trim_start_matches("--host=").trim_start_matches("-H=");
                t.starts_with("tcp://") && t.ends_with(":2375")
            });
        if tcp_plain && !self.words.iter().any(|w| w.contains("--tlsverify")) {
            let span = self
                .spec
                .command
                .as_ref()
                .map(|c| c.span)
                .unwrap_or(self.spec.anchor);
            self.gap(
                "the Docker daemon listens on TCP 2375 without TLS or authentication, which is root on the host",
                span,
            );
        }
    }

    fn apps(&mut self) {
        if env_state(self.spec, "GF_AUTH_ANONYMOUS_ENABLED").is_one_of(&["true"])
            && env_state(self.spec, "GF_AUTH_ANONYMOUS_ORG_ROLE").is_one_of(&["Admin", "Editor"])
        {
            let span = self.env_span("GF_AUTH_ANONYMOUS_ORG_ROLE");
            self.gap("anonymous Grafana users get the Admin or Editor role", span);
        }
        for app in ["NotebookApp", "ServerApp", "IdentityProvider"] {
            let token = self.opt(&format!("--{app}.token"));
            let password = self
                .opt(&format!("--{app}.password"))
                .or_else(|| self.opt("--PasswordIdentityProvider.hashed_password"));
            if token.as_deref() == Some("") && password.is_none_or(|p| p.is_empty()) {
                let span = self
                    .spec
                    .command
                    .as_ref()
                    .map(|c| c.span)
                    .unwrap_or(self.spec.anchor);
                self.gap(
                    format!("`--{app}.token=''` turns Jupyter's token off: anyone who reaches it runs code"),
                    span,
                );
                break;
            }
        }
        if self.is(&["minio"])
            && !self.env_file_could_set()
            && !self.maybe_set(&[
                "MINIO_ROOT_PASSWORD",
                "MINIO_ROOT_PASSWORD_FILE",
                "MINIO_SECRET_KEY",
                "MINIO_SECRET_KEY_FILE",
            ])
        {
            let anchor = self.spec.anchor;
            self.gap(
                "no `MINIO_ROOT_PASSWORD`: MinIO starts with `minioadmin:minioadmin`",
                anchor,
            );
        }
        if self.is(&["rabbitmq"])
            && !self.env_file_could_set()
            && !self.maybe_set(&[
                "RABBITMQ_DEFAULT_USER",
                "RABBITMQ_DEFAULT_PASS",
                "RABBITMQ_DEFAULT_PASS_FILE",
            ])
            && !self.mounts_under("/etc/rabbitmq")
        {
            let anchor = self.spec.anchor;
            self.gap(
                "no `RABBITMQ_DEFAULT_USER`/`RABBITMQ_DEFAULT_PASS`: RabbitMQ starts with `guest:guest`, allowed from anywhere in the official image",
                anchor,
            );
        }
        if let EnvState::Value(v) = env_state(self.spec, "NEO4J_AUTH")
            && v.trim().eq_ignore_ascii_case("none")
        {
            let span = self.env_span("NEO4J_AUTH");
            self.gap("`NEO4J_AUTH=none` turns Neo4j authentication off", span);
        }
        let insecure_api = self
            .opt("--api.insecure")
            .is_some_and(|v| v.is_empty() || v.eq_ignore_ascii_case("true"))
            || env_state(self.spec, "TRAEFIK_API_INSECURE").is_one_of(&["true"]);
        if self.is(&["traefik"]) && insecure_api {
            let span = self
                .spec
                .command
                .as_ref()
                .map(|c| c.span)
                .unwrap_or(self.spec.anchor);
            self.gap(
                "`--api.insecure=true` serves the Traefik dashboard and API without authentication",
                span,
            );
        }
        let wizard_off = self.spec.env.iter().any(|e| {
            e.value
                .as_ref()
                .and_then(|v| v.value.known())
                .is_some_and(|v| v.contains("jenkins.install.runSetupWizard=false"))
        });
        if wizard_off && !self.maybe_set(&["CASC_JENKINS_CONFIG"]) && !self.env_file_could_set() {
            let span = self
                .spec
                .env
                .iter()
                .find(|e| {
                    e.value
                        .as_ref()
                        .is_some_and(|v| v.value.display().contains("runSetupWizard=false"))
                })
                .map(|e| e.span)
                .unwrap_or(self.spec.anchor);
            self.gap(
                "`jenkins.install.runSetupWizard=false` without a configuration-as-code file: Jenkins starts with no security",
                span,
            );
        }
        if self
            .opt("--auth")
            .is_some_and(|v| v.eq_ignore_ascii_case("none"))
        {
            let span = self
                .spec
                .command
                .as_ref()
                .map(|c| c.span)
                .unwrap_or(self.spec.anchor);
            self.gap(
                "`--auth none`: the editor, and its terminal, are open to anyone",
                span,
            );
        } else if self
            .spec
            .image_ref
            .as_ref()
            .is_some_and(|r| r.repository == "linuxserver/code-server")
            && !self.env_file_could_set()
            && !self.maybe_set(&[
                "PASSWORD",
                "HASHED_PASSWORD",
                "FILE__PASSWORD",
                "FILE__HASHED_PASSWORD",
            ])
        {
            let anchor = self.spec.anchor;
            self.gap("no `PASSWORD` or `HASHED_PASSWORD`: code-server, and its terminal, are open to anyone", anchor);
        }
    }
}

pub struct NoAuth;

impl Rule for NoAuth {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let (base, bitnami) = match &spec.image_ref {
            Some(r) => (r.base_name(), r.repository.starts_with("bitnami/")),
            None => ("", false),
        };
        let mut p = Probe {
            spec,
            base,
            bitnami,
            words: command_words(spec),
            gaps: Vec::new(),
        };
        p.postgres();
        p.mysql();
        p.bitnami_style();
        p.redis();
        p.mongo();
        p.elasticsearch();
        p.open_by_design();
        p.dind();
        p.apps();
        // Any port on all interfaces makes the service reachable from the
        // network; without one, from the containers on its networks.
        let exposed = exposed_span(spec).is_some();
        for g in p.gaps {
            let (sev, reach) = if g.only_if_published || exposed {
                (Severity::High, "reachable from the network")
            } else {
                (
                    Severity::Medium,
                    "reachable from every container on its networks",
                )
            };
            out.push(
                finding(&META, spec, g.span, format!("{}; {reach}", g.what)).with_severity(sev),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker, severities};

    fn svc(body: &str) -> (String, Vec<Finding>) {
        let text = format!("services:\n  s:\n{body}");
        let f = run_compose(&NoAuth, &text);
        (text, f)
    }

    #[test]
    fn postgres_trust() {
        let (text, f) = svc(
            "    image: postgres:17\n    environment:\n      POSTGRES_HOST_AUTH_METHOD: trust\n",
        );
        assert_eq!(severities(&f), vec![Severity::Medium]);
        assert!(flagged(&text, &f)[0].contains("POSTGRES_HOST_AUTH_METHOD"));
        let (_, f) = svc(
            "    image: docker.io/library/postgres:17\n    ports: [\"5432:5432\"]\n    environment:\n      - POSTGRES_HOST_AUTH_METHOD=trust\n",
        );
        assert_eq!(severities(&f), vec![Severity::High]);
        let (_, f) = svc(
            "    image: postgres:17\n    ports: [\"127.0.0.1:5432:5432\"]\n    environment:\n      - POSTGRES_HOST_AUTH_METHOD=trust\n",
        );
        assert_eq!(severities(&f), vec![Severity::Medium]);
    }

    #[test]
    fn mysql_empty_root_password() {
        let (_, f) = svc(
            "    image: mysql:8.4\n    environment:\n      MYSQL_ALLOW_EMPTY_PASSWORD: 'yes'\n",
        );
        assert_eq!(f.len(), 1);
        let (_, f) = svc(
            "    image: mariadb:11\n    environment:\n      MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: 'no'\n",
        );
        assert!(f[0].message.contains("any non-empty value"));
        let (_, f) = svc(
            "    image: mysql:8.4\n    environment:\n      MYSQL_ALLOW_EMPTY_PASSWORD: 'yes'\n      MYSQL_ROOT_PASSWORD: ${ROOT_PW}\n",
        );
        assert!(f.is_empty());
    }

    #[test]
    fn redis_published_without_password() {
        let (text, f) = svc("    image: redis:7.4\n    ports:\n      - \"6379:6379\"\n");
        assert_eq!(severities(&f), vec![Severity::High]);
        assert!(flagged(&text, &f)[0].contains("6379:6379"));
        let (_, f) = svc("    image: redislabs/redismod\n    ports:\n      - '6379:6379'\n");
        assert_eq!(f.len(), 1);
        let (_, f) = svc("    image: redis:7.4\n    command: redis-server --protected-mode no\n");
        assert_eq!(severities(&f), vec![Severity::Medium]);
        for quiet in [
            "    image: redis:7.4\n",
            "    image: redis:7.4\n    ports: [\"127.0.0.1:6379:6379\"]\n",
            "    image: redis:7.4\n    ports: [\"6379:6379\"]\n    command: [\"redis-server\", \"--requirepass\", \"${REDIS_PASSWORD}\"]\n",
            "    image: redis:7.4\n    ports: [\"6379:6379\"]\n    command: redis-server /usr/local/etc/redis/redis.conf\n",
            "    image: bitnami/redis:7.4\n    ports: [\"6379:6379\"]\n    environment:\n      REDIS_PASSWORD: ${PW}\n",
        ] {
            assert!(svc(quiet).1.is_empty(), "{quiet}");
        }
        let f = run_docker(&NoAuth, "docker run -d -p 6379:6379 redis:7.4\n");
        assert_eq!(severities(&f), vec![Severity::High]);
    }

    #[test]
    fn mongo_without_root_user() {
        let (text, f) = svc("    image: mongo:8\n");
        assert_eq!(severities(&f), vec![Severity::Medium]);
        assert!(flagged(&text, &f)[0].starts_with('s'));
        assert!(
            svc("    image: mongo:8\n    environment:\n      MONGO_INITDB_ROOT_USERNAME: admin\n")
                .1
                .is_empty()
        );
        assert!(svc("    image: mongo:8\n    env_file: .env\n").1.is_empty());
    }

    #[test]
    fn search_engines() {
        let (_, f) = svc(
            "    image: elasticsearch:8.15.0\n    ports: [\"9200:9200\"]\n    environment:\n      - xpack.security.enabled=false\n",
        );
        assert_eq!(severities(&f), vec![Severity::High]);
        let (_, f) = svc(
            "    image: elasticsearch:7.16.1\n    environment:\n      - discovery.type=single-node\n",
        );
        assert_eq!(f.len(), 1);
        assert!(svc("    image: elasticsearch:8.15.0\n").1.is_empty());
        assert!(svc("    image: elasticsearch:7.17.0\n    environment:\n      - xpack.security.enabled=true\n").1.is_empty());
        let (_, f) = svc(
            "    image: opensearchproject/opensearch:2\n    environment:\n      DISABLE_SECURITY_PLUGIN: 'true'\n",
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn other_services() {
        for body in [
            "    image: bitnami/zookeeper:3.9\n    environment:\n      - ALLOW_ANONYMOUS_LOGIN=yes\n",
            "    image: bitnami/etcd:3.5\n    environment:\n      - ALLOW_NONE_AUTHENTICATION=yes\n",
            "    image: bitnami/postgresql:17\n    environment:\n      - ALLOW_EMPTY_PASSWORD=yes\n",
            "    image: memcached:1.6\n    ports: [\"11211:11211\"]\n",
            "    image: docker:27-dind\n    privileged: true\n    environment:\n      DOCKER_TLS_CERTDIR: \"\"\n",
            "    image: grafana/grafana:11.3.0\n    environment:\n      GF_AUTH_ANONYMOUS_ENABLED: 'true'\n      GF_AUTH_ANONYMOUS_ORG_ROLE: Admin\n",
            "    image: quay.io/jupyter/base-notebook:2024-10-07\n    command: start-notebook.py --ServerApp.token=''\n",
            "    image: minio/minio:RELEASE.2024-10-13T13-34-11Z\n    command: server /data\n",
            "    image: rabbitmq:4-management\n",
            "    image: neo4j:5\n    environment:\n      NEO4J_AUTH: none\n",
            "    image: traefik:3.1\n    command: --api.insecure=true --providers.docker\n",
            "    image: registry:2\n    ports: [\"5000:5000\"]\n",
            "    image: jenkins/jenkins:lts\n    environment:\n      JAVA_OPTS: -Djenkins.install.runSetupWizard=false\n",
            "    image: codercom/code-server:4.93.1\n    command: --auth none\n",
        ] {
            assert_eq!(svc(body).1.len(), 1, "{body}");
        }
    }

    #[test]
    fn quiet_for_configured_services() {
        for body in [
            "    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: ${PG_PW}\n",
            "    image: memcached:1.6\n",
            "    image: docker:27-dind\n    privileged: true\n",
            "    image: grafana/grafana:11.3.0\n    environment:\n      GF_AUTH_ANONYMOUS_ENABLED: 'true'\n      GF_AUTH_ANONYMOUS_ORG_ROLE: Viewer\n",
            "    image: minio/minio:RELEASE.2024-10-13T13-34-11Z\n    environment:\n      MINIO_ROOT_PASSWORD_FILE: /run/secrets/minio\n",
            "    image: rabbitmq:4\n    environment:\n      RABBITMQ_DEFAULT_USER: app\n      RABBITMQ_DEFAULT_PASS: ${RMQ_PW}\n",
            "    image: traefik:3.1\n    command: --providers.docker\n",
            "    image: registry:2\n    ports: [\"127.0.0.1:5000:5000\"]\n",
            "    image: nginx:1.27\n    ports: [\"80:80\"]\n",
            "    build: .\n",
        ] {
            let (_, f) = svc(body);
            assert!(f.is_empty(), "{body}: {f:?}");
        }
    }
}
