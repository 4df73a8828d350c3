//! Conntrack (in progress).
