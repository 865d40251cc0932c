import { Fragment } from 'react';
import { PAGES } from '../nav/routes';
import { useUiStore, type Page } from '../stores/ui-store';

const PLACE = /\b(Dashboard|Machines|Patches|Deployments|Reports|Schedules|Settings) → ([A-Z][\w-]*)/g;

/** Opens a page and brings the named section (matched by the start of its label) into view once it renders. */
function openPlace(page: Page, section: string): void {
  useUiStore.getState().go(page);
  // The section exists only after the page has rendered, one task later.
  setTimeout(() => {
    const el = [...document.querySelectorAll<HTMLElement>('main [aria-label]')].find((e) => e.getAttribute('aria-label')?.startsWith(section));
    el?.scrollIntoView?.({ block: 'start' });
  }, 0);
}

/** A message that names a place in the app ("add one in Settings → Credentials") with that place as a link. */
export function PlaceText({ text }: { text: string }) {
  const parts: React.ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACE)) {
    const page = PAGES.find((p) => p === m[1]!.toLowerCase());
    if (!page) continue;
    parts.push(<Fragment key={`t${last}`}>{text.slice(last, m.index)}</Fragment>);
    parts.push(
      <button key={`l${m.index}`} type="button" className="link" onClick={() => openPlace(page, m[2]!)}>
        {m[0]}
      </button>,
    );
    last = m.index + m[0].length;
  }
  parts.push(<Fragment key="end">{text.slice(last)}</Fragment>);
  return <>{parts}</>;
}
