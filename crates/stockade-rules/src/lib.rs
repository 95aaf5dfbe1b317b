//! The stockade rule catalog.
//!
//! One rule, one file: each file under `build/` (Dockerfiles), `container/`
//! (anything that becomes a `ContainerSpec`), `image/` and `host/` starts with
//! the rule's documentation as `//!` lines, then its [`RuleMeta`] and its
//! check. The documentation that `stockade rules ID` prints is read from the
//! same file at compile time (`include_str!`), so the two cannot drift.

pub mod build;
pub mod container;
pub mod host;
pub mod image;
mod meta;
mod policy;
mod registry;
pub mod util;

pub use meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
pub use policy::{Policy, Selector};
pub use registry::{
    CATALOG_VERSION, catalog, check_build, check_container, check_host, check_image, find_rule,
};

#[cfg(test)]
pub(crate) mod testutil;
