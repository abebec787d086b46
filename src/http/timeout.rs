//! The app-wide bound on a whole request, body included (`SIGNER_REQUEST_TIMEOUT`).

use crate::http::error::ApiError;
use crate::http::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Answers 408 when the request takes longer than `SIGNER_REQUEST_TIMEOUT`.
pub async fn request_timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}
