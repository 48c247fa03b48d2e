/**
 * What the objects added between two heap snapshots are, grouped by constructor (or type for
 * strings, closures, code...). Node ids are stable across snapshots of one process, so "added"
 * means present in the second snapshot and not in the first. Self sizes only (retained sizes
 * would need the dominator tree), which is what per-waiting-run memory is made of.
 * Used by the waits benchmark with BENCH_WAIT_HEAP=1 (keep BENCH_WAITING to a few thousand:
 * a snapshot is parsed in memory).
 */
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** A heap snapshot reduced to what the diff needs. */
export interface HeapNodes {
  ids: Set<number>;
  /** Per node: id, group label, self size. */
  entries: { id: number; label: string; size: number }[];
}

/**
 * Writes a heap snapshot to a temporary file (parsed later, so that measuring memory is not
 * disturbed by a parsed snapshot held in this heap); returns its path.
 */
export function writeSnapshot(tag: string): string {
  return v8.writeHeapSnapshot(path.join(os.tmpdir(), `waymark-bench-${process.pid}-${tag}.heapsnapshot`));
}

/** Reads (and deletes) a snapshot file written by {@link writeSnapshot}. */
export function readSnapshot(file: string): HeapNodes {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  rmSync(file, { force: true });
  const f = snap.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iId = f.indexOf('id');
  const iSize = f.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const ids = new Set<number>();
  const entries: HeapNodes['entries'] = [];
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!] ?? '?';
    const name = snap.strings[snap.nodes[i + iName]!] ?? '?';
    const id = snap.nodes[i + iId]!;
    const size = snap.nodes[i + iSize]!;
    ids.add(id);
    const label = type === 'object' || type === 'native' ? `${type} ${name}`
      : type === 'closure' ? `closure ${name || '(anonymous)'}`
        : type === 'array' ? `array ${name.startsWith('(') ? name : '(internal)'}`
          : type === 'hidden' ? `hidden ${name.startsWith('system /') ? name : name.slice(0, 40)}`
            : type;
    entries.push({ id, label, size });
  }
  return { ids, entries };
}

/** Added objects by label: bytes and count, largest first. */
export function diffHeap(before: HeapNodes, after: HeapNodes): { label: string; bytes: number; count: number }[] {
  const by = new Map<string, { bytes: number; count: number }>();
  for (const e of after.entries) {
    if (before.ids.has(e.id)) continue;
    const g = by.get(e.label) ?? { bytes: 0, count: 0 };
    g.bytes += e.size;
    g.count++;
    by.set(e.label, g);
  }
  return [...by.entries()].map(([label, g]) => ({ label, ...g })).sort((a, b) => b.bytes - a.bytes);
}
