//! Target rules (domain.md §5): list, read, create, change. Rules are data; an administrator
//! adds the years the seed does not cover and units may record stricter goals of their own.

use super::accounts::Actor;
use super::audit::{self, Changes, Snapshot};
use super::{Page, PageRequest, conflict_on_unique, double_option};
use crate::db;
use crate::domain::PLAN_YEARS;
use crate::domain::text::{Lines, TextProblem, check_code, check_plain};
use crate::error::{AppError, FieldError};
use chrono::Utc;
use entity::{AuditAction, Method, target_rule, target_rule_method};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait,
    NotSet, QueryFilter, QueryOrder, TransactionSession, TransactionTrait,
};
use serde::Deserialize;

/// A method a rule counts; with `small_scale_only`, only its small-scale packages; with
/// `within_ceilings`, only its packages up to the rule's per-field price ceilings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct TargetMethod {
    pub method: Method,
    #[serde(default)]
    pub small_scale_only: bool,
    #[serde(default)]
    pub within_ceilings: bool,
}

/// A rule's own price ceilings by field (whole đồng); `None`: the field is not counted by the
/// methods bound to the ceilings.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema,
)]
pub struct Ceilings {
    pub goods_vnd: Option<i64>,
    pub works_vnd: Option<i64>,
    pub consulting_vnd: Option<i64>,
    pub non_consulting_vnd: Option<i64>,
    pub mixed_vnd: Option<i64>,
}

impl Ceilings {
    pub fn of(r: &target_rule::Model) -> Self {
        Ceilings {
            goods_vnd: r.ceiling_goods_vnd,
            works_vnd: r.ceiling_works_vnd,
            consulting_vnd: r.ceiling_consulting_vnd,
            non_consulting_vnd: r.ceiling_non_consulting_vnd,
            mixed_vnd: r.ceiling_mixed_vnd,
        }
    }

    fn fields(&self) -> [(&'static str, Option<i64>); 5] {
        [
            ("ceilings.goods_vnd", self.goods_vnd),
            ("ceilings.works_vnd", self.works_vnd),
            ("ceilings.consulting_vnd", self.consulting_vnd),
            ("ceilings.non_consulting_vnd", self.non_consulting_vnd),
            ("ceilings.mixed_vnd", self.mixed_vnd),
        ]
    }

    fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, v)| v.is_none())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewTarget {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub source_note: String,
    pub unit_id: Option<i64>,
    /// The target this rule stands in for within its unit's subtree.
    #[serde(default)]
    pub replaces_code: Option<String>,
    pub year_from: i32,
    pub year_to: Option<i32>,
    pub min_count_percent: i32,
    pub min_value_percent: Option<i32>,
    #[serde(default)]
    pub ceilings: Ceilings,
    #[serde(default = "yes")]
    pub domestic_only: bool,
    #[serde(default)]
    pub exclude_two_stage: bool,
    #[serde(default)]
    pub exclude_exempt: bool,
    pub methods: Vec<TargetMethod>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub legal_basis: Option<String>,
    pub source_note: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub unit_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub replaces_code: Option<Option<String>>,
    /// Replaces all five ceilings when present.
    pub ceilings: Option<Ceilings>,
    pub year_from: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    pub year_to: Option<Option<i32>>,
    pub min_count_percent: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    pub min_value_percent: Option<Option<i32>>,
    pub domestic_only: Option<bool>,
    pub exclude_two_stage: Option<bool>,
    pub exclude_exempt: Option<bool>,
    /// Replaces the whole list when present.
    pub methods: Option<Vec<TargetMethod>>,
}

impl From<NewTarget> for TargetPatch {
    /// Every field replaced: what a form that shows the whole rule sends.
    fn from(t: NewTarget) -> Self {
        TargetPatch {
            code: Some(t.code),
            name: Some(t.name),
            legal_basis: Some(t.legal_basis),
            source_note: Some(t.source_note),
            unit_id: Some(t.unit_id),
            replaces_code: Some(t.replaces_code),
            ceilings: Some(t.ceilings),
            year_from: Some(t.year_from),
            year_to: Some(t.year_to),
            min_count_percent: Some(t.min_count_percent),
            min_value_percent: Some(t.min_value_percent),
            domestic_only: Some(t.domestic_only),
            exclude_two_stage: Some(t.exclude_two_stage),
            exclude_exempt: Some(t.exclude_exempt),
            methods: Some(t.methods),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TargetView {
    pub rule: target_rule::Model,
    pub methods: Vec<TargetMethod>,
}

/// What a rule code is made of, the start of every message about it.
const CODE_RULE: &str = "Mã chỉ tiêu gồm 1–64 ký tự: chữ cái không dấu, chữ số, '-', '_' hoặc '.', bắt đầu bằng chữ cái hoặc chữ số";

fn text_error(field: &str, label: &str, problem: TextProblem) -> FieldError {
    FieldError::new(field, problem.code(), problem.message_vi(label))
}

fn check_shape(t: &NewTarget) -> Vec<FieldError> {
    let mut e = Vec::new();
    // Rule codes keep their case (the seeded ones are lower-case); the shape is a unit code's.
    if let Err(problem) = check_code(&t.code, &['-', '_', '.']) {
        e.push(FieldError::new(
            "code",
            problem.code(),
            problem.message_vi(CODE_RULE),
        ));
    } else if t.code.len() > 64 {
        e.push(FieldError::new("code", "invalid", CODE_RULE));
    }
    if !(1..=300).contains(&t.name.chars().count()) {
        e.push(FieldError::new(
            "name",
            "length",
            "Tên chỉ tiêu phải có từ 1 đến 300 ký tự",
        ));
    } else if let Err(problem) = check_plain(&t.name, Lines::One) {
        e.push(text_error("name", "Tên chỉ tiêu", problem));
    }
    if t.legal_basis.chars().count() > 2000 {
        e.push(FieldError::new(
            "legal_basis",
            "length",
            "Căn cứ pháp lý tối đa 2.000 ký tự",
        ));
    } else if let Err(problem) = check_plain(&t.legal_basis, Lines::Many) {
        // A textarea on the form: several lines are fine.
        e.push(text_error("legal_basis", "Căn cứ pháp lý", problem));
    }
    let years = format!(
        "Năm phải trong khoảng {}–{}",
        PLAN_YEARS.start(),
        PLAN_YEARS.end()
    );
    if !PLAN_YEARS.contains(&t.year_from) {
        e.push(FieldError::new("year_from", "range", years.clone()));
    }
    if let Some(to) = t.year_to {
        if !PLAN_YEARS.contains(&to) {
            e.push(FieldError::new("year_to", "range", years));
        } else if to < t.year_from {
            e.push(FieldError::new(
                "year_to",
                "before_year_from",
                "Năm kết thúc không được trước năm bắt đầu",
            ));
        }
    }
    if !(0..=100).contains(&t.min_count_percent) {
        e.push(FieldError::new(
            "min_count_percent",
            "range",
            "Tỷ lệ phải từ 0 đến 100",
        ));
    }
    if t.min_value_percent.is_some_and(|v| !(0..=100).contains(&v)) {
        e.push(FieldError::new(
            "min_value_percent",
            "range",
            "Tỷ lệ phải từ 0 đến 100",
        ));
    }
    if t.methods.is_empty() {
        e.push(FieldError::new(
            "methods",
            "required",
            "Cần ít nhất một hình thức lựa chọn nhà thầu",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if t.methods.iter().any(|m| !seen.insert(m.method)) {
        e.push(FieldError::new(
            "methods",
            "duplicate",
            "Mỗi hình thức chỉ được nêu một lần",
        ));
    }
    if t.methods
        .iter()
        .any(|m| m.small_scale_only && m.within_ceilings)
    {
        e.push(FieldError::new(
            "methods",
            "conflict",
            "Một hình thức chỉ tính gói quy mô nhỏ hoặc gói trong mức giá trần, không cả hai",
        ));
    } else if t.methods.iter().any(|m| m.within_ceilings) && t.ceilings.is_empty() {
        e.push(FieldError::new(
            "ceilings",
            "required",
            "Hình thức tính theo mức giá trần cần ít nhất một mức giá trần theo lĩnh vực",
        ));
    }
    for (field, value) in t.ceilings.fields() {
        if value.is_some_and(|v| !(1..=crate::domain::money::MAX_VND).contains(&v)) {
            e.push(FieldError::new(
                field,
                "range",
                format!(
                    "Mức giá trần phải từ 1 đến {}",
                    crate::domain::money::format_vnd(crate::domain::money::MAX_VND)
                ),
            ));
        }
    }
    if t.source_note.chars().count() > 2000 {
        e.push(FieldError::new(
            "source_note",
            "length",
            "Ghi chú nguồn tối đa 2.000 ký tự",
        ));
    } else if let Err(problem) = check_plain(&t.source_note, Lines::Many) {
        e.push(text_error("source_note", "Ghi chú nguồn", problem));
    }
    if let Some(code) = t.replaces_code.as_deref().filter(|c| !c.is_empty())
        && (code.len() > 64 || check_code(code, &['-', '_', '.']).is_err())
    {
        // Checked before the code is looked up: a rule code has a rule code's shape.
        e.push(FieldError::new("replaces_code", "invalid", CODE_RULE));
    } else if t.replaces_code.as_deref() == Some("") {
        // null says "a target of its own"; an empty code is a mistake, not another way to say it.
        e.push(FieldError::new(
            "replaces_code",
            "invalid",
            "Mã chỉ tiêu được thay thế không được để trống (bỏ trường này nếu là chỉ tiêu riêng)",
        ));
    } else if t.replaces_code.as_deref() == Some(t.code.as_str()) {
        e.push(FieldError::new(
            "replaces_code",
            "self",
            "Chỉ tiêu không thể thay thế chính nó",
        ));
    }
    e
}

fn normalized(mut t: NewTarget) -> NewTarget {
    t.code = t.code.trim().to_owned();
    t.name = t.name.trim().to_owned();
    t.legal_basis = t.legal_basis.trim().to_owned();
    t.source_note = t.source_note.trim().to_owned();
    t.replaces_code = t.replaces_code.map(|c| c.trim().to_owned());
    t
}

async fn check(db: &impl ConnectionTrait, t: &NewTarget) -> Result<(), AppError> {
    let mut errors = check_shape(t);
    if let Some(unit) = t.unit_id
        && db::units::find(db, unit).await?.is_none()
    {
        errors.push(super::unknown_unit("unit_id", unit));
    }
    if let Some(code) = &t.replaces_code
        && !errors.iter().any(|e| e.field == "replaces_code")
        && target_rule::Entity::find()
            .filter(target_rule::Column::Code.eq(code.as_str()))
            .one(db)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "replaces_code",
            "unknown",
            format!("Không có chỉ tiêu mã {code} để thay thế"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

async fn load_methods(
    db: &impl ConnectionTrait,
    rule: &target_rule::Model,
) -> Result<Vec<TargetMethod>, AppError> {
    let rows = rule
        .find_related(target_rule_method::Entity)
        .order_by_asc(target_rule_method::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| TargetMethod {
            method: m.method,
            small_scale_only: m.small_scale_only,
            within_ceilings: m.within_ceilings,
        })
        .collect())
}

async fn replace_methods(
    db: &impl ConnectionTrait,
    rule_id: i64,
    methods: &[TargetMethod],
) -> Result<(), AppError> {
    target_rule_method::Entity::delete_many()
        .filter(target_rule_method::Column::TargetRuleId.eq(rule_id))
        .exec(db)
        .await?;
    for m in methods {
        target_rule_method::ActiveModel {
            id: NotSet,
            target_rule_id: Set(rule_id),
            method: Set(m.method),
            small_scale_only: Set(m.small_scale_only),
            within_ceilings: Set(m.within_ceilings),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn list(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> Result<Page<TargetView>, AppError> {
    let (page, per_page) = page.resolve()?;
    let ordered = target_rule::Entity::find()
        .order_by_asc(target_rule::Column::YearFrom)
        .order_by_asc(target_rule::Column::Id);
    let rules = Page::of(ordered, db, page, per_page).await?;
    let mut items = Vec::new();
    for rule in &rules.items {
        items.push(TargetView {
            rule: rule.clone(),
            methods: load_methods(db, rule).await?,
        });
    }
    Ok(Page {
        items,
        page: rules.page,
        per_page: rules.per_page,
        total: rules.total,
    })
}

/// Every rule, in the order of [`list`]. Rules are few (a handful per law): the rules page
/// shows them all.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<TargetView>, AppError> {
    let mut rules = Vec::new();
    for page in 1.. {
        let batch = list(
            db,
            PageRequest {
                page: Some(page),
                per_page: Some(super::MAX_PER_PAGE),
            },
        )
        .await?;
        let last = batch.page * batch.per_page >= batch.total;
        rules.extend(batch.items);
        if last {
            break;
        }
    }
    Ok(rules)
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<TargetView, AppError> {
    let rule = target_rule::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("chỉ tiêu", id))?;
    let methods = load_methods(db, &rule).await?;
    Ok(TargetView { rule, methods })
}

fn duplicate(code: &str) -> String {
    format!("Mã chỉ tiêu {code} đã có")
}

/// What the audit trail calls target rules.
pub const AUDIT_ENTITY: &str = "target_rule";

fn snapshot(r: &target_rule::Model, methods: &[TargetMethod]) -> Snapshot {
    use serde_json::json;
    Snapshot::of([
        ("code", json!(r.code)),
        ("name", json!(r.name)),
        ("legal_basis", json!(r.legal_basis)),
        ("source_note", json!(r.source_note)),
        ("unit_id", json!(r.unit_id)),
        ("replaces_code", json!(r.replaces_code)),
        ("ceilings", json!(Ceilings::of(r))),
        ("year_from", json!(r.year_from)),
        ("year_to", json!(r.year_to)),
        ("min_count_percent", json!(r.min_count_percent)),
        ("min_value_percent", json!(r.min_value_percent)),
        ("domestic_only", json!(r.domestic_only)),
        ("exclude_two_stage", json!(r.exclude_two_stage)),
        ("exclude_exempt", json!(r.exclude_exempt)),
        ("methods", json!(methods)),
    ])
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    input: NewTarget,
) -> Result<TargetView, AppError> {
    actor.require_admin()?;
    let t = normalized(input);
    let txn = crate::db::begin_write(db).await?;
    check(&txn, &t).await?;
    let now = Utc::now();
    let rule = target_rule::ActiveModel {
        id: NotSet,
        code: Set(t.code.clone()),
        name: Set(t.name),
        legal_basis: Set(t.legal_basis),
        source_note: Set(t.source_note),
        unit_id: Set(t.unit_id),
        replaces_code: Set(t.replaces_code),
        ceiling_goods_vnd: Set(t.ceilings.goods_vnd),
        ceiling_works_vnd: Set(t.ceilings.works_vnd),
        ceiling_consulting_vnd: Set(t.ceilings.consulting_vnd),
        ceiling_non_consulting_vnd: Set(t.ceilings.non_consulting_vnd),
        ceiling_mixed_vnd: Set(t.ceilings.mixed_vnd),
        year_from: Set(t.year_from),
        year_to: Set(t.year_to),
        min_count_percent: Set(t.min_count_percent),
        min_value_percent: Set(t.min_value_percent),
        domestic_only: Set(t.domestic_only),
        exclude_two_stage: Set(t.exclude_two_stage),
        exclude_exempt: Set(t.exclude_exempt),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate(&t.code)))?;
    replace_methods(&txn, rule.id, &t.methods).await?;
    audit::created(
        &txn,
        actor,
        AUDIT_ENTITY,
        rule.id,
        &snapshot(&rule, &t.methods),
    )
    .await?;
    txn.commit().await?;
    Ok(TargetView {
        rule,
        methods: t.methods,
    })
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    id: i64,
    patch: TargetPatch,
) -> Result<TargetView, AppError> {
    actor.require_admin()?;
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, id).await?;
    let before = snapshot(&current.rule, &current.methods);
    let r = &current.rule;
    let merged = normalized(NewTarget {
        code: patch.code.unwrap_or_else(|| r.code.clone()),
        name: patch.name.unwrap_or_else(|| r.name.clone()),
        legal_basis: patch.legal_basis.unwrap_or_else(|| r.legal_basis.clone()),
        source_note: patch.source_note.unwrap_or_else(|| r.source_note.clone()),
        unit_id: patch.unit_id.unwrap_or(r.unit_id),
        replaces_code: patch
            .replaces_code
            .unwrap_or_else(|| r.replaces_code.clone()),
        ceilings: patch.ceilings.unwrap_or_else(|| Ceilings::of(r)),
        year_from: patch.year_from.unwrap_or(r.year_from),
        year_to: patch.year_to.unwrap_or(r.year_to),
        min_count_percent: patch.min_count_percent.unwrap_or(r.min_count_percent),
        min_value_percent: patch.min_value_percent.unwrap_or(r.min_value_percent),
        domestic_only: patch.domestic_only.unwrap_or(r.domestic_only),
        exclude_two_stage: patch.exclude_two_stage.unwrap_or(r.exclude_two_stage),
        exclude_exempt: patch.exclude_exempt.unwrap_or(r.exclude_exempt),
        methods: patch
            .methods
            .clone()
            .unwrap_or_else(|| current.methods.clone()),
    });
    check(&txn, &merged).await?;
    let mut active: target_rule::ActiveModel = current.rule.clone().into();
    active.code = Set(merged.code.clone());
    active.name = Set(merged.name);
    active.legal_basis = Set(merged.legal_basis);
    active.source_note = Set(merged.source_note);
    active.unit_id = Set(merged.unit_id);
    active.replaces_code = Set(merged.replaces_code);
    active.ceiling_goods_vnd = Set(merged.ceilings.goods_vnd);
    active.ceiling_works_vnd = Set(merged.ceilings.works_vnd);
    active.ceiling_consulting_vnd = Set(merged.ceilings.consulting_vnd);
    active.ceiling_non_consulting_vnd = Set(merged.ceilings.non_consulting_vnd);
    active.ceiling_mixed_vnd = Set(merged.ceilings.mixed_vnd);
    active.year_from = Set(merged.year_from);
    active.year_to = Set(merged.year_to);
    active.min_count_percent = Set(merged.min_count_percent);
    active.min_value_percent = Set(merged.min_value_percent);
    active.domestic_only = Set(merged.domestic_only);
    active.exclude_two_stage = Set(merged.exclude_two_stage);
    active.exclude_exempt = Set(merged.exclude_exempt);
    active.updated_at = Set(Utc::now());
    let rule = active
        .update(&txn)
        .await
        .map_err(|e| conflict_on_unique(e, "duplicate_code", duplicate(&merged.code)))?;
    if patch.methods.is_some() {
        replace_methods(&txn, id, &merged.methods).await?;
    }
    let changes = Changes::between(&before, &snapshot(&rule, &merged.methods));
    audit::record(&txn, actor, AUDIT_ENTITY, id, AuditAction::Update, changes).await?;
    txn.commit().await?;
    Ok(TargetView {
        rule,
        methods: merged.methods,
    })
}
