import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { evaluatePolicies, listBlocks, listRules, previewRule, removeBlock, removeRule, saveRule } from '../intel/policy-rules';
import { openUpdatesCache } from '../intel/patch-cache';
import { addBlock, forgetHolds } from '../intel/policy-queries';
import type { HandlerMap } from './types';

type PolicyCall =
  | 'policies/list'
  | 'policies/save-rule'
  | 'policies/remove-rule'
  | 'policies/preview'
  | 'policies/evaluate'
  | 'policies/add-block'
  | 'policies/remove-block';

// Every change to a rule or block is audited, then the rules run again so the change takes effect at once.
export const policyHandlers: HandlerMap<PolicyCall> = {
  'policies/list': (_arg, s) => ({ rules: listRules(s.db), blocks: listBlocks(s.db) }),
  'policies/save-rule': (input, s) => {
    const rule = s.db.transaction(() => {
      const saved = saveRule(s.db, input);
      appendAudit(s.db, { actor: 'user', action: 'policy.rule.save', targetType: 'policy-rule', targetId: saved.id, details: { ...input, summary: saved.summary } });
      return saved;
    })();
    return { rule, evaluation: evaluatePolicies(s.db, s.events) };
  },
  'policies/remove-rule': ({ id }, s) => {
    s.db.transaction(() => {
      const removed = removeRule(s.db, id);
      if (!removed) throw new AppError('not-found', `There is no policy rule ${id}: it may have been removed already`);
      appendAudit(s.db, { actor: 'user', action: 'policy.rule.remove', targetType: 'policy-rule', targetId: id, details: { name: removed.name, tag: removed.tag, summary: removed.summary } });
    })();
    // Without a tag's rule its machines fall back to the fleet rule, which may approve more.
    evaluatePolicies(s.db, s.events);
    return { ok: true as const };
  },
  'policies/preview': (input, s) => {
    const now = Date.now();
    return previewRule(s.db, input, now, openUpdatesCache(s.events).get(s.db, now));
  },
  'policies/evaluate': (_arg, s) => evaluatePolicies(s.db, s.events),
  'policies/add-block': (input, s) => {
    s.db.transaction(() => {
      try {
        addBlock(s.db, { kind: input.kind, name: input.name, reason: input.reason, ...(input.tag ? { tag: input.tag } : {}) });
      } catch (e) {
        throw new AppError('bad-request', e instanceof Error ? e.message : String(e));
      }
      appendAudit(s.db, { actor: 'user', action: 'policy.block.add', targetType: 'policy-block', targetId: input.name, details: input });
    })();
    s.events.emit('inventory/changed', { hostIds: [], reason: 'policy-blocks' });
    return listBlocks(s.db);
  },
  'policies/remove-block': ({ id }, s) => {
    s.db.transaction(() => {
      const removed = removeBlock(s.db, id);
      if (!removed) throw new AppError('not-found', `There is no block ${id}: it may have been removed already`);
      appendAudit(s.db, { actor: 'user', action: 'policy.block.remove', targetType: 'policy-block', targetId: removed.name, details: removed });
      forgetHolds(s.db, removed.name);
    })();
    evaluatePolicies(s.db, s.events);
    return listBlocks(s.db);
  },
};
