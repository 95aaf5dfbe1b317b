//! Rules that judge a Dockerfile (`BuildSpec`). Unless a rule is about the
//! build itself, it judges what will run: the final stage (or `--target`)
//! and the stages it is built `FROM`, never builder stages it only copies from.

use crate::meta::Rule;

pub mod add_url;
pub mod curl_pipe_shell;
pub mod from_latest;
pub mod from_no_digest;
pub mod sudo_used;
pub mod sudoers_nopasswd;
pub mod tls_disabled;
pub mod untrusted_registry;
pub mod user_missing;
pub mod user_root;

pub static RULES: &[&'static dyn Rule] = &[
    &user_root::UserRoot,
    &user_missing::UserMissing,
    &sudoers_nopasswd::SudoersNopasswd,
    &sudo_used::SudoUsed,
    &from_latest::FromLatest,
    &from_no_digest::FromNoDigest,
    &add_url::AddUrl,
    &curl_pipe_shell::CurlPipeShell,
    &tls_disabled::TlsDisabled,
    &untrusted_registry::UntrustedRegistry,
];
