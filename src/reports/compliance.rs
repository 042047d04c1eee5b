//! The compliance report: three tables from the one `Computation` behind `/api/v1/compliance`,
//! one XLSX sheet each: the unit and its subtree down to a depth, the methods, the fields. Each
//! has the figures of every package counted, then one block of columns per target in force.
//! A unit is judged under the rule that applies to it (a child's own rule included, named in the
//! block); a method or field the target does not count has no target, verdict or shortfall.

use super::table::{Cell, Column, Kind, Row, RowKind, Table};
use super::{generated_line, verdict};
use crate::domain::compliance::Percent;
use crate::services::compliance::{Computation, Overall, TargetFigures};

/// A table of the compliance report (`units`, `methods`, `fields`), for formats that hold one
/// (CSV).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Units,
    Methods,
    Fields,
    /// The unit's trend over the years (`reports::trend`).
    Trend,
}

impl Part {
    pub const fn as_str(self) -> &'static str {
        match self {
            Part::Units => PARTS[0].0,
            Part::Methods => PARTS[1].0,
            Part::Fields => PARTS[2].0,
            Part::Trend => TREND_PART.0,
        }
    }
}

/// The three parts, each with the name of its XLSX sheet.
pub const PARTS: [(&str, &str); 3] = [
    ("units", "Theo đơn vị"),
    ("methods", "Theo hình thức"),
    ("fields", "Theo lĩnh vực"),
];

pub(super) fn overall_columns() -> Vec<Column> {
    vec![
        Column::new("packages", "Số gói thầu trong năm", Kind::Integer),
        Column::new("online", "Số gói qua mạng", Kind::Integer),
        Column::new("share_percent", "Tỷ lệ qua mạng (số gói)", Kind::Percent),
        Column::new("value_vnd", "Giá gói thầu (đồng)", Kind::Money),
        Column::new(
            "value_online_vnd",
            "Giá gói thầu qua mạng (đồng)",
            Kind::Money,
        ),
        Column::new(
            "value_share_percent",
            "Tỷ lệ qua mạng (giá trị)",
            Kind::Percent,
        ),
    ]
}

pub(super) fn overall_cells(o: &Overall) -> Vec<Cell> {
    vec![
        Cell::Int(o.packages),
        Cell::Int(o.online),
        share(i128::from(o.online), i128::from(o.packages)),
        Cell::Money(o.value_vnd),
        Cell::Money(o.value_online_vnd),
        share(o.value_online_vnd, o.value_vnd),
    ]
}

/// The block of one target: "Chỉ tiêu 1: …" in every header, so two targets stay apart.
pub(super) fn target_columns(n: usize, with_rule: bool) -> Vec<Column> {
    let key = |k: &str| format!("target{n}_{k}");
    let head = |h: &str| format!("Chỉ tiêu {n}: {h}");
    let mut cols = Vec::new();
    if with_rule {
        cols.push(Column::new(
            key("rule"),
            head("quy định áp dụng"),
            Kind::Text,
        ));
    }
    cols.extend([
        Column::new(key("in_scope"), head("số gói thuộc phạm vi"), Kind::Integer),
        Column::new(key("online"), head("số gói qua mạng"), Kind::Integer),
        Column::new(key("share_percent"), head("tỷ lệ (số gói)"), Kind::Percent),
        Column::new(
            key("target_percent"),
            head("mức yêu cầu (số gói)"),
            Kind::Percent,
        ),
        Column::new(key("met"), head("đánh giá (số gói)"), Kind::Text),
        Column::new(key("shortfall"), head("còn thiếu (gói)"), Kind::Integer),
        Column::new(
            key("value_in_scope_vnd"),
            head("giá trị thuộc phạm vi (đồng)"),
            Kind::Money,
        ),
        Column::new(
            key("value_online_vnd"),
            head("giá trị qua mạng (đồng)"),
            Kind::Money,
        ),
        Column::new(
            key("value_share_percent"),
            head("tỷ lệ (giá trị)"),
            Kind::Percent,
        ),
        Column::new(
            key("value_target_percent"),
            head("mức yêu cầu (giá trị)"),
            Kind::Percent,
        ),
        Column::new(key("value_met"), head("đánh giá (giá trị)"), Kind::Text),
        Column::new(
            key("value_shortfall_vnd"),
            head("còn thiếu (đồng)"),
            Kind::Money,
        ),
    ]);
    cols
}

/// An exact ratio, for the writers to present (XLSX keeps it exact).
fn share(num: impl Into<i128>, den: impl Into<i128>) -> Cell {
    Cell::Share {
        num: num.into(),
        den: den.into(),
    }
}

fn whole_percent(p: i32) -> Cell {
    Cell::Percent(Some(Percent {
        hundredths: i64::from(p) * 100,
    }))
}

pub(super) fn target_cells(t: Option<&TargetFigures>, with_rule: bool) -> Vec<Cell> {
    let Some(t) = t else {
        // Not counted by this target: no figure, target or verdict.
        return vec![Cell::Empty; target_columns(0, with_rule).len()];
    };
    let (r, f) = (&t.rule, &t.figures);
    let mut cells = Vec::new();
    if with_rule {
        cells.push(Cell::text(&r.name));
    }
    cells.extend([
        Cell::Int(f.in_scope),
        Cell::Int(f.online),
        share(i128::from(f.online), i128::from(f.in_scope)),
        whole_percent(r.min_count_percent),
        Cell::text(verdict(f.met)),
        Cell::Int(f.shortfall),
        Cell::Money(f.value_in_scope_vnd),
        Cell::Money(f.value_online_vnd),
        share(f.value_online_vnd, f.value_in_scope_vnd),
        r.min_value_percent.map_or(Cell::Empty, whole_percent),
        if r.min_value_percent.is_some() {
            Cell::text(verdict(f.value_met))
        } else {
            Cell::Empty
        },
        f.value_shortfall_vnd.map_or(Cell::Empty, Cell::Money),
    ]);
    cells
}

/// What follows the name of a unit listed in a year it did not exist in (bad data: packages
/// recorded on a unit outside its validity).
pub const NOT_VALID_MARK: &str = "(không tồn tại trong năm này)";

/// The fourth part, when the report has the unit's trend: its key and sheet name.
pub const TREND_PART: (&str, &str) = ("trend", "Xu hướng");

/// The report as `reports::render_parts` takes it: the three tables of the year, then the
/// trend over the years (`reports::trend::table`) when there is one.
pub fn parts(
    c: &Computation,
    depth: u32,
    trend: Option<Table>,
    generated_at: chrono::DateTime<chrono::Utc>,
) -> Vec<(&'static str, &'static str, Table)> {
    let mut out: Vec<_> = PARTS
        .iter()
        .zip(tables(c, depth, generated_at))
        .map(|((key, sheet), t)| (*key, *sheet, t))
        .collect();
    if let Some(t) = trend {
        out.push((TREND_PART.0, TREND_PART.1, t));
    }
    out
}

/// The report's three tables, in `PARTS` order.
pub fn tables(
    c: &Computation,
    depth: u32,
    generated_at: chrono::DateTime<chrono::Utc>,
) -> Vec<Table> {
    let targets = c.targets();
    let mut scope = vec![
        (
            "Đơn vị".to_owned(),
            format!("{} ({})", c.root.name, c.root.code),
        ),
        ("Năm".to_owned(), c.year.to_string()),
        ("Cách tính".to_owned(), c.view.label_vi().to_owned()),
    ];
    if targets.is_empty() {
        scope.push((
            "Chỉ tiêu".to_owned(),
            crate::services::compliance::no_target_message(c.year),
        ));
    }
    for (i, t) in targets.iter().enumerate() {
        let value = t
            .rule
            .min_value_percent
            .map_or_else(String::new, |v| format!(" và {v}% giá trị"));
        scope.push((
            format!("Chỉ tiêu {}", i + 1),
            format!(
                "{}: tối thiểu {}% số gói thầu{value}",
                t.rule.name, t.rule.min_count_percent
            ),
        ));
    }
    scope.push(("Lập lúc".to_owned(), generated_line(generated_at)));

    let title = |part: &str| {
        format!(
            "Báo cáo thực hiện lựa chọn nhà thầu qua mạng năm {} – {} – {}",
            c.year,
            c.root.name,
            part.to_lowercase()
        )
    };
    let stem = |part: &str| format!("tuan-thu-qua-mang_{}_{}_{part}", c.root.code, c.year);

    // Units: a child with a rule of its own is judged under it; the block names the rule.
    let mut unit_columns = vec![
        Column::new("code", "Mã đơn vị", Kind::Text),
        Column::new("name", "Đơn vị", Kind::Text),
        Column::new("kind", "Loại đơn vị", Kind::Text),
    ];
    unit_columns.extend(overall_columns());
    for n in 1..=targets.len() {
        unit_columns.extend(target_columns(n, true));
    }
    let mut unit_rows = Vec::new();
    for node in c.tree(depth) {
        let mut cells = vec![
            Cell::text(&node.unit.code),
            // A unit that did not exist in the year yet holds packages of it: marked, not hidden.
            if node.valid {
                Cell::text(&node.unit.name)
            } else {
                Cell::text(format!("{} {}", node.unit.name, NOT_VALID_MARK))
            },
            // The tree's level as the officer knows it, not a number.
            Cell::text(node.unit.kind.label_vi()),
        ];
        cells.extend(overall_cells(&c.overall_of(node.unit.id)));
        let own = c.targets_of(node.unit.id);
        for t in &targets {
            let mine = own.iter().find(|x| x.rule.target == t.rule.target);
            cells.extend(target_cells(mine, true));
        }
        unit_rows.push(Row {
            kind: if node.depth == 0 {
                RowKind::Total
            } else {
                RowKind::Data
            },
            level: node.depth,
            cells,
        });
    }

    let by_columns = |key: &'static str, header: &'static str| {
        let mut cols = vec![Column::new(key, header, Kind::Text)];
        cols.extend(overall_columns());
        for n in 1..=targets.len() {
            cols.extend(target_columns(n, false));
        }
        cols
    };
    let method_columns = by_columns("method", "Hình thức lựa chọn nhà thầu");
    let field_columns = by_columns("field", "Lĩnh vực");
    let block = |list: Vec<TargetFigures>| {
        targets
            .iter()
            .flat_map(|t| target_cells(list.iter().find(|x| x.rule.id == t.rule.id), false))
            .collect::<Vec<_>>()
    };
    let method_rows = c
        .overall_by_method()
        .map(|(method, o)| {
            let mut cells = vec![Cell::text(method.label_vi())];
            cells.extend(overall_cells(&o));
            cells.extend(block(c.targets_by_method(method)));
            Row::data(cells)
        })
        .collect();
    let field_rows = c
        .overall_by_field()
        .map(|(field, o)| {
            let mut cells = vec![Cell::text(field.label_vi())];
            cells.extend(overall_cells(&o));
            cells.extend(block(c.targets_by_field(field)));
            Row::data(cells)
        })
        .collect();

    let table = |part: (&str, &str), columns, rows| Table {
        title: title(part.1),
        scope: scope.clone(),
        columns,
        rows,
        file_stem: stem(part.0),
    };
    vec![
        table(PARTS[0], unit_columns, unit_rows),
        table(PARTS[1], method_columns, method_rows),
        table(PARTS[2], field_columns, field_rows),
    ]
}
