//! Accounts: users, passwords (Argon2id, checked on blocking threads, a bounded number at once),
//! API tokens and web sessions (random secrets stored as SHA-256 hashes), login throttling, and
//! the acting user every write carries with the checks of what it may do.

use super::audit::{self, Changes, Snapshot};
use crate::db;
use crate::db::sql::Sql;
use crate::error::{AppError, FieldError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, Role, TokenKind, api_token, login_failure, session, unit, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Who is acting: a signed-in user, or the system itself (command line, demo, migrations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the system.
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// An officer writes the packages of this unit's subtree.
    pub unit_id: Option<i64>,
}

impl Actor {
    /// The command line and the demo loader: whoever can run the binary owns the database.
    pub fn system() -> Self {
        Actor {
            user_id: None,
            username: "system".to_owned(),
            display_name: "Hệ thống".to_owned(),
            role: Role::Admin,
            unit_id: None,
        }
    }

    pub fn of(u: &user::Model) -> Self {
        Actor {
            user_id: Some(u.id),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            unit_id: u.unit_id,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Administrators and officers change packages (officers only within their unit's subtree).
    pub fn writes_packages(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Officer)
    }

    /// Units, target rules and users are the administrators'.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                message: format!(
                    "Chỉ quản trị viên được thực hiện thao tác này (bạn đăng nhập với vai trò {})",
                    self.role.label_vi()
                ),
            })
        }
    }

    /// May this actor write packages of `unit_id`? `lineage` is the unit and its ancestors.
    pub fn may_write_unit(&self, lineage: &[i64]) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Officer => self.unit_id.is_some_and(|own| lineage.contains(&own)),
            Role::Finance | Role::Viewer => false,
        }
    }

    /// Errors unless this actor may write the packages of `unit_id`.
    pub async fn require_package_write(
        &self,
        db: &impl ConnectionTrait,
        unit_id: i64,
    ) -> Result<(), AppError> {
        if self.is_admin() {
            return Ok(());
        }
        if !self.writes_packages() {
            return Err(AppError::Forbidden {
                message: format!(
                    "Vai trò {} chỉ được xem, không được sửa gói thầu",
                    self.role.label_vi()
                ),
            });
        }
        let lineage = db::units::lineage(db, unit_id).await?;
        if self.may_write_unit(&lineage) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                message: "Bạn chỉ được sửa gói thầu của đơn vị mình và các đơn vị trực thuộc"
                    .to_owned(),
            })
        }
    }
}

/// Which units' packages an actor may change, loaded once for a page or a whole import.
pub enum WriteScope {
    All,
    Units(std::collections::HashSet<i64>),
    Nothing,
}

impl WriteScope {
    pub async fn of(db: &impl ConnectionTrait, actor: &Actor) -> Result<Self, AppError> {
        Ok(match (actor.role, actor.unit_id) {
            (entity::Role::Admin, _) => WriteScope::All,
            (entity::Role::Officer, Some(unit)) => WriteScope::Units(
                db::units::subtree_ids(db, unit)
                    .await?
                    .into_iter()
                    .collect(),
            ),
            _ => WriteScope::Nothing,
        })
    }

    pub fn allows(&self, unit_id: i64) -> bool {
        match self {
            WriteScope::All => true,
            WriteScope::Units(units) => units.contains(&unit_id),
            WriteScope::Nothing => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets

/// A new random secret: a prefix that makes a leaked token recognisable, then 256 random bits.
pub fn new_secret(prefix: &str) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}{hex}"))
}

/// What the database keeps of a secret. The secrets are random and long, so a fast hash is
/// enough; passwords are the ones that need Argon2.
pub fn digest(secret: &str) -> String {
    use std::fmt::Write;
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(secret.as_bytes()) {
        let _ = write!(hex, "{b:02x}"); // writing to a String cannot fail
    }
    hex
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Compares a submitted CSRF token with the session's without leaking where they differ.
pub fn csrf_matches(expected: &str, submitted: &str) -> bool {
    constant_time_eq(expected.as_bytes(), submitted.as_bytes())
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

fn password_matches(hash: &str, password: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Seconds a login refused for want of a free password check is asked to wait: checks take tens
/// of milliseconds, so one is free again by then unless the flood goes on.
pub const PASSWORD_CHECK_RETRY_AFTER_SECS: u64 = 1;

/// The password checks of one instance. Argon2 is tens of milliseconds of CPU and 19 MiB per
/// check: on the async workers a flood of logins (which needs no account) would stall every
/// other request, so checks run on tokio's blocking threads; and only so many at once, because
/// the blocking pool would otherwise take on hundreds. Beyond the limit a login is refused at
/// once (429 `login_busy`) rather than queued where nobody can see the queue.
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
}

/// The right to run one password check, given back when dropped.
pub struct PasswordPermit {
    _held: OwnedSemaphorePermit,
}

impl PasswordChecks {
    pub fn new(at_once: usize) -> Arc<Self> {
        Arc::new(PasswordChecks {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
        })
    }

    /// A permit, or 429 `login_busy` when every check is taken.
    pub fn try_permit(&self) -> Result<PasswordPermit, AppError> {
        self.permits
            .clone()
            .try_acquire_owned()
            .map(|held| PasswordPermit { _held: held })
            .map_err(|_| AppError::TooManyRequests {
                code: "login_busy",
                message:
                    "Máy chủ đang bận kiểm tra các lần đăng nhập khác. Hãy thử lại sau giây lát."
                        .to_owned(),
                retry_after_secs: PASSWORD_CHECK_RETRY_AFTER_SECS,
            })
    }
}

impl PasswordPermit {
    /// Runs `work` on a blocking thread. The thread holds the permit until the work ends, so a
    /// request that goes away mid-check (client gone, time limit) does not free a permit while
    /// its hash still runs.
    async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        tokio::task::spawn_blocking(move || {
            let _permit = self;
            work()
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password check failed: {e}")))
    }
}

// ---------------------------------------------------------------------------------------------
// Users

/// A user as entered by an administrator (or the first start).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub unit_id: Option<i64>,
}

pub const MIN_PASSWORD_CHARS: usize = 10;

fn check_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::Validation(vec![FieldError::new(
            "password",
            "too_short",
            format!("Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự"),
        )]));
    }
    Ok(())
}

/// 1–64 ASCII letters, digits, `-`, `_` or `.`.
fn possible_username(name: &str) -> bool {
    (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn check_user(u: &NewUser) -> Vec<FieldError> {
    let mut e = Vec::new();
    if !possible_username(&u.username) {
        e.push(FieldError::new(
            "username",
            "invalid",
            "Tên đăng nhập gồm 1–64 ký tự: chữ cái không dấu, chữ số, '-', '_' hoặc '.'",
        ));
    }
    if !(1..=200).contains(&u.display_name.chars().count()) {
        e.push(FieldError::new(
            "display_name",
            "length",
            "Họ tên phải có từ 1 đến 200 ký tự",
        ));
    } else if let Err(problem) =
        crate::domain::text::check_plain(&u.display_name, crate::domain::text::Lines::One)
    {
        // The name is shown on every page and in the audit trail: nothing hidden or reordered.
        e.push(FieldError::new(
            "display_name",
            problem.code(),
            problem.message_vi("Họ tên"),
        ));
    }
    if u.role == Role::Officer && u.unit_id.is_none() {
        e.push(FieldError::new(
            "unit_id",
            "required",
            "Cán bộ phụ trách đấu thầu phải thuộc một đơn vị",
        ));
    }
    e
}

fn user_fields(u: &user::Model) -> Snapshot {
    Snapshot::of([
        ("username", serde_json::json!(u.username)),
        ("display_name", serde_json::json!(u.display_name)),
        ("role", serde_json::json!(u.role)),
        ("unit_id", serde_json::json!(u.unit_id)),
        ("active", serde_json::json!(u.active)),
    ])
}

pub async fn create_user<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: NewUser,
) -> Result<user::Model, AppError> {
    actor.require_admin()?;
    let mut input = input;
    input.username = input.username.trim().to_owned();
    input.display_name = input.display_name.trim().to_owned();
    let errors = check_user(&input);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    check_password(&input.password)?;
    let hash = hash_password(&input.password)?;
    let txn = crate::db::begin_write(db).await?;
    if let Some(unit) = input.unit_id {
        super::require_unit(&txn, "unit_id", unit).await?;
    }
    let now = Utc::now();
    let model = user::ActiveModel {
        id: NotSet,
        username: Set(input.username.clone()),
        display_name: Set(input.display_name),
        password_hash: Set(hash),
        role: Set(input.role),
        unit_id: Set(input.unit_id),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        super::conflict_on_unique(
            e,
            "duplicate_username",
            format!("Tên đăng nhập {} đã có", input.username),
        )
    })?;
    audit::record(
        &txn,
        actor,
        "user",
        model.id,
        AuditAction::Create,
        Changes::created(&user_fields(&model)),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn find_user(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?)
}

async fn require_user(db: &impl ConnectionTrait, username: &str) -> Result<user::Model, AppError> {
    find_user(db, username)
        .await?
        .ok_or_else(|| AppError::not_found("người dùng", username))
}

pub async fn list_users(db: &impl ConnectionTrait) -> Result<Vec<user::Model>, AppError> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?)
}

pub async fn count_users(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait;
    Ok(user::Entity::find().count(db).await?)
}

/// Sets a new password; every session and token of the user ends with the old one.
pub async fn set_password<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    username: &str,
    password: &str,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let u = require_user(&txn, username).await?;
    if actor.user_id != Some(u.id) {
        actor.require_admin()?;
    }
    check_password(password)?;
    let hash = hash_password(password)?;
    let mut active: user::ActiveModel = u.clone().into();
    active.password_hash = Set(hash);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    end_credentials(&txn, u.id).await?;
    let mut changes = Changes::default();
    changes.push(
        "password",
        serde_json::json!("***"),
        serde_json::json!("***"),
    );
    audit::record(&txn, actor, "user", u.id, AuditAction::Update, changes).await?;
    txn.commit().await?;
    Ok(())
}

/// Disables a user: they can no longer sign in, and their sessions and tokens end now.
pub async fn disable_user<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    username: &str,
) -> Result<(), AppError> {
    actor.require_admin()?;
    let txn = crate::db::begin_write(db).await?;
    let u = require_user(&txn, username).await?;
    if u.active {
        let mut active: user::ActiveModel = u.clone().into();
        active.active = Set(false);
        active.updated_at = Set(Utc::now());
        active.update(&txn).await?;
        let mut changes = Changes::default();
        changes.push("active", serde_json::json!(true), serde_json::json!(false));
        audit::record(&txn, actor, "user", u.id, AuditAction::Update, changes).await?;
    }
    end_credentials(&txn, u.id).await?;
    txn.commit().await?;
    Ok(())
}

async fn end_credentials(db: &impl ConnectionTrait, user_id: i64) -> Result<(), AppError> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The first start: when nobody can sign in yet, an administrator `admin` with the given
/// password. Returns whether it was created.
pub async fn ensure_admin<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    password: &str,
) -> Result<bool, AppError> {
    if count_users(db).await? > 0 {
        return Ok(false);
    }
    let created = create_user(
        db,
        &Actor::system(),
        NewUser {
            username: "admin".to_owned(),
            display_name: "Quản trị viên".to_owned(),
            password: password.to_owned(),
            role: Role::Admin,
            unit_id: None,
        },
    )
    .await;
    match created {
        Ok(_) => Ok(true),
        // Two instances started together on an empty database: the other one made it.
        Err(AppError::Conflict {
            code: "duplicate_username",
            ..
        }) => Ok(false),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Logging in, with throttling

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
    // have removed the row meanwhile, and then a second is as good an answer as any.
    let secs = login_failure::Entity::find_by_id(username.to_owned())
        .one(db)
        .await?
        .and_then(|f| lockout(f.failures).map(|wait| f.last_failure_at + wait - now))
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

// ---------------------------------------------------------------------------------------------
// API tokens

pub const LOGIN_TOKEN_HOURS: i64 = 12;

pub async fn issue_token(
    db: &impl ConnectionTrait,
    user_id: i64,
    kind: TokenKind,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(String, api_token::Model), AppError> {
    let secret = new_secret("bt_")?;
    let name = name.trim();
    if !(1..=100).contains(&name.chars().count()) {
        return Err(AppError::Validation(vec![FieldError::new(
            "name",
            "length",
            "Tên token phải có từ 1 đến 100 ký tự",
        )]));
    }
    let model = api_token::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        kind: Set(kind),
        token_hash: Set(digest(&secret)),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((secret, model))
}

/// The token's user, when the token is live and the user active.
pub async fn authenticate_token(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Actor, api_token::Model)>, AppError> {
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(digest(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    let Some(u) = user::Entity::find_by_id(token.user_id).one(db).await? else {
        return Ok(None);
    };
    if !u.active {
        return Ok(None);
    }
    // Written at most every five minutes: reads must not turn into writes.
    if token
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(5))
    {
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_token::Column::Id.eq(token.id))
            .exec(db)
            .await?;
    }
    Ok(Some((Actor::of(&u), token)))
}

pub async fn list_tokens(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<api_token::Model>, AppError> {
    let Some(user_id) = actor.user_id else {
        return Ok(Vec::new());
    };
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// Revokes a token of the actor's own (an administrator may revoke anyone's).
pub async fn revoke_token(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<(), AppError> {
    let token = api_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|t| t.revoked_at.is_none())
        .filter(|t| actor.is_admin() || Some(t.user_id) == actor.user_id)
        .ok_or_else(|| AppError::not_found("token", id))?;
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(api_token::Column::Id.eq(token.id))
        .exec(db)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Web sessions

pub const SESSION_HOURS: i64 = 12;

/// A new session for a user: the cookie secret and the session's CSRF token.
pub async fn open_session(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(String, String), AppError> {
    let secret = new_secret("s_")?;
    let csrf = new_secret("")?;
    // Sessions that ended without a logout are removed here rather than never.
    session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    session::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        token_hash: Set(digest(&secret)),
        csrf_token: Set(csrf.clone()),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(SESSION_HOURS)),
    }
    .insert(db)
    .await?;
    Ok((secret, csrf))
}

/// The signed-in user and the session's CSRF token, when the session is live.
pub async fn session_user(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Actor, String, DateTime<Utc>)>, AppError> {
    let Some(s) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(digest(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if s.expires_at <= now {
        session::Entity::delete_by_id(s.id).exec(db).await?;
        return Ok(None);
    }
    let Some(u) = user::Entity::find_by_id(s.user_id).one(db).await? else {
        return Ok(None);
    };
    if !u.active {
        return Ok(None);
    }
    Ok(Some((Actor::of(&u), s.csrf_token, s.expires_at)))
}

pub async fn close_session(db: &impl ConnectionTrait, secret: &str) -> Result<(), AppError> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(digest(secret)))
        .exec(db)
        .await?;
    Ok(())
}

/// The unit of a user, for display.
pub async fn unit_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Option<unit::Model>, AppError> {
    match actor.unit_id {
        Some(id) => Ok(db::units::find(db, id).await?),
        None => Ok(None),
    }
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

    #[tokio::test]
    async fn password_checks_beyond_the_limit_are_refused_until_one_ends() {
        let checks = PasswordChecks::new(1);
        let first = checks.try_permit().expect("the only permit");
        match checks.try_permit() {
            Err(AppError::TooManyRequests {
                code: "login_busy",
                retry_after_secs: PASSWORD_CHECK_RETRY_AFTER_SECS,
                ..
            }) => {}
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert_eq!(first.run(|| 7).await.expect("ran"), 7);
        // A check whose request went away keeps its permit until its thread is done.
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let permit = checks
            .try_permit()
            .expect("free again once the check ended");
        let asker = tokio::spawn(permit.run(move || {
            let _ = started.send(());
            wait.recv().is_ok()
        }));
        running.await.expect("the check started");
        asker.abort();
        assert!(asker.await.is_err_and(|e| e.is_cancelled()));
        assert!(checks.try_permit().is_err(), "the hash still runs");
        release.send(()).expect("the check waits");
        while checks.try_permit().is_err() {
            tokio::task::yield_now().await;
        }
    }

    #[test]
    fn secrets_are_random_and_only_their_digest_is_kept() {
        let a = new_secret("bt_").expect("random");
        let b = new_secret("bt_").expect("random");
        assert_ne!(a, b);
        assert!(a.starts_with("bt_") && a.len() == 3 + 64);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), digest(&b));
        assert!(csrf_matches(&a, &a) && !csrf_matches(&a, &b) && !csrf_matches(&a, "bt_"));
    }

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("mật khẩu dài đủ").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(password_matches(&h, "mật khẩu dài đủ"));
        assert!(!password_matches(&h, "mật khẩu khác"));
    }

    #[test]
    fn officers_write_within_their_subtree_only() {
        let officer = Actor {
            user_id: Some(1),
            username: "o".into(),
            display_name: "O".into(),
            role: Role::Officer,
            unit_id: Some(4),
        };
        assert!(officer.may_write_unit(&[8, 4, 1]));
        assert!(!officer.may_write_unit(&[9, 1]));
        assert!(!officer.may_write_unit(&[1]), "not the parent either");
        let finance = Actor {
            role: Role::Finance,
            ..officer.clone()
        };
        assert!(!finance.may_write_unit(&[8, 4, 1]));
        assert!(Actor::system().may_write_unit(&[]));
    }
}
