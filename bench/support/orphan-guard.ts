/**
 * For child-process entries: calls `stop` once the parent is gone (the process was re-parented), so that a killed test
 * runner or benchmark does not leave workers, sandboxes or databases running. Returns a function that disarms it.
 */
export function stopWhenOrphaned(stop: () => void, everyMs = 1000): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
