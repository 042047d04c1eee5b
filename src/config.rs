//! Typed settings, read once at start-up (from the command line and the environment) and passed
//! in the state; nothing reads the environment later.

use std::net::SocketAddr;
use std::time::Duration;

/// The embedded default: a SQLite file in the working directory, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://bidtrack.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Import files above this are refused (413).
pub const DEFAULT_IMPORT_LIMIT: usize = 50 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: SocketAddr,
    /// Mark cookies `Secure`: set when browsers reach bidtrack over HTTPS (behind a proxy).
    pub cookie_secure: bool,
    /// Largest import file accepted, in bytes.
    pub import_limit_bytes: usize,
    /// How many rows, columns and decompressed bytes an import file may have.
    pub import_bounds: crate::import::Bounds,
    /// The OCDS publisher and ocid prefix of exports.
    pub ocds: crate::ocds::Publication,
    pub limits: Limits,
    /// When set, `/metrics` answers only requests that carry `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
}

/// How much one instance takes on (`bidtrack serve --help` names the settings).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Counted from the end of the request's body (a slow upload is not slow work): a request
    /// whose response has not started by then gets 503 `timeout`; its work is dropped, and with
    /// it any open transaction (rolled back). Streamed exports count until their first bytes.
    pub request_timeout: Duration,
    /// How long a client may take to send its request body (an import file over a slow link);
    /// past it the request gets 408 `upload_timeout` and the connection is closed.
    pub upload_timeout: Duration,
    /// Requests handled at once; the next one gets 503 `overloaded` at once rather than
    /// waiting in a queue nobody can see.
    pub max_concurrent_requests: usize,
    /// Password checks (Argon2, tens of milliseconds of CPU and 19 MiB each) running at once, on
    /// blocking threads; a login beyond it gets 429 `login_busy` at once, so a flood of logins
    /// (no account needed) costs a bounded amount of CPU and memory instead of a queue.
    pub max_concurrent_password_checks: usize,
    /// After SIGTERM (or Ctrl-C), how long requests in flight get to finish.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
            upload_timeout: Duration::from_secs(DEFAULT_UPLOAD_TIMEOUT_SECS),
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_concurrent_password_checks: default_password_checks(),
            shutdown_timeout: Duration::from_secs(DEFAULT_SHUTDOWN_TIMEOUT_SECS),
        }
    }
}

pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 60;
/// A 50 MB import file at 2 Mbit/s, a slow district uplink, takes about 200 s.
pub const DEFAULT_UPLOAD_TIMEOUT_SECS: u64 = 600;
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 512;
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 30;

/// Twice the CPUs: a few people signing in at the same moment are not refused, while a flood
/// of logins holds at most this many hashes (19 MiB each) and shares the cores with the request
/// workers instead of running on them.
pub fn default_password_checks() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

impl Settings {
    /// The database URL with any password replaced, for logs.
    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact("postgres://bid:s3cret@db:5432/bidtrack"),
            "postgres://bid:***@db:5432/bidtrack"
        );
        assert_eq!(
            redact("postgres://bid@db/bidtrack"),
            "postgres://bid@db/bidtrack"
        );
        assert_eq!(
            redact("sqlite://bidtrack.db?mode=rwc"),
            "sqlite://bidtrack.db?mode=rwc"
        );
    }
}
