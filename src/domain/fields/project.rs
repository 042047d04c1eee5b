//! The fields of a project or purchase estimate (domain.md §10), and the rule between two of
//! them: an investment project has a group (quan trọng quốc gia, A, B or C), nothing else has
//! one. Also what every code of the procurement record is made of (project and plan codes).

use super::{Kind, Spec, field_table};
use entity::{FundingKind, ProjectGroup, ProjectKind};

const GENERAL: &str = "Thông tin chung";
const FUNDING: &str = "Vốn";

field_table! {
    /// A field of a project (its wire name is the API's).
    ProjectField {
        UnitId => Spec::new("unit_id", "Chủ đầu tư (đơn vị)", "Chủ đầu tư", Kind::Unit, GENERAL)
            .required()
            .empty_choice("— Chọn đơn vị —"),
        Code => Spec::new("code", "Mã dự án trên VNEPS", "Mã dự án", Kind::Code, GENERAL)
            .help("Ví dụ PR1900012345; để trống nếu dự án chưa có mã"),
        Name => Spec::new(
            "name",
            "Tên dự án / dự toán mua sắm",
            "Tên dự án",
            Kind::Text,
            GENERAL,
        )
        .required(),
        Kind => Spec::new("kind", "Loại", "Loại", Kind::Enum(&ProjectKind::WIRE), GENERAL)
            .required()
            .empty_choice("— Chọn —"),
        Group => Spec::new(
            "project_group",
            "Nhóm dự án",
            "Nhóm dự án",
            Kind::Enum(&ProjectGroup::WIRE),
            GENERAL,
        )
        .empty_choice("Không có nhóm")
        .help("Chỉ dự án đầu tư có nhóm (quan trọng quốc gia, A, B hoặc C); để trống cho loại khác"),
        FundingKind => Spec::new(
            "funding_kind",
            "Loại nguồn vốn",
            "Loại nguồn vốn",
            Kind::Enum(&FundingKind::WIRE),
            FUNDING,
        )
        .required()
        .empty_choice("— Chọn —"),
        FundingSource => Spec::new("funding_source", "Nguồn vốn cụ thể", "Nguồn vốn", Kind::Text, FUNDING)
            .help("Như ghi trong quyết định, ví dụ Ngân sách quận năm 2019"),
        Total => Spec::new(
            "total_vnd",
            "Tổng mức đầu tư / dự toán mua sắm",
            "Tổng mức đầu tư",
            Kind::Money,
            FUNDING,
        ),
    }
}

/// The longest project or plan code: VNEPS codes have 12 characters and local numbering a few
/// more; a longer text is not a code.
pub const CODE_MAX_CHARS: usize = 40;

/// What a project or plan code may hold after its first ASCII letter or digit (as a package's
/// notice and plan codes: `/` appears in local numbering such as `15/KH-UBND`).
pub const CODE_PUNCTUATION: &[char] = &['-', '_', '.', '/'];

/// Whether a (normalised) code has the form VNEPS gives: `prefix` (`PR` for projects, `PL` for
/// plans), then yy and 8 digits. Informative only: older and local codes are accepted as they
/// are (domain.md §2: never reject a code on its format alone).
pub fn is_vneps_code(code: &str, prefix: &str) -> bool {
    code.strip_prefix(prefix)
        .is_some_and(|digits| digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// A project's kind and group that do not go together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupProblem {
    /// An investment project without its group.
    Missing,
    /// A group given for a kind that has none.
    NotApplicable(ProjectKind),
}

impl GroupProblem {
    /// The field the problem is about.
    pub const FIELD: ProjectField = ProjectField::Group;

    pub fn code(self) -> &'static str {
        match self {
            GroupProblem::Missing => "group_required",
            GroupProblem::NotApplicable(_) => "group_not_applicable",
        }
    }

    pub fn message_vi(self) -> String {
        match self {
            GroupProblem::Missing => format!(
                "Chưa chọn nhóm dự án: dự án đầu tư phải thuộc một nhóm ({})",
                ProjectGroup::ALL
                    .iter()
                    .map(|g| g.label_vi())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            GroupProblem::NotApplicable(kind) => format!(
                "Nhóm dự án chỉ ghi cho dự án đầu tư; loại «{}» không có nhóm, hãy để trống",
                kind.label_vi()
            ),
        }
    }
}

/// Investment projects are classified by group (Luật Đầu tư công 39/2019/QH14 Art. 6–10);
/// purchase estimates and other kinds are not.
pub fn check_group(kind: ProjectKind, group: Option<ProjectGroup>) -> Result<(), GroupProblem> {
    match (kind, group) {
        (ProjectKind::InvestmentProject, None) => Err(GroupProblem::Missing),
        (ProjectKind::InvestmentProject, Some(_)) | (_, None) => Ok(()),
        (other, Some(_)) => Err(GroupProblem::NotApplicable(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_investment_projects_have_a_group() {
        use GroupProblem::*;
        use ProjectKind::*;
        let cases = [
            (InvestmentProject, None, Err(Missing)),
            (InvestmentProject, Some(ProjectGroup::NationalKey), Ok(())),
            (InvestmentProject, Some(ProjectGroup::C), Ok(())),
            (RecurrentProcurement, None, Ok(())),
            (
                RecurrentProcurement,
                Some(ProjectGroup::B),
                Err(NotApplicable(RecurrentProcurement)),
            ),
            (Other, None, Ok(())),
            (Other, Some(ProjectGroup::A), Err(NotApplicable(Other))),
        ];
        for (kind, group, expected) in cases {
            assert_eq!(check_group(kind, group), expected, "{kind} {group:?}");
        }
        assert_eq!(
            Missing.message_vi(),
            "Chưa chọn nhóm dự án: dự án đầu tư phải thuộc một nhóm (Dự án quan trọng quốc gia, Nhóm A, Nhóm B, Nhóm C)"
        );
        assert!(
            NotApplicable(RecurrentProcurement)
                .message_vi()
                .contains("Mua sắm thường xuyên (dự toán mua sắm)")
        );
        assert_eq!(GroupProblem::FIELD.wire(), "project_group");
    }

    #[test]
    fn vneps_codes_are_recognised_not_required() {
        let cases = [
            ("PR1900012345", "PR", true),
            ("PL1900001234", "PL", true),
            ("PL1900001234", "PR", false),
            ("PR190001234", "PR", false),
            ("PR19000123456", "PR", false),
            ("PR19000A2345", "PR", false),
            ("15/KH-UBND", "PL", false),
            ("", "PR", false),
        ];
        for (code, prefix, expected) in cases {
            assert_eq!(is_vneps_code(code, prefix), expected, "{code} {prefix}");
        }
    }

    #[test]
    fn the_table_names_each_field_once() {
        let specs: Vec<&Spec> = ProjectField::ALL.iter().map(|f| f.spec()).collect();
        for words in [
            specs.iter().map(|s| s.wire).collect::<Vec<_>>(),
            specs.iter().map(|s| s.label).collect(),
            specs.iter().map(|s| s.short).collect(),
        ] {
            let mut sorted = words.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), words.len(), "{words:?}");
        }
        for f in ProjectField::ALL {
            assert_eq!(ProjectField::from_wire(f.wire()), Some(*f));
        }
    }
}
