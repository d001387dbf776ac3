/** The columns of `ps` computed from /containers/json entries, as docker's ContainerContext does. */
import { ago, goTimeString, humanSize } from '../format/units.js';
import { displayWidth } from '../format/tabwriter.js';
import type { Row } from '../format/list.js';
import { shortId } from './common.js';
import { byCodeUnit } from '../../common/string-order.js';

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  Command?: string;
  Created?: number;
  Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels?: Record<string, string> | null;
  State?: string;
  Status?: string;
  Mounts?: { Name?: string; Source?: string; Driver?: string }[];
  NetworkSettings?: { Networks?: Record<string, unknown> } | null;
}

export const psHeaders: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
  LocalVolumes: 'LOCAL VOLUMES',
  Platform: 'PLATFORM',
};

/** Cuts a string to `max` display columns ending in "…" (docker's formatter.Ellipsis). */
export function ellipsis(s: string, max: number): string {
  if (displayWidth(s) <= max) return s;
  return `${[...s].slice(0, max - 1).join('')}…`;
}

/** Go's strconv.Quote for the characters commands contain. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function displayPorts(ports: ContainerSummary['Ports']): string {
  if (!ports || ports.length === 0) return '';
  const sorted = [...ports].sort((a, b) => a.PrivatePort - b.PrivatePort || byCodeUnit(a.Type, b.Type) || byCodeUnit(a.IP ?? '', b.IP ?? ''));
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const p of sorted) {
    let s: string;
    if (p.PublicPort) {
      const ip = p.IP && p.IP.includes(':') ? `[${p.IP}]` : p.IP || '0.0.0.0';
      s = `${ip}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`;
    } else s = `${p.PrivatePort}/${p.Type}`;
    if (!seen.has(s)) parts.push(s);
    seen.add(s);
  }
  return parts.join(', ');
}

function displayImage(c: ContainerSummary, trunc: boolean): string {
  const image = c.Image ?? '';
  if (!image) return '<no image>';
  if (!trunc) return image;
  if (c.ImageID && shortId(c.ImageID) === shortId(image)) return shortId(image);
  // A "name:tag@digest" reference shows as name:tag.
  const at = image.indexOf('@');
  if (at > 0 && image.slice(0, at).lastIndexOf(':') > image.slice(0, at).lastIndexOf('/')) return image.slice(0, at);
  return image;
}

/** One ps row; field values are strings as docker's context methods return them. */
export function containerRow(c: ContainerSummary, trunc: boolean, now = Date.now()): Row {
  let names = (c.Names ?? []).map((n) => n.replace(/^\//, ''));
  if (trunc) {
    const own = names.find((n) => !n.includes('/'));
    if (own !== undefined) names = [own];
  }
  const labels = c.Labels ?? {};
  const srw = humanSize(c.SizeRw ?? 0, 3);
  const size = (c.SizeRootFs ?? 0) > 0 ? `${srw} (virtual ${humanSize(c.SizeRootFs ?? 0, 3)})` : srw;
  const mounts = (c.Mounts ?? []).map((m) => {
    const name = m.Name || m.Source || '';
    return trunc ? ellipsis(name, 15) : name;
  });
  const command = c.Command ?? '';
  return {
    ID: trunc ? shortId(c.Id) : c.Id,
    Image: displayImage(c, trunc),
    Command: goQuote(trunc ? ellipsis(command, 20) : command),
    CreatedAt: goTimeString(new Date((c.Created ?? 0) * 1000)),
    RunningFor: ago(c.Created ?? 0, now),
    Ports: displayPorts(c.Ports),
    State: c.State ?? '',
    Status: c.Status ?? '',
    Size: size,
    Names: names.join(','),
    Labels: Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`)
      .join(','),
    Mounts: mounts.join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {})
      .sort()
      .join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
    Platform: null,
    Label: (name: unknown) => labels[String(name)] ?? '',
  };
}
