//! **What it finds.** A shell (`sh`, `bash`, `busybox`…) or a package
//! manager (`apt`, `apk`, `pip`…) in an image that otherwise looks like a
//! single-binary image: its entrypoint (or command) runs a program that is
//! neither a shell nor an interpreter, it has at most 20 OS packages and at
//! most 5000 files. Advice (`info`): the tools may be there on purpose.
//!
//! **Why it matters.** An image built around one static binary needs
//! nothing else at run time. A shell and a package manager are what an
//! attacker who gets code execution reaches for next: to run scripts, pull
//! tools and persist. Without them most of that fails, and scanners have
//! less to report.
//!
//! **How to fix.** Build on `scratch` or a distroless base and copy only
//! the binary (and CA certificates, time zones, `/etc/passwd` if it needs
//! them) from the build stage. Keep a debug variant of the image for
//! troubleshooting, or use `docker debug` / ephemeral debug containers.
//!
//! **Bad**
//! ```dockerfile
//! FROM golang:1.24 AS build
//! RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
//! FROM alpine:3.22
//! COPY --from=build /out/app /app
//! ENTRYPOINT ["/app"]
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM golang:1.24 AS build
//! RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
//! FROM gcr.io/distroless/static-debian12:nonroot
//! COPY --from=build /out/app /app
//! ENTRYPOINT ["/app"]
//! ```

use super::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::is_python_name;
use stockade_core::{Category, Finding, ImageSpec, NotableKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD306",
    title: "Shell or package manager in a single-binary image",
    category: Category::AttackSurface,
    severity: Severity::Info,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("shell_in_minimal.rs"),
};

pub struct ShellInMinimal;

const MAX_PACKAGES: usize = 20;
const MAX_FILES: u64 = 5000;

/// Programs that need more of the image than themselves.
fn needs_a_runtime(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    matches!(
        name,
        "sh" | "bash"
            | "ash"
            | "dash"
            | "zsh"
            | "busybox"
            | "env"
            | "tini"
            | "dumb-init"
            | "s6-svscan"
            | "supervisord"
            | "node"
            | "nodejs"
            | "java"
            | "ruby"
            | "perl"
            | "php"
            | "php-fpm"
            | "dotnet"
            | "nginx"
            | "httpd"
            | "apache2"
            | "docker-entrypoint.sh"
    ) || is_python_name(name)
        || name.ends_with(".sh")
        || name.ends_with(".py")
        || name.ends_with(".rb")
        || name.ends_with(".pl")
}

/// Whether the image looks like one program and little else.
fn single_binary(spec: &ImageSpec) -> bool {
    let program = spec
        .config
        .entrypoint
        .as_ref()
        .filter(|e| !e.is_empty())
        .or(spec.config.cmd.as_ref())
        .and_then(|v| v.first());
    let Some(program) = program else {
        return false;
    };
    !program.trim().is_empty()
        && !needs_a_runtime(program.trim())
        && spec.packages.len() <= MAX_PACKAGES
        && spec.stats.regular_files <= MAX_FILES
}

impl Rule for ShellInMinimal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        if !single_binary(spec) {
            return;
        }
        let tools: Vec<&str> = spec
            .notable_files
            .iter()
            .filter(|n| matches!(n.kind, NotableKind::Shell | NotableKind::PackageManager))
            .map(|n| n.file.path.as_str())
            .collect();
        let Some(first) = tools.first() else { return };
        let shown: Vec<String> = tools.iter().take(5).map(|p| format!("`/{p}`")).collect();
        let more = if tools.len() > 5 {
            format!(" and {} more", tools.len() - 5)
        } else {
            String::new()
        };
        let layer = spec
            .notable_files
            .iter()
            .find(|n| n.file.path == *first)
            .map(|n| n.file.layer_digest.as_str());
        out.push(finding(
            &META,
            spec,
            layer,
            Some(first),
            format!(
                "the image runs one program but also ships {}{more}: tools an intruder would use, which the program does not need",
                shown.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{fref, image, package, run};
    use stockade_core::{FileType, NotableFile, PackageManager};

    fn with_tools(s: &mut stockade_core::ImageSpec) {
        for (p, k) in [
            ("bin/busybox", NotableKind::Shell),
            ("bin/sh", NotableKind::Shell),
            ("sbin/apk", NotableKind::PackageManager),
            ("usr/bin/wget", NotableKind::NetworkTool),
        ] {
            s.notable_files.push(NotableFile {
                file: fref(p, 0),
                kind: k,
                file_type: FileType::File,
                mode: 0o755,
            });
        }
    }

    #[test]
    fn flags_shells_next_to_one_binary() {
        let mut s = image();
        with_tools(&mut s);
        let f = run(&ShellInMinimal, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(
            f[0].message
                .contains("`/bin/busybox`, `/bin/sh`, `/sbin/apk`"),
            "{}",
            f[0].message
        );
        assert!(!f[0].message.contains("wget"));
        // A command without an entrypoint counts too.
        s.config.entrypoint = None;
        s.config.cmd = Some(vec!["/usr/local/bin/server".into(), "--port=80".into()]);
        assert_eq!(run(&ShellInMinimal, &s).len(), 1);
    }

    #[test]
    fn quiet_when_the_image_needs_its_tools() {
        for entry in [
            vec!["/bin/sh", "-c", "exec app"],
            vec!["docker-entrypoint.sh"],
            vec!["python3", "-m", "app"],
            vec!["java", "-jar", "/app.jar"],
            vec!["/usr/bin/env", "node"],
        ] {
            let mut s = image();
            with_tools(&mut s);
            s.config.entrypoint = Some(entry.iter().map(|e| e.to_string()).collect());
            assert!(run(&ShellInMinimal, &s).is_empty(), "{entry:?}");
        }
        // A full distribution is not a single-binary image.
        let mut s = image();
        with_tools(&mut s);
        for i in 0..30 {
            s.packages
                .push(package(PackageManager::Apk, &format!("p{i}")));
        }
        assert!(run(&ShellInMinimal, &s).is_empty());
        // No entrypoint or command: cannot tell.
        let mut s = image();
        with_tools(&mut s);
        s.config.entrypoint = None;
        s.config.cmd = None;
        assert!(run(&ShellInMinimal, &s).is_empty());
        // Nothing to report.
        assert!(run(&ShellInMinimal, &image()).is_empty());
    }
}
