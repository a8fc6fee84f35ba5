//! `/audit` (admin): the audit log, newest first, a page at a time. Filters and position live in
//! the URL (`?actor=&operation=&before=`), set by GET forms, so they work before hydration and a
//! view can be linked.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use strum::VariantArray as _;

use super::PageHeader;
use super::jobs::job_href;
use crate::api::accounts::list_audit;
use crate::model::{AuditEntry, AuditOutcome, AuditQuery, Operation};
use crate::ui::components::{Badge, ErrorList, LocalTime, Tone};
use crate::ui::format;
use crate::ui::strings::strings;

/// Entries per page.
const PAGE_SIZE: usize = 100;

/// The query the URL's parameters describe; empty filters are no filters.
fn audit_query(actor: Option<String>, operation: Option<String>, before: Option<String>) -> AuditQuery {
    let filter = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    AuditQuery {
        limit: Some(PAGE_SIZE),
        before: before.and_then(|b| b.trim().parse().ok()),
        actor: filter(actor),
        operation: filter(operation),
    }
}

/// The first page of the log with these filters.
fn audit_href(actor: &str, operation: &str) -> String {
    let mut params = Vec::new();
    if !actor.is_empty() {
        params.push(format!("actor={}", format::query_value(actor)));
    }
    if !operation.is_empty() {
        params.push(format!("operation={}", format::query_value(operation)));
    }
    if params.is_empty() { "/audit".to_owned() } else { format!("/audit?{}", params.join("&")) }
}

fn outcome_badge(outcome: AuditOutcome) -> impl IntoView {
    let s = strings();
    let (text, tone) = match outcome {
        AuditOutcome::Ok => (s.outcome_ok, Tone::Ok),
        AuditOutcome::Denied => (s.outcome_denied, Tone::Warn),
        AuditOutcome::Failed => (s.outcome_failed, Tone::Bad),
    };
    let name: &'static str = outcome.into();
    view! {
        <span data-outcome=name>
            <Badge tone text />
        </span>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let s = strings();
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.read();
        audit_query(params.get("actor"), params.get("operation"), params.get("before"))
    });
    let entries = crate::ui::resource::resource(move || query.get(), list_audit);
    let actor = move || query.read().actor.clone().unwrap_or_default();
    let operation = move || query.read().operation.clone().unwrap_or_default();
    let filtered = move || query.with(|q| q.actor.is_some() || q.operation.is_some());
    view! {
        <section class="page">
            <PageHeader title=s.audit_title intro=s.audit_intro />
            <Form method="get" action="/audit">
                <div class="toolbar">
                    <label class="field">
                        <span>{s.audit_actor}</span>
                        <input type="search" aria-keyshortcuts="/" name="actor" value=actor placeholder=s.audit_actor_placeholder spellcheck="false" />
                    </label>
                    <label class="field">
                        <span>{s.audit_operation}</span>
                        <select name="operation">
                            <option value="" selected=move || operation().is_empty()>{s.audit_any_operation}</option>
                            {Operation::VARIANTS
                                .iter()
                                .map(|op| {
                                    let name = op.as_str();
                                    view! { <option value=name selected=move || operation() == name>{name}</option> }
                                })
                                .collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="button">{s.audit_filter}</button>
                    <Show when=filtered>
                        <a href="/audit">{s.audit_clear}</a>
                    </Show>
                </div>
            </Form>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || {
                        let query = query.get();
                        Suspend::new(async move {
                            entries.await.map(|list| view! { <AuditTable entries=list.entries query /> })
                        })
                    }}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn AuditTable(
    entries: Vec<AuditEntry>,
    /// The query these entries answer (for the next page's link).
    query: AuditQuery,
) -> impl IntoView {
    let s = strings();
    // A full page may have older entries behind it; the next page starts before its last one.
    let older = (entries.len() >= PAGE_SIZE).then(|| entries.last().map(|e| e.id)).flatten();
    let paged = query.before.is_some();
    let (actor, operation) = (query.actor.unwrap_or_default(), query.operation.unwrap_or_default());
    let table = if entries.is_empty() {
        view! { <p class="empty-state">{s.audit_empty}</p> }.into_any()
    } else {
        view! {
            <table class="table audit" aria-label=s.audit_list_label data-testid="audit">
                <thead>
                    <tr>
                        <th>{s.column_time}</th>
                        <th>{s.audit_actor}</th>
                        <th>{s.column_client}</th>
                        <th>{s.audit_operation}</th>
                        <th>{s.column_target}</th>
                        <th>{s.column_outcome}</th>
                        <th>{s.column_error}</th>
                        <th>{s.column_job}</th>
                    </tr>
                </thead>
                <tbody>{entries.into_iter().map(|entry| view! { <AuditRow entry /> }).collect_view()}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        {table}
        <nav class="pager" aria-label=s.pager_label>
            {paged.then(|| view! { <a href=audit_href(&actor, &operation)>{s.newest_entries}</a> })}
            {older.map(|before| view! {
                <Form method="get" action="/audit">
                    <input type="hidden" name="actor" value=actor.clone() />
                    <input type="hidden" name="operation" value=operation.clone() />
                    <input type="hidden" name="before" value=before.to_string() />
                    <button type="submit" class="button secondary">{s.older_entries}</button>
                </Form>
            })}
        </nav>
    }
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    let (id, operation) = (entry.id.to_string(), entry.operation.clone());
    view! {
        <tr data-testid="audit-row" data-audit-id=id data-operation=operation>
            <td class="nowrap">
                <LocalTime at=entry.at.clone() />
            </td>
            <td>{entry.actor}</td>
            <td>{entry.client_addr.map(|addr| view! { <code>{addr}</code> })}</td>
            <td>
                <code>{entry.operation}</code>
            </td>
            <td class="wrap">{entry.target}</td>
            <td>{outcome_badge(entry.outcome)}</td>
            <td class="reason wrap">{entry.error}</td>
            <td>
                {entry.job_id.map(|id| {
                    let short: String = id.chars().take(8).collect();
                    view! { <a href=job_href(&id) title=id.clone()><code>{short}</code></a> }
                })}
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::{PAGE_SIZE, audit_href, audit_query};

    #[test]
    fn links_keep_the_filters() {
        assert_eq!(audit_href("", ""), "/audit");
        assert_eq!(audit_href("token:ci deploy", ""), "/audit?actor=token%3Aci%20deploy");
        assert_eq!(audit_href("alice", "delete-tag"), "/audit?actor=alice&operation=delete-tag");
    }

    #[test]
    fn url_parameters_become_the_query_and_empty_ones_no_filter() {
        let q = audit_query(Some(" alice ".into()), Some("".into()), Some("42".into()));
        assert_eq!(q.actor.as_deref(), Some("alice"));
        assert_eq!(q.operation, None);
        assert_eq!(q.before, Some(42));
        assert_eq!(q.limit, Some(PAGE_SIZE));

        let q = audit_query(None, Some("delete-tag".into()), Some("not a number".into()));
        assert_eq!(q.actor, None);
        assert_eq!(q.operation.as_deref(), Some("delete-tag"));
        assert_eq!(q.before, None);
    }
}
