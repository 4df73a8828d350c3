//! Small text formatters shared by the widgets and the log: simulated times,
//! ages in kubectl's style, latencies, and packet-kind names.

use svcsim_core::decimal::Fixed;
use svcsim_core::sim::trace::{PacketKind, Place};
use svcsim_core::time::{SimDuration, SimTime};

/// `12.345s` — the displayed clock (milliseconds are what a learner can
/// relate hops to).
pub fn sim_time(t: SimTime) -> String {
    let ms = t.0 / 1_000_000;
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

/// `12.345678s` for the log, where hop-scale differences matter.
pub fn sim_time_us(t: SimTime) -> String {
    let us = t.0 / 1_000;
    format!("{}.{:06}s", us / 1_000_000, us % 1_000_000)
}

/// kubectl's AGE column: `45s`, `3m12s`, `2h5m`, `3d`.
pub fn age(d: SimDuration) -> String {
    let s = d.as_secs();
    if s < 120 {
        format!("{s}s")
    } else if s < 600 {
        format!("{}m{}s", s / 60, s % 60)
    } else if s < 3 * 3600 {
        format!("{}m", s / 60)
    } else if s < 8 * 3600 {
        format!("{}h{}m", s / 3600, (s / 60) % 60)
    } else if s < 2 * 86400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86400)
    }
}

/// A latency in microseconds as `850µs` or `12.3ms`.
pub fn latency_us(us: u64) -> String {
    if us < 1000 {
        format!("{us}µs")
    } else if us < 100_000 {
        format!("{}ms", Fixed(us as f64 / 1000.0, 1))
    } else {
        format!("{}ms", us / 1000)
    }
}

pub fn packet_kind(k: PacketKind) -> &'static str {
    match k {
        PacketKind::DnsQuery => "DNS query",
        PacketKind::DnsReply => "DNS reply",
        PacketKind::Syn => "SYN",
        PacketKind::SynAck => "SYN-ACK",
        PacketKind::Request => "request",
        PacketKind::Response => "response",
        PacketKind::Reset => "RST",
    }
}

/// A place as a reader would name it.
pub fn place(p: &Place) -> String {
    match p {
        Place::External { name, .. } => format!("client {name}"),
        Place::LoadBalancer { name, .. } => format!("load balancer of {name}"),
        Place::Node { name, .. } => format!("node {name}"),
        Place::Pod { name, .. } => format!("pod {name}"),
        Place::Nowhere { ip } => format!("nowhere ({ip})"),
    }
}

/// An SVG coordinate or length: up to two decimals, trailing zeros dropped
/// ("12", "12.5", "12.25"), as `f64`'s own `Display` prints such values.
/// Through [`Fixed`], so the picture does not link std's shortest-float
/// printer.
pub fn coord(x: f64) -> String {
    let mut s = Fixed(x, 2).to_string();
    if s.contains('.') {
        let keep = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(keep);
    }
    if s == "-0" {
        s = "0".into();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(sim_time(SimTime(12_345_678_901)), "12.345s");
        assert_eq!(sim_time_us(SimTime(1_000_050_000)), "1.000050s");
        assert_eq!(age(SimDuration::from_secs(45)), "45s");
        assert_eq!(age(SimDuration::from_secs(192)), "3m12s");
        assert_eq!(age(SimDuration::from_secs(3 * 86400)), "3d");
        assert_eq!(latency_us(850), "850µs");
        assert_eq!(latency_us(12_300), "12.3ms");
    }

    #[test]
    fn coordinates_print_as_display_does_for_two_decimals() {
        for x in [0.0, 12.0, 12.5, 12.25, -3.75, 100.1, 1e6] {
            assert_eq!(coord(x), x.to_string());
        }
        assert_eq!(coord(1.0 / 3.0), "0.33");
    }
}
