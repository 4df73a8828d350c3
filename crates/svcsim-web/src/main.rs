//! svcsim's browser front end (Yew). Being built.

fn main() {}
