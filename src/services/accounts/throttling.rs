//! Logging in with a password, throttled per username: every try is counted before its password
//! is checked, and after a few failures the username waits, longer each time.

use super::crypto::{PasswordChecks, hash_password, password_matches};
use super::users::{find_user, possible_username};
use crate::db::sql::Sql;
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use entity::{login_failure, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Failures allowed before a username has to wait.
pub const FREE_ATTEMPTS: i32 = 5;

/// Failed logins older than this are forgotten (the longest wait is 15 minutes).
pub const FORGET_FAILURES_AFTER: Duration = Duration::hours(24);

/// The wait after `failures` consecutive failures: 30 s after the fifth, doubling, at most 15 min.
pub fn lockout(failures: i32) -> Option<Duration> {
    if failures < FREE_ATTEMPTS {
        return None;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(5) as u32;
    Some(Duration::seconds((30i64 << doublings).min(15 * 60)))
}

fn invalid_login() -> AppError {
    AppError::Unauthenticated {
        message: "Tên đăng nhập hoặc mật khẩu không đúng".to_owned(),
    }
}

/// Checks a username and password. Every try counts as a failure before its password is
/// checked, and only a success takes the count away: so after [`FREE_ATTEMPTS`] tries without
/// a success the username must wait (429 `too_many_attempts`) whatever the password, however
/// many tries arrive at once.
pub async fn login(
    db: &impl ConnectionTrait,
    checks: &PasswordChecks,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    let username = username.trim();
    // Taken before the try is counted: a try refused for want of a check is not the user's
    // failure, and a flood of logins for other names must not lock anyone out.
    let permit = checks.try_permit()?;
    let password = password.to_owned();
    if !possible_username(username) {
        // No account can have this name, so there is nothing to protect by counting, and
        // counting would let anyone store a megabyte "username" per request. The hash keeps the
        // refusal as slow as any other.
        permit
            .run(move || {
                let _ = hash_password(&password);
            })
            .await?;
        return Err(invalid_login());
    }
    count_try(db, username, now).await?;
    let user = find_user(db, username).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = permit
        .run(move || match stored {
            Some(hash) => password_matches(&hash, &password),
            None => {
                // As slow as a real check, so timing does not tell which usernames exist.
                let _ = hash_password(&password);
                false
            }
        })
        .await?;
    match user {
        Some(u) if matches && u.active => {
            login_failure::Entity::delete_by_id(username.to_owned())
                .exec(db)
                .await?;
            Ok(u)
        }
        _ => Err(invalid_login()),
    }
}

/// Counts a try for `username` unless the username must wait first (429). The check and the
/// count are one statement, so of any number of tries at once only those the count still allows
/// reach a password check: reading the count, checking, then counting let a burst of 100 tries
/// check 100 passwords.
async fn count_try(
    db: &impl ConnectionTrait,
    username: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // A username nobody has tried for a day starts again from zero; without this, every name
    // ever tried would stay in the table.
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::LastFailureAt.lt(now - FORGET_FAILURES_AFTER))
        .exec(db)
        .await?;
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("INSERT INTO login_failures (username, failures, last_failure_at) VALUES (")
        .bind(username)
        .push(", 1, ")
        .bind(now)
        .push(
            ") ON CONFLICT (username) DO UPDATE SET failures = login_failures.failures + 1, \
             last_failure_at = excluded.last_failure_at WHERE ",
        );
    may_try_again(&mut sql, now);
    sql.push(" RETURNING failures");
    if db.query_one_raw(sql.build()).await?.is_some() {
        return Ok(());
    }
    // Refused. The wait is read separately only to tell the client; a success elsewhere may
    // have removed the row meanwhile, and then a second is as good an answer as any. A
    // concurrent failure may have stamped the row after this request's `now` was taken: the
    // answer is never longer than the count's lockout.
    let secs = login_failure::Entity::find_by_id(username.to_owned())
        .one(db)
        .await?
        .and_then(|f| lockout(f.failures).map(|wait| (f.last_failure_at + wait - now).min(wait)))
        .map_or(1, |left| left.num_seconds().max(1) as u64);
    Err(AppError::TooManyRequests {
        code: "too_many_attempts",
        message: format!("Đăng nhập sai quá nhiều lần. Hãy thử lại sau {secs} giây."),
        retry_after_secs: secs,
    })
}

/// The condition, on the stored row, that [`lockout`] lets the username try again at `now`:
/// fewer than [`FREE_ATTEMPTS`] failures, or the wait for its count over. The waits are
/// computed here by `lockout` and bound, one per count up to where they stop growing, so the
/// SQL cannot disagree with it.
fn may_try_again(sql: &mut Sql, now: DateTime<Utc>) {
    sql.push("login_failures.failures < ")
        .bind(FREE_ATTEMPTS)
        .push(" OR login_failures.last_failure_at <= CASE login_failures.failures");
    let mut failures = FREE_ATTEMPTS;
    let longest = loop {
        let wait = lockout(failures).unwrap_or_default();
        if lockout(failures + 1) == Some(wait) {
            break wait;
        }
        sql.push(" WHEN ")
            .bind(failures)
            .push(" THEN ")
            .bind(now - wait);
        failures += 1;
    };
    sql.push(" ELSE ").bind(now - longest).push(" END");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_starts_at_the_fifth_failure_and_doubles_to_fifteen_minutes() {
        assert_eq!(lockout(4), None);
        assert_eq!(lockout(5), Some(Duration::seconds(30)));
        assert_eq!(lockout(6), Some(Duration::seconds(60)));
        assert_eq!(lockout(9), Some(Duration::seconds(480)));
        assert_eq!(lockout(10), Some(Duration::seconds(900)));
        assert_eq!(lockout(1000), Some(Duration::seconds(900)));
    }

    #[test]
    fn the_sql_waits_are_those_of_lockout() {
        let now = Utc::now();
        let mut sql = Sql::new(sea_orm::DbBackend::Postgres);
        may_try_again(&mut sql, now);
        assert_eq!(
            sql.text(),
            "login_failures.failures < $1 OR login_failures.last_failure_at <= CASE \
             login_failures.failures WHEN $2 THEN $3 WHEN $4 THEN $5 WHEN $6 THEN $7 \
             WHEN $8 THEN $9 WHEN $10 THEN $11 ELSE $12 END"
        );
        let values = sql.build().values.expect("values").0;
        let mut expected = vec![sea_orm::Value::from(FREE_ATTEMPTS)];
        for failures in FREE_ATTEMPTS..FREE_ATTEMPTS + 5 {
            let wait = lockout(failures).expect("a wait");
            expected.extend([failures.into(), (now - wait).into()]);
        }
        expected.push((now - Duration::minutes(15)).into());
        assert_eq!(values, expected);
    }
}
