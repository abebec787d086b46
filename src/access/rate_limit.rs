//! Per-client rate limiting (`SIGNER_RATE_LIMIT`): a bucket of COUNT requests per client that
//! refills evenly over PERIOD, kept as one instant per client (GCRA), in bounded memory.

use super::ClientIp;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// COUNT requests per PERIOD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub period: Duration,
}

impl RateLimit {
    /// `SIGNER_RATE_LIMIT`'s default: 30 requests a minute per client.
    pub const DEFAULT: RateLimit = RateLimit { count: 30, period: Duration::from_secs(60) };

    /// `SIGNER_ZOOM_WEBHOOK_RATE_LIMIT`'s default: 600 deliveries a minute per sending address.
    /// Zoom sends every account's events from a few addresses, in bursts (retries included), so
    /// it is far above the browsers' limit; still a bound on what one address makes the service
    /// hash.
    pub const WEBHOOK_DEFAULT: RateLimit = RateLimit { count: 600, period: Duration::from_secs(60) };

    /// `COUNT/PERIOD` (`second`, `minute`, `hour`), or `off` for `None`.
    pub fn parse(text: &str) -> Result<Option<Self>, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let must =
            format!("must be COUNT/PERIOD with PERIOD second, minute or hour (e.g. 30/minute), or off, got {text:?}");
        let (count, period) = text.split_once('/').ok_or_else(|| must.clone())?;
        let count: u32 =
            count.trim().parse().ok().filter(|c| (1..=1_000_000).contains(c)).ok_or_else(|| must.clone())?;
        let period = match period.trim().to_ascii_lowercase().as_str() {
            "second" => Duration::from_secs(1),
            "minute" => Duration::from_secs(60),
            "hour" => Duration::from_secs(3600),
            _ => return Err(must),
        };
        Ok(Some(Self { count, period }))
    }
}

impl std::fmt::Display for RateLimit {
    /// As [`RateLimit::parse`] reads it: `30/minute`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let period = match self.period.as_secs() {
            1 => "second",
            60 => "minute",
            3600 => "hour",
            _ => return write!(f, "{}/{}s", self.count, self.period.as_secs()),
        };
        write!(f, "{}/{period}", self.count)
    }
}

/// How many clients are remembered at most; beyond it idle ones go first, then any.
pub const DEFAULT_MAX_CLIENTS: usize = 65_536;

#[derive(Debug)]
pub struct RateLimiter {
    /// Time one request "costs": PERIOD / COUNT.
    interval: Duration,
    /// How far ahead of now a client's schedule may run: a full bucket of COUNT requests.
    burst: Duration,
    max_clients: usize,
    /// Per client, when its bucket is full again ("theoretical arrival time").
    clients: Mutex<HashMap<IpAddr, Instant>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit, max_clients: usize) -> Self {
        let interval = limit.period / limit.count;
        Self {
            interval,
            burst: interval * limit.count,
            max_clients: max_clients.max(1),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until one is available.
    pub fn check(&self, client: ClientIp, now: Instant) -> Result<(), Duration> {
        let key = bucket_key(client.0);
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let known = clients.len();
        // One lookup for a known client (the common case): the entry is read and written in place.
        match clients.entry(key) {
            Entry::Occupied(mut entry) => {
                let next = (*entry.get()).max(now) + self.interval;
                if next > now + self.burst {
                    return Err(next - now - self.burst);
                }
                entry.insert(next);
            }
            Entry::Vacant(entry) if known < self.max_clients => {
                entry.insert(now + self.interval);
            }
            Entry::Vacant(_) => {
                make_room(&mut clients, now, self.max_clients);
                clients.insert(key, now + self.interval);
            }
        }
        Ok(())
    }

    /// Clients currently remembered (for tests of the memory bound).
    pub fn tracked_clients(&self) -> usize {
        self.clients.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Drops clients whose buckets are full again (forgetting them changes nothing); if that frees
/// too little, drops an eighth of the rest, so the sweep is not repeated on every new address.
fn make_room(clients: &mut HashMap<IpAddr, Instant>, now: Instant, max_clients: usize) {
    clients.retain(|_, full_at| *full_at > now);
    if clients.len() >= max_clients {
        let drop: Vec<IpAddr> = clients.keys().take((max_clients / 8).max(1)).copied().collect();
        for key in drop {
            clients.remove(&key);
        }
    }
}

/// IPv6 clients get a /64 each: one host can use a whole /64, and it must not get a bucket per address.
fn bucket_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(s: &str) -> ClientIp {
        ClientIp(s.parse().unwrap())
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(
            RateLimit::parse("30/minute").unwrap(),
            Some(RateLimit { count: 30, period: Duration::from_secs(60) })
        );
        assert_eq!(RateLimit::parse("5/Second").unwrap().unwrap().period, Duration::from_secs(1));
        assert_eq!(RateLimit::parse("off").unwrap(), None);
        assert_eq!(RateLimit::parse(&RateLimit::DEFAULT.to_string()).unwrap(), Some(RateLimit::DEFAULT));
        assert_eq!(
            RateLimit::parse(&RateLimit::WEBHOOK_DEFAULT.to_string()).unwrap(),
            Some(RateLimit::WEBHOOK_DEFAULT)
        );
        for bad in ["30", "0/minute", "x/minute", "30/day", "-1/hour", ""] {
            assert!(RateLimit::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bucket_of_count_refills_evenly() {
        let limiter = RateLimiter::new(RateLimit { count: 3, period: Duration::from_secs(3) }, 100);
        let start = Instant::now();
        let a = client("192.0.2.1");
        for _ in 0..3 {
            assert!(limiter.check(a, start).is_ok());
        }
        let wait = limiter.check(a, start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        // Another client has its own bucket.
        assert!(limiter.check(client("192.0.2.2"), start).is_ok());
        // One interval later exactly one more request is allowed.
        assert!(limiter.check(a, start + Duration::from_secs(1)).is_ok());
        assert!(limiter.check(a, start + Duration::from_secs(1)).is_err());
        // After a whole period the bucket is full again.
        let later = start + Duration::from_secs(10);
        for _ in 0..3 {
            assert!(limiter.check(a, later).is_ok());
        }
        assert!(limiter.check(a, later).is_err());
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        let limiter = RateLimiter::new(RateLimit { count: 1, period: Duration::from_secs(60) }, 100);
        let now = Instant::now();
        assert!(limiter.check(client("2001:db8:1:2::1"), now).is_ok());
        assert!(limiter.check(client("2001:db8:1:2:ffff::9"), now).is_err());
        assert!(limiter.check(client("2001:db8:1:3::1"), now).is_ok());
    }

    #[test]
    fn memory_stays_bounded_whatever_addresses_arrive() {
        let limiter = RateLimiter::new(RateLimit { count: 10, period: Duration::from_secs(3600) }, 1000);
        let now = Instant::now();
        for i in 0..20_000u32 {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let _ = limiter.check(ClientIp(address), now);
            assert!(limiter.tracked_clients() <= 1000);
        }
    }
}
