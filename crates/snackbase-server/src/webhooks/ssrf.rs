//! Webhook targets: only http(s), and never an address outside the public
//! internet (against server-side request forgery), unless
//! `SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true`.
//!
//! Three checks share one classifier, [`is_internal`]:
//! - [`check`], when a webhook is saved: the URL, a literal address, and what
//!   a host name resolves to at that moment (for an early 422);
//! - [`check_target`], before each delivery attempt: the URL and a literal
//!   address, which the HTTP client connects to without resolving anything;
//! - [`GuardedResolver`], the webhook client's resolver, for host names: it
//!   checks the very addresses the client then connects to, on every attempt,
//!   so a name that resolves elsewhere later (DNS rebinding) is still refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// IANA special-purpose IPv4 blocks that are not the public internet.
const V4_BLOCKED: [(Ipv4Addr, u8); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // shared address space (carrier-grade NAT)
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, cloud metadata
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments (192.0.0.192: metadata)
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast (deprecated)
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, and the broadcast 255.255.255.255
];

/// What an IPv6 block means for a target.
#[derive(Clone, Copy)]
enum V6 {
    Blocked,
    /// The last 32 bits are an IPv4 address, which is what gets reached.
    EmbedsV4,
}

/// IANA special-purpose IPv6 blocks. Anything else outside 2000::/3, the
/// global unicast space (the only one IANA allocates from), is refused too.
const V6_SPECIAL: [(Ipv6Addr, u8, V6); 13] = [
    // IPv4-compatible (deprecated), with :: and ::1.
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96, V6::Blocked),
    // IPv4-mapped.
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96, V6::EmbedsV4),
    // NAT64, the well-known prefix.
    (
        Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0),
        96,
        V6::EmbedsV4,
    ),
    // NAT64, local use.
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        V6::Blocked,
    ),
    // Discard-only.
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, V6::Blocked),
    // IETF protocol assignments, Teredo (2001::/32) included: refused whole.
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, V6::Blocked),
    // Documentation.
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        V6::Blocked,
    ),
    // 6to4: refused whole (deprecated; where it goes depends on local relays).
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, V6::Blocked),
    // Documentation.
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, V6::Blocked),
    // Unique local.
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, V6::Blocked),
    // Link-local.
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, V6::Blocked),
    // Site-local (deprecated).
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, V6::Blocked),
    // Multicast.
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, V6::Blocked),
];

const INTERNAL: &str = "The URL points to an internal address; webhooks may only call public hosts";

fn internal_v4(ip: Ipv4Addr) -> bool {
    let ip = u32::from(ip);
    V4_BLOCKED.iter().any(|&(net, len)| {
        let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
        ip & mask == u32::from(net) & mask
    })
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    let special = V6_SPECIAL.iter().find(|&&(net, len, _)| {
        let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
        bits & mask == u128::from(net) & mask
    });
    match special {
        Some((_, _, V6::Blocked)) => true,
        Some((_, _, V6::EmbedsV4)) => internal_v4(Ipv4Addr::from(bits as u32)),
        None => ip.segments()[0] & 0xe000 != 0x2000,
    }
}

/// Whether an address is internal (not on the public internet).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

/// A target the guard does not let the client call.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(String);

/// Checks a target URL without resolving it: the scheme, no credentials, and
/// a literal address. Host names are left to [`GuardedResolver`].
pub fn check_target(raw: &str, allow_private: bool) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| format!("Not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Only http and https URLs are allowed".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Put credentials in headers, not in the URL".into());
    }
    let host = url.host_str().ok_or("The URL has no host")?;
    // An IPv6 host is bracketed; IPv4 hosts are normalised by the URL parser
    // (`http://2130706433/` is 127.0.0.1).
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    if let Ok(ip) = literal {
        if !allow_private && is_internal(ip) {
            return Err(INTERNAL.into());
        }
    }
    Ok(url)
}

/// Checks a target URL when a webhook is saved: [`check_target`], and every
/// address its host name resolves to now.
pub async fn check(raw: &str, allow_private: bool) -> Result<reqwest::Url, String> {
    let url = check_target(raw, allow_private)?;
    if allow_private {
        return Ok(url);
    }
    let host = url.host_str().ok_or("The URL has no host")?;
    if !host.starts_with('[') && host.parse::<IpAddr>().is_err() {
        let port = url.port_or_known_default().unwrap_or(80);
        resolve(host, port, false)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(url)
}

/// Resolves a host name with the system resolver; refuses it when it resolves
/// to nothing or (unless `allow_private`) to any internal address. The
/// address itself is left out of the message, which the account's admins read.
async fn resolve(host: &str, port: u16, allow_private: bool) -> Result<Vec<SocketAddr>, Refused> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| Refused(format!("The host '{host}' does not resolve")))?
        .collect();
    if addresses.is_empty() {
        return Err(Refused(format!("The host '{host}' does not resolve")));
    }
    if !allow_private && addresses.iter().any(|a| is_internal(a.ip())) {
        return Err(Refused(format!(
            "The host '{host}' resolves to an internal address; webhooks may only call public hosts"
        )));
    }
    Ok(addresses)
}

/// The webhook client's DNS resolver: the system resolver (through tokio),
/// then the guard over every address it returned. Installed with
/// `ClientBuilder::dns_resolver`, it sees every connection the client makes
/// to a host name, so what is checked is what is connected to.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    allow_private: bool,
}

impl GuardedResolver {
    pub fn new(allow_private: bool) -> Self {
        Self { allow_private }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: the client puts in the URL's port.
            let addresses = resolve(&host, 0, allow_private).await?;
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use reqwest::dns::Resolve as _;

    use super::*;

    #[test]
    fn internal_ranges() {
        for ip in [
            // IPv4
            "0.0.0.0",
            "0.255.255.255",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.1",
            "192.0.0.170",
            "192.0.0.192",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            // IPv6
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::7f00:1",
            "::a9fe:a9fe",
            "::808:808",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "64:ff9b:1:ffff::8.8.8.8",
            "100::1",
            "100::ffff:ffff:ffff:ffff",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:1ff:ffff::1",
            "2001:db8::1",
            "2001:db8:ffff::1",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2002:808:808::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "feff::1",
            "ff02::1",
            "ff0e::1",
            // Outside 2000::/3 and in no listed block.
            "4000::1",
            "1::1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip} is internal");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.1.1",
            "192.88.98.1",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.255",
            "2606:2800:220:1::",
            "2606:4700::1111",
            "2001:200::1",
            "2001:4860:4860::8888",
            "2003::1",
            "::ffff:93.184.216.34",
            "64:ff9b::5db8:d822",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[tokio::test]
    async fn urls() {
        assert!(check("ftp://8.8.8.8/x", false).await.is_err());
        assert!(check("http://127.0.0.1:9/x", false).await.is_err());
        assert!(check("http://2130706433/x", false).await.is_err());
        assert!(check("http://0x7f.1/x", false).await.is_err());
        assert!(check("http://[::1]/x", false).await.is_err());
        assert!(check("http://[::7f00:1]/x", false).await.is_err());
        assert!(check("http://[64:ff9b::a9fe:a9fe]/x", false).await.is_err());
        assert!(check("http://[2002:7f00:1::]/x", false).await.is_err());
        assert!(check("http://192.0.0.192/x", false).await.is_err());
        assert!(check("http://localhost:9/x", false).await.is_err());
        assert!(check("http://user:pw@8.8.8.8/x", false).await.is_err());
        assert!(check("https://8.8.8.8/hook", false).await.is_ok());
        assert!(check("https://[2606:2800:220:1::]/hook", false)
            .await
            .is_ok());
        assert!(check("http://127.0.0.1:9/x", true).await.is_ok());
        assert!(check("http://localhost:9/x", true).await.is_ok());
        // Before a delivery, names are left to the resolver.
        assert!(check_target("http://localhost:9/x", false).is_ok());
        assert!(check_target("http://127.0.0.1:9/x", false).is_err());
        assert!(check_target("http://[::ffff:7f00:1]:9/x", false).is_err());
        assert!(check_target("http://127.0.0.1:9/x", true).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_refuses_loopback_names() {
        let refused = GuardedResolver::new(false)
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .expect("localhost is refused");
        let refused = refused
            .downcast_ref::<Refused>()
            .expect("the guard's error");
        assert!(
            refused.to_string().contains("internal address"),
            "{refused}"
        );

        let allowed: Vec<SocketAddr> = GuardedResolver::new(true)
            .resolve("localhost".parse().unwrap())
            .await
            .map_err(|e| e.to_string())
            .unwrap()
            .collect();
        assert!(allowed.iter().all(|a| a.ip().is_loopback()), "{allowed:?}");
        assert!(!allowed.is_empty());
    }
}
