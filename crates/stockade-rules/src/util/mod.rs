//! Facts shared by several rules. Everything here is source-agnostic: the
//! container, image and host rules reuse it.

pub mod commands;
pub mod context;
pub mod date;
pub mod dockerignore;
pub mod eol;
pub mod history;
pub mod remote_exec;
pub mod remote_source;
pub mod secrets;
pub mod stages;
pub mod text;
pub mod tls;
