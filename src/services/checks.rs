//! `bidtrack check-data`: stored data that breaks a rule the writes now enforce, reported and
//! never changed (correcting it is an officer's decision): packages whose unit did not exist on
//! their dates (`domain::unit_validity`), successions whose dates disagree with their units', and
//! packages holding two versions of one notice code (left by data entered before migration
//! 000014 split the `-NN` version off e-GP codes).

use super::units::{successions, validity};
use crate::domain::identifiers::notice_code;
use crate::error::AppError;
use entity::{package, unit};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// A package whose unit did not exist on its dates.
#[derive(Debug, Clone)]
pub struct OffDates {
    pub package_id: i64,
    pub name: String,
    pub unit: String,
    pub plan_year: i32,
    pub message: String,
}

/// A succession whose dates disagree with its units'.
#[derive(Debug, Clone)]
pub struct BadSuccession {
    pub id: i64,
    pub predecessor: String,
    pub successor: String,
    pub message: String,
}

/// Packages holding versions of one notice: the code without version, and each package's id
/// and code as stored.
#[derive(Debug, Clone)]
pub struct SplitNotice {
    pub code: String,
    pub packages: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct DataReport {
    pub off_dates: Vec<OffDates>,
    pub successions: Vec<BadSuccession>,
    pub split_notices: Vec<SplitNotice>,
}

impl DataReport {
    pub fn problems(&self) -> usize {
        self.off_dates.len() + self.successions.len() + self.split_notices.len()
    }

    /// The report as the command prints it: each check with its count, then its findings.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "packages whose unit was not valid at their dates: {}",
            self.off_dates.len()
        );
        for p in &self.off_dates {
            let _ = writeln!(
                out,
                "  package {} «{}», {}, {}: {}",
                p.package_id, p.name, p.unit, p.plan_year, p.message
            );
        }
        let _ = writeln!(
            out,
            "successions inconsistent with unit dates: {}",
            self.successions.len()
        );
        for s in &self.successions {
            let _ = writeln!(
                out,
                "  succession {}: {} → {}: {}",
                s.id, s.predecessor, s.successor, s.message
            );
        }
        let _ = writeln!(
            out,
            "notices held by more than one package: {}",
            self.split_notices.len()
        );
        for n in &self.split_notices {
            let held: Vec<String> = n
                .packages
                .iter()
                .map(|(id, code)| format!("package {id} ({code})"))
                .collect();
            let _ = writeln!(out, "  {}: {}", n.code, held.join(", "));
        }
        let _ = writeln!(
            out,
            "{}",
            match self.problems() {
                0 => "no problems found".to_owned(),
                n => format!("{n} problem(s) found; nothing was changed"),
            }
        );
        out
    }
}

fn named(u: Option<&unit::Model>, id: i64) -> String {
    u.map_or_else(|| id.to_string(), |u| format!("{} ({})", u.name, u.code))
}

pub async fn check_data(db: &impl ConnectionTrait) -> Result<DataReport, AppError> {
    let units = crate::db::units::all(db).await?;
    let edges = successions::all_pairs(db).await?;
    let tree = validity::Tree::new(&units, &edges);
    let mut report = DataReport::default();

    // Only units with a bound can be missed; for each, the database narrows its packages to
    // those a year or a date could put outside it, and the rule decides exactly.
    for u in units
        .iter()
        .filter(|u| u.valid_from.is_some() || u.valid_to.is_some())
    {
        use chrono::Datelike;
        let mut outside = Condition::any();
        if let Some(to) = u.valid_to {
            outside = outside
                .add(package::Column::PlanYear.gte(to.year()))
                .add(package::Column::NoticeDate.gt(to))
                .add(package::Column::ResultDate.gt(to));
        }
        if let Some(from) = u.valid_from {
            outside = outside
                .add(package::Column::PlanYear.lte(from.year()))
                .add(package::Column::NoticeDate.lt(from))
                .add(package::Column::ResultDate.lt(from));
        }
        let candidates = package::Entity::find()
            .filter(package::Column::UnitId.eq(u.id))
            .filter(outside)
            .order_by_asc(package::Column::Id)
            .all(db)
            .await?;
        for p in candidates {
            if let Some(message) = tree.refusal(u.id, &validity::dates_of_model(&p)) {
                report.off_dates.push(OffDates {
                    package_id: p.id,
                    name: p.name,
                    unit: named(Some(u), u.id),
                    plan_year: p.plan_year,
                    message,
                });
            }
        }
    }
    report.off_dates.sort_by_key(|p| p.package_id);

    let by_id: HashMap<i64, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    for (s, message) in successions::inconsistent(&edges, &by_id) {
        report.successions.push(BadSuccession {
            id: s.id,
            predecessor: named(by_id.get(&s.predecessor_id).copied(), s.predecessor_id),
            successor: named(by_id.get(&s.successor_id).copied(), s.successor_id),
            message,
        });
    }

    // Codes still carrying a version suffix, grouped by the notice they are a version of, with
    // the packages holding that notice's bare code.
    let suffixed = package::Entity::find()
        .filter(package::Column::Code.like("IB%-%"))
        .order_by_asc(package::Column::Id)
        .all(db)
        .await?;
    let mut by_notice: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for p in suffixed {
        let Some(code) = p.code else { continue };
        let split = notice_code(&code);
        if split.version.is_some() {
            by_notice.entry(split.code).or_default().push((p.id, code));
        }
    }
    let bases: Vec<String> = by_notice.keys().cloned().collect();
    for chunk in bases.chunks(400) {
        let bare = package::Entity::find()
            .filter(package::Column::Code.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        for p in bare {
            if let Some(code) = p.code
                && let Some(holders) = by_notice.get_mut(&code)
            {
                holders.push((p.id, code));
            }
        }
    }
    for (code, mut packages) in by_notice {
        if packages.len() > 1 {
            packages.sort();
            report.split_notices.push(SplitNotice { code, packages });
        }
    }
    Ok(report)
}
