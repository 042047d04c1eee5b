//! The create and edit forms: one input per field of the table, a unit choice of the units the
//! user may write that are valid in the plan year (their own first), a refused unit as a message beside it with everything
//! typed kept, and a save that lost the race shown as what changed meanwhile.

use super::{PackageForm, PackageId, all_units, plan_names};
use crate::AppState;
use crate::domain::VIETNAM;
use crate::domain::fields::Kind;
use crate::domain::fields::package::PackageField;
use crate::error::{AppError, FieldError};
use crate::services::packages::{self as service, NewPackage, PackagePatch, PackageView};
use crate::web::form::{Difference, FormPage, Input, Section, Stale};
use crate::web::page::{Flash, Notice, PageError, field_errors, page, redirect_with};
use crate::web::session::{Shell, WebUser};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use entity::unit;

/// What the form's selects of records offer, each as (value, label).
struct Choices {
    units: Vec<(String, String)>,
    plans: Vec<(String, String)>,
}

/// A field's input, as its kind is typed; the unit and plan selects offer `choices`.
fn input(f: PackageField, form: &PackageForm, choices: &Choices) -> Input {
    let offered = match f.kind() {
        Kind::Plan => &choices.plans,
        _ => &choices.units,
    };
    let input = Input::of_spec(f.spec(), form.raw(f), offered);
    // A form that comes back says what each amount was read as, so `1,2 tỷ` can be checked
    // before it is saved.
    if f.kind() == Kind::Money
        && form.sent
        && let Ok(amount) = crate::domain::money::parse_vnd(form.raw(f))
    {
        input.read_as(amount)
    } else {
        input
    }
}

/// The table's fields, grouped by their sections in table order.
fn sections(form: &PackageForm, offer: &Offer) -> Vec<Section> {
    let choices = Choices {
        // The units valid in the plan year typed (ended ones marked for their last year), and
        // the unit the form holds whatever its dates.
        units: crate::web::units::options_in_year(
            &offer.units,
            form.raw(PackageField::PlanYear).trim().parse().ok(),
            form.raw(PackageField::UnitId).trim().parse().ok(),
        ),
        plans: offer
            .plans
            .iter()
            .map(|p| (p.id.to_string(), format!("{} – năm {}", p.label(), p.year)))
            .collect(),
    };
    let mut out: Vec<Section> = Vec::new();
    for f in PackageField::ALL {
        let legend = f.spec().section;
        let field = input(*f, form, &choices);
        match out.last_mut() {
            Some(s) if s.legend == legend => s.inputs.push(field),
            _ => out.push(Section {
                legend,
                inputs: vec![field],
            }),
        }
    }
    out
}

/// Which form: a new package, or an edit of one at a version.
enum Which {
    New,
    Edit { id: i64, name: String, version: i32 },
}

fn form_page(shell: Shell, which: &Which, form: &PackageForm, offer: &Offer) -> FormPage {
    let (title, action, cancel, hidden) = match which {
        Which::New => (
            "Thêm gói thầu".to_owned(),
            "/packages/new".to_owned(),
            "/packages".to_owned(),
            Vec::new(),
        ),
        Which::Edit { id, name, version } => (
            format!("Sửa gói thầu «{name}»"),
            format!("/packages/{id}/edit"),
            format!("/packages/{id}"),
            vec![("version", version.to_string())],
        ),
    };
    FormPage {
        title,
        intro: Some("Các trường có dấu * là bắt buộc.".to_owned()),
        action,
        hidden,
        sections: sections(form, offer),
        summary: Vec::new(),
        stale: None,
        submit: "Lưu gói thầu",
        cancel,
        shell,
    }
}

/// What the form's selects offer: the units the user may file packages under (no other), and
/// the plans of those units' projects, with the one the form shows when it is another's (a
/// plan of a unit above, kept on an edit).
struct Offer {
    units: Vec<unit::Model>,
    plans: Vec<service::PlanRef>,
}

async fn offer(state: &AppState, user: &WebUser, form: &PackageForm) -> Result<Offer, PageError> {
    let shown = form.raw(PackageField::PlanId).parse::<i64>().ok();
    let year = form.raw(PackageField::PlanYear).parse::<i32>().ok();
    Ok(Offer {
        units: crate::services::units::writable(&state.db, &state.cache, &user.actor).await?,
        plans: service::plan_choices(&state.db, &user.actor, shown, year).await?,
    })
}

/// A refused unit is the officer's choice to correct: a message beside the unit choice, with
/// everything typed kept, not a page that loses it.
fn unit_refused(e: AppError) -> Result<Vec<FieldError>, PageError> {
    match e {
        AppError::Forbidden { .. } => Ok(vec![FieldError::new(
            PackageField::UnitId.wire(),
            "forbidden",
            "Bạn chỉ được chọn đơn vị của mình hoặc đơn vị trực thuộc",
        )]),
        other => field_errors(other),
    }
}

fn require_writer(user: &WebUser) -> Result<(), PageError> {
    if user.actor.writes_packages() {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden {
            message: format!(
                "Vai trò {} chỉ được xem, không được thêm gói thầu",
                user.actor.role.label_vi()
            ),
        }))
    }
}

/// A new form's first values: the unit and year a link from a unit's page or the dashboard
/// gives (`?unit_id=&plan_year=`), else the officer's own unit and this year in Vietnam.
fn first_values(user: &WebUser, query: Option<&str>) -> PackageForm {
    let mut form = PackageForm::default();
    if let Some(unit) = user.actor.unit_id {
        form.set(PackageField::UnitId, unit.to_string());
    }
    let year = chrono::Utc::now().with_timezone(&VIETNAM).year();
    form.set(PackageField::PlanYear, year.to_string());
    form.set(
        PackageField::Status,
        entity::PackageStatus::Planned.as_str().to_owned(),
    );
    for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let preset = [PackageField::UnitId, PackageField::PlanYear]
            .into_iter()
            .find(|f| f.wire() == name);
        if let Some(f) = preset.filter(|_| !value.trim().is_empty()) {
            form.set(f, value.trim().to_owned());
        }
    }
    form
}

pub async fn new_form(
    State(state): State<AppState>,
    user: WebUser,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    require_writer(&user)?;
    let form = first_values(&user, query.as_deref());
    let offer = offer(&state, &user, &form).await?;
    let shown = form_page(user.shell(&flash), &Which::New, &form, &offer);
    Ok(page(StatusCode::OK, &shown, &flash))
}

pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    require_writer(&user)?;
    let form = PackageForm::posted(&user, body)?;
    let errors = match form.read() {
        Ok(input) => match service::create(&state.db, &user.actor, input).await {
            Ok(view) => return Ok(saved(&view, "Đã thêm")),
            Err(e) => unit_refused(e)?,
        },
        Err(errors) => errors,
    };
    let offer = offer(&state, &user, &form).await?;
    let mut shown = form_page(user.shell(&Flash::default()), &Which::New, &form, &offer);
    shown.attach(&errors);
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        &shown,
        &Flash::default(),
    ))
}

fn saved(view: &PackageView, verb: &str) -> Response {
    redirect_with(
        &format!("/packages/{}", view.package.id),
        Notice::ok(format!("{verb} gói thầu «{}».", view.package.name)),
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: WebUser,
    PackageId(id): PackageId,
    flash: Flash,
) -> Result<Response, PageError> {
    let view = service::get(&state.db, &state.cache, id).await?;
    user.actor
        .require_package_write(&state.db, view.package.unit_id)
        .await?;
    let form = PackageForm::of(&NewPackage::from_model(&view.package));
    let offer = offer(&state, &user, &form).await?;
    let which = Which::Edit {
        id,
        name: view.package.name.clone(),
        version: view.package.version,
    };
    let shown = form_page(user.shell(&flash), &which, &form, &offer);
    Ok(page(StatusCode::OK, &shown, &flash))
}

/// What a save of an edit came to when it did not save.
enum Unsaved {
    /// Messages beside the fields.
    Errors(Vec<FieldError>),
    /// Someone saved first; the officer's input, to compare with what was saved.
    Stale(Box<NewPackage>),
}

pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    PackageId(id): PackageId,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    // A package the user may not change at all is refused as such; after this, a refusal is
    // about the unit chosen for it.
    let before = service::get(&state.db, &state.cache, id).await?;
    user.actor
        .require_package_write(&state.db, before.package.unit_id)
        .await?;
    let form = PackageForm::posted(&user, body)?;
    let version = form.version()?;
    let unsaved = match form.read() {
        Ok(input) => {
            let patch = PackagePatch::from(input.clone());
            match service::update(&state.db, &user.actor, id, version, patch).await {
                Ok(view) => return Ok(saved(&view, "Đã lưu")),
                Err(AppError::PreconditionFailed { .. }) => Unsaved::Stale(Box::new(input)),
                Err(e) => Unsaved::Errors(unit_refused(e)?),
            }
        }
        Err(errors) => Unsaved::Errors(errors),
    };
    unsaved_edit(&state, &user, &form, before, version, unsaved).await
}

/// The edit form again, as typed: with its messages (422), or after a lost race (409) with what
/// changed meanwhile and the current version, so a second save decides deliberately.
async fn unsaved_edit(
    state: &AppState,
    user: &WebUser,
    form: &PackageForm,
    before: PackageView,
    version: i32,
    unsaved: Unsaved,
) -> Result<Response, PageError> {
    let offer = offer(state, user, form).await?;
    let (current, errors, stale) = match unsaved {
        Unsaved::Errors(errors) => (before.package, errors, None),
        Unsaved::Stale(yours) => {
            let current = service::get(&state.db, &state.cache, before.package.id)
                .await?
                .package;
            let units = all_units(state, &[yours.unit_id, current.unit_id]).await?;
            let plans = plan_names(state, &[yours.plan_id, current.plan_id]).await?;
            let stale = stale_notice(&yours, &current, &super::Namer::new(&units, &plans));
            (current, Vec::new(), Some(stale))
        }
    };
    let which = Which::Edit {
        id: current.id,
        name: current.name.clone(),
        version: if stale.is_some() {
            current.version
        } else {
            version
        },
    };
    let mut shown = form_page(user.shell(&Flash::default()), &which, form, &offer);
    shown.attach(&errors);
    let status = if stale.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    shown.stale = stale;
    Ok(page(status, &shown, &Flash::default()))
}

/// Keep what this officer typed, show what changed meanwhile field by field.
fn stale_notice(
    yours: &NewPackage,
    current: &entity::package::Model,
    name: &super::Namer,
) -> Stale {
    let saved = NewPackage::from_model(current);
    let differences = PackageField::ALL
        .iter()
        .map(|f| (f, yours.value(*f), saved.value(*f)))
        .filter(|(_, a, b)| a != b)
        .map(|(f, a, b)| Difference {
            label: f.label(),
            yours: f.spec().show(&a, name),
            saved: f.spec().show(&b, name),
        })
        .collect();
    Stale {
        message: format!(
            "Trong lúc bạn sửa, gói thầu đã được lưu lại (phiên bản {} lúc {}). Những gì bạn nhập vẫn còn nguyên trong biểu mẫu dưới đây. Bảng sau so sánh với bản đã lưu; bấm «Lưu gói thầu» lần nữa để ghi những gì bạn nhập đè lên bản đó, hoặc «Hủy» để giữ bản đã lưu.",
            current.version,
            crate::reports::generated_line(current.updated_at)
        ),
        differences,
    }
}
