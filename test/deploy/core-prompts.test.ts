/**
 * Every prompt astbill or the shipped dialplan plays must be in the core English set a stock
 * Asterisk has: any other sound fails on a real box (PlaybackFinished `failed`) and the caller
 * hears nothing. The simulator carries that set (sim/core-sounds.ts) and fails the rest.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/src/config.js';
import { CORE_SOUND_NAMES } from '../../daemon/src/sim/core-sounds.js';
import { balanceAnnouncement, PROMPTS } from '../../daemon/src/session/prompts.js';
import { startRig, type Rig } from '../sim/helpers.js';

/** The core files one media URI plays (number: and digits: use digits/, characters: letters/). */
function coreFiles(uri: string): string[] {
  const [scheme, rest = ''] = uri.split(/:(.*)/s);
  if (scheme === 'sound') return [rest];
  if (scheme === 'characters') return [...rest.toLowerCase()].map((c) => `letters/${c}`);
  if (scheme === 'digits') return [...rest].map((d) => `digits/${d}`);
  if (scheme === 'number') return []; // said with digits/N, digits/hundred, ...: all core
  // tone: plays an indication of indications.conf (every stock country defines these), no file.
  if (scheme === 'tone' && STOCK_INDICATIONS.includes(rest)) return [];
  return [`<${uri}: not a core sound>`];
}

/** The indications every country of a stock indications.conf defines. */
const STOCK_INDICATIONS = [
  'dial',
  'busy',
  'ring',
  'congestion',
  'callwaiting',
  'dialrecall',
  'info',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return p.endsWith('/sim') ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const missing = (files: string[]) => files.filter((f) => !CORE_SOUND_NAMES.has(f));

describe('prompts on a stock Asterisk', () => {
  it('the simulator knows the 568 names of the core English set', () => {
    assert.equal(CORE_SOUND_NAMES.size, 568);
    for (const n of ['vm-and', 'digits/dollars', 'letters/e', 'silence/1', 'agent-pass'])
      assert.ok(CORE_SOUND_NAMES.has(n), n);
    for (const n of ['and', 'dollars', 'an-error-has-occured', 'cannot-complete-temp-error'])
      assert.ok(!CORE_SOUND_NAMES.has(n), n);
  });

  it('every prompt of the daemon is a core sound', () => {
    const media = [
      ...Object.values(PROMPTS).flat(),
      ...['USD', 'EUR', 'GBP', 'CAD'].flatMap((c) => balanceAnnouncement(123_400_000n, 600, c)),
      loadConfig({}).warnSound,
    ];
    assert.deepEqual(missing(media.flatMap(coreFiles)), []);
  });

  it('every sound: literal in the daemon’s source is a core sound', () => {
    const found = sourceFiles('daemon/src').flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/['"`]sound:([A-Za-z0-9/_-]+)['"`]/g)].map((m) => m[1]!),
    );
    assert.ok(found.length >= 10, `found ${found.length}`);
    assert.deepEqual(missing(found), []);
  });

  it('every Playback() and Background() of asterisk-conf/extensions.conf is a core sound', () => {
    const conf = readFileSync('asterisk-conf/extensions.conf', 'utf8').replace(/;.*$/gm, '');
    const files = [...conf.matchAll(/\b(?:Playback|Background)\(([^,)]*)/g)].flatMap((m) =>
      m[1]!.split('&'),
    );
    assert.ok(files.length >= 1);
    assert.deepEqual(missing(files), []);
  });

  it('the prompts asterisk-conf/README.md names are core sounds', () => {
    const text = readFileSync('asterisk-conf/README.md', 'utf8').split('## Prompts')[1] ?? '';
    const list = /\(([^)]*)\)/.exec(text)?.[1] ?? '';
    const named = [...list.matchAll(/`([a-z][a-z0-9/-]+)`/g)].map((m) => m[1]!);
    assert.ok(named.length >= 3);
    assert.deepEqual(missing(named), []);
  });

  describe('the simulator, as a real Asterisk', () => {
    let rig: Rig;
    beforeEach(async () => (rig = await startRig()));
    afterEach(() => rig.close());

    it('fails the playback of a sound outside the core set, plays a core one', async () => {
      const a = rig.sim.placeCall({ exten: '1' });
      await rig.ari.channels.answer({ channelId: a.channelId });
      const finished: Array<{ media: string; state: string }> = [];
      rig.ari.on('PlaybackFinished', (ev) =>
        finished.push({ media: ev.playback.media_uri, state: ev.playback.state }),
      );
      const media = ['sound:and', 'sound:dollars', 'sound:an-error-has-occured', 'sound:vm-and'];
      for (const m of media) await rig.ari.channels.play({ channelId: a.channelId, media: m });
      for (let i = 0; i < 50 && finished.length < media.length; i++) {
        rig.sim.manualClock.advance(500);
        // Wait until the client holds every PlaybackFinished the simulator has delivered.
        const delivered = () =>
          rig.sim
            .sentEvents('astbill')
            .filter((e) => e.delivered && e.event.type === 'PlaybackFinished').length;
        await rig.sim.waitUntil(() => finished.length >= delivered());
      }
      assert.deepEqual(finished, [
        { media: 'sound:and', state: 'failed' },
        { media: 'sound:dollars', state: 'failed' },
        { media: 'sound:an-error-has-occured', state: 'failed' },
        { media: 'sound:vm-and', state: 'done' },
      ]);
    });
  });
});
