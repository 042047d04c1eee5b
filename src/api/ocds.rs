//! `/api/v1/ocds/release-package`: the packages of a unit's subtree as an OCDS 1.1 release
//! package, streamed.

use super::extract::{ApiQuery, Auth};
use super::problems;
use crate::AppState;
use crate::error::AppError;
use crate::services::{self, packages::PackageFilter};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OcdsQuery {
    /// The unit; its whole subtree is exported.
    pub unit_id: i64,
    /// Only this plan year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// OCDS release package
///
/// Every package of the unit's subtree (and plan year) as OCDS 1.1 releases: a `planning`,
/// `tender` or `tenderCancellation` release, and an `award` release when awarded. Valid against
/// the official release-package schema; streamed, so any size fits.
#[utoipa::path(operation_id = "ocds_release_package", get, path = "/ocds/release-package", tag = "ocds",
    params(OcdsQuery),
    responses((status = 200, description = "An OCDS 1.1 release package", content_type = "application/json", body = Object),
        problems::Compliance))]
pub async fn release_package(
    State(state): State<AppState>,
    Auth(_): Auth,
    headers: axum::http::HeaderMap,
    ApiQuery(q): ApiQuery<OcdsQuery>,
) -> Result<Response, AppError> {
    crate::services::require_unit(&state.db, "unit_id", q.unit_id).await?;
    if let Some(y) = q.year
        && !crate::domain::PLAN_YEARS.contains(&y)
    {
        return Err(AppError::Validation(vec![crate::error::FieldError::new(
            "year",
            "range",
            "Năm phải trong khoảng 2000–2100",
        )]));
    }
    let filter = PackageFilter {
        unit_id: Some(q.unit_id),
        plan_year: q.year,
        ..PackageFilter::default()
    };
    let export = services::ocds::open(&state.db, state.settings.ocds.clone(), filter).await?;
    // The package's `uri` must be absolute: this request's own address, as the client (or the
    // proxy in front) sees it.
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
    };
    let scheme = header("x-forwarded-proto")
        .filter(|s| matches!(*s, "http" | "https"))
        .unwrap_or("http");
    let path = format!(
        "/api/v1/ocds/release-package?unit_id={}{}",
        q.unit_id,
        q.year.map(|y| format!("&year={y}")).unwrap_or_default()
    );
    let uri = match header("host") {
        Some(host) if !host.is_empty() && !host.contains(['/', ' ', '"']) => {
            format!("{scheme}://{host}{path}")
        }
        _ => format!(
            "urn:bidtrack:ocds:unit:{}{}",
            q.unit_id,
            q.year.map(|y| format!(":{y}")).unwrap_or_default()
        ),
    };
    let start = Bytes::from(export.start(&uri));
    let db = state.db.clone();
    // Releases follow the envelope chunk by chunk; an error after the first byte can only cut
    // the download short, and is logged.
    let releases = futures_util::stream::try_unfold(
        (export, db, false),
        |(mut export, db, done)| async move {
            if done {
                return Ok(None);
            }
            match export.next_chunk(&db).await {
                Ok(Some(text)) => Ok(Some((Bytes::from(text), (export, db, false)))),
                Ok(None) => Ok(Some((
                    Bytes::from_static(crate::ocds::PACKAGE_END.as_bytes()),
                    (export, db, true),
                ))),
                Err(e) => {
                    tracing::error!(error = %e, "OCDS export failed mid-stream");
                    Err(std::io::Error::other(e.to_string()))
                }
            }
        },
    );
    let first = futures_util::stream::once(async move { Ok::<_, std::io::Error>(start) });
    let body = Body::from_stream(futures_util::StreamExt::chain(first, releases));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
