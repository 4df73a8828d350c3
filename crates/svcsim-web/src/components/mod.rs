//! The page's widgets, one per file, each with a `Props` struct. Widgets
//! render from a [`crate::model::snapshot::Snapshot`] and report what the
//! learner did as [`crate::app::Action`]s; none of them touches the core.

pub mod banner;
pub mod charts;
pub mod counters;
pub mod dns_panel;
pub mod event_log;
pub mod help;
pub mod inspect_row;
pub mod inspector;
pub mod lessons_panel;
pub mod lint_panel;
pub mod node_box;
pub mod node_rules;
pub mod packet_canvas;
pub mod packet_inspector;
pub mod pod_glyph;
pub mod policy_legend;
pub mod policy_marks;
pub mod policy_view;
pub mod reach_view;
pub mod resources;
pub mod rules_text;
pub mod scenario_bar;
pub mod share_panel;
pub mod stage;
pub mod toggles;
pub mod tooltip;
pub mod topology;
pub mod transport;
pub mod workbench;
pub mod yaml_editor;
