//! Hand-built findings over hand-written sources, shared by the tests.
#![allow(dead_code)]

use stockade_core::{
    Category, Finding, InputError, Locator, Severity, SourceFile, SourceMap, Span,
};
use stockade_report::{Format, HumanOptions, Report, RuleInfo, render};

pub const DOCKERFILE: &str = "\
FROM alpine:3.19
RUN apk add --no-cache curl \\
    && curl -fsSL https://example.com/install.sh | sh
ENV APP_HOME=/app
WORKDIR /app
COPY . .
EXPOSE 8080
ARG VERSION
LABEL version=$VERSION
# final user
USER root
";

pub const TABS: &str = "services:\n\tapp:\n\t\tprivileged:\ttrue\n";

pub const WIDE: &str = "services:\n  ウェブ:\n    labels: {名前: \"漢字\"}  # network_mode: host\n";

pub static RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "SKD101",
        title: "Image runs as root",
        category: Category::RootUser,
        severity: Severity::High,
        aliases: &["DL3002", "DS-0002"],
        doc: "# Image runs as root\n\nThe final stage's user is root, so a process that escapes the\napplication owns the container.\n\n## Fix\n\nAdd `USER 10001` after installing packages.\n\n```dockerfile\nUSER root\n```\n",
        fix: Some("add a USER instruction with a non-root user"),
    },
    RuleInfo {
        id: "SKD201",
        title: "Remote script piped into a shell",
        category: Category::Provenance,
        severity: Severity::Medium,
        aliases: &["DS-0029"],
        doc: "Piping a download into `sh` runs whatever the server sends today.",
        fix: None,
    },
    RuleInfo {
        id: "SKD301",
        title: "Privileged container",
        category: Category::Privileged,
        severity: Severity::Critical,
        aliases: &[],
        doc: "A privileged container can do almost anything the host can.",
        fix: Some("remove `privileged: true`"),
    },
    RuleInfo {
        id: "SKD302",
        title: "Host network namespace",
        category: Category::Namespace,
        severity: Severity::Low,
        aliases: &[],
        doc: "",
        fix: None,
    },
    RuleInfo {
        id: "SKD401",
        title: "World-readable shadow file",
        category: Category::FilePermissions,
        severity: Severity::Low,
        aliases: &[],
        doc: "Hashes in /etc/shadow should be readable by root only.",
        fix: None,
    },
    RuleInfo {
        id: "SKD501",
        title: "Daemon advice",
        category: Category::Hygiene,
        severity: Severity::Info,
        aliases: &[],
        doc: "Advice about the daemon.",
        fix: None,
    },
];

/// The span of the `nth` (0-based) occurrence of `needle` in `file`.
pub fn span_of(file: &SourceFile, needle: &str, nth: usize) -> Span {
    let start = file
        .text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` not in {}", file.path))
        .0;
    Span::new(file.id, start, start + needle.len())
}

pub fn finding(
    rule: &'static str,
    severity: Severity,
    span: Option<Span>,
    message: &str,
    subject: &str,
) -> Finding {
    let info = RULES.iter().find(|r| r.id == rule).expect("test rule");
    Finding {
        rule,
        category: info.category,
        severity,
        title: info.title,
        message: message.to_string(),
        span,
        locator: None,
        subject: subject.to_string(),
        aliases: info.aliases,
    }
}

pub struct Fixture {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub files: usize,
}

impl Fixture {
    pub fn empty() -> Self {
        Fixture {
            sources: SourceMap::new(),
            findings: Vec::new(),
            errors: Vec::new(),
            files: 0,
        }
    }

    /// One finding of every shape: single-line, multi-line, tab, wide
    /// characters, image locator, nothing at all; and two input errors.
    pub fn full() -> Self {
        let sources = SourceMap::new();
        let docker = sources.add("./Dockerfile", None, DOCKERFILE.to_string());
        let tabs = sources.add("deploy/tabs.yaml", None, TABS.to_string());
        let wide = sources.add("deploy/wide compose.yaml", None, WIDE.to_string());

        let run_start = span_of(&docker, "curl \\", 0).start as usize;
        let run_end = span_of(&docker, "| sh", 0).end as usize;
        let mut image = finding(
            "SKD401",
            Severity::Low,
            None,
            "/etc/shadow is readable by everyone (mode 0644)",
            "alpine:3.19",
        );
        image.locator = Some(Box::new(Locator {
            image: Some("alpine:3.19".into()),
            layer: Some("sha256:4abcf2066143".into()),
            path: Some("/etc/shadow".into()),
            ..Locator::default()
        }));
        let findings = vec![
            finding(
                "SKD201",
                Severity::Medium,
                Some(Span::new(docker.id, run_start, run_end)),
                "a script downloaded with curl is piped into sh",
                "stage 0",
            ),
            finding(
                "SKD101",
                Severity::High,
                Some(span_of(&docker, "USER root", 0)),
                "the final stage runs as root",
                "stage 0",
            ),
            finding(
                "SKD301",
                Severity::Critical,
                Some(span_of(&tabs, "true", 0)),
                "service `app` runs privileged",
                "app",
            ),
            finding(
                "SKD302",
                Severity::Low,
                Some(span_of(&wide, "network_mode", 0)),
                "service `ウェブ` mentions the host network",
                "ウェブ",
            ),
            image,
            finding(
                "SKD501",
                Severity::Info,
                None,
                "the daemon has no default ulimits",
                "host",
            ),
        ];
        let errors = vec![
            InputError::new(
                "deploy/tabs.yaml",
                Some(span_of(&tabs, "\tapp:", 0)),
                "tabs are not allowed in YAML indentation",
            ),
            InputError::new(
                "missing.yaml",
                None,
                "cannot read: No such file or directory",
            ),
        ];
        Fixture {
            sources,
            findings,
            errors,
            files: 4,
        }
    }

    pub fn report(&self) -> Report<'_> {
        Report {
            findings: &self.findings,
            errors: &self.errors,
            sources: &self.sources,
            rules: RULES,
            files_scanned: self.files,
            tool_version: "0.1.0",
            fail_on: Severity::High,
        }
    }
}

pub fn render_to_string(report: &Report, format: Format, opts: HumanOptions) -> String {
    let mut out = Vec::new();
    render(report, format, &opts, &mut out).expect("render");
    String::from_utf8(out).expect("UTF-8 output")
}

pub fn plain() -> HumanOptions {
    HumanOptions {
        color: false,
        width: Some(100),
    }
}
