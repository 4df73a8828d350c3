//! JS bindings for svcsim (being built).
