//! The run form's fields: a label, the control, and a short explanation that shows while the
//! field is hovered or focused (and is the control's accessible description).

use producer_sim::producer::producer_config::{ProducerConfig, Profile, key_doc};
use yew::prelude::*;

/// A labelled field with its explanation.
pub fn field(id: &str, label: &str, control: Html, hint: String) -> Html {
    html! {
        <label for={id.to_string()} class="field">
            <span>{ label }</span>
            { control }
            <span class="field-hint" id={format!("{id}-hint")} role="note">{ hint }</span>
        </label>
    }
}

/// A text input described by its field's explanation. `oninput` must keep the typed text in
/// the state that `value` comes from: Yew sets a rendered input's DOM value back to `value`
/// whenever they differ.
pub fn input(
    id: &str,
    value: &str,
    invalid: bool,
    oninput: Callback<InputEvent>,
    onchange: Callback<Event>,
) -> Html {
    html! {
        <input id={id.to_string()} value={value.to_string()} placeholder="default" {oninput} {onchange}
            aria-describedby={format!("{id}-hint")} aria-invalid={invalid.to_string()} />
    }
}

/// The client profiles, each with its one-line description.
pub fn profile_select(current: Profile, onchange: Callback<Event>) -> Html {
    html! {
        <select id="profile" {onchange} aria-describedby="profile-hint">
            { for Profile::ALL.iter().map(|p| html! {
                <option value={p.name()} selected={*p == current} title={p.describe()}>{ p.name() }</option>
            }) }
        </select>
    }
}

/// A producer config's explanation, its default under `profile`, and the note where
/// tutorials are outdated, from the model's key documentation.
pub fn config_hint(profile: Profile, key: &str) -> String {
    let doc = key_doc(profile.client(), key);
    let default = ProducerConfig::defaults(profile)
        .value_of(key)
        .map_or(String::new(), |d| {
            format!(" Default under {}: {d}.", profile.name())
        });
    format!(
        "{}{default}{}",
        doc.map_or("", |d| d.doc),
        doc.and_then(|d| d.note)
            .map_or(String::new(), |n| format!(" Note: {n}"))
    )
}

/// The timeout typed for `close()`: blank is none (wait for every record).
pub fn parse_timeout(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| format!("close() timeout must be a whole number of ms, not '{text}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_hint_gives_the_profiles_default_and_the_note() {
        let k4 = config_hint(Profile::Kafka4, "acks");
        assert!(k4.contains("Default under kafka-4: all."), "{k4}");
        assert!(
            k4.contains("Note: Tutorials say acks defaults to 1"),
            "{k4}"
        );
        let k20 = config_hint(Profile::Kafka2_0, "linger.ms");
        assert!(k20.contains("Default under kafka-2.0: 0."), "{k20}");
    }

    #[test]
    fn a_close_timeout_is_blank_or_whole_ms() {
        assert_eq!(parse_timeout(" "), Ok(None));
        assert_eq!(parse_timeout("250"), Ok(Some(250)));
        assert_eq!(parse_timeout("0"), Ok(Some(0)));
        for bad in ["-1", "1.5", "x"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
