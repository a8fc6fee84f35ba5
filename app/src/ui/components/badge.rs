use leptos::prelude::*;

/// The colour family of a badge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Tone {
    Ok,
    Bad,
    /// Finished, but not everything was done (partial, cancelled, interrupted).
    Warn,
    /// Under way.
    Busy,
    Neutral,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A short status label, e.g. "Reachable".
#[component]
pub fn Badge(
    /// The colour family.
    tone: Tone,
    /// The text shown.
    #[prop(into)]
    text: String,
) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", tone.as_str())>{text}</span> }
}
