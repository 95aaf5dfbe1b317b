//! Rules that judge a Dockerfile (`BuildSpec`). Unless a rule is about the
//! build itself, it judges what will run: the final stage (or `--target`)
//! and the stages it is built `FROM`, never builder stages it only copies from.

use crate::meta::Rule;

pub mod add_url;
pub mod apt_recommends;
pub mod chmod_world_writable;
pub mod chown_after_copy;
pub mod curl_pipe_shell;
pub mod eol_base;
pub mod expose_admin_port;
pub mod expose_invalid_port;
pub mod from_latest;
pub mod from_no_digest;
pub mod package_cache;
pub mod remote_access_tools;
pub mod run_insecure;
pub mod run_network_host;
pub mod secret_arg;
pub mod secret_env_arg;
pub mod secret_env_from_arg;
pub mod secret_files_copied;
pub mod set_password;
pub mod setuid_bits;
pub mod signature_disabled;
pub mod sudo_used;
pub mod sudoers_nopasswd;
pub mod tls_disabled;
pub mod token_literal;
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
    &signature_disabled::SignatureDisabled,
    &untrusted_registry::UntrustedRegistry,
    &secret_env_arg::SecretEnvArg,
    &secret_arg::SecretArg,
    &secret_env_from_arg::SecretEnvFromArg,
    &token_literal::TokenLiteral,
    &secret_files_copied::SecretFilesCopied,
    &set_password::SetPassword,
    &remote_access_tools::RemoteAccessTools,
    &apt_recommends::AptRecommends,
    &package_cache::PackageCache,
    &expose_admin_port::ExposeAdminPort,
    &expose_invalid_port::ExposeInvalidPort,
    &eol_base::EolBase,
    &chmod_world_writable::ChmodWorldWritable,
    &setuid_bits::SetuidBits,
    &chown_after_copy::ChownAfterCopy,
    &run_insecure::RunInsecure,
    &run_network_host::RunNetworkHost,
];
