/**
 * The websocket message handler that replaces ari-client's: frames of the types no one reads
 * (ChannelVarset: most of a SIP call's events; ChannelStateChange, ...) are dropped before parsing,
 * but only those: an event whose payload merely contains that text (a caller name) reaches the
 * session, and ApplicationReplaced (ignored by the translator) reaches the connection.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Client } from 'ari-client';
import { guardMessages } from '../../daemon/src/ari/client-internals.js';
import { createLogger } from '../../daemon/src/log.js';

function fakeClient(): { client: Client; ws: EventEmitter } {
  const ws = new EventEmitter();
  const models = {
    StasisStart: {},
    ChannelVarset: {},
    Dial: {},
    ChannelStateChange: {},
    ApplicationReplaced: {},
  };
  const client = { _ws: ws, _swagger: { apis: { events: { models } } } } as unknown as Client;
  return { client, ws };
}

describe('ARI websocket message handler', () => {
  it('drops ChannelVarset frames unparsed and delivers every other event', () => {
    const { client, ws } = fakeClient();
    let heard = 0;
    const delivered: unknown[] = [];
    guardMessages(
      client,
      createLogger('error', { silent: true }),
      () => (heard += 1),
      (e) => delivered.push(e),
    );
    const varset = { variable: 'BRIDGEPEER', value: 'PJSIP/x', type: 'ChannelVarset' };
    const tricky = {
      type: 'StasisStart',
      channel: { id: 'c1', caller: { name: '"type":"ChannelVarset"', number: '1' } },
    };
    ws.emit('message', JSON.stringify(varset));
    ws.emit('message', JSON.stringify(varset, null, 2));
    ws.emit('message', JSON.stringify(tricky));
    ws.emit('message', JSON.stringify({ type: 'Dial', dialstatus: 'ChannelVarset' }));
    assert.equal(heard, 4);
    assert.deepEqual(delivered, [tricky, { type: 'Dial', dialstatus: 'ChannelVarset' }]);
  });

  it('drops every type the translator ignores unparsed, except ApplicationReplaced', () => {
    const { client, ws } = fakeClient();
    const delivered: unknown[] = [];
    guardMessages(
      client,
      createLogger('error', { silent: true }),
      () => undefined,
      (e) => delivered.push(e),
    );
    const replaced = { type: 'ApplicationReplaced', application: 'astbill' };
    ws.emit('message', JSON.stringify({ type: 'ChannelStateChange', channel: { id: 'c1' } }));
    ws.emit('message', JSON.stringify(replaced));
    // A channel variable called `type` ahead of the event's own type: the frame is parsed.
    const vars = {
      channel: { id: 'c2', channelvars: { type: 'ChannelVarset' } },
      type: 'StasisStart',
    };
    ws.emit('message', JSON.stringify(vars));
    assert.deepEqual(delivered, [replaced, vars]);
  });
});
