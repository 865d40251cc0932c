import { machineDetailOf, updateDetailOf } from '../intel/update-detail';
import type { HandlerMap } from './types';

export const detailHandlers: HandlerMap<'patches/detail' | 'machines/detail'> = {
  'patches/detail': ({ package: pkg, candidateVersion }, s) => updateDetailOf(s.db, pkg, candidateVersion),
  'machines/detail': ({ id, limit }, s) => machineDetailOf(s.db, id, limit),
};
