//! `bidtrack serve`: listen, answer until SIGTERM or Ctrl-C, then give requests in flight their
//! grace period and close the database.

use super::users::first_admin;
use crate::AppState;
use anyhow::Context;

pub(super) async fn serve(state: AppState) -> anyhow::Result<()> {
    first_admin(&state.db).await?;
    let bind = state.settings.bind;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(
        address = %listener.local_addr()?,
        database = %state.settings.redacted_database_url(),
        "bidtrack listening"
    );
    let db = state.db.clone();
    let grace = state.settings.limits.shutdown_timeout;
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, crate::app(state)).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping_tx.send(true);
    });
    // Once the signal came, requests in flight get `grace` to finish; the listener is already
    // closed, so no new one starts meanwhile.
    let deadline = async move {
        let mut stopping = stopping;
        if stopping.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    let outcome = tokio::select! {
        result = server => result.context("server error"),
        () = deadline => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period: stopping anyway");
            Ok(())
        }
    };
    // Closing the pool ends every connection cleanly (SQLite checkpoints its WAL).
    if let Err(e) = db.close().await {
        tracing::warn!(error = %e, "closing the database pool");
    }
    tracing::info!("stopped");
    outcome
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
