//! Loading a unit structure from a spreadsheet (`bidtrack import-units`, the units' import page):
//! units by code, their parent by code, their dates, and the units that took over an ended one.
//! Every row is checked against the file and the stored tree before anything is written; then one
//! transaction creates and updates the units (parents first) through [`units::create`] and
//! [`units::update`], and records the successions through
//! [`successions::record_succession`], so their checks and audit rows are the single
//! writes' own. A dry run makes the same writes and rolls them back: it reports exactly what the
//! real run would do, the successions' rules included, and leaves nothing behind.
//!
//! Importing the same file again changes nothing: a unit is the stored one with its code, and a
//! succession already recorded between the same two units with the same kind and date is left as
//! it is.

use super::{ColumnMapping, RowError, file_error, mapping};
use crate::db;
use crate::domain::text::normalize_code;
use crate::domain::unit_validity::{Validity, day_vi};
use crate::error::AppError;
use crate::import::units::{self as columns, COLUMNS};
use crate::import::{self, FileError, Sheet};
use crate::services::accounts::Actor;
use crate::services::units::successions::{self, NewSuccession};
use crate::services::units::{self, NewUnit, UnitPatch, check_shape, normalized};
use chrono::NaiveDate;
use entity::{SuccessionKind, UnitKind, unit, unit_succession};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, Default)]
pub struct UnitImportOptions {
    pub dry_run: bool,
}

/// What a unit import found, or did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnitImportReport {
    /// Nothing was written: a dry run, or errors.
    pub dry_run: bool,
    /// Rows read (blank lines are skipped).
    pub rows: usize,
    /// The row of the file read as the header.
    pub header_row: usize,
    pub units_created: usize,
    pub units_updated: usize,
    pub units_unchanged: usize,
    pub successions_created: usize,
    pub successions_unchanged: usize,
    /// When there is any, nothing was written.
    pub errors: Vec<RowError>,
    /// Columns the import does not know; they were not read.
    pub ignored_columns: Vec<String>,
    /// Every column of the file and what the import reads it as.
    pub mapping: Vec<ColumnMapping>,
}

/// Reads a unit file (CSV or XLSX, told apart by content) within `bounds`. CPU work: see
/// [`read_file_blocking`].
pub fn read_file(bytes: &[u8], bounds: &import::Bounds) -> Result<Sheet, AppError> {
    import::read_sheet(bytes, bounds)
        .map(columns::locate_header)
        .map_err(file_error)
}

/// [`read_file`] on a blocking thread, as the package import reads its files.
pub async fn read_file_blocking(
    bytes: impl AsRef<[u8]> + Send + 'static,
    bounds: import::Bounds,
) -> Result<Sheet, AppError> {
    super::read_blocking(bytes, bounds, read_file).await
}

/// A cell the file may leave out: `None` when the file has no such column (the stored value
/// stays), `Some(None)` for an empty cell (the value is cleared).
type Carried<T> = Option<Option<T>>;

/// One row, read.
struct Row {
    line: usize,
    code: String,
    name: String,
    kind: UnitKind,
    parent: Carried<String>,
    valid_from: Carried<NaiveDate>,
    valid_to: Carried<NaiveDate>,
    successors: Vec<String>,
    succession_kind: Option<SuccessionKind>,
    decision: Option<String>,
}

/// A unit as the file leaves it: the row over the stored unit.
struct Final {
    name: String,
    kind: UnitKind,
    parent: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

/// A succession the file asks for.
struct Wanted {
    line: usize,
    predecessor: String,
    successor: String,
    kind: SuccessionKind,
    effective_date: NaiveDate,
    decision: Option<String>,
}

/// The header of each column, for the errors.
struct Headers<'a> {
    columns: &'a [Option<&'static str>],
    headers: &'a [String],
}

impl Headers<'_> {
    fn of(&self, wire: &str) -> String {
        self.columns
            .iter()
            .position(|c| *c == Some(wire))
            .map_or_else(
                || {
                    COLUMNS
                        .iter()
                        .find(|(w, _, _)| *w == wire)
                        .map_or(wire, |(_, vi, _)| *vi)
                        .to_owned()
                },
                |i| self.headers[i].clone(),
            )
    }

    fn has(&self, wire: &str) -> bool {
        self.columns.contains(&Some(wire))
    }
}

/// Checks every row, then (without errors) writes them all in one transaction, or rolls it back
/// for a dry run. Administrators only: callers check it before reading the file, and so does this.
pub async fn import_units<C>(
    db: &C,
    actor: &Actor,
    sheet: Sheet,
    options: UnitImportOptions,
) -> Result<UnitImportReport, AppError>
where
    C: ConnectionTrait + TransactionTrait,
{
    actor.require_admin()?;
    let cols = columns::map_headers(&sheet.headers).map_err(file_error)?;
    let missing: Vec<String> = columns::REQUIRED
        .iter()
        .filter(|r| !cols.contains(&Some(**r)))
        .map(|r| {
            COLUMNS
                .iter()
                .find(|(w, _, _)| w == r)
                .map_or_else(|| (*r).to_owned(), |(w, vi, _)| format!("{vi} ({w})"))
        })
        .collect();
    if !missing.is_empty() {
        return Err(file_error(FileError::MissingColumns(missing)));
    }
    let headers = Headers {
        columns: &cols,
        headers: &sheet.headers,
    };
    let (ignored_columns, mapping) = mapping(&sheet.headers, &cols, columns::column_label);
    let mut report = UnitImportReport {
        dry_run: options.dry_run,
        rows: sheet.rows.len(),
        header_row: sheet.header_row,
        ignored_columns,
        mapping,
        ..UnitImportReport::default()
    };
    let mut errors: Vec<RowError> = Vec::new();
    // Every code the file lists, its row read or not: a parent or successor whose own row has
    // errors is not also "unknown".
    let listed: HashSet<String> = match cols.iter().position(|c| *c == Some(columns::CODE)) {
        Some(i) => sheet
            .rows
            .iter()
            .map(|r| normalize_code(r.get(i)))
            .collect(),
        None => HashSet::new(),
    };
    let rows: Vec<Row> = sheet
        .rows
        .iter()
        .filter_map(|r| read_row(r, &headers, &mut errors))
        .collect();

    let stored: Vec<unit::Model> = db::units::all(db).await?;
    let stored_by_code: HashMap<&str, &unit::Model> =
        stored.iter().map(|u| (u.code.as_str(), u)).collect();
    let code_of: HashMap<i64, &str> = stored.iter().map(|u| (u.id, u.code.as_str())).collect();

    // One row per code: a second row of a code is an error, and is not read further.
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    let mut file: Vec<&Row> = Vec::with_capacity(rows.len());
    for row in &rows {
        match first_line.get(row.code.as_str()) {
            Some(first) => errors.push(RowError {
                row: row.line,
                column: headers.of(columns::CODE),
                value: row.code.clone(),
                message: format!("Trùng mã đơn vị với dòng {first} của tệp"),
            }),
            None => {
                first_line.insert(&row.code, row.line);
                file.push(row);
            }
        }
    }
    let in_file: HashMap<&str, &Row> = file.iter().map(|r| (r.code.as_str(), *r)).collect();

    // Each unit of the file as the file leaves it, over what is stored.
    let finals: HashMap<&str, Final> = file
        .iter()
        .map(|r| {
            let was = stored_by_code.get(r.code.as_str());
            let stored_parent = was
                .and_then(|u| u.parent_id)
                .and_then(|p| code_of.get(&p))
                .map(|c| (*c).to_owned());
            (
                r.code.as_str(),
                Final {
                    name: r.name.clone(),
                    kind: r.kind,
                    parent: r.parent.clone().unwrap_or(stored_parent),
                    valid_from: r.valid_from.unwrap_or(was.and_then(|u| u.valid_from)),
                    valid_to: r.valid_to.unwrap_or(was.and_then(|u| u.valid_to)),
                },
            )
        })
        .collect();
    // Any unit's parent and dates after the import, whether in the file or only stored.
    let parent_of = |code: &str| -> Option<String> {
        match finals.get(code) {
            Some(f) => f.parent.clone(),
            None => stored_by_code
                .get(code)
                .and_then(|u| u.parent_id)
                .and_then(|p| code_of.get(&p))
                .map(|c| (*c).to_owned()),
        }
    };
    let validity_of = |code: &str| -> Option<Validity> {
        match finals.get(code) {
            Some(f) => Some(Validity {
                from: f.valid_from,
                to: f.valid_to,
            }),
            None => stored_by_code.get(code).map(|u| Validity {
                from: u.valid_from,
                to: u.valid_to,
            }),
        }
    };
    let exists = |code: &str| in_file.contains_key(code) || stored_by_code.contains_key(code);

    for r in &file {
        let f = &finals[r.code.as_str()];
        let shape = check_shape(&NewUnit {
            code: r.code.clone(),
            name: f.name.clone(),
            kind: f.kind,
            parent_id: None,
            valid_from: f.valid_from,
            valid_to: f.valid_to,
        });
        for e in shape {
            let (wire, value) = match e.field.as_str() {
                "code" => (columns::CODE, r.code.clone()),
                "name" => (columns::NAME, f.name.clone()),
                "valid_from" => (
                    columns::VALID_FROM,
                    f.valid_from.map(day_vi).unwrap_or_default(),
                ),
                _ => (
                    columns::VALID_TO,
                    f.valid_to.map(day_vi).unwrap_or_default(),
                ),
            };
            errors.push(RowError {
                row: r.line,
                column: headers.of(wire),
                value,
                message: e.message,
            });
        }
        if let Some(parent) = &f.parent {
            let message = if *parent == r.code {
                Some("Đơn vị không thể là cấp trên của chính nó".to_owned())
            } else if !exists(parent) {
                (!listed.contains(parent))
                    .then(|| format!("Không có đơn vị mã {parent} (trong tệp hoặc đã lưu)"))
            } else {
                cycle(&r.code, &parent_of).then(|| {
                    format!(
                        "Đơn vị cấp trên {parent} nằm dưới {} (trực tiếp hoặc qua đơn vị khác): cây đơn vị không được có vòng",
                        r.code
                    )
                })
            };
            if let Some(message) = message {
                errors.push(RowError {
                    row: r.line,
                    column: headers.of(columns::PARENT_CODE),
                    value: parent.clone(),
                    message,
                });
            }
        }
    }

    // New dates for a stored unit must keep its recorded successions true, as recording them
    // required: an ended unit ends the day before, a successor exists on the day.
    let edges = successions::all_pairs(db).await?;
    for r in &file {
        let (Some(was), f) = (
            stored_by_code.get(r.code.as_str()),
            &finals[r.code.as_str()],
        ) else {
            continue;
        };
        if (f.valid_from, f.valid_to) == (was.valid_from, was.valid_to) {
            continue;
        }
        let other = |id: i64| code_of.get(&id).copied().unwrap_or_default();
        for e in edges.iter().filter(|e| e.predecessor_id == was.id) {
            if f.valid_to.and_then(|d| d.succ_opt()) != Some(e.effective_date) {
                errors.push(RowError {
                    row: r.line,
                    column: headers.of(columns::VALID_TO),
                    value: f.valid_to.map(day_vi).unwrap_or_default(),
                    message: format!(
                        "Đã ghi {} kế thừa {} từ {}: ngày hết hiệu lực phải là {}",
                        other(e.successor_id),
                        r.code,
                        day_vi(e.effective_date),
                        day_vi(e.effective_date.pred_opt().unwrap_or(e.effective_date))
                    ),
                });
            }
        }
        let validity = Validity {
            from: f.valid_from,
            to: f.valid_to,
        };
        for e in edges.iter().filter(|e| e.successor_id == was.id) {
            if !validity.contains(e.effective_date) {
                let wire = if f.valid_from.is_some_and(|d| d > e.effective_date) {
                    columns::VALID_FROM
                } else {
                    columns::VALID_TO
                };
                errors.push(RowError {
                    row: r.line,
                    column: headers.of(wire),
                    value: if wire == columns::VALID_FROM {
                        f.valid_from
                    } else {
                        f.valid_to
                    }
                    .map(day_vi)
                    .unwrap_or_default(),
                    message: format!(
                        "Đã ghi {} kế thừa {} từ {}: {} phải có hiệu lực vào ngày đó",
                        r.code,
                        other(e.predecessor_id),
                        day_vi(e.effective_date),
                        r.code
                    ),
                });
            }
        }
    }

    // The successions the file asks for, their kind written or inferred.
    let mut predecessors_in_file: HashMap<&str, usize> = HashMap::new();
    for r in &file {
        for s in &r.successors {
            *predecessors_in_file.entry(s.as_str()).or_default() += 1;
        }
    }
    let mut wanted: Vec<Wanted> = Vec::new();
    for r in file.iter().filter(|r| !r.successors.is_empty()) {
        let column = headers.of(columns::SUCCESSOR_CODES);
        let mut fail = |value: &str, message: String| {
            errors.push(RowError {
                row: r.line,
                column: column.clone(),
                value: value.to_owned(),
                message,
            });
        };
        let f = &finals[r.code.as_str()];
        let Some(ended) = f.valid_to else {
            fail(
                &r.successors.join("; "),
                format!(
                    "Đơn vị {} chưa có ngày hết hiệu lực: ghi cột «{}» để ghi đơn vị kế thừa (ngày kế thừa là ngày hôm sau)",
                    r.code,
                    headers.of(columns::VALID_TO)
                ),
            );
            continue;
        };
        let effective_date = ended.succ_opt().unwrap_or(ended);
        for s in &r.successors {
            if *s == r.code {
                fail(s, "Đơn vị không thể kế thừa chính nó".to_owned());
                continue;
            }
            let Some(validity) = validity_of(s) else {
                if listed.contains(s) {
                    continue;
                }
                fail(
                    s,
                    format!("Không có đơn vị kế thừa mã {s} (trong tệp hoặc đã lưu)"),
                );
                continue;
            };
            if !validity.contains(effective_date) {
                fail(
                    s,
                    format!(
                        "Đơn vị kế thừa {s} không có hiệu lực vào ngày kế thừa {} (ngày sau ngày hết hiệu lực của {})",
                        day_vi(effective_date),
                        r.code
                    ),
                );
                continue;
            }
            let kind = r.succession_kind.unwrap_or_else(|| {
                infer_kind(
                    r.successors.len(),
                    predecessors_in_file.get(s.as_str()).copied().unwrap_or(0),
                    validity.from == Some(effective_date),
                    parent_of(&r.code) != parent_of(s),
                )
            });
            wanted.push(Wanted {
                line: r.line,
                predecessor: r.code.clone(),
                successor: s.clone(),
                kind,
                effective_date,
                decision: r.decision.clone(),
            });
        }
    }

    // A succession already recorded between the same units is unchanged if it says the same.
    let recorded: HashMap<(&str, &str), &unit_succession::Model> = edges
        .iter()
        .filter_map(|e| {
            Some((
                (
                    *code_of.get(&e.predecessor_id)?,
                    *code_of.get(&e.successor_id)?,
                ),
                e,
            ))
        })
        .collect();
    let mut to_record: Vec<&Wanted> = Vec::new();
    for w in &wanted {
        match recorded.get(&(w.predecessor.as_str(), w.successor.as_str())) {
            None => to_record.push(w),
            Some(e) if e.kind == w.kind && e.effective_date == w.effective_date => {
                report.successions_unchanged += 1;
            }
            Some(e) => errors.push(RowError {
                row: w.line,
                column: headers.of(columns::SUCCESSOR_CODES),
                value: w.successor.clone(),
                message: format!(
                    "Đã ghi {} kế thừa {} ({}, từ {}), khác với tệp ({}, từ {}): xoá quan hệ đã ghi trên trang đơn vị rồi nhập lại",
                    w.successor,
                    w.predecessor,
                    e.kind.label_vi(),
                    day_vi(e.effective_date),
                    w.kind.label_vi(),
                    day_vi(w.effective_date)
                ),
            }),
        }
    }

    if !errors.is_empty() {
        return Ok(failed(report, errors));
    }

    // Parents before their children, so that each parent has its id when a child names it.
    let order = parents_first(&file, &in_file, &parent_of);
    let txn = db::begin_write(db).await?;
    let mut ids: HashMap<String, i64> = stored.iter().map(|u| (u.code.clone(), u.id)).collect();
    for r in order {
        let f = &finals[r.code.as_str()];
        let parent_id = match &f.parent {
            Some(code) => match ids.get(code) {
                Some(id) => Some(*id),
                // Its parent failed to be written: that row's error says why.
                None => continue,
            },
            None => None,
        };
        let unit = normalized(NewUnit {
            code: r.code.clone(),
            name: f.name.clone(),
            kind: f.kind,
            parent_id,
            valid_from: f.valid_from,
            valid_to: f.valid_to,
        });
        let written = match stored_by_code.get(r.code.as_str()) {
            None => {
                let result = units::create(&txn, actor, unit).await;
                if result.is_ok() {
                    report.units_created += 1;
                }
                result
            }
            Some(was) if same(was, &unit) => {
                report.units_unchanged += 1;
                Ok((*was).clone())
            }
            Some(was) => {
                let result = units::update(&txn, actor, was.id, UnitPatch::from(unit)).await;
                if result.is_ok() {
                    report.units_updated += 1;
                }
                result
            }
        };
        match written {
            Ok(model) => {
                ids.insert(model.code, model.id);
            }
            Err(e) => errors.extend(row_errors(e, r.line, &headers, columns::CODE, &r.code)?),
        }
    }
    for w in to_record {
        let (Some(predecessor_id), Some(successor_id)) =
            (ids.get(&w.predecessor), ids.get(&w.successor))
        else {
            continue;
        };
        let recorded = successions::record_succession(
            &txn,
            actor,
            NewSuccession {
                predecessor_id: *predecessor_id,
                successor_id: *successor_id,
                kind: w.kind,
                effective_date: w.effective_date,
                decision: w.decision.clone(),
            },
        )
        .await;
        match recorded {
            Ok(_) => report.successions_created += 1,
            Err(e) => errors.extend(row_errors(
                e,
                w.line,
                &headers,
                columns::SUCCESSOR_CODES,
                &w.successor,
            )?),
        }
    }
    if !errors.is_empty() {
        // Dropped, the transaction rolls back: nothing of the file is kept.
        drop(txn);
        return Ok(failed(report, errors));
    }
    if options.dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(report)
}

/// The report of a file with errors: nothing written, nothing counted.
fn failed(report: UnitImportReport, mut errors: Vec<RowError>) -> UnitImportReport {
    errors.sort_by_key(|e| e.row);
    UnitImportReport {
        dry_run: true,
        errors,
        units_created: 0,
        units_updated: 0,
        units_unchanged: 0,
        successions_created: 0,
        successions_unchanged: 0,
        ..report
    }
}

/// A service's refusal of one row as row errors; a failure that is not about the row (the
/// database) is the import's.
fn row_errors(
    e: AppError,
    line: usize,
    headers: &Headers,
    wire: &str,
    value: &str,
) -> Result<Vec<RowError>, AppError> {
    let at = |wire: &str, value: &str, message: String| RowError {
        row: line,
        column: headers.of(wire),
        value: value.to_owned(),
        message,
    };
    match e {
        AppError::Validation(list) => Ok(list
            .into_iter()
            .map(|f| {
                let column = match f.field.as_str() {
                    "parent_id" => columns::PARENT_CODE,
                    "name" => columns::NAME,
                    // The file's kind when it wrote one; an inferred kind is the successors'.
                    "kind"
                        if wire == columns::SUCCESSOR_CODES
                            && headers.has(columns::SUCCESSION_KIND) =>
                    {
                        columns::SUCCESSION_KIND
                    }
                    "valid_from" => columns::VALID_FROM,
                    "valid_to" => columns::VALID_TO,
                    "decision" => columns::DECISION,
                    _ => wire,
                };
                at(column, value, f.message)
            })
            .collect()),
        AppError::Rule { message, .. } | AppError::Conflict { message, .. } => {
            Ok(vec![at(wire, value, message)])
        }
        other => Err(other),
    }
}

/// Whether the stored unit already is what the file says.
fn same(was: &unit::Model, u: &NewUnit) -> bool {
    was.name == u.name
        && was.kind == u.kind
        && was.parent_id == u.parent_id
        && was.valid_from == u.valid_from
        && was.valid_to == u.valid_to
}

/// Whether walking up from `code` through the parents comes back to it.
fn cycle(code: &str, parent_of: &dyn Fn(&str) -> Option<String>) -> bool {
    let mut seen: HashSet<String> = HashSet::new();
    let mut at = parent_of(code);
    while let Some(p) = at {
        if p == code {
            return true;
        }
        if !seen.insert(p.clone()) {
            // A loop above this unit that does not pass through it: that unit's row says so.
            return false;
        }
        at = parent_of(&p);
    }
    false
}

/// The file's rows with each row after the row of its parent (the tree has no cycle: checked).
fn parents_first<'a>(
    file: &[&'a Row],
    in_file: &HashMap<&str, &'a Row>,
    parent_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<&'a Row> {
    let mut placed: HashSet<&str> = HashSet::new();
    let mut out: Vec<&Row> = Vec::with_capacity(file.len());
    for r in file {
        // The chain of not yet placed ancestors in the file, placed from the top down.
        let mut chain: Vec<&Row> = vec![*r];
        let mut at = parent_of(&r.code);
        while let Some(p) = at {
            match in_file.get(p.as_str()) {
                Some(parent) if !placed.contains(p.as_str()) && chain.len() <= file.len() => {
                    chain.push(*parent);
                    at = parent_of(&p);
                }
                _ => break,
            }
        }
        for row in chain.into_iter().rev() {
            if placed.insert(row.code.as_str()) {
                out.push(row);
            }
        }
    }
    out
}

/// The kind of a succession whose file does not say: one ending unit going to several is a
/// split; several going to one, or one absorbed by a unit that existed before, a merge; one to
/// one new unit a rename, or a transfer when the new unit sits under another parent.
fn infer_kind(
    successors_of_predecessor: usize,
    predecessors_in_file: usize,
    successor_starts_that_day: bool,
    parent_differs: bool,
) -> SuccessionKind {
    if successors_of_predecessor > 1 {
        SuccessionKind::Split
    } else if predecessors_in_file > 1 || !successor_starts_that_day {
        SuccessionKind::Merge
    } else if parent_differs {
        SuccessionKind::Transfer
    } else {
        SuccessionKind::Rename
    }
}

/// Reads one row; one error per cell that does not read.
fn read_row(record: &import::Record, headers: &Headers, errors: &mut Vec<RowError>) -> Option<Row> {
    let cell = |wire: &str| -> Option<&str> {
        headers
            .columns
            .iter()
            .position(|c| *c == Some(wire))
            .map(|i| record.get(i))
    };
    let before = errors.len();
    let mut fail = |wire: &str, value: &str, message: String| {
        errors.push(RowError {
            row: record.row,
            column: headers.of(wire),
            value: value.to_owned(),
            message,
        });
    };
    let code = normalize_code(cell(columns::CODE).unwrap_or_default());
    if code.is_empty() {
        fail(columns::CODE, "", "Thiếu mã đơn vị".to_owned());
    }
    let name = cell(columns::NAME).unwrap_or_default().to_owned();
    if name.is_empty() {
        fail(columns::NAME, "", "Thiếu tên đơn vị".to_owned());
    }
    let kind_cell = cell(columns::KIND).unwrap_or_default();
    let kind = columns::parse_unit_kind(kind_cell);
    if kind.is_none() {
        fail(
            columns::KIND,
            kind_cell,
            format!(
                "{} cấp đơn vị: {} (hoặc {})",
                if kind_cell.is_empty() {
                    "Thiếu"
                } else {
                    "Không rõ"
                },
                import::accepted(UnitKind::ALL, UnitKind::label_vi),
                UnitKind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let parent =
        cell(columns::PARENT_CODE).map(|v| Some(normalize_code(v)).filter(|c| !c.is_empty()));
    let mut date = |wire: &str| -> Carried<NaiveDate> {
        // No such column: `None`. A cell that does not read is an error, and the row unused.
        let v = cell(wire)?;
        if v.is_empty() {
            return Some(None);
        }
        match import::parse_day(v) {
            Some(d) => Some(Some(d)),
            None => {
                fail(
                    wire,
                    v,
                    format!(
                        "{} không hợp lệ: ghi ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd",
                        columns::column_label(wire)
                    ),
                );
                None
            }
        }
    };
    let valid_from = date(columns::VALID_FROM);
    let valid_to = date(columns::VALID_TO);
    let successors: Vec<String> = cell(columns::SUCCESSOR_CODES)
        .map(columns::successor_codes)
        .unwrap_or_default()
        .into_iter()
        .map(normalize_code)
        .collect();
    let succession_kind = match cell(columns::SUCCESSION_KIND).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match columns::parse_succession_kind(v) {
            Some(k) => Some(k),
            None => {
                fail(
                    columns::SUCCESSION_KIND,
                    v,
                    format!(
                        "Không rõ loại kế thừa: {} (hoặc {}); để trống thì suy ra từ số đơn vị kế thừa",
                        import::accepted(SuccessionKind::ALL, SuccessionKind::label_vi),
                        SuccessionKind::ALL
                            .iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                None
            }
        },
    };
    if succession_kind.is_some() && successors.is_empty() {
        fail(
            columns::SUCCESSION_KIND,
            cell(columns::SUCCESSION_KIND).unwrap_or_default(),
            "Có loại kế thừa nhưng không có mã đơn vị kế thừa".to_owned(),
        );
    }
    let decision = cell(columns::DECISION)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    if errors.len() > before {
        return None;
    }
    Some(Row {
        line: record.row,
        code,
        name,
        kind: kind?,
        parent,
        valid_from,
        valid_to,
        successors,
        succession_kind,
        decision,
    })
}

/// The template of a unit file: its headers and two example rows (a district ending on 30 June
/// 2025, and the ward that took it over the next day).
pub fn template_csv() -> String {
    let header: Vec<&str> = COLUMNS.iter().map(|(_, vi, _)| *vi).collect();
    let rows = [
        header.join(","),
        "HN,Thành phố Hà Nội,Tỉnh / thành phố,,,,,,".to_owned(),
        "HN-HADONG,Quận Hà Đông,Quận / huyện / thị xã,HN,,30/06/2025,HN-P-HADONG,Hợp nhất,Nghị quyết 1656/NQ-UBTVQH15"
            .to_owned(),
        "HN-P-HADONG,Phường Hà Đông,Phường / xã / thị trấn,HN,01/07/2025,,,,".to_owned(),
    ];
    // A byte order mark, or spreadsheet programs garble the Vietnamese.
    format!("\u{feff}{}\r\n", rows.join("\r\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_inferred_from_the_shape_of_the_change() {
        use SuccessionKind::*;
        // (successors of the predecessor, predecessors of the successor in the file, successor
        // new that day, parent differs) → kind
        let table = [
            ((2, 1, true, false), Split),
            ((3, 1, false, true), Split),
            ((1, 2, true, false), Merge),
            ((1, 1, false, false), Merge),
            ((1, 1, true, false), Rename),
            ((1, 1, true, true), Transfer),
        ];
        for ((n, m, new, moved), kind) in table {
            assert_eq!(infer_kind(n, m, new, moved), kind, "{n} {m} {new} {moved}");
        }
    }

    #[test]
    fn the_template_reads_back_with_every_column() {
        let sheet = read_file(template_csv().as_bytes(), &Default::default()).expect("reads");
        let cols = columns::map_headers(&sheet.headers).expect("maps");
        assert!(cols.iter().all(Option::is_some), "{:?}", sheet.headers);
        assert_eq!(cols.len(), COLUMNS.len());
        assert_eq!(sheet.rows.len(), 3);
    }
}
