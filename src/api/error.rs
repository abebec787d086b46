//! The one error type of the HTTP layer, and its one mapping to a response.
//!
//! Every error reply has the shape `{"errors": [{"property": …, "reason": …}]}` (the shape Zoom's
//! Node sample uses for validation errors), so a client needs one code path for all of them.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// `property` for a problem that is not about one field.
pub const BODY: &str = "$body";
pub const REQUEST: &str = "$request";

/// One thing wrong with a request, said so a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub property: String,
    pub reason: String,
}

impl Problem {
    pub fn new(property: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            property: property.into(),
            reason: reason.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad values or malformed JSON: every problem found, at once.
    #[error("the request is invalid")]
    Invalid(Vec<Problem>),
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the body is not JSON")]
    UnsupportedMediaType,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("no such path")]
    NotFound,
}

impl ApiError {
    pub fn invalid(property: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid(vec![Problem::new(property, reason)])
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotFound => StatusCode::NOT_FOUND,
        }
    }

    fn problems(self) -> Vec<Problem> {
        match self {
            Self::Invalid(problems) => problems,
            Self::PayloadTooLarge { limit } => vec![Problem::new(
                BODY,
                format!(
                    "the body must be at most {limit} bytes; a signature request is a small JSON object"
                ),
            )],
            Self::UnsupportedMediaType => vec![Problem::new(
                REQUEST,
                "send the body as JSON with the header `Content-Type: application/json`",
            )],
            Self::MethodNotAllowed => vec![Problem::new(
                REQUEST,
                "this path does not take that method; the `Allow` header lists the ones it takes",
            )],
            Self::NotFound => vec![Problem::new(
                REQUEST,
                "no such path; the service has GET / (join page), POST /signature and GET /healthz",
            )],
        }
    }
}

#[derive(Serialize)]
struct ErrorBody {
    errors: Vec<Problem>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        (
            status,
            Json(ErrorBody {
                errors: self.problems(),
            }),
        )
            .into_response()
    }
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
