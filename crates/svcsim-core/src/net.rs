//! Addresses, CIDRs and protocols: the small vocabulary every layer shares.
//!
//! IPv4 only for now; svcsim's clusters are single-stack IPv4, as in the seed
//! article's examples. `Ipv4Addr` from std is plain data (no I/O).

use serde::{Deserialize, Serialize};
use std::fmt;
pub use std::net::Ipv4Addr;

/// An IPv4 CIDR such as `10.96.0.0/12`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cidr {
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

impl Cidr {
    /// Parse `a.b.c.d/n`. Leading/trailing spaces are trimmed, as kube-proxy
    /// does for loadBalancerSourceRanges. A bare address is a /32.
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, p.parse::<u8>().ok()?),
            None => (s, 32),
        };
        if p > 32 {
            return None;
        }
        Some(Cidr {
            addr: a.parse().ok()?,
            prefix: p,
        })
    }

    pub fn mask(&self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - self.prefix)
        }
    }

    /// The network address (host bits cleared).
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.addr) & self.mask()
    }

    /// True when `other` lies wholly inside `self`.
    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && self.contains(other.addr)
    }

    /// Number of addresses in the block.
    pub fn size(&self) -> u64 {
        1u64 << (32 - self.prefix as u32)
    }

    /// The `i`-th address of the block (0 = network address).
    pub fn nth(&self, i: u64) -> Option<Ipv4Addr> {
        (i < self.size()).then(|| Ipv4Addr::from(u32::from(self.network()) + i as u32))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// Parse the API spelling (`TCP`), case-insensitively so CLI flags can say `tcp`.
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_uppercase().as_str() {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }
    /// The API spelling: `TCP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
    /// iptables' spelling: `tcp`.
    pub fn lower(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An address and port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Endpoint4 {
    pub ip: Ipv4Addr,
    pub port: u16,
}

impl fmt::Display for Endpoint4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.ip, self.port)
    }
}

impl Endpoint4 {
    /// Parse `1.2.3.4:80`.
    pub fn parse(s: &str) -> Option<Endpoint4> {
        let (ip, port) = s.rsplit_once(':')?;
        Some(Endpoint4 {
            ip: ip.parse().ok()?,
            port: port.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_contains_and_nth() {
        let c = Cidr::parse("10.96.0.0/12").unwrap();
        assert!(c.contains("10.111.255.255".parse().unwrap()));
        assert!(!c.contains("10.112.0.0".parse().unwrap()));
        assert_eq!(c.nth(1), Some("10.96.0.1".parse().unwrap()));
        assert_eq!(Cidr::parse(" 203.0.113.0/25").unwrap().prefix, 25);
        assert!(Cidr::parse("1.2.3.4/33").is_none());
    }
}
