//! Web sessions: a cookie secret stored as its digest, and the session's CSRF token.

use super::crypto::{digest, new_secret};
use crate::db;
use crate::error::AppError;
use crate::services::actor::Actor;
use chrono::{DateTime, Duration, Utc};
use entity::{session, unit, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter,
};

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
