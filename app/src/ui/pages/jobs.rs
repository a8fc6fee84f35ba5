use leptos::prelude::*;

use super::PageHeader;
use crate::ui::strings::strings;

/// The jobs page. Its content arrives with its own feature; until then it says so.
#[component]
pub fn JobsPage() -> impl IntoView {
    let s = strings();
    view! {
        <section class="page">
            <PageHeader title=s.jobs_title intro=s.jobs_intro />
            <p class="empty-state">{s.not_yet_available}</p>
        </section>
    }
}
