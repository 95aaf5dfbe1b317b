//! Errors: every failure names the archive, and where known the member and
//! the layer.

use std::fmt;

/// What went wrong, coarsely (for exit codes and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageErrorKind {
    /// Reading the archive or layout failed.
    Io,
    /// The input is not an image archive or layout.
    NotAnImage,
    /// A manifest, index, config or tar header is malformed.
    Malformed,
    /// A blob or member the manifest names is not in the archive.
    MissingBlob,
    /// A reference or member name leaves the archive (`..`, absolute).
    PathEscape,
    /// A digest or diff id does not match the content.
    DigestMismatch,
    /// A size, count or decompression cap was exceeded.
    LimitExceeded,
    /// The archive or a layer stream ends early.
    Truncated,
    /// A valid but unsupported construct (media type, digest algorithm).
    Unsupported,
    /// `platform` was given and no image matches it.
    PlatformNotFound,
}

impl ImageErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageErrorKind::Io => "io",
            ImageErrorKind::NotAnImage => "not-an-image",
            ImageErrorKind::Malformed => "malformed",
            ImageErrorKind::MissingBlob => "missing-blob",
            ImageErrorKind::PathEscape => "path-escape",
            ImageErrorKind::DigestMismatch => "digest-mismatch",
            ImageErrorKind::LimitExceeded => "limit-exceeded",
            ImageErrorKind::Truncated => "truncated",
            ImageErrorKind::Unsupported => "unsupported",
            ImageErrorKind::PlatformNotFound => "platform-not-found",
        }
    }
}

/// An error reading one image (or the whole archive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageError {
    pub kind: ImageErrorKind,
    /// The archive or layout path as given.
    pub archive: String,
    /// The image, when known (tag or config digest).
    pub image: Option<String>,
    /// The archive member (or blob path) involved.
    pub member: Option<String>,
    /// The layer involved (diff id or digest), when known.
    pub layer: Option<String>,
    pub message: String,
}

impl ImageError {
    pub(crate) fn new(kind: ImageErrorKind, archive: &str, message: impl Into<String>) -> Self {
        ImageError {
            kind,
            archive: archive.to_string(),
            image: None,
            member: None,
            layer: None,
            message: message.into(),
        }
    }

    pub(crate) fn image(mut self, i: impl Into<String>) -> Self {
        if self.image.is_none() {
            self.image = Some(i.into());
        }
        self
    }

    /// Converts to the core's input-error shape.
    pub fn to_input_error(&self) -> stockade_core::InputError {
        stockade_core::InputError::new(self.archive.clone(), None, self.to_string())
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.archive)?;
        if let Some(i) = &self.image {
            write!(f, " (image {i})")?;
        }
        if let Some(l) = &self.layer {
            write!(f, " layer {l}")?;
        }
        if let Some(m) = &self.member {
            write!(f, " member `{m}`")?;
        }
        write!(f, ": {} [{}]", self.message, self.kind.as_str())
    }
}

impl std::error::Error for ImageError {}

/// Internal error before the archive/member context is attached.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub kind: ImageErrorKind,
    pub message: String,
    pub member: Option<String>,
    pub layer: Option<String>,
}

impl Raw {
    pub fn new(kind: ImageErrorKind, message: impl Into<String>) -> Self {
        Raw {
            kind,
            message: message.into(),
            member: None,
            layer: None,
        }
    }

    pub fn at(mut self, member: impl Into<String>) -> Self {
        if self.member.is_none() {
            self.member = Some(member.into());
        }
        self
    }

    pub fn into_error(self, archive: &str) -> ImageError {
        let mut e = ImageError::new(self.kind, archive, self.message);
        e.member = self.member;
        e.layer = self.layer;
        e
    }
}

/// Maps an IO error from a reader chain to a kind: our own limit and
/// digest errors travel inside `io::Error` as [`Raw`]-like markers.
pub(crate) fn classify_io(e: &std::io::Error) -> ImageErrorKind {
    if let Some(inner) = e.get_ref()
        && let Some(k) = inner.downcast_ref::<KindMarker>()
    {
        return k.0;
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => ImageErrorKind::Truncated,
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput => {
            ImageErrorKind::Malformed
        }
        _ => {
            let s = e.to_string();
            if s.contains("unexpected EOF") || s.contains("failed to fill whole buffer") {
                ImageErrorKind::Truncated
            } else {
                ImageErrorKind::Io
            }
        }
    }
}

/// Carries an [`ImageErrorKind`] through `io::Error`.
#[derive(Debug)]
pub(crate) struct KindMarker(pub ImageErrorKind, pub String);

impl fmt::Display for KindMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.1)
    }
}

impl std::error::Error for KindMarker {}

pub(crate) fn io_marker(kind: ImageErrorKind, msg: impl Into<String>) -> std::io::Error {
    std::io::Error::other(KindMarker(kind, msg.into()))
}

pub(crate) fn raw_from_io(e: &std::io::Error) -> Raw {
    Raw::new(classify_io(e), e.to_string())
}
