/**
 * Structured logs with pino on standard error: JSON lines for machines (the default when stderr
 * is not a terminal, or `--log-format json`), one readable line per event for people.
 */
import { pino, type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

const levelNames: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const hidden = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** Formats a pino JSON line for a terminal: `12:00:01 info plan files=3 units=1`. */
export function prettyLine(json: string): string {
  const entry = JSON.parse(json) as Record<string, unknown>;
  const time = new Date(Number(entry.time)).toISOString().slice(11, 19);
  const fields = Object.entries(entry)
    .filter(([k]) => !hidden.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${levelNames[Number(entry.level)] ?? entry.level} ${String(entry.msg ?? '')}${fields ? ' ' + fields : ''}\n`;
}

export interface LogOptions {
  format: LogFormat;
  level?: string;
  /** Where pretty lines go; lets the progress bar redraw around them. @default process.stderr */
  write?: (line: string) => void;
}

export function createLogger(options: LogOptions): Logger {
  const level = options.level ?? 'info';
  if (options.format === 'json') return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  return pino({ level, base: undefined }, { write: (json: string) => write(prettyLine(json)) });
}

/** A logger that drops everything (library use and tests). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
