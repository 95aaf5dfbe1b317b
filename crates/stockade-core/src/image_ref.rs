//! Docker image references: `[registry/]repository[:tag][@digest]`.

use std::fmt;

/// A parsed image reference, normalised the way the Docker CLI does it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// As written (after variable expansion).
    pub raw: String,
    /// `docker.io` when none was written.
    pub registry: String,
    /// Whether the registry was written explicitly.
    pub explicit_registry: bool,
    /// Repository path, with `library/` for official Docker Hub images.
    pub repository: String,
    pub tag: Option<String>,
    /// `algo:hex`.
    pub digest: Option<String>,
}

/// Why a string is not a valid image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRefError(pub String);

impl fmt::Display for ImageRefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ImageRef {
    /// Parses a reference. Fails on empty or malformed input.
    pub fn parse(s: &str) -> Result<ImageRef, ImageRefError> {
        let raw = s.trim();
        if raw.is_empty() {
            return Err(ImageRefError("empty image reference".into()));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ImageRefError(format!("invalid image reference `{raw}`")));
        }
        let (name_tag, digest) = match raw.split_once('@') {
            Some((n, d)) => {
                let valid = d.split_once(':').is_some_and(|(a, h)| {
                    !a.is_empty()
                        && !h.is_empty()
                        && a.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"+._-".contains(&b))
                        && h.bytes().all(|b| b.is_ascii_hexdigit())
                });
                if !valid {
                    return Err(ImageRefError(format!("invalid digest in `{raw}`")));
                }
                (n, Some(d.to_string()))
            }
            None => (raw, None),
        };
        // The tag is after the last ':' that follows the last '/'.
        let last_slash = name_tag.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match name_tag[last_slash..].rfind(':') {
            Some(i) => {
                let i = last_slash + i;
                (&name_tag[..i], Some(name_tag[i + 1..].to_string()))
            }
            None => (name_tag, None),
        };
        if let Some(t) = &tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
                && !t.starts_with(['.', '-']);
            if !ok {
                return Err(ImageRefError(format!("invalid tag `{t}` in `{raw}`")));
            }
        }
        if name.is_empty() {
            return Err(ImageRefError(format!("missing repository in `{raw}`")));
        }
        let (registry, explicit_registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), true, rest.to_string())
            }
            _ => ("docker.io".to_string(), false, name.to_string()),
        };
        if path.is_empty()
            || path.split('/').any(|c| {
                c.is_empty()
                    || !c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            })
        {
            return Err(ImageRefError(format!("invalid repository name in `{raw}`")));
        }
        let repository = if registry == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        Ok(ImageRef {
            raw: raw.to_string(),
            registry,
            explicit_registry,
            repository,
            tag,
            digest,
        })
    }

    /// `true` for Docker Hub's official images (`library/…`).
    pub fn is_official(&self) -> bool {
        self.registry == "docker.io" && self.repository.starts_with("library/")
    }

    /// The short repository name users write (`python`, `bitnami/redis`, `ghcr.io/x/y`).
    pub fn short_name(&self) -> String {
        let repo = self
            .repository
            .strip_prefix("library/")
            .unwrap_or(&self.repository);
        if self.explicit_registry && self.registry != "docker.io" {
            format!("{}/{}", self.registry, repo)
        } else {
            repo.to_string()
        }
    }

    /// Last path component of the repository (`python`, `redis`).
    pub fn base_name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// Effective tag: the written one, or `latest` when neither tag nor digest was given.
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let r = ImageRef::parse("python:3.12-slim").unwrap();
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "library/python");
        assert_eq!(r.tag.as_deref(), Some("3.12-slim"));
        assert!(r.is_official());
        assert_eq!(r.short_name(), "python");

        let r = ImageRef::parse("localhost:5000/team/app").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag, None);
        assert_eq!(r.effective_tag(), Some("latest"));

        let d = "sha256:".to_string() + &"a".repeat(64);
        let r = ImageRef::parse(&format!("ghcr.io/o/i:1.2@{d}")).unwrap();
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));

        let r = ImageRef::parse(&format!("alpine@{d}")).unwrap();
        assert_eq!(r.effective_tag(), None);
        assert_eq!(
            ImageRef::parse("bitnami/redis").unwrap().repository,
            "bitnami/redis"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "UPPER", "a:b:c", "x@sha256:zz", "a//b", "a:-bad", "a b"] {
            assert!(ImageRef::parse(bad).is_err(), "{bad}");
        }
    }
}
