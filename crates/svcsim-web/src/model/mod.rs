//! The UI's model: everything the page knows that is not a widget.
//!
//! Nothing under `model/` imports yew or web-sys. That keeps the parts with
//! real logic in them (the time mapping, checkpoints and replay, the layout,
//! packet interpolation, the event log) testable with a plain native
//! `cargo test -p svcsim-web`, against the real core, without a browser.

pub mod clock;
pub mod codec;
pub mod compare;
pub mod editor;
pub mod engine;
pub mod format;
pub mod layout;
pub mod lessons;
pub mod log;
pub mod netpol;
pub mod packets;
pub mod palette;
pub mod requests;
pub mod rules_doc;
pub mod series;
pub mod share;
pub mod snapshot;
