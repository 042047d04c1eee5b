//! The project forms: one input per field of the table, a unit choice of the units the user
//! may write (their own first chosen), a refused unit as a message beside it with everything
//! typed kept, and a save that lost the race shown with the officer's input and the version
//! saved meanwhile, so a second save overwrites deliberately.

use crate::AppState;
use crate::domain::fields::Kind;
use crate::domain::fields::project::ProjectField;
use crate::domain::money::parse_vnd;
use crate::error::{AppError, FieldError};
use crate::services::projects::{self as service, NewProject, ProjectPatch};
use crate::web::form::{FormPage, Input, Section};
use crate::web::page::{Flash, Notice, PageError, field_errors, page, path_id, redirect_with};
use crate::web::session::{Shell, WebUser};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{project, unit};
use serde::Deserialize;

/// The project form, as sent: each field of the table as typed, and the version an edit was
/// read at.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProjectForm {
    unit_id: String,
    code: String,
    name: String,
    kind: String,
    project_group: String,
    funding_kind: String,
    funding_source: String,
    total_vnd: String,
    version: String,
    /// Sent by the officer (a form coming back), not started from a project.
    #[serde(skip)]
    sent: bool,
}

impl ProjectForm {
    /// The text of one of the table's fields (exhaustive: a field added to the table and not
    /// here does not compile).
    fn slot(&mut self, f: ProjectField) -> &mut String {
        match f {
            ProjectField::UnitId => &mut self.unit_id,
            ProjectField::Code => &mut self.code,
            ProjectField::Name => &mut self.name,
            ProjectField::Kind => &mut self.kind,
            ProjectField::Group => &mut self.project_group,
            ProjectField::FundingKind => &mut self.funding_kind,
            ProjectField::FundingSource => &mut self.funding_source,
            ProjectField::Total => &mut self.total_vnd,
        }
    }

    fn raw(&self, f: ProjectField) -> &str {
        match f {
            ProjectField::UnitId => &self.unit_id,
            ProjectField::Code => &self.code,
            ProjectField::Name => &self.name,
            ProjectField::Kind => &self.kind,
            ProjectField::Group => &self.project_group,
            ProjectField::FundingKind => &self.funding_kind,
            ProjectField::FundingSource => &self.funding_source,
            ProjectField::Total => &self.total_vnd,
        }
    }

    /// A stored project as its edit form starts.
    fn of(p: &project::Model) -> Self {
        let mut form = ProjectForm {
            version: p.version.to_string(),
            ..ProjectForm::default()
        };
        for (f, v) in NewProject::from_model(p).values() {
            *form.slot(f) = f.spec().raw(&v);
        }
        form
    }

    /// The form as posted, read only once its token is the session's.
    fn posted(user: &WebUser, body: Result<Bytes, BytesRejection>) -> Result<Self, PageError> {
        let form: ProjectForm = user.form(body)?;
        Ok(ProjectForm { sent: true, ..form })
    }

    fn read(&self) -> Result<NewProject, Vec<FieldError>> {
        NewProject::read(|f| self.raw(f))
    }

    /// The version an edit was read at: without it the edit cannot be applied safely.
    fn version(&self) -> Result<i32, PageError> {
        self.version.trim().parse().map_err(|_| {
            PageError(AppError::BadRequest {
                code: "invalid_form",
                message: "Biểu mẫu thiếu phiên bản của dự án; hãy tải lại trang".to_owned(),
                errors: Vec::new(),
            })
        })
    }
}

/// Which form: a new project, or an edit of one.
enum Which {
    New,
    Edit { id: i64, name: String },
}

fn form_page(shell: Shell, which: &Which, form: &ProjectForm, units: &[unit::Model]) -> FormPage {
    let (title, action, cancel, hidden) = match which {
        Which::New => (
            "Thêm dự án / dự toán mua sắm".to_owned(),
            "/projects/new".to_owned(),
            "/projects".to_owned(),
            Vec::new(),
        ),
        Which::Edit { id, name } => (
            format!("Sửa dự án «{name}»"),
            format!("/projects/{id}/edit"),
            format!("/projects/{id}"),
            vec![("version", form.version.trim().to_owned())],
        ),
    };
    let choices: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.id.to_string(), format!("{} ({})", u.name, u.code)))
        .collect();
    let mut sections: Vec<Section> = Vec::new();
    for f in ProjectField::ALL {
        let mut input = Input::of_spec(f.spec(), form.raw(*f), &choices);
        // A form that comes back says what an amount was read as, so `45 tỷ` can be checked
        // before it is saved.
        if f.kind() == Kind::Money
            && form.sent
            && let Ok(amount) = parse_vnd(form.raw(*f))
        {
            input = input.read_as(amount);
        }
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
            "Dự án đầu tư ghi nhóm dự án; dự toán mua sắm thường xuyên và loại khác không có nhóm. Các trường có dấu * là bắt buộc."
                .to_owned(),
        ),
        action,
        hidden,
        sections,
        summary: Vec::new(),
        stale: None,
        submit: "Lưu dự án",
        cancel,
        shell,
    }
}

/// The units the user may file projects under: the unit choice offers no other.
async fn unit_choices(state: &AppState, user: &WebUser) -> Result<Vec<unit::Model>, PageError> {
    Ok(crate::services::units::writable(&state.db, &state.cache, &user.actor).await?)
}

/// A refused unit is the officer's choice to correct: a message beside the unit choice with
/// everything typed kept; a stale edit is a message at the top. Anything else is an error page.
fn messages(e: AppError) -> Result<(StatusCode, Vec<FieldError>), PageError> {
    match e {
        AppError::Forbidden { .. } => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![FieldError::new(
                ProjectField::UnitId.wire(),
                "forbidden",
                "Bạn chỉ được chọn đơn vị của mình hoặc đơn vị trực thuộc",
            )],
        )),
        AppError::PreconditionFailed { .. } => Ok((
            StatusCode::CONFLICT,
            vec![FieldError::new(
                "",
                "stale_version",
                "Trong lúc bạn sửa, dự án đã được người khác lưu lại. Những gì bạn nhập vẫn còn nguyên dưới đây; mở trang dự án ở thẻ khác để xem bản đã lưu, rồi bấm «Lưu dự án» lần nữa để ghi đè, hoặc «Hủy» để giữ bản đã lưu.",
            )],
        )),
        other => Ok((StatusCode::UNPROCESSABLE_ENTITY, field_errors(other)?)),
    }
}

/// A read-only role is refused before any form is shown.
fn require_writer(user: &WebUser) -> Result<(), PageError> {
    if user.actor.writes_packages() {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden {
            message: format!(
                "Vai trò {} chỉ được xem, không được thêm hay sửa dự án",
                user.actor.role.label_vi()
            ),
        }))
    }
}

async fn render(
    state: &AppState,
    user: &WebUser,
    which: &Which,
    form: &ProjectForm,
    status: StatusCode,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let units = unit_choices(state, user).await?;
    let mut shown = form_page(user.shell(&Flash::default()), which, form, &units);
    shown.attach(errors);
    Ok(page(status, &shown, &Flash::default()))
}

pub async fn new_form(State(state): State<AppState>, user: WebUser) -> Result<Response, PageError> {
    require_writer(&user)?;
    // An officer's own unit first: most projects are theirs.
    let form = ProjectForm {
        unit_id: user
            .actor
            .unit_id
            .map(|u| u.to_string())
            .unwrap_or_default(),
        ..ProjectForm::default()
    };
    render(&state, &user, &Which::New, &form, StatusCode::OK, &[]).await
}

fn saved(p: &project::Model, verb: &str) -> Response {
    redirect_with(
        &format!("/projects/{}", p.id),
        Notice::ok(format!("{verb} dự án «{}».", p.name)),
    )
}

pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    require_writer(&user)?;
    let form = ProjectForm::posted(&user, body)?;
    let (status, errors) = match form.read() {
        Ok(input) => match service::create(&state.db, &user.actor, input).await {
            Ok(p) => return Ok(saved(&p, "Đã thêm")),
            Err(e) => messages(e)?,
        },
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    render(&state, &user, &Which::New, &form, status, &errors).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let p = service::get(&state.db, path_id(&id, "dự án")?).await?;
    service::require_write(&state.db, &user.actor, p.unit_id).await?;
    let which = Which::Edit {
        id: p.id,
        name: p.name.clone(),
    };
    render(
        &state,
        &user,
        &which,
        &ProjectForm::of(&p),
        StatusCode::OK,
        &[],
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    // A project the user may not change at all is refused as such; after this, a refusal is
    // about the unit chosen for it.
    let before = service::get(&state.db, path_id(&id, "dự án")?).await?;
    service::require_write(&state.db, &user.actor, before.unit_id).await?;
    let mut form = ProjectForm::posted(&user, body)?;
    let version = form.version()?;
    let (status, errors) = match form.read() {
        Ok(input) => {
            let patch = ProjectPatch::from(input);
            match service::update(&state.db, &user.actor, before.id, version, patch).await {
                Ok(p) => return Ok(saved(&p, "Đã lưu")),
                Err(e) => messages(e)?,
            }
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    if status == StatusCode::CONFLICT {
        // The next save is made against the version now saved: a deliberate overwrite.
        form.version = service::get(&state.db, before.id)
            .await?
            .version
            .to_string();
    }
    let which = Which::Edit {
        id: before.id,
        name: before.name,
    };
    render(&state, &user, &which, &form, status, &errors).await
}
