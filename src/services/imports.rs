//! Importing packages from a spreadsheet. Every row is read and checked (the API's command type,
//! its validation and domain rules, the unit and the user's right to write it) before anything
//! is written; then one transaction writes every row or none. Re-importing the same file
//! updates packages instead of duplicating them: a row is the same package as a stored one with
//! its notice code, else with its plan code and name, else with its unit, plan year and name.
//! A unit structure is imported by [`units`], with this module's reader, errors and report parts.

pub mod units;

use super::accounts::Actor;
use super::audit::{self, Changes};
use super::packages::{self, NewPackage};
use super::units::validity;
use crate::db;
use crate::domain::fields::package::PackageField;
use crate::domain::identifiers::notice_code_with_version;
use crate::domain::package_rules;
use crate::domain::text::fold;
use crate::error::AppError;
use crate::import::{self, FileError, Record, Sheet};
use chrono::{Datelike, Utc};
use entity::{
    AuditAction, ContractType, Field, Method, OnlineExemptReason, PackageStatus, Procedure,
    package, unit,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use validator::Validate;

/// One problem with one cell (or one row, when `column` is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowError {
    /// The row as a spreadsheet program numbers it (the header is usually row 1): an XLSX
    /// row's number; in a CSV, one row per line end outside quotes (`\r\n`, `\n` or `\r`), blank
    /// lines included, so a cell holding line breaks is one row, as in Excel or LibreOffice.
    pub row: usize,
    /// The column as headed in the file.
    pub column: String,
    pub value: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Nothing was written: a dry run, or errors.
    pub dry_run: bool,
    /// Rows read (blank lines are skipped).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// When there is any, nothing was written.
    pub errors: Vec<RowError>,
    /// Columns bidtrack does not know; they were not read.
    pub ignored_columns: Vec<String>,
    /// The row of the file read as the header (rows above it, titles and blank lines, are not
    /// data).
    pub header_row: usize,
    /// Every column of the file and what bidtrack reads it as.
    pub mapping: Vec<ColumnMapping>,
    /// Where the rows' plan year comes from.
    pub year_source: YearSource,
    /// Rows of the file that are not packages and were not read: a row numbering the columns,
    /// the total rows at the end (`column` and `value` are empty).
    pub skipped_rows: Vec<RowError>,
    /// Rows read but not applied: an older version of a notice than another row of the file or
    /// the stored package has (`value` is the row's notice code with its version). They are not
    /// errors: the rest is written.
    pub not_applied: Vec<RowError>,
}

/// A column of the file and what bidtrack does with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ColumnMapping {
    /// The column's place in the file (1 is column A).
    pub position: usize,
    /// Its header as the file has it.
    pub column: String,
    /// What it fills: a package field's wire name, `unit_code`, `investor` (the unit by its
    /// name) or `row_number` (STT, not read); absent when bidtrack does not know the column.
    pub field: Option<String>,
    /// The same in Vietnamese.
    pub label: Option<String>,
}

/// The columns of a file not read (`ignored_columns`), and every column with what it is read as
/// (`mapping`), from the headers and the columns they were matched to.
pub fn mapping(
    headers: &[String],
    columns: &[Option<&'static str>],
    label: fn(&str) -> &'static str,
) -> (Vec<String>, Vec<ColumnMapping>) {
    let ignored = headers
        .iter()
        .zip(columns)
        .filter(|(h, c)| c.is_none() && !h.is_empty())
        .map(|(h, _)| h.clone())
        .collect();
    let mapping = headers
        .iter()
        .zip(columns)
        .enumerate()
        .filter(|(_, (h, c))| !h.is_empty() || c.is_some())
        .map(|(i, (h, c))| ColumnMapping {
            position: i + 1,
            column: h.clone(),
            field: c.map(str::to_owned),
            label: c.map(|c| label(c).to_owned()),
        })
        .collect();
    (ignored, mapping)
}

/// Where the rows' plan year comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum YearSource {
    /// The file's plan year column.
    #[default]
    Column,
    /// The year given with the upload (`year=`, `--year`, the page's choice), for every row.
    Upload,
    /// The year of each row's notice posting date.
    NoticeDate,
}

impl YearSource {
    pub fn label_vi(self) -> &'static str {
        match self {
            YearSource::Column => "cột Năm kế hoạch của tệp",
            YearSource::Upload => "năm chọn khi tải lên",
            YearSource::NoticeDate => "năm của ngày đăng tải thông báo mời thầu",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    /// The unit of every row without a unit code; when the file names the investor, the unit
    /// whose subtree its name is looked up in.
    pub unit: Option<String>,
    /// The plan year of every row without one (for files without a plan year column).
    pub year: Option<i32>,
}

/// Reads a CSV or XLSX file (told apart by content) into a sheet, within `bounds`. CPU work:
/// call it from a blocking thread (see [`read_file_blocking`]).
pub fn read_file(bytes: &[u8], bounds: &import::Bounds) -> Result<Sheet, AppError> {
    import::read_sheet(bytes, bounds)
        .map(import::locate_header)
        .map_err(file_error)
}

/// [`read_file`] on a blocking thread, so that no parser ever holds an async worker (a large
/// workbook takes seconds to decompress and read).
pub async fn read_file_blocking(
    bytes: impl AsRef<[u8]> + Send + 'static,
    bounds: import::Bounds,
) -> Result<Sheet, AppError> {
    read_blocking(bytes, bounds, read_file).await
}

/// `read` (a file reader of one import or another) on a blocking thread.
pub(crate) async fn read_blocking(
    bytes: impl AsRef<[u8]> + Send + 'static,
    bounds: import::Bounds,
    read: fn(&[u8], &import::Bounds) -> Result<Sheet, AppError>,
) -> Result<Sheet, AppError> {
    tokio::task::spawn_blocking(move || read(bytes.as_ref(), &bounds))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("file reader failed: {e}")))?
}

pub fn file_error(e: FileError) -> AppError {
    AppError::Rule {
        code: e.code(),
        message: e.to_string(),
    }
}

/// Errors unless the actor may import packages at all: checked before a file is read.
pub fn require_import(actor: &Actor) -> Result<(), AppError> {
    if actor.writes_packages() {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            message: format!(
                "Vai trò {} chỉ được xem, không được nhập gói thầu",
                actor.role.label_vi()
            ),
        })
    }
}

/// How long the errors of an import stay downloadable: the officer reads them right after the
/// upload; a day covers a break without keeping files' contents for good.
pub const KEEP_ERRORS_HOURS: i64 = 24;

/// How many of an upload's errors are kept to download, and how much of each cell's value: a
/// file of 200,000 rows wrong in every column (or of cells of 64 KB) must not become a row of
/// hundreds of megabytes at every upload. The first errors are the ones to fix first; the last
/// line of the kept list says how many more there were.
pub const MAX_KEPT_ERRORS: usize = 10_000;
pub const KEPT_VALUE_CHARS: usize = 200;

fn bounded(errors: &[RowError]) -> Vec<RowError> {
    let mut kept: Vec<RowError> = errors
        .iter()
        .take(MAX_KEPT_ERRORS)
        .map(|e| RowError {
            value: match e.value.char_indices().nth(KEPT_VALUE_CHARS) {
                Some((cut, _)) => format!("{}…", &e.value[..cut]),
                None => e.value.clone(),
            },
            ..e.clone()
        })
        .collect();
    if errors.len() > MAX_KEPT_ERRORS {
        kept.push(RowError {
            row: 0,
            column: String::new(),
            value: String::new(),
            message: format!(
                "Còn {} lỗi nữa không được liệt kê (danh sách giữ {} lỗi đầu tiên): hãy sửa các lỗi trên rồi tải tệp lên lại",
                errors.len() - MAX_KEPT_ERRORS,
                MAX_KEPT_ERRORS
            ),
        });
    }
    kept
}

/// Keeps the errors an import found for `actor` to download (the page links to them by the
/// returned id), and forgets the errors kept before the last [`KEEP_ERRORS_HOURS`].
pub async fn keep_errors(
    db: &impl ConnectionTrait,
    actor: &Actor,
    errors: &[RowError],
    now: chrono::DateTime<Utc>,
) -> Result<i64, AppError> {
    use entity::import_result;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, NotSet};
    let user_id = actor.user_id.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "import errors kept for an actor without a user"
        ))
    })?;
    import_result::Entity::delete_many()
        .filter(
            import_result::Column::CreatedAt.lt(now - chrono::Duration::hours(KEEP_ERRORS_HOURS)),
        )
        .exec(db)
        .await?;
    let kept = import_result::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        created_at: Set(now),
        errors: Set(serde_json::to_string(&bounded(errors)).map_err(anyhow::Error::from)?),
    }
    .insert(db)
    .await?;
    Ok(kept.id)
}

/// The errors kept under `id`, when they are `actor`'s and still kept; anything else is a
/// page that does not exist (another user's errors are not theirs to learn of).
pub async fn kept_errors(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<RowError>, AppError> {
    use entity::import_result;
    let gone = || AppError::not_found("danh sách lỗi nhập", id);
    let kept = import_result::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|k| Some(k.user_id) == actor.user_id)
        .filter(|k| k.created_at > now - chrono::Duration::hours(KEEP_ERRORS_HOURS))
        .ok_or_else(gone)?;
    serde_json::from_str(&kept.errors)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("kept import errors unreadable: {e}")))
}

/// The identity of a package across imports.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Code(String),
    PlanName(String, String),
    UnitYearName(i64, i32, String),
}

fn key_of(p: &NewPackage) -> Key {
    match (&p.code, &p.plan_code) {
        (Some(code), _) => Key::Code(code.clone()),
        (None, Some(plan)) => Key::PlanName(plan.clone(), p.name.clone()),
        (None, None) => Key::UnitYearName(p.unit_id, p.plan_year, p.name.clone()),
    }
}

/// The stored packages a file's rows could be, reachable by each of their keys. The keys borrow
/// the packages' own text: keys owning copies of names and codes made this index, more than the
/// packages themselves, the largest thing a re-import held.
struct Existing<'m> {
    models: &'m [package::Model],
    by_code: HashMap<&'m str, usize>,
    by_plan_name: HashMap<(&'m str, &'m str), usize>,
    by_unit_year_name: HashMap<(i64, i32, &'m str), usize>,
}

impl<'m> Existing<'m> {
    fn new(models: &'m [package::Model]) -> Self {
        let mut index = Existing {
            models,
            by_code: HashMap::with_capacity(models.len()),
            by_plan_name: HashMap::new(),
            by_unit_year_name: HashMap::with_capacity(models.len()),
        };
        // Of two packages with one key, the first found keeps it.
        for (i, p) in models.iter().enumerate() {
            if let Some(code) = &p.code {
                index.by_code.entry(code.as_str()).or_insert(i);
            }
            if let Some(plan) = &p.plan_code {
                index
                    .by_plan_name
                    .entry((plan.as_str(), p.name.as_str()))
                    .or_insert(i);
            }
            index
                .by_unit_year_name
                .entry((p.unit_id, p.plan_year, p.name.as_str()))
                .or_insert(i);
        }
        index
    }

    /// The stored package a row is: the one with its notice code; else, by plan code and name
    /// or by unit, year and name, one that has no notice code yet or the row's own (a plan
    /// imported first, its notice codes later, stays one package each).
    fn lookup(&self, p: &NewPackage) -> Option<&'m package::Model> {
        let at = |i: Option<&usize>| i.map(|i| &self.models[*i]);
        if let Some(code) = &p.code
            && let Some(found) = at(self.by_code.get(code.as_str()))
        {
            return Some(found);
        }
        let by_plan = p
            .plan_code
            .as_deref()
            .and_then(|plan| at(self.by_plan_name.get(&(plan, p.name.as_str()))));
        let by_unit = at(self
            .by_unit_year_name
            .get(&(p.unit_id, p.plan_year, p.name.as_str())));
        [by_plan, by_unit]
            .into_iter()
            .flatten()
            .find(|stored| stored.code.is_none() || stored.code == p.code)
    }
}

struct Row<'a> {
    record: &'a Record,
    input: NewPackage,
}

/// What a checked row of the file does to the stored packages.
#[derive(Clone, Copy)]
enum Fate<'m> {
    /// Nothing: refused, or an older version of a stored notice.
    Left,
    Created,
    Unchanged,
    Updated(&'m package::Model),
}

/// How rows name their unit: by code, else by the investor's (or the procuring entity's) name,
/// else the one unit the upload names.
struct Units<'a> {
    by_code: HashMap<String, i64>,
    /// Folded names of the units a name may be (the upload's unit's subtree, else every unit).
    by_name: HashMap<String, Vec<i64>>,
    about: HashMap<i64, &'a unit::Model>,
    /// The column whose name finds the unit of a row without a code.
    name_column: Option<&'static str>,
    default_unit: Option<i64>,
    /// The unit whose subtree the names are looked up in.
    scope: Option<&'a unit::Model>,
    /// The answer for each name already looked up: a file names a few units many times, and
    /// folding is Unicode normalisation.
    found: Readings<Result<i64, String>>,
}

impl<'a> Units<'a> {
    fn new(
        all: &'a [unit::Model],
        scope: Option<&'a unit::Model>,
        name_column: Option<&'static str>,
    ) -> Self {
        let about: HashMap<i64, &unit::Model> = all.iter().map(|u| (u.id, u)).collect();
        let inside: Vec<&unit::Model> = match scope {
            Some(root) => {
                let mut children: HashMap<i64, Vec<&unit::Model>> = HashMap::new();
                for u in all {
                    if let Some(p) = u.parent_id {
                        children.entry(p).or_default().push(u);
                    }
                }
                let mut out = vec![root];
                let mut i = 0;
                while i < out.len() {
                    out.extend(children.get(&out[i].id).into_iter().flatten().copied());
                    i += 1;
                }
                out
            }
            None => all.iter().collect(),
        };
        let mut by_name: HashMap<String, Vec<i64>> = HashMap::new();
        if name_column.is_some() {
            for u in inside {
                by_name.entry(fold(&u.name)).or_default().push(u.id);
            }
        }
        Units {
            by_code: all.iter().map(|u| (u.code.clone(), u.id)).collect(),
            by_name,
            about,
            name_column,
            default_unit: scope.map(|u| u.id),
            scope,
            // Every unit's name, and as many misspellings again.
            found: Readings::bounded(2 * all.len().max(Readings::<()>::LIMIT)),
        }
    }

    /// "Phường Quang Trung (HN-HD-QT, thuộc Quận Hà Đông)".
    fn describe(&self, id: i64) -> String {
        let Some(u) = self.about.get(&id) else {
            return id.to_string();
        };
        match u.parent_id.and_then(|p| self.about.get(&p)) {
            Some(parent) => format!("{} ({}, thuộc {})", u.name, u.code, parent.name),
            None => format!("{} ({})", u.name, u.code),
        }
    }

    /// The unit a name is, compared without diacritics and case; an unknown or ambiguous name
    /// says which units it could be.
    fn named(&self, raw: &str) -> Result<i64, String> {
        self.found.read(raw, |raw| self.look_up(raw))
    }

    fn look_up(&self, raw: &str) -> Result<i64, String> {
        let key = fold(raw);
        let within = self
            .scope
            .map(|u| format!(" trong {} ({})", u.name, u.code))
            .unwrap_or_default();
        match self.by_name.get(&key).map(Vec::as_slice) {
            Some([id]) => Ok(*id),
            Some(ids) => Err(format!(
                "Có {} đơn vị tên «{raw}»{within}: {}. Hãy ghi mã đơn vị, hoặc chọn đơn vị cấp trên khi tải lên",
                ids.len(),
                ids.iter()
                    .map(|id| self.describe(*id))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            None => {
                let mut near: Vec<i64> = self
                    .by_name
                    .iter()
                    .filter(|(name, _)| {
                        !key.is_empty() && (name.contains(&key) || key.contains(name.as_str()))
                    })
                    .flat_map(|(_, ids)| ids.iter().copied())
                    .collect();
                near.sort_unstable();
                near.truncate(10);
                let hint = if near.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; gần giống: {}",
                        near.iter()
                            .map(|id| self.describe(*id))
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                };
                Err(format!(
                    "Không có đơn vị tên «{raw}»{within}{hint}. Hãy ghi đúng tên đơn vị hoặc thêm cột Mã đơn vị"
                ))
            }
        }
    }
}

/// The reading of each distinct cell of one column, kept for one import: a list repeats a few
/// words (its methods, fields, statuses, Có/Không, its investors' names) in every row, and
/// reading one folds Unicode and hashes the result. Past `LIMIT` distinct values (no real list
/// has them; a hostile one may) cells are read without being kept, so the memory stays bounded.
/// Behind a lock because the rows are read across awaits.
struct Readings<T> {
    seen: std::sync::Mutex<HashMap<Box<str>, T>>,
    limit: usize,
}

impl<T> Default for Readings<T> {
    fn default() -> Self {
        Readings::bounded(Self::LIMIT)
    }
}

impl<T> Readings<T> {
    /// Enough for any enum's words in their spellings.
    const LIMIT: usize = 256;

    fn bounded(limit: usize) -> Self {
        Readings {
            seen: std::sync::Mutex::new(HashMap::new()),
            limit,
        }
    }
}

impl<T: Clone> Readings<T> {
    fn read(&self, cell: &str, parse: impl FnOnce(&str) -> T) -> T {
        // A poisoned lock is only a lost shortcut: the cell is read again.
        if let Ok(seen) = self.seen.lock()
            && let Some(done) = seen.get(cell)
        {
            return done.clone();
        }
        let read = parse(cell);
        if let Ok(mut seen) = self.seen.lock()
            && seen.len() < self.limit
        {
            seen.insert(cell.into(), read.clone());
        }
        read
    }
}

/// The columns whose words repeat from row to row.
#[derive(Default)]
struct Words {
    fields: Readings<Option<Field>>,
    methods: Readings<Option<import::MethodCell>>,
    online: Readings<Option<bool>>,
    statuses: Readings<Option<PackageStatus>>,
}

/// What every row is read with.
struct Context<'a> {
    columns: &'a [Option<&'static str>],
    headers: &'a [String],
    units: &'a Units<'a>,
    plans: &'a HashMap<String, packages::PlanRef>,
    /// The plan year the upload gives, for rows without one.
    year: Option<i32>,
    words: Words,
}

/// Reads one row into the command type; one message per cell that does not read.
fn read_row(record: &Record, ctx: &Context, errors: &mut Vec<RowError>) -> Option<NewPackage> {
    let line = record.row;
    let cell = |name: &str| -> (&str, &str) {
        ctx.columns
            .iter()
            .position(|c| *c == Some(name))
            .map_or(("", ""), |i| (record.get(i), ctx.headers[i].as_str()))
    };
    let before = errors.len();
    let mut fail = |column: &str, value: &str, message: String| {
        errors.push(RowError {
            row: line,
            column: column.to_owned(),
            value: value.to_owned(),
            message,
        });
    };
    // A cell that does not read is named by its column; an empty required one is missing. An
    // enum's message lists the values it accepts.
    macro_rules! parsed {
        ($v:expr, $h:expr, $parse:expr, $what:expr, $hint:expr) => {
            match $parse($v) {
                Some(x) => Some(x),
                None => {
                    let hint: String = $hint;
                    fail(
                        $h,
                        $v,
                        if hint.is_empty() {
                            format!("{} không hợp lệ", $what)
                        } else {
                            format!("{} không hợp lệ: {hint}", $what)
                        },
                    );
                    None
                }
            }
        };
    }
    macro_rules! required {
        ($name:literal, $parse:expr, $what:expr, $hint:expr) => {{
            let (v, h) = cell($name);
            if v.is_empty() {
                fail(h, v, format!("Thiếu {}", $what));
                None
            } else {
                parsed!(v, h, $parse, $what, $hint)
            }
        }};
    }
    macro_rules! optional {
        ($name:literal, $parse:expr, $what:expr) => {
            optional!($name, $parse, $what, String::new())
        };
        ($name:literal, $parse:expr, $what:expr, $hint:expr) => {{
            let (v, h) = cell($name);
            if v.is_empty() {
                None
            } else {
                parsed!(v, h, $parse, $what, $hint)
            }
        }};
    }
    let unit_id = {
        let (code, h) = cell("unit_code");
        let named = ctx
            .units
            .name_column
            .map(&cell)
            .filter(|(v, _)| !v.is_empty());
        if !code.is_empty() {
            // Unit codes are stored normalised (`hn-hadong` is `HN-HADONG`).
            match ctx
                .units
                .by_code
                .get(&crate::domain::text::normalize_code(code))
            {
                Some(id) => Some(*id),
                None => {
                    fail(h, code, format!("Không có đơn vị mã {code}"));
                    None
                }
            }
        } else if let Some((name, h)) = named {
            match ctx.units.named(name) {
                Ok(id) => Some(id),
                Err(message) => {
                    fail(h, name, message);
                    None
                }
            }
        } else if let Some(id) = ctx.units.default_unit {
            Some(id)
        } else {
            let h = ctx.units.name_column.map_or(h, |c| cell(c).1).to_owned();
            fail(
                &h,
                "",
                "Thiếu đơn vị: ghi mã đơn vị hoặc tên chủ đầu tư".to_owned(),
            );
            None
        }
    };
    // A file names the plan by its code on VNEPS, as the plan's page shows it.
    let plan_id = {
        let (v, h) = cell(PackageField::PlanId.wire());
        if v.is_empty() {
            None
        } else {
            let code = crate::domain::text::normalize_code(v);
            match ctx.plans.get(&code) {
                Some(plan) => Some(plan.id),
                None => {
                    fail(
                        h,
                        v,
                        format!("Không có kế hoạch lựa chọn nhà thầu số {code} trong hệ thống"),
                    );
                    None
                }
            }
        }
    };
    use PackageField as F;
    let name = {
        let (v, h) = cell("name");
        if v.is_empty() {
            fail(h, v, "Thiếu tên gói thầu".to_owned());
        }
        v.to_owned()
    };
    let notice_date = optional!(
        "notice_date",
        import::parse_day,
        format!("{} (dd/mm/yyyy)", F::NoticeDate.short())
    );
    // The year of the row, else of the upload, else of the notice's posting.
    let plan_year = {
        let (v, h) = cell("plan_year");
        if !v.is_empty() {
            parsed!(
                v,
                h,
                |v: &str| v.parse::<i32>().ok(),
                F::PlanYear.short(),
                String::new()
            )
        } else if let Some(year) = ctx.year.or(notice_date.map(|d| d.year())) {
            Some(year)
        } else {
            fail(
                if h.is_empty() { F::PlanYear.short() } else { h },
                v,
                "Thiếu năm kế hoạch: ghi cột Năm kế hoạch, chọn năm khi tải lên hoặc ghi ngày đăng tải"
                    .to_owned(),
            );
            None
        }
    };
    let planned_start_month = optional!(
        "planned_start_month",
        |v: &str| v.parse::<i16>().ok(),
        F::PlannedStartMonth.short()
    );
    let planned_start_quarter = optional!(
        "planned_start_quarter",
        crate::domain::fields::read_quarter,
        F::PlannedStartQuarter.short()
    );
    let field = required!(
        "field",
        |v| ctx.words.fields.read(v, import::parse_field),
        F::Field.short(),
        import::accepted(Field::ALL, Field::label_vi)
    );
    let method = required!(
        "method",
        |v| ctx.words.methods.read(v, import::parse_method_cell),
        F::Method.short(),
        format!(
            "{} (có thể thêm «trong nước» hoặc «quốc tế»; «Chỉ định thầu rút gọn» là chỉ định thầu theo quy trình rút gọn)",
            import::accepted(Method::ALL, Method::label_vi)
        )
    );
    let procedure = {
        let (v, h) = cell("procedure");
        let written = optional!(
            "procedure",
            import::parse_procedure,
            F::Procedure.short(),
            import::accepted(Procedure::ALL, Procedure::label_vi)
        );
        let implied = method.and_then(|m| m.procedure);
        match (written, implied) {
            (Some(w), Some(i)) if w != i => {
                fail(
                    h,
                    v,
                    format!(
                        "{} «{}» trái với hình thức «{}»",
                        F::Procedure.short(),
                        w.label_vi(),
                        cell("method").0
                    ),
                );
                None
            }
            // That the shortened procedure is a direct appointment's only is a rule of the
            // package (`package_rules`), checked with the others below.
            (w, i) => w.or(i),
        }
    };
    let international = {
        let (v, h) = cell("international");
        let implied = method.and_then(|m| m.international);
        if v.is_empty() {
            implied.unwrap_or(false)
        } else {
            match import::parse_international(v) {
                Some(w) if implied.is_some_and(|i| i != w) => {
                    fail(
                        h,
                        v,
                        format!(
                            "{} «{v}» trái với hình thức «{}»",
                            F::International.short(),
                            cell("method").0
                        ),
                    );
                    false
                }
                Some(w) => w,
                None => {
                    fail(
                        h,
                        v,
                        format!(
                            "{}: ghi Có hoặc Không (Quốc tế hoặc Trong nước)",
                            F::International.short()
                        ),
                    );
                    false
                }
            }
        }
    };
    let package_price_vnd = {
        let (v, h) = cell("package_price_vnd");
        match import::parse_money(v) {
            Ok(p) => Some(p),
            Err(m) => {
                fail(h, v, format!("{}: {m}", F::PackagePrice.short()));
                None
            }
        }
    };
    let contract_type = optional!(
        "contract_type",
        import::parse_contract_type,
        F::ContractType.short(),
        import::accepted(ContractType::ALL, ContractType::label_vi)
    );
    let online = {
        let (v, h) = cell("online");
        if v.is_empty() {
            fail(
                h,
                v,
                "Thiếu thông tin qua mạng: ghi Có hoặc Không (Qua mạng hoặc Không qua mạng)"
                    .to_owned(),
            );
            None
        } else {
            ctx.words.online.read(v, import::parse_bool).or_else(|| {
                fail(
                    h,
                    v,
                    format!(
                        "{}: ghi Có/Không, Qua mạng/Không qua mạng, x, 1/0 hoặc true/false",
                        F::Online.short()
                    ),
                );
                None
            })
        }
    };
    let online_exempt_reason = optional!(
        "online_exempt_reason",
        import::parse_exempt_reason,
        F::OnlineExemptReason.short(),
        import::accepted(OnlineExemptReason::ALL, OnlineExemptReason::label_vi)
    );
    let status = optional!(
        "status",
        |v| ctx.words.statuses.read(v, import::parse_status),
        F::Status.short(),
        import::accepted(PackageStatus::ALL, PackageStatus::label_vi)
    );
    let result_date = optional!(
        "result_date",
        import::parse_day,
        format!("{} (dd/mm/yyyy)", F::ResultDate.short())
    );
    let winning_price_vnd = {
        let (v, h) = cell("winning_price_vnd");
        if v.is_empty() {
            None
        } else {
            match import::parse_money(v) {
                Ok(p) => Some(p),
                Err(m) => {
                    fail(h, v, format!("Giá trúng thầu: {m}"));
                    None
                }
            }
        }
    };
    let count = |v: &str| v.parse::<u32>().ok().and_then(|n| i32::try_from(n).ok());
    let notice_version = optional!(
        "notice_version",
        |v: &str| v.trim_start_matches('-').parse::<i16>().ok(),
        F::NoticeVersion.short()
    );
    let bid_closing_at = optional!(
        "bid_closing_at",
        crate::domain::fields::parse_date_time,
        format!("{} (dd/mm/yyyy HH:MM)", F::BidClosingAt.short())
    );
    let bidder_count = optional!("bidder_count", count, F::BidderCount.short());
    let contract_duration_days = optional!(
        "contract_duration_days",
        count,
        F::ContractDurationDays.short()
    );
    let text = |name: &str| Some(cell(name).0.to_owned()).filter(|s| !s.is_empty());
    if errors.len() > before {
        return None;
    }
    Some(NewPackage {
        unit_id: unit_id?,
        name,
        plan_id,
        code: text("code"),
        notice_version,
        notice_date,
        bid_closing_at,
        procuring_entity: text("procuring_entity"),
        plan_code: text("plan_code"),
        plan_year: plan_year?,
        planned_start_month,
        planned_start_quarter,
        field: field?,
        method: method?.method,
        procedure,
        international,
        package_price_vnd: package_price_vnd?,
        funding_source: text("funding_source"),
        contract_type,
        online: online?,
        online_exempt_reason,
        status: status.unwrap_or(entity::PackageStatus::Planned),
        result_date,
        winning_price_vnd,
        contractor_name: text("contractor_name"),
        bidder_count,
        award_decision_no: text("award_decision_no"),
        contractor_tax_code: text("contractor_tax_code"),
        contract_duration_days,
        cancellation_decision_no: text("cancellation_decision_no"),
        cancellation_reason: text("cancellation_reason"),
        notes: text("notes"),
    })
}

/// Keeps the stored value of every field whose column the file does not carry: a file of notice
/// codes and prices must not wipe the award it knows nothing of.
/// The planned start is one fact written as a month or a quarter: a file carrying either
/// column replaces both.
fn keep_uncarried(input: &mut NewPackage, stored: &package::Model, carried: &dyn Fn(&str) -> bool) {
    let start = [
        PackageField::PlannedStartMonth,
        PackageField::PlannedStartQuarter,
    ];
    let start_carried = start.iter().any(|f| carried(f.wire()));
    let kept = NewPackage::from_model(stored);
    for f in PackageField::ALL {
        // A file names the unit by code; `unit_code` is required unless the import names it.
        let uncarried = *f != PackageField::UnitId
            && !carried(f.wire())
            && !(start.contains(f) && start_carried);
        if uncarried {
            input.take(&kept, *f);
        }
    }
}

/// The column header a field error of the command type belongs to.
fn header_for(field: &str, columns: &[Option<&'static str>], headers: &[String]) -> String {
    columns
        .iter()
        .position(|c| c.is_some_and(|c| c == field))
        .map_or_else(|| field.to_owned(), |i| headers[i].clone())
}

/// Checks every row, then (unless a dry run, and only without errors) writes them all in one
/// transaction. `progress` is told how many rows are done, for a progress bar.
pub async fn import_packages<C>(
    db: &C,
    actor: &Actor,
    sheet: Sheet,
    options: ImportOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<ImportReport, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    require_import(actor)?;
    if let Some(y) = options.year
        && !crate::domain::PLAN_YEARS.contains(&y)
    {
        return Err(AppError::Validation(vec![crate::error::FieldError::new(
            "year",
            "range",
            "Năm phải trong khoảng 2000–2100",
        )]));
    }
    let columns = import::map_headers(&sheet.headers).map_err(file_error)?;
    let has = |c: &str| columns.contains(&Some(c));
    let mut missing: Vec<String> = import::REQUIRED
        .iter()
        .filter(|r| !has(r))
        .map(|r| {
            import::COLUMNS
                .iter()
                .find(|(w, _, _)| w == r)
                .map_or_else(|| (*r).to_owned(), |(w, vi, _)| format!("{vi} ({w})"))
        })
        .collect();
    // Rows name their unit by code, else by the investor's name; by the procuring entity's only
    // when nothing else names it (it is often another body than the investor).
    let name_column = if has(import::INVESTOR) {
        Some(import::INVESTOR)
    } else if !has("unit_code") && options.unit.is_none() && has("procuring_entity") {
        Some("procuring_entity")
    } else {
        None
    };
    let year_source = if has("plan_year") {
        YearSource::Column
    } else if options.year.is_some() {
        YearSource::Upload
    } else if has("notice_date") {
        YearSource::NoticeDate
    } else {
        missing.insert(
            0,
            "Năm kế hoạch (plan_year; hoặc chọn năm khi tải lên, hoặc cột Ngày đăng tải)"
                .to_owned(),
        );
        YearSource::Column
    };
    if options.unit.is_none() && !has("unit_code") && name_column.is_none() {
        missing.insert(
            0,
            "Mã đơn vị (unit_code; hoặc cột Chủ đầu tư ghi tên đơn vị)".to_owned(),
        );
    }
    if !missing.is_empty() {
        return Err(file_error(FileError::MissingColumns(missing)));
    }
    let (ignored_columns, mapping) = mapping(&sheet.headers, &columns, import::column_label);

    let all_units = unit::Entity::find().all(db).await?;
    let code_of: HashMap<i64, &str> = all_units.iter().map(|u| (u.id, u.code.as_str())).collect();
    let scope = match &options.unit {
        Some(code) => {
            let code = crate::domain::text::normalize_code(code);
            Some(
                all_units
                    .iter()
                    .find(|u| u.code == code)
                    .ok_or_else(|| AppError::not_found("đơn vị", &code))?,
            )
        }
        None => None,
    };
    let units = Units::new(&all_units, scope, name_column);
    let writable = super::accounts::WriteScope::of(db, actor).await?;
    let regimes = db::reference::regimes(db).await?;
    let plans = plans_named(db, &sheet, &columns).await?;
    let successions = super::units::successions::all_pairs(db).await?;
    let tree = validity::Tree::new(&all_units, &successions);
    // The column a unit's refusal is shown in: the one that named the unit.
    let unit_column = if columns.contains(&Some("unit_code")) {
        "unit_code"
    } else {
        name_column.unwrap_or("unit_code")
    };
    // A column the file does not carry leaves a stored package's value as it is; a year the
    // file does not carry is given all the same.
    let carried = |field: &str| columns.contains(&Some(field)) || field == "plan_year";

    let mut report = ImportReport {
        dry_run: options.dry_run,
        rows: sheet.rows.len(),
        ignored_columns,
        header_row: sheet.header_row,
        mapping,
        year_source,
        skipped_rows: sheet
            .skipped
            .iter()
            .map(|(row, why)| RowError {
                row: *row,
                column: String::new(),
                value: String::new(),
                message: (*why).to_owned(),
            })
            .collect(),
        ..ImportReport::default()
    };
    let ctx = Context {
        columns: &columns,
        headers: &sheet.headers,
        units: &units,
        plans: &plans,
        year: options.year,
        words: Words::default(),
    };
    let mut rows: Vec<Row> = Vec::with_capacity(sheet.rows.len());
    for (n, record) in sheet.rows.iter().enumerate() {
        if n % 1000 == 0 {
            progress(n);
            // Reading a large file is seconds of CPU: other requests get their turn.
            tokio::task::yield_now().await;
        }
        if let Some(input) = read_row(record, &ctx, &mut report.errors) {
            rows.push(Row {
                record,
                input: input.normalized(),
            });
        }
    }
    let mut rows = latest_versions(rows, &columns, &sheet.headers, &mut report.not_applied);

    // What is stored already, looked up by every key the rows carry.
    let known = find_existing(db, &rows).await?;
    let existing = Existing::new(&known);
    let plan_rule = PlanRule::of(db, &rows, &known, &plans).await?;
    // Each row is checked where it lies and only its fate kept beside it: a second vector of
    // the rows that pass would hold a large file twice.
    let mut fates: Vec<Fate> = Vec::with_capacity(rows.len());
    let mut first_line: HashMap<Key, usize> = HashMap::new();
    let mut claimed: HashMap<i64, usize> = HashMap::new();
    for (n, row) in rows.iter_mut().enumerate() {
        if n % 1000 == 0 {
            tokio::task::yield_now().await;
        }
        let line = row.record.row;
        let found = existing.lookup(&row.input);
        // One fate a row, from one place: `write` pairs them up by position.
        let fate = 'row: {
            // An older version of a notice than the one stored is history, not news.
            if let Some(stored) = found
                && stored.code.is_some()
                && stored.code == row.input.code
                && let (Some(stored_v), Some(row_v)) =
                    (stored.notice_version, row.input.notice_version)
                && row_v < stored_v
            {
                let code = stored.code.as_deref().unwrap_or_default();
                report.not_applied.push(RowError {
                    row: line,
                    column: header_for("code", &columns, &sheet.headers),
                    value: notice_code_with_version(code, Some(row_v)),
                    message: format!(
                        "Đã có phiên bản mới hơn ({}) của thông báo này: dòng không được áp dụng",
                        notice_code_with_version(code, Some(stored_v))
                    ),
                });
                break 'row Fate::Left;
            }
            if let Some(stored) = found {
                // A version read off the notice code's suffix is the file's, column or not.
                let version = row.input.notice_version;
                keep_uncarried(&mut row.input, stored, &carried);
                row.input.notice_version = version.or(row.input.notice_version);
            }
            let input = &row.input;
            let mut row_errors: Vec<(String, String)> = Vec::new();
            if let Err(e) = input.validate()
                && let AppError::Validation(list) = AppError::from(e)
            {
                row_errors.extend(list.into_iter().map(|f| (f.field, f.message)));
            }
            let findings = package_rules::check(&input.draft(), &regimes);
            row_errors.extend(
                findings
                    .violations
                    .iter()
                    .map(|v| (v.field().to_owned(), v.message_vi())),
            );
            // A stored package's status moves as a single write moves it: forward, with what
            // each step needs. A new row is a record of where the package stands, often an old
            // one entered without every decision: it is taken as it is, and its warnings say
            // what evidence it lacks.
            if let Some(stored) = found {
                row_errors.extend(
                    input
                        .move_errors(Some(stored.status))
                        .into_iter()
                        .map(|f| (f.field, f.message)),
                );
            }
            if let Some(message) = plan_rule.refuses(input) {
                row_errors.push((PackageField::PlanId.wire().to_owned(), message));
            }
            // The unit must exist on the row's dates, as for a single write: checked for a new
            // package, and for a stored one only when the row changes its unit or dates.
            let dates = input.unit_dates();
            if found.is_none_or(|stored| validity::touches_rule(stored, input.unit_id, &dates))
                && let Some(message) = tree.refusal(input.unit_id, &dates)
            {
                row_errors.push((unit_column.to_owned(), message));
            }
            // The same rights as a single write: the package as stored and as the file makes it.
            if let Some(stored) = found
                && !writable.allows(stored.unit_id)
            {
                row_errors.push((
                    if input.code.is_some() { "code" } else { "name" }.to_owned(),
                    format!(
                        "Gói thầu {} thuộc đơn vị {}: bạn không có quyền sửa",
                        stored.code.as_deref().unwrap_or(&stored.name),
                        code_of.get(&stored.unit_id).copied().unwrap_or("?")
                    ),
                ));
            } else if !writable.allows(input.unit_id) {
                row_errors.push((
                    "unit_code".to_owned(),
                    "Bạn chỉ được nhập gói thầu của đơn vị mình và các đơn vị trực thuộc"
                        .to_owned(),
                ));
            }
            let key = key_of(input);
            if let Some(first) = first_line.get(&key) {
                row_errors.push((
                    if input.code.is_some() { "code" } else { "name" }.to_owned(),
                    format!("Trùng với dòng {first} của tệp"),
                ));
            } else {
                first_line.insert(key, line);
                if let Some(stored) = found
                    && let Some(first) = claimed.insert(stored.id, line)
                {
                    // Two rows of the file would both become the same stored package.
                    row_errors.push((
                        "name".to_owned(),
                        format!("Dòng {first} của tệp đã cập nhật cùng gói thầu này"),
                    ));
                }
            }
            if row_errors.is_empty() {
                let fate = match found {
                    None => Fate::Created,
                    Some(stored) if NewPackage::from_model(stored) == row.input => Fate::Unchanged,
                    Some(stored) => Fate::Updated(stored),
                };
                match fate {
                    Fate::Created => report.created += 1,
                    Fate::Unchanged => report.unchanged += 1,
                    Fate::Updated(_) => report.updated += 1,
                    Fate::Left => {}
                }
                break 'row fate;
            }
            for (field, message) in row_errors {
                let idx = columns.iter().position(|c| c.is_some_and(|c| c == field));
                report.errors.push(RowError {
                    row: line,
                    column: header_for(&field, &columns, &sheet.headers),
                    value: idx
                        .map(|i| row.record.get(i).to_owned())
                        .unwrap_or_default(),
                    message,
                });
            }
            Fate::Left
        };
        fates.push(fate);
    }
    progress(sheet.rows.len());
    if !report.errors.is_empty() {
        report.errors.sort_by_key(|e| e.row);
        report.dry_run = true;
        report.created = 0;
        report.updated = 0;
        report.unchanged = 0;
        return Ok(report);
    }
    if options.dry_run {
        return Ok(report);
    }
    write(db, actor, rows, fates).await?;
    Ok(report)
}

/// The plans the file's plan column names, by code (stored normalised).
async fn plans_named<C: ConnectionTrait>(
    db: &C,
    sheet: &Sheet,
    columns: &[Option<&'static str>],
) -> Result<HashMap<String, packages::PlanRef>, AppError> {
    let Some(i) = columns
        .iter()
        .position(|c| *c == Some(PackageField::PlanId.wire()))
    else {
        return Ok(HashMap::new());
    };
    let mut codes: Vec<String> = sheet
        .rows
        .iter()
        .map(|r| r.get(i))
        .filter(|v| !v.trim().is_empty())
        .map(crate::domain::text::normalize_code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    packages::plans_by_codes(db, &codes).await
}

/// The rule a single write applies to a package's plan (its project's unit is the package's
/// unit or above it), for every row at once: the plans the rows can end up with (named in the
/// file, or kept from the stored package) and the lineages of the rows' units.
struct PlanRule {
    plans: HashMap<i64, packages::PlanRef>,
    lineages: HashMap<i64, Vec<i64>>,
    units: HashMap<i64, unit::Model>,
}

impl PlanRule {
    async fn of<C: ConnectionTrait>(
        db: &C,
        rows: &[Row<'_>],
        stored: &[package::Model],
        named: &HashMap<String, packages::PlanRef>,
    ) -> Result<Self, AppError> {
        let mut plans: HashMap<i64, packages::PlanRef> =
            named.values().map(|p| (p.id, p.clone())).collect();
        let kept: Vec<i64> = stored
            .iter()
            .filter_map(|m| m.plan_id)
            .filter(|id| !plans.contains_key(id))
            .collect();
        for plan in packages::plan_refs(db, &kept).await? {
            plans.insert(plan.id, plan);
        }
        if plans.is_empty() {
            return Ok(PlanRule {
                plans,
                lineages: HashMap::new(),
                units: HashMap::new(),
            });
        }
        let mut unit_ids: Vec<i64> = rows.iter().map(|r| r.input.unit_id).collect();
        unit_ids.sort_unstable();
        unit_ids.dedup();
        let lineages = db::units::lineages(db, &unit_ids).await?;
        let owners: Vec<i64> = plans.values().map(|p| p.unit_id).collect();
        let units = unit::Entity::find()
            .filter(unit::Column::Id.is_in(owners))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        Ok(PlanRule {
            plans,
            lineages,
            units,
        })
    }

    /// Why `input`'s plan is refused, if it is.
    fn refuses(&self, input: &NewPackage) -> Option<String> {
        let plan = self.plans.get(&input.plan_id?)?;
        let inside = self
            .lineages
            .get(&input.unit_id)
            .is_some_and(|l| l.contains(&plan.unit_id));
        (!inside).then(|| packages::plan_outside_message(plan, self.units.get(&plan.unit_id)))
    }
}

/// Keeps, of the rows of one notice, the one of its highest version: `IB1800012345-00` and
/// `-01` in one file are one package, as the national system publishes the amended notice in
/// place of the first. The others are listed as not applied. Rows of one notice and one version
/// are both kept, for the duplicate to be reported.
fn latest_versions<'a>(
    rows: Vec<Row<'a>>,
    columns: &[Option<&'static str>],
    headers: &[String],
    not_applied: &mut Vec<RowError>,
) -> Vec<Row<'a>> {
    let mut latest: HashMap<&str, (Option<i16>, usize)> = HashMap::new();
    for r in &rows {
        if let Some(code) = r.input.code.as_deref() {
            let v = r.input.notice_version;
            let slot = latest.entry(code).or_insert((v, r.record.row));
            if v > slot.0 {
                *slot = (v, r.record.row);
            }
        }
    }
    let superseded: Vec<(usize, String, String)> = rows
        .iter()
        .filter_map(|r| {
            let code = r.input.code.as_deref()?;
            let (v, line) = latest.get(code)?;
            (r.input.notice_version < *v).then(|| {
                (
                    r.record.row,
                    notice_code_with_version(code, r.input.notice_version),
                    format!(
                        "Dòng {line} của tệp có phiên bản mới hơn ({}): dòng này không được áp dụng",
                        notice_code_with_version(code, *v)
                    ),
                )
            })
        })
        .collect();
    if superseded.is_empty() {
        return rows;
    }
    let column = header_for("code", columns, headers);
    let lines: std::collections::HashSet<usize> = superseded.iter().map(|s| s.0).collect();
    not_applied.extend(
        superseded
            .into_iter()
            .map(|(row, value, message)| RowError {
                row,
                column: column.clone(),
                value,
                message,
            }),
    );
    rows.into_iter()
        .filter(|r| !lines.contains(&r.record.row))
        .collect()
}

/// The stored packages the rows could be: by notice code (a unique index), and the packages of
/// the rows' units and plan years (the compliance index's leading columns) for the rows matched
/// by plan code and name or by unit, year and name. No query scans the whole table. Each
/// package once, in the order found.
async fn find_existing<C: ConnectionTrait>(
    db: &C,
    rows: &[Row<'_>],
) -> Result<Vec<package::Model>, AppError> {
    let mut codes: Vec<String> = rows.iter().filter_map(|r| r.input.code.clone()).collect();
    codes.sort_unstable();
    codes.dedup();
    // A code names at most one package: found by codes, they fit without the vector doubling
    // over a large file's packages.
    let mut found: Vec<package::Model> = Vec::with_capacity(codes.len());
    for chunk in codes.chunks(500) {
        found.extend(
            db::package_rows::matching(db, package::Column::Code.is_in(chunk.iter().cloned()))
                .await?,
        );
    }
    // Only rows not found by their notice code need the packages of their unit and year.
    let by_code: std::collections::HashSet<&str> =
        found.iter().filter_map(|p| p.code.as_deref()).collect();
    let mut units_by_year: std::collections::BTreeMap<i32, Vec<i64>> = Default::default();
    for r in rows
        .iter()
        .filter(|r| r.input.code.as_deref().is_none_or(|c| !by_code.contains(c)))
    {
        units_by_year
            .entry(r.input.plan_year)
            .or_default()
            .push(r.input.unit_id);
    }
    for (year, mut units) in units_by_year {
        units.sort_unstable();
        units.dedup();
        for chunk in units.chunks(500) {
            found.extend(
                db::package_rows::matching(
                    db,
                    sea_orm::Condition::all()
                        .add(package::Column::UnitId.is_in(chunk.iter().copied()))
                        .add(package::Column::PlanYear.eq(year)),
                )
                .await?,
            );
        }
    }
    // A package found both by its code and by its unit and year is kept once.
    let mut seen = std::collections::HashSet::with_capacity(found.len());
    found.retain(|p| seen.insert(p.id));
    Ok(found)
}

/// Writes the checked rows; `fates[i]` is what `rows[i]` does, one each by construction of
/// the checking loop.
async fn write<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    rows: Vec<Row<'_>>,
    fates: Vec<Fate<'_>>,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    let new_count = fates.iter().filter(|f| matches!(f, Fate::Created)).count();
    let mut ids = db::packages::reserve_ids(&txn, new_count)
        .await?
        .into_iter();
    // Written a thousand at a time, so a large file is never held twice over in memory.
    const FLUSH: usize = 1_000;
    let mut created: Vec<package::Model> = Vec::with_capacity(FLUSH);
    let mut trail: Vec<audit::Entry> = Vec::with_capacity(FLUSH);
    let mut events = Vec::with_capacity(FLUSH);
    for (row, fate) in rows.into_iter().zip(fates) {
        if trail.len() >= FLUSH {
            db::packages::insert_many(&txn, created.drain(..)).await?;
            audit::record_many(&txn, actor, packages::AUDIT_ENTITY, trail.drain(..)).await?;
            // After the packages they belong to.
            packages::record_events(&txn, std::mem::take(&mut events)).await?;
        }
        match fate {
            Fate::Left | Fate::Unchanged => {}
            Fate::Created => {
                let id = ids
                    .next()
                    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("too few ids reserved")))?;
                events.push(packages::status_event(id, actor, None, &row.input));
                let model = row.input.into_model(id, 1, now, now);
                let changes = Changes::created(&packages::snapshot(&model));
                trail.push(audit::Entry::new(id, AuditAction::Create, changes));
                created.push(model);
            }
            Fate::Updated(stored) => {
                if packages::planned_of(stored) != row.input.planned() {
                    // Not silent: the file's new planned start is a re-planning on the
                    // package's timeline.
                    events.push(packages::replan_event(
                        stored.id,
                        actor,
                        packages::planned_of(stored),
                        &row.input,
                        &packages::Replan {
                            plan_year: row.input.plan_year,
                            planned_start_month: row.input.planned_start_month,
                            planned_start_quarter: row.input.planned_start_quarter,
                            reason: packages::IMPORT_REPLAN_REASON.to_owned(),
                            decision_no: None,
                            decision_date: None,
                        },
                    ));
                }
                if row.input.status != stored.status {
                    events.push(packages::status_event(
                        stored.id,
                        actor,
                        Some(stored.status),
                        &row.input,
                    ));
                }
                let updated =
                    row.input
                        .into_model(stored.id, stored.version + 1, stored.created_at, now);
                let changes =
                    Changes::between(&packages::snapshot(stored), &packages::snapshot(&updated));
                // The file was compared with packages read before this transaction: one edited
                // since must not be overwritten with what the file says about the old one.
                if !db::packages::overwrite(&txn, updated, stored.version).await? {
                    return Err(AppError::Conflict {
                        code: "changed_during_import",
                        message: format!(
                            "Gói thầu {} (dòng {}) vừa được người khác sửa trong lúc nhập; \
                             chưa ghi gì, hãy nhập lại tệp",
                            stored.id, row.record.row
                        ),
                    });
                }
                trail.push(audit::Entry::new(stored.id, AuditAction::Update, changes));
            }
        }
    }
    db::packages::insert_many(&txn, created).await?;
    audit::record_many(&txn, actor, packages::AUDIT_ENTITY, trail).await?;
    packages::record_events(&txn, events).await?;
    txn.commit().await?;
    Ok(())
}

/// The template's example value of a field, as an officer would type it.
fn template_example(f: PackageField) -> &'static str {
    use PackageField as F;
    match f {
        F::UnitId => "HN-HADONG",
        F::Name => "Mua sắm thiết bị tin học",
        // Empty: a plan code must name a plan already recorded, which the example cannot know.
        F::PlanId => "",
        F::Code => "IB1900012345",
        F::PlanCode => "PL1900001234",
        F::PlanYear => "2019",
        F::PlannedStartMonth => "3",
        F::PlannedStartQuarter => "",
        F::FundingSource => "Ngân sách quận",
        F::Field => "HH",
        F::Method => "CHCT",
        F::Procedure => "Một giai đoạn một túi hồ sơ",
        F::ContractType => "Hợp đồng trọn gói",
        F::International => "Không",
        F::PackagePrice => "1.200.000.000",
        F::Online => "Có",
        F::NoticeVersion => "00",
        F::NoticeDate => "20/03/2019",
        F::BidClosingAt => "30/03/2019 09:00",
        F::OnlineExemptReason
        | F::ProcuringEntity
        | F::ResultDate
        | F::WinningPrice
        | F::ContractorName
        | F::BidderCount
        | F::AwardDecisionNo
        | F::ContractorTaxCode
        | F::ContractDurationDays
        | F::CancellationDecisionNo
        | F::CancellationReason
        | F::Notes => "",
        F::Status => "Đã đăng thông báo mời thầu",
    }
}

/// The package template, as headers and one example row (the Vietnamese headers; the English
/// wire names are accepted too).
pub fn template_sheet() -> (Vec<String>, Vec<String>) {
    let headers = import::COLUMNS
        .iter()
        .map(|(_, vi, _)| (*vi).to_owned())
        .collect();
    let example = import::COLUMNS
        .iter()
        .map(|(wire, _, _)| {
            // The one column that is not a field names the unit by code.
            PackageField::from_wire(wire)
                .map_or(template_example(PackageField::UnitId), template_example)
                .to_owned()
        })
        .collect();
    (headers, example)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_readings_answer_as_the_reading_does_and_stay_bounded() {
        let methods = Readings::<Option<import::MethodCell>>::default();
        for _ in 0..3 {
            for cell in ["Chào hàng cạnh tranh trong nước", "CDT", "Đấu thầu lạ"] {
                assert_eq!(
                    methods.read(cell, import::parse_method_cell),
                    import::parse_method_cell(cell),
                    "{cell}"
                );
            }
        }
        let online = Readings::<Option<bool>>::default();
        // A hostile file with a new value in every row keeps no more than the limit.
        for n in 0..(Readings::<Option<bool>>::LIMIT * 4) {
            assert_eq!(online.read(&format!("x{n}"), import::parse_bool), None);
        }
        assert_eq!(online.read("Qua mạng", import::parse_bool), Some(true));
        let kept = online.seen.lock().map(|m| m.len()).unwrap_or_default();
        assert_eq!(kept, Readings::<Option<bool>>::LIMIT);
    }
}
