//! A unit's trend over the years (`services::trend`) as a report table (the compliance report's
//! "Xu hướng" sheet, CSV) and as an SVG line chart drawn on the server (no script): the online
//! share by count and by value per year, the threshold as steps, each year's figures in a table
//! beside it for readers who cannot see the chart.
//!
//! The share a year shows is the one its first target in force judges (packages in the
//! target's scope); a year without a rule has no scope, so it shows the share of every package
//! counted, drawn as a hollow point and said so in the table.

use super::table::{Cell, Column, Kind, Row, Table, vi_percent};
use super::{generated_line, verdict};
use crate::domain::compliance::Percent;
use crate::services::trend::{Trend, TrendYear};
use askama::Template;

/// The trend as one table: a row per year (the unit, with its predecessors when comparable),
/// then a row per year of each divided predecessor, labelled. Each row has the figures of every
/// package counted, then a block per target in force (as the compliance report's units).
pub fn table(t: &Trend, generated_at: chrono::DateTime<chrono::Utc>) -> Table {
    let blocks = t
        .years
        .iter()
        .chain(t.divided.iter().flat_map(|d| d.years.iter()))
        .map(|y| y.targets.len())
        .max()
        .unwrap_or(0);
    let mut columns = vec![
        Column::new("of", "Số liệu của", Kind::Text),
        Column::new("year", "Năm", Kind::Code),
    ];
    columns.extend(super::compliance::overall_columns());
    for n in 1..=blocks {
        columns.extend(super::compliance::target_columns(n, true));
    }
    columns.push(Column::new("note", "Ghi chú", Kind::Text));
    let row = |of: &str, y: &TrendYear| {
        let mut cells = vec![Cell::text(of), Cell::Int(i64::from(y.year))];
        cells.extend(super::compliance::overall_cells(&y.overall));
        for n in 0..blocks {
            cells.extend(super::compliance::target_cells(y.targets.get(n), true));
        }
        cells.push(match &y.no_target {
            Some(_) => Cell::text("Chưa có chỉ tiêu: có số liệu nhưng không có đánh giá"),
            None => Cell::Empty,
        });
        Row::data(cells)
    };
    let mut rows: Vec<Row> = t.years.iter().map(|y| row(&t.label, y)).collect();
    for d in &t.divided {
        rows.extend(d.years.iter().map(|y| row(&d.label, y)));
    }
    let mut scope = vec![
        (
            "Đơn vị".to_owned(),
            format!("{} ({})", t.unit_name, t.unit_code),
        ),
        ("Số liệu của".to_owned(), t.label.clone()),
        ("Các năm".to_owned(), format!("{}–{}", t.from, t.to)),
        ("Cách tính".to_owned(), t.view.label_vi().to_owned()),
    ];
    if !t.predecessors.is_empty() {
        scope.push((
            "Đơn vị tiền nhiệm tính chung".to_owned(),
            t.predecessors
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    for d in &t.divided {
        scope.push((
            "Đơn vị đã chia tách (số liệu riêng, không cộng)".to_owned(),
            d.label.clone(),
        ));
    }
    scope.push(("Lập lúc".to_owned(), generated_line(generated_at)));
    Table {
        title: format!(
            "Xu hướng lựa chọn nhà thầu qua mạng {}–{} – {}",
            t.from, t.to, t.label
        ),
        scope,
        columns,
        rows,
        file_stem: format!(
            "xu-huong-qua-mang_{}_{}-{}{}",
            t.unit_code,
            t.from,
            t.to,
            if t.comparable { "_so-sanh" } else { "" }
        ),
    }
}

/// A point of a line.
pub struct Point {
    pub x: u32,
    pub y: u32,
    /// Drawn hollow: a year without a rule, whose share is over every package counted.
    pub hollow: bool,
    pub tip: String,
}

/// A segment of the threshold steps.
pub struct Segment {
    pub x1: u32,
    pub y1: u32,
    pub x2: u32,
    pub y2: u32,
}

pub struct Tick {
    pub y: u32,
    pub text_y: u32,
    pub label: String,
}

pub struct YearLabel {
    pub x: u32,
    pub year: i32,
}

/// Consecutive years without a rule: a shaded band behind the plot, labelled once below the
/// years (one label a year would not fit under narrow columns).
pub struct NoRuleRun {
    pub x: u32,
    pub width: u32,
    pub mid: u32,
    pub years: String,
}

/// One year of the table beside the chart.
pub struct ChartRow {
    pub year: i32,
    pub basis: &'static str,
    pub count_share: String,
    pub value_share: String,
    pub threshold: String,
    pub verdict: &'static str,
    pub shortfall: String,
}

/// The line chart, laid out in Rust so the template only places shapes.
#[derive(Template)]
#[template(path = "trend_chart.html")]
pub struct TrendChart {
    /// Distinguishes two charts on one page (their `<title>` ids).
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: u32,
    pub height: u32,
    pub plot_x: u32,
    pub plot_right: u32,
    pub top: u32,
    pub bottom: u32,
    pub ticks: Vec<Tick>,
    pub years: Vec<YearLabel>,
    pub no_rule: Vec<NoRuleRun>,
    pub year_label_y: u32,
    pub no_rule_y: u32,
    pub count_line: String,
    pub value_line: String,
    pub count_points: Vec<Point>,
    pub value_points: Vec<Point>,
    pub count_steps: Vec<Segment>,
    pub value_steps: Vec<Segment>,
    pub legend_y: u32,
    pub rows: Vec<ChartRow>,
}

const PLOT_X: u32 = 64;
const PLOT_W: u32 = 560;
const TOP: u32 = 40;
const PLOT_H: u32 = 200;

fn y_of(hundredths: i64) -> u32 {
    let clamped = hundredths.clamp(0, 10_000) as u64;
    TOP + PLOT_H - (clamped * u64::from(PLOT_H) / 10_000) as u32
}

fn text_share(p: Option<Percent>) -> String {
    p.map_or_else(|| "–".to_owned(), vi_percent)
}

/// The share by count and by value a year shows (see the module's note), and whether it is the
/// first target's.
fn shares(y: &TrendYear) -> (Option<Percent>, Option<Percent>, bool) {
    match y.targets.first() {
        Some(t) => (t.figures.share_percent, t.figures.value_share_percent, true),
        None => (
            y.overall.share_percent,
            y.overall.value_share_percent,
            false,
        ),
    }
}

impl TrendChart {
    /// The chart of a trend's main figures (the unit, with its predecessors when comparable).
    pub fn new(t: &Trend, id: &str) -> TrendChart {
        let n = t.years.len().max(1) as u32;
        // Even, so that one year's step ends where the next one's begins.
        let step = (PLOT_W / n) & !1;
        let x_of = |i: usize| PLOT_X + step * i as u32 + step / 2;
        let mut count_points = Vec::new();
        let mut value_points = Vec::new();
        let mut count_steps = Vec::new();
        let mut value_steps = Vec::new();
        let mut years = Vec::new();
        let mut no_rule: Vec<NoRuleRun> = Vec::new();
        let mut run_end: Option<usize> = None;
        let mut rows = Vec::new();
        let mut last_count: Option<(u32, u32)> = None;
        let mut last_value: Option<(u32, u32)> = None;
        for (i, y) in t.years.iter().enumerate() {
            let x = x_of(i);
            let (count, value, judged) = shares(y);
            if let Some(p) = count {
                count_points.push(Point {
                    x,
                    y: y_of(p.hundredths),
                    hollow: !judged,
                    tip: format!("{}: {} theo số gói", y.year, vi_percent(p)),
                });
            }
            if let Some(p) = value {
                value_points.push(Point {
                    x,
                    y: y_of(p.hundredths),
                    hollow: !judged,
                    tip: format!("{}: {} theo giá trị", y.year, vi_percent(p)),
                });
            }
            let first = y.targets.first();
            // Steps: a flat segment across the year's column, joined to the previous year's
            // when both have a threshold; a year without a rule leaves a gap.
            let step_for = |threshold: Option<i32>, last: &mut Option<(u32, u32)>| {
                let Some(th) = threshold else {
                    *last = None;
                    return None;
                };
                let level = y_of(i64::from(th) * 100);
                let (x1, x2) = (x - step / 2, x + step / 2);
                let mut out = Vec::new();
                if let Some((_, py)) = *last
                    && py != level
                {
                    out.push(Segment {
                        x1,
                        y1: py,
                        x2: x1,
                        y2: level,
                    });
                }
                out.push(Segment {
                    x1,
                    y1: level,
                    x2,
                    y2: level,
                });
                *last = Some((x2, level));
                Some(out)
            };
            if let Some(s) = step_for(first.map(|f| f.rule.min_count_percent), &mut last_count) {
                count_steps.extend(s);
            }
            if let Some(s) = step_for(
                first.and_then(|f| f.rule.min_value_percent),
                &mut last_value,
            ) {
                value_steps.extend(s);
            }
            years.push(YearLabel { x, year: y.year });
            if first.is_none() {
                match no_rule.last_mut() {
                    Some(run) if run_end == Some(i) => {
                        run.width += step;
                        run.mid = run.x + run.width / 2;
                        run.years = format!(
                            "{}–{}",
                            run.years.split('–').next().unwrap_or_default(),
                            y.year
                        );
                    }
                    _ => no_rule.push(NoRuleRun {
                        x: x - step / 2,
                        width: step,
                        mid: x,
                        years: y.year.to_string(),
                    }),
                }
                run_end = Some(i + 1);
            }
            rows.push(ChartRow {
                year: y.year,
                basis: if judged {
                    "Gói thuộc phạm vi chỉ tiêu"
                } else {
                    "Mọi gói thầu (chưa có chỉ tiêu)"
                },
                count_share: text_share(count),
                value_share: text_share(value),
                threshold: first.map_or_else(
                    || "Chưa có chỉ tiêu".to_owned(),
                    |f| match f.rule.min_value_percent {
                        Some(v) => format!("{}% số gói, {v}% giá trị", f.rule.min_count_percent),
                        None => format!("{}% số gói", f.rule.min_count_percent),
                    },
                ),
                verdict: first.map_or("–", |f| verdict(f.figures.met)),
                shortfall: first.map_or_else(
                    || "–".to_owned(),
                    |f| format!("{} gói", f.figures.shortfall),
                ),
            });
        }
        let line = |points: &[Point]| {
            points
                .iter()
                .map(|p| format!("{},{}", p.x, p.y))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let ticks = [0, 25, 50, 75, 100]
            .iter()
            .map(|p| {
                let y = y_of(p * 100);
                Tick {
                    y,
                    text_y: y + 4,
                    label: format!("{p}%"),
                }
            })
            .collect();
        let desc = format!(
            "Tỷ lệ qua mạng theo số gói: {}. Năm không có chỉ tiêu: {}.",
            rows.iter()
                .map(|r| format!("{} {}", r.year, r.count_share))
                .collect::<Vec<_>>()
                .join(", "),
            {
                let none: Vec<String> = rows
                    .iter()
                    .filter(|r| r.threshold == "Chưa có chỉ tiêu")
                    .map(|r| r.year.to_string())
                    .collect();
                if none.is_empty() {
                    "không có".to_owned()
                } else {
                    none.join(", ")
                }
            }
        );
        let bottom = TOP + PLOT_H;
        TrendChart {
            id: id.to_owned(),
            title: format!(
                "Tỷ lệ lựa chọn nhà thầu qua mạng {}–{}: {}",
                t.from, t.to, t.label
            ),
            desc,
            width: PLOT_X + PLOT_W + 16,
            height: bottom + 80,
            plot_x: PLOT_X,
            plot_right: PLOT_X + PLOT_W,
            top: TOP,
            bottom,
            ticks,
            years,
            no_rule,
            year_label_y: bottom + 18,
            no_rule_y: bottom + 32,
            count_line: line(&count_points),
            value_line: line(&value_points),
            count_points,
            value_points,
            count_steps,
            value_steps,
            legend_y: bottom + 58,
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_map_onto_the_plot() {
        assert_eq!(y_of(0), TOP + PLOT_H);
        assert_eq!(y_of(10_000), TOP);
        assert_eq!(y_of(5_000), TOP + PLOT_H / 2);
        assert_eq!(y_of(20_000), TOP, "clamped");
        assert_eq!(y_of(-5), TOP + PLOT_H, "clamped");
    }
}
