//! Running bidtrack in production: a request id on every request (its log lines, its response,
//! its problem document), the per-request limits (time, concurrency), Prometheus metrics, and the
//! health endpoints a load balancer or an orchestrator polls.
//!
//! `/healthz`, `/readyz` and `/metrics` are outside the API (and its OpenAPI document): they are
//! for the people and machines operating the service, and they skip the concurrency limit, so an
//! overloaded instance still says so instead of looking dead.

use crate::AppState;
use crate::config::Limits;
use crate::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http_body::{Body as _, Frame, SizeHint};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sea_orm::{DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait};
use serde_json::json;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, oneshot};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

use crate::error::CURRENT_REQUEST;
pub use crate::error::request_id;

/// Per-process state of the operations layer: metrics and the request permits.
pub struct Ops {
    metrics: Metrics,
    permits: Arc<Semaphore>,
    limits: Limits,
    /// Random per process, so ids from several instances behind one proxy do not collide.
    id_prefix: String,
    next_id: AtomicU64,
}

impl Ops {
    pub fn new(limits: Limits) -> Arc<Self> {
        let mut seed = [0u8; 8];
        // Without randomness the ids are still unique within the process, which is what a log
        // search needs; the prefix only separates instances.
        let _ = getrandom::fill(&mut seed);
        Arc::new(Ops {
            metrics: Metrics::new(),
            permits: Arc::new(Semaphore::new(limits.max_concurrent_requests.max(1))),
            limits,
            id_prefix: format!("{:016x}", u64::from_le_bytes(seed)),
            next_id: AtomicU64::new(1),
        })
    }

    fn new_request_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n:x}", self.id_prefix)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    rejected: Family<RequestLabels, Counter>,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    packages: Gauge,
    data_version: Gauge,
}

fn duration_histogram() -> Histogram {
    // 1 ms to ~16 s, doubling: the range between a cached read and an import.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("bidtrack");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern and status",
            requests.clone(),
        );
        let duration = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            duration_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response's head, by route pattern",
            duration.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "Requests being handled (health checks and metrics aside)",
            in_flight.clone(),
        );
        let rejected = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests_limited",
            "Requests answered 503 by a limit (timeout or overload), by route pattern",
            rejected.clone(),
        );
        let pool_connections = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Database connections open",
            pool_connections.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Database connections open and not in use",
            pool_idle.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "Largest number of database connections the pool opens",
            pool_max.clone(),
        );
        let packages = Gauge::default();
        registry.register(
            "packages",
            "Tender packages stored (all units, all years)",
            packages.clone(),
        );
        let data_version = Gauge::default();
        registry.register(
            "data_version",
            "Write transactions committed to the database (by any instance)",
            data_version.clone(),
        );
        Metrics {
            registry,
            requests,
            duration,
            in_flight,
            rejected,
            pool_connections,
            pool_idle,
            pool_max,
            packages,
            data_version,
        }
    }
}

struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    fn enter(gauge: &'a Gauge) -> Self {
        gauge.inc();
        InFlight(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// An id a client or a proxy sent is kept when it is short and plain, so one id follows a
/// request from the proxy's log into bidtrack's; anything else is replaced.
fn acceptable_id(value: &HeaderValue) -> Option<&str> {
    let s = value.to_str().ok()?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    (!s.is_empty() && s.len() <= 128 && s.chars().all(plain)).then_some(s)
}

fn is_operations_path(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// The outermost layer: gives the request its id, applies the concurrency and time limits, and
/// counts it. Everything the handlers log is inside the request's span (`TraceLayer`), which
/// carries the id.
pub async fn layer(State(ops): State<Arc<Ops>>, mut request: Request, next: Next) -> Response {
    let id: Arc<str> = match request.headers().get(&REQUEST_ID).and_then(acceptable_id) {
        Some(sent) => sent.into(),
        None => ops.new_request_id().into(),
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(REQUEST_ID, value);
    }
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let exempt = is_operations_path(request.uri().path());
    let started = Instant::now();
    let m = &ops.metrics;
    let mut response = CURRENT_REQUEST
        .scope(id.clone(), async {
            let _permit = if exempt {
                None
            } else {
                match ops.permits.clone().try_acquire_owned() {
                    Ok(permit) => Some(permit),
                    Err(_) => return AppError::Busy {
                        code: "overloaded",
                        message: format!(
                            "Máy chủ đang xử lý quá nhiều yêu cầu ({} cùng lúc), vui lòng thử lại \
                             sau giây lát",
                            ops.limits.max_concurrent_requests
                        ),
                    }
                    .into_response(),
                }
            };
            if exempt {
                return next.run(request).await;
            }
            // A guard, so a request dropped midway (the client went away) is uncounted too.
            let _counted = InFlight::enter(&m.in_flight);
            let (request, received) = watch_body(request);
            match within_limits(&ops.limits, next.run(request), received).await {
                Ok(response) => response,
                Err(Limit::Upload) => {
                    tracing::warn!(
                        upload_timeout_secs = ops.limits.upload_timeout.as_secs(),
                        "request body still arriving: answering 408"
                    );
                    AppError::RequestTimeout {
                        message: format!(
                            "Tệp/dữ liệu gửi lên không đến đủ trong {} giây, chưa có gì được \
                             ghi; hãy kiểm tra đường truyền rồi gửi lại (upload too slow, \
                             nothing was written)",
                            ops.limits.upload_timeout.as_secs()
                        ),
                    }
                    .into_response()
                }
                // Dropping the handler's future rolls back any transaction it had open.
                Err(Limit::Work) => {
                    tracing::warn!(
                        timeout_secs = ops.limits.request_timeout.as_secs(),
                        "request timed out: answering 503"
                    );
                    AppError::Busy {
                        code: "timeout",
                        message: format!(
                            "Yêu cầu không xử lý xong trong {} giây, chưa có gì được ghi; vui \
                             lòng thử lại",
                            ops.limits.request_timeout.as_secs()
                        ),
                    }
                    .into_response()
                }
            }
        })
        .await;
    let status = response.status().as_u16();
    let labels = RequestLabels {
        method: method.clone(),
        route: route.clone(),
        status,
    };
    if status == StatusCode::SERVICE_UNAVAILABLE.as_u16() {
        m.rejected.get_or_create(&labels).inc();
    }
    m.requests.get_or_create(&labels).inc();
    m.duration
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

enum Limit {
    /// The client was still sending the body when the upload limit passed.
    Upload,
    /// The body had arrived, and the answer was not ready within the request limit.
    Work,
}

/// Runs the handler under the two clocks: the upload limit until its body has been read (or
/// dropped), then the request limit. A slow link is not slow work, and the handler reads the
/// body itself (imports stream it), so only the body can say when it has arrived.
async fn within_limits(
    limits: &Limits,
    handler: impl Future<Output = Response>,
    received: Option<oneshot::Receiver<()>>,
) -> Result<Response, Limit> {
    tokio::pin!(handler);
    if let Some(received) = received {
        tokio::select! {
            response = &mut handler => return Ok(response),
            // Sent, or the sender dropped with the body: either way nothing more is to come.
            _ = received => {}
            () = tokio::time::sleep(limits.upload_timeout) => return Err(Limit::Upload),
        }
    }
    tokio::time::timeout(limits.request_timeout, handler)
        .await
        .map_err(|_| Limit::Work)
}

/// The request with a body that reports when it has been read to its end; `None` when there
/// is no body to wait for (a GET), so the request limit starts now.
fn watch_body(request: Request) -> (Request, Option<oneshot::Receiver<()>>) {
    if request.body().is_end_stream() {
        return (request, None);
    }
    let (sent, received) = oneshot::channel();
    let request = request.map(|inner| {
        Body::new(WatchedBody {
            inner,
            sent: Some(sent),
        })
    });
    (request, Some(received))
}

struct WatchedBody {
    inner: Body,
    sent: Option<oneshot::Sender<()>>,
}

impl http_body::Body for WatchedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(frame, Poll::Ready(None | Some(Err(_))))
            && let Some(sent) = self.sent.take()
        {
            // The receiver is gone only when the request was answered already.
            let _ = sent.send(());
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up and answering (nothing else is checked: a database outage must not make
/// an orchestrator restart every instance).
async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready for traffic: the database answers within two seconds and every migration this build
/// knows is applied (an instance of a newer build waits for `bidtrack migrate`).
async fn readyz(State(state): State<AppState>) -> Response {
    let check = tokio::time::timeout(Duration::from_secs(2), readiness(&state.db)).await;
    let problem = match check {
        Ok(Ok(())) => return Json(json!({ "status": "ready" })).into_response(),
        Ok(Err(reason)) => reason,
        Err(_) => "the database did not answer within 2 s".to_owned(),
    };
    tracing::warn!(%problem, "not ready");
    AppError::Busy {
        code: "not_ready",
        message: format!("Chưa sẵn sàng: {problem}"),
    }
    .into_response()
}

async fn readiness(db: &DatabaseConnection) -> Result<(), String> {
    use migration::MigratorTrait;
    db.ping()
        .await
        .map_err(|e| format!("the database does not answer: {e}"))?;
    let pending = migration::Migrator::get_pending_migrations(db)
        .await
        .map_err(|e| format!("cannot read the applied migrations: {e}"))?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} migration(s) not applied yet (run `bidtrack migrate`)",
            pending.len()
        ))
    }
}

async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    if let Some(expected) = &state.settings.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !crate::services::accounts::constant_time_eq(expected.as_bytes(), sent.as_bytes()) {
            return Err(AppError::Unauthenticated {
                message: "/metrics cần token của BIDTRACK_METRICS_TOKEN \
                          (Authorization: Bearer …)"
                    .to_owned(),
            });
        }
    }
    let m = &state.ops.metrics;
    let (open, idle, max) = pool_usage(&state.db);
    m.pool_connections.set(open);
    m.pool_idle.set(idle);
    m.pool_max.set(max);
    let at = crate::services::cache::DataVersion::read(&state.db).await?;
    if let Some(version) = at.get() {
        m.data_version.set(version);
    }
    // Counting a million rows takes a while on SQLite: counted again only after a write.
    let packages = state
        .cache
        .versioned(at, "metrics:packages".to_owned(), || async {
            Ok(entity::package::Entity::find().count(&state.db).await?)
        })
        .await?;
    m.packages.set(i64::try_from(*packages).unwrap_or(i64::MAX));
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &m.registry)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot encode the metrics: {e}")))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

/// (open, idle, max) connections of the pool.
fn pool_usage(db: &DatabaseConnection) -> (i64, i64, i64) {
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                i64::from(pool.size()),
                count(pool.num_idle()),
                i64::from(pool.options().get_max_connections()),
            )
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (
                i64::from(pool.size()),
                count(pool.num_idle()),
                i64::from(pool.options().get_max_connections()),
            )
        }
    }
}
