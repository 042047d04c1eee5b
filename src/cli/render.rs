//! The plain-text report of `bidtrack check`.

use crate::domain::compliance::Percent;
use crate::domain::money::format_vnd;
use crate::services::compliance::{Compliance, Figures, RuleRef};

fn share(p: Option<Percent>) -> String {
    p.map_or_else(|| "–".to_owned(), |p| format!("{p}%"))
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "not met",
        None => "nothing in scope",
    }
}

/// A plain-text table, columns padded to their widest cell.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let mut s = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect::<Vec<_>>()
            .join("  ");
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

fn count_row(label: String, rule: &RuleRef, f: &Figures) -> Vec<String> {
    vec![
        label,
        f.in_scope.to_string(),
        f.online.to_string(),
        share(f.share_percent),
        format!("{}%", rule.min_count_percent),
        verdict(f.met).to_owned(),
        f.shortfall.to_string(),
    ]
}

/// The `check` report as text: the figures of every package counted, then each target in force
/// with its verdict, by unit (each child under the rule that applies to it) and by method.
pub fn render(c: &Compliance) -> String {
    let o = &c.overall;
    let mut out = format!(
        "{} ({}), {}, view: {}\n",
        c.unit_name, c.unit_code, c.year, c.view
    );
    out.push_str(&format!(
        "packages counted: {}, online {} ({}); value {}, online {} ({})\n",
        o.packages,
        o.online,
        share(o.share_percent),
        format_vnd(o.value_vnd),
        format_vnd(o.value_online_vnd),
        share(o.value_share_percent)
    ));
    if let Some(message) = &c.no_target {
        out.push_str(&format!("\n{message}\n"));
    }
    for t in &c.targets {
        let (rule, f) = (&t.rule, &t.figures);
        let value_target = rule
            .min_value_percent
            .map_or_else(String::new, |v| format!(", value ≥ {v}%"));
        out.push_str(&format!(
            "\ntarget: {} (count ≥ {}%{value_target})\n\n",
            rule.name, rule.min_count_percent
        ));
        let rows = vec![
            count_row("count".to_owned(), rule, f),
            vec![
                "value".to_owned(),
                format_vnd(f.value_in_scope_vnd),
                format_vnd(f.value_online_vnd),
                share(f.value_share_percent),
                rule.min_value_percent
                    .map_or_else(|| "–".to_owned(), |v| format!("{v}%")),
                rule.min_value_percent
                    .map_or("–", |_| verdict(f.value_met))
                    .to_owned(),
                f.value_shortfall_vnd
                    .map_or_else(|| "–".to_owned(), format_vnd),
            ],
        ];
        let header = [
            "",
            "in scope",
            "online",
            "share",
            "target",
            "result",
            "shortfall",
        ];
        out.push_str(&table(&header, &rows));
        out.push_str(&format!(
            "packages counted in {}: {} (out of scope: {})\n",
            c.year,
            o.packages,
            o.packages - f.in_scope
        ));
        let units: Vec<_> = c
            .by_unit
            .iter()
            .filter_map(|u| {
                // A child with a rule of its own for this target is judged under it.
                let mine = u.targets.iter().find(|x| x.rule.target == rule.target)?;
                let mut label = if u.own {
                    format!("{} (own packages)", u.name)
                } else {
                    u.name.clone()
                };
                if mine.rule.id != rule.id {
                    label.push_str(&format!(" [{}]", mine.rule.name));
                }
                Some(count_row(label, &mine.rule, &mine.figures))
            })
            .collect();
        if !units.is_empty() {
            out.push_str("\nby unit\n");
            out.push_str(&table(&header, &units));
        }
        let methods: Vec<_> = c
            .by_method
            .iter()
            .filter_map(|m| {
                let mine = m.targets.iter().find(|x| x.rule.id == rule.id)?;
                Some(count_row(m.label.to_owned(), &mine.rule, &mine.figures))
            })
            .collect();
        if !methods.is_empty() {
            out.push_str("\nby method\n");
            out.push_str(&table(&header, &methods));
        }
    }
    out
}
