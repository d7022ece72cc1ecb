/** A one-line progress bar on a terminal, for transfers of large files. */

/** `512 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export interface Progress {
  /** `loaded` bytes of the total are done (redrawn at most every 100 ms). */
  update(loaded: number): void;
  /** All done: the full bar, and the line ends. */
  finish(): void;
  /** Stopped before the end: the line ends where the bar stands. */
  abandon(): void;
}

/** The bar of `label`'s `total` bytes, drawn through `write` (standard error). */
export function progressBar(label: string, total: number, write: (text: string) => void): Progress {
  let last = 0;
  const draw = (loaded: number, done: boolean): void => {
    const now = Date.now();
    if (!done && now - last < 100) return;
    last = now;
    const fraction = total > 0 ? Math.min(1, loaded / total) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    write(
      `\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${formatBytes(loaded)} of ${formatBytes(total)}${done ? "\n" : ""}`,
    );
  };
  return {
    update: (loaded) => draw(loaded, false),
    finish: () => draw(total, true),
    abandon: () => write("\n"),
  };
}
