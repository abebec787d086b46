//! Which client a request is from: the socket peer, or, only when the peer is a trusted proxy,
//! the right-most `X-Forwarded-For` address outside the trusted proxies.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The client a request is attributed to (for rate limits and audit lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl std::fmt::Display for ClientIp {
    /// As `IpAddr` writes it; an IPv4 address (every audit line has one) without `fmt` per octet.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let IpAddr::V4(v4) = self.0 else { return self.0.fmt(f) };
        let mut text = [0u8; 15];
        let mut len = 0;
        for (i, octet) in v4.octets().into_iter().enumerate() {
            if i > 0 {
                text[len] = b'.';
                len += 1;
            }
            let mut buffer = itoa::Buffer::new();
            let digits = buffer.format(octet).as_bytes();
            text[len..len + digits.len()].copy_from_slice(digits);
            len += digits.len();
        }
        f.pad(std::str::from_utf8(&text[..len]).expect("digits and dots"))
    }
}

/// The networks whose `X-Forwarded-For` we believe (`SIGNER_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    /// Parses a comma list of CIDR networks or single addresses.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let network = item.parse::<IpNet>().or_else(|_| item.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                format!("must be a comma list of networks such as 10.0.0.0/8 or 127.0.0.1, got {item:?}")
            })?;
            networks.push(network);
        }
        Ok(Self(networks))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&address))
    }

    /// The client behind `peer`. Forwarded entries are read right to left, and only while each hop
    /// so far is trusted: entries a client wrote itself sit left of those and are never reached.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> ClientIp {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return ClientIp(peer);
        }
        let mut client = peer;
        let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
        for entry in forwarded.iter().rev().flat_map(|v| v.rsplit(',')) {
            let Some(address) = parse_forwarded(entry) else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        ClientIp(client)
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port or in brackets.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_the_address_does() {
        for address in ["0.0.0.0", "127.0.0.1", "203.0.113.9", "255.255.255.255", "10.20.3.40", "::1", "2001:db8::7"] {
            let ip: IpAddr = address.parse().unwrap();
            assert_eq!(ClientIp(ip).to_string(), ip.to_string());
            assert_eq!(format!("[{:>17}]", ClientIp(ip)), format!("[{ip:>17}]"));
        }
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append("x-forwarded-for", v.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_forward() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(proxies.client(ip("203.0.113.9"), &headers(&["1.2.3.4"])), ClientIp(ip("203.0.113.9")));
        assert_eq!(
            TrustedProxies::default().client(ip("127.0.0.1"), &headers(&["1.2.3.4"])),
            ClientIp(ip("127.0.0.1"))
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_address_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        // A forged left-most entry changes nothing.
        let forged = headers(&["6.6.6.6, 198.51.100.7, 10.1.1.1"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &forged), ClientIp(ip("198.51.100.7")));
        let split = headers(&["6.6.6.6", "198.51.100.7", "10.1.1.1"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &split), ClientIp(ip("198.51.100.7")));
        assert_eq!(
            proxies.client(ip("::ffff:127.0.0.1"), &headers(&["[2001:db8::1]:443"])),
            ClientIp(ip("2001:db8::1"))
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_good_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            proxies.client(ip("10.0.0.2"), &headers(&["1.1.1.1, nonsense, 10.0.0.3"])),
            ClientIp(ip("10.0.0.3"))
        );
        assert_eq!(proxies.client(ip("10.0.0.2"), &HeaderMap::new()), ClientIp(ip("10.0.0.2")));
    }

    #[test]
    fn refuses_what_is_not_a_network() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }
}
