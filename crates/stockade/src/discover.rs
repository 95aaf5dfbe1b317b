//! Finding the files to scan: by name first, by content where the name says
//! nothing. Directories are walked in parallel, honouring `.gitignore`,
//! `.ignore` and `.stockadeignore`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Dockerfile,
    Compose,
    Script,
    Makefile,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind, String> {
        match s.to_ascii_lowercase().as_str() {
            "dockerfile" | "containerfile" => Ok(Kind::Dockerfile),
            "compose" => Ok(Kind::Compose),
            "script" | "shell" | "sh" => Ok(Kind::Script),
            "makefile" | "make" => Ok(Kind::Makefile),
            _ => Err(format!(
                "unknown kind `{s}` (expected dockerfile, compose, script or makefile)"
            )),
        }
    }
}

/// Largest file read for content sniffing or scanning.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

const NOT_DOCKERFILE_EXT: &[&str] = &[
    "dockerignore",
    "md",
    "txt",
    "rst",
    "j2",
    "jinja",
    "jinja2",
    "tmpl",
    "tpl",
    "template",
    "erb",
    "orig",
    "bak",
    "swp",
    "patch",
    "diff",
    "json",
    "yml",
    "yaml",
    "sh",
    "py",
    "go",
    "rs",
    "html",
    "lock",
];

/// Classifies a file by its name alone.
pub fn kind_by_name(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e);
    for stem in ["dockerfile", "containerfile"] {
        if lower == stem {
            return Some(Kind::Dockerfile);
        }
        if let Some(rest) = lower.strip_prefix(stem)
            && rest.starts_with(['.', '-', '_'])
            && !ext.is_some_and(|e| NOT_DOCKERFILE_EXT.contains(&e))
        {
            return Some(Kind::Dockerfile);
        }
        if lower.ends_with(&format!(".{stem}")) {
            return Some(Kind::Dockerfile);
        }
    }
    if matches!(ext, Some("yml" | "yaml")) {
        let stem = &lower[..lower.len() - ext.map_or(0, |e| e.len() + 1)];
        if stem.starts_with("compose")
            || stem.starts_with("docker-compose")
            || stem.ends_with(".compose")
        {
            return Some(Kind::Compose);
        }
        return None;
    }
    if matches!(ext, Some("sh" | "bash")) {
        return Some(Kind::Script);
    }
    if lower == "makefile" || lower == "gnumakefile" || ext == Some("mk") {
        return Some(Kind::Makefile);
    }
    None
}

/// A built image: an image archive (`docker save`, OCI) or an OCI layout
/// directory, told by its content.
pub fn is_image(path: &Path) -> bool {
    stockade_image::looks_like_image_archive(path)
}

/// Whether a file whose name says nothing is worth reading to sniff.
pub fn sniffable(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    match name.rsplit_once('.') {
        None => true,
        Some(("", _)) => false, // dotfiles
        Some((_, ext)) => matches!(ext.to_ascii_lowercase().as_str(), "yml" | "yaml"),
    }
}

/// Classifies file content (for names that say nothing, and stdin).
pub fn kind_by_content(path: Option<&Path>, text: &str) -> Option<Kind> {
    let is_yaml = path
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
    if is_yaml {
        return stockade_compose_sniff(text).then_some(Kind::Compose);
    }
    if let Some(first) = text.lines().next()
        && first.starts_with("#!")
    {
        let interp = first.trim_start_matches("#!").trim();
        let word = interp.split_whitespace().collect::<Vec<_>>();
        let prog = match word.as_slice() {
            [env, p, ..] if env.ends_with("/env") => *p,
            [p, ..] => p.rsplit('/').next().unwrap_or(p),
            [] => "",
        };
        if matches!(
            prog,
            "sh" | "bash" | "dash" | "ksh" | "zsh" | "ash" | "busybox"
        ) {
            return Some(Kind::Script);
        }
        return None;
    }
    if stockade_dockerfile::looks_like_dockerfile(text) {
        return Some(Kind::Dockerfile);
    }
    if path.is_none() && stockade_compose_sniff(text) {
        return Some(Kind::Compose);
    }
    None
}

fn stockade_compose_sniff(text: &str) -> bool {
    crate::scan::compose_sniff(text)
}

/// One file to scan.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    /// Known from the name (or forced); `None` = sniff the content.
    pub kind: Option<Kind>,
    /// Named explicitly on the command line (always scanned).
    pub explicit: bool,
}

/// Walks `root` in parallel and returns the candidates, sorted by path.
/// What a walk found.
pub struct Walked {
    pub candidates: Vec<Candidate>,
    pub errors: Vec<(PathBuf, String)>,
    /// Every directory listed, and the config files it holds.
    pub dirs: Vec<(PathBuf, crate::config::DirConfigs)>,
}

pub fn walk(root: &Path, forced: Option<Kind>) -> Walked {
    let out = Mutex::new(Vec::new());
    let errs = Mutex::new(Vec::new());
    let dirs = Mutex::new(Vec::new());
    let configs = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(8);
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .add_custom_ignore_filename(".stockadeignore")
        .filter_entry(|e| e.file_name() != ".git")
        .threads(threads)
        .build_parallel()
        .run(|| {
            let out = &out;
            let errs = &errs;
            let dirs = &dirs;
            let configs = &configs;
            Box::new(move |entry| {
                match entry {
                    Ok(e) => {
                        if e.file_type().is_some_and(|t| t.is_dir()) {
                            dirs.lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(e.path().to_path_buf());
                        } else if crate::config::is_config_name(e.file_name())
                            && let Some(parent) = e.path().parent()
                        {
                            configs
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((parent.to_path_buf(), e.file_name().to_owned()));
                        }
                        if e.file_type().is_some_and(|t| t.is_file()) {
                            let p = e.path();
                            let kind = forced.or_else(|| kind_by_name(p));
                            if kind.is_some() || sniffable(p) {
                                let c = Candidate {
                                    path: p.to_path_buf(),
                                    kind,
                                    explicit: false,
                                };
                                out.lock().unwrap_or_else(|e| e.into_inner()).push(c);
                            }
                        }
                    }
                    Err(err) => {
                        let path = match &err {
                            ignore::Error::WithPath { path, .. } => path.clone(),
                            _ => root.to_path_buf(),
                        };
                        errs.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((path, err.to_string()));
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let mut v = out.into_inner().unwrap_or_else(|e| e.into_inner());
    v.sort_by(|a, b| a.path.cmp(&b.path));
    let mut seen: std::collections::HashMap<PathBuf, crate::config::DirConfigs> = dirs
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|d| (d, crate::config::DirConfigs::default()))
        .collect();
    for (dir, name) in configs.into_inner().unwrap_or_else(|e| e.into_inner()) {
        if let Some(c) = seen.get_mut(&dir) {
            c.see(&name);
        }
    }
    let dirs = seen.into_iter().collect();
    Walked {
        candidates: v,
        errors: errs.into_inner().unwrap_or_else(|e| e.into_inner()),
        dirs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let k = |n: &str| kind_by_name(Path::new(n));
        for n in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "Dockerfile-dev",
            "app.Dockerfile",
            "x.dockerfile",
            "Containerfile",
            "Containerfile.arm",
        ] {
            assert_eq!(k(n), Some(Kind::Dockerfile), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "Dockerfile.md",
            "Dockerfiles",
            "README",
            "compose.json",
        ] {
            assert_eq!(k(n), None, "{n}");
        }
        for n in [
            "compose.yaml",
            "compose.override.yml",
            "docker-compose.yml",
            "docker-compose.prod.yaml",
            "app.compose.yml",
        ] {
            assert_eq!(k(n), Some(Kind::Compose), "{n}");
        }
        assert_eq!(k("values.yaml"), None);
        assert_eq!(k("run.sh"), Some(Kind::Script));
        assert_eq!(k("Makefile"), Some(Kind::Makefile));
    }

    #[test]
    fn sniffing() {
        assert!(sniffable(Path::new("build/Imagefile")));
        assert!(sniffable(Path::new("ci/values.yaml")));
        assert!(!sniffable(Path::new("main.c")));
        assert_eq!(
            kind_by_content(None, "#!/usr/bin/env bash\ndocker run x\n"),
            Some(Kind::Script)
        );
        assert_eq!(kind_by_content(None, "#!/usr/bin/python3\n"), None);
    }
}
