import type { z } from 'zod';
import type { CallName, CallResult, calls } from '../../../shared/contract';
import type { CoreServices } from '../services';

export type ParsedArg<K extends CallName> = z.output<(typeof calls)[K]['arg']>;
export type Handler<K extends CallName> = (arg: ParsedArg<K>, s: CoreServices) => Promise<CallResult<K>> | CallResult<K>;
/** The handlers of one domain: exactly the calls named in K. */
export type HandlerMap<K extends CallName> = { [P in K]: Handler<P> };
