import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { scrubPersonalData } from './personal-data-scrubber.ts';

/**
 * Personal data and credentials never reach a log line in clear. Paths cover our own objects,
 * request headers and the lead shapes of every partner profile; `scrubPersonalData` catches the
 * same keys at any depth before serializers run, these paths catch what serializers produce.
 */
export const redactedLogPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-lead-router-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.authorization',
  '*.token',
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
  // Top-level keys: these also reach a child logger's bindings, which the scrubber never sees.
  'lead',
  'raw',
  'body',
  'email',
  'phone',
  'authorization',
  'apiKey',
  'secret',
  'password',
  'token',
  'cookie',
];

export interface CreateLoggerOptions {
  /** The app's name, on every line. */
  name: string;
  level: string;
  /** Human-readable lines for a terminal; JSON otherwise. */
  pretty: boolean;
  /** Where JSON lines go; stdout when not given (tests pass a stream to read them back). */
  destination?: DestinationStream;
}

export function createLogger({ name, level, pretty, destination }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: redactedLogPaths, censor: '[redacted]' },
    base: { app: name },
    formatters: { log: (object) => scrubPersonalData(object) },
  };
  if (pretty) {
    options.transport = {
      target: 'pino-pretty',
      options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,app', messageFormat: '{app} | {msg}' },
    };
  }
  return destination && !pretty ? pino(options, destination) : pino(options);
}

/** Pretty when asked, or when nothing was asked and a person is at the terminal. */
export function wantsPrettyLogs(format: 'pretty' | 'json' | undefined): boolean {
  return format ? format === 'pretty' : Boolean(process.stdout.isTTY);
}

export type { Logger };
