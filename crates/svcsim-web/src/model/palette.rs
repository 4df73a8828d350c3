//! Colours: packets by kind, pods by owner and version. Plain strings so the
//! SVG (CSS) and the canvas use the same values.

use svcsim_core::sim::trace::PacketKind;

/// Packet colour by kind; DNS is violet, the TCP handshake amber, requests
/// blue, responses green, resets red.
pub fn packet(kind: PacketKind, dark: bool) -> &'static str {
    match (kind, dark) {
        (PacketKind::DnsQuery | PacketKind::DnsReply, false) => "#8e44ad",
        (PacketKind::DnsQuery | PacketKind::DnsReply, true) => "#c39bd3",
        (PacketKind::Syn | PacketKind::SynAck, false) => "#d35400",
        (PacketKind::Syn | PacketKind::SynAck, true) => "#f0a35e",
        (PacketKind::Request, false) => "#1f6fd1",
        (PacketKind::Request, true) => "#6fb1ff",
        (PacketKind::Response, false) => "#1e8449",
        (PacketKind::Response, true) => "#58d68d",
        (PacketKind::Reset, false) => "#c0392b",
        (PacketKind::Reset, true) => "#ff6b5e",
    }
}

/// Radius of a packet dot: DNS packets are small.
pub fn packet_radius(kind: PacketKind) -> f64 {
    match kind {
        PacketKind::DnsQuery | PacketKind::DnsReply => 2.5,
        _ => 4.0,
    }
}

fn fnv(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The number in a version tag (`v3` → 3), if any.
pub fn version_number(v: &str) -> Option<u32> {
    let digits: String = v.chars().filter(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// Fill for a pod: hue from the owner's name, lightness from the version,
/// so a rollout's new pods are visibly a different shade of the same app.
pub fn pod_fill(owner: &str, version: &str, dark: bool) -> String {
    let hue = fnv(owner) % 360;
    let step = version_number(version).unwrap_or_else(|| fnv(version) % 4) % 4;
    let base: u32 = if dark { 38 } else { 62 };
    let light = if dark {
        base + step * 9
    } else {
        base - step * 9
    };
    format!("hsl({hue}, 55%, {light}%)")
}

/// The next image tag for a rollout: `repo/app` → `repo/app:v2`,
/// `repo/app:v2` → `repo/app:v3`, `postgres:16` → `postgres:v2`.
pub fn next_image(image: &str) -> String {
    let (base, tag) = match image.rsplit_once(':') {
        Some((b, t)) if !t.contains('/') => (b, Some(t)),
        _ => (image, None),
    };
    let next = tag
        .filter(|t| t.starts_with('v'))
        .and_then(version_number)
        .map_or(2, |n| n + 1);
    format!("{base}:v{next}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollout_images_count_up() {
        assert_eq!(next_image("my-repo/ms-one"), "my-repo/ms-one:v2");
        assert_eq!(next_image("my-repo/ms-one:v2"), "my-repo/ms-one:v3");
        assert_eq!(next_image("postgres:16"), "postgres:v2");
        assert_eq!(next_image("localhost:5000/app"), "localhost:5000/app:v2");
    }

    #[test]
    fn versions_shade_the_same_hue() {
        let a = pod_fill("web", "v1", false);
        let b = pod_fill("web", "v2", false);
        assert_ne!(a, b);
        assert_eq!(a.split(',').next(), b.split(',').next());
    }
}
