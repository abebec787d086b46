//! Which web origins may call the API from a browser (`SIGNER_ALLOWED_ORIGINS`).
//!
//! The service's own origin always may: the page it serves posts to it. That is exactly the
//! public URL's scheme, host and port when `SIGNER_PUBLIC_URL` is set; otherwise the one whose
//! host and port are the request's `Host` (the scheme is not known then). Any other origin must
//! be listed exactly; `*` allows all, and only when an operator wrote it.

/// Parsed `SIGNER_ALLOWED_ORIGINS`, and the service's own origin when known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    any: bool,
    /// Lower-cased `scheme://host[:port]`.
    exact: Vec<String>,
    /// The service's own origin (`SIGNER_PUBLIC_URL`), lower-cased `scheme://host[:port]`.
    own: Option<String>,
}

/// What an `Origin` header means for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginVerdict {
    /// No `Origin` (not a browser's cross-site call) or the service's own: no CORS headers needed.
    SameOrigin,
    /// A listed origin: answer with CORS headers naming it.
    Listed,
    /// Allowed because `*` is configured: answer with `Access-Control-Allow-Origin: *`.
    Any,
    Forbidden,
}

impl AllowedOrigins {
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut allowed = Self::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == "*" {
                allowed.any = true;
                continue;
            }
            allowed.exact.push(normalise(item).ok_or_else(|| {
                format!("must list origins such as https://www.example.com (scheme, host, optional port; no path), got {item:?}")
            })?);
        }
        Ok(allowed)
    }

    /// The service's own origin, `scheme://host[:port]` as a browser's `Origin` writes it (the
    /// public URL's): compared exactly, in place of the `Host` header.
    pub fn with_own_origin(mut self, origin: &str) -> Self {
        self.own = normalise(origin);
        self
    }

    /// `origin` is the request's `Origin` header, `host` its `Host` header (what it was sent to).
    pub fn judge(&self, origin: Option<&str>, host: Option<&str>) -> OriginVerdict {
        let Some(origin) = origin else {
            return OriginVerdict::SameOrigin;
        };
        let normalised = normalise(origin);
        let own = match (&normalised, &self.own, host) {
            (Some(o), Some(own), _) => o == own,
            (Some(o), None, Some(h)) => {
                o.split_once("://").is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(h.trim()))
            }
            _ => false,
        };
        if own {
            OriginVerdict::SameOrigin
        } else if normalised.is_some_and(|o| self.exact.contains(&o)) {
            OriginVerdict::Listed
        } else if self.any {
            OriginVerdict::Any
        } else {
            OriginVerdict::Forbidden
        }
    }
}

/// `scheme://host[:port]` lower-cased, or `None` for anything else (paths, `null`, junk).
fn normalise(origin: &str) -> Option<String> {
    let (scheme, authority) = origin.trim().split_once("://")?;
    let scheme_ok = matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https");
    let authority_ok =
        !authority.is_empty() && authority.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    (scheme_ok && authority_ok).then(|| origin.trim().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use OriginVerdict::*;

    #[test]
    fn the_services_own_origin_and_no_origin_are_allowed() {
        let none = AllowedOrigins::default();
        assert_eq!(none.judge(None, Some("signer.example.com")), SameOrigin);
        assert_eq!(none.judge(Some("https://signer.example.com"), Some("signer.example.com")), SameOrigin);
        assert_eq!(none.judge(Some("http://127.0.0.1:4000"), Some("127.0.0.1:4000")), SameOrigin);
        assert_eq!(none.judge(Some("http://127.0.0.1:4001"), Some("127.0.0.1:4000")), Forbidden);
        assert_eq!(none.judge(Some("https://evil.example"), Some("signer.example.com")), Forbidden);
        assert_eq!(none.judge(Some("null"), Some("signer.example.com")), Forbidden);
    }

    #[test]
    fn with_a_public_url_the_own_origin_is_its_scheme_host_and_port_exactly() {
        let own = AllowedOrigins::default().with_own_origin("https://signer.example.com");
        let host = Some("signer.example.com");
        assert_eq!(own.judge(Some("https://signer.example.com"), host), SameOrigin);
        assert_eq!(own.judge(Some("HTTPS://Signer.Example.com"), host), SameOrigin);
        assert_eq!(own.judge(Some("http://signer.example.com"), host), Forbidden, "the scheme counts");
        assert_eq!(own.judge(Some("https://signer.example.com:8443"), host), Forbidden, "the port counts");
        assert_eq!(own.judge(Some("https://evil.example"), Some("evil.example")), Forbidden, "not the Host header");
        assert_eq!(own.judge(None, host), SameOrigin);
    }

    #[test]
    fn listed_origins_match_exactly() {
        let listed = AllowedOrigins::parse("https://www.example.com, http://localhost:3000").unwrap();
        assert_eq!(listed.judge(Some("https://www.example.com"), Some("api")), Listed);
        assert_eq!(listed.judge(Some("HTTPS://WWW.EXAMPLE.COM"), Some("api")), Listed);
        assert_eq!(listed.judge(Some("https://www.example.com.evil"), Some("api")), Forbidden);
        assert_eq!(listed.judge(Some("http://www.example.com"), Some("api")), Forbidden);
        assert_eq!(listed.judge(Some("http://localhost:3000"), Some("api")), Listed);
    }

    #[test]
    fn a_wildcard_only_when_written() {
        let any = AllowedOrigins::parse("*").unwrap();
        assert_eq!(any.judge(Some("https://anything.example"), Some("api")), Any);
        assert!(AllowedOrigins::parse("https://example.com/path").is_err());
        assert!(AllowedOrigins::parse("example.com").is_err());
    }
}
