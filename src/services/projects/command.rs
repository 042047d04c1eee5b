//! The command types every interface fills for projects, plans and adjustments (create and
//! patch), their checks — shape through `validator`, the domain's rules after it, every refusal
//! at once — and each command field by field through its table (`domain::fields::project`,
//! `domain::fields::plan`): the values the audit trail records and the pages show, and a form's
//! raw text read into the same command the API deserializes.

use crate::domain::fields::plan::{AdjustmentField, PlanField, check_decision_date};
use crate::domain::fields::project::{CODE_MAX_CHARS, CODE_PUNCTUATION, ProjectField, check_group};
use crate::domain::money::{MAX_VND, format_vnd};
use crate::domain::text::{Lines, check_code, check_plain, normalize_code, search_text};
use crate::error::{AppError, FieldError};
use crate::services::audit::Snapshot;
use crate::services::{clean, double_option};
use chrono::NaiveDate;
use entity::{FundingKind, ProjectGroup, ProjectKind, plan_adjustment, project, selection_plan};
use sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use validator::{Validate, ValidationError};

/// A project or purchase estimate as entered. Text is trimmed and empty text is absent; the
/// code is normalised (compatibility forms folded, trimmed, upper-cased) before it is checked
/// or compared. Text may not hold control characters nor characters that hide or reorder text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// The owner unit (the investor, chủ đầu tư): who may change the project follows from it.
    pub unit_id: i64,
    /// The project's code on VNEPS (`PR` + yy + 8 digits); other codes are accepted: an ASCII
    /// letter or digit, then letters, digits, `-`, `_`, `.` or `/`, at most 40. Unique; stored
    /// upper-case.
    #[validate(custom(function = "project_code"))]
    #[schema(max_length = 40, example = "PR1900012345")]
    pub code: Option<String>,
    #[validate(
        length(min = 1, max = 500, message = "Tên dự án phải có từ 1 đến 500 ký tự"),
        custom(function = "project_name_text")
    )]
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Cải tạo, nâng cấp trường THCS Văn Quán"
    )]
    pub name: String,
    pub kind: ProjectKind,
    /// Required for an investment project; absent (or null) for every other kind.
    pub project_group: Option<ProjectGroup>,
    pub funding_kind: FundingKind,
    /// The source in the decision's own words.
    #[validate(
        length(max = 500, message = "Nguồn vốn cụ thể tối đa 500 ký tự"),
        custom(function = "funding_source_text")
    )]
    #[schema(max_length = 500, example = "Ngân sách quận năm 2019")]
    pub funding_source: Option<String>,
    /// Total investment or purchase estimate, in whole đồng: 0 to 10^15.
    #[validate(custom(function = "total_amount"))]
    #[schema(minimum = 0, maximum = 1000000000000000_i64, example = 45000000000_i64)]
    pub total_vnd: Option<i64>,
}

/// Changes to a project (a JSON merge patch): an absent field is unchanged, `null` clears an
/// optional field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    pub unit_id: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 40)]
    pub code: Option<Option<String>>,
    #[schema(min_length = 1, max_length = 500)]
    pub name: Option<String>,
    pub kind: Option<ProjectKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<ProjectGroup>)]
    pub project_group: Option<Option<ProjectGroup>>,
    pub funding_kind: Option<FundingKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub funding_source: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1000000000000000_i64)]
    pub total_vnd: Option<Option<i64>>,
}

/// Every field set: an edit that replaces the whole project (a form sends every field).
impl From<NewProject> for ProjectPatch {
    fn from(p: NewProject) -> Self {
        ProjectPatch {
            unit_id: Some(p.unit_id),
            code: Some(p.code),
            name: Some(p.name),
            kind: Some(p.kind),
            project_group: Some(p.project_group),
            funding_kind: Some(p.funding_kind),
            funding_source: Some(p.funding_source),
            total_vnd: Some(p.total_vnd),
        }
    }
}

/// A selection plan as entered, under an existing project. Normalised like [`NewProject`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    /// The project the plan belongs to; fixed once the plan is recorded.
    pub project_id: i64,
    /// The plan's code on VNEPS (`PL` + yy + 8 digits); other codes accepted as for projects.
    #[validate(custom(function = "plan_code"))]
    #[schema(max_length = 40, example = "PL1900001234")]
    pub code: Option<String>,
    #[validate(
        length(
            min = 1,
            max = 500,
            message = "Tên kế hoạch lựa chọn nhà thầu phải có từ 1 đến 500 ký tự"
        ),
        custom(function = "plan_name_text")
    )]
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Kế hoạch lựa chọn nhà thầu gói thầu xây lắp năm 2019"
    )]
    pub name: String,
    #[validate(range(
        min = 2000,
        max = 2100,
        message = "Năm kế hoạch phải trong khoảng 2000–2100"
    ))]
    #[schema(minimum = 2000, maximum = 2100, example = 2019)]
    pub year: i32,
    /// The approving decision's number.
    #[validate(
        length(max = 100, message = "Số quyết định tối đa 100 ký tự"),
        custom(function = "plan_decision_no_text")
    )]
    #[schema(max_length = 100, example = "1234/QĐ-UBND")]
    pub decision_no: Option<String>,
    /// The approving decision's date: from 2000-01-01, not after today (in Vietnam).
    pub decision_date: Option<NaiveDate>,
    /// The approving authority.
    #[validate(
        length(max = 500, message = "Cơ quan phê duyệt tối đa 500 ký tự"),
        custom(function = "approver_text")
    )]
    #[schema(max_length = 500, example = "UBND quận Hà Đông")]
    pub approver: Option<String>,
}

/// Changes to a plan (a JSON merge patch). The project is not among them: a plan stays with the
/// project it was approved for. Adjustments are recorded through their own operation.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 40)]
    pub code: Option<Option<String>>,
    #[schema(min_length = 1, max_length = 500)]
    pub name: Option<String>,
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub decision_no: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub decision_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub approver: Option<Option<String>>,
}

/// Every field set: what the plan's edit form sends.
impl From<NewPlan> for PlanPatch {
    fn from(p: NewPlan) -> Self {
        PlanPatch {
            code: Some(p.code),
            name: Some(p.name),
            year: Some(p.year),
            decision_no: Some(p.decision_no),
            decision_date: Some(p.decision_date),
            approver: Some(p.approver),
        }
    }
}

/// An adjustment of an approved plan (điều chỉnh KHLCNT): the decision that adjusts it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdjustment {
    #[validate(
        length(
            min = 1,
            max = 100,
            message = "Số quyết định điều chỉnh phải có từ 1 đến 100 ký tự"
        ),
        custom(function = "adjustment_decision_no_text")
    )]
    #[schema(min_length = 1, max_length = 100, example = "2345/QĐ-UBND")]
    pub decision_no: String,
    /// From 2000-01-01, not after today (in Vietnam).
    pub decision_date: NaiveDate,
    /// Several lines allowed.
    #[validate(
        length(
            min = 1,
            max = 2000,
            message = "Lý do điều chỉnh phải có từ 1 đến 2.000 ký tự"
        ),
        custom(function = "reason_text")
    )]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "Bổ sung gói thầu mua sắm thiết bị theo dự toán được duyệt"
    )]
    pub reason: String,
}

// The field checks `validator` runs beyond lengths, beside the fields so that the API and the
// forms refuse the same input with the same message, each message naming its field by the
// table's label.

fn text_rule(value: &str, label: &str, lines: Lines) -> Result<(), ValidationError> {
    check_plain(value, lines).map_err(|problem| {
        ValidationError::new(problem.code()).with_message(Cow::Owned(problem.message_vi(label)))
    })
}

fn project_name_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, ProjectField::Name.label(), Lines::One)
}

fn funding_source_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, ProjectField::FundingSource.label(), Lines::One)
}

fn plan_name_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PlanField::Name.label(), Lines::One)
}

fn plan_decision_no_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PlanField::DecisionNo.label(), Lines::One)
}

fn approver_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, PlanField::Approver.label(), Lines::One)
}

fn adjustment_decision_no_text(v: &str) -> Result<(), ValidationError> {
    text_rule(v, AdjustmentField::DecisionNo.label(), Lines::One)
}

fn reason_text(v: &str) -> Result<(), ValidationError> {
    // A textarea on the form: several lines are fine.
    text_rule(v, AdjustmentField::Reason.label(), Lines::Many)
}

/// A code of the record: lenient (any code of the shape below, VNEPS's or not), but one that
/// reads as itself — no look-alike letters, hidden characters or spaces — since codes are
/// compared byte for byte and typed into searches and files.
fn code_rule(v: &str, label: &str, example: &str) -> Result<(), ValidationError> {
    let rule = format!(
        "{label} gồm tối đa {CODE_MAX_CHARS} ký tự: chữ cái không dấu, chữ số và '-', '_', '.', '/', bắt đầu bằng chữ cái hoặc chữ số (ví dụ {example})"
    );
    if v.chars().count() > CODE_MAX_CHARS {
        return Err(ValidationError::new("length").with_message(Cow::Owned(rule)));
    }
    check_code(v, CODE_PUNCTUATION).map_err(|problem| {
        ValidationError::new(problem.code()).with_message(Cow::Owned(problem.message_vi(&rule)))
    })
}

fn project_code(v: &str) -> Result<(), ValidationError> {
    code_rule(v, ProjectField::Code.label(), "PR1900012345")
}

fn plan_code(v: &str) -> Result<(), ValidationError> {
    code_rule(v, PlanField::Code.label(), "PL1900001234")
}

fn total_amount(v: i64) -> Result<(), ValidationError> {
    let label = ProjectField::Total.label();
    let message = if v < 0 {
        format!("{label} không được âm")
    } else if v > MAX_VND {
        format!("{label} tối đa {}", format_vnd(MAX_VND))
    } else {
        return Ok(());
    };
    Err(ValidationError::new("range").with_message(Cow::Owned(message)))
}

/// `validate`'s refusals as field errors (none when the shape holds).
fn shape_errors(v: &impl Validate) -> Vec<FieldError> {
    match v.validate().map_err(AppError::from) {
        Err(AppError::Validation(errors)) => errors,
        _ => Vec::new(),
    }
}

/// A decision date's refusal, beside `field`.
fn date_error(field: &str, label: &str, date: NaiveDate, today: NaiveDate) -> Option<FieldError> {
    check_decision_date(date, today)
        .err()
        .map(|p| FieldError::new(field, p.code(), p.message_vi(label)))
}

/// Refusals as one error, or none.
fn refused(errors: Vec<FieldError>) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

fn set<T>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}

impl NewProject {
    /// Trimmed text, empty optional text absent, the code normalised before any check or
    /// comparison (`pr19…` and `ＰＲ19…` are `PR19…`).
    pub fn normalized(mut self) -> Self {
        self.name = self.name.trim().to_owned();
        self.code = clean(self.code.as_deref().map(normalize_code));
        self.funding_source = clean(self.funding_source);
        self
    }

    /// The project as it would be entered again: the start of an edit.
    pub fn from_model(m: &project::Model) -> Self {
        NewProject {
            unit_id: m.unit_id,
            code: m.code.clone(),
            name: m.name.clone(),
            kind: m.kind,
            project_group: m.project_group,
            funding_kind: m.funding_kind,
            funding_source: m.funding_source.clone(),
            total_vnd: m.total_vnd,
        }
    }

    pub(super) fn apply(mut self, p: ProjectPatch) -> Self {
        set(&mut self.unit_id, p.unit_id);
        set(&mut self.code, p.code);
        set(&mut self.name, p.name);
        set(&mut self.kind, p.kind);
        set(&mut self.project_group, p.project_group);
        set(&mut self.funding_kind, p.funding_kind);
        set(&mut self.funding_source, p.funding_source);
        set(&mut self.total_vnd, p.total_vnd);
        self
    }

    /// Every refusal of the shape and of the kind/group rule, at once.
    pub fn check(&self) -> Result<(), AppError> {
        let mut errors = shape_errors(self);
        if let Err(problem) = check_group(self.kind, self.project_group) {
            errors.push(FieldError::new(
                ProjectField::Group.wire(),
                problem.code(),
                problem.message_vi(),
            ));
        }
        refused(errors)
    }

    /// One field's value as the API writes it. Both the table and the struct are matched
    /// exhaustively: a field added to either and not the other does not compile.
    pub fn value(&self, f: ProjectField) -> Value {
        let NewProject {
            unit_id,
            code,
            name,
            kind,
            project_group,
            funding_kind,
            funding_source,
            total_vnd,
        } = self;
        match f {
            ProjectField::UnitId => json!(unit_id),
            ProjectField::Code => json!(code),
            ProjectField::Name => json!(name),
            ProjectField::Kind => json!(kind),
            ProjectField::Group => json!(project_group),
            ProjectField::FundingKind => json!(funding_kind),
            ProjectField::FundingSource => json!(funding_source),
            ProjectField::Total => json!(total_vnd),
        }
    }

    /// Every field with its value, in table order.
    pub fn values(&self) -> impl Iterator<Item = (ProjectField, Value)> + '_ {
        ProjectField::ALL.iter().map(|f| (*f, self.value(*f)))
    }

    /// A form's fields, each as typed, read into the command the API takes.
    pub fn read<'a>(raw: impl Fn(ProjectField) -> &'a str) -> Result<Self, Vec<FieldError>> {
        crate::services::read_form(
            ProjectField::ALL.iter().map(|f| (f.spec(), raw(*f))),
            Map::new(),
        )
    }

    pub(super) fn write(self, active: &mut project::ActiveModel) {
        active.search_text = Set(search_text(&self.name, self.code.as_deref()));
        active.unit_id = Set(self.unit_id);
        active.code = Set(self.code);
        active.name = Set(self.name);
        active.kind = Set(self.kind);
        active.project_group = Set(self.project_group);
        active.funding_kind = Set(self.funding_kind);
        active.funding_source = Set(self.funding_source);
        active.total_vnd = Set(self.total_vnd);
    }
}

/// The fields of a project the audit trail records (the search text and version are not news).
pub fn project_snapshot(p: &project::Model) -> Snapshot {
    let input = NewProject::from_model(p);
    Snapshot::of(
        ProjectField::ALL
            .iter()
            .map(|f| (f.wire(), input.value(*f))),
    )
}

impl NewPlan {
    pub fn normalized(mut self) -> Self {
        self.name = self.name.trim().to_owned();
        self.code = clean(self.code.as_deref().map(normalize_code));
        self.decision_no = clean(self.decision_no);
        self.approver = clean(self.approver);
        self
    }

    pub fn from_model(m: &selection_plan::Model) -> Self {
        NewPlan {
            project_id: m.project_id,
            code: m.code.clone(),
            name: m.name.clone(),
            year: m.year,
            decision_no: m.decision_no.clone(),
            decision_date: m.decision_date,
            approver: m.approver.clone(),
        }
    }

    pub(super) fn apply(mut self, p: PlanPatch) -> Self {
        set(&mut self.code, p.code);
        set(&mut self.name, p.name);
        set(&mut self.year, p.year);
        set(&mut self.decision_no, p.decision_no);
        set(&mut self.decision_date, p.decision_date);
        set(&mut self.approver, p.approver);
        self
    }

    /// Every refusal of the shape and of the decision date (`today` in Vietnam), at once.
    pub fn check(&self, today: NaiveDate) -> Result<(), AppError> {
        let mut errors = shape_errors(self);
        let field = PlanField::DecisionDate;
        errors.extend(
            self.decision_date
                .and_then(|d| date_error(field.wire(), field.label(), d, today)),
        );
        refused(errors)
    }

    /// One field's value as the API writes it (exhaustive, as [`NewProject::value`]).
    pub fn value(&self, f: PlanField) -> Value {
        let NewPlan {
            project_id: _,
            code,
            name,
            year,
            decision_no,
            decision_date,
            approver,
        } = self;
        match f {
            PlanField::Code => json!(code),
            PlanField::Name => json!(name),
            PlanField::Year => json!(year),
            PlanField::DecisionNo => json!(decision_no),
            PlanField::DecisionDate => json!(decision_date),
            PlanField::Approver => json!(approver),
        }
    }

    pub fn values(&self) -> impl Iterator<Item = (PlanField, Value)> + '_ {
        PlanField::ALL.iter().map(|f| (*f, self.value(*f)))
    }

    /// A form's fields read into the command, for a plan of `project_id`.
    pub fn read<'a>(
        project_id: i64,
        raw: impl Fn(PlanField) -> &'a str,
    ) -> Result<Self, Vec<FieldError>> {
        let mut fixed = Map::new();
        fixed.insert("project_id".to_owned(), json!(project_id));
        crate::services::read_form(PlanField::ALL.iter().map(|f| (f.spec(), raw(*f))), fixed)
    }

    pub(super) fn write(self, active: &mut selection_plan::ActiveModel) {
        active.project_id = Set(self.project_id);
        active.code = Set(self.code);
        active.name = Set(self.name);
        active.year = Set(self.year);
        active.decision_no = Set(self.decision_no);
        active.decision_date = Set(self.decision_date);
        active.approver = Set(self.approver);
    }
}

/// The fields of a plan the audit trail records: its project, then the table's fields.
pub fn plan_snapshot(p: &selection_plan::Model) -> Snapshot {
    let input = NewPlan::from_model(p);
    Snapshot::of(
        std::iter::once(("project_id", json!(p.project_id)))
            .chain(PlanField::ALL.iter().map(|f| (f.wire(), input.value(*f)))),
    )
}

impl NewAdjustment {
    pub fn normalized(mut self) -> Self {
        self.decision_no = self.decision_no.trim().to_owned();
        self.reason = self.reason.trim().to_owned();
        self
    }

    pub fn check(&self, today: NaiveDate) -> Result<(), AppError> {
        let mut errors = shape_errors(self);
        let field = AdjustmentField::DecisionDate;
        errors.extend(date_error(
            field.wire(),
            field.label(),
            self.decision_date,
            today,
        ));
        refused(errors)
    }

    pub fn value(&self, f: AdjustmentField) -> Value {
        let NewAdjustment {
            decision_no,
            decision_date,
            reason,
        } = self;
        match f {
            AdjustmentField::DecisionNo => json!(decision_no),
            AdjustmentField::DecisionDate => json!(decision_date),
            AdjustmentField::Reason => json!(reason),
        }
    }

    pub fn read<'a>(raw: impl Fn(AdjustmentField) -> &'a str) -> Result<Self, Vec<FieldError>> {
        crate::services::read_form(
            AdjustmentField::ALL.iter().map(|f| (f.spec(), raw(*f))),
            Map::new(),
        )
    }
}

/// What the audit trail records of an adjustment: its plan, then the table's fields.
pub fn adjustment_snapshot(a: &plan_adjustment::Model) -> Snapshot {
    let input = NewAdjustment {
        decision_no: a.decision_no.clone(),
        decision_date: a.decision_date,
        reason: a.reason.clone(),
    };
    Snapshot::of(
        std::iter::once(("plan_id", json!(a.plan_id))).chain(
            AdjustmentField::ALL
                .iter()
                .map(|f| (f.wire(), input.value(*f))),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> NewProject {
        NewProject {
            unit_id: 1,
            code: None,
            name: "Cải tạo trường THCS".to_owned(),
            kind: ProjectKind::InvestmentProject,
            project_group: Some(ProjectGroup::C),
            funding_kind: FundingKind::StateBudget,
            funding_source: None,
            total_vnd: Some(0),
        }
    }

    /// The (field, code) pairs `check` reports after `normalized`.
    fn refusals(p: NewProject) -> Vec<(String, String)> {
        match p.normalized().check() {
            Ok(()) => Vec::new(),
            Err(AppError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            Err(other) => panic!("{other:?}"),
        }
    }

    fn pair(field: &str, code: &str) -> Vec<(String, String)> {
        vec![(field.to_owned(), code.to_owned())]
    }

    #[test]
    fn project_refusals() {
        let cases: Vec<(NewProject, Vec<(String, String)>)> = vec![
            (project(), vec![]),
            (
                NewProject {
                    total_vnd: Some(MAX_VND),
                    ..project()
                },
                vec![],
            ),
            (
                NewProject {
                    total_vnd: Some(-1),
                    ..project()
                },
                pair("total_vnd", "range"),
            ),
            (
                NewProject {
                    total_vnd: Some(MAX_VND + 1),
                    ..project()
                },
                pair("total_vnd", "range"),
            ),
            (
                NewProject {
                    project_group: None,
                    ..project()
                },
                pair("project_group", "group_required"),
            ),
            (
                NewProject {
                    kind: ProjectKind::RecurrentProcurement,
                    ..project()
                },
                pair("project_group", "group_not_applicable"),
            ),
            (
                NewProject {
                    name: "  ".to_owned(),
                    ..project()
                },
                pair("name", "length"),
            ),
            (
                NewProject {
                    name: "x".repeat(501),
                    ..project()
                },
                pair("name", "length"),
            ),
            (
                NewProject {
                    name: "Dự án\u{202e}".to_owned(),
                    ..project()
                },
                pair("name", "hidden_character"),
            ),
            (
                NewProject {
                    funding_source: Some("a\nb".to_owned()),
                    ..project()
                },
                pair("funding_source", "line_break"),
            ),
            // Lenient codes: local numbering is a code too.
            (
                NewProject {
                    code: Some("15/DA-UBND".to_owned()),
                    ..project()
                },
                vec![],
            ),
            (
                NewProject {
                    code: Some("X".repeat(40)),
                    ..project()
                },
                vec![],
            ),
            (
                NewProject {
                    code: Some("X".repeat(41)),
                    ..project()
                },
                pair("code", "length"),
            ),
            (
                NewProject {
                    code: Some("PR 19".to_owned()),
                    ..project()
                },
                pair("code", "invalid"),
            ),
            (
                NewProject {
                    code: Some("P\u{0420}1900012345".to_owned()),
                    ..project()
                },
                pair("code", "not_ascii"),
            ),
        ];
        for (p, expected) in cases {
            let label = format!("{p:?}");
            assert_eq!(refusals(p), expected, "{label}");
        }
        // Two problems at once are both reported.
        let both = NewProject {
            name: String::new(),
            project_group: None,
            ..project()
        };
        assert_eq!(refusals(both).len(), 2);
    }

    #[test]
    fn codes_are_normalised() {
        let p = NewProject {
            code: Some(" ｐｒ１９０００１２３４５ ".to_owned()),
            funding_source: Some("   ".to_owned()),
            ..project()
        }
        .normalized();
        assert_eq!(p.code.as_deref(), Some("PR1900012345"));
        assert_eq!(p.funding_source, None);
        let blank = NewProject {
            code: Some("  ".to_owned()),
            ..project()
        };
        assert_eq!(blank.normalized().code, None);
    }

    #[test]
    fn plan_and_adjustment_dates() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).expect("date");
        let plan = NewPlan {
            project_id: 1,
            code: Some("PL1900001234".to_owned()),
            name: "KHLCNT".to_owned(),
            year: 2019,
            decision_no: Some("12/QĐ-UBND".to_owned()),
            decision_date: today.succ_opt(),
            approver: None,
        };
        match plan.check(today) {
            Err(AppError::Validation(e)) => {
                assert_eq!(
                    (e[0].field.as_str(), e[0].code.as_str()),
                    ("decision_date", "future")
                )
            }
            other => panic!("{other:?}"),
        }
        let plan = NewPlan {
            decision_date: Some(today),
            year: 1999,
            ..plan
        };
        match plan.check(today) {
            Err(AppError::Validation(e)) => {
                assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("year", "range"))
            }
            other => panic!("{other:?}"),
        }
        let adjustment = NewAdjustment {
            decision_no: " 5/QĐ ".to_owned(),
            decision_date: today,
            reason: "dòng 1\r\ndòng 2".to_owned(),
        }
        .normalized();
        assert_eq!(adjustment.decision_no, "5/QĐ");
        assert!(adjustment.check(today).is_ok());
        let empty = NewAdjustment {
            decision_no: String::new(),
            reason: String::new(),
            ..adjustment
        };
        assert!(matches!(empty.check(today), Err(AppError::Validation(e)) if e.len() == 2));
    }

    /// The tables and the commands agree: every field of a command's JSON is in its table
    /// (a plan's project aside), and a command written out as a form reads back unchanged.
    #[test]
    fn tables_and_commands_agree() {
        let p = NewProject {
            code: Some("PR1900012345".to_owned()),
            funding_source: Some("Ngân sách quận".to_owned()),
            total_vnd: Some(45_000_000_000),
            ..project()
        };
        let Value::Object(json) = serde_json::to_value(&p).expect("json") else {
            panic!("an object")
        };
        let mut keys: Vec<&str> = json.keys().map(String::as_str).collect();
        let mut wires: Vec<&str> = ProjectField::ALL.iter().map(|f| f.wire()).collect();
        keys.sort_unstable();
        wires.sort_unstable();
        assert_eq!(keys, wires);
        let raws: Vec<(ProjectField, String)> =
            p.values().map(|(f, v)| (f, f.spec().raw(&v))).collect();
        let back = NewProject::read(|f| {
            raws.iter()
                .find(|(g, _)| *g == f)
                .map_or("", |(_, r)| r.as_str())
        })
        .expect("reads back");
        assert_eq!(back, p);

        let plan = NewPlan {
            project_id: 9,
            code: None,
            name: "KHLCNT năm 2019".to_owned(),
            year: 2019,
            decision_no: Some("12/QĐ-UBND".to_owned()),
            decision_date: NaiveDate::from_ymd_opt(2019, 3, 1),
            approver: Some("UBND quận".to_owned()),
        };
        let Value::Object(json) = serde_json::to_value(&plan).expect("json") else {
            panic!("an object")
        };
        assert_eq!(
            json.len(),
            PlanField::ALL.len() + 1,
            "the table and project_id"
        );
        let raws: Vec<(PlanField, String)> =
            plan.values().map(|(f, v)| (f, f.spec().raw(&v))).collect();
        let back = NewPlan::read(9, |f| {
            raws.iter()
                .find(|(g, _)| *g == f)
                .map_or("", |(_, r)| r.as_str())
        })
        .expect("reads back");
        assert_eq!(back, plan);

        let missing = NewAdjustment::read(|_| "").expect_err("nothing typed");
        let named: Vec<&str> = missing.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["decision_no", "decision_date", "reason"]);
    }
}
