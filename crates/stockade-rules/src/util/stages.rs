//! Which stages a rule looks at, and which images a build pulls.

use stockade_core::{BaseImage, BuildSpec, Expanded, ImageRef, InstrKind, Span, Stage};

/// The stages that make up the final image, root first (the stage built
/// `FROM` an image, then each stage built on it, ending with the final one).
pub fn final_chain(spec: &BuildSpec) -> Vec<&Stage> {
    let mut v: Vec<&Stage> = spec
        .final_chain()
        .into_iter()
        .filter_map(|i| spec.stages.get(i))
        .collect();
    v.reverse();
    v
}

/// The stages the build of the final stage (or `--target`) needs, in
/// order: BuildKit never runs the others, so rules about what the build
/// does judge only these.
pub fn needed(spec: &BuildSpec) -> impl Iterator<Item = &Stage> {
    spec.needed_stages()
        .into_iter()
        .filter_map(|i| spec.stages.get(i))
}

/// Where a pulled image is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullKind {
    /// `FROM image`.
    From,
    /// `COPY --from=image`.
    CopyFrom,
    /// `RUN --mount=…,from=image`.
    MountFrom,
}

/// An image the build pulls.
#[derive(Debug, Clone)]
pub struct PulledImage<'a> {
    pub stage: &'a Stage,
    pub kind: PullKind,
    /// The reference as written and expanded.
    pub written: Expanded,
    /// Where to point: the image value.
    pub span: Span,
    /// The parsed reference; `None` when a variable in it has no value.
    pub image: Option<ImageRef>,
}

/// Every image the build pulls, in every stage it needs: bases, `COPY --from`
/// images and `RUN --mount` sources (stage references and `scratch` are
/// not images; invalid references are left to the parser's errors).
pub fn pulled_images(spec: &BuildSpec) -> Vec<PulledImage<'_>> {
    let mut out = Vec::new();
    for stage in needed(spec) {
        match &stage.from.base {
            BaseImage::Image(r) => out.push(PulledImage {
                stage,
                kind: PullKind::From,
                written: stage.from.image.value.clone(),
                span: stage.from.image.span,
                image: Some(r.clone()),
            }),
            BaseImage::Unknown => out.push(PulledImage {
                stage,
                kind: PullKind::From,
                written: stage.from.image.value.clone(),
                span: stage.from.image.span,
                image: None,
            }),
            _ => {}
        }
        for instr in &stage.instructions {
            match &instr.kind {
                InstrKind::Copy(c) => {
                    if let Some(from) = &c.from
                        && let Some((image, written)) = image_of_source(spec, &from.value)
                    {
                        out.push(PulledImage {
                            stage,
                            kind: PullKind::CopyFrom,
                            written,
                            span: from.span,
                            image,
                        });
                    }
                }
                InstrKind::Run(r) => {
                    for m in &r.mounts {
                        if let Some(from) = m.option("from") {
                            let e = Expanded::literal(from);
                            if let Some((image, written)) = image_of_source(spec, &e) {
                                out.push(PulledImage {
                                    stage,
                                    kind: PullKind::MountFrom,
                                    written,
                                    span: m.span,
                                    image,
                                });
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// `--from=` value: a stage (name or index) is not an image.
fn image_of_source(spec: &BuildSpec, from: &Expanded) -> Option<(Option<ImageRef>, Expanded)> {
    match from.known() {
        None => Some((None, from.clone())),
        Some(v) => {
            let v = v.trim();
            if v.is_empty()
                || v.bytes().all(|b| b.is_ascii_digit())
                || spec.stage_by_name(v).is_some()
                || v.eq_ignore_ascii_case("scratch")
            {
                return None;
            }
            ImageRef::parse(v).ok().map(|r| (Some(r), from.clone()))
        }
    }
}

/// Normalises a path for comparisons: resolves it against `workdir` when
/// relative, drops `.` components, duplicate and trailing slashes.
pub fn normalize_path(path: &str, workdir: &str) -> String {
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{}", workdir.trim_end_matches('/'), path)
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in full.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(normalize_path(".", "/app"), "/app");
        assert_eq!(normalize_path("./x/", "/app/"), "/app/x");
        assert_eq!(normalize_path("/a//b/../c", "/"), "/a/c");
        assert_eq!(normalize_path("x", "/"), "/x");
    }
}
