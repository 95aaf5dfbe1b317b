//! Which rules run and how loud they are: `--select`/`--ignore`, per-rule
//! severity overrides, the failure threshold.

use crate::meta::RuleMeta;
use stockade_core::{Category, Finding, Severity};

/// Matches rules by id, peer alias, category, or everything (`all`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    All,
    Category(Category),
    /// A rule id or a peer alias (case-insensitive).
    Id(String),
}

impl Selector {
    pub fn parse(s: &str) -> Selector {
        let s = s.trim();
        if s == "*" || s.eq_ignore_ascii_case("all") {
            Selector::All
        } else if let Ok(c) = s.parse::<Category>() {
            Selector::Category(c)
        } else {
            Selector::Id(s.to_string())
        }
    }

    pub fn matches(&self, meta: &RuleMeta) -> bool {
        match self {
            Selector::All => true,
            Selector::Category(c) => meta.category == *c,
            Selector::Id(id) => {
                meta.id.eq_ignore_ascii_case(id)
                    || meta.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
            }
        }
    }

    /// Whether this selector names something that exists in `catalog`.
    pub fn is_known(&self, catalog: &[&'static RuleMeta]) -> bool {
        match self {
            Selector::All | Selector::Category(_) => true,
            Selector::Id(_) => catalog.iter().any(|m| self.matches(m)),
        }
    }
}

/// The effective policy for one scan.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Empty means every rule.
    pub select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    /// Later entries win.
    pub severity: Vec<(Selector, Severity)>,
    /// Findings at or above this fail the run (exit 1).
    pub fail_on: Severity,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            select: Vec::new(),
            ignore: Vec::new(),
            severity: Vec::new(),
            fail_on: Severity::Low,
        }
    }
}

impl Policy {
    pub fn enabled(&self, meta: &RuleMeta) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| s.matches(meta)))
            && !self.ignore.iter().any(|s| s.matches(meta))
    }

    /// The severity to report a finding of `meta` at, given what the check said.
    /// An override replaces the default severity; a check that lowered its
    /// finding (because it could not know) stays lower by the same steps.
    pub fn severity_for(&self, meta: &RuleMeta, reported: Severity) -> Severity {
        match self.severity.iter().rev().find(|(s, _)| s.matches(meta)) {
            None => reported,
            Some((_, over)) => {
                let mut sev = *over;
                let mut d = meta.severity;
                while d > reported {
                    d = d.lower();
                    sev = sev.lower();
                }
                sev
            }
        }
    }

    pub fn apply(&self, meta: &RuleMeta, mut f: Finding) -> Finding {
        f.severity = self.severity_for(meta, f.severity);
        f
    }

    pub fn fails(&self, f: &Finding) -> bool {
        f.severity >= self.fail_on
    }
}
