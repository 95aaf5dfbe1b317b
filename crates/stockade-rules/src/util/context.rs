//! The build context on disk, as `COPY`/`ADD` see it: files left out by
//! `.dockerignore` are not there. Only used when [`Ctx::read_context`] is on
//! and the build knows its context directory; every read is bounded.

use crate::meta::Ctx;
use crate::util::dockerignore::DockerIgnore;
use std::path::{Component, Path, PathBuf};
use stockade_core::BuildSpec;

/// Most entries listed from one directory.
const MAX_ENTRIES: usize = 4096;
/// Largest `.dockerignore` read.
const MAX_IGNORE: usize = 1024 * 1024;

/// A readable build context.
pub struct Context<'a> {
    cx: &'a Ctx,
    spec: &'a BuildSpec,
    root: PathBuf,
    ignore: DockerIgnore,
}

/// One entry of a context directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the context root, `/`-separated.
    pub path: String,
    pub is_dir: bool,
}

impl<'a> Context<'a> {
    /// The context, when reading it is allowed and its directory is known.
    pub fn open(cx: &'a Ctx, spec: &'a BuildSpec) -> Option<Context<'a>> {
        if !cx.read_context {
            return None;
        }
        let root = spec.context_dir.clone()?;
        if !root.is_dir() {
            return None;
        }
        // `<Dockerfile>.dockerignore` next to the Dockerfile wins over
        // `.dockerignore` at the context root (BuildKit).
        let own = Path::new(&spec.path)
            .file_name()
            .map(|n| format!("{}.dockerignore", n.to_string_lossy()));
        let text = own
            .and_then(|n| cx.read_context_file(spec, &n, MAX_IGNORE))
            .or_else(|| cx.read_context_file(spec, ".dockerignore", MAX_IGNORE))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        Some(Context {
            cx,
            spec,
            root,
            ignore: DockerIgnore::parse(&text),
        })
    }

    /// Whether `rel` is in the context (not left out by `.dockerignore`).
    pub fn included(&self, rel: &str) -> bool {
        !self.ignore.is_excluded(rel)
    }

    fn safe(rel: &str) -> Option<PathBuf> {
        let rel = rel.trim_start_matches("./").trim_start_matches('/');
        let p = Path::new(rel);
        if p.components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return None;
        }
        Some(p.to_path_buf())
    }

    /// Whether `rel` is a directory in the context (`.` is the root).
    pub fn is_dir(&self, rel: &str) -> bool {
        let r = rel.trim_start_matches("./").trim_matches('/');
        if r.is_empty() || r == "." {
            return true;
        }
        Self::safe(r)
            .is_some_and(|p| std::fs::symlink_metadata(self.root.join(p)).is_ok_and(|m| m.is_dir()))
    }

    /// The entries of a directory, one level, without ignored ones.
    pub fn list(&self, rel: &str) -> Vec<Entry> {
        let r = rel.trim_start_matches("./").trim_matches('/');
        let r = if r == "." { "" } else { r };
        let Some(p) = Self::safe(r) else {
            return Vec::new();
        };
        let Ok(rd) = std::fs::read_dir(self.root.join(p)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in rd.flatten().take(MAX_ENTRIES) {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = if r.is_empty() {
                name
            } else {
                format!("{r}/{name}")
            };
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_symlink() || !self.included(&path) {
                continue;
            }
            out.push(Entry {
                path,
                is_dir: ft.is_dir(),
            });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    /// Whether a regular file exists at `rel` (and is not ignored).
    pub fn is_file(&self, rel: &str) -> bool {
        self.included(rel)
            && Self::safe(rel).is_some_and(|p| {
                std::fs::symlink_metadata(self.root.join(p)).is_ok_and(|m| m.is_file())
            })
    }

    /// Reads at most `limit` bytes of a file that is in the context.
    pub fn read(&self, rel: &str, limit: usize) -> Option<Vec<u8>> {
        if !self.included(rel) {
            return None;
        }
        self.cx.read_context_file(self.spec, rel, limit)
    }
}
