//! The settings a command runs with: the global options, `serve`'s arguments (or, with no
//! command, the environment's), and the defaults.

use super::args::{Cli, Command, ServeArgs, one_line};
use crate::config::{DEFAULT_BIND, Limits, Settings};
use anyhow::Context;
use clap::Parser;
use std::net::SocketAddr;
use std::time::Duration;

impl ServeArgs {
    /// The settings of `bidtrack` run without a command: defaults and the environment.
    pub(super) fn from_env() -> anyhow::Result<Self> {
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            args: ServeArgs,
        }
        Ok(Defaults::try_parse_from(["bidtrack"])
            .map_err(|e| anyhow::anyhow!(one_line(&e.to_string())))?
            .args)
    }

    fn limits(&self) -> Limits {
        Limits {
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            upload_timeout: Duration::from_secs(self.upload_timeout_secs.max(1)),
            max_concurrent_requests: self.max_concurrent_requests.max(1),
            max_concurrent_password_checks: self
                .max_concurrent_password_checks
                .map_or_else(crate::config::default_password_checks, |n| n.max(1)),
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
        }
    }
}

/// What `command` runs with: the global options, and `serve`'s arguments (every other command
/// gets the server's defaults).
pub(super) fn settings(cli: Cli, command: &Command) -> anyhow::Result<Settings> {
    let serve_args = match command {
        Command::Serve(args) => Some(args.clone()),
        _ => None,
    };
    Ok(Settings {
        database_url: cli.database_url,
        bind: match &serve_args {
            Some(args) => args.bind,
            None => default_bind()?,
        },
        cookie_secure: serve_args.as_ref().is_some_and(|a| a.cookie_secure),
        import_limit_bytes: serve_args
            .as_ref()
            .map_or(crate::config::DEFAULT_IMPORT_LIMIT, |a| {
                a.import_limit_mb.saturating_mul(1024 * 1024)
            }),
        limits: serve_args
            .as_ref()
            .map_or_else(Limits::default, ServeArgs::limits),
        metrics_token: serve_args
            .as_ref()
            .and_then(|a| a.metrics_token.clone())
            .filter(|t| !t.is_empty()),
        import_bounds: crate::import::Bounds {
            rows: cli.import_max_rows,
            columns: cli.import_max_columns,
            unzipped_bytes: cli.import_max_unzipped_mb.saturating_mul(1024 * 1024),
            ..Default::default()
        },
        ocds: crate::ocds::Publication {
            ocid_prefix: cli.ocid_prefix,
            publisher: cli.ocds_publisher,
        },
    })
}

fn default_bind() -> anyhow::Result<SocketAddr> {
    DEFAULT_BIND.parse().context("invalid default bind address")
}
