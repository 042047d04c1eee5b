//! Accounts: users, passwords (Argon2id, checked on blocking threads, a bounded number at once),
//! API tokens and web sessions (random secrets stored as SHA-256 hashes), login throttling, and
//! the acting user every write carries with the checks of what it may do.

mod crypto;
mod sessions;
mod throttling;
mod tokens;
mod users;

pub(crate) use crypto::constant_time_eq;
pub use crypto::{
    PASSWORD_CHECK_RETRY_AFTER_SECS, PasswordChecks, PasswordPermit, csrf_matches, digest,
    hash_password, new_secret,
};
// Who acts lives beside the accounts, so the audit trail (which accounts write to) can name
// the actor without depending on them.
pub use super::actor::{Actor, WriteScope};
pub use sessions::{SESSION_HOURS, close_session, open_session, session_user, unit_of};
pub use throttling::{FORGET_FAILURES_AFTER, FREE_ATTEMPTS, lockout, login};
pub use tokens::{LOGIN_TOKEN_HOURS, authenticate_token, issue_token, list_tokens, revoke_token};
pub use users::{
    MIN_PASSWORD_CHARS, NewUser, count_users, create_user, disable_user, ensure_admin, find_user,
    list_users, set_password,
};
