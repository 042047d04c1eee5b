//! bidtrack: tracks Vietnamese public tender packages (gói thầu) and checks each unit against the
//! target for selecting contractors online (lựa chọn nhà thầu qua mạng).
//!
//! Map of the crate (dependencies point downwards only):
//! - [`cli`], [`api`], [`web`]: the interfaces (command line; JSON API; HTTP pages).
//! - [`seed`]: the demo data set and the synthetic generator; like `cli`, an interface over
//!   `services` (`bidtrack demo` and `bidtrack gen` run it, and so do tests and benchmarks).
//! - [`services`]: one function per user intention; owns transactions.
//! - [`domain`]: pure rules (regimes, scope, compliance arithmetic, money). No I/O.
//! - [`reports`]: report tables and their writers (CSV, XLSX, HTML, JSON).
//! - [`db`]: connections, migrations, queries and aggregates.
//! - [`config`], [`error`], [`cookies`]: typed settings; the one error type; the cookies'
//!   names.
//!
//! Who may import whom: `api` and `web` never import each other (what both need lives below
//! them: `cookies`, `error`, `reports`, `services`); `services` imports no interface, no
//! `reports` and no `ops`; `db` nothing above it; `domain` nothing of the crate but itself;
//! `error` imports no interface and not `ops` (the request id it reports is its own
//! task-local, set by `ops`); `seed` is imported by `cli` alone (and by tests and benchmarks).
//! No cycle among the modules, nor among the files of one module (`services::actor` sits apart
//! from `services::accounts` so the audit trail can name who acts). `tests/app/layers.rs`
//! checks all of it. `web` and `api` read nothing from `db`: the pages' data comes from
//! `services` (unit lists from `services::units`, the dashboard from
//! `services::compliance::dashboard`, a package's page from `services::packages::page`).
//!
//! Entities and persisted enums live in the `entity` crate, migrations in `migration`.

/// jemalloc for every binary linking bidtrack (the server, the CLI, tests and benchmarks alike,
/// so what is measured is what runs): see its entry in Cargo.toml for why.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub mod api;
pub mod cli;
pub mod config;
pub mod cookies;
pub mod db;
pub mod domain;
pub mod error;
pub mod import;
pub mod ocds;
pub mod ops;
pub mod reports;
pub mod seed;
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
    /// Identities and reference data between requests (see `services::cache`).
    pub cache: Arc<services::cache::Cache>,
    /// Request ids, limits and metrics (see `ops`).
    pub ops: Arc<ops::Ops>,
    /// The password checks running on this instance, a bounded number at once (see
    /// `services::accounts::PasswordChecks`).
    pub passwords: Arc<services::accounts::PasswordChecks>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        AppState {
            db,
            ops: ops::Ops::new(settings.limits.clone()),
            passwords: services::accounts::PasswordChecks::new(
                settings.limits.max_concurrent_password_checks,
            ),
            settings: Arc::new(settings),
            cache: services::cache::Cache::new(),
        }
    }
}

/// Where the OpenAPI document and its viewer are served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
pub const API_DOCS_PATH: &str = "/api/docs";

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api::router(state.settings.import_limit_bytes);
    // Swagger UI from the `vendored` build: its assets are served by bidtrack, nothing from a CDN.
    let docs = utoipa_swagger_ui::SwaggerUi::new(API_DOCS_PATH)
        .url(OPENAPI_PATH, openapi)
        .config(utoipa_swagger_ui::Config::from(OPENAPI_PATH).validator_url("none"));
    web::router(state.settings.import_limit_bytes)
        .merge(api)
        .merge(docs)
        .merge(ops::router())
        .fallback(web::not_found)
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.cache.clone(),
            forget_after_writes,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .layer(axum::middleware::from_fn_with_state(
            state.ops.clone(),
            ops::layer,
        ))
        .with_state(state)
}

/// The span every line a request logs is written in: its id (set by `ops::layer`, which runs
/// first), method and path. The query string stays out: it can carry search terms.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get(ops::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// Every request that may have changed something empties the cache once it is answered, so this
/// instance never serves its own stale data (services::cache says what other instances see).
async fn forget_after_writes(
    axum::extract::State(cache): axum::extract::State<Arc<services::cache::Cache>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let writes = !request.method().is_safe();
    let response = next.run(request).await;
    if writes {
        cache.clear();
    }
    response
}

/// Headers every response carries. The pages use no inline script or style, so the policy can
/// forbid both; Swagger UI's vendored page needs inline code and gets a looser policy of its own.
/// A response that sets its own policy (the standalone printable report) keeps it.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let docs = request.uri().path().starts_with(API_DOCS_PATH);
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let policy = if docs {
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    } else {
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    };
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}
