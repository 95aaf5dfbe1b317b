//! Inline suppressions (`# stockade: ignore=…`, hadolint and Trivy pragmas),
//! collected by source parsers and applied to findings by the CLI.

use crate::finding::Finding;
use crate::span::Span;

/// Which tool's pragma syntax a suppression was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PragmaKind {
    Stockade,
    Hadolint,
    Trivy,
    /// `# checkov:skip=CKV_DOCKER_3:reason`.
    Checkov,
}

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Rule ids, peer aliases or categories; `all` or `*` matches everything.
    pub ids: Vec<String>,
    pub reason: Option<String>,
    pub kind: PragmaKind,
    /// Where the comment is.
    pub comment: Span,
    /// What it covers; `None` means the whole file.
    pub scope: Option<Span>,
}

impl Suppression {
    fn matches_id(&self, f: &Finding) -> bool {
        self.ids.iter().any(|id| {
            let id = id.trim();
            id == "*"
                || id.eq_ignore_ascii_case("all")
                || id.eq_ignore_ascii_case(f.rule)
                || id.eq_ignore_ascii_case(f.category.as_str())
                || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
        })
    }

    pub fn covers(&self, f: &Finding) -> bool {
        let in_scope = match (self.scope, f.span) {
            (None, Some(s)) => s.file == self.comment.file,
            (None, None) => false,
            (Some(scope), Some(s)) => scope.contains(s),
            (Some(_), None) => false,
        };
        in_scope && self.matches_id(f)
    }
}

/// All suppressions of one source file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Suppressions {
    pub items: Vec<Suppression>,
}

impl Suppressions {
    pub fn is_suppressed(&self, f: &Finding) -> bool {
        self.items.iter().any(|s| s.covers(f))
    }

    pub fn push(&mut self, s: Suppression) {
        self.items.push(s);
    }

    pub fn extend(&mut self, other: Suppressions) {
        self.items.extend(other.items);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Parses the id list and reason of a `stockade:` pragma body such as
/// `ignore=SKD-ROOT-001,DL3002 -- reason`. Returns `(directive, ids, reason)`.
pub fn parse_stockade_pragma(comment: &str) -> Option<(String, Vec<String>, Option<String>)> {
    let body = comment.trim_start_matches('#').trim();
    let rest = body.strip_prefix("stockade:")?.trim();
    let (main, reason) = match rest.split_once("--") {
        Some((m, r)) => (
            m.trim(),
            Some(r.trim().to_string()).filter(|r| !r.is_empty()),
        ),
        None => (rest, None),
    };
    let (directive, ids) = main.split_once('=')?;
    let ids: Vec<String> = ids
        .split([',', ' '])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return None;
    }
    Some((directive.trim().to_ascii_lowercase(), ids, reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Category, Severity};
    use crate::span::FileId;

    fn finding(start: usize) -> Finding {
        Finding {
            rule: "SKD-X-001",
            category: Category::RootUser,
            severity: Severity::High,
            title: "t",
            message: "m".into(),
            span: Some(Span::new(FileId(1), start, start + 3)),
            locator: None,
            subject: "s".into(),
            aliases: &["DL3002"],
        }
    }

    #[test]
    fn scoped_and_file_suppressions() {
        let f = finding(10);
        let s = Suppression {
            ids: vec!["dl3002".into()],
            reason: None,
            kind: PragmaKind::Hadolint,
            comment: Span::new(FileId(1), 0, 5),
            scope: Some(Span::new(FileId(1), 8, 20)),
        };
        assert!(s.covers(&f));
        assert!(!s.covers(&finding(30)));
        let file = Suppression {
            scope: None,
            ids: vec!["root-user".into()],
            ..s.clone()
        };
        assert!(file.covers(&finding(30)));
        let other = Suppression {
            ids: vec!["SKD-Y-001".into()],
            ..s
        };
        assert!(!other.covers(&f));
    }

    #[test]
    fn pragma_parsing() {
        let (d, ids, r) =
            parse_stockade_pragma("# stockade: ignore=SKD-A-001, DL3002 -- builder only").unwrap();
        assert_eq!(d, "ignore");
        assert_eq!(ids, vec!["SKD-A-001", "DL3002"]);
        assert_eq!(r.as_deref(), Some("builder only"));
        assert!(parse_stockade_pragma("# stockade: ignore=").is_none());
        assert!(parse_stockade_pragma("# just a comment").is_none());
    }
}
