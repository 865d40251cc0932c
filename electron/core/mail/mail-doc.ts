/**
 * Every mail is written once as sections of lines and rendered twice: plain text and simple HTML. The HTML has
 * no script, no image, no style sheet and no link: machine and package names come from the machines, so every
 * value is escaped, and nothing in a mail can act on Patchwell (it says where to look instead).
 */
import { redactSecrets } from '../../../shared/redact';
import { esc } from '../reports/report-html';
import type { OutgoingMail } from './smtp';

export interface MailLine {
  text: string;
  /** Indented lines under it (a deployment's versions). */
  sub?: readonly string[];
}

export interface MailSection {
  heading: string;
  lines: readonly MailLine[];
  /** Said when there are no lines ("Nothing failed."). */
  empty?: string;
}

export interface MailDoc {
  subject: string;
  intro: string;
  sections: readonly MailSection[];
}

/** Said at the foot of every mail: where to act, since the mail itself cannot. */
export const FOOTER = 'This mail only informs: nothing in it approves, deploys or changes anything. Open Patchwell to act.';

/** A local date and time, minutes only ("2026-12-04 07:00"). */
export function when(ts: number): string {
  const d = new Date(ts);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Line breaks in a value would break the text layout (and the subject header): flattened to spaces. */
const flat = (s: string): string => s.replace(/[\r\n\t]+/g, ' ');

/**
 * Failure messages quote what ran on a machine (a health-check command may carry a password): every line passes
 * the same redaction as logs and the audit trail before it can leave in a mail.
 */
function redactDoc(doc: MailDoc): MailDoc {
  return {
    subject: redactSecrets(doc.subject),
    intro: redactSecrets(doc.intro),
    sections: doc.sections.map((s) => ({ ...s, lines: s.lines.map((l) => ({ text: redactSecrets(l.text), ...(l.sub ? { sub: l.sub.map(redactSecrets) } : {}) })) })),
  };
}

export function renderMail(input: MailDoc): OutgoingMail {
  const doc = redactDoc(input);
  const text: string[] = [flat(doc.intro), ''];
  const html: string[] = [
    '<!doctype html><html><body style="font-family:sans-serif;font-size:14px;line-height:1.4">',
    `<p>${esc(doc.intro)}</p>`,
  ];
  for (const s of doc.sections) {
    text.push(s.heading.toUpperCase());
    html.push(`<h2 style="font-size:16px;margin:16px 0 4px">${esc(s.heading)}</h2>`);
    if (s.lines.length === 0) {
      text.push(`  ${flat(s.empty ?? 'Nothing.')}`);
      html.push(`<p>${esc(s.empty ?? 'Nothing.')}</p>`);
    } else {
      html.push('<ul>');
      for (const l of s.lines) {
        text.push(`  - ${flat(l.text)}`);
        for (const sub of l.sub ?? []) text.push(`      ${flat(sub)}`);
        const subs = l.sub?.length ? `<ul>${l.sub.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '';
        html.push(`<li>${esc(l.text)}${subs}</li>`);
      }
      html.push('</ul>');
    }
    text.push('');
  }
  text.push(FOOTER, '');
  html.push(`<p style="color:#555">${esc(FOOTER)}</p>`, '</body></html>');
  return { subject: flat(doc.subject).slice(0, 200), text: text.join('\n'), html: html.join('\n') };
}
