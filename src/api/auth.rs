//! `/api/v1/auth` and `/api/v1/tokens`: logging in for a token, logging out, personal tokens.
//! Tokens are random, stored as SHA-256 hashes, and shown once.

use super::extract::{ApiJson, ApiPath, Auth, TokenId};
use crate::AppState;
use crate::error::{AppError, Problem};
use crate::services::accounts;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, Utc};
use entity::{Role, TokenKind, api_token};
use serde::{Deserialize, Serialize};
use utoipa::{IntoResponses, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "demo-officer")]
    pub username: String,
    #[schema(example = "demo-officer-2019")]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The unit whose subtree an officer writes.
    pub unit_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginOut {
    /// Send as `Authorization: Bearer <token>`. Shown only now.
    #[schema(example = "bt_6f1c…")]
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserOut,
}

#[derive(IntoResponses)]
pub enum LoginProblems {
    /// The body is not well-formed JSON.
    #[response(status = 400, content_type = "application/problem+json")]
    BadJson(Problem),
    /// Wrong username or password, or a disabled user.
    #[response(status = 401, content_type = "application/problem+json")]
    Invalid(Problem),
    /// The body is not JSON (`Content-Type`).
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(Problem),
    /// A field is missing or of the wrong type.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
    /// Wait `Retry-After` seconds before trying again. `code` says why: `too_many_attempts` (five
    /// tries in a row without a success for this username, whatever the password this time) or
    /// `login_busy` (every password check of this instance is taken,
    /// BIDTRACK_MAX_CONCURRENT_PASSWORD_CHECKS; the try was not counted).
    #[response(status = 429, content_type = "application/problem+json")]
    Throttled(Problem),
}

/// Log in
///
/// Exchanges a username and password for a token valid 12 hours. After five tries in a row
/// without a success for a username (tries sent at once included) the next try must wait: 30
/// seconds, doubling up to 15 minutes.
#[utoipa::path(operation_id = "login", post, path = "/auth/login", tag = "auth",
    security(()),
    request_body = LoginRequest,
    responses((status = 200, description = "Logged in", body = LoginOut), LoginProblems))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Json<LoginOut>, AppError> {
    let now = Utc::now();
    let user = accounts::login(
        &state.db,
        &state.passwords,
        &body.username,
        &body.password,
        now,
    )
    .await?;
    let expires_at = now + Duration::hours(accounts::LOGIN_TOKEN_HOURS);
    let (token, _) = accounts::issue_token(
        &state.db,
        user.id,
        TokenKind::Login,
        "login",
        Some(expires_at),
    )
    .await?;
    Ok(Json(LoginOut {
        token,
        expires_at,
        user: UserOut {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            unit_id: user.unit_id,
        },
    }))
}

/// Log out
///
/// Revokes the token this request came with.
#[utoipa::path(operation_id = "logout", post, path = "/auth/logout", tag = "auth",
    responses((status = 204, description = "The token no longer works")))]
pub async fn logout(
    State(state): State<AppState>,
    Auth(actor): Auth,
    TokenId(id): TokenId,
) -> Result<StatusCode, AppError> {
    accounts::revoke_token(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user
#[utoipa::path(operation_id = "me", get, path = "/auth/me", tag = "auth",
    responses((status = 200, description = "Who the token belongs to", body = UserOut)))]
pub async fn me(Auth(actor): Auth) -> Json<UserOut> {
    Json(UserOut {
        id: actor.user_id.unwrap_or_default(),
        username: actor.username,
        display_name: actor.display_name,
        role: actor.role,
        unit_id: actor.unit_id,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: i64,
    pub name: String,
    /// `login` (from `POST /auth/login`) or `personal`.
    pub kind: TokenKind,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenOut {
    fn from(t: api_token::Model) -> Self {
        TokenOut {
            id: t.id,
            name: t.name,
            kind: t.kind,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenOut {
    /// Send as `Authorization: Bearer <token>`. Shown only now: store it.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenOut,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// What the token is for.
    #[schema(min_length = 1, max_length = 100, example = "Báo cáo hàng tháng")]
    pub name: String,
    /// Days until it expires; without it, it lasts until revoked.
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<u32>,
}

/// List my tokens
///
/// The live tokens of the signed-in user (never the tokens themselves).
#[utoipa::path(operation_id = "list_tokens", get, path = "/tokens", tag = "auth",
    responses((status = 200, description = "Live tokens", body = Vec<TokenOut>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<Vec<TokenOut>>, AppError> {
    let tokens = accounts::list_tokens(&state.db, &actor).await?;
    Ok(Json(tokens.into_iter().map(TokenOut::from).collect()))
}

/// Create a personal token
#[utoipa::path(operation_id = "create_token", post, path = "/tokens", tag = "auth",
    request_body = NewTokenRequest,
    responses((status = 201, description = "The token, shown only now", body = NewTokenOut),
        super::problems::Create))]
pub async fn create_token(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> Result<impl IntoResponse, AppError> {
    let user_id = actor.user_id.ok_or_else(|| AppError::Forbidden {
        message: "Chỉ người dùng mới có token cá nhân".to_owned(),
    })?;
    let expires_at = match body.expires_in_days {
        None => None,
        Some(d @ 1..=3650) => Some(Utc::now() + Duration::days(i64::from(d))),
        Some(_) => {
            return Err(AppError::Validation(vec![crate::error::FieldError::new(
                "expires_in_days",
                "range",
                "Số ngày phải từ 1 đến 3650",
            )]));
        }
    };
    let (token, model) = accounts::issue_token(
        &state.db,
        user_id,
        TokenKind::Personal,
        &body.name,
        expires_at,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenOut {
            token,
            info: model.into(),
        }),
    ))
}

/// Revoke a token
///
/// One of my tokens (an administrator may revoke anyone's). It stops working at once.
#[utoipa::path(operation_id = "revoke_token", delete, path = "/tokens/{id}", tag = "auth",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), super::problems::Get))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    accounts::revoke_token(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
