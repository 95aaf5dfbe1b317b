//! Fixes for stockade findings, and hardening of Compose projects and
//! `docker run` lines.
//!
//! - [`plan_dockerfile`] and [`plan_compose`] turn a file's findings into
//!   [`Fix`]es: text [`Edit`]s (a span and its replacement), each
//!   [`Safety::Safe`] (keeps behaviour) or [`Safety::Unsafe`] (may change
//!   it), or a [`NotFixed`] with the reason. One module per fixed rule, in
//!   `dockerfile/` and `compose/`, holds what that fix needs to know.
//! - [`fix_text`] drives one file: judge with the real parser and rules,
//!   plan, apply what does not clash, verify (the file parses no worse,
//!   each applied fix removed its finding), repeat until nothing is left
//!   to do, so running it again changes nothing.
//! - [`harden_compose`] writes an override file for
//!   `docker compose -f a.yml -f a.hardened.yml`; [`harden_docker_run`]
//!   rewrites a `docker run` line.
//!
//! Edits are surgical: only the lines a fix touches change; comments,
//! ordering, quoting, indentation (detected from the file), anchors, blank
//! lines and CRLF line endings stay as written. In Compose files a setting
//! inherited through a merge key is overridden on the service itself; an
//! anchor other services share is never edited.

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
