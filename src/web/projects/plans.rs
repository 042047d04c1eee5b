//! A selection plan's pages: the plan (its fields as approved, its project, the adjustments
//! the latest decision first, its history) with the form that records an adjustment, and the
//! forms that add a plan to a project and change one. A refused adjustment comes back on the
//! plan's page with each message beside its field and everything typed kept.

use super::{Fact, HistoryLine, decision_text, history_lines, unit_namer};
use crate::AppState;
use crate::domain::fields::plan::{AdjustmentField, PlanField};
use crate::domain::fields::project::is_vneps_code;
use crate::error::{AppError, FieldError};
use crate::services::projects::plans::{self as service, PlanPage};
use crate::services::projects::{self as projects, NewAdjustment, NewPlan, PlanPatch};
use crate::services::units;
use crate::web::form::{FormPage, Input, Section, SummaryLine};
use crate::web::input::{self, given};
use crate::web::page::{Flash, Notice, PageError, field_errors, page, path_id, redirect_with};
use crate::web::session::{Shell, WebUser};
use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{project, selection_plan};
use serde::Deserialize;

/// The plan form, as sent: the project it goes under (a new plan), each field of the table as
/// typed, and the version an edit was read at.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    project_id: String,
    code: String,
    name: String,
    year: String,
    decision_no: String,
    decision_date: String,
    approver: String,
    version: String,
}

impl PlanForm {
    fn slot(&mut self, f: PlanField) -> &mut String {
        match f {
            PlanField::Code => &mut self.code,
            PlanField::Name => &mut self.name,
            PlanField::Year => &mut self.year,
            PlanField::DecisionNo => &mut self.decision_no,
            PlanField::DecisionDate => &mut self.decision_date,
            PlanField::Approver => &mut self.approver,
        }
    }

    fn raw(&self, f: PlanField) -> &str {
        match f {
            PlanField::Code => &self.code,
            PlanField::Name => &self.name,
            PlanField::Year => &self.year,
            PlanField::DecisionNo => &self.decision_no,
            PlanField::DecisionDate => &self.decision_date,
            PlanField::Approver => &self.approver,
        }
    }

    fn of(p: &selection_plan::Model) -> Self {
        let mut form = PlanForm {
            project_id: p.project_id.to_string(),
            version: p.version.to_string(),
            ..PlanForm::default()
        };
        for (f, v) in NewPlan::from_model(p).values() {
            *form.slot(f) = f.spec().raw(&v);
        }
        form
    }

    fn read(&self, project_id: i64) -> Result<NewPlan, Vec<FieldError>> {
        NewPlan::read(project_id, |f| self.raw(f))
    }
}

/// The adjustment form on a plan's page, as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AdjustmentForm {
    decision_no: String,
    decision_date: String,
    reason: String,
}

impl AdjustmentForm {
    fn raw(&self, f: AdjustmentField) -> &str {
        match f {
            AdjustmentField::DecisionNo => &self.decision_no,
            AdjustmentField::DecisionDate => &self.decision_date,
            AdjustmentField::Reason => &self.reason,
        }
    }
}

/// The id in a path, or a page that does not exist.
fn plan_id(raw: &str) -> Result<i64, PageError> {
    path_id(raw, "kế hoạch lựa chọn nhà thầu")
}

/// Which form: a new plan of a project, or an edit of one.
enum Which<'a> {
    New(&'a project::Model),
    Edit(&'a selection_plan::Model),
}

fn form_page(shell: Shell, which: &Which, form: &PlanForm) -> FormPage {
    let (title, action, cancel, hidden) = match which {
        Which::New(p) => (
            format!("Thêm kế hoạch lựa chọn nhà thầu cho «{}»", p.name),
            "/plans/new".to_owned(),
            format!("/projects/{}", p.id),
            vec![("project_id", p.id.to_string())],
        ),
        Which::Edit(plan) => (
            format!("Sửa kế hoạch «{}»", plan.name),
            format!("/plans/{}/edit", plan.id),
            format!("/plans/{}", plan.id),
            vec![("version", form.version.trim().to_owned())],
        ),
    };
    let mut sections: Vec<Section> = Vec::new();
    for f in PlanField::ALL {
        let input = Input::of_spec(f.spec(), form.raw(*f), &[]);
        match sections.last_mut() {
            Some(s) if s.legend == f.spec().section => s.inputs.push(input),
            _ => sections.push(Section {
                legend: f.spec().section,
                inputs: vec![input],
            }),
        }
    }
    FormPage {
        title,
        intro: Some(
            "Ghi kế hoạch như được phê duyệt. Khi kế hoạch được điều chỉnh, ghi quyết định điều chỉnh ở trang của kế hoạch thay vì sửa ở đây. Các trường có dấu * là bắt buộc."
                .to_owned(),
        ),
        action,
        hidden,
        sections,
        summary: Vec::new(),
        stale: None,
        submit: "Lưu kế hoạch",
        cancel,
        shell,
    }
}

/// Messages of a refused save: beside their fields, or (a stale edit) at the top.
fn messages(e: AppError) -> Result<(StatusCode, Vec<FieldError>), PageError> {
    match e {
        AppError::PreconditionFailed { .. } => Ok((
            StatusCode::CONFLICT,
            vec![FieldError::new(
                "",
                "stale_version",
                "Trong lúc bạn sửa, kế hoạch đã được người khác lưu lại hoặc điều chỉnh. Những gì bạn nhập vẫn còn nguyên dưới đây; xem bản đã lưu ở trang kế hoạch, rồi bấm «Lưu kế hoạch» lần nữa để ghi đè, hoặc «Hủy» để giữ bản đã lưu.",
            )],
        )),
        other => Ok((StatusCode::UNPROCESSABLE_ENTITY, field_errors(other)?)),
    }
}

fn render(
    user: &WebUser,
    which: &Which,
    form: &PlanForm,
    status: StatusCode,
    errors: &[FieldError],
) -> Response {
    let mut shown = form_page(user.shell(&Flash::default()), which, form);
    shown.attach(errors);
    page(status, &shown, &Flash::default())
}

/// `?project_id=` of the new-plan page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewQuery {
    project_id: String,
}

/// The project a new plan goes under, when the user may add plans to it.
async fn writable_project(
    state: &AppState,
    user: &WebUser,
    raw: &str,
) -> Result<project::Model, PageError> {
    let id = given(raw).ok_or_else(|| {
        PageError(AppError::BadRequest {
            code: "invalid_query",
            message: "Hãy mở trang này từ trang của một dự án (thiếu project_id)".to_owned(),
            errors: Vec::new(),
        })
    })?;
    let project = projects::get(&state.db, path_id(id, "dự án")?).await?;
    projects::require_write(&state.db, &user.actor, project.unit_id).await?;
    Ok(project)
}

pub async fn new_form(
    State(state): State<AppState>,
    user: WebUser,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let q: NewQuery = input::query(query.as_deref())?;
    let project = writable_project(&state, &user, &q.project_id).await?;
    let form = PlanForm {
        project_id: project.id.to_string(),
        ..PlanForm::default()
    };
    Ok(render(
        &user,
        &Which::New(&project),
        &form,
        StatusCode::OK,
        &[],
    ))
}

pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let form: PlanForm = user.form(body)?;
    let project = writable_project(&state, &user, &form.project_id).await?;
    let (status, errors) = match form.read(project.id) {
        Ok(input) => match service::create(&state.db, &user.actor, input).await {
            Ok(plan) => return Ok(saved(&plan, "Đã thêm")),
            Err(e) => messages(e)?,
        },
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    Ok(render(&user, &Which::New(&project), &form, status, &errors))
}

fn saved(plan: &selection_plan::Model, verb: &str) -> Response {
    redirect_with(
        &format!("/plans/{}", plan.id),
        Notice::ok(format!("{verb} kế hoạch «{}».", plan.name)),
    )
}

/// The plan and its project, when the user may change them.
async fn writable_plan(
    state: &AppState,
    user: &WebUser,
    raw: &str,
) -> Result<selection_plan::Model, PageError> {
    let plan = service::get(&state.db, plan_id(raw)?).await?.plan;
    let project = projects::get(&state.db, plan.project_id).await?;
    projects::require_write(&state.db, &user.actor, project.unit_id).await?;
    Ok(plan)
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let plan = writable_plan(&state, &user, &id).await?;
    let form = PlanForm::of(&plan);
    Ok(render(
        &user,
        &Which::Edit(&plan),
        &form,
        StatusCode::OK,
        &[],
    ))
}

pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let before = writable_plan(&state, &user, &id).await?;
    let mut form: PlanForm = user.form(body)?;
    let version: i32 = form.version.trim().parse().map_err(|_| {
        PageError(AppError::BadRequest {
            code: "invalid_form",
            message: "Biểu mẫu thiếu phiên bản của kế hoạch; hãy tải lại trang".to_owned(),
            errors: Vec::new(),
        })
    })?;
    let (status, errors) = match form.read(before.project_id) {
        Ok(input) => {
            let patch = PlanPatch::from(input);
            match service::update(&state.db, &user.actor, before.id, version, patch).await {
                Ok(view) => return Ok(saved(&view.plan, "Đã lưu")),
                Err(e) => messages(e)?,
            }
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    if status == StatusCode::CONFLICT {
        // The next save is made against the version now saved: a deliberate overwrite.
        form.version = service::get(&state.db, before.id)
            .await?
            .plan
            .version
            .to_string();
    }
    Ok(render(&user, &Which::Edit(&before), &form, status, &errors))
}

/// An adjustment as the plan's page lists it.
pub struct AdjustmentLine {
    pub decision: String,
    pub reason: String,
    pub recorded: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct ShowPage {
    id: i64,
    name: String,
    project_id: i64,
    project_name: String,
    facts: Vec<Fact>,
    code_note: Option<&'static str>,
    adjustments: Vec<AdjustmentLine>,
    /// The plan's first packages, how many it has in words, and in figures.
    packages: Vec<PackageLine>,
    packages_text: String,
    package_count: u64,
    editable: bool,
    /// The adjustment form's inputs, as typed (empty on a first render).
    adjust: Vec<Input>,
    /// The adjustment form's messages, for the summary above it.
    summary: Vec<SummaryLine>,
    history: Vec<HistoryLine>,
    shell: Shell,
}

/// A package as the plan's page lists it.
pub struct PackageLine {
    pub id: i64,
    pub name: String,
    pub status: &'static str,
    pub price: String,
    pub online: &'static str,
    pub online_class: &'static str,
}

impl PackageLine {
    fn of(p: entity::package::Model) -> Self {
        PackageLine {
            id: p.id,
            name: p.name,
            status: p.status.label_vi(),
            price: crate::domain::money::format_vnd(p.package_price_vnd),
            online: if p.online {
                "Qua mạng"
            } else {
                "Không qua mạng"
            },
            online_class: if p.online { "yes" } else { "no" },
        }
    }
}

/// The plan's page; with `refused`, the adjustment form as typed and its messages (422).
async fn show_page(
    state: &AppState,
    user: &WebUser,
    id: i64,
    flash: &Flash,
    typed: &AdjustmentForm,
    refused: &[FieldError],
) -> Result<Response, PageError> {
    let data = service::page(&state.db, &state.cache, &user.actor, id).await?;
    let PlanPage {
        view,
        project,
        editable,
        history,
        packages,
        package_count,
    } = data;
    let units = units::all(&state.db, &state.cache, &[project.unit_id]).await?;
    let unit_name = unit_namer(&units);
    let plan = &view.plan;
    let mut facts = vec![Fact {
        label: "Dự án",
        value: project.name.clone(),
    }];
    facts.push(Fact {
        label: "Chủ đầu tư",
        value: unit_name(project.unit_id).unwrap_or_else(|| project.unit_id.to_string()),
    });
    facts.extend(NewPlan::from_model(plan).values().map(|(f, v)| Fact {
        label: f.label(),
        value: f.spec().show(&v, &unit_name),
    }));
    facts.push(Fact {
        label: "Phiên bản",
        value: format!(
            "{} (cập nhật {})",
            plan.version,
            crate::reports::generated_line(plan.updated_at)
        ),
    });
    // The adjustment form is laid out like every form: its messages placed beside its fields
    // and summarised by the same `attach`.
    let mut form = FormPage {
        title: String::new(),
        intro: None,
        action: String::new(),
        hidden: Vec::new(),
        sections: vec![Section {
            legend: AdjustmentField::DecisionNo.spec().section,
            inputs: AdjustmentField::ALL
                .iter()
                .map(|f| Input::of_spec(f.spec(), typed.raw(*f), &[]))
                .collect(),
        }],
        summary: Vec::new(),
        stale: None,
        submit: "",
        cancel: String::new(),
        shell: user.shell(flash),
    };
    form.attach(refused);
    let FormPage {
        sections,
        summary,
        shell,
        ..
    } = form;
    let shown = ShowPage {
        id: plan.id,
        name: plan.name.clone(),
        project_id: project.id,
        project_name: project.name.clone(),
        facts,
        code_note: plan
            .code
            .as_deref()
            .filter(|c| !is_vneps_code(c, "PL"))
            .map(|_| "Số không theo dạng VNEPS (PL + 10 chữ số); vẫn được ghi nhận như đã nhập."),
        adjustments: view
            .adjustments
            .iter()
            .map(|a| AdjustmentLine {
                decision: decision_text(Some(&a.decision_no), Some(a.decision_date)),
                reason: a.reason.clone(),
                recorded: crate::reports::generated_line(a.created_at),
            })
            .collect(),
        packages: packages.into_iter().map(PackageLine::of).collect(),
        packages_text: if package_count > service::PACKAGES_SHOWN {
            format!(
                "{package_count} gói thầu; dưới đây là {} gói đầu tiên.",
                service::PACKAGES_SHOWN
            )
        } else {
            format!("{package_count} gói thầu.")
        },
        package_count,
        editable,
        adjust: sections.into_iter().flat_map(|s| s.inputs).collect(),
        summary,
        history: history_lines(
            history,
            &|wire| PlanField::from_wire(wire).map(|f| (f as usize, f.spec())),
            &unit_name,
        ),
        shell,
    };
    let status = if refused.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(page(status, &shown, flash))
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    flash: Flash,
) -> Result<Response, PageError> {
    let id = plan_id(&id)?;
    show_page(&state, &user, id, &flash, &AdjustmentForm::default(), &[]).await
}

/// Records an adjustment from the plan's page; a refused one comes back on the page.
pub async fn adjust(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let plan = writable_plan(&state, &user, &id).await?;
    let form: AdjustmentForm = user.form(body)?;
    let errors = match NewAdjustment::read(|f| form.raw(f)) {
        Ok(input) => match service::adjust(&state.db, &user.actor, plan.id, input).await {
            Ok(done) => {
                return Ok(redirect_with(
                    &format!("/plans/{}", plan.id),
                    Notice::ok(format!(
                        "Đã ghi điều chỉnh theo quyết định số {}.",
                        done.adjustment.decision_no
                    )),
                ));
            }
            // The same decision twice: said beside the decision number.
            Err(AppError::Conflict { code, message }) if code == "duplicate_decision" => {
                vec![FieldError::new(
                    AdjustmentField::DecisionNo.wire(),
                    code,
                    message,
                )]
            }
            Err(e) => field_errors(e)?,
        },
        Err(errors) => errors,
    };
    show_page(&state, &user, plan.id, &Flash::default(), &form, &errors).await
}
