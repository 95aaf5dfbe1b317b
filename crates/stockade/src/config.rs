//! `.stockade.toml`: found by walking up from each scanned path, or given
//! with `--config`. Every key is optional.
//!
//! ```toml
//! select = ["all"]                 # rule ids, peer aliases or categories
//! ignore = ["SKD111", "hygiene"]
//! fail-on = "medium"               # critical | high | medium | low | info
//! exclude = ["vendor/**", "**/testdata/**"]
//! trusted-registries = ["docker.io/library", "ghcr.io/acme"]
//! max-image-age-days = 7
//!
//! [severity]                       # per rule id, alias or category
//! SKD110 = "high"
//! provenance = "low"
//!
//! [fix]                            # what `fix --unsafe-fixes` and `harden` write
//! user = "65534:65534"             # numeric uid:gid, not root
//! memory = "512m"
//! cpus = 1.0
//! pids-limit = 256
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stockade_core::Severity;
use stockade_rules::{Policy, Selector};

pub const CONFIG_NAME: &str = ".stockade.toml";

/// hadolint's config names: read (see [`hadolint`]) when no `.stockade.toml` applies.
pub const HADOLINT_NAMES: [&str; 2] = [".hadolint.yaml", ".hadolint.yml"];

mod hadolint;

/// Whether `path` names a hadolint config.
pub fn is_hadolint(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| HADOLINT_NAMES.contains(&n))
}

/// Whether a file name is one of the configs the finder looks for.
pub fn is_config_name(name: &std::ffi::OsStr) -> bool {
    name == CONFIG_NAME || HADOLINT_NAMES.iter().any(|n| name == *n)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    pub fail_on: Option<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub trusted_registries: Vec<String>,
    pub max_image_age_days: Option<u32>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    /// Values `stockade fix --unsafe-fixes` and `stockade harden` write.
    #[serde(default)]
    pub fix: FixConfig,
    /// `stockade guard`'s listeners and profiles; read by `stockade_guard`.
    /// Declared here so that `deny_unknown_fields` accepts the tables.
    #[serde(default)]
    #[allow(dead_code)]
    pub guard: Option<toml::Value>,
}

/// `[fix]`: the values fixes and hardening write (see `stockade_fix::FixSettings`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixConfig {
    pub user: Option<String>,
    pub memory: Option<String>,
    pub cpus: Option<Number>,
    pub pids_limit: Option<i64>,
}

/// A number written as a TOML integer, float or string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Number {
    Int(i64),
    Float(f64),
    Text(String),
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Text(t) => f.write_str(t),
        }
    }
}

/// A loaded config with where it came from.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: Option<PathBuf>,
    /// Directory the `exclude` globs are relative to.
    pub base: PathBuf,
    pub file: ConfigFile,
    pub excludes: globset::GlobSet,
    /// What did not carry over from a migrated (hadolint) config.
    pub notes: Vec<String>,
}

impl Config {
    pub fn empty() -> Config {
        Config {
            path: None,
            base: PathBuf::from("."),
            file: ConfigFile::default(),
            excludes: globset::GlobSet::empty(),
            notes: Vec::new(),
        }
    }

    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        if is_hadolint(path) {
            return Config::parse_hadolint(&text, path);
        }
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let pos = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!(":{line}")
                })
                .unwrap_or_default();
            format!("{}{pos}: {}", path.display(), e.message())
        })?;
        Config::from_file(file, path, Vec::new())
    }

    /// A hadolint config (`.hadolint.yaml`) read as ours: ignored rules,
    /// trusted registries, severity overrides and the failure threshold.
    pub fn parse_hadolint(text: &str, path: &Path) -> Result<Config, String> {
        let (file, notes) =
            hadolint::parse(text).map_err(|e| format!("{}: {e}", path.display()))?;
        Config::from_file(file, path, notes)
    }

    fn from_file(file: ConfigFile, path: &Path, notes: Vec<String>) -> Result<Config, String> {
        let mut b = globset::GlobSetBuilder::new();
        for g in &file.exclude {
            let glob = globset::GlobBuilder::new(g)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("{}: exclude pattern `{g}`: {e}", path.display()))?;
            b.add(glob);
            // `dir/**` should also match `dir` itself; `name` anywhere.
            if !g.contains('/')
                && let Ok(any) = globset::Glob::new(&format!("**/{g}"))
            {
                b.add(any);
            }
        }
        let excludes = b.build().map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(f) = &file.fail_on {
            f.parse::<Severity>()
                .map_err(|e| format!("{}: fail-on: {e}", path.display()))?;
        }
        for (k, v) in &file.severity {
            v.parse::<Severity>()
                .map_err(|e| format!("{}: severity.{k}: {e}", path.display()))?;
        }
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Config {
            path: Some(path.to_path_buf()),
            base,
            file,
            excludes,
            notes,
        })
    }

    /// Whether `path` is excluded (matched relative to the config's directory).
    pub fn excluded(&self, path: &Path) -> bool {
        if self.excludes.is_empty() {
            return false;
        }
        let rel = path.strip_prefix(&self.base).unwrap_or(path);
        let rel = rel.strip_prefix(".").unwrap_or(rel);
        self.excludes.is_match(rel)
    }

    /// Warns (on stderr) about names that match no rule: a typo must not
    /// silently select or ignore nothing. Peer ids we do not implement are
    /// common in migrated configs, so this is a warning, not an error.
    pub fn warn_unknown(&self) {
        for note in &self.notes {
            let path = self.path.as_deref().map(Path::display);
            eprintln!(
                "stockade: note: {}: {note}",
                path.map(|p| p.to_string()).unwrap_or_default()
            );
        }
        let unknown = self.unknown_selectors();
        if !unknown.is_empty() {
            let path = self
                .path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            eprintln!(
                "stockade: warning: {path}: no rule, alias or category matches {} (see `stockade rules`)",
                unknown
                    .iter()
                    .map(|u| format!("`{u}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }

    /// Names used in the config that match no rule, alias or category.
    pub fn unknown_selectors(&self) -> Vec<String> {
        let metas: Vec<_> = stockade_rules::catalog().iter().map(|r| r.meta()).collect();
        self.file
            .select
            .iter()
            .chain(&self.file.ignore)
            .chain(self.file.severity.keys())
            .filter(|s| !Selector::parse(s).is_known(&metas))
            .cloned()
            .collect()
    }

    /// The policy from this file, then the command line on top.
    pub fn policy(&self, cli: &CliPolicy) -> Policy {
        let mut p = Policy {
            select: self
                .file
                .select
                .iter()
                .map(|s| Selector::parse(s))
                .collect(),
            ignore: self
                .file
                .ignore
                .iter()
                .map(|s| Selector::parse(s))
                .collect(),
            ..Policy::default()
        };
        for (k, v) in &self.file.severity {
            if let Ok(sev) = v.parse() {
                p.severity.push((Selector::parse(k), sev));
            }
        }
        if let Some(f) = self.file.fail_on.as_deref().and_then(|f| f.parse().ok()) {
            p.fail_on = f;
        }
        if !cli.select.is_empty() {
            p.select = cli.select.iter().map(|s| Selector::parse(s)).collect();
        }
        p.ignore
            .extend(cli.ignore.iter().map(|s| Selector::parse(s)));
        if let Some(f) = cli.fail_on {
            p.fail_on = f;
        }
        p
    }
}

/// Policy settings given on the command line (they win over the file).
#[derive(Debug, Clone, Default)]
pub struct CliPolicy {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
}

/// What a directory walk saw of the config files in one directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirConfigs {
    /// Holds a `.stockade.toml`.
    pub stockade: bool,
    /// Index into [`HADOLINT_NAMES`] of the hadolint config it holds.
    pub hadolint: Option<usize>,
}

impl DirConfigs {
    /// Notes a file name seen in the directory.
    pub fn see(&mut self, name: &std::ffi::OsStr) {
        if name == CONFIG_NAME {
            self.stockade = true;
        } else if let Some(i) = HADOLINT_NAMES.iter().position(|n| name == *n) {
            // `.hadolint.yaml` wins over `.hadolint.yml`, as for a stat walk.
            self.hadolint = Some(self.hadolint.map_or(i, |j| j.min(i)));
        }
    }
}

type DirCache = std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>;

/// Finds the nearest `.stockade.toml` at or above `start` (else the nearest
/// `.hadolint.yaml`), with a cache per directory. Directories the walker
/// listed are known without a `stat`.
#[derive(Default)]
pub struct ConfigFinder {
    cache: DirCache,
    /// Directory -> nearest hadolint config (used when no `.stockade.toml` applies).
    hadolint: DirCache,
    /// Absolute directory -> the configs it holds (from a walk).
    listed: std::sync::RwLock<std::collections::HashMap<PathBuf, DirConfigs>>,
}

impl ConfigFinder {
    /// Records what a directory walk saw: every directory, and its configs.
    pub fn seed(&self, dirs: impl IntoIterator<Item = (PathBuf, DirConfigs)>) {
        let mut listed = self.listed.write().unwrap_or_else(|e| e.into_inner());
        for (d, has) in dirs {
            let abs = std::path::absolute(&d).unwrap_or(d);
            listed.insert(abs, has);
        }
    }

    pub fn nearest(&self, start: &Path) -> Option<PathBuf> {
        self.nearest_by(start, &self.cache, |d, listed| match listed {
            Some(c) => c.stockade.then(|| d.join(CONFIG_NAME)),
            None => Some(d.join(CONFIG_NAME)).filter(|p| p.is_file()),
        })
        .or_else(|| self.nearest_hadolint(start))
    }

    /// The nearest `.hadolint.yaml` (or `.yml`) at or above `start`, with
    /// its own cache per directory.
    pub fn nearest_hadolint(&self, start: &Path) -> Option<PathBuf> {
        self.nearest_by(start, &self.hadolint, |d, listed| match listed {
            Some(c) => c.hadolint.map(|i| d.join(HADOLINT_NAMES[i])),
            None => HADOLINT_NAMES
                .iter()
                .map(|n| d.join(n))
                .find(|p| p.is_file()),
        })
    }

    /// Walks up from `start` (a file or a directory) and returns the first
    /// config `probe` finds; `probe` gets what the walk saw of a directory
    /// when it was listed, else `None` and must look on disk.
    fn nearest_by(
        &self,
        start: &Path,
        cache: &DirCache,
        probe: impl Fn(&Path, Option<DirConfigs>) -> Option<PathBuf>,
    ) -> Option<PathBuf> {
        let abs = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let listed = self.listed.read().unwrap_or_else(|e| e.into_inner());
        let is_dir = match listed.get(&abs) {
            Some(_) => true,
            // A path whose parent was listed but is not itself a listed
            // directory is a file: no stat needed.
            None => abs.parent().is_none_or(|p| !listed.contains_key(p)) && abs.is_dir(),
        };
        let mut dir = if is_dir {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        let mut visited = Vec::new();
        let mut found = None;
        while let Some(d) = dir {
            if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(d) {
                found = hit.clone();
                break;
            }
            visited.push(d.to_path_buf());
            if let Some(p) = probe(d, listed.get(d).copied()) {
                found = Some(p);
                break;
            }
            dir = d.parent();
        }
        drop(listed);
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        for v in visited {
            cache.insert(v, found.clone());
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_key() {
        let c = Config::parse(
            "select=['all']\nignore=['SKD111','hygiene']\nfail-on='medium'\nexclude=['vendor/**','testdata']\ntrusted-registries=['ghcr.io/acme']\nmax-image-age-days=3\n[severity]\nSKD110='high'\n",
            Path::new("/repo/.stockade.toml"),
        )
        .unwrap();
        assert_eq!(c.file.max_image_age_days, Some(3));
        assert!(c.excluded(Path::new("/repo/vendor/x/Dockerfile")));
        assert!(c.excluded(Path::new("/repo/a/testdata")));
        assert!(!c.excluded(Path::new("/repo/src/Dockerfile")));
        let p = c.policy(&CliPolicy::default());
        assert_eq!(p.fail_on, Severity::Medium);
        assert_eq!(p.ignore.len(), 2);
        let p = c.policy(&CliPolicy {
            fail_on: Some(Severity::High),
            ..Default::default()
        });
        assert_eq!(p.fail_on, Severity::High);
    }

    #[test]
    fn reads_fix_values() {
        let c = Config::parse(
            "[fix]\nuser = '10001:10001'\nmemory = '1g'\ncpus = 1.5\npids-limit = 100\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.file.fix.memory.as_deref(), Some("1g"));
        assert_eq!(c.file.fix.cpus.as_ref().unwrap().to_string(), "1.5");
        assert_eq!(c.file.fix.pids_limit, Some(100));
        assert!(Config::parse("[fix]\nmem = '1g'\n", Path::new("c.toml")).is_err());
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Config::parse("fail-on = 'x'\n", Path::new("c.toml")).unwrap_err();
        assert!(e.contains("c.toml") && e.contains("fail-on"), "{e}");
        let e = Config::parse("\nbogus = 1\n", Path::new("c.toml")).unwrap_err();
        assert!(e.starts_with("c.toml:2"), "{e}");
    }
}
