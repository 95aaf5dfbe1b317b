//! `stockade rules [ID]`.

use crate::cli::{EXIT_ERROR, EXIT_OK, RulesArgs};
use stockade_report::RuleInfo;
use stockade_rules::{FixKind, Target, catalog, find_rule};

/// `println!` that stops quietly when the reader went away (`stockade rules | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Rule metadata in the shape the reports want.
pub fn rule_infos() -> Vec<RuleInfo> {
    catalog()
        .iter()
        .map(|r| {
            let m = r.meta();
            RuleInfo {
                id: m.id,
                title: m.title,
                category: m.category,
                severity: m.severity,
                aliases: m.aliases,
                doc: doc_text(m),
                fix: m.fix.describe(),
            }
        })
        .collect()
}

/// Docs are built once and kept for the life of the process.
fn doc_text(m: &'static stockade_rules::RuleMeta) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DOCS: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let map = DOCS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(m.id)
        .or_insert_with(|| Box::leak(m.doc().into_boxed_str()))
}

fn targets(t: &[Target]) -> String {
    t.iter()
        .map(|t| match t {
            Target::Build => "dockerfile",
            Target::Container => "container",
            Target::Image => "image",
            Target::Host => "host",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run(a: RulesArgs) -> i32 {
    if a.aliases {
        return crate::docs_cmd::print_aliases(a.json);
    }
    if let Some(id) = &a.id {
        let Some(rule) = find_rule(id) else {
            eprintln!("stockade: no rule `{id}` (see `stockade rules`)");
            return EXIT_ERROR;
        };
        let m = rule.meta();
        if a.json {
            let v = serde_json::json!({
                "id": m.id, "title": m.title, "category": m.category.as_str(),
                "severity": m.severity.as_str(), "aliases": m.aliases, "targets": targets(m.targets),
                "fix": m.fix.describe(), "doc": m.doc(),
            });
            out!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            return EXIT_OK;
        }
        out!("{}: {}\n", m.id, m.title);
        out!(
            "category: {}    severity: {}    judges: {}",
            m.category,
            m.severity,
            targets(m.targets)
        );
        if !m.aliases.is_empty() {
            out!("aliases:  {}", m.aliases.join(", "));
        }
        out!("fix:      {}\n", m.fix.describe().unwrap_or("none"));
        out!("{}", m.doc());
        return EXIT_OK;
    }
    if a.json {
        let v: Vec<_> = catalog()
            .iter()
            .map(|r| {
                let m = r.meta();
                serde_json::json!({"id": m.id, "title": m.title, "category": m.category.as_str(),
                    "severity": m.severity.as_str(), "aliases": m.aliases, "targets": targets(m.targets),
                    "fix": match m.fix { FixKind::None => "none", FixKind::Safe => "safe", FixKind::Unsafe => "unsafe" }})
            })
            .collect();
        out!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return EXIT_OK;
    }
    out!("{:<8} {:<17} {:<9} TITLE", "ID", "CATEGORY", "SEVERITY");
    for r in catalog() {
        let m = r.meta();
        out!(
            "{:<8} {:<17} {:<9} {}",
            m.id,
            m.category.as_str(),
            m.severity.as_str(),
            m.title
        );
    }
    out!(
        "\n{} rules. `stockade rules ID` prints a rule's documentation.",
        catalog().len()
    );
    EXIT_OK
}
