// A one-line progress display for long CLI work: redrawn in place on a terminal, a line
// every few seconds otherwise (CI logs), and nothing at all when quiet.

export interface Progress {
  update(done: number, total?: number): void;
  finish(message?: string): void;
}

export function createProgress(label: string, opts: { stream?: NodeJS.WriteStream; unit?: string } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const unit = opts.unit ?? 'rows';
  const started = performance.now();
  let lastDraw = 0;
  const tty = Boolean(stream.isTTY);

  const line = (done: number, total?: number) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    if (!total) return `${label}: ${done.toLocaleString('en-US')} ${unit} (${rate.toLocaleString('en-US')} ${unit}/s)`;
    const pct = Math.min(100, Math.floor((done / total) * 100));
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit} (${rate.toLocaleString('en-US')} ${unit}/s)`;
  };

  return {
    update(done, total) {
      const now = performance.now();
      if (now - lastDraw < (tty ? 100 : 5000)) return;
      lastDraw = now;
      stream.write(tty ? `\r\x1b[2K${line(done, total)}` : `${line(done, total)}\n`);
    },
    finish(message) {
      if (tty) stream.write('\r\x1b[2K');
      if (message) stream.write(`${message}\n`);
    },
  };
}
