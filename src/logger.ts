/**
 * A small leveled logger that writes one line per event to stderr.
 *
 * Hot paths call `logger.enabled(level)` before building anything to log, so a
 * quiet broker does no formatting work at all.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  readonly level: LogLevel;
  enabled(level: LogLevel): boolean;
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = defaultWrite): Logger {
  const threshold = RANK[level];
  const emit = (lvl: LogLevel, msg: string): void => {
    if (RANK[lvl] >= threshold) write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${msg}\n`);
  };
  return {
    level,
    enabled: (lvl) => RANK[lvl] >= threshold,
    debug: (msg) => emit('debug', msg),
    info: (msg) => emit('info', msg),
    warn: (msg) => emit('warn', msg),
    error: (msg) => emit('error', msg),
  };
}

export function isLogLevel(value: string): value is LogLevel {
  return value in RANK;
}

function defaultWrite(line: string): void {
  process.stderr.write(line);
}

/** A logger that drops everything; for tests and embedded brokers that asked for silence. */
export const silentLogger: Logger = createLogger('silent');
