//! Fixes for stockade findings, and hardening of Compose projects and
//! `docker run` lines.

mod compose;
mod dockerfile;
mod driver;
mod edit;
mod harden;
mod settings;
mod text;
mod yaml;

pub use compose::plan_compose;
pub use dockerfile::plan_dockerfile;
pub use driver::*;
pub use edit::*;
pub use harden::*;
pub use settings::FixSettings;

#[cfg(test)]
mod tests {
    use stockade_rules::{FixKind, catalog};

    /// Each rule's documentation says whether it has a fix and which
    /// kind, and says so only for rules that have one here.
    #[test]
    fn rule_docs_match_the_fixers() {
        let fixable = crate::fixable_rules();
        for r in catalog() {
            let m = r.meta();
            let ours = fixable.iter().find(|(id, _)| *id == m.id).map(|x| x.1);
            let want = match ours {
                None => FixKind::None,
                Some(crate::Safety::Safe) => FixKind::Safe,
                Some(crate::Safety::Unsafe) => FixKind::Unsafe,
            };
            assert_eq!(m.fix, want, "{}: META.fix", m.id);
            let doc = m.doc();
            let how = doc
                .split("**How to fix.**")
                .nth(1)
                .and_then(|s| s.split("**Bad**").next())
                .unwrap_or("");
            if ours.is_some() {
                assert!(
                    how.contains("stockade"),
                    "{}: How to fix does not mention the fix",
                    m.id
                );
            }
            if ours == Some(crate::Safety::Unsafe) {
                assert!(
                    how.contains("--unsafe-fixes"),
                    "{}: unsafe fix not named",
                    m.id
                );
            }
        }
        assert_eq!(fixable.len(), 13);
    }
}
