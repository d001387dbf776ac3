import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignColumns } from './tabwriter.js';
import { indentJson } from './json-indent.js';
import { renderRows } from './list.js';

test('tabwriter: minwidth 10, padding 3, last cell unpadded, widths in runes', () => {
  const out = alignColumns('CONTAINER ID\tIMAGE\tNAMES\nabc\tbusybox:latest…\tx\n');
  assert.equal(out, 'CONTAINER ID   IMAGE             NAMES\nabc            busybox:latest…   x\n');
  assert.equal(alignColumns('A\tB\n'), 'A         B\n');
});

test('renderRows: table headers, custom table, json lines, bare templates', () => {
  const rows = [{ ID: 'a1', Names: 'web' }];
  const headers = { ID: 'CONTAINER ID', Names: 'NAMES' };
  assert.equal(renderRows(rows, { defaultTable: 'table {{.ID}}\t{{.Names}}', headers }), 'CONTAINER ID   NAMES\na1             web\n');
  assert.equal(renderRows(rows, { format: 'table {{.Names}}\\t{{.ID}}', defaultTable: '', headers }), 'NAMES     CONTAINER ID\nweb       a1\n');
  assert.equal(renderRows(rows, { format: 'json', defaultTable: '', headers }), '{"ID":"a1","Names":"web"}\n');
  assert.equal(renderRows(rows, { format: '{{.ID}}:{{.Names}}', defaultTable: '', headers }), 'a1:web\n');
  assert.equal(renderRows([], { defaultTable: 'table {{.ID}}\t{{.Names}}', headers }), 'CONTAINER ID   NAMES\n');
});

test('indentJson matches Go json.Indent with four spaces', () => {
  assert.equal(indentJson('[{"a":1,"b":[],"c":{},"d":["x", "y"],"e":"s,:{"}]'), '[\n    {\n        "a": 1,\n        "b": [],\n        "c": {},\n        "d": [\n            "x",\n            "y"\n        ],\n        "e": "s,:{"\n    }\n]');
  assert.equal(indentJson('[]'), '[]');
  assert.equal(indentJson('{"k":"a\\"b"}'), '{\n    "k": "a\\"b"\n}');
});
