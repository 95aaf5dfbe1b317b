//! The normalized model every stockade source is parsed into, and the
//! vocabulary every rule reports in.
//!
//! Sources (Dockerfiles, Compose files, `docker run` lines, images, the Engine
//! API) produce [`BuildSpec`], [`ContainerSpec`] (and later `ImageSpec`,
//! `HostSpec`); the rule catalog judges them and emits [`Finding`]s; reports
//! render findings. Every value that was written somewhere carries a [`Span`]
//! into a [`SourceMap`] so a finding can point at the line that causes it.

pub mod build;
pub mod container;
pub mod finding;
pub mod host;
pub mod image;
pub mod image_ref;
pub mod shell;
pub mod span;
pub mod suppress;
pub mod value;

pub use build::*;
pub use container::*;
pub use finding::*;
pub use host::*;
pub use image::*;
pub use image_ref::ImageRef;
pub use span::*;
pub use suppress::*;
pub use value::*;
