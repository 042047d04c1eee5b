//! The command line: `serve` (default), `migrate`, `demo`, `check`. Every failure reaches the
//! user as one line on stderr and a non-zero exit code, never a panic.

use crate::config::{
    DEFAULT_BIND, DEFAULT_DATABASE_URL, DEFAULT_MAX_CONCURRENT_REQUESTS,
    DEFAULT_REQUEST_TIMEOUT_SECS, DEFAULT_SHUTDOWN_TIMEOUT_SECS, DEFAULT_UPLOAD_TIMEOUT_SECS,
    Limits, Settings,
};
use crate::domain::compliance::{Percent, View};
use crate::domain::money::format_vnd;
use crate::reports::summary::MoneyUnit;
use crate::reports::{self, Format};
use crate::services::compliance::{Compliance, Figures, RuleRef};
use crate::{AppState, db, services};
use anyhow::Context;
use clap::{Parser, Subcommand};
use entity::Role;
use std::net::SocketAddr;
use std::time::Duration;

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

impl ServeArgs {
    /// The settings of `bidtrack` run without a command: defaults and the environment.
    fn from_env() -> anyhow::Result<Self> {
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
        /// Every row belongs to this unit (code); the file then needs no unit column.
        #[arg(long)]
        unit: Option<String>,
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
    /// Write a report file: compliance, annual summary or package list.
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

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let database_url = cli.database_url;
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(ServeArgs::from_env()?),
    };
    // A restore replaces the database file: it must not be opened (nor migrated) first.
    if let Command::Restore { file } = &command {
        let (copy, aside) = db::backup::restore(&database_url, file).await?;
        println!(
            "restored {} ({} bytes, {} packages) from {}",
            copy.path.display(),
            copy.bytes,
            copy.packages,
            file.display()
        );
        if let Some(aside) = aside {
            println!("the database it replaced is kept as {}", aside.display());
        }
        println!("the next start applies any migration the backup lacks");
        return Ok(());
    }
    let serve_args = match &command {
        Command::Serve(args) => Some(args.clone()),
        _ => None,
    };
    let settings = Settings {
        database_url,
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
    };
    if settings.ocds.ocid_prefix.is_placeholder()
        && matches!(command, Command::Serve(_) | Command::ExportOcds { .. })
    {
        tracing::warn!(
            prefix = %settings.ocds.ocid_prefix,
            "OCDS exports carry the placeholder ocid prefix: set BIDTRACK_OCID_PREFIX to the \
             prefix the Open Contracting Partnership registered for you before publishing them"
        );
    }
    let conn = db::connect(&settings.database_url).await.with_context(|| {
        format!(
            "cannot open the database {}",
            settings.redacted_database_url()
        )
    })?;
    db::migrate(&conn)
        .await
        .context("cannot apply the database migrations")?;

    match command {
        Command::Serve(_) => serve(AppState::new(conn, settings)).await,
        Command::Backup { file } => {
            let copy = db::backup::backup(&conn, &file).await?;
            println!(
                "backup written to {} ({} bytes, {} packages, integrity ok)",
                copy.path.display(),
                copy.bytes,
                copy.packages
            );
            Ok(())
        }
        Command::Restore { .. } => anyhow::bail!("restore runs before the database is opened"),
        Command::Migrate => {
            println!("migrations applied to {}", settings.redacted_database_url());
            Ok(())
        }
        Command::User { action } => users(&conn, action).await,
        Command::ImportOcds { file, dry_run } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let report = services::ocds::import(
                &conn,
                &services::accounts::Actor::system(),
                bytes,
                settings.import_bounds,
                services::imports::ImportOptions {
                    dry_run,
                    unit: None,
                },
            )
            .await?;
            print_import(&report, dry_run)
        }
        Command::ExportOcds { unit, year, output } => {
            let u = db::units::find_by_code(&conn, &unit)
                .await?
                .with_context(|| format!("no unit {unit}"))?;
            let filter = services::packages::PackageFilter {
                unit_id: Some(u.id),
                plan_year: year,
                ..Default::default()
            };
            let uri = format!(
                "urn:bidtrack:ocds:{unit}{}",
                year.map(|y| format!(":{y}")).unwrap_or_default()
            );
            let export = services::ocds::open(&conn, settings.ocds.clone(), filter).await?;
            let text = export.collect(&conn, &uri).await?;
            match output.filter(|p| p.as_os_str() != "-") {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => println!("{text}"),
            }
            Ok(())
        }
        Command::Import {
            file,
            dry_run,
            unit,
        } => import(&conn, &file, dry_run, unit, &settings.import_bounds).await,
        Command::Token {
            action: TokenAction::Create { user, name, days },
        } => {
            let u = services::accounts::find_user(&conn, &user)
                .await?
                .with_context(|| format!("no user {user}"))?;
            anyhow::ensure!(u.active, "user {user} is disabled");
            let expires = days.map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d)));
            let (secret, _) = services::accounts::issue_token(
                &conn,
                u.id,
                entity::TokenKind::Personal,
                &name,
                expires,
            )
            .await?;
            println!("{secret}");
            Ok(())
        }
        Command::Demo => {
            let s = services::demo::load(&conn).await?;
            println!(
                "demo data: {} units created ({} already there), {} packages created ({} already there)",
                s.units_created, s.units_existing, s.packages_created, s.packages_existing
            );
            println!(
                "try: bidtrack check --unit {} --year {}",
                services::demo::HA_DONG,
                services::demo::YEAR
            );
            Ok(())
        }
        Command::Gen {
            packages,
            units,
            seed,
        } => {
            let started = std::time::Instant::now();
            let g = services::generate::generate(
                &conn,
                services::generate::Spec {
                    packages,
                    units,
                    seed,
                },
            )
            .await?;
            println!(
                "generated {} units and {} packages in {:.1} s (seed {seed})",
                g.units,
                g.packages,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Report {
            report,
            unit,
            year,
            view,
            depth,
            money,
            format,
            output,
        } => {
            let found = db::units::find_by_code(&conn, &unit)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no unit with code `{unit}`"))?;
            let now = chrono::Utc::now();
            let need_year =
                || year.ok_or_else(|| anyhow::anyhow!("--year is required for this report"));
            let (table, chart) = match report {
                ReportKind::Compliance => {
                    let c =
                        services::compliance::compute(&conn, found.id, need_year()?, view).await?;
                    let parts = reports::compliance::parts(&c, depth, now);
                    let chart = reports::html::Chart::compliance(&c);
                    let rendered = reports::render_parts(&parts, format, chart.as_ref(), None)?;
                    return write_rendered(&rendered, output);
                }
                ReportKind::Summary => (
                    reports::summary::build(&conn, found.id, need_year()?, view, money, now)
                        .await?,
                    None,
                ),
                ReportKind::Packages => {
                    let filter = services::packages::PackageFilter {
                        unit_id: Some(found.id),
                        plan_year: year,
                        ..Default::default()
                    };
                    let report = reports::packages::open(&conn, filter, now).await?;
                    if matches!(format, Format::Csv | Format::Xlsx) {
                        return write_package_list(&conn, report, format, output).await;
                    }
                    (report.collect(&conn).await?, None)
                }
            };
            let rendered = reports::render(&table, format, chart.as_ref())?;
            write_rendered(&rendered, output)
        }
        Command::Check {
            unit,
            year,
            view,
            json,
        } => {
            let found = db::units::find_by_code(&conn, &unit)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no unit with code `{unit}`"))?;
            let report = services::compliance::check(&conn, found.id, year, view).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", render(&report));
            }
            Ok(())
        }
    }
}

/// Writes a report to `output` (`-`: stdout), or to its own file name in the current directory.
fn write_rendered(
    rendered: &reports::Rendered,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    match output {
        Some(path) if path.as_os_str() == "-" => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&rendered.bytes)
                .context("cannot write to stdout")?;
        }
        other => {
            let path = other.unwrap_or_else(|| rendered.file_name.clone().into());
            std::fs::write(&path, &rendered.bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("{} ({} bytes)", path.display(), rendered.bytes.len());
        }
    }
    Ok(())
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

/// Streams a package list to a file (or stdout) chunk by chunk: memory stays flat.
async fn write_package_list(
    conn: &sea_orm::DatabaseConnection,
    mut report: reports::packages::PackageReport,
    format: Format,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let path = output
        .unwrap_or_else(|| format!("{}.{}", report.head.file_stem, format.extension()).into());
    let mut out: Box<dyn Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::io::BufWriter::new(
            std::fs::File::create(&path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ))
    };
    let mut count = 0;
    if format == Format::Csv {
        out.write_all(&reports::csv::header(&report.head)?)?;
        while let Some(rows) = report.next_rows(conn).await? {
            count += rows.len();
            out.write_all(&reports::csv::rows(&rows)?)?;
        }
    } else {
        let mut xlsx = reports::xlsx::Stream::begin(&report.head)?;
        while let Some(rows) = report.next_rows(conn).await? {
            count += rows.len();
            xlsx.push(&rows)?;
        }
        out.write_all(&xlsx.finish()?)?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    if path.as_os_str() != "-" {
        println!("{} ({count} packages)", path.display());
    }
    Ok(())
}

async fn import(
    conn: &sea_orm::DatabaseConnection,
    file: &std::path::Path,
    dry_run: bool,
    unit: Option<String>,
    bounds: &crate::import::Bounds,
) -> anyhow::Result<()> {
    use services::imports;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let sheet = imports::read_file(&bytes, bounds)?;
    let bar = indicatif::ProgressBar::new(sheet.rows.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} dòng ({per_sec})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let report = imports::import_packages(
        conn,
        &services::accounts::Actor::system(),
        sheet,
        imports::ImportOptions { dry_run, unit },
        &|n| bar.set_position(n as u64),
    )
    .await;
    bar.finish_and_clear();
    let report = report?;
    for column in &report.ignored_columns {
        eprintln!("warning: column «{column}» is not a bidtrack column; ignored");
    }
    print_import(&report, dry_run)?;
    eprintln!("({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

/// The errors of an import, one per line, and its summary.
fn print_import(report: &services::imports::ImportReport, dry_run: bool) -> anyhow::Result<()> {
    for e in &report.errors {
        println!("dòng {}\t{}\t«{}»\t{}", e.row, e.column, e.value, e.message);
    }
    anyhow::ensure!(
        report.errors.is_empty(),
        "{} errors in {} rows: nothing was imported",
        report.errors.len(),
        report.rows
    );
    println!(
        "{}{} rows: {} created, {} updated, {} unchanged, 0 errors",
        if dry_run {
            "dry run, nothing written: "
        } else {
            ""
        },
        report.rows,
        report.created,
        report.updated,
        report.unchanged,
    );
    Ok(())
}

/// A password from BIDTRACK_PASSWORD, a pipe, or the terminal without echo.
fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if let Ok(p) = std::env::var("BIDTRACK_PASSWORD") {
        return Ok(p);
    }
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Mật khẩu: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Ok(password)
}

async fn users(conn: &sea_orm::DatabaseConnection, action: UserAction) -> anyhow::Result<()> {
    use services::accounts::{self, Actor, NewUser};
    let system = Actor::system();
    match action {
        UserAction::Add {
            username,
            role,
            unit,
            name,
        } => {
            let unit_id = match unit {
                Some(code) => Some(
                    db::units::find_by_code(conn, &code)
                        .await?
                        .with_context(|| format!("no unit {code}"))?
                        .id,
                ),
                None => None,
            };
            let password = read_password()?;
            let u = accounts::create_user(
                conn,
                &system,
                NewUser {
                    display_name: name.unwrap_or_else(|| username.clone()),
                    username,
                    password,
                    role,
                    unit_id,
                },
            )
            .await?;
            println!("user {} added ({})", u.username, u.role.label_vi());
        }
        UserAction::Passwd { username } => {
            let password = read_password()?;
            accounts::set_password(conn, &system, &username, &password).await?;
            println!("password of {username} changed; their sessions and tokens ended");
        }
        UserAction::Disable { username } => {
            accounts::disable_user(conn, &system, &username).await?;
            println!("user {username} disabled; their sessions and tokens ended");
        }
        UserAction::List => {
            for u in accounts::list_users(conn).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.username,
                    u.role,
                    if u.active { "active" } else { "disabled" },
                    u.display_name
                );
            }
        }
    }
    Ok(())
}

fn default_bind() -> anyhow::Result<SocketAddr> {
    DEFAULT_BIND.parse().context("invalid default bind address")
}

async fn serve(state: AppState) -> anyhow::Result<()> {
    first_admin(&state.db).await?;
    let bind = state.settings.bind;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(
        address = %listener.local_addr()?,
        database = %state.settings.redacted_database_url(),
        "bidtrack listening"
    );
    let db = state.db.clone();
    let grace = state.settings.limits.shutdown_timeout;
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, crate::app(state)).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping_tx.send(true);
    });
    // Once the signal came, requests in flight get `grace` to finish; the listener is already
    // closed, so no new one starts meanwhile.
    let deadline = async move {
        let mut stopping = stopping;
        if stopping.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    let outcome = tokio::select! {
        result = server => result.context("server error"),
        () = deadline => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period: stopping anyway");
            Ok(())
        }
    };
    // Closing the pool ends every connection cleanly (SQLite checkpoints its WAL).
    if let Err(e) = db.close().await {
        tracing::warn!(error = %e, "closing the database pool");
    }
    tracing::info!("stopped");
    outcome
}

/// When nobody can sign in yet, creates `admin`: with BIDTRACK_ADMIN_PASSWORD, or a random
/// password printed once on the console (never logged).
async fn first_admin(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    use services::accounts;
    if accounts::count_users(db).await? > 0 {
        return Ok(());
    }
    let (password, generated) = match std::env::var("BIDTRACK_ADMIN_PASSWORD") {
        Ok(p) => (p, false),
        Err(_) => (accounts::new_secret("")?[..20].to_owned(), true),
    };
    accounts::ensure_admin(db, &password)
        .await
        .context("cannot create the first administrator")?;
    if generated {
        eprintln!(
            "\n  First start: user `admin` created with password {password}\n  \
             It is shown only this once. Change it with `bidtrack user passwd admin`.\n"
        );
    } else {
        eprintln!(
            "First start: user `admin` created with the password in BIDTRACK_ADMIN_PASSWORD."
        );
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn share(p: Option<Percent>) -> String {
    p.map_or_else(|| "–".to_owned(), |p| format!("{p}%"))
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "not met",
        None => "nothing in scope",
    }
}

/// A plain-text table, columns padded to their widest cell.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let mut s = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect::<Vec<_>>()
            .join("  ");
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

fn count_row(label: String, rule: &RuleRef, f: &Figures) -> Vec<String> {
    vec![
        label,
        f.in_scope.to_string(),
        f.online.to_string(),
        share(f.share_percent),
        format!("{}%", rule.min_count_percent),
        verdict(f.met).to_owned(),
        f.shortfall.to_string(),
    ]
}

/// The `check` report as text: the figures of every package counted, then each target in force
/// with its verdict, by unit (each child under the rule that applies to it) and by method.
pub fn render(c: &Compliance) -> String {
    let o = &c.overall;
    let mut out = format!(
        "{} ({}), {}, view: {}\n",
        c.unit_name, c.unit_code, c.year, c.view
    );
    out.push_str(&format!(
        "packages counted: {}, online {} ({}); value {}, online {} ({})\n",
        o.packages,
        o.online,
        share(o.share_percent),
        format_vnd(o.value_vnd),
        format_vnd(o.value_online_vnd),
        share(o.value_share_percent)
    ));
    if let Some(message) = &c.no_target {
        out.push_str(&format!("\n{message}\n"));
    }
    for t in &c.targets {
        let (rule, f) = (&t.rule, &t.figures);
        let value_target = rule
            .min_value_percent
            .map_or_else(String::new, |v| format!(", value ≥ {v}%"));
        out.push_str(&format!(
            "\ntarget: {} (count ≥ {}%{value_target})\n\n",
            rule.name, rule.min_count_percent
        ));
        let rows = vec![
            count_row("count".to_owned(), rule, f),
            vec![
                "value".to_owned(),
                format_vnd(f.value_in_scope_vnd),
                format_vnd(f.value_online_vnd),
                share(f.value_share_percent),
                rule.min_value_percent
                    .map_or_else(|| "–".to_owned(), |v| format!("{v}%")),
                rule.min_value_percent
                    .map_or("–", |_| verdict(f.value_met))
                    .to_owned(),
                f.value_shortfall_vnd
                    .map_or_else(|| "–".to_owned(), format_vnd),
            ],
        ];
        let header = [
            "",
            "in scope",
            "online",
            "share",
            "target",
            "result",
            "shortfall",
        ];
        out.push_str(&table(&header, &rows));
        out.push_str(&format!(
            "packages counted in {}: {} (out of scope: {})\n",
            c.year,
            o.packages,
            o.packages - f.in_scope
        ));
        let units: Vec<_> = c
            .by_unit
            .iter()
            .filter_map(|u| {
                // A child with a rule of its own for this target is judged under it.
                let mine = u.targets.iter().find(|x| x.rule.target == rule.target)?;
                let mut label = if u.own {
                    format!("{} (own packages)", u.name)
                } else {
                    u.name.clone()
                };
                if mine.rule.id != rule.id {
                    label.push_str(&format!(" [{}]", mine.rule.name));
                }
                Some(count_row(label, &mine.rule, &mine.figures))
            })
            .collect();
        if !units.is_empty() {
            out.push_str("\nby unit\n");
            out.push_str(&table(&header, &units));
        }
        let methods: Vec<_> = c
            .by_method
            .iter()
            .filter_map(|m| {
                let mine = m.targets.iter().find(|x| x.rule.id == rule.id)?;
                Some(count_row(m.label.to_owned(), &mine.rule, &mine.figures))
            })
            .collect();
        if !methods.is_empty() {
            out.push_str("\nby method\n");
            out.push_str(&table(&header, &methods));
        }
    }
    out
}
