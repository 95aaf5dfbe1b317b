//! GitHub Actions workflow commands: `::error file=…,line=…::message`.
//!
//! Escaping follows the Actions toolkit: in the message `%`, CR and LF are
//! percent-encoded; in property values `:` and `,` are too. Everything a
//! scanned file controls (paths, messages, titles) goes through them, so a
//! hostile value cannot end the command or start a new one.

use std::io;

use stockade_core::Severity;

use crate::{Report, describe_locator, locate};

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

/// The path GitHub should annotate: forward slashes, no leading `./`.
fn annotation_path(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p
}

/// One workflow command line (with its newline).
fn line(cmd: &str, props: &[(&str, String)], message: &str) -> String {
    let props = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect::<Vec<_>>()
        .join(",");
    if props.is_empty() {
        format!("::{cmd}::{}\n", escape_data(message))
    } else {
        format!("::{cmd} {props}::{}\n", escape_data(message))
    }
}

fn position_props(
    report: &Report,
    span: Option<stockade_core::Span>,
) -> Vec<(&'static str, String)> {
    let mut props = Vec::new();
    if let Some(l) = span.and_then(|s| locate(report.sources, s)) {
        props.push(("line", l.start.line.to_string()));
        // GitHub ignores columns on annotations spanning several lines.
        let one_line = l.start.line == l.end.line;
        if one_line {
            props.push(("col", l.start.column.to_string()));
        }
        props.push(("endLine", l.end.line.to_string()));
        if one_line {
            props.push(("endColumn", l.end.column.to_string()));
        }
    }
    props
}

pub(crate) fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    for f in report.findings {
        let located = f.span.and_then(|s| locate(report.sources, s));
        let mut props: Vec<(&str, String)> = Vec::new();
        let mut message = f.message.clone();
        if message.trim().is_empty() {
            message = f.title.to_string();
        }
        match &located {
            Some(l) => {
                props.push(("file", annotation_path(l.path())));
                props.extend(position_props(report, f.span));
            }
            None => {
                if let Some(loc) = &f.locator {
                    let d = describe_locator(loc);
                    if !d.is_empty() {
                        message = format!("{message} ({d})");
                    }
                } else if !f.subject.is_empty() {
                    message = format!("{message} ({})", f.subject);
                }
            }
        }
        props.push(("title", format!("{}: {}", f.rule, f.title)));
        out.write_all(line(command(f.severity), &props, &message).as_bytes())?;
    }
    for e in report.errors {
        let mut props: Vec<(&str, String)> = vec![("file", annotation_path(&e.path))];
        props.extend(position_props(report, e.span));
        props.push(("title", "stockade: input error".to_string()));
        out.write_all(line("error", &props, &e.message).as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50%\r\ndone: a,b"), "50%25%0D%0Adone: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_property("plain"), "plain");
    }

    #[test]
    fn builds_lines() {
        assert_eq!(
            line("warning", &[("file", "a,b".into())], "x\ny"),
            "::warning file=a%2Cb::x%0Ay\n"
        );
        assert_eq!(line("notice", &[], "hi"), "::notice::hi\n");
        assert_eq!(annotation_path(".\\x\\Dockerfile"), "x/Dockerfile");
    }
}
