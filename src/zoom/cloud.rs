//! Which Zoom a deployment talks to: Zoom's commercial cloud (`zoom.us`) or Zoom for Government
//! (`zoomgov.com`). Everything that names a Zoom host derives from it: the OAuth and REST API
//! base URLs, and what the join page gives the Web SDK (its asset host and `webEndpoint`), so a
//! government customer's page never talks to `zoom.us`.

use std::fmt;

/// `SIGNER_ZOOM_CLOUD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZoomCloud {
    /// `zoom.us`.
    #[default]
    Commercial,
    /// `zoomgov.com`: Zoom for Government.
    Government,
}

impl ZoomCloud {
    /// The names an operator writes.
    pub const NAMES: [&str; 2] = ["zoom.us", "zoomgov.com"];

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "zoom.us" => Some(Self::Commercial),
            "zoomgov.com" => Some(Self::Government),
            _ => None,
        }
    }

    /// The registrable domain every host of this cloud lies under.
    pub const fn domain(self) -> &'static str {
        match self {
            Self::Commercial => "zoom.us",
            Self::Government => "zoomgov.com",
        }
    }

    /// Zoom's OAuth host (authorize, token, revoke).
    pub fn oauth_url(self) -> &'static str {
        match self {
            Self::Commercial => "https://zoom.us",
            Self::Government => "https://zoomgov.com",
        }
    }

    /// Zoom's REST API base.
    pub fn api_url(self) -> &'static str {
        match self {
            Self::Commercial => "https://api.zoom.us/v2",
            Self::Government => "https://api.zoomgov.com/v2",
        }
    }

    /// Where the Web SDK's scripts and assets are served from (`ZoomMtg.setZoomJSLib`'s host):
    /// Zoom's ZfG guide names `source.zoomgov.com`.
    pub fn sdk_origin(self) -> &'static str {
        match self {
            Self::Commercial => "https://source.zoom.us",
            Self::Government => "https://source.zoomgov.com",
        }
    }

    /// `ZoomMtg.init`'s `webEndpoint`: the web host the SDK asks (`wc/info`, joins). The SDK's
    /// own default is `zoom.us`; Zoom's ZfG guide names `www.zoomgov.com`.
    pub fn web_endpoint(self) -> &'static str {
        match self {
            Self::Commercial => "zoom.us",
            Self::Government => "www.zoomgov.com",
        }
    }
}

impl fmt::Display for ZoomCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.domain())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_of_a_cloud_lies_under_its_domain() {
        for name in ZoomCloud::NAMES {
            let cloud = ZoomCloud::parse(name).unwrap();
            assert_eq!(cloud.to_string(), name);
            for url in [cloud.oauth_url(), cloud.api_url(), cloud.sdk_origin()] {
                let host = url::Url::parse(url).unwrap().host_str().unwrap().to_owned();
                assert!(host == name || host.ends_with(&format!(".{name}")), "{url} is not under {name}");
            }
            let endpoint = cloud.web_endpoint();
            assert!(endpoint == name || endpoint.ends_with(&format!(".{name}")), "{endpoint}");
        }
        assert_eq!(ZoomCloud::parse(" ZoomGov.com "), Some(ZoomCloud::Government));
        assert_eq!(ZoomCloud::parse("zoom.com"), None);
    }
}
