//! **What it finds.** The final stage has no `USER` instruction (neither in
//! itself nor in the stages it is built `FROM`), so the container runs as
//! the base image's default user, which is root for almost every base image.
//! Not reported for bases known to set a non-root `USER` themselves:
//! distroless `:nonroot` tags, Chainguard images, the Red Hat UBI language
//! images (`ubi9/openjdk-21`, `ubi9/nodejs-20`, `ubi9/python-312`,
//! `ubi9/go-toolset` …, which run as 185 or 1001), .NET `chiseled` images,
//! and `jenkins/jenkins`, `grafana/grafana`, `prom/prometheus`,
//! `quay.io/keycloak/keycloak`, `nginxinc/nginx-unprivileged`,
//! `sonarqube` and the other images SKD224 knows, and Windows Nano Server
//! (`ContainerUser`); Windows Server Core images run as
//! `ContainerAdministrator`. A `FROM scratch` image runs as UID 0 and needs
//! an explicit `USER`, unless it is an export stage: no `ENTRYPOINT` or
//! `CMD`, and named for it (`AS export`, `artifacts`, `output`, `dist`) or
//! holding only packages (`.jar`, `.tar.gz`, `.whl` …), for
//! `docker build --output`.
//!
//! **Why it matters.** Without `USER`, the process runs as UID 0. A container
//! is not a virtual machine: root in the container is root on the host
//! kernel, one escape away from the host.
//!
//! **How to fix.** Add `USER 65534:65534` (or another dedicated numeric
//! UID unused on the host) at the end of the final stage, and give it the
//! files it must write with `COPY --chown`.
//! `stockade fix --unsafe-fixes` does both (an unsafe fix: the program
//! loses root): `USER 65534:65534` (configurable), and `--chown` on the
//! final stage's `COPY` lines into its `WORKDIR` and application or data
//! directories, not into system directories such as `/usr/bin`.
//!
//! **Bad**
//! ```dockerfile
//! FROM python:3.13-slim
//! COPY app.py /app/
//! CMD ["python", "/app/app.py"]
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM python:3.13-slim
//! COPY --chown=65534:65534 app.py /app/
//! USER 65534:65534
//! CMD ["python", "/app/app.py"]
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{BaseImage, BuildSpec, Category, EffectiveUser, Finding, ImageRef, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD102",
    title: "Final stage has no USER: runs as the base image's default (root)",
    category: Category::RootUser,
    severity: Severity::High,
    aliases: &[
        "DS-0002",
        "DS002",
        "AVD-DS-0002",
        "CKV_DOCKER_3",
        "missing_user_instruction",
    ],
    targets: &[Target::Build],
    fix: FixKind::Unsafe,
    source: include_str!("user_missing.rs"),
};

/// Repositories (any registry) whose images set a non-root `USER`.
const NON_ROOT_IMAGES: &[&str] = &[
    "prom/prometheus",
    "prom/alertmanager",
    "prom/node-exporter",
    "prom/pushgateway",
    "grafana/grafana",
    "grafana/grafana-oss",
    "library/memcached",
    "library/elasticsearch",
    "library/kibana",
    "library/logstash",
    "elasticsearch/elasticsearch",
    "kibana/kibana",
    "logstash/logstash",
    "dpage/pgadmin4",
    "jenkins/jenkins",
    "library/sonarqube",
    "library/solr",
    "keycloak/keycloak",
    "nginxinc/nginx-unprivileged",
];

/// Red Hat UBI language images (`ubi9/openjdk-21`, `ubi8/nodejs-20`): their
/// Dockerfiles end with `USER 185` (OpenJDK) or `USER 1001` (the others).
fn red_hat_language_image(r: &ImageRef) -> bool {
    if !matches!(
        r.registry.as_str(),
        "registry.access.redhat.com" | "registry.redhat.io"
    ) {
        return false;
    }
    let Some((family, name)) = r.repository.split_once('/') else {
        return false;
    };
    family.starts_with("ubi")
        && [
            "openjdk-",
            "nodejs-",
            "python-",
            "ruby-",
            "php-",
            "perl-",
            "dotnet-",
            "go-toolset",
        ]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Windows Server Core based images, whose default user is
/// `ContainerAdministrator` rather than `root`.
fn windows_admin_base(r: &ImageRef) -> bool {
    r.registry == "mcr.microsoft.com"
        && (r.repository.starts_with("windows/")
            || r.repository == "windows"
            || r.repository.starts_with("dotnet/framework/"))
}

/// Base images whose default user is known not to be root.
pub fn known_non_root_base(r: &ImageRef) -> bool {
    let tag = r.tag.as_deref().unwrap_or("");
    let repo = r.repository.as_str();
    if r.registry == "gcr.io" && repo.starts_with("distroless/") {
        return tag == "nonroot" || tag.ends_with("-nonroot") || tag.starts_with("nonroot-");
    }
    if r.registry == "cgr.dev" && repo.starts_with("chainguard/") {
        // Chainguard images run as 65532 by default; the `-dev` variants too,
        // but their shells make the image a poorer fit, which other rules judge.
        return true;
    }
    if r.registry == "mcr.microsoft.com" && repo.starts_with("dotnet/") {
        // The chiseled (distroless) .NET images run as `app` (1654).
        return tag.contains("chiseled");
    }
    if r.registry == "mcr.microsoft.com" && repo == "windows/nanoserver" {
        // Nano Server runs as `ContainerUser`, not an administrator.
        return true;
    }
    NON_ROOT_IMAGES.contains(&repo) || red_hat_language_image(r)
}

pub struct UserMissing;

/// A `FROM scratch` stage that only carries build outputs: no `ENTRYPOINT`
/// or `CMD`, and either named for it (`export`, `artifacts`, `output`,
/// `dist`) or holding only packages (`.jar`, `.tar.gz`, `.whl`, `.deb` …).
fn export_stage(stage: &stockade_core::Stage) -> bool {
    use stockade_core::InstrKind;
    let runs = stage
        .instructions
        .iter()
        .any(|i| matches!(i.kind, InstrKind::Entrypoint(_) | InstrKind::Cmd(_)));
    if runs {
        return false;
    }
    let named = stage.name.as_ref().is_some_and(|n| {
        let n = n.value.to_ascii_lowercase();
        ["export", "artifact", "output", "dist"]
            .iter()
            .any(|w| n.contains(w))
    });
    const PACKAGES: &[&str] = &[
        ".jar", ".war", ".ear", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.zst", ".whl",
        ".deb", ".rpm", ".apk", ".nupkg", ".gem", ".vsix",
    ];
    let mut copies = stage.copies().peekable();
    let only_packages = copies.peek().is_some()
        && copies.all(|(_, c)| {
            !c.sources.is_empty()
                && c.sources.iter().all(|s| {
                    let t = s.value.display().to_ascii_lowercase();
                    PACKAGES.iter().any(|p| t.ends_with(p))
                })
        });
    named || only_packages
}

impl Rule for UserMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let Some(stage) = spec.final_stage() else {
            return;
        };
        if stage.user != EffectiveUser::BaseDefault {
            return;
        }
        // The root of the FROM chain decides the default user.
        let chain = spec.final_chain();
        let root = chain
            .last()
            .and_then(|&i| spec.stages.get(i))
            .unwrap_or(stage);
        let subject = stage.label();
        let span = stage.from.span;
        match &root.from.base {
            BaseImage::Image(r) if known_non_root_base(r) => {}
            BaseImage::Image(r) => out.push(META.finding(
                span,
                subject,
                format!(
                    "no USER in the final stage: the container runs as `{}`'s default user, {}",
                    r.short_name(),
                    if windows_admin_base(r) {
                        "ContainerAdministrator (the container's administrator)"
                    } else {
                        "root"
                    }
                ),
            )),
            // An export stage (`FROM scratch AS export` for `docker build
            // --output`) carries files and runs nothing.
            BaseImage::Scratch if export_stage(stage) => {}
            BaseImage::Scratch => out.push(META.finding(
                span,
                subject,
                "no USER in the final stage: a `FROM scratch` image runs as UID 0 unless USER is set",
            )),
            // The build fails: SKD180 says so; who it would run as is moot.
            BaseImage::Invalid(_) => {}
            BaseImage::Unknown | BaseImage::Stage(_) => out.push(
                META.finding(
                    span,
                    subject,
                    format!(
                        "no USER in the final stage, and the base image `{}` is not known: it most likely runs as root",
                        root.from.image.display()
                    ),
                )
                .with_severity(Severity::Medium),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    #[test]
    fn flags_missing_user_at_final_from() {
        let text = "FROM golang:1.23 AS build\nRUN go build\nFROM debian:12-slim\nCOPY --from=build /a /a\n";
        let f = run_build(&UserMissing, text);
        assert_eq!(flagged(text, &f), vec!["FROM debian:12-slim"]);
        assert_eq!(f[0].severity, Severity::High);
        let text = "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n";
        assert_eq!(run_build(&UserMissing, text).len(), 1);
        // An export stage carries files and runs nothing.
        for text in [
            "FROM maven:3.9 AS build\nRUN mvn package\nFROM scratch AS export-stage\nCOPY --from=build /app/target/app.jar .\n",
            "FROM golang:1.23 AS build\nRUN go build -o /out/app\nFROM scratch AS artifacts\nCOPY --from=build /out/ /\n",
            "FROM python:3.13 AS build\nRUN pip wheel -w /w .\nFROM scratch\nCOPY --from=build /w/app-1.0-py3-none-any.whl /\n",
        ] {
            assert!(run_build(&UserMissing, text).is_empty(), "{text}");
        }
        // A binary in scratch, even without ENTRYPOINT, is meant to run.
        let text = "FROM golang:1.23 AS build\nRUN go build -o /out/app\nFROM scratch\nCOPY --from=build /out/app /app\n";
        assert_eq!(run_build(&UserMissing, text).len(), 1);
        // An export-named stage that runs something is judged.
        let text = "FROM scratch AS export\nCOPY app /app\nENTRYPOINT [\"/app\"]\n";
        assert_eq!(run_build(&UserMissing, text).len(), 1);
    }

    #[test]
    fn quiet_on_bases_that_set_a_non_root_user() {
        for base in [
            "registry.access.redhat.com/ubi8/openjdk-11-runtime",
            "registry.access.redhat.com/ubi9/openjdk-21:1.20",
            "registry.access.redhat.com/ubi9/nodejs-20-minimal",
            "registry.redhat.io/ubi9/python-312",
            "registry.access.redhat.com/ubi9/go-toolset:1.25",
            "jenkins/jenkins:lts",
            "grafana/grafana:11.3.0",
            "quay.io/keycloak/keycloak:26.2",
            "nginxinc/nginx-unprivileged:1.27-alpine",
            "mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled",
        ] {
            let text = format!("FROM {base}\nCOPY app.jar /deployments/\n");
            assert!(run_build(&UserMissing, &text).is_empty(), "{base}");
        }
        // The plain UBI images and the full .NET images run as root.
        for base in [
            "registry.access.redhat.com/ubi9/ubi:9.5",
            "registry.access.redhat.com/ubi9/ubi-minimal:9.5",
            "mcr.microsoft.com/dotnet/aspnet:8.0",
            "jenkins/inbound-agent:latest-jdk17",
        ] {
            let text = format!("FROM {base}\nCOPY app /app\n");
            assert_eq!(run_build(&UserMissing, &text).len(), 1, "{base}");
        }
    }

    #[test]
    fn windows_bases() {
        let text = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN md C:\\app\n";
        let f = run_build(&UserMissing, text);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("ContainerAdministrator"), "{f:?}");
        let text = "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY app.exe C:\\app\\\n";
        assert!(run_build(&UserMissing, text).is_empty());
    }

    #[test]
    fn unknown_base_is_medium() {
        let text = "ARG BASE\nFROM $BASE\nRUN true\n";
        let f = run_build(&UserMissing, text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn quiet_when_user_is_set_or_base_is_non_root() {
        for text in [
            "FROM debian:12\nUSER 65534\n",
            "FROM debian:12 AS base\nUSER 1000\nFROM base\nRUN true\n",
            "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\n",
            "FROM cgr.dev/chainguard/static:latest\nCOPY app /app\n",
            "FROM debian:12\nUSER root\n",
        ] {
            assert!(run_build(&UserMissing, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn root_distroless_tag_is_flagged() {
        let text = "FROM gcr.io/distroless/static-debian12\nCOPY app /app\n";
        assert_eq!(run_build(&UserMissing, text).len(), 1);
    }
}
