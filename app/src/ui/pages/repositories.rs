use leptos::prelude::*;

use super::PageHeader;
use crate::ui::strings::strings;

/// The repositories page. Its content arrives with its own feature; until then it says so.
#[component]
pub fn RepositoriesPage() -> impl IntoView {
    let s = strings();
    view! {
        <section class="page">
            <PageHeader title=s.repositories_title intro=s.repositories_intro />
            <p class="empty-state">{s.not_yet_available}</p>
        </section>
    }
}
