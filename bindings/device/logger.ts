// Log levels as wireguard-go reads them from LOG_LEVEL: silent, error,
// verbose (alias debug). Messages never contain private or preshared keys.

export type LogLevel = "silent" | "error" | "verbose";

export interface Logger {
  error(message: string): void;
  verbose(message: string): void;
}

export function parseLogLevel(value: string | undefined): LogLevel {
  switch (value) {
    case "silent":
      return "silent";
    case "verbose":
    case "debug":
      return "verbose";
    default:
      return "error";
  }
}

export function createLogger(level: LogLevel, prefix: string, write: (line: string) => void): Logger {
  const stamp = () => new Date().toISOString().replace("T", " ").slice(0, 19);
  return {
    error: level === "silent" ? () => {} : (m) => write(`${prefix}ERROR: ${stamp()} ${m}\n`),
    verbose: level === "verbose" ? (m) => write(`${prefix}DEBUG: ${stamp()} ${m}\n`) : () => {},
  };
}

export const silentLogger: Logger = { error: () => {}, verbose: () => {} };
