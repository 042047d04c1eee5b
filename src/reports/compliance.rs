//! The compliance report: the unit and its subtree down to a depth, then the same figures by
//! method and by field, all from the one `Computation` behind `/api/v1/compliance`.

use super::table::{Cell, Column, Kind, Row, RowKind, Table};
use super::{generated_line, verdict};
use crate::domain::compliance::Percent;
use crate::services::compliance::{Computation, Figures};

fn columns() -> Vec<Column> {
    vec![
        Column::new("group", "Nhóm", Kind::Text),
        Column::new("code", "Mã", Kind::Text),
        Column::new("name", "Tên", Kind::Text),
        Column::new("level", "Cấp", Kind::Integer),
        Column::new("counted", "Số gói thầu trong năm", Kind::Integer),
        Column::new("in_scope", "Số gói thuộc phạm vi chỉ tiêu", Kind::Integer),
        Column::new("online", "Số gói qua mạng", Kind::Integer),
        Column::new("share_percent", "Tỷ lệ qua mạng (số gói)", Kind::Percent),
        Column::new("target_percent", "Chỉ tiêu (số gói)", Kind::Percent),
        Column::new("met", "Đánh giá (số gói)", Kind::Text),
        Column::new("shortfall", "Còn thiếu (gói)", Kind::Integer),
        Column::new(
            "value_in_scope_vnd",
            "Giá trị thuộc phạm vi (đồng)",
            Kind::Money,
        ),
        Column::new("value_online_vnd", "Giá trị qua mạng (đồng)", Kind::Money),
        Column::new(
            "value_share_percent",
            "Tỷ lệ qua mạng (giá trị)",
            Kind::Percent,
        ),
        Column::new("value_target_percent", "Chỉ tiêu (giá trị)", Kind::Percent),
        Column::new("value_met", "Đánh giá (giá trị)", Kind::Text),
        Column::new("value_shortfall_vnd", "Còn thiếu (đồng)", Kind::Money),
    ]
}

fn percent(whole: Option<i32>) -> Cell {
    match whole {
        Some(p) => Cell::Percent(Some(Percent {
            hundredths: i64::from(p) * 100,
        })),
        None => Cell::Empty,
    }
}

fn figure_cells(c: &Computation, f: &Figures) -> Vec<Cell> {
    let has_value_target = c.rule.min_value_percent.is_some();
    vec![
        Cell::Int(f.counted),
        Cell::Int(f.in_scope),
        Cell::Int(f.online),
        Cell::Share {
            num: f.online.into(),
            den: f.in_scope.into(),
        },
        percent(Some(c.rule.min_count_percent)),
        Cell::text(verdict(f.met)),
        Cell::Int(f.shortfall),
        Cell::Money(f.value_in_scope_vnd),
        Cell::Money(f.value_online_vnd),
        Cell::Share {
            num: f.value_online_vnd,
            den: f.value_in_scope_vnd,
        },
        percent(c.rule.min_value_percent),
        if has_value_target {
            Cell::text(verdict(f.value_met))
        } else {
            Cell::Empty
        },
        f.value_shortfall_vnd.map_or(Cell::Empty, Cell::Money),
    ]
}

pub fn table(c: &Computation, depth: u32, generated_at: chrono::DateTime<chrono::Utc>) -> Table {
    let mut rows = Vec::new();
    for node in c.tree(depth) {
        let mut cells = vec![
            Cell::text("Đơn vị"),
            Cell::text(&node.unit.code),
            Cell::text(&node.unit.name),
            Cell::Int(i64::from(node.depth)),
        ];
        cells.extend(figure_cells(c, &c.figures(node.tally)));
        let kind = if node.depth == 0 {
            RowKind::Total
        } else {
            RowKind::Data
        };
        rows.push(Row {
            kind,
            level: node.depth,
            cells,
        });
    }
    for (method, tally) in &c.by_method {
        let mut cells = vec![
            Cell::text("Hình thức"),
            Cell::text(method.as_str()),
            Cell::text(method.label_vi()),
            Cell::Empty,
        ];
        cells.extend(figure_cells(c, &c.figures(*tally)));
        rows.push(Row::data(cells));
    }
    for (field, tally) in &c.by_field {
        let mut cells = vec![
            Cell::text("Lĩnh vực"),
            Cell::text(field.as_str()),
            Cell::text(field.label_vi()),
            Cell::Empty,
        ];
        cells.extend(figure_cells(c, &c.figures(*tally)));
        rows.push(Row::data(cells));
    }
    let value_target = c
        .rule
        .min_value_percent
        .map_or_else(String::new, |v| format!(", ≥ {v}% giá trị"));
    Table {
        title: format!(
            "Báo cáo thực hiện lựa chọn nhà thầu qua mạng năm {} – {}",
            c.year, c.root.name
        ),
        scope: vec![
            (
                "Đơn vị".to_owned(),
                format!("{} ({})", c.root.name, c.root.code),
            ),
            ("Năm".to_owned(), c.year.to_string()),
            ("Cách tính".to_owned(), c.view.label_vi().to_owned()),
            (
                "Chỉ tiêu".to_owned(),
                format!(
                    "{}: ≥ {}% số gói thầu{value_target}",
                    c.rule.name, c.rule.min_count_percent
                ),
            ),
            ("Lập lúc".to_owned(), generated_line(generated_at)),
        ],
        columns: columns(),
        rows,
        file_stem: format!("tuan-thu-qua-mang_{}_{}", c.root.code, c.year),
    }
}
