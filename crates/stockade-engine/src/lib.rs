//! The Docker Engine API, as stockade reads it.
//!
//! - [`spec_from_create`] / [`spec_from_inspect`]: a `POST /containers/create`
//!   body or a `GET /containers/{id}/json` document into a [`ContainerSpec`],
//!   with the daemon's decoding semantics. [`parse_create_strict`] parses a
//!   create body and refuses what the daemon would read differently from a
//!   plain JSON reader (duplicate keys, case variants of field names).
//! - [`apply_volume_info`]: named volumes whose driver options bind a host
//!   path, from `GET /volumes/{name}`.
//!
//! Nothing here panics on unexpected JSON: wrong types are errors, unknown
//! fields are ignored (as the daemon ignores them) and kept in the raw value.
//!
//! [`ContainerSpec`]: stockade_core::ContainerSpec

mod convert;
mod fold;
mod schema;
mod strict;

pub use convert::{VolumeInfo, apply_volume_info, spec_from_create, spec_from_inspect};
pub use strict::{create_unknown_fields, parse_create_strict};
