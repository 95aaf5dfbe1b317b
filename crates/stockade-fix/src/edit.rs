//! Text edits, fixes made of them, and applying them to a file's text.

use stockade_core::{FileId, Span};

/// Whether a fix keeps the program's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Safety {
    /// Keeps behaviour: applied by `stockade fix`.
    Safe,
    /// May change behaviour: applied only with `--unsafe-fixes`.
    Unsafe,
}

impl Safety {
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Unsafe => "unsafe",
        }
    }
}

/// Replace the bytes of `span` with `replacement` (an empty span inserts).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn insert(file: FileId, at: usize, text: impl Into<String>) -> Edit {
        Edit {
            span: Span::new(file, at, at),
            replacement: text.into(),
        }
    }

    pub fn replace(file: FileId, start: usize, end: usize, text: impl Into<String>) -> Edit {
        Edit {
            span: Span::new(file, start, end.max(start)),
            replacement: text.into(),
        }
    }

    pub fn delete(file: FileId, start: usize, end: usize) -> Edit {
        Edit::replace(file, start, end, "")
    }

    fn start(&self) -> usize {
        self.span.start as usize
    }

    fn end(&self) -> usize {
        self.span.end as usize
    }
}

/// The edits that fix one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The rule whose finding this fixes.
    pub rule: &'static str,
    pub safety: Safety,
    /// The stage or service the finding is about.
    pub subject: String,
    /// What the fix does, in a sentence.
    pub description: String,
    /// Where the finding points.
    pub span: Option<Span>,
    pub edits: Vec<Edit>,
}

/// A finding that has a fixer, which declined to fix it here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFixed {
    pub rule: &'static str,
    pub subject: String,
    pub span: Option<Span>,
    /// Why not.
    pub reason: String,
}

/// What the fixers propose for one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub fixes: Vec<Fix>,
    pub not_fixed: Vec<NotFixed>,
}

/// Why edits could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError(pub String);

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Applies `edits` to `text`. Edits must not overlap; insertions at the
/// same place are applied in the order given. Every edit must fall on
/// character boundaries inside the text.
pub fn apply_edits(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    // Stable sort: by start, insertions before replacements at the same start.
    order.sort_by_key(|&i| (edits[i].start(), !edits[i].span.is_empty()));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0usize;
    for &i in &order {
        let e = &edits[i];
        let (s, t) = (e.start(), e.end());
        if s < pos || t > text.len() || s > t {
            return Err(EditError(format!(
                "edits overlap or fall outside the text ({s}..{t})"
            )));
        }
        if !text.is_char_boundary(s) || !text.is_char_boundary(t) {
            return Err(EditError(format!("edit {s}..{t} splits a character")));
        }
        out.push_str(&text[pos..s]);
        out.push_str(&e.replacement);
        pos = t;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

/// Two edits that cannot be applied together. Insertions at the same
/// place stack when that place is the start of a line (whole new lines),
/// and clash inside a line (two flags at one spot) or at the end of a
/// text without a final line break.
fn clash(a: &Edit, b: &Edit, text: &str) -> bool {
    if a == b {
        return false;
    }
    let (a0, a1, b0, b1) = (a.start(), a.end(), b.start(), b.end());
    if a.span.is_empty() && b.span.is_empty() {
        if a0 != b0 {
            return false;
        }
        let at_line_start = a0 == 0 || text.as_bytes().get(a0 - 1) == Some(&b'\n');
        return !at_line_start;
    }
    if a.span.is_empty() {
        return b0 < a0 && a0 < b1;
    }
    if b.span.is_empty() {
        return a0 < b0 && b0 < a1;
    }
    a0 < b1 && b0 < a1
}

/// Picks the fixes that can be applied together, in order: a fix whose
/// edits clash with an earlier pick waits. Edits identical to one already
/// picked are dropped from later fixes.
pub fn select_compatible(fixes: Vec<Fix>, text: &str) -> (Vec<Fix>, Vec<Fix>) {
    use std::collections::{BTreeMap, HashSet};
    // Taken edits by start; a clash needs overlapping or touching ranges,
    // so only edits starting within the longest taken length matter.
    let mut taken: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
    let mut seen: HashSet<Edit> = HashSet::new();
    let mut longest = 0usize;
    let mut chosen = Vec::new();
    let mut waiting = Vec::new();
    for mut f in fixes {
        let ok = f.edits.iter().all(|e| {
            let lo = e.start().saturating_sub(longest);
            taken
                .range(lo..=e.end())
                .flat_map(|(_, v)| v.iter())
                .all(|t| !clash(e, t, text))
        });
        if !ok {
            waiting.push(f);
            continue;
        }
        f.edits.retain(|e| !seen.contains(e));
        for e in &f.edits {
            seen.insert(e.clone());
            longest = longest.max(e.span.len());
            taken.entry(e.start()).or_default().push(e.clone());
        }
        chosen.push(f);
    }
    (chosen, waiting)
}

/// The line ending a file uses: `\r\n` when most of its line breaks are
/// CRLF, else `\n`.
pub fn line_ending(text: &str) -> &'static str {
    let lf = text.matches('\n').count();
    let crlf = text.matches("\r\n").count();
    if crlf > 0 && crlf * 2 >= lf {
        "\r\n"
    } else {
        "\n"
    }
}

/// A unified diff of `old` and `new` (3 lines of context), with the
/// given file names in its header; empty when the texts are equal.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = FileId(0);

    #[test]
    fn applies_in_position_order() {
        let text = "abc\ndef\n";
        let edits = vec![
            Edit::replace(F, 4, 7, "DEF"),
            Edit::insert(F, 0, "> "),
            Edit::insert(F, 0, ">> "),
        ];
        assert_eq!(apply_edits(text, &edits).unwrap(), "> >> abc\nDEF\n");
        assert!(
            apply_edits(
                text,
                &[Edit::replace(F, 1, 3, "x"), Edit::replace(F, 2, 4, "y")]
            )
            .is_err()
        );
        assert!(apply_edits("é", &[Edit::insert(F, 1, "x")]).is_err());
        assert!(apply_edits("ab", &[Edit::insert(F, 5, "x")]).is_err());
    }

    #[test]
    fn clashing_fixes_wait() {
        let text = "COPY a b\nRUN x\n";
        let fix = |rule, edits| Fix {
            rule,
            safety: Safety::Safe,
            subject: String::new(),
            description: String::new(),
            span: None,
            edits,
        };
        let fixes = vec![
            fix("A", vec![Edit::insert(F, 4, " --chown=1")]),
            fix("B", vec![Edit::insert(F, 4, " --chown=2")]),
            fix("C", vec![Edit::insert(F, 9, "USER 1\n")]),
            fix("D", vec![Edit::insert(F, 9, "X\n")]),
            fix(
                "E",
                vec![
                    Edit::insert(F, 9, "USER 1\n"),
                    Edit::replace(F, 13, 14, "y"),
                ],
            ),
        ];
        let (chosen, waiting) = select_compatible(fixes, text);
        let names: Vec<_> = chosen.iter().map(|f| f.rule).collect();
        assert_eq!(names, ["A", "C", "D", "E"]);
        assert_eq!(waiting.len(), 1);
        // The duplicate USER line was dropped from E.
        assert_eq!(chosen[3].edits.len(), 1);
    }

    #[test]
    fn detects_line_endings() {
        assert_eq!(line_ending("a\r\nb\r\n"), "\r\n");
        assert_eq!(line_ending("a\nb\n"), "\n");
        assert_eq!(line_ending("no newline"), "\n");
    }

    #[test]
    fn diff_has_header_and_hunk() {
        let d = unified_diff("a\nb\nc\n", "a\nB\nc\n", "x/Dockerfile", "x/Dockerfile");
        assert!(
            d.starts_with("--- x/Dockerfile\n+++ x/Dockerfile\n@@"),
            "{d}"
        );
        assert!(d.contains("-b\n+B\n"), "{d}");
        assert_eq!(unified_diff("same", "same", "a", "b"), "");
    }
}
