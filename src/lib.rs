//! Producer Lab: the Yew app. It renders the model in `producer-sim` stage by stage and, in
//! Real mode, sends the same produce calls through `producer-bridge` to a real Kafka.

pub mod app;
pub mod bridge_client;
pub mod charts;
pub mod config_panel;
pub mod controls;
pub mod export;
pub mod form;
pub mod lessons;
pub mod panels;
pub mod playback;
pub mod real_sweep;
pub mod sweep;
pub mod sweep_panel;
pub mod twin;
pub mod twin_view;
pub mod url_state;

pub use app::App;
