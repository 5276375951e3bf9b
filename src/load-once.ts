/**
 * `loadOnce(load)`, `load` being a dynamic import: a loader that runs the import the
 * first time it is called and hands back the same promise after that (a
 * failed load is forgotten, so the next call tries again, as a Lambda that
 * re-initialises would).
 *
 * An `import()` of a module already loaded still resolves its specifier
 * again, every call. Under Node's module customization hooks (the local
 * runtime's per-instance module copies, tsx) that resolution is a round trip
 * to the hooks thread: called with every event, it was the largest CPU cost
 * per ticket of the local pipeline. On Lambda it is cheaper but still work.
 * The import stays a literal dynamic import in the caller, so a bundler still
 * sees it (and makes it a chunk of its own).
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (loading === undefined) {
      const started = load();
      loading = started;
      started.catch(() => {
        if (loading === started) loading = undefined;
      });
    }
    return loading;
  };
}
