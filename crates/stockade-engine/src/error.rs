//! Errors of the Engine API client, worded for the person running stockade.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// `DOCKER_HOST`, `--host`, a context or TLS files are unusable.
    Config(String),
    /// Nothing answers at the endpoint (no socket file, connection refused,
    /// DNS failure).
    Unreachable { endpoint: String, detail: String },
    /// The socket exists but the caller may not open it.
    PermissionDenied { endpoint: String, detail: String },
    /// No answer within the timeout.
    Timeout {
        endpoint: String,
        what: String,
        secs: u64,
    },
    /// The TLS handshake failed (certificate, key, CA, protocol).
    Tls { endpoint: String, detail: String },
    /// The daemon's API is older than stockade can read.
    ApiTooOld { server: String, minimum: String },
    /// The daemon answered with an error status.
    Http {
        status: u16,
        path: String,
        message: String,
    },
    /// The daemon answered, but not with what the API promises (malformed
    /// or oversized JSON, a broken connection mid-answer).
    BadResponse { path: String, detail: String },
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Config(m) => write!(f, "{m}"),
            EngineError::Unreachable { endpoint, detail } => write!(
                f,
                "cannot connect to the Docker daemon at {endpoint}: {detail} (is the daemon running? set DOCKER_HOST or --host to reach another one)"
            ),
            EngineError::PermissionDenied { endpoint, detail } => write!(
                f,
                "permission denied on the Docker socket {endpoint}: {detail} (run as a user who may use the daemon; note that membership of the `docker` group is root-equivalent)"
            ),
            EngineError::Timeout {
                endpoint,
                what,
                secs,
            } => write!(
                f,
                "the Docker daemon at {endpoint} did not answer {what} within {secs}s"
            ),
            EngineError::Tls { endpoint, detail } => {
                write!(
                    f,
                    "TLS connection to the Docker daemon at {endpoint} failed: {detail}"
                )
            }
            EngineError::ApiTooOld { server, minimum } => write!(
                f,
                "the Docker daemon speaks Engine API {server}, older than the {minimum} stockade needs (Docker 1.12 or later)"
            ),
            EngineError::Http {
                status,
                path,
                message,
            } => write!(
                f,
                "the Docker daemon answered {status} to {path}: {message}"
            ),
            EngineError::BadResponse { path, detail } => {
                write!(
                    f,
                    "unexpected answer from the Docker daemon to {path}: {detail}"
                )
            }
        }
    }
}

impl std::error::Error for EngineError {}

impl EngineError {
    /// The daemon could not be reached at all (as opposed to a bad answer).
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            EngineError::Unreachable { .. }
                | EngineError::PermissionDenied { .. }
                | EngineError::Tls { .. }
                | EngineError::Timeout { .. }
        )
    }
}
