import assert from 'node:assert/strict';
import { destinationAllowed, type DestRule } from '../../daemon/src/rating/index.js';

describe('destination rules (pure)', () => {
  const r = (scope: DestRule['scope'], prefix: string, action: DestRule['action']): DestRule => ({
    scope,
    prefix,
    action,
  });
  it('lets the longest matching rule decide, the account before the tariff', () => {
    const rules = [r('tariff', '88', 'deny'), r('tariff', '8815', 'allow')];
    assert.equal(destinationAllowed('881612', rules, false), false);
    assert.equal(destinationAllowed('881512', rules, false), true);
    assert.equal(destinationAllowed('881612', [...rules, r('account', '8', 'allow')], false), true);
  });
  it('allows unmatched numbers unless there is an allow list', () => {
    assert.equal(destinationAllowed('4420', [], false), true);
    assert.equal(destinationAllowed('4420', [], true), false);
  });
});
