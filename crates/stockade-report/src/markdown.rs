//! Compact Markdown for pull-request comments: a count per severity, the
//! verdict against the fail-on severity, and a table of findings.
//!
//! Text from scanned input is escaped so it cannot break the table, inject
//! HTML or links, or @-mention people.

use std::fmt::Write as _;
use std::io;

use stockade_core::Severity;

use crate::{Report, describe_locator, locate, plural, text};

/// Findings listed in the table; the rest are counted.
const MAX_ROWS: usize = 50;
/// Input errors listed; the rest are counted.
const MAX_ERRORS: usize = 20;
/// Longest message shown in a cell, in chars.
const MAX_MESSAGE: usize = 300;

/// Escapes text for a table cell: Markdown punctuation is backslash-escaped,
/// line breaks become spaces, and `@` gets a zero-width space after it so
/// it cannot mention anyone.
pub(crate) fn escape(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ");
    let s = text::sanitize(&s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200b}"),
            c => out.push(c),
        }
    }
    out
}

/// A code span that survives any content, including backticks and pipes.
pub(crate) fn code(s: &str) -> String {
    let s = text::sanitize(&s.replace(['\r', '\n'], " ")).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || s.starts_with(' ') || s.ends_with(' ') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

pub(crate) fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let mut md = String::new();
    let n = report.findings.len();
    let files = plural(report.files_scanned, "file", "files");
    let errors = report.errors.len();
    let _ = write!(md, "### stockade: ");
    if n == 0 {
        let _ = write!(md, "no findings in {files}");
    } else {
        let _ = write!(md, "{} in {files}", plural(n, "finding", "findings"));
    }
    if errors > 0 {
        let _ = write!(md, ", {}", plural(errors, "input error", "input errors"));
    }
    md.push_str("\n\n");

    if n > 0 {
        let counts = report.counts();
        md.push_str("| critical | high | medium | low | info |\n");
        md.push_str("|---:|---:|---:|---:|---:|\n");
        let cells: Vec<String> = Severity::ALL
            .iter()
            .map(|&s| counts.get(s).to_string())
            .collect();
        let _ = writeln!(md, "| {} |\n", cells.join(" | "));

        let failing = report.failing();
        if failing > 0 {
            let _ = writeln!(
                md,
                "**Failing:** {} at or above `{}`.\n",
                plural(failing, "finding", "findings"),
                report.fail_on
            );
        } else {
            let _ = writeln!(md, "Nothing at or above `{}`.\n", report.fail_on);
        }

        md.push_str("| severity | rule | location | finding |\n");
        md.push_str("|---|---|---|---|\n");
        for f in report.findings.iter().take(MAX_ROWS) {
            let location = match f.span.and_then(|s| locate(report.sources, s)) {
                Some(l) => code(&format!("{}:{}", l.path(), l.start.line)),
                None => {
                    let d = f
                        .locator
                        .as_deref()
                        .map(describe_locator)
                        .unwrap_or_default();
                    let d = if d.is_empty() { f.subject.clone() } else { d };
                    if d.is_empty() {
                        String::new()
                    } else {
                        code(&d)
                    }
                }
            };
            let message = if f.message.trim().is_empty() {
                f.title
            } else {
                f.message.as_str()
            };
            let severity = match f.severity {
                Severity::Critical | Severity::High => format!("**{}**", f.severity),
                s => s.to_string(),
            };
            let _ = writeln!(
                md,
                "| {severity} | {} | {location} | {} |",
                code(f.rule),
                escape(&text::truncate_chars(message, MAX_MESSAGE))
            );
        }
        if n > MAX_ROWS {
            let more = n - MAX_ROWS;
            let noun = if more == 1 { "finding" } else { "findings" };
            let _ = writeln!(md, "\n…and {more} more {noun} (see the full report).");
        }
        md.push('\n');
    }

    if errors > 0 {
        let _ = writeln!(
            md,
            "**{}**\n",
            plural(errors, "input error", "input errors")
        );
        for e in report.errors.iter().take(MAX_ERRORS) {
            let place = match e.span.and_then(|s| locate(report.sources, s)) {
                Some(l) => format!("{}:{}", e.path, l.start.line),
                None => e.path.clone(),
            };
            let _ = writeln!(
                md,
                "- {}: {}",
                code(&place),
                escape(&text::truncate_chars(&e.message, MAX_MESSAGE))
            );
        }
        if errors > MAX_ERRORS {
            let _ = writeln!(md, "- …and {} more", errors - MAX_ERRORS);
        }
        md.push('\n');
    }
    out.write_all(md.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_blocks_markup_and_mentions() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(escape("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(escape("ping @admins\nnow"), "ping @\u{200b}admins now");
        assert_eq!(escape("plain words"), "plain words");
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("Dockerfile:3"), "`Dockerfile:3`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("x|y"), "`x\\|y`");
    }
}
