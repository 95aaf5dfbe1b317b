//! Findings: what a rule reports, in the fixed vocabulary of the JSON contract.

use crate::span::Span;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One step lower (info stays info).
    pub fn lower(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "style" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" | "warning" => Ok(Severity::Medium),
            "high" | "error" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity `{s}` (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// The fixed category vocabulary. Part of the JSON contract: never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    RootUser,
    DockerSocket,
    HostMount,
    Privileged,
    Capabilities,
    Namespace,
    Resources,
    Ports,
    KernelSecurity,
    Provenance,
    Secrets,
    Auth,
    AttackSurface,
    Freshness,
    FilePermissions,
    Hygiene,
}

impl Category {
    pub const ALL: [Category; 16] = [
        Category::RootUser,
        Category::DockerSocket,
        Category::HostMount,
        Category::Privileged,
        Category::Capabilities,
        Category::Namespace,
        Category::Resources,
        Category::Ports,
        Category::KernelSecurity,
        Category::Provenance,
        Category::Secrets,
        Category::Auth,
        Category::AttackSurface,
        Category::Freshness,
        Category::FilePermissions,
        Category::Hygiene,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::RootUser => "root-user",
            Category::DockerSocket => "docker-socket",
            Category::HostMount => "host-mount",
            Category::Privileged => "privileged",
            Category::Capabilities => "capabilities",
            Category::Namespace => "namespace",
            Category::Resources => "resources",
            Category::Ports => "ports",
            Category::KernelSecurity => "kernel-security",
            Category::Provenance => "provenance",
            Category::Secrets => "secrets",
            Category::Auth => "auth",
            Category::AttackSurface => "attack-surface",
            Category::Freshness => "freshness",
            Category::FilePermissions => "file-permissions",
            Category::Hygiene => "hygiene",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown category `{s}`"))
    }
}

/// Where a finding is, when it has no source text: inside an image or a
/// running container.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Locator {
    /// Image reference or digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Layer digest inside the image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Path inside the image filesystem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Container name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Container id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    /// Anything else that helps (e.g. the host, the daemon setting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One problem a rule found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable id (e.g. `SKD-ROOT-001`).
    pub rule: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// The rule's one-line title.
    pub title: &'static str,
    /// What exactly was found, in a sentence.
    pub message: String,
    /// The source span that causes it (the line to point at).
    pub span: Option<Span>,
    /// For findings without source text.
    pub locator: Option<Box<Locator>>,
    /// The stage, service, container or image the finding is about.
    pub subject: String,
    /// Peer ids for the same check (hadolint, Trivy, KICS, Checkov).
    pub aliases: &'static [&'static str],
}

impl Finding {
    /// Sort key for stable output: file, position, rule.
    pub fn sort_key(&self) -> (u32, u32, &'static str) {
        match self.span {
            Some(s) => (s.file.0, s.start, self.rule),
            None => (u32::MAX, 0, self.rule),
        }
    }
}

/// An input problem: a file that could not be read or parsed (partly or
/// wholly). Exit code 2 whenever one is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The path as scanned.
    pub path: String,
    /// Where in the file, when known.
    pub span: Option<Span>,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl Into<String>, span: Option<Span>, message: impl Into<String>) -> Self {
        InputError {
            path: path.into(),
            span,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info < Severity::Low);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("nope".parse::<Severity>().is_err());
        assert_eq!(Severity::Low.lower(), Severity::Info);
    }

    #[test]
    fn category_round_trips() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().unwrap(), c);
        }
        assert!("root".parse::<Category>().is_err());
    }
}
