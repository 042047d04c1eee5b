//! The compliance arithmetic of domain.md §6, in integers only: met, share with two decimals,
//! shortfall. Value sums are `i128`: an amount is at most `money::MAX_VND` (10^15 đồng), so ten
//! thousand packages at the ceiling would already pass `i64`; products are taken in `i128` too.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::AddAssign;
use std::str::FromStr;

/// Which year a package is counted in (domain.md §6).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// By plan year: every package that is not cancelled.
    #[default]
    Plan,
    /// By the year of the selection result date: awarded packages only, and online only when
    /// evidenced (domain.md §10: before its notice is on the national system, "online" is an
    /// intention).
    Result,
}

impl View {
    pub const fn as_str(self) -> &'static str {
        match self {
            View::Plan => "plan",
            View::Result => "result",
        }
    }

    pub const fn label_vi(self) -> &'static str {
        match self {
            View::Plan => "Theo năm kế hoạch",
            View::Result => "Theo năm có kết quả lựa chọn nhà thầu",
        }
    }

    /// Whether a package declared `online` counts as online in this view: the plan view counts
    /// the declaration (an intention), the result view the evidence only.
    pub const fn counts_online(self, online: bool, evidenced: bool) -> bool {
        match self {
            View::Plan => online,
            View::Result => online && evidenced,
        }
    }

    /// The SQL twin of [`View::counts_online`] over a package aliased `p`.
    pub const fn online_sql(self) -> &'static str {
        match self {
            View::Plan => "p.online",
            View::Result => "(p.online AND p.evidenced)",
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for View {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "plan" => Ok(View::Plan),
            "result" => Ok(View::Result),
            other => Err(format!("unknown view `{other}` (expected plan or result)")),
        }
    }
}

/// Aggregates for one set of packages counted in a year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Packages counted in the year (not cancelled), in scope or not.
    pub counted: i64,
    pub in_scope: i64,
    pub online: i64,
    pub value_in_scope_vnd: i128,
    pub value_online_vnd: i128,
    /// Counted packages selected online, in scope or not.
    pub counted_online: i64,
    pub value_counted_vnd: i128,
    pub value_counted_online_vnd: i128,
}

impl AddAssign for Tally {
    fn add_assign(&mut self, rhs: Tally) {
        self.counted += rhs.counted;
        self.in_scope += rhs.in_scope;
        self.online += rhs.online;
        self.value_in_scope_vnd += rhs.value_in_scope_vnd;
        self.value_online_vnd += rhs.value_online_vnd;
        self.counted_online += rhs.counted_online;
        self.value_counted_vnd += rhs.value_counted_vnd;
        self.value_counted_online_vnd += rhs.value_counted_online_vnd;
    }
}

/// A share in hundredths of a percent (5000 = 50.00%), truncated, never rounded up: a share
/// shown as 50.00% has really reached 50%, so the printed figure never contradicts "not met".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent {
    pub hundredths: i64,
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.hundredths / 100, self.hundredths % 100)
    }
}

impl Serialize for Percent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One measure (by count or by value) against one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// `None` when nothing is in scope.
    pub share: Option<Percent>,
    /// `None` when nothing is in scope: neither met nor failed.
    pub met: Option<bool>,
    /// How much more must go online to meet the threshold (packages, or đồng for value).
    pub shortfall: i128,
}

/// Evaluates `numerator / denominator` against `threshold_percent`.
///
/// met = denominator > 0 and numerator × 100 ≥ threshold × denominator; shortfall = the smallest
/// k ≥ 0 with (numerator + k) × 100 ≥ threshold × denominator.
pub fn evaluate(
    numerator: impl Into<i128>,
    denominator: impl Into<i128>,
    threshold_percent: i32,
) -> Outcome {
    let (n, d): (i128, i128) = (numerator.into(), denominator.into());
    if d <= 0 {
        return Outcome {
            share: None,
            met: None,
            shortfall: 0,
        };
    }
    let t = i128::from(threshold_percent);
    let hundredths = n * 10_000 / d;
    let required = (t * d + 99) / 100; // ceil(t·d / 100); t·d ≥ 0
    let shortfall = (required - n).max(0);
    Outcome {
        share: Some(Percent {
            hundredths: saturate(hundredths),
        }),
        met: Some(n * 100 >= t * d),
        shortfall,
    }
}

fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// A tally judged against a rule's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub count: Outcome,
    /// `None` when the rule sets no value threshold.
    pub value: Option<Outcome>,
}

pub fn assess(tally: &Tally, min_count_percent: i32, min_value_percent: Option<i32>) -> Assessment {
    Assessment {
        count: evaluate(tally.online, tally.in_scope, min_count_percent),
        value: min_value_percent
            .map(|t| evaluate(tally.value_online_vnd, tally.value_in_scope_vnd, t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn evaluate_table() {
        // (numerator, denominator, threshold, share, met, shortfall)
        type Case = (i64, i64, i32, Option<String>, Option<bool>, i128);
        let cases: &[Case] = &[
            (4, 8, 50, pct("50.00"), Some(true), 0),
            (4, 9, 50, pct("44.44"), Some(false), 1),
            (3, 8, 50, pct("37.50"), Some(false), 1),
            (0, 8, 50, pct("0.00"), Some(false), 4),
            (8, 8, 50, pct("100.00"), Some(true), 0),
            (0, 1, 50, pct("0.00"), Some(false), 1),
            (1, 2, 50, pct("50.00"), Some(true), 0),
            (1, 3, 50, pct("33.33"), Some(false), 1),
            (2, 3, 50, pct("66.66"), Some(true), 0),
            (0, 0, 50, None, None, 0),
            (0, 0, 100, None, None, 0),
            (9, 10, 100, pct("90.00"), Some(false), 1),
            (10, 10, 100, pct("100.00"), Some(true), 0),
            (0, 10, 0, pct("0.00"), Some(true), 0),
            (0, 7, 15, pct("0.00"), Some(false), 2),
            (1, 7, 15, pct("14.28"), Some(false), 1),
            (2, 7, 15, pct("28.57"), Some(true), 0),
            // a share just under the threshold never prints as reaching it
            (99_999, 200_000, 50, pct("49.99"), Some(false), 1),
            (100_000, 200_000, 50, pct("50.00"), Some(true), 0),
        ];
        for (n, d, t, share, met, shortfall) in cases {
            let o = evaluate(*n, *d, *t);
            assert_eq!(o.share.map(|s| s.to_string()), *share, "{n}/{d} vs {t}%");
            assert_eq!(o.met, *met, "{n}/{d} vs {t}%");
            assert_eq!(o.shortfall, *shortfall, "{n}/{d} vs {t}%");
        }
    }

    #[test]
    fn value_sums_beyond_64_bits_are_judged_exactly() {
        // A million packages at the ceiling (10^15 đồng) sum to 10^21: more than i64 holds.
        let ceiling = i128::from(crate::domain::money::MAX_VND);
        let d = ceiling * 1_000_000;
        assert!(d > i128::from(i64::MAX));
        let o = evaluate(d / 2, d, 50);
        assert_eq!((o.met, o.shortfall), (Some(true), 0));
        let o = evaluate(d / 2 - 1, d, 50);
        assert_eq!((o.met, o.shortfall), (Some(false), 1));
        assert_eq!(o.share.map(|s| s.to_string()), Some("49.99".to_owned()));
    }

    #[test]
    fn shortfall_is_the_smallest_sufficient_k() {
        for d in 1..=40_i128 {
            for n in 0..=d {
                for t in [0, 1, 15, 33, 50, 67, 99, 100] {
                    let o = evaluate(n, d, t);
                    let k = o.shortfall;
                    let t = i128::from(t);
                    assert!((n + k) * 100 >= t * d, "{n}/{d} {t}% k={k} suffices");
                    if k > 0 {
                        assert!((n + k - 1) * 100 < t * d, "{n}/{d} {t}% k={k} is smallest");
                    }
                    assert_eq!(o.met, Some(k == 0));
                }
            }
        }
    }

    #[test]
    fn values_do_not_overflow() {
        // 1M packages at 200 bn each: the sums fit i64 but × 100 would not.
        let total = 200_000_000_000_000_000_i64;
        let o = evaluate(total / 10, total, 15);
        assert_eq!(o.share.map(|s| s.to_string()), pct("10.00"));
        assert_eq!(o.met, Some(false));
        assert_eq!(o.shortfall, 10_000_000_000_000_000);
        let o = evaluate(i64::MAX, i64::MAX, 100);
        assert_eq!(o.met, Some(true));
        assert_eq!(o.shortfall, 0);
    }

    #[test]
    fn worked_example_ha_dong_2019() {
        // 4 competitive offers (3 online) + 3 small open biddings (1 online) + 1 small limited
        // bidding (offline) in scope; the 25 bn works package and the direct appointment are not.
        let tally = Tally {
            counted: 10,
            in_scope: 8,
            online: 4,
            value_in_scope_vnd: 100,
            value_online_vnd: 15,
            ..Tally::default()
        };
        let a = assess(&tally, 50, Some(15));
        assert_eq!(a.count.share.map(|s| s.to_string()), pct("50.00"));
        assert_eq!(a.count.met, Some(true));
        assert_eq!(a.count.shortfall, 0);
        assert_eq!(a.value.and_then(|v| v.met), Some(true));

        let mut more = tally;
        more += Tally {
            counted: 1,
            in_scope: 1,
            online: 0,
            value_in_scope_vnd: 1,
            value_online_vnd: 0,
            ..Tally::default()
        };
        let a = assess(&more, 50, Some(15));
        assert_eq!(a.count.share.map(|s| s.to_string()), pct("44.44"));
        assert_eq!(a.count.met, Some(false));
        assert_eq!(a.count.shortfall, 1);
        // value: 15 / 101 = 14.85% < 15%: one more đồng online is not enough, 0.15 → 1
        assert_eq!(
            a.value.map(|v| (v.met, v.shortfall)),
            Some((Some(false), 1))
        );
        assert_eq!(assess(&more, 50, None).value, None);
    }
}
