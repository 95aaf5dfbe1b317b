//! Human output, in the look of rustc's diagnostics:
//!
//! ```text
//! high[SKD101]: the final stage runs as root
//!  --> Dockerfile:11:1
//!    |
//! 11 | USER root
//!    | ^^^^^^^^^
//!    |
//!    = rule: Image runs as root (also DL3002)
//!    = help: run `stockade rules SKD101` for details
//! ```
//!
//! Everything that comes from scanned input is passed through
//! [`text::sanitize`] or [`text::cells`] so no escape sequence reaches the
//! terminal.

use std::collections::HashMap;
use std::io;

use stockade_core::{Finding, InputError, Severity};

use crate::text::{self, Cell};
use crate::{HumanOptions, Located, Report, describe_locator, locate, plural};

const DEFAULT_WIDTH: usize = 120;
const MIN_TEXT_WIDTH: usize = 20;
/// Bytes of a line looked at on each side of the span start (bounds the work
/// on minified one-line files).
const SCAN_BYTES: usize = 4096;
const ELLIPSIS: &str = "...";

const GUTTER: &str = "1;94";
const BOLD: &str = "1";
const ERROR: &str = "1;31";
const GOOD: &str = "1;32";
const WARN: &str = "1;33";

fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;35",
        Severity::High => "1;31",
        Severity::Medium => "1;33",
        Severity::Low => "1;36",
        Severity::Info => "1;32",
    }
}

#[derive(Clone, Copy)]
struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: &str, s: &str) -> String {
        if self.color && !s.is_empty() {
            format!("\x1b[{style}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// One source line prepared for display, with the caret row's position.
#[derive(Debug, PartialEq, Eq)]
struct SnippetLine {
    text: String,
    caret_start: usize,
    caret_len: usize,
}

/// Prepares `line` for display within `avail` columns, underlining the byte
/// range `a..b` (char boundaries inside `line`). Tabs are expanded, unsafe
/// characters replaced, wide characters counted twice, and a line too long
/// for `avail` is cut around the underline with `...` on the cut sides.
fn snippet_line(line: &str, a: usize, b: usize, avail: usize) -> SnippetLine {
    let a = text::floor_boundary(line, a);
    let b = text::ceil_boundary(line, b.max(a));
    let lo = if a > SCAN_BYTES {
        text::floor_boundary(line, a - SCAN_BYTES)
    } else {
        0
    };
    let hi = text::ceil_boundary(line, a.saturating_add(SCAN_BYTES));
    let cut_left = lo > 0;
    let cut_right = hi < line.len();
    let cells: Vec<Cell> = text::cells(&line[lo..hi], 0);
    let (a, b) = (a - lo, b.min(hi) - lo);

    // Display columns where each cell starts.
    let mut cols = Vec::with_capacity(cells.len() + 1);
    let mut col = 0;
    for c in &cells {
        cols.push(col);
        col += c.width;
    }
    cols.push(col);
    let total = col;
    let ia = cells
        .iter()
        .position(|c| c.byte >= a)
        .unwrap_or(cells.len());
    let ib = cells
        .iter()
        .position(|c| c.byte >= b)
        .unwrap_or(cells.len());
    let col_a = cols[ia];
    let caret_width = (cols[ib.max(ia)] - col_a).max(1);

    let avail = avail.max(MIN_TEXT_WIDTH);
    if !cut_left && !cut_right && total.max(col_a + 1) <= avail {
        return SnippetLine {
            text: cells.iter().map(|c| c.shown.as_str()).collect(),
            caret_start: col_a,
            caret_len: caret_width,
        };
    }

    // Choose the first visible cell: from the start when the underline's
    // beginning (and some of it) fits, else a little context before it.
    let ell = ELLIPSIS.len();
    let start_cell = if !cut_left && col_a + caret_width.min(avail / 2) + ell <= avail {
        0
    } else {
        let context = (avail / 4).max(4);
        let want = col_a.saturating_sub(context);
        cols[..ia].iter().position(|&c| c >= want).unwrap_or(ia)
    };
    let left_ell = start_cell > 0 || cut_left;
    let budget = avail - if left_ell { ell } else { 0 };
    let base = cols[start_cell];
    // Everything from start_cell fits without a right ellipsis?
    let rest_fits = !cut_right && total - base <= budget;
    let limit = if rest_fits { budget } else { budget - ell };
    let mut end_cell = start_cell;
    while end_cell < cells.len() && cols[end_cell + 1] - base <= limit {
        end_cell += 1;
    }
    let right_ell = end_cell < cells.len() || cut_right;

    let mut out = String::new();
    if left_ell {
        out.push_str(ELLIPSIS);
    }
    for c in &cells[start_cell..end_cell] {
        out.push_str(&c.shown);
    }
    let shown_width = cols[end_cell] - base;
    let lead = if left_ell { ell } else { 0 };
    let rel = col_a.saturating_sub(base).min(shown_width);
    let caret_len = caret_width.min(shown_width.saturating_sub(rel)).max(1);
    if right_ell {
        out.push_str(ELLIPSIS);
    }
    SnippetLine {
        text: out,
        caret_start: lead + rel,
        caret_len,
    }
}

fn digits(n: u32) -> usize {
    n.to_string().len()
}

/// Writes the gutter-and-snippet block for a located span.
fn write_snippet(
    buf: &mut String,
    p: Painter,
    located: &Located,
    caret_style: &str,
    gutter_width: usize,
    total_width: usize,
) {
    let pad = " ".repeat(gutter_width);
    let bar = p.paint(GUTTER, "|");
    let idx = located.start.line.saturating_sub(1) as usize;
    let range = located.file.line_range(idx);
    let line = located.file.line_text(idx);
    let a = located
        .start_byte
        .saturating_sub(range.start)
        .min(line.len());
    let multi = located.end.line > located.start.line;
    let b = if multi {
        line.len()
    } else {
        located.end_byte.saturating_sub(range.start).min(line.len())
    };
    let avail = total_width.saturating_sub(gutter_width + 3);
    let snip = snippet_line(line, a, b, avail);
    let number = format!("{:>gutter_width$}", located.start.line);

    buf.push_str(&format!("{pad} {bar}\n"));
    if snip.text.is_empty() {
        buf.push_str(&format!("{} {bar}\n", p.paint(GUTTER, &number)));
    } else {
        buf.push_str(&format!(
            "{} {bar} {}\n",
            p.paint(GUTTER, &number),
            snip.text
        ));
    }
    let mut carets = p.paint(caret_style, &"^".repeat(snip.caret_len));
    if multi {
        carets.push(' ');
        carets.push_str(&p.paint(
            caret_style,
            &format!("(continues to line {})", located.end.line),
        ));
    }
    buf.push_str(&format!(
        "{pad} {bar} {}{carets}\n",
        " ".repeat(snip.caret_start)
    ));
}

fn finding_block(report: &Report, p: Painter, f: &Finding, width: usize) -> String {
    let style = severity_style(f.severity);
    let mut buf = String::new();
    let message = if f.message.trim().is_empty() {
        f.title
    } else {
        f.message.as_str()
    };
    buf.push_str(&format!(
        "{}{}\n",
        p.paint(
            style,
            &format!("{}[{}]", f.severity, text::sanitize(f.rule))
        ),
        p.paint(BOLD, &format!(": {}", text::sanitize(message)))
    ));

    let located = f.span.and_then(|s| locate(report.sources, s));
    let gutter_width = located.as_ref().map_or(1, |l| digits(l.start.line));
    let pad = " ".repeat(gutter_width);
    let arrow = p.paint(GUTTER, "-->");
    match &located {
        Some(l) => {
            buf.push_str(&format!(
                "{pad}{arrow} {}:{}:{}\n",
                text::sanitize(l.path()),
                l.start.line,
                l.start.column
            ));
            write_snippet(&mut buf, p, l, style, gutter_width, width);
        }
        None => {
            let where_ = f
                .locator
                .as_deref()
                .map(describe_locator)
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| f.subject.clone());
            if !where_.is_empty() {
                buf.push_str(&format!("{pad}{arrow} {}\n", text::sanitize(&where_)));
            }
        }
    }

    let bar = p.paint(GUTTER, "|");
    let eq = p.paint(GUTTER, "=");
    buf.push_str(&format!("{pad} {bar}\n"));
    let rule = report.rule(f.rule);
    let title = rule.map_or(f.title, |r| r.title);
    let mut rule_line = text::sanitize(title);
    if !f.aliases.is_empty() {
        rule_line.push_str(&format!(
            " (also {})",
            text::sanitize(&f.aliases.join(", "))
        ));
    }
    buf.push_str(&format!(
        "{pad} {eq} {} {rule_line}\n",
        p.paint(BOLD, "rule:")
    ));
    if located.is_some() && !f.subject.is_empty() {
        buf.push_str(&format!(
            "{pad} {eq} {} {}\n",
            p.paint(BOLD, "subject:"),
            text::sanitize(&f.subject)
        ));
    }
    if let Some(fix) = rule.and_then(|r| r.fix).filter(|s| !s.trim().is_empty()) {
        buf.push_str(&format!(
            "{pad} {eq} {} {}\n",
            p.paint(BOLD, "fix:"),
            text::sanitize(fix)
        ));
    }
    buf.push_str(&format!(
        "{pad} {eq} {} run `stockade rules {}` for details\n",
        p.paint(BOLD, "help:"),
        text::sanitize(f.rule)
    ));
    buf
}

fn error_block(report: &Report, p: Painter, e: &InputError, width: usize) -> String {
    let mut buf = String::new();
    let located = e.span.and_then(|s| locate(report.sources, s));
    let place = match &located {
        Some(l) => format!(
            "{}:{}:{}",
            text::sanitize(&e.path),
            l.start.line,
            l.start.column
        ),
        None => text::sanitize(&e.path),
    };
    buf.push_str(&format!(
        "{}{}\n",
        p.paint(ERROR, "error"),
        p.paint(BOLD, &format!(": {place}: {}", text::sanitize(&e.message)))
    ));
    if let Some(l) = &located {
        let gw = digits(l.start.line);
        write_snippet(&mut buf, p, l, ERROR, gw, width);
    }
    buf
}

fn summary(report: &Report, p: Painter) -> String {
    let n = report.findings.len();
    let files = plural(report.files_scanned, "file", "files");
    let errors = if report.errors.is_empty() {
        String::new()
    } else {
        format!(
            "; {}",
            plural(report.errors.len(), "input error", "input errors")
        )
    };
    let failing = report.failing();
    let style = if failing > 0 || !report.errors.is_empty() {
        ERROR
    } else if n > 0 {
        WARN
    } else {
        GOOD
    };
    if n == 0 {
        return format!(
            "{}\n",
            p.paint(style, &format!("No findings in {files}{errors}."))
        );
    }
    let counts = report.counts();
    let by: Vec<String> = Severity::ALL
        .iter()
        .filter(|&&s| counts.get(s) > 0)
        .map(|&s| format!("{} {s}", counts.get(s)))
        .collect();
    let first = format!(
        "{} ({}) in {files}{errors}",
        plural(n, "finding", "findings"),
        by.join(", ")
    );
    let second = if failing == 0 {
        format!("none at or above the fail-on severity ({})", report.fail_on)
    } else {
        format!(
            "{} at or above the fail-on severity ({})",
            plural(failing, "finding", "findings"),
            report.fail_on
        )
    };
    format!("{}\n{second}\n", p.paint(style, &first))
}

pub(crate) fn render(
    report: &Report,
    opts: &HumanOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let p = Painter { color: opts.color };
    let width = opts.width.unwrap_or(DEFAULT_WIDTH);

    // Group by file (or image / container for findings without source),
    // keeping the incoming order inside each group and between groups.
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for f in report.findings {
        let key = match f.span.and_then(|s| report.sources.get(s.file)) {
            Some(file) => format!("file:{}", file.path),
            None => match &f.locator {
                Some(l) => format!(
                    "loc:{}",
                    l.image
                        .as_deref()
                        .or(l.container.as_deref())
                        .or(l.container_id.as_deref())
                        .unwrap_or("")
                ),
                None => "none:".to_string(),
            },
        };
        let i = *by_key.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(f);
    }

    for f in groups.iter().flatten() {
        let mut block = finding_block(report, p, f, width);
        block.push('\n');
        out.write_all(block.as_bytes())?;
    }
    for e in report.errors {
        let mut block = error_block(report, p, e, width);
        block.push('\n');
        out.write_all(block.as_bytes())?;
    }
    out.write_all(summary(report, p).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(s: &SnippetLine) -> String {
        format!(
            "{}\n{}{}",
            s.text,
            " ".repeat(s.caret_start),
            "^".repeat(s.caret_len)
        )
    }

    #[test]
    fn short_line_is_kept_whole() {
        let s = snippet_line("USER root", 5, 9, 80);
        assert_eq!(show(&s), "USER root\n     ^^^^");
    }

    #[test]
    fn empty_span_gets_one_caret() {
        let s = snippet_line("abc", 3, 3, 80);
        assert_eq!((s.caret_start, s.caret_len), (3, 1));
    }

    #[test]
    fn tabs_and_wide_characters_shift_the_carets() {
        let s = snippet_line("\tRUN 漢字 x", 5, 11, 80);
        assert_eq!(s.text, "    RUN 漢字 x");
        assert_eq!((s.caret_start, s.caret_len), (8, 4));
    }

    #[test]
    fn long_line_is_cut_around_the_span() {
        let line = format!("{}TARGET{}", "a".repeat(200), "b".repeat(200));
        let s = snippet_line(&line, 200, 206, 40);
        assert!(s.text.starts_with("..."), "{}", s.text);
        assert!(s.text.ends_with("..."), "{}", s.text);
        assert!(text::str_width(&s.text) <= 40, "{}", s.text);
        let under: String = s
            .text
            .chars()
            .skip(s.caret_start)
            .take(s.caret_len)
            .collect();
        assert_eq!(under, "TARGET");
        assert_eq!(char_at_col(&s.text, s.caret_start), Some('T'));
    }

    #[test]
    fn long_line_with_early_span_is_cut_on_the_right_only() {
        let line = format!("USER {}", "x".repeat(300));
        let s = snippet_line(&line, 0, 4, 40);
        assert!(s.text.starts_with("USER "));
        assert!(s.text.ends_with("..."));
        assert_eq!(text::str_width(&s.text), 40);
        assert_eq!((s.caret_start, s.caret_len), (0, 4));
    }

    #[test]
    fn huge_span_is_clipped_to_the_window() {
        let line = "z".repeat(10_000);
        let s = snippet_line(&line, 5000, 9000, 50);
        assert!(text::str_width(&s.text) <= 50);
        assert!(s.caret_start + s.caret_len <= 50);
        assert!(s.caret_len > 10);
    }

    #[test]
    fn escape_sequences_are_neutralized() {
        let s = snippet_line("a\u{1b}[31mb", 0, 1, 80);
        assert!(!s.text.contains('\u{1b}'));
        assert!(s.text.contains('\u{241b}'));
    }

    /// The character displayed at column `col` of `s`.
    fn char_at_col(s: &str, col: usize) -> Option<char> {
        let mut c0 = 0;
        for c in s.chars() {
            if c0 == col {
                return Some(c);
            }
            c0 += text::char_width(c);
            if c0 > col {
                return None;
            }
        }
        None
    }

    #[test]
    fn wide_characters_are_not_split_by_truncation() {
        let line = format!("{}X{}", "漢".repeat(50), "漢".repeat(49));
        let s = snippet_line(&line, 150, 151, 30);
        assert!(text::str_width(&s.text) <= 30, "{}", s.text);
        assert!(s.text.starts_with("..."));
        assert_eq!(char_at_col(&s.text, s.caret_start), Some('X'));
        assert_eq!(s.caret_len, 1);
    }
}
