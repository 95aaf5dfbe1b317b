//! `stockade scan image.tar`: built images (`docker save` archives, OCI
//! archives and OCI layout directories), read by `stockade-image` and
//! judged by the image rules. Each image of an archive is judged on its
//! own; an image that cannot be read is an input error, and the others are
//! still judged.

use serde::Serialize;
use std::path::Path;
use stockade_core::{Finding, ImageSpec, InputError, SourceMap};
use stockade_image::ReadOptions;
use stockade_rules::{Ctx, Policy, check_image};

/// Reads every image in `path` (only `platform`'s when given, as
/// `os/arch[/variant]`) and judges each. `display` names the input in
/// findings and errors. Images have no source text, so `sources` gains
/// nothing; findings carry locators.
pub fn scan_image(
    _sources: &SourceMap,
    display: &str,
    path: &Path,
    settings_policy: &Policy,
    ctx: &Ctx,
    platform: Option<&str>,
) -> (Vec<Finding>, Vec<InputError>) {
    let (specs, mut errors) = read_images(display, path, platform);
    let mut findings = Vec::new();
    for spec in &specs {
        findings.extend(check_image(spec, ctx, settings_policy));
    }
    errors.sort_by(|a, b| a.message.cmp(&b.message));
    (findings, errors)
}

/// Reads the images of one input: the ones that read, and an error for
/// each that does not (or one for the whole input).
pub fn read_images(
    display: &str,
    path: &Path,
    platform: Option<&str>,
) -> (Vec<ImageSpec>, Vec<InputError>) {
    let opts = ReadOptions {
        platform: platform.map(str::to_string),
        ..ReadOptions::default()
    };
    // The error's text starts with the archive path, which the report
    // already shows as the error's path.
    let to_error = |e: &stockade_image::ImageError| {
        let mut ie = e.to_input_error();
        if let Some(rest) = ie.message.strip_prefix(e.archive.as_str()) {
            ie.message = rest.trim_start_matches(':').trim_start().to_string();
        }
        ie.path = display.to_string();
        ie
    };
    match stockade_image::open(path, &opts) {
        Err(e) => (Vec::new(), vec![to_error(&e)]),
        Ok(list) => {
            let mut specs = Vec::new();
            let mut errors = Vec::new();
            for r in list {
                match r {
                    Ok(mut spec) => {
                        spec.source = display.to_string();
                        specs.push(spec);
                    }
                    Err(e) => errors.push(to_error(&e)),
                }
            }
            (specs, errors)
        }
    }
}

/// Size and contents of one image, for the report's summary: a line of
/// the human report and an added `summary.images` entry in JSON. Not yet
/// wired: the report crate has no place for it (see the issue 4 hand-off).
#[allow(dead_code)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageSummary {
    /// The image's reference (first tag, else config digest).
    pub image: String,
    /// `os/arch[/variant]`, when the config says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    pub layers: usize,
    /// Bytes as stored (compressed layers).
    pub compressed_bytes: u64,
    /// Bytes of the uncompressed layers.
    pub uncompressed_bytes: u64,
    /// Installed OS packages.
    pub packages: usize,
    /// Entries of the final filesystem.
    pub files: u64,
    /// `PRETTY_NAME` of `/etc/os-release`, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
}

#[allow(dead_code)]
impl ImageSummary {
    pub fn of(spec: &ImageSpec) -> ImageSummary {
        ImageSummary {
            image: spec.reference.clone(),
            platform: spec.config.platform().map(|p| p.display()),
            layers: spec.layers.len(),
            compressed_bytes: spec.stats.compressed_size,
            uncompressed_bytes: spec.stats.uncompressed_size,
            packages: spec.packages.len(),
            files: spec.stats.file_count,
            os: spec
                .os_release
                .as_ref()
                .and_then(|o| o.pretty_name.clone().or_else(|| o.id.clone())),
        }
    }

    /// One line for the human report: `example/app:1 (linux/amd64): 12.3
    /// MiB in 3 layers, 42 OS packages, Debian GNU/Linux 12 (bookworm)`.
    pub fn line(&self) -> String {
        let mib = self.uncompressed_bytes as f64 / (1024.0 * 1024.0);
        let mut s = self.image.clone();
        if let Some(p) = &self.platform {
            s.push_str(&format!(" ({p})"));
        }
        s.push_str(&format!(
            ": {mib:.1} MiB in {} layer{}, {} OS package{}",
            self.layers,
            if self.layers == 1 { "" } else { "s" },
            self.packages,
            if self.packages == 1 { "" } else { "s" }
        ));
        if let Some(os) = &self.os {
            s.push_str(&format!(", {os}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::is_image;
    use stockade_core::Severity;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../stockade-image/tests/fixtures")
            .join(name)
    }

    #[test]
    fn judges_a_saved_image() {
        let path = fixture("debianlike.tar");
        assert!(is_image(&path));
        let (specs, errors) = read_images("debianlike.tar", &path, None);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].source, "debianlike.tar");
        let sum = ImageSummary::of(&specs[0]);
        assert_eq!(sum.packages, 3);
        assert_eq!(sum.layers, 1);
        assert!(
            sum.line()
                .starts_with("stockade-fixture/debianlike:1 (linux/amd64): 0.0 MiB in 1 layer, 3 OS packages, Debian GNU/Linux 12 (bookworm)"),
            "{}",
            sum.line()
        );
        let mut cx = Ctx {
            today: stockade_rules::util::date::Date::parse("2026-11-30").unwrap(),
            ..Ctx::default()
        };
        let (f, e) = scan_image(
            &SourceMap::new(),
            "debianlike.tar",
            &path,
            &Policy::default(),
            &cx,
            None,
        );
        assert!(e.is_empty() && f.is_empty(), "{f:?} {e:?}");
        cx.today = stockade_rules::util::date::Date::parse("2026-12-30").unwrap();
        let (f, _) = scan_image(
            &SourceMap::new(),
            "debianlike.tar",
            &path,
            &Policy::default(),
            &cx,
            None,
        );
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].rule, f[0].severity), ("SKD303", Severity::Low));
    }

    #[test]
    fn errors_name_the_input_as_given() {
        let (f, e) = scan_image(
            &SourceMap::new(),
            "missing.tar",
            Path::new("/nonexistent/stockade/missing.tar"),
            &Policy::default(),
            &Ctx::default(),
            None,
        );
        assert!(f.is_empty());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].path, "missing.tar");
        assert!(e[0].message.starts_with("cannot open"), "{}", e[0].message);
        // A platform the archive does not hold is an error, not silence.
        let (f, e) = scan_image(
            &SourceMap::new(),
            "debianlike.tar",
            &fixture("debianlike.tar"),
            &Policy::default(),
            &Ctx::default(),
            Some("linux/s390x"),
        );
        assert!(f.is_empty());
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(!is_image(&fixture("images.tar.gz")));
    }
}
