//! The annual summary in the shape of the official forms (Biểu 01/02 of the national annual
//! procurement report): rows by field × method, columns for online and not online, each with the
//! number of packages, Σ package price, Σ winning price and Σ savings, a subtotal per field and a
//! grand total.

use super::generated_line;
use super::table::{Cell, Column, Kind, Row, RowKind, Table};
use crate::db;
use crate::db::compliance::SummaryGroup;
use crate::domain::compliance::View;
use crate::error::AppError;
use entity::{Field, Method, unit};
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The unit amounts are shown in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoneyUnit {
    /// Whole đồng.
    #[default]
    Dong,
    /// Millions of đồng (triệu đồng), as the official forms print them.
    Million,
}

impl MoneyUnit {
    /// Converts for display. Millions are rounded half up from the đồng figures of each line;
    /// subtotals and totals then add the rounded lines, so the printed report adds up.
    pub const fn show(self, vnd: i128) -> i128 {
        match self {
            MoneyUnit::Dong => vnd,
            MoneyUnit::Million => (vnd + 500_000).div_euclid(1_000_000),
        }
    }

    const fn label(self) -> &'static str {
        match self {
            MoneyUnit::Dong => "đồng",
            MoneyUnit::Million => "triệu đồng",
        }
    }
}

impl std::str::FromStr for MoneyUnit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "dong" => Ok(MoneyUnit::Dong),
            "million" => Ok(MoneyUnit::Million),
            other => Err(format!(
                "unknown money unit `{other}` (expected dong or million)"
            )),
        }
    }
}

/// One side (online or not) of a line, already in the display unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Side {
    count: i64,
    package_price: i128,
    winning_price: i128,
    savings: i128,
}

impl std::ops::AddAssign for Side {
    fn add_assign(&mut self, o: Side) {
        self.count += o.count;
        self.package_price += o.package_price;
        self.winning_price += o.winning_price;
        self.savings += o.savings;
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Line {
    online: Side,
    offline: Side,
}

impl std::ops::AddAssign for Line {
    fn add_assign(&mut self, o: Line) {
        self.online += o.online;
        self.offline += o.offline;
    }
}

fn columns(money: MoneyUnit) -> Vec<Column> {
    let m = money.label();
    let mut cols = vec![
        Column::new("field", "Lĩnh vực", Kind::Text),
        Column::new("method", "Hình thức lựa chọn nhà thầu", Kind::Text),
    ];
    for (key, side) in [
        ("online", "Qua mạng"),
        ("offline", "Không qua mạng"),
        ("total", "Tổng"),
    ] {
        let (count, price, winning, savings) = match key {
            "online" => (
                "online_count",
                "online_package_price",
                "online_winning_price",
                "online_savings",
            ),
            "offline" => (
                "offline_count",
                "offline_package_price",
                "offline_winning_price",
                "offline_savings",
            ),
            _ => (
                "total_count",
                "total_package_price",
                "total_winning_price",
                "total_savings",
            ),
        };
        cols.push(Column::new(
            count,
            format!("{side}: số gói thầu"),
            Kind::Integer,
        ));
        cols.push(Column::new(
            price,
            format!("{side}: tổng giá gói thầu ({m})"),
            Kind::Money,
        ));
        cols.push(Column::new(
            winning,
            format!("{side}: tổng giá trúng thầu ({m})"),
            Kind::Money,
        ));
        cols.push(Column::new(
            savings,
            format!("{side}: tiết kiệm ({m})"),
            Kind::Money,
        ));
    }
    cols
}

fn cells(field: String, method: String, line: Line) -> Vec<Cell> {
    let mut total = line.online;
    total += line.offline;
    let mut out = vec![Cell::Text(field), Cell::Text(method)];
    for side in [line.online, line.offline, total] {
        out.extend([
            Cell::Int(side.count),
            Cell::Money(side.package_price),
            Cell::Money(side.winning_price),
            Cell::Money(side.savings),
        ]);
    }
    out
}

/// The table from the aggregate's groups (pure, so the arithmetic is tested without a database).
pub fn table_from_groups(
    unit: &unit::Model,
    year: i32,
    view: View,
    money: MoneyUnit,
    groups: &[SummaryGroup],
    generated_at: chrono::DateTime<chrono::Utc>,
) -> Table {
    let mut lines: BTreeMap<(Field, Method), Line> = BTreeMap::new();
    for g in groups {
        let side = Side {
            count: g.count,
            package_price: money.show(g.package_price_vnd),
            winning_price: money.show(g.winning_price_vnd),
            savings: money.show(g.savings_vnd),
        };
        let line = lines.entry((g.field, g.method)).or_default();
        if g.online {
            line.online += side;
        } else {
            line.offline += side;
        }
    }
    let mut rows = Vec::new();
    let mut grand = Line::default();
    for field in Field::ALL {
        let mut subtotal = Line::default();
        let mut any = false;
        for method in Method::ALL {
            if let Some(line) = lines.get(&(*field, *method)) {
                any = true;
                subtotal += *line;
                rows.push(Row::data(cells(
                    field.label_vi().to_owned(),
                    method.label_vi().to_owned(),
                    *line,
                )));
            }
        }
        if any {
            grand += subtotal;
            rows.push(Row {
                kind: RowKind::Subtotal,
                level: 0,
                cells: cells(
                    format!("Cộng {}", field.label_vi().to_lowercase()),
                    String::new(),
                    subtotal,
                ),
            });
        }
    }
    rows.push(Row {
        kind: RowKind::Total,
        level: 0,
        cells: cells("Tổng cộng".to_owned(), String::new(), grand),
    });
    Table {
        title: format!(
            "Tổng hợp kết quả lựa chọn nhà thầu năm {year} – {}",
            unit.name
        ),
        scope: vec![
            (
                "Đơn vị".to_owned(),
                format!("{} ({})", unit.name, unit.code),
            ),
            ("Năm".to_owned(), year.to_string()),
            ("Cách tính".to_owned(), view.label_vi().to_owned()),
            ("Đơn vị tiền".to_owned(), money.label().to_owned()),
            ("Lập lúc".to_owned(), generated_line(generated_at)),
        ],
        columns: columns(money),
        rows,
        file_stem: format!("tong-hop-lcnt_{}_{year}", unit.code),
    }
}

pub async fn build(
    db: &impl ConnectionTrait,
    unit_id: i64,
    year: i32,
    view: View,
    money: MoneyUnit,
    generated_at: chrono::DateTime<chrono::Utc>,
) -> Result<Table, AppError> {
    crate::services::compliance::check_year(year)?;
    let unit = db::units::find(db, unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("đơn vị", unit_id))?;
    let subtree = db::compliance::Subtree::of(db, unit_id).await?;
    let groups = db::compliance::summary(db, &subtree, year, view).await?;
    Ok(table_from_groups(
        &unit,
        year,
        view,
        money,
        &groups,
        generated_at,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millions_round_half_up_per_line() {
        let m = MoneyUnit::Million;
        assert_eq!(m.show(0), 0);
        assert_eq!(m.show(499_999), 0);
        assert_eq!(m.show(500_000), 1);
        assert_eq!(m.show(1_499_999), 1);
        assert_eq!(m.show(1_500_000), 2);
        assert_eq!(MoneyUnit::Dong.show(1_234), 1_234);
    }
}
