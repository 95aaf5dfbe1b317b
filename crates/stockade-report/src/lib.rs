//! Renderers for stockade's findings: human (terminal), JSON, SARIF 2.1.0,
//! GitHub workflow annotations, Markdown (pull-request comments), a
//! self-contained HTML page, and GitLab Code Quality JSON.
//!
//! The crate knows neither rules nor source formats: the CLI hands in the
//! findings (already filtered and sorted; their order is kept), the input
//! errors, the [`SourceMap`] the spans point into, and the metadata of the
//! rules as [`RuleInfo`].
//!
//! ```
//! use stockade_core::{Category, Finding, Severity, SourceMap, Span};
//! use stockade_report::{render, Format, HumanOptions, Report};
//!
//! let sources = SourceMap::new();
//! let file = sources.add("Dockerfile", None, "FROM alpine\nUSER root\n".to_string());
//! let findings = vec![Finding {
//!     rule: "SKD101",
//!     category: Category::RootUser,
//!     severity: Severity::High,
//!     title: "Image runs as root",
//!     message: "the final stage runs as root".to_string(),
//!     span: Some(Span::new(file.id, 12, 21)),
//!     locator: None,
//!     subject: "stage 0".to_string(),
//!     aliases: &["DL3002"],
//! }];
//! let report = Report {
//!     findings: &findings,
//!     errors: &[],
//!     sources: &sources,
//!     rules: &[],
//!     files_scanned: 1,
//!     tool_version: "0.1.0",
//!     fail_on: Severity::High,
//! };
//! let mut out = Vec::new();
//! render(&report, Format::Human, &HumanOptions::default(), &mut out).unwrap();
//! let text = String::from_utf8(out).unwrap();
//! assert!(text.starts_with("high[SKD101]: the final stage runs as root\n"));
//! ```

use std::io;
use std::str::FromStr;
use std::sync::Arc;

use stockade_core::{
    Category, Finding, InputError, LineCol, Locator, Severity, SourceFile, SourceMap, Span,
};

mod github;
mod gitlab;
mod html;
mod human;
mod json;
mod markdown;
mod mdhtml;
mod sarif;
mod text;

pub use github::{escape_data as github_escape_data, escape_property as github_escape_property};
pub use gitlab::severity as gitlab_severity;

/// The tool's name as it appears in every machine-readable output.
pub const TOOL_NAME: &str = "stockade";

/// Where people learn about the tool (SARIF `informationUri`).
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// What the report needs to know about one rule. The CLI builds these from
/// the rule catalog; the report never looks rules up by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    /// The rule's default severity.
    pub severity: Severity,
    /// Peer tools' ids for the same check.
    pub aliases: &'static [&'static str],
    /// Markdown: what it finds, why it matters, how to fix, bad and good examples.
    pub doc: &'static str,
    /// A one-line fix hint, when the rule has one.
    pub fix: Option<&'static str>,
}

/// Everything one run produced, borrowed from the CLI.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// Already filtered and sorted; renderers keep this order.
    pub findings: &'a [Finding],
    pub errors: &'a [InputError],
    pub sources: &'a SourceMap,
    /// Metadata of the rules that ran (SARIF lists them all).
    pub rules: &'a [RuleInfo],
    pub files_scanned: usize,
    pub tool_version: &'a str,
    /// Findings at or above this severity fail the run.
    pub fail_on: Severity,
}

impl Report<'_> {
    /// The metadata of rule `id`, when the CLI passed it.
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Number of findings per severity, indexed like [`Severity::ALL`]
    /// (critical first).
    pub fn counts(&self) -> SeverityCounts {
        SeverityCounts::of(self.findings)
    }

    /// Number of findings at or above [`Report::fail_on`].
    pub fn failing(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= self.fail_on)
            .count()
    }
}

/// Findings counted per severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn of(findings: &[Finding]) -> Self {
        let mut c = SeverityCounts::default();
        for f in findings {
            *c.get_mut(f.severity) += 1;
        }
        c
    }

    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn get_mut(&mut self, severity: Severity) -> &mut usize {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }

    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.info
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// For people at a terminal: rustc-style snippets.
    Human,
    /// The stable JSON contract.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`).
    Github,
    /// Compact Markdown for pull-request comments.
    Markdown,
    /// One self-contained HTML page with charts, filters, snippets and rule docs.
    Html,
    /// GitLab Code Quality (a Code Climate JSON subset).
    Gitlab,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Markdown,
        Format::Html,
        Format::Gitlab,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Gitlab => "gitlab",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "human" | "text" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "github" => Ok(Format::Github),
            "markdown" | "md" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            "gitlab" | "codequality" | "code-quality" => Ok(Format::Gitlab),
            _ => Err(format!(
                "unknown format `{s}` (expected human, json, sarif, github, markdown, html or gitlab)"
            )),
        }
    }
}

/// Options of the human renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HumanOptions {
    /// Emit ANSI colour codes. The CLI decides (terminal, NO_COLOR, CLICOLOR_FORCE).
    pub color: bool,
    /// Terminal width in columns; long source lines are cut to fit.
    /// `None` means unknown (a default of 120 columns is used).
    pub width: Option<usize>,
}

/// Renders `report` in `format` to `out`. `human` is used by
/// [`Format::Human`] only.
pub fn render(
    report: &Report,
    format: Format,
    human: &HumanOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Human => render_human(report, human, out),
        Format::Json => render_json(report, out),
        Format::Sarif => render_sarif(report, out),
        Format::Github => render_github(report, out),
        Format::Markdown => render_markdown(report, out),
        Format::Html => render_html(report, out),
        Format::Gitlab => render_gitlab(report, out),
    }
}

/// Human, rustc-style output.
pub fn render_human(
    report: &Report,
    opts: &HumanOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    human::render(report, opts, out)
}

/// The JSON contract (pretty-printed, 2-space indent, trailing newline).
pub fn render_json(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    json::render(report, out)
}

/// A SARIF 2.1.0 log with one run.
pub fn render_sarif(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    sarif::render(report, out)
}

/// GitHub Actions workflow commands, one line per finding and input error.
pub fn render_github(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    github::render(report, out)
}

/// Markdown for a pull-request comment.
pub fn render_markdown(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    markdown::render(report, out)
}

/// One self-contained HTML page (no network: inline style, script and SVG,
/// locked down by a Content-Security-Policy).
pub fn render_html(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    html::render(report, out)
}

/// A GitLab Code Quality report (JSON array of issues).
pub fn render_gitlab(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    gitlab::render(report, out)
}

/// A span resolved against its file, with the end pulled back over a
/// trailing line break so a span covering `USER root\n` ends on its own line.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub file: Arc<SourceFile>,
    /// Byte offsets into `file.text`, on char boundaries, `start <= end`.
    pub start_byte: usize,
    pub end_byte: usize,
    pub start: LineCol,
    pub end: LineCol,
}

impl Located {
    pub fn path(&self) -> &str {
        &self.file.path
    }

    /// The text of the span's first line (without its terminator).
    pub fn first_line_text(&self) -> &str {
        self.file
            .line_text(self.start.line.saturating_sub(1) as usize)
    }
}

pub(crate) fn locate(sources: &SourceMap, span: Span) -> Option<Located> {
    let file = sources.get(span.file)?;
    let text = file.text.as_str();
    let mut start = (span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = if span.end <= span.start {
        start
    } else {
        (span.end as usize).clamp(start, text.len())
    };
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let bytes = text.as_bytes();
    if end > start && bytes[end - 1] == b'\n' {
        end -= 1;
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
    }
    let start_lc = file.line_col(start);
    let end_lc = file.line_col(end);
    Some(Located {
        start_byte: start,
        end_byte: end,
        start: start_lc,
        end: end_lc,
        file,
    })
}

/// A one-line description of a locator, e.g.
/// `image alpine:3.19, layer sha256:ab…, path /etc/shadow`.
pub(crate) fn describe_locator(loc: &Locator) -> String {
    let mut parts: Vec<String> = Vec::new();
    let fields: [(&str, &Option<String>); 6] = [
        ("image", &loc.image),
        ("layer", &loc.layer),
        ("path", &loc.path),
        ("container", &loc.container),
        ("container id", &loc.container_id),
        ("", &loc.detail),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            if name.is_empty() {
                parts.push(v.clone());
            } else {
                parts.push(format!("{name} {v}"));
            }
        }
    }
    parts.join(", ")
}

/// `"1 finding"` / `"2 findings"`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_parses_and_prints() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        }
        assert_eq!("SARIF".parse::<Format>().unwrap(), Format::Sarif);
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn locate_trims_trailing_newline_and_clamps() {
        let sources = SourceMap::new();
        let f = sources.add("a", None, "ab\r\ncd\n".to_string());
        let l = locate(&sources, Span::new(f.id, 0, 4)).unwrap();
        assert_eq!((l.start_byte, l.end_byte), (0, 2));
        assert_eq!(l.end, LineCol { line: 1, column: 3 });
        // Out of range and reversed spans do not panic.
        let l = locate(
            &sources,
            Span {
                file: f.id,
                start: 99,
                end: 3,
            },
        )
        .unwrap();
        assert_eq!((l.start_byte, l.end_byte), (7, 7));
        assert!(locate(&sources, Span::new(stockade_core::FileId(7), 0, 1)).is_none());
    }

    #[test]
    fn locate_snaps_to_char_boundaries() {
        let sources = SourceMap::new();
        let f = sources.add("a", None, "é".to_string());
        let l = locate(&sources, Span::new(f.id, 1, 1)).unwrap();
        assert_eq!((l.start_byte, l.end_byte), (0, 0));
        let l = locate(&sources, Span::new(f.id, 0, 1)).unwrap();
        assert_eq!((l.start_byte, l.end_byte), (0, 2));
    }

    #[test]
    fn counts_by_severity() {
        let c = SeverityCounts {
            critical: 1,
            high: 2,
            medium: 0,
            low: 3,
            info: 4,
        };
        assert_eq!(c.total(), 10);
        assert_eq!(c.get(Severity::Low), 3);
    }

    #[test]
    fn locator_description_lists_present_fields() {
        let loc = Locator {
            image: Some("alpine:3.19".into()),
            path: Some("/etc/shadow".into()),
            detail: Some("mode 0644".into()),
            ..Locator::default()
        };
        assert_eq!(
            describe_locator(&loc),
            "image alpine:3.19, path /etc/shadow, mode 0644"
        );
        assert_eq!(describe_locator(&Locator::default()), "");
    }
}
