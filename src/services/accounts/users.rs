//! Users: creating them (and the first administrator), finding and listing them, changing a
//! password, disabling; either of the last two ends the user's sessions and tokens.

use super::crypto::hash_password;
use crate::error::{AppError, FieldError};
use crate::services::actor::Actor;
use crate::services::audit::{self, Changes, Snapshot};
use chrono::Utc;
use entity::{AuditAction, Role, api_token, session, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};

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
pub(super) fn possible_username(name: &str) -> bool {
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
        crate::services::require_unit(&txn, "unit_id", unit).await?;
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
        crate::services::conflict_on_unique(
            e,
            "duplicate_username",
            format!("Tên đăng nhập {} đã có", input.username),
        )
    })?;
    audit::created(&txn, actor, "user", model.id, &user_fields(&model)).await?;
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
