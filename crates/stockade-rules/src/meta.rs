//! What every rule declares, and the context rules run in.

use crate::util::date::Date;
use std::path::Path;
use stockade_core::{
    BuildSpec, Category, ContainerSpec, Finding, HostSpec, ImageSpec, Severity, Span,
};

/// Which spec kinds a rule judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A Dockerfile (`BuildSpec`).
    Build,
    /// A container about to run (`ContainerSpec`): Compose, `docker run`,
    /// live containers, guard requests.
    Container,
    /// A built image (`ImageSpec`).
    Image,
    /// A Docker daemon / host (`HostSpec`).
    Host,
}

/// Whether a rule can fix what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    /// No automatic fix.
    None,
    /// A fix that keeps the program's behaviour.
    Safe,
    /// A fix that may change behaviour (`--unsafe-fixes`).
    Unsafe,
}

impl FixKind {
    pub fn describe(self) -> Option<&'static str> {
        match self {
            FixKind::None => None,
            FixKind::Safe => Some("safe (applied by `stockade fix`)"),
            FixKind::Unsafe => Some("unsafe (applied by `stockade fix --unsafe-fixes`)"),
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, never reused (`SKD101`).
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    /// Default severity (a check may report lower when it cannot know).
    pub severity: Severity,
    /// Peer ids for the same check: hadolint `DL…`, Trivy `DS-…`, KICS
    /// query names, Checkov `CKV_…`.
    pub aliases: &'static [&'static str],
    pub targets: &'static [Target],
    pub fix: FixKind,
    /// The rule file's own text (`include_str!(file!())`-style); the doc is
    /// its `//!` lines.
    pub source: &'static str,
}

impl RuleMeta {
    /// The rule's documentation (markdown), read from its file's `//!` lines.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("//!") {
                out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
                out.push('\n');
            } else if !t.is_empty() && !out.is_empty() {
                break;
            }
        }
        out.trim_end().to_string()
    }

    /// A finding at `span` with the rule's defaults.
    pub fn finding(
        &'static self,
        span: Span,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: self.id,
            category: self.category,
            severity: self.severity,
            title: self.title,
            message: message.into(),
            span: Some(span),
            locator: None,
            subject: subject.into(),
            aliases: self.aliases,
        }
    }
}

/// Builder-style tweaks on a finding.
pub trait FindingExt {
    fn with_severity(self, s: Severity) -> Self;
}

impl FindingExt for Finding {
    fn with_severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
}

/// Settings rules read. Built by the CLI from flags and `.stockade.toml`.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Today's date (UTC), for end-of-life and age checks.
    pub today: Date,
    /// Registries (and `registry/path` prefixes) base images may come from;
    /// empty means "not configured" (no finding).
    pub trusted_registries: Vec<String>,
    /// Images older than this many days should be rebuilt.
    pub max_image_age_days: u32,
    /// Whether rules may read files from a build context on disk.
    pub read_context: bool,
    /// Image size budget in MiB (uncompressed layers); larger images get
    /// an `info` finding.
    pub max_image_mb: u64,
    /// OS package budget per image; more packages get an `info` finding.
    pub max_packages: u32,
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx {
            today: Date::today(),
            trusted_registries: Vec::new(),
            max_image_age_days: 7,
            read_context: true,
            max_image_mb: 1024,
            max_packages: 500,
        }
    }
}

impl Ctx {
    /// Reads a file from the build context, at most `limit` bytes, when
    /// allowed. The path must stay inside the context (no `..` escapes).
    pub fn read_context_file(&self, build: &BuildSpec, rel: &str, limit: usize) -> Option<Vec<u8>> {
        use std::io::Read;
        if !self.read_context {
            return None;
        }
        let dir = build.context_dir.as_ref()?;
        let rel = rel.trim_start_matches("./").trim_start_matches('/');
        if rel.is_empty()
            || Path::new(rel)
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return None;
        }
        let path = dir.join(rel);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.is_file() {
            return None;
        }
        let mut buf = Vec::new();
        std::fs::File::open(&path)
            .ok()?
            .take(limit as u64)
            .read_to_end(&mut buf)
            .ok()?;
        Some(buf)
    }
}

/// A rule: metadata plus checks for the spec kinds it judges. Checks push
/// findings; they never fail (a rule that cannot know reports lower or not at all).
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check_build(&self, _spec: &BuildSpec, _cx: &Ctx, _out: &mut Vec<Finding>) {}
    fn check_container(&self, _spec: &ContainerSpec, _cx: &Ctx, _out: &mut Vec<Finding>) {}
    fn check_image(&self, _spec: &ImageSpec, _cx: &Ctx, _out: &mut Vec<Finding>) {}
    fn check_host(&self, _spec: &HostSpec, _cx: &Ctx, _out: &mut Vec<Finding>) {}
}
