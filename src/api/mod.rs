//! The HTTP API: handlers and the errors they answer with.

pub mod audit;
pub mod error;
pub mod guard;
pub mod json;
pub mod openapi;
pub mod reply;
pub mod request;
pub mod sign;
pub mod video;

use axum::Json;
use serde_json::{Value, json};

/// `GET /healthz`: the process is up and serving.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}
