//! The JSON contract. Field names and their order are part of the public
//! interface (documented in the README): change nothing without a version bump.

use std::io;

use serde::Serialize;
use stockade_core::{Category, Locator, Severity};

use crate::{Report, SeverityCounts, TOOL_NAME, locate};

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

/// One finding as the contract's object.
fn finding<'a>(
    report: &'a Report<'a>,
    f: &'a stockade_core::Finding,
    file: Option<&'a str>,
) -> Finding<'a> {
    let at = f.span.and_then(|sp| locate(report.sources, sp));
    let location = match (file, at) {
        (Some(path), Some(l)) => Location::Source {
            path,
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
    Finding {
        rule: f.rule,
        category: f.category,
        severity: f.severity,
        title: f.title,
        message: &f.message,
        location,
        subject: &f.subject,
        aliases: f.aliases,
    }
}

/// Findings per rendering job: large enough that a job outweighs its
/// scheduling, small enough that a few thousand findings use every core.
const CHUNK: usize = 512;
/// Chunks rendered at once before they are written: bounds the memory the
/// rendered text takes to a few megabytes whatever the number of findings.
const WINDOW: usize = 16;

/// Writes the findings array's elements, pretty-printed at the depth they
/// have in the document (4 spaces): chunks rendered in parallel a window at
/// a time and written in order. The bytes are exactly those a single pretty
/// serialization of the document writes.
fn write_findings(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    use rayon::prelude::*;
    let chunks: Vec<&[stockade_core::Finding]> = report.findings.chunks(CHUNK).collect();
    for (w, window) in chunks.chunks(WINDOW).enumerate() {
        let texts: Vec<io::Result<Vec<u8>>> =
            window.par_iter().map(|c| render_chunk(report, c)).collect();
        for (i, text) in texts.into_iter().enumerate() {
            if w > 0 || i > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(&text?)?;
        }
    }
    Ok(())
}

fn render_chunk(report: &Report, chunk: &[stockade_core::Finding]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(chunk.len() * 600);
    let mut one = Vec::with_capacity(1024);
    for (i, f) in chunk.iter().enumerate() {
        let file = f.span.and_then(|sp| report.sources.get(sp.file));
        one.clear();
        serde_json::to_writer_pretty(
            &mut one,
            &finding(report, f, file.as_deref().map(|f| f.path.as_str())),
        )?;
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        indent_into(&mut out, &one, b"    ");
    }
    Ok(out)
}

/// Copies pretty JSON into `out` with `pad` before every line. Newlines in
/// pretty JSON are structural only (a newline inside a string is `\n`).
fn indent_into(out: &mut Vec<u8>, json: &[u8], pad: &[u8]) {
    for (i, line) in json.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(pad);
        out.extend_from_slice(line);
    }
}

pub(crate) fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let errors: Vec<Error> = report
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
    // The document written by hand around the pre-rendered findings, in
    // the contract's field order; every other value is serde's pretty output
    // indented to its depth.
    let mut doc = Vec::new();
    doc.extend_from_slice(b"{\n  \"tool\": ");
    nested(
        &mut doc,
        &Tool {
            name: TOOL_NAME,
            version: report.tool_version,
        },
    )?;
    doc.extend_from_slice(b",\n  \"findings\": ");
    if report.findings.is_empty() {
        doc.extend_from_slice(b"[]");
    } else {
        out.write_all(&doc)?;
        doc.clear();
        out.write_all(b"[\n")?;
        write_findings(report, out)?;
        doc.extend_from_slice(b"\n  ]");
    }
    doc.extend_from_slice(b",\n  \"errors\": ");
    nested(&mut doc, &errors)?;
    doc.extend_from_slice(b",\n  \"summary\": ");
    nested(
        &mut doc,
        &Summary {
            files: report.files_scanned,
            findings: report.findings.len(),
            by_severity: report.counts(),
        },
    )?;
    doc.extend_from_slice(b"\n}\n");
    out.write_all(&doc)
}

/// A value at depth 1 of the document: pretty, with its inner lines indented
/// by two spaces (its first line follows the key).
fn nested(doc: &mut Vec<u8>, value: &impl Serialize) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(value)?;
    let mut lines = json.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        doc.extend_from_slice(first);
    }
    for line in lines {
        doc.extend_from_slice(b"\n  ");
        doc.extend_from_slice(line);
    }
    Ok(())
}
