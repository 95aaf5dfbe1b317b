//! **What it finds.** Passwords and other secrets set to a weak or
//! well-known value in the container's environment or build arguments:
//! common weak passwords (`root`, `password`, `admin`, `123456`, `postgres`,
//! `guest` …, also decorated: `Passw0rd!`, `qwerty123`, `mypassword`, or
//! joined to a short name: `devtools-password`), keyboard walks
//! (`1q2w3e4r`, `qwer1234`, `1qaz2wsx`), placeholders used as the
//! real value (`changeme`, `example`,
//! `xxx`), the examples from the images' documentation
//! (`mysecretpassword`, `my-secret-pw`, `minioadmin`, `minio123`,
//! `somewordpress`),
//! the image's own name (`GF_SECURITY_ADMIN_PASSWORD=grafana`), or the same
//! value as the user or database name set next to it
//! (`POSTGRES_USER=gitea`, `POSTGRES_PASSWORD=gitea`). `NEO4J_AUTH` is read
//! as `user/password`. An access key set next to its secret key
//! (`MINIO_ACCESS_KEY` beside `MINIO_SECRET_KEY`) names the account, like a
//! user name: it is not judged as a password, and a secret key equal to it
//! is weak. Values that come from interpolation are not judged.
//!
//! **Why it matters.** These are the first passwords any scanner or
//! attacker tries. A database, message broker or dashboard that uses one is
//! open to anyone who reaches it: every container on its network, and the
//! whole network if its port is published.
//!
//! **How to fix.** Generate a long random password
//! (`openssl rand -base64 32`), keep it out of the file (an untracked
//! `.env`, or Compose `secrets:` with the image's `*_FILE` variable), and
//! change it in the running service, since most images read these
//! variables only when they first initialise their data.
//!
//! **Bad**
//! ```yaml
//! services:
//!   db:
//!     image: mysql:8.4
//!     environment:
//!       MYSQL_ROOT_PASSWORD: root
//! ```
//! ```sh
//! docker run -e POSTGRES_PASSWORD=mysecretpassword postgres:17
//! ```
//!
//! **Good**
//! ```yaml
//! services:
//!   db:
//!     image: mysql:8.4
//!     environment:
//!       MYSQL_ROOT_PASSWORD_FILE: /run/secrets/mysql_root
//!     secrets: [mysql_root]
//! secrets:
//!   mysql_root:
//!     file: ./mysql_root.txt
//! ```

use crate::container::secret_values::{
    UserNames, is_paired_access_key, literal_text, settings, weak_reason,
};
use crate::container::support::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::secrets::is_secret_name;
use stockade_core::{Category, ContainerSpec, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD228",
    title: "Weak or default password",
    category: Category::Secrets,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Container],
    fix: FixKind::None,
    source: include_str!("weak_password.rs"),
};

pub struct WeakPassword;

impl Rule for WeakPassword {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_container(&self, spec: &ContainerSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let users = UserNames::of(spec);
        for s in settings(spec) {
            if !is_secret_name(s.name) || is_paired_access_key(spec, s.name) {
                continue;
            }
            let Some(text) = literal_text(s.value) else {
                continue;
            };
            if let Some(why) = weak_reason(spec, &users, s.name, &text) {
                out.push(finding(
                    &META,
                    spec,
                    s.span,
                    format!("{} `{}` is set to a weak value: {why}", s.kind, s.name),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::testutil::{flagged, run_compose, run_docker};

    fn env(image: &str, list: &str) -> (String, Vec<Finding>) {
        let text = format!("services:\n  db:\n    image: {image}\n    environment:\n{list}");
        let f = run_compose(&WeakPassword, &text);
        (text, f)
    }

    #[test]
    fn flags_weak_and_default_values() {
        for (image, e) in [
            ("mysql:8.4", "      MYSQL_ROOT_PASSWORD: root\n"),
            ("mysql:8.4", "      MYSQL_ROOT_PASSWORD: example\n"),
            ("mysql:8.4", "      - MYSQL_ROOT_PASSWORD=123456\n"),
            ("postgres:17", "      - POSTGRES_PASSWORD=postgres\n"),
            (
                "postgres:17",
                "      - POSTGRES_PASSWORD=mysecretpassword\n",
            ),
            ("mongo:8", "      MONGO_INITDB_ROOT_PASSWORD: example\n"),
            ("rabbitmq:4", "      RABBITMQ_DEFAULT_PASS: guest\n"),
            (
                "grafana/grafana:11.3.0",
                "      GF_SECURITY_ADMIN_PASSWORD: admin\n",
            ),
            (
                "grafana/grafana:11.3.0",
                "      GF_SECURITY_ADMIN_PASSWORD: grafana\n",
            ),
            (
                "minio/minio:RELEASE.2024-10-13T13-34-11Z",
                "      MINIO_ROOT_PASSWORD: minioadmin\n",
            ),
            ("neo4j:5", "      NEO4J_AUTH: neo4j/password\n"),
            (
                "postgres:17",
                "      POSTGRES_USER: gitea\n      POSTGRES_PASSWORD: gitea\n",
            ),
            ("example/app:1", "      JWT_SECRET: secret\n"),
            (
                "minio/minio:RELEASE.2020-07-22T00-26-33Z",
                "      MINIO_ACCESS_KEY: minio\n      MINIO_SECRET_KEY: minio123\n",
            ),
        ] {
            let (text, f) = env(image, e);
            assert_eq!(f.len(), 1, "{e}: {f:?}");
            assert!(
                flagged(&text, &f)[0].contains("PASS")
                    || flagged(&text, &f)[0].contains("SECRET")
                    || flagged(&text, &f)[0].contains("AUTH"),
                "{e}"
            );
        }
        let text = "docker run -e POSTGRES_PASSWORD=postgres postgres:17\n";
        assert_eq!(run_docker(&WeakPassword, text).len(), 1);
    }

    #[test]
    fn quiet_for_strong_and_external_values() {
        for e in [
            "      MYSQL_ROOT_PASSWORD: Zx81-q7Tk-w2\n",
            "      MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD}\n",
            "      MYSQL_ROOT_PASSWORD_FILE: /run/secrets/root\n",
            "      MYSQL_ALLOW_EMPTY_PASSWORD: 'yes'\n",
            "      MYSQL_USER: root\n",
            "      NEO4J_AUTH: none\n",
            "      MYSQL_DATABASE: app\n      MYSQL_PASSWORD: Zx81-q7Tk\n",
        ] {
            let (_, f) = env("mysql:8.4", e);
            assert!(f.is_empty(), "{e}: {f:?}");
        }
        // A decorated common word says so.
        let (_, f) = env("example/app:1", "      DB_PASSWORD: devtools-password\n");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("common password word"), "{f:?}");
        let (_, f) = env("example/app:1", "      DB_PASSWORD: password\n");
        assert!(f[0].message.contains("well-known weak password"), "{f:?}");
        // The access key beside a secret key names the account: its value
        // is not a password, even when it is the image's name.
        let (_, f) = env(
            "minio/minio:RELEASE.2020-07-22T00-26-33Z",
            "      MINIO_ACCESS_KEY: minio\n      MINIO_SECRET_KEY: Zx81-q7Tk-w2\n",
        );
        assert!(f.is_empty(), "{f:?}");
        // A secret key equal to its access key is weak.
        let (text, f) = env(
            "minio/minio:RELEASE.2020-07-22T00-26-33Z",
            "      MINIO_ACCESS_KEY: Zx81-q7Tk-w2\n      MINIO_SECRET_KEY: Zx81-q7Tk-w2\n",
        );
        assert_eq!(flagged(&text, &f).len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("the same as `MINIO_ACCESS_KEY`"),
            "{f:?}"
        );
    }
}
