//! Webhook targets: only http(s), and never loopback, private, link-local or
//! otherwise internal addresses (against server-side request forgery), unless
//! `SNACKBASE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn internal_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
        || o[0] >= 240
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return internal_v4(v4);
    }
    let s = ip.segments();
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
}

/// Whether an address is internal (not on the public internet).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

/// Checks a target URL: scheme, and every address its host resolves to.
pub async fn check(raw: &str, allow_private: bool) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| format!("Not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Only http and https URLs are allowed".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Put credentials in headers, not in the URL".into());
    }
    let host = url.host_str().ok_or("The URL has no host")?.to_string();
    if allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| format!("The host '{host}' does not resolve"))?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() || addresses.iter().any(|ip| is_internal(*ip)) {
        return Err(
            "The URL points to an internal address; webhooks may only call public hosts".into(),
        );
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700::1111"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls() {
        assert!(check("ftp://8.8.8.8/x", false).await.is_err());
        assert!(check("http://127.0.0.1:9/x", false).await.is_err());
        assert!(check("http://[::1]/x", false).await.is_err());
        assert!(check("http://user:pw@8.8.8.8/x", false).await.is_err());
        assert!(check("https://8.8.8.8/hook", false).await.is_ok());
        assert!(check("http://127.0.0.1:9/x", true).await.is_ok());
    }
}
