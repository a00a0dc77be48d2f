//! Which URLs a webhook may be sent to. Checked when an endpoint is
//! registered and again at every delivery, after DNS resolution and inside
//! the HTTP client's resolver (so a name that changes its answer between
//! the check and the connection — DNS rebinding — still cannot reach an
//! internal address).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::Url;

/// `allow_private` is for development and tests: plain `http` and
/// loopback or private addresses are accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    pub allow_private: bool,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum UrlRejection {
    #[error("not an absolute URL: {0}")]
    Invalid(String),
    #[error("webhook URLs must use https")]
    Scheme,
    #[error("webhook URLs may not carry user names or passwords")]
    Credentials,
    #[error("the URL is longer than 2048 characters")]
    TooLong,
    #[error("{0} is a loopback, private, link-local or otherwise internal address")]
    ForbiddenAddress(IpAddr),
    #[error("the host does not resolve: {0}")]
    Unresolvable(String),
}

impl UrlRejection {
    /// The stable error code the API reports.
    pub fn code(&self) -> &'static str {
        match self {
            UrlRejection::Invalid(_) | UrlRejection::TooLong => "invalid_url",
            UrlRejection::Scheme => "https_required",
            UrlRejection::Credentials => "credentials_in_url",
            UrlRejection::ForbiddenAddress(_) => "forbidden_address",
            UrlRejection::Unresolvable(_) => "unresolvable_host",
        }
    }
}

impl UrlPolicy {
    /// Syntax, scheme and credentials; no network.
    pub fn parse(&self, raw: &str) -> Result<Url, UrlRejection> {
        if raw.len() > 2048 {
            return Err(UrlRejection::TooLong);
        }
        let url = Url::parse(raw.trim()).map_err(|e| UrlRejection::Invalid(e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            "http" => return Err(UrlRejection::Scheme),
            other => return Err(UrlRejection::Invalid(format!("scheme {other} is not http(s)"))),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlRejection::Credentials);
        }
        if url.host().is_none() {
            return Err(UrlRejection::Invalid("no host".into()));
        }
        Ok(url)
    }

    /// Parses, resolves the host and refuses it if any of its addresses is
    /// internal.
    pub async fn check(&self, raw: &str) -> Result<Url, UrlRejection> {
        let url = self.parse(raw)?;
        let addrs = resolve(&url).await?;
        for a in addrs {
            self.allow(a.ip())?;
        }
        Ok(url)
    }

    pub fn allow(&self, ip: IpAddr) -> Result<(), UrlRejection> {
        if self.allow_private || is_public(ip) {
            Ok(())
        } else {
            Err(UrlRejection::ForbiddenAddress(ip))
        }
    }
}

async fn resolve(url: &Url) -> Result<Vec<SocketAddr>, UrlRejection> {
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(url::Host::Domain(d)) => tokio::net::lookup_host((d, port))
            .await
            .map_err(|e| UrlRejection::Unresolvable(format!("{d}: {e}")))?
            .collect(),
        None => return Err(UrlRejection::Invalid("no host".into())),
    };
    if addrs.is_empty() {
        return Err(UrlRejection::Unresolvable("no addresses".into()));
    }
    Ok(addrs)
}

/// Globally routable unicast. Everything else — loopback, RFC 1918,
/// carrier-grade NAT, link-local (cloud metadata at 169.254.169.254 and
/// fd00:ec2::254 included), unique-local, multicast, documentation and
/// reserved ranges, and IPv4 hidden inside IPv6 — is internal.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            is_public_v6(v6)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local (fd00:ec2::254 metadata too)
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64: embeds IPv4
        || s[0] == 0x2002 // 6to4: embeds IPv4
        || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0))
    // IPv4-compatible
}

/// The HTTP client's resolver: it answers only with addresses the policy
/// allows, so the connection goes to an address that was checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SafeResolver(pub UrlPolicy);

impl reqwest::dns::Resolve for SafeResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs.iter().copied().filter(|a| policy.allow(a.ip()).is_ok()).collect();
            if allowed.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> = match addrs.first() {
                    Some(a) => Box::new(UrlRejection::ForbiddenAddress(a.ip())),
                    None => Box::new(UrlRejection::Unresolvable(host)),
                };
                return Err(e);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} must be internal");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn scheme_and_credentials() {
        let strict = UrlPolicy::default();
        assert_eq!(strict.parse("http://example.com/h"), Err(UrlRejection::Scheme));
        assert_eq!(strict.parse("https://u:p@example.com/h"), Err(UrlRejection::Credentials));
        assert!(matches!(strict.parse("ftp://example.com"), Err(UrlRejection::Invalid(_))));
        assert!(matches!(strict.parse("not a url"), Err(UrlRejection::Invalid(_))));
        assert!(strict.parse("https://example.com/h").is_ok());
        assert!(UrlPolicy { allow_private: true }.parse("http://127.0.0.1:9/h").is_ok());
    }

    #[tokio::test]
    async fn literal_and_resolved_internal_hosts_are_refused() {
        let strict = UrlPolicy::default();
        for u in [
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost/x",
        ] {
            assert_eq!(strict.check(u).await.map_err(|e| e.code()), Err("forbidden_address"), "{u}");
        }
        assert!(UrlPolicy { allow_private: true }.check("http://localhost:9/x").await.is_ok());
    }
}
