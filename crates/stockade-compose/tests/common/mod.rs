#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use stockade_compose::{LoadOptions, Project, load, load_sources};
use stockade_core::{ContainerSpec, InputError, SourceFile, SourceMap, Span};

pub struct Loaded {
    pub project: Option<Project>,
    pub errors: Vec<InputError>,
    pub sources: SourceMap,
}

impl Loaded {
    pub fn project(&self) -> &Project {
        self.project.as_ref().expect("a project")
    }

    pub fn svc(&self, name: &str) -> &ContainerSpec {
        self.project()
            .services
            .iter()
            .find(|s| s.subject == name)
            .unwrap_or_else(|| panic!("no service {name}"))
    }

    /// The text a span covers.
    pub fn text(&self, span: Span) -> String {
        let f = self.sources.get(span.file).expect("file");
        f.slice(span).to_string()
    }

    /// The file name of a span's file.
    pub fn file_of(&self, span: Span) -> String {
        let f = self.sources.get(span.file).expect("file");
        Path::new(&f.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| f.path.clone())
    }

    /// 1-based line of a span's start.
    pub fn line(&self, span: Span) -> u32 {
        self.sources.resolve(span).expect("resolves").start.line
    }

    pub fn assert_no_errors(&self) {
        assert!(
            self.errors.is_empty(),
            "unexpected errors: {:#?}",
            self.errors
        );
    }
}

/// Loads in-memory Compose texts (no directory).
pub fn mem(texts: &[&str]) -> Loaded {
    mem_with(texts, &LoadOptions::default())
}

pub fn mem_with(texts: &[&str], opts: &LoadOptions) -> Loaded {
    let sources = SourceMap::new();
    let files: Vec<Arc<SourceFile>> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| sources.add(format!("f{i}.yaml"), None, t.to_string()))
        .collect();
    let (project, errors) = load_sources(&files, &sources, opts);
    Loaded {
        project,
        errors,
        sources,
    }
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "stockade-compose-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("dir");
        }
        std::fs::write(&p, text).expect("write");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads files from disk.
pub fn disk(files: &[PathBuf], opts: &LoadOptions) -> Loaded {
    let sources = SourceMap::new();
    let (project, errors) = load(files, &sources, opts);
    Loaded {
        project,
        errors,
        sources,
    }
}
