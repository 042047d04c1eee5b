//! The fields of a unit (an investor or procuring body in the tree of a city or province).

use super::{Kind, Spec, field_table};
use entity::UnitKind;

const UNIT: &str = "Đơn vị";

field_table! {
    /// A field of a unit (its wire name is the API's).
    UnitField {
        Code => Spec::new("code", "Mã đơn vị", "Mã đơn vị", Kind::Code, UNIT)
            .required()
            .help("Chữ không dấu, chữ số, '-', '_' hoặc '.', ví dụ HN-HADONG"),
        Name => Spec::new("name", "Tên đơn vị", "Tên đơn vị", Kind::Text, UNIT).required(),
        Kind => Spec::new("kind", "Cấp", "Cấp", Kind::Enum(&UnitKind::WIRE), UNIT)
            .required()
            .empty_choice("— Chọn —"),
        ParentId => Spec::new("parent_id", "Đơn vị cấp trên", "Đơn vị cấp trên", Kind::Unit, UNIT)
            .empty_choice("— Không có (cấp cao nhất) —"),
        ValidFrom => Spec::new("valid_from", "Hiệu lực từ ngày", "Hiệu lực từ", Kind::Date, UNIT),
        ValidTo => Spec::new("valid_to", "Hiệu lực đến ngày", "Hiệu lực đến", Kind::Date, UNIT)
            .help("Để trống nếu đơn vị còn hoạt động"),
    }
}
