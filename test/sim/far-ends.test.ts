/** The far-end rules table: validation with clear errors, JSON/YAML files, longest-prefix matching. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRulesFile, matchRule, parseRules, RulesError } from '../../daemon/src/sim/far-ends.js';

describe('far-end rules', () => {
  it('match the longest prefix of the dialled number', () => {
    const rules = parseRules([
      { prefix: '', action: 'answer' },
      { prefix: '49', action: 'busy' },
      { prefix: '4930', action: 'noanswer' },
    ]);
    assert.equal(matchRule(rules, '4930123')?.action, 'noanswer');
    assert.equal(matchRule(rules, '4940')?.action, 'busy');
    assert.equal(matchRule(rules, '1')?.action, 'answer');
    assert.equal(matchRule(parseRules([{ prefix: '1', action: 'answer' }]), '2'), undefined);
  });

  it('reject bad rules with a message naming the rule and field', () => {
    assert.throws(
      () => parseRules([{ prefix: '1', action: 'explode' }]),
      /rule 1: action must be one of/,
    );
    assert.throws(
      () => parseRules([{ prefix: '1', action: 'busy', answerAfterMs: 5 }]),
      /only apply to action 'answer'/,
    );
    assert.throws(
      () => parseRules([{ prefix: '1', action: 'answer', hangupAfterMs: -1 }]),
      /hangupAfterMs must be/,
    );
    assert.throws(
      () =>
        parseRules([
          { prefix: '1', action: 'answer' },
          { prefix: '1', action: 'busy' },
        ]),
      /appears twice/,
    );
    assert.throws(
      () => parseRules([{ prefix: '1', action: 'answer', colour: 'red' }]),
      /unknown field 'colour'/,
    );
    assert.throws(() => parseRules('nope'), RulesError);
  });

  it('load from YAML and JSON files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'astbill-rules-'));
    const yaml = join(dir, 'rules.yaml');
    writeFileSync(
      yaml,
      'rules:\n  - prefix: "2"\n    action: answer\n    answerAfterMs: 3000\n    hangupAfterMs: 60000\n  - prefix: "3"\n    action: busy\n',
    );
    assert.deepEqual(loadRulesFile(yaml), [
      { prefix: '2', action: 'answer', answerAfterMs: 3000, hangupAfterMs: 60000 },
      { prefix: '3', action: 'busy' },
    ]);
    const json = join(dir, 'rules.json');
    writeFileSync(json, JSON.stringify([{ prefix: '4', action: 'noanswer' }]));
    assert.deepEqual(loadRulesFile(json), [{ prefix: '4', action: 'noanswer' }]);
    writeFileSync(json, '{oops');
    assert.throws(() => loadRulesFile(json), /not valid JSON/);
    assert.throws(() => loadRulesFile(join(dir, 'missing.yaml')), /cannot read \(ENOENT\)/);
  });
});
