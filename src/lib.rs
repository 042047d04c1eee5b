//! bidtrack: tracks Vietnamese public tender packages (gói thầu) and checks each unit against the
//! target for selecting contractors online (lựa chọn nhà thầu qua mạng).
//!
//! Map of the crate (dependencies point downwards only):
//! - [`cli`], [`web`]: the interfaces (command line; HTTP router).
//! - [`services`]: one function per user intention; owns transactions.
//! - [`domain`]: pure rules (regimes, scope, compliance arithmetic, money). No I/O.
//! - [`db`]: connections, migrations, queries and aggregates.
//! - [`config`], [`error`]: typed settings; the one error type.
//!
//! Entities and persisted enums live in the `entity` crate, migrations in `migration`.

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod services;
pub mod web;

use axum::Router;
use config::Settings;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    web::router()
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
