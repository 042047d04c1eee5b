//! Secrets and passwords: random secrets kept only as their SHA-256 digest, comparisons that do
//! not leak where they differ, and Argon2id password hashes checked on blocking threads, a
//! bounded number at once.

use crate::error::AppError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A new random secret: a prefix that makes a leaked token recognisable, then 256 random bits.
pub fn new_secret(prefix: &str) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}{hex}"))
}

/// What the database keeps of a secret. The secrets are random and long, so a fast hash is
/// enough; passwords are the ones that need Argon2.
pub fn digest(secret: &str) -> String {
    use std::fmt::Write;
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(secret.as_bytes()) {
        let _ = write!(hex, "{b:02x}"); // writing to a String cannot fail
    }
    hex
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Compares a submitted CSRF token with the session's without leaking where they differ.
pub fn csrf_matches(expected: &str, submitted: &str) -> bool {
    constant_time_eq(expected.as_bytes(), submitted.as_bytes())
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

pub(super) fn password_matches(hash: &str, password: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Seconds a login refused for want of a free password check is asked to wait: checks take tens
/// of milliseconds, so one is free again by then unless the flood goes on.
pub const PASSWORD_CHECK_RETRY_AFTER_SECS: u64 = 1;

/// The password checks of one instance. Argon2 is tens of milliseconds of CPU and 19 MiB per
/// check: on the async workers a flood of logins (which needs no account) would stall every
/// other request, so checks run on tokio's blocking threads; and only so many at once, because
/// the blocking pool would otherwise take on hundreds. Beyond the limit a login is refused at
/// once (429 `login_busy`) rather than queued where nobody can see the queue.
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
}

/// The right to run one password check, given back when dropped.
pub struct PasswordPermit {
    _held: OwnedSemaphorePermit,
}

impl PasswordChecks {
    pub fn new(at_once: usize) -> Arc<Self> {
        Arc::new(PasswordChecks {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
        })
    }

    /// A permit, or 429 `login_busy` when every check is taken.
    pub fn try_permit(&self) -> Result<PasswordPermit, AppError> {
        self.permits
            .clone()
            .try_acquire_owned()
            .map(|held| PasswordPermit { _held: held })
            .map_err(|_| AppError::TooManyRequests {
                code: "login_busy",
                message:
                    "Máy chủ đang bận kiểm tra các lần đăng nhập khác. Hãy thử lại sau giây lát."
                        .to_owned(),
                retry_after_secs: PASSWORD_CHECK_RETRY_AFTER_SECS,
            })
    }
}

impl PasswordPermit {
    /// Runs `work` on a blocking thread. The thread holds the permit until the work ends, so a
    /// request that goes away mid-check (client gone, time limit) does not free a permit while
    /// its hash still runs.
    pub(super) async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        tokio::task::spawn_blocking(move || {
            let _permit = self;
            work()
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password check failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_checks_beyond_the_limit_are_refused_until_one_ends() {
        let checks = PasswordChecks::new(1);
        let first = checks.try_permit().expect("the only permit");
        match checks.try_permit() {
            Err(AppError::TooManyRequests {
                code: "login_busy",
                retry_after_secs: PASSWORD_CHECK_RETRY_AFTER_SECS,
                ..
            }) => {}
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert_eq!(first.run(|| 7).await.expect("ran"), 7);
        // A check whose request went away keeps its permit until its thread is done.
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let permit = checks
            .try_permit()
            .expect("free again once the check ended");
        let asker = tokio::spawn(permit.run(move || {
            let _ = started.send(());
            wait.recv().is_ok()
        }));
        running.await.expect("the check started");
        asker.abort();
        assert!(asker.await.is_err_and(|e| e.is_cancelled()));
        assert!(checks.try_permit().is_err(), "the hash still runs");
        release.send(()).expect("the check waits");
        while checks.try_permit().is_err() {
            tokio::task::yield_now().await;
        }
    }

    #[test]
    fn secrets_are_random_and_only_their_digest_is_kept() {
        let a = new_secret("bt_").expect("random");
        let b = new_secret("bt_").expect("random");
        assert_ne!(a, b);
        assert!(a.starts_with("bt_") && a.len() == 3 + 64);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), digest(&b));
        assert!(csrf_matches(&a, &a) && !csrf_matches(&a, &b) && !csrf_matches(&a, "bt_"));
    }

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("mật khẩu dài đủ").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(password_matches(&h, "mật khẩu dài đủ"));
        assert!(!password_matches(&h, "mật khẩu khác"));
    }
}
