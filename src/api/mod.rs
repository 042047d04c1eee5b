//! The JSON API under `/api/v1`. Every route is registered through utoipa-axum's `routes!`, so
//! the OpenAPI document is generated from the handlers themselves; a plain `.route()` here would
//! make an undocumented endpoint.

pub mod audit;
pub mod auth;
mod body_errors;
pub mod compliance;
pub mod extract;
pub mod imports;
pub mod ocds;
pub mod packages;
pub mod plans;
pub mod projects;
pub mod reports;
pub mod targets;
pub mod units;

use crate::AppState;
use crate::error::{AppError, FieldError, Problem};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// JSON bodies above this are refused with 413.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bidtrack API",
        description = "Gói thầu và chỉ tiêu lựa chọn nhà thầu qua mạng: tender packages of Vietnamese \
public bodies and their targets for selecting contractors online.\n\n\
Conventions: JSON with snake_case fields; money is a whole number of đồng (integer); \
percentages are strings with two decimals (\"50.00\"); dates are ISO 8601. Every error is \
`application/problem+json` (RFC 9457) with a stable `code` and, for invalid input, \
`errors: [{field, code, message}]` with Vietnamese messages. Lists take `page` (from 1) and \
`per_page` (1–500, default 50) and answer `{items, page, per_page, total}`. Packages, projects \
and selection plans use optimistic locking: `GET` sends an `ETag`; `PATCH` and `DELETE` need it back in `If-Match` \
(428 without it, 412 when someone else saved first).\n\n\
Authentication: every operation but `POST /auth/login` needs `Authorization: Bearer <token>` \
(401 without a live token). Get a token from `POST /auth/login` (12 hours) or create a personal \
one (`POST /tokens`, or `bidtrack token create` on the server). Roles: `admin` changes \
everything; `officer` changes the packages, projects and plans of their unit's subtree; `finance` and `viewer` \
read. A role or unit that may not do something gets 403.",
        license(name = "MIT OR Apache-2.0"),
        version = env!("CARGO_PKG_VERSION"),
    ),
    tags(
        (name = "units", description = "Đơn vị: provinces, districts, communes and agencies in one tree"),
        (name = "packages", description = "Gói thầu: tender packages"),
        (name = "projects", description = "Dự án: investment projects and purchase estimates (dự toán mua sắm) that packages are procured for"),
        (name = "plans", description = "Kế hoạch lựa chọn nhà thầu (KHLCNT): selection plans of projects, and the decisions that adjust them"),
        (name = "targets", description = "Chỉ tiêu: target rules for online selection"),
        (name = "compliance", description = "Tuân thủ: how far a unit is from its target, and the packages behind each figure"),
        (name = "reports", description = "Báo cáo: the finance department's reports as JSON, CSV, XLSX or printable HTML"),
        (name = "auth", description = "Đăng nhập: tokens for the API"),
        (name = "audit", description = "Nhật ký: who changed what and when"),
        (name = "imports", description = "Nhập dữ liệu: package lists from CSV or XLSX"),
        (name = "ocds", description = "OCDS 1.1: the Open Contracting Data Standard"),
    ),
    components(schemas(Problem, FieldError, imports::ImportProblem, imports::UnitImportProblem, imports::ErrorsFormat, imports::TemplateFormat, crate::services::imports::ImportReport, crate::services::imports::RowError, crate::services::packages::PackageSort, crate::domain::compliance::View, crate::reports::Format, crate::reports::summary::MoneyUnit, crate::reports::compliance::Part, crate::reports::annual::Period, crate::reports::annual::AnnualPart))
)]
struct ApiDoc;

/// The API routes and the OpenAPI document describing exactly them. Imports accept bodies up to
/// `import_limit` bytes; everything else up to [`JSON_BODY_LIMIT`].
pub fn router(import_limit: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    // The inner limit wins over the router-wide one set below.
    let imports = OpenApiRouter::new()
        .routes(routes!(imports::packages))
        .routes(routes!(imports::ocds))
        .routes(routes!(imports::units))
        .layer(DefaultBodyLimit::max(import_limit));
    let v1 = OpenApiRouter::new()
        .routes(routes!(units::list, units::create))
        .routes(routes!(units::get, units::update))
        .routes(routes!(units::create_succession))
        .routes(routes!(units::delete_succession))
        .routes(routes!(packages::list, packages::create))
        .routes(routes!(packages::deleted))
        .routes(routes!(packages::get, packages::update, packages::delete))
        .routes(routes!(packages::transition))
        .routes(routes!(packages::replan))
        .routes(routes!(packages::events))
        .routes(routes!(projects::list, projects::create))
        .routes(routes!(projects::get, projects::update))
        .routes(routes!(plans::list, plans::create))
        .routes(routes!(plans::get, plans::update))
        .routes(routes!(plans::adjustments, plans::adjust))
        .routes(routes!(targets::list, targets::create))
        .routes(routes!(targets::get, targets::update))
        .routes(routes!(compliance::check))
        .routes(routes!(compliance::packages_behind))
        .routes(routes!(compliance::trend))
        .routes(routes!(reports::compliance))
        .routes(routes!(reports::summary))
        .routes(routes!(reports::annual))
        .routes(routes!(reports::packages))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::list_tokens, auth::create_token))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(audit::package_history))
        .routes(routes!(audit::list))
        .routes(routes!(imports::template))
        .routes(routes!(ocds::release_package))
        .merge(imports);
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .split_for_parts();
    secure(&mut openapi);
    let router = router
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    (router, openapi)
}

/// Declares the bearer scheme, and on every operation but login: the scheme, 401 and 403.
fn secure(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{
        HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    };
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from POST /api/v1/auth/login or a personal token",
                    ))
                    .build(),
            ),
        );
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            op.responses.responses.insert(
                "503".to_owned(),
                problem(
                    "Not now, retry after Retry-After seconds; nothing was written. `code` says why: \
                     `busy` (every database connection or SQLite's write lock stayed taken), \
                     `overloaded` (too many requests in flight, BIDTRACK_MAX_CONCURRENT_REQUESTS) or \
                     `timeout` (no answer within BIDTRACK_REQUEST_TIMEOUT_SECS of the request's \
                     arrival)",
                )
                .into(),
            );
            if op.request_body.is_some() {
                op.responses.responses.insert(
                    "408".to_owned(),
                    problem(
                        "The request body did not arrive within BIDTRACK_UPLOAD_TIMEOUT_SECS \
                         (`upload_timeout`); nothing was written and the connection is closed",
                    )
                    .into(),
                );
            }
            if op.operation_id.as_deref() == Some("login") {
                continue;
            }
            op.security = Some(vec![SecurityRequirement::new(
                "bearer",
                Vec::<String>::new(),
            )]);
            op.responses.responses.insert(
                "401".to_owned(),
                problem("No token, or a token that is invalid, expired or revoked").into(),
            );
            op.responses.responses.insert(
                "403".to_owned(),
                problem("The role or unit of the token's user does not allow this").into(),
            );
        }
    }
}

/// The OpenAPI document, as committed in `openapi/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    router(crate::config::DEFAULT_IMPORT_LIMIT).1
}

/// A page of a list.
macro_rules! page_type {
    ($name:ident, $item:ty) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// This page's number, from 1.
            #[schema(example = 1)]
            pub page: u64,
            #[schema(example = 50)]
            pub per_page: u64,
            /// How many items the whole list has.
            pub total: u64,
        }

        impl From<crate::services::Page<$item>> for $name {
            fn from(p: crate::services::Page<$item>) -> Self {
                $name {
                    items: p.items,
                    page: p.page,
                    per_page: p.per_page,
                    total: p.total,
                }
            }
        }
    };
}
pub(crate) use page_type;

/// The problem responses operations share, one set per kind of operation, so every operation
/// documents the same statuses for the same failures.
pub mod problems {
    use crate::error::Problem;
    use utoipa::IntoResponses;

    #[derive(IntoResponses)]
    pub enum List {
        /// A query parameter of the wrong type or an unknown enum value.
        #[response(status = 400, content_type = "application/problem+json")]
        BadQuery(Problem),
        /// Paging out of range, a filter naming a unit that does not exist, or a malformed
        /// `updated_since`, `deleted_since` or `cursor`.
        #[response(status = 422, content_type = "application/problem+json")]
        Invalid(Problem),
    }

    #[derive(IntoResponses)]
    pub enum Get {
        /// The id is not a number.
        #[response(status = 400, content_type = "application/problem+json")]
        BadPath(Problem),
        /// No such record.
        #[response(status = 404, content_type = "application/problem+json")]
        NotFound(Problem),
    }

    #[derive(IntoResponses)]
    pub enum Create {
        /// The body is not well-formed JSON.
        #[response(status = 400, content_type = "application/problem+json")]
        BadJson(Problem),
        /// A unique code is taken.
        #[response(status = 409, content_type = "application/problem+json")]
        Conflict(Problem),
        /// The body is larger than 1 MiB.
        #[response(status = 413, content_type = "application/problem+json")]
        TooLarge(Problem),
        /// The body is not JSON (`Content-Type`).
        #[response(status = 415, content_type = "application/problem+json")]
        NotJson(Problem),
        /// Invalid input: `errors` names each field with a Vietnamese message.
        #[response(status = 422, content_type = "application/problem+json")]
        Invalid(Problem),
    }

    #[derive(IntoResponses)]
    pub enum Update {
        /// The body is not well-formed JSON, or the id is not a number.
        #[response(status = 400, content_type = "application/problem+json")]
        BadRequest(Problem),
        /// No such record.
        #[response(status = 404, content_type = "application/problem+json")]
        NotFound(Problem),
        /// A unique code is taken.
        #[response(status = 409, content_type = "application/problem+json")]
        Conflict(Problem),
        /// The body is larger than 1 MiB.
        #[response(status = 413, content_type = "application/problem+json")]
        TooLarge(Problem),
        /// The body is not JSON (`Content-Type`).
        #[response(status = 415, content_type = "application/problem+json")]
        NotJson(Problem),
        /// Invalid change: `errors` names each field with a Vietnamese message.
        #[response(status = 422, content_type = "application/problem+json")]
        Invalid(Problem),
    }

    /// For writes under optimistic locking.
    #[derive(IntoResponses)]
    pub enum Locked {
        /// The record changed since the version named in `If-Match`; nothing was written.
        #[response(status = 412, content_type = "application/problem+json")]
        Stale(Problem),
        /// `If-Match` is missing or not an ETag bidtrack issued.
        #[response(status = 428, content_type = "application/problem+json")]
        PreconditionRequired(Problem),
    }

    #[derive(IntoResponses)]
    pub enum Compliance {
        /// A query parameter is missing, of the wrong type, or an unknown enum value.
        #[response(status = 400, content_type = "application/problem+json")]
        BadQuery(Problem),
        /// No such unit.
        #[response(status = 404, content_type = "application/problem+json")]
        NotFound(Problem),
        /// Year, paging or target out of range, or `in_scope` asked of a year without a target.
        #[response(status = 422, content_type = "application/problem+json")]
        Invalid(Problem),
    }
}
