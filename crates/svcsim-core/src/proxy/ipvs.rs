//! IPVS mode (in progress).
