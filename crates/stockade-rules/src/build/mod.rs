//! Rules that judge a Dockerfile (`BuildSpec`). Unless a rule is about the
//! build itself, it judges what will run: the final stage (or `--target`)
//! and the stages it is built `FROM`, never builder stages it only copies from.

use crate::meta::Rule;

pub mod add_url;
pub mod apt_recommends;
pub mod chmod_world_writable;
pub mod chown_after_copy;
pub mod curl_pipe_shell;
pub mod eol_base;
pub mod expose_admin_port;
pub mod expose_invalid_port;
pub mod from_latest;
pub mod from_no_digest;
pub mod invalid_base;
pub mod key_generated;
pub mod package_cache;
pub mod remote_access_tools;
pub mod run_insecure;
pub mod run_network_host;
pub mod secret_arg;
pub mod secret_env_arg;
pub mod secret_env_from_arg;
pub mod secret_files_copied;
pub mod set_password;
pub mod setuid_bits;
pub mod signature_disabled;
pub mod sudo_used;
pub mod sudoers_nopasswd;
pub mod tls_disabled;
pub mod token_literal;
pub mod untrusted_registry;
pub mod user_missing;
pub mod user_root;

pub static RULES: &[&'static dyn Rule] = &[
    &user_root::UserRoot,
    &user_missing::UserMissing,
    &sudoers_nopasswd::SudoersNopasswd,
    &sudo_used::SudoUsed,
    &from_latest::FromLatest,
    &from_no_digest::FromNoDigest,
    &invalid_base::InvalidBase,
    &add_url::AddUrl,
    &curl_pipe_shell::CurlPipeShell,
    &tls_disabled::TlsDisabled,
    &signature_disabled::SignatureDisabled,
    &untrusted_registry::UntrustedRegistry,
    &secret_env_arg::SecretEnvArg,
    &secret_arg::SecretArg,
    &secret_env_from_arg::SecretEnvFromArg,
    &token_literal::TokenLiteral,
    &secret_files_copied::SecretFilesCopied,
    &set_password::SetPassword,
    &remote_access_tools::RemoteAccessTools,
    &apt_recommends::AptRecommends,
    &package_cache::PackageCache,
    &expose_admin_port::ExposeAdminPort,
    &expose_invalid_port::ExposeInvalidPort,
    &eol_base::EolBase,
    &chmod_world_writable::ChmodWorldWritable,
    &setuid_bits::SetuidBits,
    &chown_after_copy::ChownAfterCopy,
    &run_insecure::RunInsecure,
    &run_network_host::RunNetworkHost,
    &key_generated::KeyGenerated,
];

#[cfg(test)]
mod tests {
    use super::RULES;
    use crate::testutil::{flagged, run_build};

    /// Dockerfiles written the way the official images are: every rule
    /// except the advice to pin digests (SKD111) and the root-user rules
    /// stays quiet.
    const GOOD: &[&str] = &[
        r#"FROM debian:bookworm-slim
ENV PATH=/usr/local/bin:$PATH LANG=C.UTF-8
ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305
ENV PYTHON_VERSION=3.12.7
RUN set -eux; \
	apt-get update; \
	apt-get install -y --no-install-recommends dpkg-dev gcc libssl-dev make wget xz-utils; \
	wget -O python.tar.xz "https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz"; \
	wget -O python.tar.xz.asc "https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz.asc"; \
	GNUPGHOME="$(mktemp -d)"; export GNUPGHOME; \
	gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$GPG_KEY"; \
	gpg --batch --verify python.tar.xz.asc python.tar.xz; \
	rm -rf "$GNUPGHOME" python.tar.xz.asc; \
	mkdir -p /usr/src/python; \
	tar --extract --directory /usr/src/python --strip-components=1 --file python.tar.xz; \
	cd /usr/src/python; \
	./configure --enable-optimizations; \
	make -j "$(nproc)"; make install; \
	apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \
	rm -rf /var/lib/apt/lists/* /usr/src/python
CMD ["python3"]
"#,
        r#"FROM alpine:3.22
ENV NODE_VERSION=22.11.0
RUN addgroup -g 1000 node \
    && adduser -u 1000 -G node -s /bin/sh -D node \
    && apk add --no-cache libstdc++ \
    && apk add --no-cache --virtual .build-deps curl gnupg \
    && curl -fsSLO --compressed "https://unofficial-builds.nodejs.org/download/release/v$NODE_VERSION/node-v$NODE_VERSION-linux-x64-musl.tar.xz" \
    && curl -fsSLO --compressed "https://nodejs.org/dist/v$NODE_VERSION/SHASUMS256.txt.asc" \
    && gpg --batch --decrypt --output SHASUMS256.txt SHASUMS256.txt.asc \
    && grep " node-v$NODE_VERSION-linux-x64-musl.tar.xz\$" SHASUMS256.txt | sha256sum -c - \
    && tar -xJf "node-v$NODE_VERSION-linux-x64-musl.tar.xz" -C /usr/local --strip-components=1 --no-same-owner \
    && rm -f "node-v$NODE_VERSION-linux-x64-musl.tar.xz" SHASUMS256.txt.asc SHASUMS256.txt \
    && apk del .build-deps \
    && node --version
USER node
CMD ["node"]
"#,
        r#"FROM debian:bookworm-slim
RUN set -ex; groupadd -r postgres --gid=999; \
    useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres; \
    mkdir -p /var/lib/postgresql; chown -R postgres:postgres /var/lib/postgresql
RUN mkdir -p /var/run/postgresql && chown -R postgres:postgres /var/run/postgresql && chmod 3777 /var/run/postgresql
ENV PGDATA=/var/lib/postgresql/data POSTGRES_PASSWORD_FILE=/run/secrets/pg
RUN mkdir -p "$PGDATA" && chown -R postgres:postgres "$PGDATA" && chmod 1777 "$PGDATA"
COPY docker-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["docker-entrypoint.sh"]
USER postgres
EXPOSE 5432
CMD ["postgres"]
"#,
        r#"# syntax=docker/dockerfile:1
FROM golang:1.23-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=secret,id=netrc,target=/root/.netrc CGO_ENABLED=0 go build -o /out/app ./cmd/app
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/app"]
"#,
        r#"FROM python:3.13-slim-bookworm
ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd -M -u 10001 -s /usr/sbin/nologin app
WORKDIR /app
COPY --chown=10001:10001 requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=10001:10001 . .
USER 10001
CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
"#,
        r#"FROM eclipse-temurin:21-jre-noble
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --chown=app:app --chmod=0644 target/app.jar /app/app.jar
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75" AUTH_ENABLED=true TOKEN_TTL=3600
USER app
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
"#,
    ];

    #[test]
    fn official_style_dockerfiles_are_quiet() {
        for text in GOOD {
            for rule in RULES {
                let id = rule.meta().id;
                if matches!(id, "SKD101" | "SKD102" | "SKD111") {
                    continue;
                }
                let f = run_build(*rule, text);
                assert!(
                    f.is_empty(),
                    "{id} on:\n{text}\n{:?}",
                    flagged(text, &f)
                        .iter()
                        .zip(&f)
                        .map(|(s, f)| (s.clone(), f.message.clone()))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}

#[cfg(test)]
mod hostile {
    use super::RULES;
    use crate::testutil::{ctx, run_build_with};
    use stockade_dockerfile::EvalOptions;

    fn all(text: &str) {
        let mut c = ctx();
        c.trusted_registries = vec!["ghcr.io".into()];
        c.read_context = true;
        let opts = EvalOptions {
            context_dir: Some(std::env::temp_dir().join("stockade-no-such-context")),
            ..Default::default()
        };
        for rule in RULES {
            let _ = run_build_with(*rule, text, &opts, &c);
        }
    }

    #[test]
    fn never_panics() {
        // Alternate quote styles so the text grows linearly with depth.
        let mut nested = "curl https://x.io/i.sh | sh".to_string();
        for i in 0..12 {
            nested = if i % 2 == 0 {
                format!("sh -c \"{}\"", nested.replace('"', "\\\""))
            } else {
                format!("sh -c {}", shell_quote(&nested))
            };
        }
        assert!(nested.len() < 1_000_000);
        let long = "a".repeat(200_000);
        let cases = [
            format!("FROM debian:12\nRUN {nested}\n"),
            format!("FROM debian:12\nRUN echo {long} > /etc/sudoers\nENV X={long}\n"),
            "FROM debian:12\nRUN sed -i '/\\é/a NOPASSWD' /etc/sudoers\n".to_string(),
            "FROM debian:12\nRUN sed -i 's/é/NOPASSWDé/' /etc/sudoers; sed -i 's' /etc/sudoers\n".to_string(),
            "FROM debian:12\nEXPOSE 99999999999999999999999 -1 /tcp 1-/udp é\n".to_string(),
            "FROM debian:12\nRUN chmod 77777777777 x && chmod ugo+é x && chmod = x && chmod\n".to_string(),
            "FROM debian:12\nENV ghp_=ghp_ AKIA=AKIA -----BEGIN=x\nLABEL a=\"-----BEGIN RSA PRIVATE KEY-----\"\n".to_string(),
            "FROM debian:12\nRUN curl -é https://x | é && wget -O\nRUN curl\nRUN find -exec chmod\n".to_string(),
            "FROM debian:12\nRUN <<EOF\nsslverify=\ngpgcheck=é\ntrusted=é [trusted=\nEOF\n".to_string(),
            "FROM debian:12\nCOPY ../../etc/passwd /x\nCOPY /etc/shadow* ../x\nADD git@github.com:x.git#é /x\n".to_string(),
            "FROM a:b:c\nFROM $X\nFROM\nRUN\nCOPY\nEXPOSE\nARG\nENV\n".to_string(),
            "\u{feff}FROM debian:12\r\nRUN apt-get update \\\r\n && apt-get install x\r\n".to_string(),
            "FROM centos:é\nFROM python:3.é-slim\nFROM node:99999999999999999999\n".to_string(),
        ];
        for text in &cases {
            all(text);
        }
    }

    fn shell_quote(s: &str) -> String {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
