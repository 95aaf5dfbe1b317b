//! The Docker Engine API, as stockade reads it.
//!
//! - [`spec_from_create`] / [`spec_from_inspect`]: a `POST /containers/create`
//!   body or a `GET /containers/{id}/json` document into a [`ContainerSpec`],
//!   with the daemon's decoding semantics.
//! - [`strict`]: strict decoding of the request bodies a policy judges
//!   (container create, exec, update, volumes, networks):
//!   [`parse_create_strict`] and [`strict::parse_strict`] refuse what the
//!   daemon would read differently from a plain JSON reader (duplicate
//!   keys, case variants of field names, non-ASCII field names), the latter
//!   also fields it does not know.
//! - [`apply_volume_info`]: named volumes whose driver options bind a host
//!   path, from `GET /volumes/{name}`.
//!
//! - [`Client`] / [`BlockingClient`]: the Engine API over a unix socket, TCP
//!   or TLS, reached the way the docker CLI does ([`resolve`]), with API
//!   version negotiation, timeouts and bounded answers; typed models of the
//!   answers stockade reads ([`models`]), raw JSON kept beside them.
//! - [`host_spec`]: the daemon (and, when local, the host) as a [`HostSpec`].
//!
//! Nothing here panics on unexpected JSON: wrong types are errors, unknown
//! fields are ignored (as the daemon ignores them) and kept in the raw value.
//!
//! [`ContainerSpec`]: stockade_core::ContainerSpec
//! [`HostSpec`]: stockade_core::HostSpec

mod client;
mod convert;
mod endpoint;
mod error;
mod fold;
mod hostfacts;
pub mod models;
mod schema;
pub mod strict;

pub use client::{
    BlockingClient, BlockingStream, ByteStream, Client, ClientOptions, MAX_API, MIN_API,
    parse_api_version,
};
pub use endpoint::{
    DEFAULT_SOCKET, Endpoint, Resolved, TlsFiles, context_dir_name, parse_host, resolve,
    resolve_with,
};
pub use error::EngineError;
pub use hostfacts::{
    current_caller, daemon_facts, host_spec, local_host_facts, parse_daemon_json, transport_of,
};

pub use convert::{VolumeInfo, apply_volume_info, spec_from_create, spec_from_inspect};
pub use strict::{create_unknown_fields, parse_create_strict};
