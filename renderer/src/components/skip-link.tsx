/**
 * "Skip to content", the first Tab stop. It moves focus itself rather than following its href, because the
 * address holds the page's route (#/machines) and must not become #content.
 */
export function SkipLink({ target }: { target: string }) {
  return (
    <a
      className="skip-link"
      href={`#${target}`}
      onClick={(e) => {
        e.preventDefault();
        document.getElementById(target)?.focus();
      }}
    >
      Skip to content
    </a>
  );
}
