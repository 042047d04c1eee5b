//! One package: its page (every field, why it is in or out of the target's scope, warnings), the
//! create and edit forms, the one-click online switch and deletion. Forms parse the typed text
//! into the API's command types and then go through the same services.

use super::form::{Choice, Difference, FormPage, Input, Section, Stale};
use super::page::{
    Flash, Notice, PageError, Params, field_errors, form_body, local_path, page, path_id,
    redirect_with,
};
use super::session::{Shell, WebUser};
use crate::AppState;
use crate::db;
use crate::domain::money::{format_vnd, group_thousands, parse_vnd};
use crate::error::{AppError, FieldError};
use crate::services::packages::{self as service, NewPackage, PackagePatch, PackageView};
use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::{
    ContractType, Field, Method, OnlineExemptReason, PackageStatus, Procedure, package, unit,
};
use std::str::FromStr;

/// The id in `/packages/{id}`; anything else is a page that does not exist.
fn package_id(raw: &str) -> Result<i64, PageError> {
    path_id(raw, "gói thầu")
}

// ---------------------------------------------------------------------------------------------
// Reading the typed text

/// Reads the form into the API's command type; one message per field that does not parse.
pub fn parse(p: &Params) -> Result<NewPackage, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = p.get("name").to_owned();
    if name.is_empty() {
        errors.push(FieldError::new(
            "name",
            "required",
            "Chưa nhập tên gói thầu",
        ));
    }
    let unit_id = required(
        p,
        "unit_id",
        "Chưa chọn đơn vị",
        "Đơn vị không hợp lệ",
        &mut errors,
    );
    let plan_year = required(
        p,
        "plan_year",
        "Chưa nhập năm kế hoạch",
        "Năm kế hoạch phải là một số, ví dụ 2019",
        &mut errors,
    );
    let planned_start_month = optional(
        p,
        "planned_start_month",
        "Tháng phải từ 1 đến 12",
        &mut errors,
    );
    let field = required(
        p,
        "field",
        "Chưa chọn lĩnh vực",
        "Lĩnh vực không hợp lệ",
        &mut errors,
    );
    let method = required(
        p,
        "method",
        "Chưa chọn hình thức",
        "Hình thức không hợp lệ",
        &mut errors,
    );
    let procedure = optional(p, "procedure", "Phương thức không hợp lệ", &mut errors);
    let contract_type = optional(
        p,
        "contract_type",
        "Loại hợp đồng không hợp lệ",
        &mut errors,
    );
    let online_exempt_reason =
        optional(p, "online_exempt_reason", "Lý do không hợp lệ", &mut errors);
    let status = required(
        p,
        "status",
        "Chưa chọn trạng thái",
        "Trạng thái không hợp lệ",
        &mut errors,
    );
    let package_price_vnd = match parse_vnd(p.get("package_price_vnd")) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(FieldError::new("package_price_vnd", "money", e.to_string()));
            None
        }
    };
    let winning_price_vnd = match p.opt("winning_price_vnd").map(parse_vnd) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            errors.push(FieldError::new("winning_price_vnd", "money", e.to_string()));
            None
        }
    };
    let result_date = match p.opt("result_date").map(crate::import::parse_date) {
        None => None,
        Some(Some(d)) => Some(d),
        Some(None) => {
            errors.push(FieldError::new(
                "result_date",
                "date",
                "Ngày không hợp lệ: nhập dd/mm/yyyy, ví dụ 15/03/2019",
            ));
            None
        }
    };
    let (
        Some(unit_id),
        Some(plan_year),
        Some(field),
        Some(method),
        Some(status),
        Some(package_price_vnd),
    ) = (unit_id, plan_year, field, method, status, package_price_vnd)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewPackage {
        unit_id,
        name,
        code: p.opt("code").map(str::to_owned),
        plan_code: p.opt("plan_code").map(str::to_owned),
        plan_year,
        planned_start_month,
        field,
        method,
        procedure,
        international: p.checked("international"),
        package_price_vnd,
        funding_source: p.opt("funding_source").map(str::to_owned),
        contract_type,
        online: p.checked("online"),
        online_exempt_reason,
        status,
        result_date,
        winning_price_vnd,
        contractor_name: p.opt("contractor_name").map(str::to_owned),
        notes: p.opt("notes").map(str::to_owned),
    })
}

fn required<T: FromStr>(
    p: &Params,
    name: &'static str,
    missing: &str,
    invalid: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    if p.opt(name).is_none() {
        errors.push(FieldError::new(name, "required", missing));
        return None;
    }
    optional(p, name, invalid, errors)
}

fn optional<T: FromStr>(
    p: &Params,
    name: &'static str,
    invalid: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let v = p.opt(name)?;
    match v.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.push(FieldError::new(name, "invalid", invalid));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Showing values

/// A stored or parsed package as the form's raw values (the start of an edit).
fn params_of(p: &NewPackage) -> Params {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("unit_id", &p.unit_id.to_string())
        .append_pair("name", &p.name)
        .append_pair("code", &opt(&p.code))
        .append_pair("plan_code", &opt(&p.plan_code))
        .append_pair("plan_year", &p.plan_year.to_string())
        .append_pair(
            "planned_start_month",
            &p.planned_start_month
                .map(|m| m.to_string())
                .unwrap_or_default(),
        )
        .append_pair("field", p.field.as_str())
        .append_pair("method", p.method.as_str())
        .append_pair("procedure", p.procedure.map_or("", |v| v.as_str()))
        .append_pair("package_price_vnd", &group_thousands(p.package_price_vnd))
        .append_pair("funding_source", &opt(&p.funding_source))
        .append_pair("contract_type", p.contract_type.map_or("", |v| v.as_str()))
        .append_pair(
            "online_exempt_reason",
            p.online_exempt_reason.map_or("", |v| v.as_str()),
        )
        .append_pair("status", p.status.as_str())
        .append_pair(
            "result_date",
            &p.result_date.map(|d| d.to_string()).unwrap_or_default(),
        )
        .append_pair(
            "winning_price_vnd",
            &p.winning_price_vnd.map(group_thousands).unwrap_or_default(),
        )
        .append_pair("contractor_name", &opt(&p.contractor_name))
        .append_pair("notes", &opt(&p.notes));
    if p.international {
        s.append_pair("international", "on");
    }
    if p.online {
        s.append_pair("online", "on");
    }
    Params::parse(s.finish().as_bytes())
}

fn yes_no(b: bool) -> String {
    if b { "Có" } else { "Không" }.to_owned()
}

/// Every field as a label and the text a person reads, in form order.
fn display(p: &NewPackage, units: &[unit::Model]) -> Vec<(&'static str, String)> {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".to_owned());
    let unit = units.iter().find(|u| u.id == p.unit_id).map_or_else(
        || p.unit_id.to_string(),
        |u| format!("{} ({})", u.name, u.code),
    );
    vec![
        ("Đơn vị", unit),
        ("Tên gói thầu", p.name.clone()),
        ("Số thông báo mời thầu", text(&p.code)),
        ("Số kế hoạch", text(&p.plan_code)),
        ("Năm kế hoạch", p.plan_year.to_string()),
        (
            "Tháng bắt đầu lựa chọn",
            p.planned_start_month
                .map_or_else(|| "–".to_owned(), |m| format!("Tháng {m}")),
        ),
        ("Lĩnh vực", p.field.label_vi().to_owned()),
        ("Hình thức lựa chọn", p.method.label_vi().to_owned()),
        (
            "Phương thức",
            p.procedure.map_or("–", Procedure::label_vi).to_owned(),
        ),
        ("Đấu thầu quốc tế", yes_no(p.international)),
        ("Giá gói thầu", format_vnd(p.package_price_vnd)),
        ("Nguồn vốn", text(&p.funding_source)),
        (
            "Loại hợp đồng",
            p.contract_type
                .map_or("–", ContractType::label_vi)
                .to_owned(),
        ),
        ("Lựa chọn nhà thầu qua mạng", yes_no(p.online)),
        (
            "Lý do không qua mạng",
            p.online_exempt_reason
                .map_or("–", OnlineExemptReason::label_vi)
                .to_owned(),
        ),
        ("Trạng thái", p.status.label_vi().to_owned()),
        (
            "Ngày phê duyệt kết quả",
            p.result_date
                .map_or_else(|| "–".to_owned(), |d| d.format("%d/%m/%Y").to_string()),
        ),
        (
            "Giá trúng thầu",
            p.winning_price_vnd
                .map_or_else(|| "–".to_owned(), format_vnd),
        ),
        ("Nhà thầu trúng thầu", text(&p.contractor_name)),
        ("Ghi chú", text(&p.notes)),
    ]
}

const MONTHS: [&str; 12] = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];

fn enum_choices<T: Copy + 'static>(
    current: &str,
    empty: Option<&str>,
    all: &'static [T],
    wire: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    Choice::list(current, empty, all.iter().map(|v| (wire(*v), label(*v))))
}

fn sections(p: &Params, units: &[unit::Model]) -> Vec<Section> {
    let unit_options: Vec<Choice> = {
        let current = p.get("unit_id");
        let mut out = vec![Choice {
            value: String::new(),
            label: "— Chọn đơn vị —".to_owned(),
            selected: current.is_empty(),
        }];
        out.extend(units.iter().map(|u| Choice {
            value: u.id.to_string(),
            label: format!("{} ({})", u.name, u.code),
            selected: u.id.to_string() == current,
        }));
        out
    };
    vec![
        Section {
            legend: "Thông tin chung",
            inputs: vec![
                Input::select("unit_id", "Đơn vị", unit_options).required(),
                Input::text("name", "Tên gói thầu", p.get("name")).required(),
                Input::text("code", "Số thông báo mời thầu (TBMT)", p.get("code"))
                    .hint("Số trên Hệ thống mạng đấu thầu quốc gia, ví dụ IB1900012345"),
                Input::text(
                    "plan_code",
                    "Số kế hoạch lựa chọn nhà thầu",
                    p.get("plan_code"),
                ),
                Input::number("plan_year", "Năm kế hoạch", p.get("plan_year")).required(),
                Input::select(
                    "planned_start_month",
                    "Tháng bắt đầu lựa chọn",
                    Choice::list(
                        p.get("planned_start_month"),
                        Some("Chưa xác định"),
                        MONTHS.iter().map(|m| (*m, *m)),
                    ),
                )
                .hint("Quyết định văn bản pháp luật áp dụng (ngưỡng quy mô nhỏ)"),
                Input::text("funding_source", "Nguồn vốn", p.get("funding_source")),
            ],
        },
        Section {
            legend: "Hình thức, lĩnh vực, giá",
            inputs: vec![
                Input::select(
                    "field",
                    "Lĩnh vực",
                    enum_choices(
                        p.get("field"),
                        Some("— Chọn —"),
                        Field::ALL,
                        Field::as_str,
                        Field::label_vi,
                    ),
                )
                .required(),
                Input::select(
                    "method",
                    "Hình thức lựa chọn nhà thầu",
                    enum_choices(
                        p.get("method"),
                        Some("— Chọn —"),
                        Method::ALL,
                        Method::as_str,
                        Method::label_vi,
                    ),
                )
                .required(),
                Input::select(
                    "procedure",
                    "Phương thức",
                    enum_choices(
                        p.get("procedure"),
                        Some("Không ghi"),
                        Procedure::ALL,
                        Procedure::as_str,
                        Procedure::label_vi,
                    ),
                ),
                Input::select(
                    "contract_type",
                    "Loại hợp đồng",
                    enum_choices(
                        p.get("contract_type"),
                        Some("Không ghi"),
                        ContractType::ALL,
                        ContractType::as_str,
                        ContractType::label_vi,
                    ),
                ),
                Input::checkbox(
                    "international",
                    "Đấu thầu quốc tế",
                    p.checked("international"),
                ),
                Input::money(
                    "package_price_vnd",
                    "Giá gói thầu (đồng)",
                    p.get("package_price_vnd"),
                )
                .required(),
            ],
        },
        Section {
            legend: "Lựa chọn nhà thầu qua mạng",
            inputs: vec![
                Input::checkbox("online", "Lựa chọn nhà thầu qua mạng", p.checked("online")),
                Input::select(
                    "online_exempt_reason",
                    "Lý do không thực hiện qua mạng",
                    enum_choices(
                        p.get("online_exempt_reason"),
                        Some("Không có"),
                        OnlineExemptReason::ALL,
                        OnlineExemptReason::as_str,
                        OnlineExemptReason::label_vi,
                    ),
                )
                .hint("Chỉ ghi cho gói thầu không qua mạng"),
            ],
        },
        Section {
            legend: "Tiến độ và kết quả",
            inputs: vec![
                Input::select(
                    "status",
                    "Trạng thái",
                    enum_choices(
                        if p.get("status").is_empty() {
                            "planned"
                        } else {
                            p.get("status")
                        },
                        None,
                        PackageStatus::ALL,
                        PackageStatus::as_str,
                        PackageStatus::label_vi,
                    ),
                )
                .required(),
                Input::date(
                    "result_date",
                    "Ngày phê duyệt kết quả",
                    p.get("result_date"),
                ),
                Input::money(
                    "winning_price_vnd",
                    "Giá trúng thầu (đồng)",
                    p.get("winning_price_vnd"),
                ),
                Input::text(
                    "contractor_name",
                    "Nhà thầu trúng thầu",
                    p.get("contractor_name"),
                ),
            ],
        },
        Section {
            legend: "Ghi chú",
            inputs: vec![Input::textarea("notes", "Ghi chú", p.get("notes"))],
        },
    ]
}

fn form_page(
    shell: Shell,
    title: String,
    action: String,
    cancel: String,
    p: &Params,
    units: &[unit::Model],
    hidden: Vec<(&'static str, String)>,
) -> FormPage {
    FormPage {
        title,
        intro: Some("Các trường có dấu * là bắt buộc.".to_owned()),
        action,
        hidden,
        sections: sections(p, units),
        summary: Vec::new(),
        stale: None,
        submit: "Lưu gói thầu",
        cancel,
        shell,
    }
}

/// The units the user may file packages under: the unit choice offers no other.
async fn unit_choices(state: &AppState, user: &WebUser) -> Result<Vec<unit::Model>, PageError> {
    let scope = crate::services::accounts::WriteScope::of(&state.db, &user.actor).await?;
    Ok(crate::db::units::all(&state.db)
        .await?
        .into_iter()
        .filter(|u| scope.allows(u.id))
        .collect())
}

/// A refused unit is the officer's choice to correct: a message beside the unit choice, with
/// everything typed kept, not a page that loses it.
fn unit_refused(e: AppError) -> Result<Vec<crate::error::FieldError>, PageError> {
    match e {
        AppError::Forbidden { .. } => Ok(vec![crate::error::FieldError::new(
            "unit_id",
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

// ---------------------------------------------------------------------------------------------
// Handlers

pub async fn new_form(
    State(state): State<AppState>,
    user: WebUser,
    RawQuery(query): RawQuery,
    flash: Flash,
) -> Result<Response, PageError> {
    require_writer(&user)?;
    let units = unit_choices(&state, &user).await?;
    let q = Params::query(query.as_deref());
    // A link from a unit's page or the dashboard may preselect the unit and year; otherwise an
    // officer's own unit.
    let own = user
        .actor
        .unit_id
        .map(|u| u.to_string())
        .unwrap_or_default();
    let mut start = form_urlencoded::Serializer::new(String::new());
    start.append_pair("unit_id", q.opt("unit_id").unwrap_or(&own));
    start.append_pair(
        "plan_year",
        q.opt("plan_year")
            .unwrap_or(&chrono::Datelike::year(&chrono::Utc::now()).to_string()),
    );
    start.append_pair("status", "planned");
    let values = Params::parse(start.finish().as_bytes());
    let form = form_page(
        user.shell(&flash),
        "Thêm gói thầu".to_owned(),
        "/packages/new".to_owned(),
        "/packages".to_owned(),
        &values,
        &units,
        Vec::new(),
    );
    Ok(page(StatusCode::OK, &form, &flash))
}

pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    require_writer(&user)?;
    let p = form_body(body)?;
    user.check_csrf(&p)?;
    let outcome = match parse(&p) {
        Ok(input) => match service::create(&state.db, &user.actor, input).await {
            Ok(view) => {
                return Ok(redirect_with(
                    &format!("/packages/{}", view.package.id),
                    Notice::ok(format!("Đã thêm gói thầu «{}».", view.package.name)),
                ));
            }
            Err(e) => unit_refused(e)?,
        },
        Err(errors) => errors,
    };
    let units = unit_choices(&state, &user).await?;
    let mut form = form_page(
        user.shell(&Flash::default()),
        "Thêm gói thầu".to_owned(),
        "/packages/new".to_owned(),
        "/packages".to_owned(),
        &p,
        &units,
        Vec::new(),
    );
    form.attach(&outcome);
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form,
        &Flash::default(),
    ))
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    flash: Flash,
) -> Result<Response, PageError> {
    let id = package_id(&id)?;
    let view = service::get(&state.db, &state.cache, id).await?;
    user.actor
        .require_package_write(&state.db, view.package.unit_id)
        .await?;
    let units = unit_choices(&state, &user).await?;
    let values = params_of(&NewPackage::from_model(&view.package));
    let form = form_page(
        user.shell(&flash),
        format!("Sửa gói thầu «{}»", view.package.name),
        format!("/packages/{id}/edit"),
        format!("/packages/{id}"),
        &values,
        &units,
        vec![("version", view.package.version.to_string())],
    );
    Ok(page(StatusCode::OK, &form, &flash))
}

pub async fn update(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let id = package_id(&id)?;
    // A package the user may not change at all is refused as such; after this, a refusal is
    // about the unit chosen for it.
    let before = service::get(&state.db, &state.cache, id).await?;
    user.actor
        .require_package_write(&state.db, before.package.unit_id)
        .await?;
    let p = form_body(body)?;
    user.check_csrf(&p)?;
    let version = form_version(&p)?;
    let parsed = parse(&p);
    let (errors, stale) = match parsed {
        Ok(input) => {
            match service::update(
                &state.db,
                &user.actor,
                id,
                version,
                PackagePatch::from(input.clone()),
            )
            .await
            {
                Ok(view) => {
                    return Ok(redirect_with(
                        &format!("/packages/{id}"),
                        Notice::ok(format!("Đã lưu gói thầu «{}».", view.package.name)),
                    ));
                }
                Err(AppError::PreconditionFailed { .. }) => (Vec::new(), Some(input)),
                Err(e) => (unit_refused(e)?, None),
            }
        }
        Err(errors) => (errors, None),
    };
    // Only a save that lost the race needs the package as it is now; otherwise it is unchanged.
    let current = if stale.is_some() {
        service::get(&state.db, &state.cache, id).await?
    } else {
        before
    };
    let units = crate::db::units::all(&state.db).await?;
    let choices = unit_choices(&state, &user).await?;
    let mut hidden_version = version;
    let mut stale_notice = None;
    if let Some(yours) = stale {
        // Someone saved first. Keep what this officer typed, show what changed meanwhile, and
        // let a second save (now against the current version) decide deliberately.
        let saved = NewPackage::from_model(&current.package);
        let differences = display(&yours, &units)
            .into_iter()
            .zip(display(&saved, &units))
            .filter(|(a, b)| a.1 != b.1)
            .map(|((label, yours), (_, saved))| Difference {
                label,
                yours,
                saved,
            })
            .collect();
        hidden_version = current.package.version;
        stale_notice = Some(Stale {
            message: format!(
                "Trong lúc bạn sửa, gói thầu đã được lưu lại (phiên bản {} lúc {}). Những gì bạn nhập vẫn còn nguyên trong biểu mẫu dưới đây. Bảng sau so sánh với bản đã lưu; bấm «Lưu gói thầu» lần nữa để ghi những gì bạn nhập đè lên bản đó, hoặc «Hủy» để giữ bản đã lưu.",
                current.package.version,
                crate::reports::generated_line(current.package.updated_at)
            ),
            differences,
        });
    }
    let mut form = form_page(
        user.shell(&Flash::default()),
        format!("Sửa gói thầu «{}»", current.package.name),
        format!("/packages/{id}/edit"),
        format!("/packages/{id}"),
        &p,
        &choices,
        vec![("version", hidden_version.to_string())],
    );
    form.attach(&errors);
    form.stale = stale_notice;
    let status = if form.stale.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(page(status, &form, &Flash::default()))
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

pub struct FieldChange {
    pub label: String,
    pub old: String,
    pub new: String,
}

/// One entry of the package's history, as the page shows it.
pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub action: &'static str,
    pub changes: Vec<FieldChange>,
}

/// The Vietnamese label of a package field of the audit trail.
fn field_label(field: &str) -> String {
    let label = match field {
        "unit_id" => "Đơn vị",
        "name" => "Tên gói thầu",
        "code" => "Số thông báo mời thầu",
        "plan_code" => "Số kế hoạch",
        "plan_year" => "Năm kế hoạch",
        "planned_start_month" => "Tháng bắt đầu lựa chọn",
        "field" => "Lĩnh vực",
        "method" => "Hình thức lựa chọn",
        "procedure" => "Phương thức",
        "international" => "Đấu thầu quốc tế",
        "package_price_vnd" => "Giá gói thầu",
        "funding_source" => "Nguồn vốn",
        "contract_type" => "Loại hợp đồng",
        "online" => "Lựa chọn nhà thầu qua mạng",
        "online_exempt_reason" => "Lý do không qua mạng",
        "status" => "Trạng thái",
        "result_date" => "Ngày phê duyệt kết quả",
        "winning_price_vnd" => "Giá trúng thầu",
        "contractor_name" => "Nhà thầu trúng thầu",
        "notes" => "Ghi chú",
        other => other,
    };
    label.to_owned()
}

/// A recorded value as a person reads it: labels for enums, đồng for money, Có/Không.
fn show_value(field: &str, v: &serde_json::Value, units: &[unit::Model]) -> String {
    use serde_json::Value;
    fn label<T: FromStr>(s: &str, f: fn(T) -> &'static str) -> String {
        s.parse::<T>()
            .map_or_else(|_| s.to_owned(), |v| f(v).to_owned())
    }
    match (field, v) {
        (_, Value::Null) => "–".to_owned(),
        (_, Value::Bool(b)) => yes_no(*b),
        ("package_price_vnd" | "winning_price_vnd", Value::Number(n)) => {
            n.as_i64().map_or_else(|| n.to_string(), format_vnd)
        }
        ("unit_id", Value::Number(n)) => n
            .as_i64()
            .and_then(|id| units.iter().find(|u| u.id == id))
            .map_or_else(|| n.to_string(), |u| u.name.clone()),
        ("field", Value::String(s)) => label(s, Field::label_vi),
        ("method", Value::String(s)) => label(s, Method::label_vi),
        ("procedure", Value::String(s)) => label(s, Procedure::label_vi),
        ("contract_type", Value::String(s)) => label(s, ContractType::label_vi),
        ("online_exempt_reason", Value::String(s)) => label(s, OnlineExemptReason::label_vi),
        ("status", Value::String(s)) => label(s, PackageStatus::label_vi),
        ("result_date", Value::String(s)) => crate::import::parse_date(s)
            .map_or_else(|| s.clone(), |d| d.format("%d/%m/%Y").to_string()),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

fn history_lines(rows: Vec<entity::audit_log::Model>, units: &[unit::Model]) -> Vec<HistoryLine> {
    rows.into_iter()
        .rev()
        .map(|row| {
            let changes =
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&row.changes)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(field, change)| FieldChange {
                        label: field_label(&field),
                        old: show_value(&field, &change["old"], units),
                        new: show_value(&field, &change["new"], units),
                    })
                    .collect();
            HistoryLine {
                at: crate::reports::generated_line(row.at),
                who: row.username,
                action: row.action.label_vi(),
                changes,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "package.html")]
struct ShowPage {
    id: i64,
    version: i32,
    name: String,
    online: bool,
    facts: Vec<Fact>,
    derived: Vec<Fact>,
    scope_class: &'static str,
    scope_text: &'static str,
    scope_reason: String,
    warnings: Vec<String>,
    /// The signed-in user may change this package.
    editable: bool,
    /// Newest first.
    history: Vec<HistoryLine>,
    shell: Shell,
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    flash: Flash,
) -> Result<Response, PageError> {
    let id = package_id(&id)?;
    let PackageView {
        package: p,
        derived,
    } = service::get(&state.db, &state.cache, id).await?;
    let units = crate::db::units::all(&state.db).await?;
    let regimes = db::reference::regimes(&state.db).await?;
    let regime_name = derived.regime.as_ref().and_then(|code| {
        regimes
            .as_slice()
            .iter()
            .find(|r| &r.code == code)
            .map(|r| r.name.clone())
    });
    let (scope_class, scope_text) = scope_badge(derived.in_target_scope);
    let facts = display(&NewPackage::from_model(&p), &units)
        .into_iter()
        .map(|(label, value)| Fact { label, value })
        .collect();
    let derived_facts = vec![
        Fact {
            label: "Văn bản áp dụng",
            value: regime_name.unwrap_or_else(|| "Không xác định".to_owned()),
        },
        Fact {
            label: "Quy mô nhỏ",
            value: derived
                .small_scale
                .map_or_else(|| "Không xác định".to_owned(), yes_no),
        },
        Fact {
            label: "Phiên bản",
            value: format!(
                "{} (cập nhật {})",
                p.version,
                crate::reports::generated_line(p.updated_at)
            ),
        },
    ];
    let show = ShowPage {
        id,
        version: p.version,
        online: p.online,
        facts,
        derived: derived_facts,
        scope_class,
        scope_text,
        scope_reason: derived
            .scope_reason
            .map(|r| r.message_vi())
            .unwrap_or_else(|| "Không có chỉ tiêu nào áp dụng cho năm của gói thầu.".to_owned()),
        warnings: derived.warnings.iter().map(|w| w.message_vi()).collect(),
        editable: user
            .actor
            .may_write_unit(&db::units::lineage(&state.db, p.unit_id).await?),
        history: history_lines(
            crate::services::audit::history(&state.db, service::AUDIT_ENTITY, id).await?,
            &units,
        ),
        name: p.name,
        shell: user.shell(&flash),
    };
    Ok(page(StatusCode::OK, &show, &flash))
}

pub fn scope_badge(in_scope: Option<bool>) -> (&'static str, &'static str) {
    match in_scope {
        Some(true) => ("yes", "Thuộc phạm vi chỉ tiêu"),
        Some(false) => ("out", "Ngoài phạm vi chỉ tiêu"),
        None => ("out", "Không có chỉ tiêu"),
    }
}

fn form_version(p: &Params) -> Result<i32, PageError> {
    p.get("version").parse().map_err(|_| {
        PageError(AppError::BadRequest {
            code: "invalid_form",
            message: "Biểu mẫu thiếu phiên bản của gói thầu; hãy tải lại trang".to_owned(),
            errors: Vec::new(),
        })
    })
}

/// One click from the register or the package page: select online, or not.
pub async fn set_online(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let id = package_id(&id)?;
    let p = form_body(body)?;
    user.check_csrf(&p)?;
    let version = form_version(&p)?;
    let online = match p.get("online") {
        "true" => true,
        "false" => false,
        _ => {
            return Err(PageError(AppError::BadRequest {
                code: "invalid_form",
                message: "Thiếu lựa chọn qua mạng / không qua mạng".to_owned(),
                errors: Vec::new(),
            }));
        }
    };
    let back = local_path(p.get("back"), format!("/packages/{id}"));
    let patch = PackagePatch {
        online: Some(online),
        // An exemption only describes a package that is not online.
        online_exempt_reason: online.then_some(None),
        ..PackagePatch::default()
    };
    let notice = match service::update(&state.db, &user.actor, id, version, patch).await {
        Ok(view) => Notice::ok(if online {
            format!(
                "Đã chuyển gói thầu «{}» sang lựa chọn qua mạng.",
                view.package.name
            )
        } else {
            format!(
                "Gói thầu «{}» không còn lựa chọn qua mạng.",
                view.package.name
            )
        }),
        Err(AppError::PreconditionFailed { .. }) => Notice::error(
            "Gói thầu vừa được người khác sửa nên chưa đổi được. Trang đã tải lại với dữ liệu mới nhất; hãy kiểm tra rồi bấm lại.",
        ),
        Err(AppError::Validation(errors)) => Notice::error(format!(
            "Chưa đổi được: {}",
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        Err(e) => return Err(PageError(e)),
    };
    Ok(redirect_with(&back, notice))
}

#[derive(Template)]
#[template(path = "package_delete.html")]
struct DeletePage {
    id: i64,
    version: i32,
    name: String,
    shell: Shell,
}

pub async fn delete_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = package_id(&id)?;
    let p: package::Model = service::get(&state.db, &state.cache, id).await?.package;
    user.actor
        .require_package_write(&state.db, p.unit_id)
        .await?;
    let confirm = DeletePage {
        id,
        version: p.version,
        name: p.name,
        shell: user.shell(&Flash::default()),
    };
    Ok(page(StatusCode::OK, &confirm, &Flash::default()))
}

pub async fn delete(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let id = package_id(&id)?;
    let p = form_body(body)?;
    user.check_csrf(&p)?;
    let version = form_version(&p)?;
    match service::delete(&state.db, &user.actor, id, version).await {
        Ok(()) => Ok(redirect_with("/packages", Notice::ok("Đã xóa gói thầu."))),
        Err(AppError::PreconditionFailed { .. }) => Ok(redirect_with(
            &format!("/packages/{id}"),
            Notice::error(
                "Gói thầu vừa được người khác sửa nên chưa xóa. Hãy xem lại dữ liệu mới nhất dưới đây trước khi xóa.",
            ),
        )),
        Err(e) => Err(PageError(e)),
    }
}
