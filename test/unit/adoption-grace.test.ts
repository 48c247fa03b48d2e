import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdoptionGrace } from '../../src/runtime/adoption-grace.js';

const TTL = 3_000;

test('a worker renewing on time may adopt at once', () => {
  const g = new AdoptionGrace(TTL);
  assert.equal(g.mayAdopt(0), false, 'not before its first renewal');
  assert.equal(g.renewed(0), false);
  assert.equal(g.mayAdopt(0), true);
  assert.equal(g.renewed(1_000), false);
  assert.equal(g.renewed(1_000 + TTL), false, 'renewals up to a lease apart are on time');
  assert.equal(g.mayAdopt(1_000 + TTL), true);
});

test('after a failed renewal, a worker adopts nobody for one lease from its next renewal', () => {
  const g = new AdoptionGrace(TTL);
  g.renewed(0);
  g.cutOff();
  assert.equal(g.renewed(500), true, 'a grace starts');
  assert.equal(g.mayAdopt(500), false);
  assert.equal(g.mayAdopt(500 + TTL - 1), false);
  assert.equal(g.mayAdopt(500 + TTL), true);
  assert.equal(g.renewed(1_500), false, 'one failure starts one grace');
  assert.equal(g.mayAdopt(500 + TTL), true);
});

test('renewals more than a lease apart (the database or this process stalled) start a grace too', () => {
  const g = new AdoptionGrace(TTL);
  g.renewed(0);
  assert.equal(g.renewed(TTL + 1), true);
  assert.equal(g.mayAdopt(TTL + 1), false);
  assert.equal(g.mayAdopt(2 * TTL + 1), true);
});
