//! The `bidtrack` binary: parse the command line, set up logging, run, and turn any error into
//! one line on stderr with a non-zero exit code.

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match bidtrack::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version are not errors; clap prints them as it should.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprintln!("{}", bidtrack::cli::one_line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    // sqlx logs every statement at info: the default keeps it at warn unless RUST_LOG asks.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(cli.default_log_filter()));
    // One JSON object per line for log collectors (BIDTRACK_LOG_FORMAT=json); each carries the
    // request's span, and with it the request id.
    match std::env::var("BIDTRACK_LOG_FORMAT").as_deref() {
        Ok("json") => tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        Ok("text") | Err(_) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .init(),
        Ok(other) => {
            eprintln!("error: BIDTRACK_LOG_FORMAT must be text or json, not {other:?}");
            return ExitCode::from(2);
        }
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bidtrack::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the whole cause chain on one line.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
