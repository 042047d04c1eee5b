//! A package's page: every field of the table as a person reads it, what follows from them (the
//! regime, small scale, the target's scope and why, warnings), and its history.

use super::{Namer, PackageId, all_units, plan_names};
use crate::AppState;
use crate::domain::fields::package::PackageField;
use crate::domain::fields::yes_no;
use crate::domain::overdue;
use crate::services::audit::Changes;
use crate::services::packages::{self as service, NewPackage, PackagePage, PackageView};
use crate::web::page::{Flash, PageError, page};
use crate::web::session::{Shell, WebUser};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

pub struct Fact {
    pub label: &'static str,
    pub value: String,
    /// Shown beside the value: the overdue flag beside the status.
    pub flag: Option<Flag>,
    /// Where the value leads: the plan's page.
    pub href: Option<String>,
}

/// A flag on a fact, with the one line that explains it.
pub struct Flag {
    pub text: &'static str,
    pub explanation: String,
}

/// The overdue flag of a package that is overdue, with its planned start.
fn overdue_flag(view: &PackageView) -> Option<Flag> {
    let p = &view.package;
    view.derived.overdue.then(|| Flag {
        text: overdue::LABEL_VI,
        explanation: overdue::explanation_vi(
            p.plan_year,
            p.planned_start_month,
            p.planned_start_quarter,
        ),
    })
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

/// The audit trail, newest first, each value shown as its field's kind reads. A field no longer
/// in the table (an older entry) keeps its recorded name and value.
fn history_lines(rows: Vec<entity::audit_log::Model>, names: &Namer) -> Vec<HistoryLine> {
    rows.into_iter()
        .rev()
        .map(|row| HistoryLine {
            at: crate::reports::generated_line(row.at),
            who: row.username,
            action: row.action.label_vi(),
            changes: in_table_order(&Changes::recorded(&row.changes))
                .into_iter()
                .map(|(field, old, new)| match PackageField::from_wire(field) {
                    Some(f) => FieldChange {
                        label: f.label().to_owned(),
                        old: f.spec().show(old, names),
                        new: f.spec().show(new, names),
                    },
                    None => FieldChange {
                        label: field.to_owned(),
                        old: old.to_string(),
                        new: new.to_string(),
                    },
                })
                .collect(),
        })
        .collect()
}

/// A change's fields in the order the page lists them (the recorded order is alphabetical);
/// fields the table no longer has come last.
fn in_table_order(changes: &Changes) -> Vec<(&str, &Value, &Value)> {
    let mut fields: Vec<_> = changes.fields().collect();
    fields.sort_by_key(|(field, _, _)| {
        PackageField::from_wire(field).map_or(usize::MAX, |f| f as usize)
    });
    fields
}

/// One event of the package's life, as the timeline shows it.
pub struct TimelineLine {
    pub at: String,
    pub who: String,
    pub what: String,
    /// The decision and the reason, when recorded.
    pub detail: String,
}

fn timeline_lines(events: Vec<(entity::package_event::Model, String)>) -> Vec<TimelineLine> {
    use crate::domain::fields::package::planned_start_vi;
    events
        .into_iter()
        .map(|(e, who)| {
            let what = match e.kind {
                entity::PackageEventKind::StatusChanged => match (e.from_status, e.to_status) {
                    (None, Some(to)) => format!("Ghi nhận gói thầu: {}", to.label_vi()),
                    (Some(from), Some(to)) => {
                        format!("{} → {}", from.label_vi(), to.label_vi())
                    }
                    _ => e.kind.label_vi().to_owned(),
                },
                entity::PackageEventKind::Replanned => format!(
                    "Điều chỉnh kế hoạch: {} → {}",
                    e.from_year.map_or_else(String::new, |y| {
                        planned_start_or_year(y, e.from_month, e.from_quarter, planned_start_vi)
                    }),
                    e.to_year.map_or_else(String::new, |y| {
                        planned_start_or_year(y, e.to_month, e.to_quarter, planned_start_vi)
                    }),
                ),
            };
            let mut detail = Vec::new();
            if let Some(no) = &e.decision_no {
                detail.push(match e.decision_date {
                    Some(d) => format!("Quyết định {no} ngày {}", d.format("%d/%m/%Y")),
                    None => format!("Quyết định {no}"),
                });
            }
            if let Some(reason) = &e.reason {
                detail.push(format!("Lý do: {reason}"));
            }
            TimelineLine {
                at: crate::reports::generated_line(e.at),
                who,
                what,
                detail: detail.join(". "),
            }
        })
        .collect()
}

/// `08/2019`, `Quý III/2019`, or the year alone.
fn planned_start_or_year(
    year: i32,
    month: Option<i16>,
    quarter: Option<i16>,
    show: fn(i32, Option<i16>, Option<i16>) -> String,
) -> String {
    if month.is_none() && quarter.is_none() {
        format!("năm {year}")
    } else {
        show(year, month, quarter)
    }
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
    /// Oldest first: a life reads forward.
    timeline: Vec<TimelineLine>,
    shell: Shell,
}

/// What follows from the fields: the regime by its name, small scale, the version.
fn derived_facts(view: &PackageView, regime_name: Option<String>) -> Vec<Fact> {
    let (p, derived) = (&view.package, &view.derived);
    vec![
        Fact {
            label: "Văn bản áp dụng",
            value: regime_name.unwrap_or_else(|| "Không xác định".to_owned()),
            flag: None,
            href: None,
        },
        Fact {
            label: "Quy mô nhỏ",
            value: derived
                .small_scale
                .map_or("Không xác định", yes_no)
                .to_owned(),
            flag: None,
            href: None,
        },
        Fact {
            label: "Phiên bản",
            value: format!(
                "{} (cập nhật {})",
                p.version,
                crate::reports::generated_line(p.updated_at)
            ),
            flag: None,
            href: None,
        },
    ]
}

pub async fn show(
    State(state): State<AppState>,
    user: WebUser,
    PackageId(id): PackageId,
    flash: Flash,
) -> Result<Response, PageError> {
    let data = service::page(&state.db, &state.cache, &user.actor, id).await?;
    let units = all_units(&state, &[data.view.package.unit_id]).await?;
    // The plans the page names: the package's, and those its history records.
    let mut plan_ids = vec![data.view.package.plan_id];
    for row in &data.history {
        for (field, old, new) in Changes::recorded(&row.changes).fields() {
            if field == PackageField::PlanId.wire() {
                plan_ids.extend([old.as_i64(), new.as_i64()]);
            }
        }
    }
    let plans = plan_names(&state, &plan_ids).await?;
    let shown = show_page(data, &Namer::new(&units, &plans), user.shell(&flash));
    Ok(page(StatusCode::OK, &shown, &flash))
}

fn show_page(data: PackagePage, names: &Namer, shell: Shell) -> ShowPage {
    let PackagePage {
        view,
        regime_name,
        editable,
        history,
        timeline,
    } = data;
    let (scope_class, scope_text) = scope_badge(view.derived.in_target_scope);
    ShowPage {
        id: view.package.id,
        version: view.package.version,
        online: view.package.online,
        facts: NewPackage::from_model(&view.package)
            .values()
            .map(|(f, v)| Fact {
                label: f.label(),
                value: f.spec().show(&v, names),
                flag: if f == PackageField::Status {
                    overdue_flag(&view)
                } else {
                    None
                },
                href: match (f, v.as_i64()) {
                    (PackageField::PlanId, Some(plan)) => Some(format!("/plans/{plan}")),
                    _ => None,
                },
            })
            .collect(),
        derived: derived_facts(&view, regime_name),
        scope_class,
        scope_text,
        scope_reason: view.derived.scope_reason.as_ref().map_or_else(
            || "Không có chỉ tiêu nào áp dụng cho năm của gói thầu.".to_owned(),
            |r| r.message_vi(),
        ),
        warnings: view
            .derived
            .warnings
            .iter()
            .map(|w| w.message_vi())
            .collect(),
        editable,
        history: history_lines(history, names),
        timeline: timeline_lines(timeline),
        name: view.package.name,
        shell,
    }
}

pub fn scope_badge(in_scope: Option<bool>) -> (&'static str, &'static str) {
    match in_scope {
        Some(true) => ("yes", "Thuộc phạm vi chỉ tiêu"),
        Some(false) => ("out", "Ngoài phạm vi chỉ tiêu"),
        None => ("out", "Không có chỉ tiêu"),
    }
}
