//! `bidtrack user`, and the first administrator a server creates on an empty database.

use super::args::UserAction;
use crate::{db, services};
use anyhow::Context;

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

pub(super) async fn users(
    conn: &sea_orm::DatabaseConnection,
    action: UserAction,
) -> anyhow::Result<()> {
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

/// When nobody can sign in yet, creates `admin`: with BIDTRACK_ADMIN_PASSWORD, or a random
/// password printed once on the console (never logged).
pub(super) async fn first_admin(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
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
