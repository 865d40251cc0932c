/** Policies: auto-approve rules and the block list. */
import type { CallArg } from '../../../shared/contract';
import { invoke } from './client';

export const policiesService = {
  list: () => invoke('policies/list'),
  saveRule: (rule: CallArg<'policies/save-rule'>) => invoke('policies/save-rule', rule),
  removeRule: (id: number) => invoke('policies/remove-rule', { id }),
  preview: (rule: CallArg<'policies/preview'>) => invoke('policies/preview', rule),
  evaluate: () => invoke('policies/evaluate'),
  addBlock: (block: CallArg<'policies/add-block'>) => invoke('policies/add-block', block),
  removeBlock: (id: number) => invoke('policies/remove-block', { id }),
};
