import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Personal data and credentials never reach a log line in clear. Paths cover our own objects,
 * request headers and the lead shapes of every partner profile.
 */
export const redactedLogPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.apiKey',
  '*.api_token',
  '*.secret',
  '*.password',
  '*.email',
  '*.phone',
  '*.phone_number',
  '*.firstName',
  '*.lastName',
  '*.first_name',
  '*.last_name',
  '*.firstname',
  '*.lastname',
  '*.name',
  '*.consent',
  '*.compliance_text',
  'lead',
  'raw',
  'body',
  'email',
  'phone',
];

export interface CreateLoggerOptions {
  /** The app's name, on every line. */
  name: string;
  level: string;
  /** Human-readable lines for a terminal; JSON otherwise. */
  pretty: boolean;
}

export function createLogger({ name, level, pretty }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: redactedLogPaths, censor: '[redacted]' },
    base: { app: name },
  };
  if (pretty) {
    options.transport = {
      target: 'pino-pretty',
      options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,app', messageFormat: '{app} | {msg}' },
    };
  }
  return pino(options);
}

/** Pretty when asked, or when nothing was asked and a person is at the terminal. */
export function wantsPrettyLogs(format: 'pretty' | 'json' | undefined): boolean {
  return format ? format === 'pretty' : Boolean(process.stdout.isTTY);
}

export type { Logger };
