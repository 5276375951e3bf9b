/**
 * The schema library of the product: `zod/mini`, with English messages.
 *
 * zod/mini is zod's tree-shakable API (functions such as `z.optional(s)` and
 * `s.check(z.minLength(1))` instead of methods on every schema), with the same
 * validation. A Lambda bundle keeps only the parts its schemas use, where the
 * full `zod` API put ~440 KiB in front of every cold start. zod/mini loads no
 * locale (every issue would read "Invalid input"); this module loads the
 * English one, so messages are those the full API prints.
 * Import it as `import * as z from '.../zod.ts'` (a namespace import: esbuild
 * then keeps only the members used).
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
