//! What the command line accepts: the global options, the commands and their arguments.

use crate::config::{
    DEFAULT_BIND, DEFAULT_DATABASE_URL, DEFAULT_MAX_CONCURRENT_REQUESTS,
    DEFAULT_REQUEST_TIMEOUT_SECS, DEFAULT_SHUTDOWN_TIMEOUT_SECS, DEFAULT_UPLOAD_TIMEOUT_SECS,
};
use crate::domain::compliance::View;
use crate::reports::Format;
use crate::reports::summary::MoneyUnit;
use clap::{Parser, Subcommand};
use entity::Role;
use std::net::SocketAddr;

#[derive(Debug, Parser)]
#[command(
    name = "bidtrack",
    version,
    about = "Theo dõi gói thầu và chỉ tiêu lựa chọn nhà thầu qua mạng"
)]
pub struct Cli {
    /// Database: `sqlite://FILE?mode=rwc` (embedded, the default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    /// The OCDS ocid prefix of exports: `ocds-` and six lowercase letters or digits, registered
    /// for you by the Open Contracting Partnership. The default is a placeholder: replace it
    /// before publishing.
    #[arg(
        long,
        env = "BIDTRACK_OCID_PREFIX",
        default_value = crate::ocds::PLACEHOLDER_OCID_PREFIX,
        global = true
    )]
    pub ocid_prefix: crate::ocds::OcidPrefix,
    /// The OCDS publisher name of exports.
    #[arg(
        long,
        env = "BIDTRACK_OCDS_PUBLISHER",
        default_value = "bidtrack",
        global = true
    )]
    pub ocds_publisher: String,
    /// Data rows an import file may have (the server and `bidtrack import`).
    #[arg(long, env = "BIDTRACK_IMPORT_MAX_ROWS", default_value_t = crate::import::DEFAULT_MAX_ROWS, global = true)]
    pub import_max_rows: usize,
    /// Columns holding values an import file may have.
    #[arg(long, env = "BIDTRACK_IMPORT_MAX_COLUMNS", default_value_t = crate::import::DEFAULT_MAX_COLUMNS, global = true)]
    pub import_max_columns: usize,
    /// Megabytes an XLSX import may decompress to.
    #[arg(long, env = "BIDTRACK_IMPORT_MAX_UNZIPPED_MB", default_value_t = crate::import::DEFAULT_MAX_UNZIPPED_MB, global = true)]
    pub import_max_unzipped_mb: u64,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `bidtrack serve`'s settings; with no command at all they come from the environment alone.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BIDTRACK_BIND", default_value = DEFAULT_BIND)]
    pub bind: SocketAddr,
    /// Mark session cookies Secure (set when users reach bidtrack over HTTPS).
    #[arg(long, env = "BIDTRACK_COOKIE_SECURE")]
    pub cookie_secure: bool,
    /// Largest import file accepted, in megabytes.
    #[arg(long, env = "BIDTRACK_IMPORT_LIMIT_MB", default_value_t = 50)]
    pub import_limit_mb: usize,
    /// Seconds a request may take, once its body has arrived, before it is abandoned with 503
    /// `timeout`.
    #[arg(long, env = "BIDTRACK_REQUEST_TIMEOUT_SECS", default_value_t = DEFAULT_REQUEST_TIMEOUT_SECS)]
    pub request_timeout_secs: u64,
    /// Seconds a client may take to send a request body (an import file) before it gets 408
    /// `upload_timeout`.
    #[arg(long, env = "BIDTRACK_UPLOAD_TIMEOUT_SECS", default_value_t = DEFAULT_UPLOAD_TIMEOUT_SECS)]
    pub upload_timeout_secs: u64,
    /// Requests handled at once; more are answered 503 `overloaded` straight away.
    #[arg(long, env = "BIDTRACK_MAX_CONCURRENT_REQUESTS", default_value_t = DEFAULT_MAX_CONCURRENT_REQUESTS)]
    pub max_concurrent_requests: usize,
    /// Password checks (logins) running at once; more are answered 429 `login_busy` straight
    /// away. Default: twice the number of CPUs.
    #[arg(long, env = "BIDTRACK_MAX_CONCURRENT_PASSWORD_CHECKS")]
    pub max_concurrent_password_checks: Option<usize>,
    /// A secret the metrics scraper sends as `Authorization: Bearer …`; without it `/metrics` is
    /// open to whoever reaches the port.
    #[arg(long, env = "BIDTRACK_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Seconds requests in flight get to finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "BIDTRACK_SHUTDOWN_TIMEOUT_SECS", default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECS)]
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service (the default).
    Serve(ServeArgs),
    /// Import packages from a CSV or XLSX file: every row or none.
    Import {
        file: std::path::PathBuf,
        /// Check every row and report what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The unit (code) of every row without a unit code; when the file names the investor
        /// ("Chủ đầu tư"), its name is looked up in this unit's subtree.
        #[arg(long)]
        unit: Option<String>,
        /// The plan year of rows without one (a file with no plan year column); else the year
        /// of each row's notice posting date.
        #[arg(long, value_parser = clap::value_parser!(i32).range(2000..=2100))]
        year: Option<i32>,
    },
    /// Load a unit structure from a CSV or XLSX file (code, name, kind, parent code, validity
    /// dates, successor codes): every row or none; importing the same file again changes nothing.
    ImportUnits {
        file: std::path::PathBuf,
        /// Check every row and report what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Copy the SQLite database into FILE (a new file), safely while the server runs.
    Backup { file: std::path::PathBuf },
    /// Put a backup in place of the SQLite database. Stop every server using it first; the
    /// database it replaces is kept beside it (`….before-restore-TIME`).
    Restore { file: std::path::PathBuf },
    /// Load the demo dataset (Hà Nội, 2019). Running it again changes nothing.
    Demo,
    /// Print a unit's compliance with the online-selection target for a year.
    Check {
        /// Unit code, e.g. HN-HADONG.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        year: i32,
        /// Count packages by plan year (`plan`) or by the year of their result (`result`).
        #[arg(long, default_value = "plan")]
        view: View,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Report stored data that breaks the rules writes now enforce, changing nothing: packages
    /// whose unit was not valid at their dates, successions inconsistent with unit dates,
    /// packages holding two versions of one notice code. Exit status 1 when anything is
    /// reported.
    CheckData,
    /// Fill an empty database with a large deterministic dataset (benchmarks, load tests).
    Gen {
        /// Number of packages.
        #[arg(long, default_value_t = 1_000_000)]
        packages: u64,
        /// Number of units: one province, districts with two agencies each, and communes.
        #[arg(long, default_value_t = 600)]
        units: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write a report file: compliance, annual summary, the official annual report or package
    /// list.
    Report {
        #[arg(value_enum)]
        report: ReportKind,
        /// Unit code; its whole subtree is reported.
        #[arg(long)]
        unit: String,
        /// The year (for the package list: the plan year; omit for every year).
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, default_value = "plan")]
        view: View,
        /// Compliance report: levels of the tree below the unit to list.
        #[arg(long, default_value_t = 1)]
        depth: u32,
        /// Annual summary: amounts in `dong` or `million`.
        #[arg(long, default_value = "dong")]
        money: MoneyUnit,
        /// Annual report: `year` (results up to 31 December) or `half` (up to 30 June).
        #[arg(long, default_value = "year")]
        period: crate::reports::annual::Period,
        /// json, csv, xlsx or html.
        #[arg(long, default_value = "xlsx")]
        format: Format,
        /// Output file (default: the report's own name in the current directory; `-` for stdout).
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
    /// Import an OCDS 1.1 release package: every release's package or none.
    ImportOcds {
        file: std::path::PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the packages of a unit's subtree (and a plan year) as an OCDS 1.1 release package.
    ExportOcds {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        year: Option<i32>,
        /// Output file (`-` or none: stdout).
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add a user. The password comes from BIDTRACK_PASSWORD, else stdin (asked for on a
    /// terminal, without echo).
    Add {
        username: String,
        /// admin, officer, finance or viewer.
        #[arg(long)]
        role: Role,
        /// The unit (code) whose subtree an officer writes; required for officers.
        #[arg(long)]
        unit: Option<String>,
        /// Display name (default: the username).
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a user's password (same sources as `add`); their sessions and tokens end.
    Passwd { username: String },
    /// Stop a user from signing in; their sessions and tokens end now.
    Disable { username: String },
    /// List users.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create a personal API token for a user and print it (it is shown only once).
    Create {
        #[arg(long)]
        user: String,
        /// What the token is for.
        #[arg(long, default_value = "command line")]
        name: String,
        /// Days until it expires (default: never).
        #[arg(long)]
        days: Option<u32>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReportKind {
    Compliance,
    Summary,
    /// The official report on contractor selection (Biểu 1 and 2, reconciliation, targets).
    Annual,
    Packages,
}

impl Cli {
    /// The default log filter: the server reports its start-up (migrations included); one-shot
    /// commands print only their result, and warnings.
    pub fn default_log_filter(&self) -> &'static str {
        match self.command {
            None | Some(Command::Serve(_)) => "info,sqlx=warn",
            Some(_) => "warn",
        }
    }
}

/// A clap error on one line: its first paragraph (what is wrong), without the usage block.
pub fn one_line(clap_error: &str) -> String {
    clap_error
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
