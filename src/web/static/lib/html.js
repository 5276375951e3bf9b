/**
 * htm bound to Preact's h: JSX-like templates with no build step.
 *
 * What the type check sees: TypeScript does not look inside tagged templates,
 * so the markup and the props a template passes to a component are not
 * checked (htm#73, TypeScript#29432). The expressions in `${}` are checked as
 * JavaScript, and each component's props are typed in its JSDoc and checked
 * where the component uses them; the browser tests cover the templates.
 */
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
