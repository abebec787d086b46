//! Name resolution for the client without glibc: the statically linked binary cannot load NSS
//! modules, so `getaddrinfo` is not used. hickory's stub resolver reads `/etc/resolv.conf` and
//! `/etc/hosts` itself (in the container image both come from the container runtime) and asks the
//! name servers there for both IPv4 and IPv6 addresses (reqwest tries them in turn).

use hickory_resolver::TokioResolver;
use hickory_resolver::config::LookupIpStrategy;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Built at the first lookup, inside the runtime, then shared by every call.
#[derive(Clone, Default)]
pub(super) struct HickoryResolver {
    resolver: Arc<Mutex<Option<TokioResolver>>>,
}

impl HickoryResolver {
    fn resolver(&self) -> Result<TokioResolver, String> {
        let mut built = self.resolver.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(resolver) = &*built {
            return Ok(resolver.clone());
        }
        let system =
            |e: &dyn std::fmt::Display| format!("the system's DNS settings (/etc/resolv.conf) cannot be used: {e}");
        let mut builder = TokioResolver::builder_tokio().map_err(|e| system(&e))?;
        builder.options_mut().ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        let resolver = builder.build().map_err(|e| system(&e))?;
        Ok(built.insert(resolver).clone())
    }
}

impl Resolve for HickoryResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let resolver = this.resolver()?;
            let found = resolver.lookup_ip(name.as_str()).await?;
            let addrs: Addrs = Box::new(found.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[tokio::test]
    async fn localhost_resolves_without_glibc() {
        let found = HickoryResolver::default().resolve(Name::from_str("localhost").unwrap()).await.unwrap();
        let found: Vec<SocketAddr> = found.collect();
        assert!(found.iter().any(|a| a.ip().is_loopback()), "{found:?}");
        assert!(found.iter().all(|a| a.ip().is_loopback()), "{found:?}");
    }
}
