//! `/retention`: the retention policies (issue 15 point 3). Everyone who may read sees the list;
//! an operator may preview a policy (a dry-run job: the tags that would go, why, and the bytes
//! freed, on the job's page); an admin creates, edits and deletes policies and runs one now, after
//! a confirmation. Patterns are checked by the server, whose refusal is shown in the form.

use leptos::prelude::*;

use super::PageHeader;
use super::jobs::open_started_job;
use crate::api::retention::{
    DeleteRetentionPolicy, SaveRetentionPolicy, StartRetention, list_retention_policies,
};
use crate::model::{Operation, RetentionJobRequest, RetentionPolicy, RetentionPolicySpec};
use crate::ui::components::{ConfirmActions, Dialog, ErrorList, checkbox, reason, text_field};
use crate::ui::session::Allowed;
use crate::ui::strings::{fill, strings};

/// What the page has open: the policy form (`None` id: a new policy), or a confirmation.
#[derive(Clone, Debug, PartialEq)]
enum Open {
    Form(Option<RetentionPolicy>),
    Run(RetentionPolicy),
    Delete(RetentionPolicy),
}

#[component]
pub fn RetentionPage() -> impl IntoView {
    let s = strings();
    let version = RwSignal::new(0u32);
    let policies = crate::ui::resource::resource(move || version.get(), |_| list_retention_policies());
    let open = RwSignal::new(None::<Open>);
    view! {
        <section class="page">
            <PageHeader title=s.retention_title intro=s.retention_intro>
                <Allowed op=Operation::ManageRetentionPolicies>
                    <button type="button" class="button" on:click=move |_| open.set(Some(Open::Form(None)))>
                        {s.retention_new}
                    </button>
                </Allowed>
            </PageHeader>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        policies.await.map(|list| view! { <PolicyTable policies=list.policies open /> })
                    })}
                </ErrorBoundary>
            </Transition>
            {move || open.get().map(|what| match what {
                Open::Form(policy) => view! { <PolicyForm policy open version /> }.into_any(),
                Open::Run(policy) => view! { <RunDialog policy open /> }.into_any(),
                Open::Delete(policy) => view! { <DeleteDialog policy open version /> }.into_any(),
            })}
        </section>
    }
}

/// The rules of a policy in a few words.
fn rules(spec: &RetentionPolicySpec) -> String {
    let s = strings();
    let mut parts = Vec::new();
    if let Some(n) = spec.keep_last {
        parts.push(fill(s.retention_rule_keep_last, &[&n]));
    }
    if let Some(r) = &spec.keep_regex {
        parts.push(fill(s.retention_rule_keep_regex, &[r]));
    }
    if let Some(d) = spec.older_than_days {
        parts.push(fill(s.retention_rule_older_than, &[&d]));
    }
    if let Some(r) = &spec.protect_regex {
        parts.push(fill(s.retention_rule_protect, &[r]));
    }
    parts.join("; ")
}

#[component]
fn PolicyTable(policies: Vec<RetentionPolicy>, open: RwSignal<Option<Open>>) -> impl IntoView {
    let s = strings();
    if policies.is_empty() {
        return view! { <p class="muted" data-testid="retention-empty">{s.retention_empty}</p> }.into_any();
    }
    view! {
        <table class="table" aria-label=s.retention_list_label data-testid="retention-policies">
            <thead>
                <tr>
                    <th scope="col">{s.retention_name}</th>
                    <th scope="col">{s.retention_repositories}</th>
                    <th scope="col">{s.retention_rules}</th>
                    <th scope="col">{s.retention_schedule}</th>
                    <th scope="col">{s.retention_gc_after_column}</th>
                    <th scope="col">{s.column_actions}</th>
                </tr>
            </thead>
            <tbody>
                {policies.into_iter().map(|policy| view! { <PolicyRow policy open /> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn PolicyRow(policy: RetentionPolicy, open: RwSignal<Option<Open>>) -> impl IntoView {
    let s = strings();
    let spec = policy.spec.clone();
    let preview = ServerAction::<StartRetention>::new();
    open_started_job(move || preview.value().get());
    let id = policy.id;
    // Copy, so the buttons' handlers (inside `Allowed`'s re-runnable children) can each take it.
    let policy = StoredValue::new(policy);
    view! {
        <tr data-testid="retention-policy" data-name=spec.name.clone()>
            <td>{spec.name.clone()}</td>
            <td><code>{spec.repositories.clone()}</code></td>
            <td>{rules(&spec)}</td>
            <td>{spec.schedule.clone().map(|c| view! { <code>{c}</code> }.into_any()).unwrap_or_else(|| s.retention_no_schedule.into_any())}</td>
            <td>{if spec.gc_after { s.yes } else { s.no }}</td>
            <td class="actions">
                <Allowed op=Operation::PreviewRetention>
                    <button
                        type="button"
                        class="button small secondary"
                        disabled=move || preview.pending().get()
                        on:click=move |_| {
                            preview.dispatch(StartRetention {
                                request: RetentionJobRequest { policy_id: Some(id), policy: None, dry_run: true },
                            });
                        }
                    >
                        {s.retention_preview}
                    </button>
                </Allowed>
                <Allowed op=Operation::StartRetention>
                    <button type="button" class="button small" on:click=move |_| open.set(Some(Open::Run(policy.get_value())))>
                        {s.retention_run_now}
                    </button>
                </Allowed>
                <Allowed op=Operation::ManageRetentionPolicies>
                    <button type="button" class="button small secondary" on:click=move |_| open.set(Some(Open::Form(Some(policy.get_value()))))>
                        {s.retention_edit}
                    </button>
                    <button type="button" class="button small secondary" on:click=move |_| open.set(Some(Open::Delete(policy.get_value())))>
                        {s.delete}
                    </button>
                </Allowed>
                {move || preview.value().get().and_then(Result::err).map(reason)}
            </td>
        </tr>
    }
}

/// A number field's text as the policy's value: empty is none; anything else is sent as typed
/// (a non-number as -1, which the server refuses with why).
fn number(text: &str) -> Option<i64> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.parse().unwrap_or(-1))
}

fn optional(text: String) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Creates or edits a policy.
#[component]
fn PolicyForm(
    policy: Option<RetentionPolicy>,
    open: RwSignal<Option<Open>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let s = strings();
    let id = policy.as_ref().map(|p| p.id);
    let spec = policy.map(|p| p.spec).unwrap_or_default();
    let text = |v: Option<i64>| RwSignal::new(v.map(|n| n.to_string()).unwrap_or_default());
    let name = RwSignal::new(spec.name);
    let repositories = RwSignal::new(spec.repositories);
    let keep_last = text(spec.keep_last);
    let keep_regex = RwSignal::new(spec.keep_regex.unwrap_or_default());
    let older_than_days = text(spec.older_than_days);
    let protect_regex = RwSignal::new(spec.protect_regex.unwrap_or_default());
    let schedule = RwSignal::new(spec.schedule.unwrap_or_default());
    let gc_after = RwSignal::new(spec.gc_after);
    let save = ServerAction::<SaveRetentionPolicy>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            open.set(None);
            version.update(|v| *v += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveRetentionPolicy {
            id,
            spec: RetentionPolicySpec {
                name: name.get_untracked().trim().to_owned(),
                repositories: repositories.get_untracked().trim().to_owned(),
                keep_last: number(&keep_last.get_untracked()),
                keep_regex: optional(keep_regex.get_untracked()),
                older_than_days: number(&older_than_days.get_untracked()),
                protect_regex: optional(protect_regex.get_untracked()),
                schedule: optional(schedule.get_untracked()),
                gc_after: gc_after.get_untracked(),
            },
        });
    };
    let title = if id.is_some() { s.retention_edit_title } else { s.retention_new_title };
    view! {
        <Dialog title=title on_close=move || open.set(None)>
            <p class="muted">{s.retention_form_intro}</p>
            <form on:submit=submit data-testid="retention-form">
                <div class="form-grid">
                    {text_field(s.retention_name, "", name, true, || false)}
                    {text_field(s.retention_repositories, s.retention_repositories_placeholder, repositories, true, || false)}
                    {text_field(s.retention_keep_last, "", keep_last, false, || false)}
                    {text_field(s.retention_keep_regex, s.retention_keep_regex_placeholder, keep_regex, false, || false)}
                    {text_field(s.retention_older_than_days, "", older_than_days, false, || false)}
                    {text_field(s.retention_protect_regex, s.retention_protect_regex_placeholder, protect_regex, false, || false)}
                    {text_field(s.retention_schedule, s.retention_schedule_placeholder, schedule, false, || false)}
                </div>
                {checkbox(s.retention_gc_after, gc_after)}
                {move || save.value().get().and_then(Result::err).map(reason)}
                <div class="dialog-actions">
                    <button type="submit" class="button" disabled=move || save.pending().get()>
                        {s.save}
                    </button>
                    <button type="button" class="button secondary" on:click=move |_| open.set(None)>
                        {s.cancel}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// "Run now": deletes for real, so it asks first; then opens the job.
#[component]
fn RunDialog(policy: RetentionPolicy, open: RwSignal<Option<Open>>) -> impl IntoView {
    let s = strings();
    let run = ServerAction::<StartRetention>::new();
    open_started_job(move || run.value().get());
    let id = policy.id;
    view! {
        <Dialog title=fill(s.retention_run_title, &[&policy.spec.name]) on_close=move || open.set(None)>
            <p>{fill(s.retention_run_confirm, &[&policy.spec.repositories])}</p>
            {move || run.value().get().and_then(Result::err).map(reason)}
            <ConfirmActions
                label=s.retention_run_now
                busy=run.pending()
                on_confirm=Callback::new(move |()| {
                    run.dispatch(StartRetention {
                        request: RetentionJobRequest { policy_id: Some(id), policy: None, dry_run: false },
                    });
                })
                on_cancel=Callback::new(move |()| open.set(None))
            />
        </Dialog>
    }
}

#[component]
fn DeleteDialog(
    policy: RetentionPolicy,
    open: RwSignal<Option<Open>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let s = strings();
    let delete = ServerAction::<DeleteRetentionPolicy>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            open.set(None);
            version.update(|v| *v += 1);
        }
    });
    let id = policy.id;
    view! {
        <Dialog title=fill(s.retention_delete_title, &[&policy.spec.name]) on_close=move || open.set(None)>
            <p>{s.retention_delete_confirm}</p>
            {move || delete.value().get().and_then(Result::err).map(reason)}
            <ConfirmActions
                label=s.delete
                busy=delete.pending()
                on_confirm=Callback::new(move |()| {
                    delete.dispatch(DeleteRetentionPolicy { id });
                })
                on_cancel=Callback::new(move |()| open.set(None))
            />
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_fields_send_what_was_typed() {
        assert_eq!(number(""), None);
        assert_eq!(number(" 5 "), Some(5));
        // Not a number: sent so that the server refuses it with why, never silently dropped.
        assert_eq!(number("five"), Some(-1));
    }
}
