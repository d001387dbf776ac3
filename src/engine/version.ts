/** Wharf's own version and the Docker Engine API versions it serves. */
export const WHARF_VERSION = '0.1.0';
export const API_VERSION = '1.45';
export const MIN_API_VERSION = '1.24';
