//! Typed settings, read once at start-up (from the command line and the environment) and passed
//! in the state; nothing reads the environment later.

use std::net::SocketAddr;

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
    /// The OCDS publisher and ocid prefix of exports.
    pub ocds: crate::ocds::Publication,
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
