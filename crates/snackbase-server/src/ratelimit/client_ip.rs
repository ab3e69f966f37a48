//! The client's address: the peer of the TCP connection, or, when that peer
//! is a trusted proxy (`SNACKBASE_TRUSTED_PROXIES`), the right-most address in
//! `X-Forwarded-For` that is not itself a trusted proxy.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use ipnet::IpNet;

/// The client's address as the rate limits and the request log see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    let ip = canonical(ip);
    proxies.iter().any(|net| net.contains(&ip))
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) count as their IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

pub(super) fn resolve(req: &Request, proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = canonical(req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip());
    if proxies.is_empty() || !trusted(peer, proxies) {
        return Some(peer);
    }
    let mut client = peer;
    // Walk the hops from the nearest one; the first untrusted one is the client.
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // A malformed hop: nothing before it can be believed.
            break;
        };
        client = canonical(ip);
        if !trusted(client, proxies) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: Option<&str>) -> Request {
        let mut req = Request::new(axum::body::Body::empty());
        req.extensions_mut().insert(ConnectInfo(
            format!("{peer}:1234").parse::<SocketAddr>().unwrap(),
        ));
        if let Some(f) = forwarded {
            req.headers_mut()
                .insert("x-forwarded-for", f.parse().unwrap());
        }
        req
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn the_header_is_ignored_without_a_trusted_proxy() {
        let req = request("203.0.113.9", Some("1.2.3.4"));
        assert_eq!(resolve(&req, &[]), Some("203.0.113.9".parse().unwrap()));
        let req = request("203.0.113.9", Some("1.2.3.4"));
        assert_eq!(
            resolve(&req, &nets(&["10.0.0.0/8"])),
            Some("203.0.113.9".parse().unwrap())
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let proxies = nets(&["10.0.0.0/8"]);
        let req = request("10.0.0.2", Some("6.6.6.6, 198.51.100.7, 10.0.0.5"));
        // The spoofable left-most entry is not taken: the right-most untrusted one is.
        assert_eq!(
            resolve(&req, &proxies),
            Some("198.51.100.7".parse().unwrap())
        );
        let req = request("10.0.0.2", None);
        assert_eq!(resolve(&req, &proxies), Some("10.0.0.2".parse().unwrap()));
        let req = request("10.0.0.2", Some("garbage, 198.51.100.7"));
        assert_eq!(
            resolve(&req, &proxies),
            Some("198.51.100.7".parse().unwrap())
        );
    }
}
