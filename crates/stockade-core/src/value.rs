//! Values after variable substitution, which may be only partly known.

/// A written value and what it expands to.
///
/// `value` is `Some` only when every variable in `raw` resolved; rules that
/// need the value and find `None` must say "unknown" at a lower severity,
/// never guess.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Expanded {
    /// The text as written (quotes removed where the format removes them).
    pub raw: String,
    /// The fully expanded value, when every variable was known.
    pub value: Option<String>,
    /// Names of the variables that could not be resolved.
    pub unresolved: Vec<String>,
}

impl Expanded {
    /// A value with no variables in it.
    pub fn literal(s: impl Into<String>) -> Self {
        let s = s.into();
        Expanded {
            raw: s.clone(),
            value: Some(s),
            unresolved: Vec::new(),
        }
    }

    /// A value that could not be resolved.
    pub fn unknown(raw: impl Into<String>, unresolved: Vec<String>) -> Self {
        Expanded {
            raw: raw.into(),
            value: None,
            unresolved,
        }
    }

    pub fn is_known(&self) -> bool {
        self.value.is_some()
    }

    /// The resolved value, or the raw text when unknown (for messages).
    pub fn display(&self) -> &str {
        self.value.as_deref().unwrap_or(&self.raw)
    }

    pub fn known(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

/// Three-valued answers for facts that may not be knowable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tri {
    Yes,
    No,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Self {
        if b { Tri::Yes } else { Tri::No }
    }
    pub fn is_yes(self) -> bool {
        self == Tri::Yes
    }
}

/// Splits a `user[:group]` string and decides whether it names root.
///
/// Only UID/GID 0 and the name `root` count as root; other names are not
/// root as far as a static check can tell.
pub fn user_is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root" || is_zero(name)
}

fn is_zero(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_users() {
        for u in ["root", "0", "0:0", "root:root", "00", "root:1000"] {
            assert!(user_is_root(u), "{u}");
        }
        for u in ["", "1000", "nobody", "65534:65534", "rooter", "1000:0"] {
            assert!(!user_is_root(u), "{u}");
        }
    }

    #[test]
    fn expanded_display() {
        let e = Expanded::unknown("${X}", vec!["X".into()]);
        assert_eq!(e.display(), "${X}");
        assert!(!e.is_known());
        assert_eq!(Expanded::literal("a").known(), Some("a"));
    }
}
