//! The browser side of the bridge: one WebSocket carrying `producer-wire` JSON frames.
//! Every failure becomes a `BridgeEvent` for the UI to show; nothing here panics.

use producer_wire::{BridgeFrame, BridgeMessage, ClientFrame, ProducerFrame};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use yew::Callback;

/// What the socket reports to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum BridgeEvent {
    Open,
    Frame(BridgeFrame),
    /// About this connection's own producer (after `configure`).
    Producer(ProducerFrame),
    /// The bridge sent something that is not a frame we understand.
    BadFrame(String),
    Closed(String),
}

impl BridgeEvent {
    /// Why this event ends a session on the bridge, if it does: a configuration the bridge
    /// cannot honour, an error frame, a frame we cannot read, or the connection closing.
    pub fn failure(&self) -> Option<String> {
        match self {
            BridgeEvent::Producer(ProducerFrame::ConfigRejected { rejected }) => {
                let why: Vec<String> = rejected
                    .iter()
                    .map(|r| format!("{}: {}", r.key, r.reason))
                    .collect();
                Some(format!("the bridge cannot honour {}", why.join("; ")))
            }
            BridgeEvent::Frame(BridgeFrame::Error { message }) => {
                Some(format!("bridge error: {message}"))
            }
            BridgeEvent::BadFrame(e) => Some(format!("unexpected frame from the bridge: {e}")),
            BridgeEvent::Closed(why) => Some(format!("the bridge connection closed ({why})")),
            _ => None,
        }
    }
}

pub struct BridgeClient {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl BridgeClient {
    pub fn connect(url: &str, report: Callback<BridgeEvent>) -> Result<Self, String> {
        let ws = WebSocket::new(url).map_err(|e| format!("cannot open {url}: {e:?}"))?;
        let r = report.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || r.emit(BridgeEvent::Open));
        let r = report.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let event = match e.data().as_string() {
                Some(text) => match BridgeMessage::parse(&text) {
                    Ok(BridgeMessage::Frame(f)) => BridgeEvent::Frame(f),
                    Ok(BridgeMessage::Producer(f)) => BridgeEvent::Producer(f),
                    Err(e) => BridgeEvent::BadFrame(e),
                },
                None => BridgeEvent::BadFrame("binary frame; the bridge speaks JSON text".into()),
            };
            r.emit(event);
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
            let why = if e.reason().is_empty() {
                format!("code {}", e.code())
            } else {
                e.reason()
            };
            report.emit(BridgeEvent::Closed(why));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(BridgeClient {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    pub fn send(&self, frame: &ClientFrame) -> Result<(), String> {
        self.ws
            .send_with_str(&frame.to_json())
            .map_err(|e| format!("send failed: {e:?}"))
    }

    pub fn is_open(&self) -> bool {
        self.ws.ready_state() == WebSocket::OPEN
    }
}

impl Drop for BridgeClient {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

/// The bridge address: `?bridge=` in the page URL, else `/ws` on the page's own host.
pub fn default_bridge_url() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return "ws://127.0.0.1:8080/ws".into();
    };
    if let Ok(search) = location.search()
        && let Some(url) = query_param(&search, "bridge")
    {
        return url;
    }
    let host = location.host().unwrap_or_else(|_| "127.0.0.1:8080".into());
    let scheme = if location.protocol().ok().as_deref() == Some("https:") {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{host}/ws")
}

/// The decoded value of `name` in a `?a=b&c=d` query string.
pub fn query_param(search: &str, name: &str) -> Option<String> {
    search.trim_start_matches('?').split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name)
            .then(|| js_sys::decode_uri_component(v).ok()?.as_string())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use producer_wire::RejectedKey;

    #[test]
    fn failures_name_their_reason_and_other_events_are_none() {
        let rejected = BridgeEvent::Producer(ProducerFrame::ConfigRejected {
            rejected: vec![RejectedKey {
                key: "partitioner.class".into(),
                reason: "no librdkafka equivalent".into(),
            }],
        });
        assert_eq!(
            rejected.failure().as_deref(),
            Some("the bridge cannot honour partitioner.class: no librdkafka equivalent")
        );
        assert_eq!(
            BridgeEvent::Closed("1006".into()).failure().as_deref(),
            Some("the bridge connection closed (1006)")
        );
        assert_eq!(BridgeEvent::Open.failure(), None);
        assert_eq!(BridgeEvent::Frame(BridgeFrame::Flushed).failure(), None);
    }
}
