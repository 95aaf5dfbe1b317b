//! Fixes for stockade findings, and hardening of Compose projects and
//! `docker run` lines.

mod compose;
mod dockerfile;
mod driver;
mod edit;
mod harden;
mod settings;
mod text;
mod yaml;

pub use compose::plan_compose;
pub use dockerfile::plan_dockerfile;
pub use driver::*;
pub use edit::*;
pub use harden::*;
pub use settings::FixSettings;
