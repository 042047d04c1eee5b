//! The fields of a target rule. A rule's counted methods and its price ceilings are one entry
//! per method and per field of the law's enumerations, labelled by those enums.

use super::{Kind, Spec, field_table};

const RULE: &str = "Chỉ tiêu";
const EXCLUDED: &str = "Loại trừ";

field_table! {
    /// A scalar field of a target rule (its wire name is the API's).
    TargetField {
        Code => Spec::new("code", "Mã chỉ tiêu", "Mã chỉ tiêu", Kind::Code, RULE)
            .required()
            .help("Chữ không dấu, chữ số, '-', '_' hoặc '.', ví dụ nq01_2019"),
        Name => Spec::new("name", "Tên chỉ tiêu", "Tên chỉ tiêu", Kind::Text, RULE).required(),
        UnitId => Spec::new("unit_id", "Áp dụng cho", "Đơn vị áp dụng", Kind::Unit, RULE)
            .empty_choice("Mọi đơn vị (chỉ tiêu chung)"),
        ReplacesCode => Spec::new(
            "replaces_code",
            "Thay thế chỉ tiêu (mã)",
            "Thay thế chỉ tiêu",
            Kind::Code,
            RULE,
        )
        .help("Mã chỉ tiêu chung mà chỉ tiêu của đơn vị này thay thế, ví dụ nq01_2019; để trống nếu là chỉ tiêu riêng"),
        YearFrom => Spec::new("year_from", "Từ năm", "Từ năm", Kind::Year, RULE).required(),
        YearTo => Spec::new("year_to", "Đến năm", "Đến năm", Kind::Year, RULE)
            .help("Để trống nếu chưa có năm kết thúc"),
        MinCountPercent => Spec::new(
            "min_count_percent",
            "Tỷ lệ tối thiểu theo số gói thầu (%)",
            "Tỷ lệ tối thiểu theo số gói (%)",
            Kind::Percent,
            RULE,
        )
        .required(),
        MinValuePercent => Spec::new(
            "min_value_percent",
            "Tỷ lệ tối thiểu theo giá trị (%)",
            "Tỷ lệ tối thiểu theo giá trị (%)",
            Kind::Percent,
            RULE,
        )
        .help("Để trống nếu chỉ tiêu không tính theo giá trị"),
        LegalBasis => Spec::new("legal_basis", "Căn cứ pháp lý", "Căn cứ pháp lý", Kind::LongText, RULE),
        SourceNote => Spec::new("source_note", "Ghi chú nguồn", "Ghi chú nguồn", Kind::LongText, RULE)
            .help("Nguồn của chỉ tiêu và mức độ tin cậy"),
        DomesticOnly => Spec::new(
            "domestic_only",
            "Chỉ tính đấu thầu trong nước",
            "Chỉ trong nước",
            Kind::Bool,
            EXCLUDED,
        ),
        ExcludeTwoStage => Spec::new(
            "exclude_two_stage",
            "Không tính gói thầu hai giai đoạn",
            "Trừ hai giai đoạn",
            Kind::Bool,
            EXCLUDED,
        ),
        ExcludeExempt => Spec::new(
            "exclude_exempt",
            "Không tính gói thầu được miễn lựa chọn qua mạng",
            "Trừ gói được miễn",
            Kind::Bool,
            EXCLUDED,
        ),
    }
}
