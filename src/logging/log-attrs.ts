/** What the json-file driver's labels/env/tag options pick out of a container for every line. */
export interface LogSource {
  id: string;
  name: string;
  /** The image as the user named it, and its id (sha256:…). */
  image: string;
  imageId: string;
  labels: Record<string, string>;
  /** KEY=VALUE, as Config.Env. */
  env: string[];
}

/**
 * The `attrs` object dockerd adds to each json-file line: the labels named by `labels` or
 * matching `labels-regex`, the environment variables named by `env` or matching `env-regex`,
 * and `tag` expanded (only when the option is given).
 */
export function logAttributes(options: Record<string, string>, src: LogSource): Record<string, string> {
  const attrs: Record<string, string> = {};
  const pick = (names: string | undefined, pattern: string | undefined, values: Record<string, string>) => {
    for (const k of (names ?? '').split(',')) if (k && values[k] !== undefined) attrs[k] = values[k]!;
    if (pattern) {
      const re = new RegExp(pattern);
      for (const [k, v] of Object.entries(values)) if (re.test(k)) attrs[k] = v;
    }
  };
  pick(options.labels, options['labels-regex'], src.labels);
  const env: Record<string, string> = {};
  for (const kv of src.env) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  pick(options.env, options['env-regex'], env);
  if (options.tag !== undefined) attrs.tag = expandTag(options.tag, src);
  return attrs;
}

/** The log tag template: Docker's fields of a container, as `{{.Name}}` and friends. */
export function expandTag(template: string, src: LogSource): string {
  const imageHex = src.imageId.replace(/^sha256:/, '');
  const fields: Record<string, string> = {
    ID: src.id.slice(0, 12),
    FullID: src.id,
    Name: src.name.replace(/^\//, ''),
    ImageID: imageHex.slice(0, 12),
    ImageFullID: src.imageId,
    ImageName: src.image,
    DaemonName: 'docker',
  };
  return template.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (whole, field: string) => {
    const v = fields[field];
    if (v === undefined) throw new Error(`template: log-tag:1: executing "log-tag" at <.${field}>: can't evaluate field ${field} in type *logger.Info`);
    return v;
  });
}
