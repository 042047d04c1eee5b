//! The life of a package (domain.md §10): planned → notice published → under evaluation →
//! awarded, or cancelled from any of them. A package enters a status only with what the law
//! asks for at that step (Law 22/2023 Art. 7 on notices, Art. 43 on the approval of the
//! selection result, Art. 17 on cancellation).

use super::fields::package::PackageField;
use entity::PackageStatus;
use serde::Serialize;

/// Position in the life; cancelled stands apart.
fn rank(s: PackageStatus) -> Option<u8> {
    match s {
        PackageStatus::Planned => Some(0),
        PackageStatus::NoticePublished => Some(1),
        PackageStatus::UnderEvaluation => Some(2),
        PackageStatus::Awarded => Some(3),
        PackageStatus::Cancelled => None,
    }
}

/// Whether a package may go from `from` to `to`. Forward moves may skip steps (a direct
/// appointment by the shortened procedure publishes no notice; an old package is entered at
/// its result); nothing moves back, and a cancelled package stays cancelled.
pub fn can_move(from: PackageStatus, to: PackageStatus) -> bool {
    match (rank(from), rank(to)) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(a), Some(b)) => b > a,
    }
}

/// The statuses a package in `from` may move to, in the order of its life.
pub fn next(from: PackageStatus) -> Vec<PackageStatus> {
    PackageStatus::ALL
        .iter()
        .copied()
        .filter(|to| can_move(from, *to))
        .collect()
}

/// What a package must hold to be in `status`.
pub fn requirements(status: PackageStatus) -> &'static [PackageField] {
    match status {
        PackageStatus::Planned | PackageStatus::UnderEvaluation => &[],
        PackageStatus::NoticePublished => &[PackageField::Code, PackageField::NoticeDate],
        PackageStatus::Awarded => &[
            PackageField::AwardDecisionNo,
            PackageField::ResultDate,
            PackageField::WinningPrice,
            PackageField::ContractorName,
        ],
        PackageStatus::Cancelled => &[PackageField::CancellationReason],
    }
}

/// Why a package cannot enter a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum MoveProblem {
    /// The life does not go that way.
    Impossible {
        from: PackageStatus,
        to: PackageStatus,
    },
    /// What the step needs and the package lacks, by field wire name.
    Missing {
        to: PackageStatus,
        fields: Vec<&'static str>,
    },
}

impl MoveProblem {
    pub fn code(&self) -> &'static str {
        match self {
            MoveProblem::Impossible { .. } => "impossible_move",
            MoveProblem::Missing { .. } => "missing_for_status",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            MoveProblem::Impossible { from, to } => format!(
                "Không thể chuyển gói thầu từ \"{}\" sang \"{}\"{}",
                from.label_vi(),
                to.label_vi(),
                match from {
                    PackageStatus::Cancelled => ": gói thầu đã hủy",
                    _ =>
                        ": trạng thái chỉ đi tiếp theo trình tự lựa chọn nhà thầu, hoặc sang hủy thầu",
                }
            ),
            MoveProblem::Missing { to, fields } => format!(
                "Để chuyển sang \"{}\" cần có: {}",
                to.label_vi(),
                fields
                    .iter()
                    .filter_map(|w| PackageField::from_wire(w))
                    .map(|f| f.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Whether a package may enter `to` — from `from` when it already exists — holding the fields
/// `present` says it holds. Staying in a status is no move: what a step needs is asked when the
/// package takes it, so packages recorded before these requirements stay valid.
pub fn check_move(
    from: Option<PackageStatus>,
    to: PackageStatus,
    present: impl Fn(PackageField) -> bool,
) -> Result<(), MoveProblem> {
    if let Some(from) = from {
        if from == to {
            return Ok(());
        }
        if !can_move(from, to) {
            return Err(MoveProblem::Impossible { from, to });
        }
    }
    let missing: Vec<&'static str> = requirements(to)
        .iter()
        .filter(|f| !present(**f))
        .map(|f| f.wire())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MoveProblem::Missing {
            to,
            fields: missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PackageStatus::*;

    #[test]
    fn the_life_goes_forward_or_to_cancelled() {
        assert_eq!(
            next(Planned),
            [NoticePublished, UnderEvaluation, Awarded, Cancelled]
        );
        assert_eq!(next(NoticePublished), [UnderEvaluation, Awarded, Cancelled]);
        assert_eq!(next(UnderEvaluation), [Awarded, Cancelled]);
        assert_eq!(next(Awarded), [Cancelled]);
        assert!(next(Cancelled).is_empty());
        assert!(!can_move(Awarded, Planned));
        assert!(!can_move(Planned, Planned));
    }

    #[test]
    fn each_step_names_what_it_lacks() {
        let none = |_| false;
        let all = |_| true;
        assert_eq!(
            check_move(Some(Planned), NoticePublished, none),
            Err(MoveProblem::Missing {
                to: NoticePublished,
                fields: vec!["code", "notice_date"]
            })
        );
        assert_eq!(check_move(Some(Planned), NoticePublished, all), Ok(()));
        let e = check_move(Some(UnderEvaluation), Awarded, |f| {
            f == PackageField::WinningPrice
        })
        .expect_err("award without decision");
        assert!(
            e.message_vi().contains("Số quyết định phê duyệt kết quả"),
            "{}",
            e.message_vi()
        );
        assert_eq!(
            check_move(Some(Awarded), Planned, all),
            Err(MoveProblem::Impossible {
                from: Awarded,
                to: Planned
            })
        );
        assert_eq!(check_move(None, Awarded, all), Ok(()));
        assert_eq!(check_move(Some(Awarded), Awarded, none), Ok(()), "no move");
        assert!(
            check_move(None, Awarded, none).is_err(),
            "a new package enters its status"
        );
    }
}
