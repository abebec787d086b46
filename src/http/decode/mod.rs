//! Request bodies into claims: every problem found is reported at once, and unknown or repeated
//! fields are refused, so a typo never silently produces a different token than the one asked for.

pub mod fields;
mod meeting;
mod video;

pub use meeting::{MeetingRequest, decode as meeting};
pub use video::decode as video;
