//! Bearer tokens, kept only as SHA-256 digests and compared in constant time.

use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::{Choice, ConstantTimeEq};

/// A set of accepted bearer tokens. Holds digests, never the tokens themselves; comparing
/// digests of fixed length means neither the token's content nor its length leaks through timing.
#[derive(Default)]
pub struct TokenSet {
    digests: Vec<SecretBox<[u8; 32]>>,
}

impl TokenSet {
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a SecretString>) -> Self {
        let digests = tokens.into_iter().map(|t| SecretBox::new(Box::new(digest(t.expose_secret())))).collect();
        Self { digests }
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether `presented` is one of the tokens. Looks at every token, whatever matches.
    pub fn contains(&self, presented: &str) -> bool {
        let presented = digest(presented);
        let found = self.digests.iter().fold(Choice::from(0), |found, d| found | d.expose_secret().ct_eq(&presented));
        found.into()
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSet({} tokens)", self.digests.len())
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The token of an `Authorization: Bearer <token>` header value, if it is one.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_configured_tokens() {
        let tokens = [SecretString::from("first-token-0123456789"), SecretString::from("second-token-0123456789")];
        let set = TokenSet::new(&tokens);
        assert!(set.contains("first-token-0123456789"));
        assert!(set.contains("second-token-0123456789"));
        assert!(!set.contains("first-token-012345678"));
        assert!(!set.contains(""));
        assert!(!TokenSet::default().contains("anything"));
        assert_eq!(format!("{set:?}"), "TokenSet(2 tokens)");
    }

    #[test]
    fn parses_bearer_headers() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer   abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearer"), None);
    }
}
