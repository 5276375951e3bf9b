/**
 * The runtime's minimal logger. Messages carry counts, names and ids only,
 * never message bodies or other ticket text.
 */
export interface RuntimeLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const write =
  (level: 'info' | 'warn' | 'error') =>
  (message: string, fields?: Record<string, unknown>): void => {
    const line = `[local-runtime] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`;
    if (level === 'error') console.error(line);
    else if (level === 'warn') console.warn(line);
    else console.info(line);
  };

/** Logs warnings and errors to the console; info is dropped unless `verbose`. */
export function consoleLogger(verbose = false): RuntimeLogger {
  return { info: verbose ? write('info') : () => undefined, warn: write('warn'), error: write('error') };
}

export const silentLogger: RuntimeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
