/** The signed-in person in the top bar, and the screens shown instead of the app while not signed in. */
/** @import { ComponentChildren } from 'preact' */
import { html } from '../lib/html.js';
import { can, session, signIn, signOut } from '../lib/session.js';

/** Name, role and a sign-out button (nothing without sign-in). */
export function Account() {
  if (!session.signedIn) return null;
  const role = can('retrain') ? 'admin' : can('review') ? 'reviewer' : 'no role';
  return html`<div class="account">
    <span class="account-name" data-account=${session.name}>${session.name}</span>
    <span class="account-role" data-role=${role}>${role}</span>
    <button type="button" class="link" onClick=${() => signOut()}>Sign out</button>
  </div>`;
}

/** A person without either group: signed in, but nothing to do here yet. */
export function NoRole() {
  return html`<section class="gate">
    <h1 tabindex="-1">No access yet</h1>
    <p>You are signed in as <strong>${session.name}</strong>, but in neither the <code>reviewers</code> nor the <code>admins</code> group. Ask an admin to add you, then sign in again.</p>
    <p><button type="button" onClick=${() => signOut()}>Sign out</button></p>
  </section>`;
}

/** @param {{ title: string, children?: ComponentChildren }} props */
function Gate({ title, children }) {
  return html`<main id="main" class="gate" tabindex="-1">
    <p class="brand"><img src="/favicon.svg" alt="" width="22" height="22" /> ticket-triage</p>
    <h1>${title}</h1>
    ${children}
  </main>`;
}

export function SignedOut() {
  return html`<${Gate} title="You are signed out">
    <p>Sign in to review tickets.</p>
    <p><button type="button" class="primary" onClick=${() => signIn()}>Sign in</button></p>
  <//>`;
}

/** @param {{ message: string }} props */
export function SignInFailed({ message }) {
  return html`<${Gate} title="Sign-in did not work">
    <p class="error-note" role="alert">${message}</p>
    <p><button type="button" class="primary" onClick=${() => signIn()}>Sign in again</button></p>
  <//>`;
}
