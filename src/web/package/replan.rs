//! Re-planning a package from its page: another year, month or quarter for the selection's
//! start, with the reason and the plan adjustment's decision. An edit cannot change the planned
//! start (the figures of two years move), so this is the officer's way to do it.

use super::PackageId;
use crate::AppState;
use crate::domain::fields::package::PackageField;
use crate::domain::fields::{Kind, Spec};
use crate::error::{AppError, FieldError};
use crate::services::packages::{self as service, Replan};
use crate::web::form::{FormPage, Input, Section};
use crate::web::page::{Flash, Notice, PageError, page, redirect_with};
use crate::web::session::WebUser;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;
use entity::package;
use serde::Deserialize;

const WHY: &str = "Lý do và căn cứ";

/// The fields of the re-planning beside the package's own planned start.
const REASON: Spec = Spec::new(
    "reason",
    "Lý do điều chỉnh",
    "Lý do điều chỉnh",
    Kind::LongText,
    WHY,
)
.required();
const DECISION_NO: Spec = Spec::new(
    "decision_no",
    "Số quyết định điều chỉnh KHLCNT",
    "Số quyết định",
    Kind::Text,
    WHY,
)
.help("Khi kế hoạch lựa chọn nhà thầu đã được điều chỉnh bằng quyết định");
const DECISION_DATE: Spec = Spec::new(
    "decision_date",
    "Ngày quyết định",
    "Ngày quyết định",
    Kind::Date,
    WHY,
);

/// The form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplanForm {
    version: String,
    plan_year: String,
    planned_start_month: String,
    planned_start_quarter: String,
    reason: String,
    decision_no: String,
    decision_date: String,
}

impl ReplanForm {
    fn of(p: &package::Model) -> Self {
        let show = |v: Option<i16>| v.map(|v| v.to_string()).unwrap_or_default();
        ReplanForm {
            version: p.version.to_string(),
            plan_year: p.plan_year.to_string(),
            planned_start_month: show(p.planned_start_month),
            planned_start_quarter: show(p.planned_start_quarter),
            ..ReplanForm::default()
        }
    }

    fn fields(&self) -> [(&'static Spec, &str); 6] {
        [
            (PackageField::PlanYear.spec(), &self.plan_year),
            (
                PackageField::PlannedStartMonth.spec(),
                &self.planned_start_month,
            ),
            (
                PackageField::PlannedStartQuarter.spec(),
                &self.planned_start_quarter,
            ),
            (&REASON, &self.reason),
            (&DECISION_NO, &self.decision_no),
            (&DECISION_DATE, &self.decision_date),
        ]
    }

    /// Each field read by its kind into the API's command, as the API would have received it.
    fn read(&self) -> Result<Replan, Vec<FieldError>> {
        crate::services::read_form(self.fields().into_iter(), serde_json::Map::new())
    }
}

fn form_page(
    user: &WebUser,
    p: &package::Model,
    form: &ReplanForm,
    errors: &[FieldError],
) -> FormPage {
    let mut sections: Vec<Section> = Vec::new();
    for (spec, raw) in form.fields() {
        let input = Input::of_spec(spec, raw, &[]);
        match sections.last_mut() {
            Some(s) if s.legend == spec.section => s.inputs.push(input),
            _ => sections.push(Section {
                legend: spec.section,
                inputs: vec![input],
            }),
        }
    }
    let mut shown = FormPage {
        title: format!("Điều chỉnh kế hoạch: «{}»", p.name),
        intro: Some(
            "Đổi năm, tháng hoặc quý bắt đầu lựa chọn nhà thầu của gói thầu. Số liệu chỉ tiêu của cả năm cũ và năm mới thay đổi theo; việc điều chỉnh được ghi vào diễn biến của gói thầu cùng lý do."
                .to_owned(),
        ),
        action: format!("/packages/{}/replan", p.id),
        hidden: vec![("version", form.version.trim().to_owned())],
        sections,
        summary: Vec::new(),
        stale: None,
        submit: "Ghi điều chỉnh",
        cancel: format!("/packages/{}", p.id),
        shell: user.shell(&Flash::default()),
    };
    shown.attach(errors);
    shown
}

/// The package the officer may re-plan.
async fn writable(state: &AppState, user: &WebUser, id: i64) -> Result<package::Model, PageError> {
    let p = service::get(&state.db, &state.cache, id).await?.package;
    user.actor
        .require_package_write(&state.db, p.unit_id)
        .await?;
    Ok(p)
}

pub async fn replan_form(
    State(state): State<AppState>,
    user: WebUser,
    PackageId(id): PackageId,
) -> Result<Response, PageError> {
    let p = writable(&state, &user, id).await?;
    let shown = form_page(&user, &p, &ReplanForm::of(&p), &[]);
    Ok(page(StatusCode::OK, &shown, &Flash::default()))
}

pub async fn replan(
    State(state): State<AppState>,
    user: WebUser,
    PackageId(id): PackageId,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let form: ReplanForm = user.form(body)?;
    let p = writable(&state, &user, id).await?;
    let version: i32 = form.version.trim().parse().map_err(|_| {
        PageError(AppError::BadRequest {
            code: "invalid_form",
            message: "Biểu mẫu thiếu phiên bản của gói thầu; hãy tải lại trang".to_owned(),
            errors: Vec::new(),
        })
    })?;
    let (status, errors) = match form.read() {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Ok(input) => match service::replan(&state.db, &user.actor, id, version, input).await {
            Ok(_) => {
                return Ok(redirect_with(
                    &format!("/packages/{id}"),
                    Notice::ok("Đã ghi điều chỉnh kế hoạch của gói thầu."),
                ));
            }
            Err(AppError::Validation(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
            Err(AppError::PreconditionFailed { .. }) => (
                StatusCode::CONFLICT,
                vec![FieldError::new(
                    "",
                    "stale_version",
                    "Trong lúc bạn điều chỉnh, gói thầu đã được người khác sửa. Hãy mở lại trang gói thầu để xem dữ liệu mới nhất rồi điều chỉnh lại.",
                )],
            ),
            Err(e) => return Err(PageError(e)),
        },
    };
    let shown = form_page(&user, &p, &form, &errors);
    Ok(page(status, &shown, &Flash::default()))
}
