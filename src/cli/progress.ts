/**
 * A progress bar on standard error (only when it is a terminal): documents/s, MB/s, percentage and
 * ETA from input bytes. Without a known total (standard input) it shows counts and rates only.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../core/runner.js';

export class TerminalProgress implements Progress {
  private bar: cliProgress.SingleBar | null = null;
  private bytesDone = 0;
  private docsDone = 0;
  private started = Date.now();
  private total: number | null = null;
  private label = '';

  pass(label: string, totalBytes: number | null, totalUnits: number): void {
    this.stop();
    this.label = label;
    this.total = totalBytes;
    this.bytesDone = 0;
    this.docsDone = 0;
    this.started = Date.now();
    const known = totalBytes !== null && totalBytes > 0;
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: known
          ? '{label} [{bar}] {percentage}% | {docs} docs | {docsRate} docs/s | {mbRate} MB/s | ETA {eta_formatted}'
          : '{label} {docs} docs | {docsRate} docs/s | {mbRate} MB/s | {units} units',
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(known ? totalBytes : 1, 0, { label, docs: 0, docsRate: 0, mbRate: '0.0', units: totalUnits });
  }

  bytes(n: number): void {
    this.bytesDone += n;
    this.render();
  }

  docs(n: number): void {
    this.docsDone += n;
    this.render();
  }

  private render(): void {
    if (!this.bar) return;
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const payload = {
      label: this.label,
      docs: this.docsDone,
      docsRate: Math.round(this.docsDone / seconds),
      mbRate: (this.bytesDone / 1e6 / seconds).toFixed(1),
    };
    this.bar.update(this.total ? Math.min(this.bytesDone, this.total) : 0, payload);
  }

  /** Prints a line above the bar without breaking it. */
  log(line: string): void {
    if (this.bar) {
      process.stderr.write('\r\x1b[K' + line);
      this.render();
    } else process.stderr.write(line);
  }

  stop(): void {
    if (this.bar) {
      this.render();
      this.bar.stop();
      this.bar = null;
    }
  }
}
