//! API tokens: personal ones and those a login issues, stored as the digest of their secret.

use super::crypto::{digest, new_secret};
use crate::error::{AppError, FieldError};
use crate::services::actor::Actor;
use chrono::{DateTime, Duration, Utc};
use entity::{TokenKind, api_token, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter, QueryOrder,
};

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
