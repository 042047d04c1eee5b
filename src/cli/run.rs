//! `run`: opens and migrates the database, then carries out one command.

use super::args::{Cli, Command, ReportKind, ServeArgs, TokenAction};
use super::import::{import, import_units, print_import};
use super::render::render;
use super::report::{write_package_list, write_rendered};
use super::serve::serve;
use super::settings::settings;
use super::users::users;
use crate::reports::{self, Format};
use crate::{AppState, db, seed, services};
use anyhow::Context;

pub async fn run(mut cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command.take() {
        Some(command) => command,
        None => Command::Serve(ServeArgs::from_env()?),
    };
    // A restore replaces the database file: it must not be opened (nor migrated) first.
    if let Command::Restore { file } = &command {
        let (copy, aside) = db::backup::restore(&cli.database_url, file).await?;
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
    let settings = settings(cli, &command)?;
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
                    ..Default::default()
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
            year,
        } => {
            let options = services::imports::ImportOptions {
                dry_run,
                unit,
                year,
            };
            import(&conn, &file, options, &settings.import_bounds).await
        }
        Command::ImportUnits { file, dry_run } => {
            import_units(&conn, &file, dry_run, &settings.import_bounds).await
        }
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
            let s = seed::demo::load(&conn).await?;
            println!(
                "demo data: {} units created ({} already there), {} packages created ({} already there), {} successions recorded",
                s.units_created,
                s.units_existing,
                s.packages_created,
                s.packages_existing,
                s.successions_created
            );
            println!(
                "try: bidtrack check --unit {} --year {}",
                seed::demo::HA_DONG,
                seed::demo::YEAR
            );
            Ok(())
        }
        Command::Gen {
            packages,
            units,
            seed,
        } => {
            let started = std::time::Instant::now();
            let g = seed::generate::generate(
                &conn,
                seed::generate::Spec {
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
            period,
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
                    let year = need_year()?;
                    let trend = services::trend::trend(
                        &conn,
                        services::trend::TrendRequest {
                            unit_id: found.id,
                            from: services::trend::default_from(year),
                            to: year,
                            view,
                            comparable: false,
                        },
                    )
                    .await?;
                    let trend = reports::trend::table(&trend, now);
                    let parts = reports::compliance::parts(&c, depth, Some(trend), now);
                    let chart = reports::html::Chart::compliance(&c);
                    let rendered = reports::render_parts(&parts, format, chart.as_ref(), None)?;
                    return write_rendered(&rendered, output);
                }
                ReportKind::Annual => {
                    let report =
                        reports::annual::build(&conn, found.id, need_year()?, period, now).await?;
                    let rendered = reports::annual::render(
                        &report,
                        format,
                        reports::annual::AnnualPart::default(),
                    )?;
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
        Command::CheckData => {
            let report = services::checks::check_data(&conn).await?;
            print!("{}", report.render());
            match report.problems() {
                0 => Ok(()),
                n => anyhow::bail!("check-data found {n} problem(s)"),
            }
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
