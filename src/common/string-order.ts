/**
 * Orders strings by UTF-16 code unit, as Go compares strings (byte order for ASCII), which is
 * how Docker sorts names, tags and labels. Not localeCompare: that loads ICU's collation data
 * (about 4 MiB of RSS for the daemon) and orders by locale rules ('a' before 'B').
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
