// Small building blocks shared by the pages: cards, stat tiles, tables that scroll sideways on a
// phone, status badges, error and empty states, and a confirm step for destructive actions.
import type { ComponentChildren } from 'preact';

export function Card(props: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; testid?: string }) {
  return (
    <section class="card" data-testid={props.testid}>
      {(props.title !== undefined || props.actions !== undefined) && (
        <header class="card-head">
          <h2>{props.title}</h2>
          <div class="card-actions">{props.actions}</div>
        </header>
      )}
      {props.children}
    </section>
  );
}

export function Stat(props: { label: string; value: ComponentChildren; sub?: ComponentChildren; testid?: string; href?: string }) {
  const body = (
    <>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value" data-testid={props.testid}>
        {props.value}
      </div>
      {props.sub !== undefined && <div class="stat-sub">{props.sub}</div>}
    </>
  );
  return props.href !== undefined ? (
    <a class="stat link" href={props.href}>
      {body}
    </a>
  ) : (
    <div class="stat">{body}</div>
  );
}

export function Table(props: { children: ComponentChildren; testid?: string }) {
  return (
    <div class="table-wrap">
      <table data-testid={props.testid}>{props.children}</table>
    </div>
  );
}

const STATE_CLASS: Record<string, string> = {
  ok: 'good',
  Stable: 'good',
  STABLE: 'good',
  Ongoing: 'warn',
  Empty: 'muted',
  PreparingRebalance: 'warn',
  CompletingRebalance: 'warn',
  Reconciling: 'warn',
  Assigning: 'warn',
  Dead: 'bad',
  degraded: 'bad',
};

export function Badge(props: { value: string }) {
  return <span class={`badge ${STATE_CLASS[props.value] ?? ''}`}>{props.value}</span>;
}

export function ErrorBox(props: { error: string | null }) {
  return props.error === null ? null : (
    <div class="error" role="alert">
      {props.error}
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

export function Loading() {
  return <p class="empty">Loading…</p>;
}

/** Asks before a destructive action; resolves false when the user says no. */
export function confirmAction(message: string): boolean {
  return window.confirm(message);
}
