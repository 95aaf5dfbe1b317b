//! The JSON contract. Field names and their order are part of the public
//! interface (documented in the README): change nothing without a version bump.

use std::io;

use serde::Serialize;
use stockade_core::{Category, Locator, Severity};

use crate::{Report, SeverityCounts, TOOL_NAME, locate};

#[derive(Serialize)]
struct Doc<'a> {
    tool: Tool<'a>,
    findings: Findings<'a>,
    errors: Vec<Error<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    category: Category,
    severity: Severity,
    title: &'a str,
    message: &'a str,
    location: Location<'a>,
    subject: &'a str,
    aliases: &'a [&'a str],
}

#[derive(Serialize)]
#[serde(untagged)]
enum Location<'a> {
    Source {
        path: &'a str,
        line: u32,
        column: u32,
        end_line: u32,
        end_column: u32,
    },
    Locator(&'a Locator),
    Unknown(Empty),
}

/// Serializes as `{}`.
#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct Error<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
    by_severity: SeverityCounts,
}

impl Serialize for SeverityCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("SeverityCounts", 5)?;
        st.serialize_field("critical", &self.critical)?;
        st.serialize_field("high", &self.high)?;
        st.serialize_field("medium", &self.medium)?;
        st.serialize_field("low", &self.low)?;
        st.serialize_field("info", &self.info)?;
        st.end()
    }
}

/// The findings, serialized one at a time as they are read (a large scan
/// does not hold a second copy of every finding while it writes).
struct Findings<'a>(&'a Report<'a>);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let report = self.0;
        let mut seq = s.serialize_seq(Some(report.findings.len()))?;
        for f in report.findings {
            let file = f.span.and_then(|sp| report.sources.get(sp.file));
            let at = f.span.and_then(|sp| locate(report.sources, sp));
            let location = match (&file, at) {
                (Some(file), Some(l)) => Location::Source {
                    path: file.path.as_str(),
                    line: l.start.line,
                    column: l.start.column,
                    end_line: l.end.line,
                    end_column: l.end.column,
                },
                _ => match &f.locator {
                    Some(loc) => Location::Locator(loc),
                    None => Location::Unknown(Empty {}),
                },
            };
            seq.serialize_element(&Finding {
                rule: f.rule,
                category: f.category,
                severity: f.severity,
                title: f.title,
                message: &f.message,
                location,
                subject: &f.subject,
                aliases: f.aliases,
            })?;
        }
        seq.end()
    }
}

pub(crate) fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let errors = report
        .errors
        .iter()
        .map(|e| {
            let at = e.span.and_then(|s| locate(report.sources, s));
            Error {
                path: &e.path,
                line: at.as_ref().map(|l| l.start.line),
                column: at.as_ref().map(|l| l.start.column),
                message: &e.message,
            }
        })
        .collect();
    let doc = Doc {
        tool: Tool {
            name: TOOL_NAME,
            version: report.tool_version,
        },
        findings: Findings(report),
        errors,
        summary: Summary {
            files: report.files_scanned,
            findings: report.findings.len(),
            by_severity: report.counts(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}
