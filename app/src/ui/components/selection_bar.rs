//! "Select all visible", "Clear" and "selected / total" above a list whose rows can be selected
//! (the repositories for rename and delete, the local images for push and delete).

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::model::{Me, Operation};
use crate::ui::session::{allows, use_session};
use crate::ui::strings::{fill, strings};

/// Adds every key in `visible` to the selection (what is selected but hidden stays selected).
pub fn select_all(selected: &mut BTreeSet<String>, visible: &[String]) {
    selected.extend(visible.iter().cloned());
}

/// The selection's buttons and count.
#[component]
pub fn SelectionBar(
    /// The selected keys.
    selected: RwSignal<BTreeSet<String>>,
    /// The keys of the rows shown now (after any filter).
    #[prop(into)]
    visible: Signal<Vec<String>>,
    /// How many rows the list has in all.
    #[prop(into)]
    total: Signal<usize>,
) -> impl IntoView {
    let s = strings();
    let all_visible_selected =
        move || visible.with(|keys| selected.with(|set| keys.iter().all(|k| set.contains(k))));
    view! {
        <div class="selection-bar" role="group" aria-label=s.selection_label>
            <button
                type="button"
                class="button small secondary"
                disabled=all_visible_selected
                on:click=move |_| selected.update(|set| visible.with_untracked(|keys| select_all(set, keys)))
            >
                {s.select_all_visible}
            </button>
            <button
                type="button"
                class="button small secondary"
                disabled=move || selected.read().is_empty()
                on:click=move |_| selected.update(BTreeSet::clear)
            >
                {s.clear_selection}
            </button>
            <span class="muted" aria-live="polite" data-testid="selected-count">
                {move || fill(s.selected_count, &[&selected.read().len(), &total.get()])}
            </span>
        </div>
    }
}

/// One action on the selection: the operation it needs, its label, and the signal that opens its
/// dialog.
pub type SelectionAction = (Operation, &'static str, RwSignal<bool>);

/// The actions on a selection list, a second one destructive: each shown only to a role allowed
/// it (a role allowed neither sees none), disabled while nothing is selected.
#[component]
pub fn SelectionActions(
    action: SelectionAction,
    danger: SelectionAction,
    /// True while nothing is selected.
    #[prop(into)]
    none_selected: Signal<bool>,
) -> impl IntoView {
    let session = use_session();
    let button = move |(operation, label, open): SelectionAction, class: &'static str, me: &Option<Me>| {
        allows(me.as_ref(), operation).then(|| {
            view! {
                <button type="button" class=class disabled=none_selected on:click=move |_| open.set(true)>
                    {label}
                </button>
            }
        })
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let me = session.me().await;
                let buttons = (button(action, "button secondary", &me), button(danger, "button danger", &me));
                (buttons.0.is_some() || buttons.1.is_some())
                    .then(|| view! { <div class="selection-actions">{buttons.0}{buttons.1}</div> })
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::select_all;

    #[test]
    fn selecting_all_visible_keeps_what_was_selected_out_of_view() {
        let mut selected = BTreeSet::from(["hidden".to_owned(), "a".to_owned()]);
        select_all(&mut selected, &["a".to_owned(), "b".to_owned()]);
        assert_eq!(selected.into_iter().collect::<Vec<_>>(), ["a", "b", "hidden"]);
    }
}
