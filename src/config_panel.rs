//! Every producer config the model knows, for the chosen profile: its value or the profile's
//! default, a short explanation, where tutorials are outdated a note, and Kafka's own error
//! text next to a refused value. Its own component: it re-renders only when the config does.

use std::collections::BTreeMap;

use producer_sim::producer::producer_config::{
    Client, KNOWN_KEYS, LIBRDKAFKA_KEYS, ProducerConfig, Profile, key_doc,
};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// One config as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRow {
    pub key: String,
    /// What the scenario sets, if anything.
    pub value: Option<String>,
    /// The profile's default; `None` where the key does not exist in that version.
    pub default: Option<String>,
    pub doc: Option<&'static str>,
    pub note: Option<&'static str>,
}

/// The profile's keys in the UI's order, then any other key the scenario sets.
pub fn rows(profile: Profile, set: &BTreeMap<String, String>) -> Vec<ConfigRow> {
    let client = profile.client();
    let defaults = ProducerConfig::defaults(profile);
    let known: &[&str] = match client {
        Client::Java => KNOWN_KEYS,
        Client::Librdkafka => LIBRDKAFKA_KEYS,
    };
    let others = set
        .keys()
        .map(String::as_str)
        .filter(|k| !known.contains(k));
    known
        .iter()
        .copied()
        .chain(others)
        .map(|key| {
            let doc = key_doc(client, key);
            ConfigRow {
                key: key.to_string(),
                value: set.get(key).cloned(),
                default: defaults.value_of(key),
                doc: doc.map(|d| d.doc),
                note: doc.and_then(|d| d.note),
            }
        })
        .collect()
}

/// An element id for a key (dots would need escaping in selectors).
pub fn field_id(key: &str) -> String {
    format!("cfg-{}", key.replace('.', "-"))
}

#[derive(Properties, PartialEq)]
pub struct ConfigProps {
    pub profile: Profile,
    /// The producer settings of the scenario, as typed.
    pub set: BTreeMap<String, String>,
    /// A refused config: the key it is about (if any) and the client's message.
    pub error: Option<(Option<String>, String)>,
    /// (key, value); an empty value returns the key to its default.
    pub on_edit: Callback<(String, String)>,
}

#[function_component(ConfigPanel)]
pub fn config_panel(props: &ConfigProps) -> Html {
    let rows = rows(props.profile, &props.set);
    let error_key = props.error.as_ref().and_then(|(k, _)| k.clone());
    let changed = rows.iter().filter(|r| r.value.is_some()).count();
    let cards = rows.iter().map(|r| {
        let id = field_id(&r.key);
        let doc_id = format!("{id}-doc");
        let invalid = error_key.as_deref() == Some(r.key.as_str());
        let on_edit = props.on_edit.clone();
        let key = r.key.clone();
        let onchange = Callback::from(move |e: Event| {
            on_edit.emit((key.clone(), e.target_unchecked_into::<HtmlInputElement>().value()))
        });
        let default = r.default.clone().unwrap_or_else(|| "not in this version".into());
        html! {
            <div class={classes!("cfg", r.value.is_some().then_some("changed"), invalid.then_some("invalid"))} key={r.key.clone()}>
                <label for={id.clone()}><code>{ &r.key }</code></label>
                <input id={id} value={r.value.clone().unwrap_or_default()} placeholder={default.clone()} {onchange}
                    aria-describedby={doc_id.clone()} aria-invalid={invalid.to_string()} />
                <p class="doc" id={doc_id}>
                    { r.doc.unwrap_or("") }<span class="default">{ format!(" Default: {default}.") }</span>
                </p>
                { for r.note.map(|n| html! { <p class="note"><b>{ "Note: " }</b>{ n }</p> }) }
                { for props.error.as_ref().filter(|_| invalid).map(|(_, m)| html! { <p class="error" role="alert">{ m.clone() }</p> }) }
            </div>
        }
    });
    html! {
        <details class="configs" id="configs" open={error_key.is_some()}>
            <summary>{ format!("Every producer config of {} ({}): {} keys, {changed} set here; blank = the profile's default",
                props.profile.name(), props.profile.describe(), rows.len()) }</summary>
            { for props.error.as_ref().filter(|(k, _)| k.is_none()).map(|(_, m)| html! { <p class="error" role="alert">{ m.clone() }</p> }) }
            <div class="cfg-grid">{ for cards }</div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(rows: &'a [ConfigRow], key: &str) -> &'a ConfigRow {
        rows.iter()
            .find(|r| r.key == key)
            .unwrap_or_else(|| panic!("{key} missing"))
    }

    #[test]
    fn defaults_follow_the_profile() {
        let none = BTreeMap::new();
        let k4 = rows(Profile::Kafka4, &none);
        let k20 = rows(Profile::Kafka2_0, &none);
        assert_eq!(row(&k4, "acks").default.as_deref(), Some("all"));
        assert_eq!(row(&k20, "acks").default.as_deref(), Some("1"));
        assert_eq!(row(&k4, "linger.ms").default.as_deref(), Some("5"));
        assert_eq!(row(&k20, "linger.ms").default.as_deref(), Some("0"));
        assert_eq!(
            row(&k4, "enable.idempotence").default.as_deref(),
            Some("true")
        );
        assert_eq!(
            row(&k20, "retry.backoff.max.ms").default,
            None,
            "added in 3.7"
        );
        assert_eq!(k4.len(), KNOWN_KEYS.len());
    }

    #[test]
    fn every_java_key_is_explained_and_outdated_tutorials_get_a_note() {
        for r in rows(Profile::Kafka4, &BTreeMap::new()) {
            assert!(
                r.doc.is_some_and(|d| !d.is_empty()),
                "{} has no explanation",
                r.key
            );
        }
        let k4 = rows(Profile::Kafka4, &BTreeMap::new());
        assert!(row(&k4, "acks").note.is_some_and(|n| n.contains("3.0")));
        assert!(
            row(&k4, "linger.ms")
                .note
                .is_some_and(|n| n.contains("4.0"))
        );
    }

    #[test]
    fn librdkafka_shows_its_own_keys_and_set_values_survive() {
        let set: BTreeMap<String, String> = [("linger.ms".to_string(), "7".to_string())].into();
        let rd = rows(Profile::Librdkafka2, &set);
        assert!(rd.iter().any(|r| r.key == "queue.buffering.max.ms"));
        assert!(
            !rd.iter().any(|r| r.key == "max.block.ms"),
            "a Java-only key"
        );
        let alias = row(&rd, "linger.ms");
        assert_eq!(
            alias.value.as_deref(),
            Some("7"),
            "a key set by alias is shown"
        );
        assert!(alias.doc.is_some(), "documented through its canonical name");
        assert_eq!(field_id("batch.size"), "cfg-batch-size");
    }
}
