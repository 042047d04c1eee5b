//! The annual summary in the shape of the official forms (Biểu 01/02 of the national annual
//! procurement report): rows by field × method, columns for online, not online and both. Each
//! gives, over the packages with a result, their number, Σ package price, Σ winning price,
//! savings and the savings rate, so that price − winning price = savings on every line; then the
//! number and Σ package price of the packages without a result yet. A subtotal per field and a
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

/// One side (online or not) of a line: amounts in the display unit, and the exact đồng that the
/// savings rate is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Side {
    awarded_count: i64,
    awarded_package_price: i128,
    winning_price: i128,
    pending_count: i64,
    pending_package_price: i128,
    awarded_package_price_vnd: i128,
    savings_vnd: i128,
}

impl Side {
    fn of(g: &SummaryGroup, money: MoneyUnit) -> Self {
        Side {
            awarded_count: g.awarded_count,
            awarded_package_price: money.show(g.awarded_package_price_vnd),
            winning_price: money.show(g.winning_price_vnd),
            pending_count: g.count - g.awarded_count,
            pending_package_price: money.show(g.package_price_vnd - g.awarded_package_price_vnd),
            awarded_package_price_vnd: g.awarded_package_price_vnd,
            savings_vnd: g.awarded_package_price_vnd - g.winning_price_vnd,
        }
    }

    /// Derived from the two shown prices rather than rounded on its own: rounding each of three
    /// columns separately would break price − winning price = savings on the printed line.
    const fn savings(&self) -> i128 {
        self.awarded_package_price - self.winning_price
    }
}

impl std::ops::AddAssign for Side {
    fn add_assign(&mut self, o: Side) {
        self.awarded_count += o.awarded_count;
        self.awarded_package_price += o.awarded_package_price;
        self.winning_price += o.winning_price;
        self.pending_count += o.pending_count;
        self.pending_package_price += o.pending_package_price;
        self.awarded_package_price_vnd += o.awarded_package_price_vnd;
        self.savings_vnd += o.savings_vnd;
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
        let [
            awarded_count,
            awarded_price,
            winning,
            savings,
            rate,
            pending_count,
            pending_price,
        ] = match key {
            "online" => [
                "online_awarded_count",
                "online_awarded_package_price",
                "online_winning_price",
                "online_savings",
                "online_savings_rate",
                "online_pending_count",
                "online_pending_package_price",
            ],
            "offline" => [
                "offline_awarded_count",
                "offline_awarded_package_price",
                "offline_winning_price",
                "offline_savings",
                "offline_savings_rate",
                "offline_pending_count",
                "offline_pending_package_price",
            ],
            _ => [
                "total_awarded_count",
                "total_awarded_package_price",
                "total_winning_price",
                "total_savings",
                "total_savings_rate",
                "total_pending_count",
                "total_pending_package_price",
            ],
        };
        let done = format!("{side} – đã có kết quả");
        let pending = format!("{side} – chưa có kết quả");
        cols.extend([
            Column::new(awarded_count, format!("{done}: số gói thầu"), Kind::Integer),
            Column::new(
                awarded_price,
                format!("{done}: tổng giá gói thầu ({m})"),
                Kind::Money,
            ),
            Column::new(
                winning,
                format!("{done}: tổng giá trúng thầu ({m})"),
                Kind::Money,
            ),
            Column::new(savings, format!("{done}: tiết kiệm ({m})"), Kind::Money),
            Column::new(rate, format!("{done}: tỷ lệ tiết kiệm"), Kind::Percent),
            Column::new(
                pending_count,
                format!("{pending}: số gói thầu"),
                Kind::Integer,
            ),
            Column::new(
                pending_price,
                format!("{pending}: tổng giá gói thầu ({m})"),
                Kind::Money,
            ),
        ]);
    }
    cols
}

fn cells(field: String, method: String, line: Line) -> Vec<Cell> {
    let mut total = line.online;
    total += line.offline;
    let mut out = vec![Cell::text(field), Cell::text(method)];
    for side in [line.online, line.offline, total] {
        out.extend([
            Cell::Int(side.awarded_count),
            Cell::Money(side.awarded_package_price),
            Cell::Money(side.winning_price),
            Cell::Money(side.savings()),
            // Tỷ lệ tiết kiệm as the national reports define it: savings over the package prices
            // of the same (awarded) packages, from the exact đồng.
            Cell::Share {
                num: side.savings_vnd,
                den: side.awarded_package_price_vnd,
            },
            Cell::Int(side.pending_count),
            Cell::Money(side.pending_package_price),
        ]);
    }
    out
}

/// What the money columns cover, and in millions how they are rounded, said on the report.
fn notes(money: MoneyUnit) -> Vec<(String, String)> {
    let mut out = vec![(
        "Ghi chú".to_owned(),
        "Tổng giá gói thầu, tổng giá trúng thầu và tiết kiệm tính trên cùng các gói thầu đã có \
         kết quả lựa chọn nhà thầu (tiết kiệm = tổng giá gói thầu − tổng giá trúng thầu; tỷ lệ \
         tiết kiệm = tiết kiệm / tổng giá gói thầu). Giá gói thầu của các gói chưa có kết quả \
         ở cột riêng."
            .to_owned(),
    )];
    if money == MoneyUnit::Million {
        out.push((
            "Làm tròn".to_owned(),
            "Giá gói thầu và giá trúng thầu làm tròn đến triệu đồng ở từng dòng, riêng qua mạng \
             và không qua mạng; tiết kiệm là hiệu của hai số đã làm tròn, nên mỗi dòng khớp; cột \
             Tổng, các dòng Cộng và Tổng cộng cộng các số đã làm tròn. Tỷ lệ tiết kiệm tính trên \
             số đồng chính xác."
                .to_owned(),
        ));
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
        let side = Side::of(g, money);
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
        ]
        .into_iter()
        .chain(notes(money))
        .collect(),
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

    fn group(online: bool, count: i64, all: i128, awarded: (i64, i128, i128)) -> SummaryGroup {
        SummaryGroup {
            field: Field::Goods,
            method: Method::OpenBidding,
            online,
            count,
            package_price_vnd: all,
            awarded_count: awarded.0,
            awarded_package_price_vnd: awarded.1,
            winning_price_vnd: awarded.2,
        }
    }

    fn cell(t: &Table, row: usize, key: &str) -> Cell {
        let at = t.columns.iter().position(|c| c.key == key);
        at.and_then(|i| t.rows[row].cells.get(i).cloned())
            .unwrap_or(Cell::Empty)
    }

    #[test]
    fn millions_keep_price_minus_winning_equal_to_savings() {
        // Rounded on its own, each column would give 1 − 1 ≠ 1 (1.4 − 0.6 = 0.8 million).
        let groups = [
            group(true, 3, 9_400_000, (1, 1_400_000, 600_000)),
            group(false, 1, 2_500_000, (1, 2_500_000, 1_500_000)),
        ];
        let unit = unit::Model {
            id: 1,
            code: "X".to_owned(),
            name: "Đơn vị X".to_owned(),
            kind: entity::UnitKind::District,
            parent_id: None,
            valid_from: None,
            valid_to: None,
            search_text: String::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        };
        let t = table_from_groups(
            &unit,
            2019,
            View::Plan,
            MoneyUnit::Million,
            &groups,
            chrono::DateTime::UNIX_EPOCH,
        );
        // the line, the field's subtotal, the grand total
        assert_eq!(t.rows.len(), 3);
        for row in 0..t.rows.len() {
            assert_eq!(
                cell(&t, row, "online_awarded_package_price"),
                Cell::Money(1)
            );
            assert_eq!(cell(&t, row, "online_winning_price"), Cell::Money(1));
            assert_eq!(cell(&t, row, "online_savings"), Cell::Money(0));
            // 2.5 and 1.5 round up to 3 and 2
            assert_eq!(cell(&t, row, "offline_savings"), Cell::Money(1));
            assert_eq!(cell(&t, row, "total_awarded_package_price"), Cell::Money(4));
            assert_eq!(cell(&t, row, "total_winning_price"), Cell::Money(3));
            assert_eq!(cell(&t, row, "total_savings"), Cell::Money(1));
            // the rate from the exact đồng: 0.8 / 1.4
            assert_eq!(
                cell(&t, row, "online_savings_rate"),
                Cell::Share {
                    num: 800_000,
                    den: 1_400_000
                }
            );
            assert_eq!(
                cell(&t, row, "total_savings_rate"),
                Cell::Share {
                    num: 1_800_000,
                    den: 3_900_000
                }
            );
            // the 8 million of two packages without a result
            assert_eq!(cell(&t, row, "online_pending_count"), Cell::Int(2));
            assert_eq!(
                cell(&t, row, "online_pending_package_price"),
                Cell::Money(8)
            );
        }
    }
}
