//! The command line: `serve` (default), `migrate`, `demo`, `check`. Every failure reaches the
//! user as one line on stderr and a non-zero exit code, never a panic.

mod args;
mod import;
mod render;
mod report;
mod run;
mod serve;
mod settings;
mod users;

pub use args::{Cli, Command, ReportKind, ServeArgs, TokenAction, UserAction, one_line};
pub use render::render;
pub use run::run;
